package analyze

import (
	"testing"

	"github.com/mptcpdump/mptcpdump/reassembly"
)

// The timeline keeps the most recent events in capture order.
func TestTimelineRing(t *testing.T) {
	c := &reassembly.Connection{ID: 1}
	tl := &Timeline{max: 3}
	for i := uint64(1); i <= 5; i++ {
		tl.Observe(&reassembly.Event{Kind: reassembly.EventDataFIN, Packet: i, Conn: c})
		tl.Observe(&reassembly.Event{Kind: reassembly.EventJoinHMACInvalid, Packet: 100 + i, Conn: c}) // not a timeline event
	}
	got := tl.Events()
	if len(got) != 3 || got[0].Packet != 3 || got[1].Packet != 4 || got[2].Packet != 5 || tl.Dropped != 2 {
		t.Errorf("events %+v dropped %d", got, tl.Dropped)
	}
}
