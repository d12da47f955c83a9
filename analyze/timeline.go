package analyze

import (
	"fmt"
	"time"

	"github.com/mptcpdump/mptcpdump/reassembly"
)

// MaxTimelineEvents caps the timeline kept for a capture: the most recent
// events are kept, older ones are counted in Timeline.Dropped.
const MaxTimelineEvents = 100_000

// TimelineEvent is one entry of the timeline: what happened to which
// connection and subflow, when.
type TimelineEvent struct {
	Time    time.Time
	Packet  uint64
	Kind    reassembly.EventKind
	Conn    *reassembly.Connection
	Subflow *reassembly.Subflow // nil for connection-level events
	Side    reassembly.Side
	Detail  string
}

// Timeline collects the model's timeline events (reassembly.EventKind
// IsTimeline) in capture order: the last MaxTimelineEvents of them, in a
// ring, so a capture of any length costs bounded memory.
type Timeline struct {
	ring    []TimelineEvent
	head    int // index of the oldest event once the ring is full
	Dropped int // events that fell out of the ring
	max     int
}

// Observe implements reassembly.Observer.
func (tl *Timeline) Observe(e *reassembly.Event) {
	if !e.Kind.IsTimeline() || e.Conn == nil {
		return
	}
	ev := TimelineEvent{Time: e.Time, Packet: e.Packet, Kind: e.Kind, Conn: e.Conn,
		Subflow: e.Subflow, Side: e.Side, Detail: detail(e)}
	limit := tl.max
	if limit == 0 {
		limit = MaxTimelineEvents
	}
	if len(tl.ring) < limit {
		tl.ring = append(tl.ring, ev)
		return
	}
	tl.ring[tl.head] = ev
	tl.head = (tl.head + 1) % len(tl.ring)
	tl.Dropped++
}

// Events returns the kept events, oldest first.
func (tl *Timeline) Events() []TimelineEvent {
	out := make([]TimelineEvent, 0, len(tl.ring))
	out = append(out, tl.ring[tl.head:]...)
	return append(out, tl.ring[:tl.head]...)
}

// detail says what a timeline event carries, in words.
func detail(e *reassembly.Event) string {
	sf := e.Subflow
	flow := func() string {
		if sf == nil {
			return ""
		}
		return fmt.Sprintf("%s → %s", sf.Addr[reassembly.FromInitiator], sf.Addr[reassembly.FromResponder])
	}
	switch e.Kind {
	case reassembly.EventSubflowEstablished:
		if sf.Join {
			return fmt.Sprintf("join %s, HMAC %s", flow(), sf.HMAC)
		}
		return "initial subflow " + flow()
	case reassembly.EventSubflowClosed:
		return "FIN both ways on " + flow()
	case reassembly.EventSubflowReset:
		out := fmt.Sprintf("RST from the %s on %s", e.Side, flow())
		if e.Reason != "" {
			out += ", MP_TCPRST: " + e.Reason
		}
		return out
	case reassembly.EventAddAddr:
		return fmt.Sprintf("the %s announces ID %d = %s", e.Side, e.AddrID, addr(e))
	case reassembly.EventAddAddrEcho:
		return fmt.Sprintf("the %s echoes ID %d = %s", e.Side, e.AddrID, addr(e))
	case reassembly.EventRemoveAddr:
		return fmt.Sprintf("the %s removes address ID %d", e.Side, e.AddrID)
	case reassembly.EventMPPrio:
		prio := "regular"
		if e.Backup {
			prio = "backup"
		}
		return fmt.Sprintf("the %s asks for %s priority on %s", e.Side, prio, flow())
	case reassembly.EventFastClose:
		return fmt.Sprintf("the %s aborts the connection", e.Side)
	case reassembly.EventTCPRst:
		return fmt.Sprintf("the %s resets %s: %s", e.Side, flow(), e.Reason)
	case reassembly.EventDataFIN:
		return fmt.Sprintf("the %s ends its data at DSN %016x", e.Side, e.DSN)
	case reassembly.EventMPFail:
		return fmt.Sprintf("the %s reports a checksum failure at DSN %016x", e.Side, e.DSN)
	case reassembly.EventFallback:
		return fmt.Sprintf("data continues as plain TCP from DSN %016x (%s)", e.DSN, e.Reason)
	case reassembly.EventHandshakeFallback:
		return "handshake fell back to plain TCP: " + e.Reason
	}
	return ""
}

func addr(e *reassembly.Event) string {
	if e.Addr.Port() == 0 {
		return e.Addr.Addr().String()
	}
	return e.Addr.String()
}

// observers fans events out to several observers, in order.
type observers []reassembly.Observer

func (o observers) Observe(e *reassembly.Event) {
	for _, x := range o {
		x.Observe(e)
	}
}
