package reassembly

import (
	"net/netip"
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

// addAddrV1 encodes a v1 ADD_ADDR for an IPv4 address without port.
func addAddrV1(id byte, addr [4]byte, mac uint64) []byte {
	return cat([]byte{30, 16, 0x30, id}, addr[:], be64(mac))
}

func kindsOf(evs []Event) []EventKind {
	var k []EventKind
	for _, e := range evs {
		k = append(k, e.Kind)
	}
	return k
}

// The digest's §8.3 vector: A announces ID 5 = 192.0.2.5, HMAC
// 2f094c5a258ebf84; B echoes it; a copy with one HMAC bit flipped is
// reported; REMOVE_ADDR of the known ID is an event, of an unknown ID a
// finding.
func TestAddressBook(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	tr.Process(b.pkt(client, server, ack, 1001, addAddrV1(5, [4]byte{192, 0, 2, 5}, 0x2f094c5a258ebf84)))
	tr.Process(b.pkt(client, server, ack, 1001, addAddrV1(5, [4]byte{192, 0, 2, 5}, 0x2f094c5a258ebf84))) // retransmission
	tr.Process(b.pkt(server, client, ack, 5001, []byte{30, 8, 0x31, 5, 192, 0, 2, 5}))                    // echo
	tr.Process(b.pkt(client, server, ack, 1001, addAddrV1(6, [4]byte{192, 0, 2, 6}, 0x2f094c5a258ebf84))) // wrong HMAC for ID 6
	tr.Process(b.pkt(client, server, ack, 1001, []byte{30, 5, 0x40, 5, 9}))                               // remove 5 (known), 9 (unknown)
	tr.Finish()
	c := tr.Connections()[0]
	a5 := c.Addresses[Client][5]
	if a5 == nil || a5.Addr != netip.MustParseAddr("192.0.2.5") || a5.HMAC != HMACValid || !a5.Echoed || !a5.Removed || a5.Packet != 4 {
		t.Errorf("address 5: %+v", a5)
	}
	if a6 := c.Addresses[Client][6]; a6 == nil || a6.HMAC != HMACInvalid {
		t.Errorf("address 6: %+v", a6)
	}
	if got := kindsOf(rec.events); len(got) != 2 || got[0] != EventAddAddrHMACInvalid || got[1] != EventRemoveAddrUnknown ||
		rec.events[0].Packet != 7 || rec.events[1].AddrID != 9 {
		t.Errorf("events %+v", rec.events)
	}
	var timeline []EventKind
	for _, e := range rec.timeline {
		if e.Kind != EventSubflowEstablished {
			timeline = append(timeline, e.Kind)
		}
	}
	if want := []EventKind{EventAddAddr, EventAddAddrEcho, EventAddAddr, EventRemoveAddr}; len(timeline) != len(want) || timeline[0] != want[0] || timeline[1] != want[1] || timeline[3] != want[3] {
		t.Errorf("timeline %v, want %v", timeline, want)
	}
}

func TestPriorityFastCloseAndReset(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	sf := tr.Connections()[0].Subflows[0]
	tr.Process(b.pkt(client, server, ack, 1001, []byte{30, 3, 0x51})) // MP_PRIO backup
	tr.Process(b.pkt(client, server, ack, 1001, []byte{30, 3, 0x51})) // repeat: no new event
	if !sf.Backup[FromInitiator] || sf.Backup[FromResponder] {
		t.Errorf("backup %v", sf.Backup)
	}
	// The server aborts: MP_FASTCLOSE with the client's key, on a RST with
	// MP_TCPRST "administratively prohibited".
	tr.Process(b.pkt(server, client, rst, 5001, cat([]byte{30, 12, 0x70, 0}, be64(keyA)), []byte{30, 4, 0x80, 0x03}))
	tr.Finish()
	c := tr.Connections()[0]
	if !c.FastClose.Seen || c.FastClose.By != Server || c.Close() != CloseFastClose || c.State(Client) != "M_CLOSED" {
		t.Errorf("fast close %+v close %s state %s", c.FastClose, c.Close(), c.State(Client))
	}
	if !sf.Reset || !sf.HasResetReason || sf.ResetReason != 3 || sf.ResetTransient {
		t.Errorf("reset %v reason %v %v", sf.Reset, sf.ResetReason, sf.HasResetReason)
	}
	if len(rec.events) != 0 {
		t.Errorf("events %v", rec.kinds())
	}
	var prio, fc, reset, tcprst int
	for _, e := range rec.timeline {
		switch e.Kind {
		case EventTCPRst:
			tcprst++
		case EventMPPrio:
			prio++
		case EventFastClose:
			fc++
		case EventSubflowReset:
			reset++
			if e.Reason != "administratively prohibited" {
				t.Errorf("reset reason %q", e.Reason)
			}
		}
	}
	if prio != 1 || fc != 1 || reset != 1 || tcprst != 1 {
		t.Errorf("timeline: %d mp-prio, %d fastclose, %d resets, %d tcprst", prio, fc, reset, tcprst)
	}
}

func TestFastCloseKey(t *testing.T) {
	// A wrong key is reported; a key never seen is learned from the option.
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	tr.Process(b.pkt(client, server, ack, 1001, cat([]byte{30, 12, 0x70, 0}, be64(keyB^1))))
	tr.Finish()
	if len(rec.events) != 1 || rec.events[0].Kind != EventFastCloseKeyMismatch || rec.events[0].Want != keyB || rec.events[0].Got != keyB^1 {
		t.Errorf("events %+v", rec.events)
	}

	tr = NewTracker(nil)
	b = &builder{}
	tr.Process(b.pkt(client, server, syn, 1000, mpcSYNv1()))
	tr.Process(b.pkt(server, client, synack, 5000, mpcKey(1, keyB)))
	// The third ACK was not captured: Key-A comes from the server's MP_FASTCLOSE.
	tr.Process(b.pkt(server, client, rst, 5001, cat([]byte{30, 12, 0x70, 0}, be64(keyA))))
	tr.Finish()
	if e := tr.Connections()[0].Ends[Client]; !e.HasKey || e.Key != keyA || e.Token != 0x4ad3227d {
		t.Errorf("client key not learned: %+v", e)
	}
}

// Connection-level states through a DATA_FIN exchange (RFC 8684 Appendix D):
// the client closes first.
func TestConnectionStates(t *testing.T) {
	tr := NewTracker(nil)
	b := &builder{}
	handshakeV1(tr, b)
	c := tr.Connections()[0]
	const idsnB = 0x2b40ffe85aa0b3e6
	ack64 := func(v uint64) []byte {
		return cat([]byte{30, 12, 0x20, decode.DSSFlagDataACK | decode.DSSFlagDataACK64}, be64(v))
	}
	check := func(step, cs, ss string) {
		t.Helper()
		if c.State(Client) != cs || c.State(Server) != ss {
			t.Errorf("%s: client %s server %s, want %s %s", step, c.State(Client), c.State(Server), cs, ss)
		}
	}
	check("established", "M_ESTABLISHED", "M_ESTABLISHED")
	tr.Process(b.pkt(client, server, ack, 1001, dss64(idsnA+1, 0, 1, true, nil)))
	check("client DATA_FIN", "M_FIN_WAIT_1", "M_CLOSE_WAIT")
	tr.Process(b.pkt(server, client, ack, 5001, ack64(idsnA+2)))
	check("acked", "M_FIN_WAIT_2", "M_CLOSE_WAIT")
	tr.Process(b.pkt(server, client, ack, 5001, dss64(idsnB+1, 0, 1, true, nil)))
	check("server DATA_FIN", "M_TIME_WAIT", "M_LAST_ACK")
	tr.Process(b.pkt(client, server, ack, 1001, ack64(idsnB+2)))
	check("both acked", "M_TIME_WAIT", "M_CLOSED")
	tr.Process(b.pkt(client, server, decode.FlagFIN|ack, 1001))
	tr.Process(b.pkt(server, client, decode.FlagFIN|ack, 5001))
	tr.Finish()
	check("subflows closed", "M_CLOSED", "M_CLOSED")
	if c.Close() != CloseDataFIN {
		t.Errorf("close %s", c.Close())
	}
}

func TestMPCapableUnexpectedAndVersion(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	// The listener answers a v0 SYN with version 1: not allowed.
	tr.Process(b.pkt(client, server, syn, 1000, mpcKey(0, keyA)))
	tr.Process(b.pkt(server, client, synack, 5000, mpcKey(1, keyB)))
	tr.Process(b.pkt(client, server, ack, 1001, mpcKeys(1, keyA, keyB)))
	// MP_CAPABLE from the listener after its SYN/ACK.
	tr.Process(b.pkt(server, client, ack, 5001, mpcKeys(1, keyB, keyA)))
	tr.Finish()
	if got := rec.kinds(); len(got) != 2 || got[0] != EventVersionMismatch || got[1] != EventMPCapableUnexpected ||
		rec.events[0].Packet != 2 || rec.events[1].Packet != 4 {
		t.Errorf("events %+v", rec.events)
	}
}

// A Data ACK beyond everything sent, contradicted by the Data ACKs after
// it, is reported; one that keeps rising (data that travelled on subflows
// this capture does not see) is not.
func TestDataACKUnsent(t *testing.T) {
	ack64 := func(v uint64) []byte {
		return cat([]byte{30, 12, 0x20, decode.DSSFlagDataACK | decode.DSSFlagDataACK64}, be64(v))
	}
	for _, tc := range []struct {
		name string
		acks []uint64
		want bool
	}{
		{"spike", []uint64{idsnA + 5, idsnA + 5 + 1<<40, idsnA + 5}, true},
		{"unseen data", []uint64{idsnA + 5, idsnA + 900, idsnA + 2000}, false},
		{"healthy", []uint64{idsnA + 1, idsnA + 5, idsnA + 5}, false},
	} {
		rec := &recorder{}
		tr := NewTracker(rec)
		b := &builder{}
		handshakeV1(tr, b)
		tr.Process(b.data(client, server, 1001, []byte("data"), dss64(idsnA+1, 1, 4, false, nil)))
		for _, a := range tc.acks {
			tr.Process(b.pkt(server, client, ack, 5001, ack64(a)))
		}
		tr.Finish()
		got := len(rec.events) == 1 && rec.events[0].Kind == EventDataACKUnsent && rec.events[0].Packet == 6
		if got != tc.want || (!tc.want && len(rec.events) != 0) {
			t.Errorf("%s: events %+v", tc.name, rec.events)
		}
	}
}

// The window of a segment carrying a Data ACK is the data-level receive
// window, scaled by the shift both SYNs announced.
func TestDataLevelWindow(t *testing.T) {
	tr := NewTracker(nil)
	b := &builder{}
	p := b.pkt(client, server, syn, 1000, mpcSYNv1())
	p.WindowScale, p.HasWindowScale = 7, true
	tr.Process(p)
	p = b.pkt(server, client, synack, 5000, mpcKey(1, keyB))
	p.WindowScale, p.HasWindowScale = 9, true
	tr.Process(p)
	tr.Process(b.pkt(client, server, ack, 1001, mpcKeys(1, keyA, keyB)))
	p = b.pkt(server, client, ack, 5001, cat([]byte{30, 12, 0x20, decode.DSSFlagDataACK | decode.DSSFlagDataACK64}, be64(idsnA+1)))
	p.Window = 100
	tr.Process(p)
	tr.Finish()
	st := &tr.Connections()[0].Streams[Client]
	if !st.HasReceiveWindow || st.ReceiveWindow != 100<<9 || st.WindowEdge != idsnA+1+100<<9 {
		t.Errorf("window %d edge %x", st.ReceiveWindow, st.WindowEdge)
	}
}
