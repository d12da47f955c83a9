package reassembly

import (
	"fmt"
	"net/netip"

	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/mpcrypto"
	"github.com/mptcpdump/mptcpdump/seqnum"
)

// Address is one entry of an endpoint's address book: an address ID the
// endpoint announced (ADD_ADDR) or used (MP_JOIN, ID 0 for the initial
// subflow).
type Address struct {
	ID      uint8
	Addr    netip.Addr
	Port    uint16 // 0 when none was announced
	Packet  uint64 // where it was announced or first used
	ByJoin  bool   // learned from an MP_JOIN, not announced
	Echoed  bool   // the peer echoed the ADD_ADDR (v1)
	Removed bool   // withdrawn by REMOVE_ADDR
	// HMAC is the verdict on the v1 ADD_ADDR HMAC: valid, invalid,
	// unverified (a key is unknown) or none (v0, or learned by join).
	HMAC HMACStatus
}

// FastClose records an MP_FASTCLOSE.
type FastClose struct {
	Seen   bool
	By     Side
	Packet uint64
}

// Close says how a connection ended.
type Close string

// How connections end.
const (
	CloseDataFIN    Close = "data-fin"   // both DATA_FINs sent and acknowledged
	CloseFastClose  Close = "fastclose"  // MP_FASTCLOSE
	CloseReset      Close = "reset"      // every subflow reset, without DATA_FIN or fast close
	CloseFIN        Close = "fin"        // a fallen-back connection closed by TCP FINs
	CloseUnfinished Close = "unfinished" // still open at the end of the capture
)

// address returns side s's book entry for id, creating it.
func (c *Connection) address(s Side, id uint8) (*Address, bool) {
	if c.Addresses[s] == nil {
		c.Addresses[s] = make(map[uint8]*Address)
	}
	a, ok := c.Addresses[s][id]
	if !ok {
		a = &Address{ID: id}
		c.Addresses[s][id] = a
	}
	return a, ok
}

// noteJoinAddress records the address a join's SYN (or SYN/ACK) used with
// its address ID, unless that ID was announced already.
func (c *Connection) noteJoinAddress(s Side, id uint8, ap netip.AddrPort, packet uint64) {
	if a, ok := c.address(s, id); !ok {
		a.Addr, a.ByJoin, a.Packet = ap.Addr(), true, packet
	}
}

// onSignals handles the MPTCP signals of a non-SYN segment that are not
// about data placement: Data ACKs, address management, priorities,
// MP_FAIL, fast close, resets, and the checks on MP_CAPABLE.
func (t *Tracker) onSignals(sf *Subflow, d Dir, p *decode.Packet) {
	c := sf.Conn
	if c == nil {
		return
	}
	s := sf.side(d)
	for i := range p.Options {
		o := &p.Options[i]
		switch o.Subtype {
		case decode.SubtypeDSS:
			if o.DSS.HasDataACK {
				t.dataACK(c, s.Other(), o.DSS, p)
				// The window of a segment carrying a Data ACK is the
				// connection-level receive window, left edge the Data ACK
				// (RFC 8684 §3.3.4).
				st := &c.Streams[s.Other()]
				st.ReceiveWindow = uint64(p.Window) << sf.windowShift(d)
				st.HasReceiveWindow = true
				if edge := st.DataACK + st.ReceiveWindow; seqnum.DSN(st.WindowEdge).LessThan(seqnum.DSN(edge)) || st.WindowEdge == 0 {
					st.WindowEdge = edge
				}
				if t.dataObs != nil {
					t.observeData(DataEvent{Kind: DataAcked, Conn: c, Side: s.Other(), DSN: st.lastDataACK,
						Window: st.ReceiveWindow, FirstSubflow: -1}, p)
				}
			}
		case decode.SubtypeAddAddr:
			t.onAddAddr(sf, s, o, p)
		case decode.SubtypeRemoveAddr:
			for _, id := range o.RemoveAddr.IDs {
				a, known := c.Addresses[s][id]
				if !known && id != 0 {
					ev := t.emit(EventRemoveAddrUnknown, p, c, sf)
					ev.Side, ev.AddrID = s, id
					t.send()
					continue
				}
				if a != nil && a.Removed {
					continue // a retransmitted REMOVE_ADDR
				}
				if a != nil {
					a.Removed = true
				}
				ev := t.emit(EventRemoveAddr, p, c, sf)
				ev.Side, ev.AddrID = s, id
				t.send()
			}
		case decode.SubtypeMPPrio:
			t.onMPPrio(sf, d, o.MPPrio, p)
		case decode.SubtypeMPFail:
			c.MPFail++
			ev := t.emit(EventMPFail, p, c, sf)
			ev.Side, ev.DSN = s, o.MPFail.DSN
			t.send()
		case decode.SubtypeMPFastClose:
			t.onFastClose(sf, s, o.MPFastClose, p)
		case decode.SubtypeMPCapable:
			t.checkMPCapable(sf, d, o.MPCapable, p)
		case decode.SubtypeMPTCPRst:
			if p.Flags.Has(decode.FlagRST) && !sf.HasResetReason {
				sf.ResetReason, sf.ResetTransient, sf.HasResetReason = o.MPTCPRst.Reason, o.MPTCPRst.Transient, true
				ev := t.emit(EventTCPRst, p, c, sf)
				ev.Side, ev.Reason = s, o.MPTCPRst.Reason.String()
				if o.MPTCPRst.Transient {
					ev.Reason += ", transient"
				}
				t.send()
			}
		}
	}
}

func (t *Tracker) onAddAddr(sf *Subflow, s Side, o *decode.Option, p *decode.Packet) {
	c := sf.Conn
	a := o.AddAddr
	if a.Layout != decode.Version(c.Version) {
		// The decoder guessed the layout; the connection knows it.
		if b, _, err := decode.ParseAddAddr(o.Raw, decode.Version(c.Version)); err == nil {
			a = b
		}
	}
	if a.Echo {
		// An echo comes from the receiver of the announcement.
		if e, ok := c.Addresses[s.Other()][a.AddrID]; ok && !e.Echoed {
			e.Echoed = true
			ev := t.emit(EventAddAddrEcho, p, c, sf)
			ev.Side, ev.AddrID, ev.Addr = s, a.AddrID, netip.AddrPortFrom(a.Addr, a.Port)
			t.send()
		}
		return
	}
	e, known := c.address(s, a.AddrID)
	fresh := !known || e.ByJoin || e.Removed || e.Addr != a.Addr || e.Port != a.Port
	if !fresh {
		return // a retransmission of the announcement
	}
	*e = Address{ID: a.AddrID, Addr: a.Addr, Port: a.Port, Packet: p.Number}
	if a.HasHMAC {
		e.HMAC = HMACUnverified
		if ks, kr := c.Ends[s], c.Ends[s.Other()]; ks.HasKey && kr.HasKey {
			e.HMAC = HMACValid
			if mpcrypto.AddAddrHMAC(ks.Key, kr.Key, a.AddrID, a.Addr, a.Port) != a.HMAC {
				e.HMAC = HMACInvalid
				kind := EventAddAddrHMACInvalid
				if mpcrypto.AddAddrHMACLeftmost(ks.Key, kr.Key, a.AddrID, a.Addr, a.Port) == a.HMAC {
					kind = EventAddAddrHMACLegacy
				}
				ev := t.emit(kind, p, c, sf)
				ev.Side, ev.AddrID, ev.Addr = s, a.AddrID, netip.AddrPortFrom(a.Addr, a.Port)
				t.send()
			}
		}
	}
	ev := t.emit(EventAddAddr, p, c, sf)
	ev.Side, ev.AddrID, ev.Addr = s, a.AddrID, netip.AddrPortFrom(a.Addr, a.Port)
	t.send()
}

// onMPPrio applies an MP_PRIO sent in direction d: its sender asks the
// peer to send on the subflow only as a backup (or no longer). In v0 an
// address ID names every subflow using the sender's address with that ID.
func (t *Tracker) onMPPrio(sf *Subflow, d Dir, m decode.MPPrio, p *decode.Packet) {
	c := sf.Conn
	s := sf.side(d)
	targets := []*Subflow{sf}
	if m.HasAddrID {
		targets = targets[:0]
		for _, x := range c.Subflows {
			for dir := FromInitiator; dir <= FromResponder; dir++ {
				if x.side(dir) == s && x.AddrID[dir] == m.AddrID && (x.Join || m.AddrID == 0) {
					targets = append(targets, x)
					break
				}
			}
		}
	}
	for _, x := range targets {
		dir := FromInitiator
		if x.side(FromResponder) == s {
			dir = FromResponder
		}
		if x.Backup[dir] == m.Backup && x.prioSeen[dir] {
			continue // a repeat
		}
		x.Backup[dir], x.prioSeen[dir] = m.Backup, true
		ev := t.emit(EventMPPrio, p, c, x)
		ev.Side, ev.Backup, ev.AddrID = s, m.Backup, m.AddrID
		t.send()
	}
}

// onFastClose checks that MP_FASTCLOSE carries the key of its receiver;
// when that key was never seen, the option reveals it.
func (t *Tracker) onFastClose(sf *Subflow, s Side, m decode.MPFastClose, p *decode.Packet) {
	c := sf.Conn
	r := s.Other()
	if !c.Ends[r].HasKey {
		t.learnKey(c, r, m.ReceiverKey, p)
	} else if c.Ends[r].Key != m.ReceiverKey {
		ev := t.emit(EventFastCloseKeyMismatch, p, c, sf)
		ev.Side, ev.Want, ev.Got = r, c.Ends[r].Key, m.ReceiverKey
		t.send()
	}
	if !c.FastClose.Seen {
		c.FastClose = FastClose{Seen: true, By: s, Packet: p.Number}
		ev := t.emit(EventFastClose, p, c, sf)
		ev.Side = s
		t.send()
	}
}

// checkMPCapable reports MP_CAPABLE where RFC 8684 §3.1 does not allow it:
// on a join subflow, from the listener after its SYN/ACK, carrying data
// anywhere but at the first data byte, or with another version than the
// handshake's.
func (t *Tracker) checkMPCapable(sf *Subflow, d Dir, m decode.MPCapable, p *decode.Packet) {
	c := sf.Conn
	why := ""
	switch {
	case sf.Join:
		why = "on a subflow opened by MP_JOIN"
	case d == FromResponder:
		why = "from the listener after its SYN/ACK"
	case m.HasDataLen && sf.HasISN[FromInitiator] && uint32(p.Seq-sf.ISN[FromInitiator]) != 1:
		why = fmt.Sprintf("with data at relative sequence %d, not at the first data byte", uint32(p.Seq-sf.ISN[FromInitiator]))
	}
	if why != "" {
		ev := t.emit(EventMPCapableUnexpected, p, c, sf)
		ev.Reason = why
		t.send()
		return
	}
	if c != nil && m.Version != c.Version {
		ev := t.emit(EventVersionMismatch, p, c, sf)
		ev.Want, ev.Got = uint64(c.Version), uint64(m.Version)
		ev.Reason = fmt.Sprintf("MP_CAPABLE version %d after a handshake on version %d", m.Version, c.Version)
		t.send()
	}
}

// dataACK records a Data ACK sent for the stream of side s.
func (t *Tracker) dataACK(c *Connection, s Side, m decode.DSS, p *decode.Packet) {
	st := &c.Streams[s]
	var ack uint64
	switch {
	case m.DataACK64:
		ack = m.DataACK
	case st.HasDataACK:
		ack = uint64(seqnum.Expand(seqnum.DSN(st.DataACK), uint32(m.DataACK)))
	default:
		ack = c.expandDSN(s, m.DataACK, false)
	}
	st.lastDataACK = ack
	switch {
	case !st.HasDataACK || seqnum.DSN(st.DataACK).LessThan(seqnum.DSN(ack)):
		st.DataACK, st.HasDataACK, st.dataACKPacket, st.dataACKRegressed = ack, true, p.Number, false
	case ack != st.DataACK:
		st.dataACKRegressed = true
	}
}

// checkDataACKs reports, once the capture is read, a Data ACK beyond
// everything the other side ever mapped (its data and DATA_FIN), which the
// receiver contradicted afterwards by acknowledging less. A Data ACK is
// cumulative: a receiver never takes one back, so a spike that later Data
// ACKs fall below was never true. Acknowledged data that was simply not
// captured (a vantage point that sees only some subflows) keeps rising
// and is not reported. Checked at the end because files merged from
// several interfaces need not be in time order.
func (t *Tracker) checkDataACKs(c *Connection) {
	for s := Client; s <= Server; s++ {
		st := &c.Streams[s]
		if !st.HasDataACK || c.Fallback || !st.dataACKRegressed {
			continue
		}
		limit, ok := st.sentEnd, st.sentAny
		if e := c.Ends[s]; e.HasKey && (!ok || seqnum.DSN(limit).LessThan(seqnum.DSN(e.IDSN+1))) {
			limit, ok = e.IDSN+1, true
		}
		if ok && seqnum.DSN(limit).LessThan(seqnum.DSN(st.DataACK)) {
			ev := t.emit(EventDataACKUnsent, nil, c, nil)
			ev.Packet, ev.Side, ev.DSN, ev.Want, ev.Got = st.dataACKPacket, s.Other(), st.DataACK, limit, st.DataACK
			t.send()
		}
	}
}

// State returns the connection-level state of side s (RFC 8684 Appendix
// D), as far as the capture shows it.
func (c *Connection) State(s Side) string {
	established := false
	open := false
	for _, sf := range c.Subflows {
		established = established || sf.Established
		open = open || !sf.Closed()
	}
	switch {
	case c.FastClose.Seen:
		return "M_CLOSED"
	case !established:
		if open {
			return "M_SYN_SENT"
		}
		return "M_CLOSED"
	case c.Fallback || c.DataFallback:
		if open {
			return "M_ESTABLISHED"
		}
		return "M_CLOSED"
	}
	o := s.Other()
	mine, theirs := &c.Streams[s], &c.Streams[o]
	finSent, peerFIN := mine.DataFIN, theirs.DataFIN
	finAcked := finSent && mine.HasDataACK && seqnum.DSN(mine.DataFINDSN).LessThan(seqnum.DSN(mine.DataACK))
	switch {
	case !finSent && !peerFIN:
		return "M_ESTABLISHED"
	case !finSent:
		return "M_CLOSE_WAIT"
	case !peerFIN && finAcked:
		return "M_FIN_WAIT_2"
	case !peerFIN:
		return "M_FIN_WAIT_1"
	}
	activeClose := mine.dataFINPacket <= theirs.dataFINPacket
	switch {
	case activeClose && finAcked && !open:
		return "M_CLOSED"
	case activeClose && finAcked:
		return "M_TIME_WAIT"
	case activeClose:
		return "M_CLOSING"
	case finAcked:
		return "M_CLOSED"
	}
	return "M_LAST_ACK"
}

// Close says how the connection ended.
func (c *Connection) Close() Close {
	if c.FastClose.Seen {
		return CloseFastClose
	}
	allReset, allClosed := len(c.Subflows) > 0, len(c.Subflows) > 0
	for _, sf := range c.Subflows {
		allReset = allReset && sf.Reset
		allClosed = allClosed && sf.Closed()
	}
	both := true
	for s := range c.Streams {
		st := &c.Streams[s]
		both = both && st.DataFIN && st.HasDataACK && seqnum.DSN(st.DataFINDSN).LessThan(seqnum.DSN(st.DataACK))
	}
	switch {
	case both && !c.Fallback:
		return CloseDataFIN
	case allReset:
		return CloseReset
	case allClosed && (c.Fallback || c.DataFallback):
		return CloseFIN
	}
	// Subflows closed without a DATA_FIN exchange (or with one not
	// captured) leave the connection alive: break-before-make.
	return CloseUnfinished
}
