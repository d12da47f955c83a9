package reassembly

import (
	"net/netip"
	"slices"

	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/mpcrypto"
)

// newJoin starts a join subflow from its MP_JOIN SYN and links it to the
// connection owning the token, or parks it as unlinked.
func (t *Tracker) newJoin(p *decode.Packet, j decode.MPJoin) *Subflow {
	sf := &Subflow{
		Join:  true,
		Addr:  [2]netip.AddrPort{p.Src, p.Dst},
		Token: j.Token,
		HMAC:  HMACUnverified,
	}
	sf.Backup[FromInitiator], sf.SynBackup = j.Backup, j.Backup
	sf.AddrID[FromInitiator] = j.AddrID
	sf.Nonce[FromInitiator], sf.HasNonce[FromInitiator] = j.Nonce, true
	if owners := t.tokens[j.Token]; len(owners) > 0 {
		t.link(sf, owners)
		if a := sf.Conn.Addresses[sf.InitiatorSide][j.AddrID]; a != nil && a.ByJoin && a.Packet == 0 {
			a.Packet = p.Number
		}
		return sf
	}
	if len(t.unlinked) >= MaxUnlinked {
		t.notTracked(p, "too many joins whose token matches nothing (MaxUnlinked)")
		return nil
	}
	sf.ID = len(t.unlinked) + 1
	t.unlinked = append(t.unlinked, sf)
	t.pending[j.Token] = append(t.pending[j.Token], sf)
	t.joinPartial(sf)
	ev := t.emit(EventJoinUnknownToken, p, nil, sf)
	ev.Token = j.Token
	t.send()
	return sf
}

// link attaches a join to the most recent connection owning its token; the
// other candidates are kept so that the HMAC can pick the right one when
// two connections share a token.
func (t *Tracker) link(sf *Subflow, owners []tokenOwner) {
	sf.candidates = append(sf.candidates[:0], owners...)
	t.attach(sf, owners[len(owners)-1])
}

func (t *Tracker) attach(sf *Subflow, o tokenOwner) {
	if sf.Conn != nil {
		subs := sf.Conn.Subflows
		for i, s := range subs {
			if s == sf {
				sf.Conn.Subflows = append(subs[:i:i], subs[i+1:]...)
				break
			}
		}
		for i, s := range sf.Conn.Subflows {
			s.ID = i
		}
	}
	c := o.conn
	sf.Conn = c
	sf.InitiatorSide = o.side.Other() // the token names the responder
	sf.ID = len(c.Subflows)
	c.Subflows = append(c.Subflows, sf)
	c.noteJoinAddress(sf.InitiatorSide, sf.AddrID[FromInitiator], sf.Addr[FromInitiator], 0)
}

// joinPartial gives a join whose token matches no connection a home: the
// partial connection of that token, so that the joins of one connection
// whose handshake the capture missed are grouped, and their data is
// reassembled from the first mapping seen. The join's initiator is taken
// for the client (the usual case) and the token for the server's. Should
// the key of the token turn up later, the join moves to its connection.
func (t *Tracker) joinPartial(sf *Subflow) {
	c := t.byToken[sf.Token]
	if c == nil {
		if len(t.partials) >= MaxPartial {
			return // still listed as unlinked, without data
		}
		c = &Connection{ID: len(t.partials) + 1, Partial: true, Version: 1, sinks: t.sinks, digest: t.digester(), byRef: t.stable}
		c.Ends[Server].Token = sf.Token
		t.partials = append(t.partials, c)
		t.byToken[sf.Token] = c
	}
	sf.Conn, sf.InitiatorSide = c, Client
	sf.ID = len(c.Subflows)
	c.Subflows = append(c.Subflows, sf)
}

// dropEmptyPartial forgets a token's partial connection whose joins all
// found their connection.
func (t *Tracker) dropEmptyPartial(c *Connection) {
	if c == nil || !c.Partial || len(c.Subflows) > 0 {
		return
	}
	t.partials = slices.DeleteFunc(t.partials, func(x *Connection) bool { return x == c })
	for i, x := range t.partials {
		x.ID = i + 1
	}
	if t.byToken[c.Ends[Server].Token] == c {
		delete(t.byToken, c.Ends[Server].Token)
	}
}

// removeLinked drops the subflows that found their connection.
func removeLinked(subs []*Subflow) []*Subflow {
	out := subs[:0]
	for _, sf := range subs {
		if sf.Conn == nil || sf.Conn.Partial {
			out = append(out, sf)
		}
	}
	return out
}

func (t *Tracker) onJoinSYNACK(sf *Subflow, p *decode.Packet) {
	o := p.Option(decode.SubtypeMPJoin)
	if o == nil || o.MPJoin.Form != decode.JoinSYNACK {
		return
	}
	j := o.MPJoin
	sf.Backup[FromResponder] = j.Backup
	sf.AddrID[FromResponder] = j.AddrID
	if sf.Conn != nil {
		sf.Conn.noteJoinAddress(sf.InitiatorSide.Other(), j.AddrID, sf.Addr[FromResponder], p.Number)
	}
	if sf.SynAckPkt == 0 {
		sf.Nonce[FromResponder], sf.HasNonce[FromResponder] = j.Nonce, true
		sf.SynAckHMAC, sf.SynAckPkt = j.TruncatedHMAC, p.Number
		t.verifyJoin(sf, p)
		return
	}
	// A retransmitted SYN/ACK must repeat the first one.
	if j.Nonce != sf.Nonce[FromResponder] || j.TruncatedHMAC != sf.SynAckHMAC {
		t.checkCopy(sf, p, CheckSynAck, j.TruncatedHMAC, [20]byte{}, j.Nonce)
	}
}

func (t *Tracker) onJoinACK(sf *Subflow, j decode.MPJoin, p *decode.Packet) {
	if sf.AckPkt == 0 {
		sf.AckHMAC, sf.AckPkt = j.HMAC, p.Number
		t.verifyJoin(sf, p)
		return
	}
	// A retransmitted third ACK must repeat the first one.
	if j.HMAC != sf.AckHMAC {
		t.checkCopy(sf, p, CheckAck, 0, j.HMAC, 0)
	}
}

// checkCopy verifies a retransmitted SYN/ACK or third ACK whose HMAC or
// nonce differs from the first copy's, which was verified on its own.
func (t *Tracker) checkCopy(sf *Subflow, p *decode.Packet, which HMACCheck, mac uint64, full [20]byte, nonce uint32) {
	k, ok := joinKeys(sf)
	if !ok || !sf.HasNonce[FromResponder] {
		return
	}
	v := mpcrypto.Version(sf.Conn.Version)
	var bad bool
	var want uint64
	if which == CheckSynAck {
		want = mpcrypto.SynAckHMAC(v, k.resp, k.init, nonce, sf.Nonce[FromInitiator])
		bad = want != mac
	} else {
		bad = mpcrypto.AckHMAC(v, k.init, k.resp, sf.Nonce[FromInitiator], sf.Nonce[FromResponder]) != full
	}
	if !bad {
		return
	}
	sf.badCopy, sf.HMAC = true, HMACInvalid
	ev := t.emit(EventJoinHMACInvalid, p, sf.Conn, sf)
	ev.Check = which
	if which == CheckSynAck {
		ev.Want, ev.Got = want, mac
	}
	t.send()
}

type keyPair struct{ init, resp uint64 }

// joinKeys returns the keys of a join's initiator and responder when both
// are known.
func joinKeys(sf *Subflow) (keyPair, bool) {
	if sf.Conn == nil {
		return keyPair{}, false
	}
	ki, kr := sf.Conn.Ends[sf.InitiatorSide], sf.Conn.Ends[sf.InitiatorSide.Other()]
	return keyPair{ki.Key, kr.Key}, ki.HasKey && kr.HasKey
}

// verifyJoin checks whichever of a join's HMACs can be checked with what is
// known now, and settles its status. p is the packet that triggered the
// check (nil at Finish or when a key arrives), used to date events.
func (t *Tracker) verifyJoin(sf *Subflow, p *decode.Packet) {
	if sf.Conn == nil {
		return
	}
	// Two connections sharing the token: keep the one whose HMAC verifies.
	if len(sf.candidates) > 1 && sf.SynAckPkt != 0 && synAckCheck(sf) != CheckOK && !sf.reported[CheckSynAck] {
		for _, o := range sf.candidates {
			if o.conn == sf.Conn {
				continue
			}
			save := sf.Conn
			t.attach(sf, o)
			if synAckCheck(sf) == CheckOK {
				break
			}
			t.attach(sf, tokenOwner{save, sf.InitiatorSide.Other()})
		}
	}
	sf.SynAck, sf.Ack = synAckCheck(sf), ackCheck(sf)
	for _, c := range [...]struct {
		check  HMACCheck
		result Check
		pkt    uint64
	}{{CheckSynAck, sf.SynAck, sf.SynAckPkt}, {CheckAck, sf.Ack, sf.AckPkt}} {
		if c.result == CheckMismatch && !sf.reported[c.check] {
			sf.reported[c.check] = true
			ev := t.emit(EventJoinHMACInvalid, p, sf.Conn, sf)
			ev.Packet, ev.Check = c.pkt, c.check
			if c.check == CheckSynAck {
				k, _ := joinKeys(sf)
				ev.Want = mpcrypto.SynAckHMAC(mpcrypto.Version(sf.Conn.Version), k.resp, k.init, sf.Nonce[FromResponder], sf.Nonce[FromInitiator])
				ev.Got = sf.SynAckHMAC
			}
			t.send()
		}
	}
	switch {
	case sf.SynAck == CheckMismatch || sf.Ack == CheckMismatch || sf.badCopy:
		sf.HMAC = HMACInvalid
	case sf.SynAck == CheckOK && sf.Ack == CheckOK:
		sf.HMAC = HMACValid
	default:
		sf.HMAC = HMACUnverified
	}
}

func synAckCheck(sf *Subflow) Check {
	if sf.SynAckPkt == 0 {
		return CheckNotSeen
	}
	k, ok := joinKeys(sf)
	if !ok || !sf.HasNonce[FromInitiator] {
		return CheckPending
	}
	want := mpcrypto.SynAckHMAC(mpcrypto.Version(sf.Conn.Version), k.resp, k.init, sf.Nonce[FromResponder], sf.Nonce[FromInitiator])
	if want != sf.SynAckHMAC {
		return CheckMismatch
	}
	return CheckOK
}

func ackCheck(sf *Subflow) Check {
	if sf.AckPkt == 0 {
		return CheckNotSeen
	}
	k, ok := joinKeys(sf)
	if !ok || !sf.HasNonce[FromInitiator] || !sf.HasNonce[FromResponder] {
		return CheckPending
	}
	want := mpcrypto.AckHMAC(mpcrypto.Version(sf.Conn.Version), k.init, k.resp, sf.Nonce[FromInitiator], sf.Nonce[FromResponder])
	if want != sf.AckHMAC {
		return CheckMismatch
	}
	return CheckOK
}
