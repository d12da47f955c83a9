package reassembly

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/mptcpdump/mptcpdump/decode"
)

// flowKey is a canonical 4-tuple: the lower address/port first, so both
// directions of a subflow share one key.
type flowKey struct {
	a, b netip.AddrPort
}

func keyOf(src, dst netip.AddrPort) flowKey {
	if src.Addr().Less(dst.Addr()) || (src.Addr() == dst.Addr() && src.Port() < dst.Port()) {
		return flowKey{src, dst}
	}
	return flowKey{dst, src}
}

// tokenOwner is the endpoint of a connection a token belongs to.
type tokenOwner struct {
	conn *Connection
	side Side
}

// Stats counts what the tracker saw.
type Stats struct {
	Packets      uint64 // TCP segments processed
	MPTCPPackets uint64 // segments carrying at least one MPTCP option
	Unattached   uint64 // MPTCP segments on no known subflow (capture started mid-connection)
	// NotTracked counts SYNs not tracked because a cap was reached
	// (MaxUnlinked joins, MaxLiveSubflows subflows).
	NotTracked uint64
}

// Caps on what the tracker indexes, whatever the capture holds.
const (
	// MaxLiveSubflows caps the subflows findable by 4-tuple at once.
	MaxLiveSubflows = 1 << 20
	// MaxUnlinked caps the joins kept whose token matched no connection:
	// a flood of MP_JOIN SYNs with random tokens stops here.
	MaxUnlinked = 10000
	// MaxPartial caps the partial connections (subflows whose handshake
	// the capture missed) followed.
	MaxPartial = 10000
)

// Tracker follows every MPTCP connection of one capture. Feed it packets in
// capture order with Process, then call Finish once. Not safe for
// concurrent use.
type Tracker struct {
	obs      Observer
	flows    map[flowKey]*Subflow
	tokens   map[uint32][]tokenOwner
	pending  map[uint32][]*Subflow  // unlinked joins by the token they carry
	byToken  map[uint32]*Connection // the partial connection grouping those joins
	conns    []*Connection
	partials []*Connection
	unlinked []*Subflow
	stats    Stats
	ev       Event

	nextSweep time.Time // the capture time of the next sweep
	now       time.Time // the packet clock: the last packet's time
	sinks     SinkFactory
	dataObs   DataObserver
	digest    *digester // hashes and writes the streams on a second goroutine, started with the first connection
	dev       DataEvent
	last      *Subflow // the subflow of the last processed packet, nil if none
	stable    bool     // payloads outlive the packets (SetStablePayloads)
	faulted   bool     // the digester could not read a referenced byte
}

// Last returns the subflow the last processed packet belonged to (nil
// when it belonged to none); its Conn is the connection (nil for a join
// that matched no token).
func (t *Tracker) Last() *Subflow { return t.last }

// SetSinks makes the tracker write every connection's data-level streams
// to the writers f returns. Call it before the first Process.
func (t *Tracker) SetSinks(f SinkFactory) { t.sinks = f }

// SetStablePayloads says that the payloads of the packets given to Process
// stay valid and unchanged as long as the Tracker is used (a memory-mapped
// capture file). The windows that compare late duplicates then remember
// the bytes delivered straight from a packet by reference instead of
// copying them; every result is the same. Call it before the first
// Process.
func (t *Tracker) SetStablePayloads(on bool) { t.stable = on }

// ReadFault reports, after Finish, whether bytes kept by reference
// (SetStablePayloads) could not be read when they were hashed: the mapped
// file was cut short under the analysis, and the streams' hashes are
// incomplete.
func (t *Tracker) ReadFault() bool { return t.faulted }

// NewTracker returns a Tracker reporting to obs, which may be nil.
func NewTracker(obs Observer) *Tracker {
	if obs == nil {
		obs = ObserverFunc(func(*Event) {})
	}
	return &Tracker{
		obs:     obs,
		flows:   make(map[flowKey]*Subflow),
		tokens:  make(map[uint32][]tokenOwner),
		pending: make(map[uint32][]*Subflow),
		byToken: make(map[uint32]*Connection),
	}
}

// Connections returns the connections in order of their first packet.
func (t *Tracker) Connections() []*Connection { return t.conns }

// Partial returns the partial connections: subflows already running when
// the capture started, found by their DSS options. Keys and tokens are
// unknown; each is followed on its own (joins cannot be tied to it).
func (t *Tracker) Partial() []*Connection { return t.partials }

// partialNear is how close, in data sequence space, the first mapping of
// a partial subflow must fall to another partial connection's stream to be
// taken for one more subflow of it. Random 64-bit IDSNs make unrelated
// connections this close with probability about 2^-38.
const partialNear = 1 << 26

// groupPartial gives a partial subflow, at its first mapping, to the
// partial connection whose data sequence space the mapping falls in: the
// subflows of one connection share it. The subflow's own connection, still
// without data, is then dropped.
func (t *Tracker) groupPartial(sf *Subflow, d Dir, m decode.DSS) {
	own := sf.Conn
	if len(own.Subflows) != 1 || own.Streams[Client].Started || own.Streams[Server].Started {
		return
	}
	side := sf.side(d)
	for _, c := range t.partials {
		if c == own || c.finished {
			continue
		}
		st := &c.Streams[side]
		if !st.Started {
			continue
		}
		dsn := c.expandDSN(side, m.DSN, m.DSN64)
		if diff := int64(dsn - st.Start); diff > -partialNear && diff < partialNear {
			t.partials = slices.DeleteFunc(t.partials, func(x *Connection) bool { return x == own })
			for i, x := range t.partials {
				x.ID = i + 1
			}
			sf.ID = len(c.Subflows)
			sf.Conn = c
			c.Subflows = append(c.Subflows, sf)
			return
		}
	}
}

// newPartial starts a partial connection from a segment on an unknown
// 4-tuple that carries a DSS. The endpoint with the lower port is taken
// for the listener (the server), the usual case.
func (t *Tracker) newPartial(p *decode.Packet) *Subflow {
	client, server := p.Src, p.Dst
	if p.Src.Port() < p.Dst.Port() {
		client, server = p.Dst, p.Src
	}
	c := &Connection{ID: len(t.partials) + 1, Partial: true, Version: 1, sinks: t.sinks, digest: t.digester(), byRef: t.stable}
	if o := p.Option(decode.SubtypeDSS); o != nil && o.DSS.HasMapping && !o.DSS.DSN64 {
		c.Version = 0 // 32-bit DSNs: most likely v0 (Linux v1 sends 64-bit DSNs)
	}
	sf := &Subflow{Conn: c, Addr: [2]netip.AddrPort{client, server}, InitiatorSide: Client, Established: true, midStream: true}
	c.Subflows = []*Subflow{sf}
	t.partials = append(t.partials, c)
	return sf
}

// Unlinked returns the joins whose token matched no connection.
func (t *Tracker) Unlinked() []*Subflow { return t.unlinked }

// Stats returns the tracker's counters.
func (t *Tracker) Stats() Stats { return t.stats }

func (t *Tracker) emit(kind EventKind, p *decode.Packet, c *Connection, sf *Subflow) *Event {
	t.ev = Event{Kind: kind, Conn: c, Subflow: sf}
	if p != nil {
		t.ev.Time, t.ev.Packet = p.Time, p.Number
	}
	return &t.ev
}

func (t *Tracker) send() { t.obs.Observe(&t.ev) }

// Process feeds one decoded TCP segment to the model.
func (t *Tracker) Process(p *decode.Packet) {
	t.stats.Packets++
	if p.MPTCP() {
		t.stats.MPTCPPackets++
	}
	t.last = nil
	// Closed subflows past their linger leave the index before the lookup,
	// so that a SYN after a long quiet spell starts a new subflow even if
	// it repeats an old one's 4-tuple and ISN.
	t.sweep(p.Time)
	key := keyOf(p.Src, p.Dst)
	sf := t.flows[key]
	syn := p.Flags.Has(decode.FlagSYN)
	if syn && !p.Flags.Has(decode.FlagACK) {
		// A SYN with the subflow's ISN from its initiator is a retransmission,
		// even after a RST; anything else on a known 4-tuple is port reuse.
		retrans := sf != nil && sf.HasISN[FromInitiator] && sf.ISN[FromInitiator] == p.Seq && sf.dirOf(p.Src) == FromInitiator
		if sf != nil && !retrans {
			t.unindex(key, sf) // port reuse: a new connection on the same 4-tuple
			sf = nil
		}
		if sf == nil && len(t.flows) >= MaxLiveSubflows {
			t.notTracked(p, "the index of live subflows is full (MaxLiveSubflows)")
			return
		}
		if sf == nil {
			sf = t.openFromSYN(p)
			if sf == nil {
				t.reportOptionErrors(p, nil)
				return
			}
			t.flows[key], sf.indexed = sf, true
		}
	} else if sf == nil && syn {
		// A SYN/ACK whose SYN was not captured.
		if mpc := p.Option(decode.SubtypeMPCapable); mpc != nil {
			sf = t.newConnection(p, p.Dst, p.Src)
			t.flows[key], sf.indexed = sf, true
		}
	}
	if sf == nil && !syn && p.Option(decode.SubtypeDSS) != nil && len(t.partials) < MaxPartial {
		// The capture started after this subflow's handshake.
		sf = t.newPartial(p)
		t.flows[key], sf.indexed = sf, true
	}
	if sf == nil {
		if p.MPTCP() {
			t.stats.Unattached++
		}
		t.reportOptionErrors(p, nil)
		return
	}
	t.last = sf
	t.account(sf, p)
	t.reportOptionErrors(p, sf)
	d := sf.dirOf(p.Src)
	switch {
	case syn && !p.Flags.Has(decode.FlagACK):
		t.onSYN(sf, p)
	case syn:
		t.onSYNACK(sf, d, p)
	default:
		t.onSegment(sf, d, p)
		t.onSignals(sf, d, p)
		t.onPayload(sf, d, p)
	}
	if sf.Established && !sf.establishedSent {
		sf.establishedSent = true
		t.emit(EventSubflowEstablished, p, sf.Conn, sf)
		t.send()
	}
	// In SYN-SENT, only a RST that acknowledges the SYN is acceptable
	// (RFC 9293 §3.10.7.3); others are ignored, as the endpoint does.
	if p.Flags.Has(decode.FlagRST) && (sf.SynAckSeen || p.Flags.Has(decode.FlagACK)) && !sf.Reset {
		sf.Reset, sf.ResetBy = true, d
		if sf.Join && !sf.Established {
			ev := t.emit(EventJoinRefused, p, sf.Conn, sf)
			ev.Reason = "reset before the join completed"
			t.send()
		}
		ev := t.emit(EventSubflowReset, p, sf.Conn, sf)
		ev.Side = sf.side(d)
		if sf.HasResetReason {
			ev.Reason = sf.ResetReason.String()
			if sf.ResetTransient {
				ev.Reason += " (transient)"
			}
		}
		t.send()
	}
	if p.Flags.Has(decode.FlagFIN) {
		sf.FinSeen[d] = true
		if sf.FinSeen[0] && sf.FinSeen[1] && !sf.Reset && !sf.closedSent {
			sf.closedSent = true
			t.emit(EventSubflowClosed, p, sf.Conn, sf)
			t.send()
		}
	}
	if p.Time.After(t.now) {
		t.now = p.Time
	}
}

// ClosedLinger is how long, in capture time, a closed subflow stays
// findable by its 4-tuple, so that the last ACKs after FIN or RST still
// count towards it (Linux's TIME_WAIT lasts 60 s). A SYN with a new ISN on
// the same 4-tuple starts a new subflow at once.
const ClosedLinger = 60 * time.Second

// sweepInterval is how often, in capture time, closed subflows past
// ClosedLinger leave the 4-tuple index.
const sweepInterval = 10 * time.Second

func (t *Tracker) sweep(now time.Time) {
	// Before, not Sub: it runs for every packet, and Sub checks for
	// overflow by adding back.
	if now.Before(t.nextSweep) {
		return
	}
	t.nextSweep = now.Add(sweepInterval)
	for k, sf := range t.flows {
		if sf.Closed() && now.Sub(sf.LastTime) > ClosedLinger {
			t.unindex(k, sf)
		}
	}
}

// unindex removes a subflow from the 4-tuple index. When it was the last
// indexed subflow of its connection, the connection's streams are settled
// and their buffers released: memory follows the open connections, not
// the capture's length.
func (t *Tracker) unindex(k flowKey, sf *Subflow) {
	delete(t.flows, k)
	sf.indexed = false
	c := sf.Conn
	if c == nil || c.finished {
		return
	}
	for _, s := range c.Subflows {
		if s.indexed {
			return
		}
	}
	t.finishStreams(c)
}

// account updates the packet and byte counters of sf; a connection's
// counters are the sums over its subflows.
func (t *Tracker) account(sf *Subflow, p *decode.Packet) {
	if sf.Packets == 0 {
		sf.FirstPacket, sf.FirstTime = p.Number, p.Time
	}
	sf.Packets++
	sf.LastPacket, sf.LastTime = p.Number, p.Time
	sf.Bytes[sf.dirOf(p.Src)] += uint64(p.PayloadLen)
}

func (t *Tracker) reportOptionErrors(p *decode.Packet, sf *Subflow) {
	for i := range p.OptionErrors {
		var c *Connection
		if sf != nil {
			c = sf.Conn
		}
		ev := t.emit(EventOptionMalformed, p, c, sf)
		ev.OptionError = &p.OptionErrors[i]
		t.send()
	}
}

// openFromSYN starts a subflow from a SYN carrying MP_CAPABLE or MP_JOIN.
// Plain TCP SYNs are not tracked.
func (t *Tracker) openFromSYN(p *decode.Packet) *Subflow {
	if p.Option(decode.SubtypeMPCapable) != nil {
		return t.newConnection(p, p.Src, p.Dst)
	}
	if o := p.Option(decode.SubtypeMPJoin); o != nil && o.MPJoin.Form == decode.JoinSYN {
		return t.newJoin(p, o.MPJoin)
	}
	return nil
}

// newConnection creates a connection and its MP_CAPABLE subflow from client
// to server.
func (t *Tracker) newConnection(p *decode.Packet, client, server netip.AddrPort) *Subflow {
	c := &Connection{ID: len(t.conns) + 1, sinks: t.sinks, digest: t.digester(), byRef: t.stable}
	sf := &Subflow{Conn: c, Addr: [2]netip.AddrPort{client, server}, InitiatorSide: Client}
	c.Subflows = []*Subflow{sf}
	t.conns = append(t.conns, c)
	c.noteJoinAddress(Client, 0, client, p.Number) // ID 0: the initial subflow's addresses
	c.noteJoinAddress(Server, 0, server, p.Number)
	if mpc := p.Option(decode.SubtypeMPCapable); mpc != nil {
		c.Version, c.SynVersion = mpc.MPCapable.Version, mpc.MPCapable.Version
	}
	return sf
}

func (t *Tracker) onSYN(sf *Subflow, p *decode.Packet) {
	sf.SynSeen = true
	sf.noteSYN(FromInitiator, p)
	if sf.Join {
		return
	}
	c := sf.Conn
	mpc := p.Option(decode.SubtypeMPCapable)
	if mpc == nil {
		// Linux retries a SYN without MP_CAPABLE after unanswered ones.
		t.fallback(c, p, "SYN retransmitted without MP_CAPABLE")
		return
	}
	m := mpc.MPCapable
	c.Ends[Client].Checksum = c.Ends[Client].Checksum || m.ChecksumRequired()
	c.Checksums = c.Ends[Client].Checksum || c.Ends[Server].Checksum
	if m.HasSenderKey { // v0 SYN
		t.learnKey(c, Client, m.SenderKey, p)
	}
}

func (t *Tracker) onSYNACK(sf *Subflow, d Dir, p *decode.Packet) {
	if d != FromResponder {
		return
	}
	sf.SynAckSeen = true
	sf.noteSYN(FromResponder, p)
	if sf.Join {
		t.onJoinSYNACK(sf, p)
		return
	}
	c := sf.Conn
	mpc := p.Option(decode.SubtypeMPCapable)
	if mpc == nil {
		t.fallback(c, p, "SYN/ACK without MP_CAPABLE")
		return
	}
	m := mpc.MPCapable
	if sf.SynSeen && m.Version > c.SynVersion {
		// The listener must answer with a version at most the offered one.
		ev := t.emit(EventVersionMismatch, p, c, sf)
		ev.Want, ev.Got = uint64(c.SynVersion), uint64(m.Version)
		ev.Reason = fmt.Sprintf("SYN/ACK chose version %d, above the SYN's %d", m.Version, c.SynVersion)
		t.send()
	}
	if m.Version != c.Version {
		c.Version = m.Version
		c.rehash()
	}
	c.Ends[Server].Checksum = c.Ends[Server].Checksum || m.ChecksumRequired()
	c.Checksums = c.Ends[Client].Checksum || c.Ends[Server].Checksum
	if m.HasSenderKey {
		t.learnKey(c, Server, m.SenderKey, p)
	}
}

// onSegment handles a segment without SYN: the third ACK of a handshake,
// MP_CAPABLE with data, and everything after.
func (t *Tracker) onSegment(sf *Subflow, d Dir, p *decode.Packet) {
	if sf.Join {
		if d == FromInitiator {
			if o := p.Option(decode.SubtypeMPJoin); o != nil && o.MPJoin.Form == decode.JoinACK {
				t.onJoinACK(sf, o.MPJoin, p)
				return
			}
		}
		if sf.SynAckSeen && p.Flags.Has(decode.FlagACK) && d == FromResponder && sf.AckPkt != 0 {
			sf.Established = true // the fourth ACK
		}
		return
	}
	c := sf.Conn
	mpc := p.Option(decode.SubtypeMPCapable)
	if mpc == nil {
		if d == FromInitiator && sf.SynAckSeen && !sf.Established && !c.Fallback && p.Flags.Has(decode.FlagACK) {
			sf.Established = true
			if p.Option(decode.SubtypeDSS) == nil && len(p.Options) == 0 {
				t.fallback(c, p, "third ACK without MP_CAPABLE")
			}
		}
		return
	}
	m := mpc.MPCapable
	s := sf.side(d)
	if m.HasSenderKey {
		t.checkKey(c, s, m.SenderKey, p)
	}
	if m.HasReceiverKey {
		t.checkKey(c, s.Other(), m.ReceiverKey, p)
	}
	if d == FromInitiator && sf.SynAckSeen {
		sf.Established = true
	}
}

// checkKey compares key with what is known of side s: the first sighting
// records it, a different one is reported.
func (t *Tracker) checkKey(c *Connection, s Side, key uint64, p *decode.Packet) {
	e := &c.Ends[s]
	if !e.HasKey {
		t.learnKey(c, s, key, p)
		return
	}
	if e.Key != key {
		ev := t.emit(EventKeyMismatch, p, c, c.Subflows[0])
		ev.Side, ev.Want, ev.Got = s, e.Key, key
		t.send()
	}
}

// learnKey records a key and makes its token findable by joins, linking
// joins that arrived before the key did.
func (t *Tracker) learnKey(c *Connection, s Side, key uint64, p *decode.Packet) {
	if !c.setKey(s, key, p.Number) {
		t.checkKey(c, s, key, p)
		return
	}
	tok := c.Ends[s].Token
	for _, o := range t.tokens[tok] {
		if o.conn != c && !o.conn.finished {
			// Two live connections whose keys hash to the same token: the
			// case RFC 8684's reviewers worried about. Both are kept, and
			// each join goes to the connection whose HMAC it proves.
			ev := t.emit(EventTokenCollision, p, c, nil)
			ev.Token, ev.Side = tok, s
			ev.Want = uint64(o.conn.ID)
			t.send()
			break
		}
	}
	t.tokens[tok] = append(t.tokens[tok], tokenOwner{c, s})
	if waiting := t.pending[tok]; len(waiting) > 0 {
		delete(t.pending, tok)
		for _, sf := range waiting {
			old := sf.Conn
			t.link(sf, []tokenOwner{{c, s}})
			t.dropEmptyPartial(old)
		}
		t.unlinked = removeLinked(t.unlinked)
	}
	for _, sf := range c.Subflows {
		if sf.Join {
			t.verifyJoin(sf, nil)
		}
	}
}

func (t *Tracker) fallback(c *Connection, p *decode.Packet, why string) {
	if c.Fallback {
		return
	}
	c.Fallback, c.FallbackWhy = true, why
	ev := t.emit(EventHandshakeFallback, p, c, c.Subflows[0])
	ev.Reason = why
	t.send()
}

// Evict forgets connections whose streams were settled (their subflows
// all closed) and whose last packet is older than age in capture time. It
// returns how many it forgot. Their tokens stay registered only while
// another connection owns them.
func (t *Tracker) Evict(age time.Duration) int {
	now := t.now
	kept := t.conns[:0]
	n := 0
	for _, c := range t.conns {
		if c.finished && now.Sub(c.Totals().LastTime) > age {
			n++
			for s := range c.Ends {
				if e := c.Ends[s]; e.HasKey {
					t.tokens[e.Token] = slices.DeleteFunc(t.tokens[e.Token], func(o tokenOwner) bool { return o.conn == c })
					if len(t.tokens[e.Token]) == 0 {
						delete(t.tokens, e.Token)
					}
				}
			}
			continue
		}
		kept = append(kept, c)
	}
	clear(t.conns[len(kept):])
	t.conns = kept
	return n
}

// notTracked counts a SYN the caps left out, reporting the first one.
func (t *Tracker) notTracked(p *decode.Packet, why string) {
	t.stats.NotTracked++
	if t.stats.NotTracked == 1 {
		ev := t.emit(EventCapReached, p, nil, nil)
		ev.Reason = why + ": later SYNs are counted, not tracked"
		t.send()
	}
}

// Finish ends the analysis: HMACs that could not be checked when they were
// seen are checked with every key the capture revealed.
func (t *Tracker) Finish() {
	for _, c := range t.conns {
		for _, sf := range c.Subflows {
			if sf.Join {
				t.verifyJoin(sf, nil)
			}
		}
		if !c.finished {
			t.finishStreams(c)
		}
		t.checkDataACKs(c)
	}
	for _, c := range t.partials {
		if !c.finished {
			t.finishStreams(c)
		}
	}
	if t.digest != nil {
		t.digest.stop()
		t.faulted = t.digest.Faulted()
		t.digest = nil
	}
}

func (t *Tracker) digester() *digester {
	if t.digest == nil {
		t.digest = newDigester()
	}
	return t.digest
}
