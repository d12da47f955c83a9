package reassembly

import (
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/mpcrypto"
	"github.com/mptcpdump/mptcpdump/seqnum"
)

// Keys and nonces of the digest's §8: A is the client, B the server.
const (
	keyA   = 0x1b6fa8c4d2e3f509
	keyB   = 0x7e5d3c2b1a098f6e
	nonceA = 0x3c4d5e6f
	nonceB = 0x8a9bacbd
	tokenB = 0xb35a5eac // v1
)

var (
	client  = netip.MustParseAddrPort("10.0.0.1:40000")
	server  = netip.MustParseAddrPort("10.0.0.2:80")
	client2 = netip.MustParseAddrPort("10.0.1.1:40001")
	t0      = time.Unix(1700000000, 0)
)

// builder makes packets with MPTCP options, decoded by the real option
// parser, numbered in order.
type builder struct {
	n uint64
}

func (b *builder) pkt(src, dst netip.AddrPort, flags decode.TCPFlags, seq uint32, opts ...[]byte) *decode.Packet {
	b.n++
	var raw []byte
	for _, o := range opts {
		raw = append(raw, o...)
	}
	p := &decode.Packet{Number: b.n, Time: t0.Add(time.Duration(b.n) * time.Millisecond),
		Src: src, Dst: dst, Flags: flags, Seq: seqnum.SSN(seq)}
	p.Options, p.OptionErrors = decode.ParseOptions(raw, nil, nil)
	return p
}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func mpcSYNv1() []byte               { return []byte{30, 4, 0x01, 0x01} }
func mpcKey(v byte, k uint64) []byte { return cat([]byte{30, 12, v, 0x01}, be64(k)) }
func mpcKeys(v byte, a, b uint64) []byte {
	return cat([]byte{30, 20, v, 0x01}, be64(a), be64(b))
}
func joinSYN(tok, nonce uint32, id byte) []byte {
	return cat([]byte{30, 12, 0x10, id}, be32(tok), be32(nonce))
}
func joinSYNACK(mac uint64, nonce uint32) []byte {
	return cat([]byte{30, 16, 0x10, 0}, be64(mac), be32(nonce))
}
func joinACK(mac [20]byte) []byte { return cat([]byte{30, 24, 0x10, 0}, mac[:]) }

const (
	syn    = decode.FlagSYN
	synack = decode.FlagSYN | decode.FlagACK
	ack    = decode.FlagACK
	rst    = decode.FlagRST | decode.FlagACK
)

// recorder keeps the check events in events and the timeline apart; the
// end-of-analysis reinjection summary goes with the timeline.
type recorder struct{ events, timeline []Event }

func (r *recorder) Observe(e *Event) {
	if e.Kind.IsTimeline() || e.Kind == EventReinjection {
		r.timeline = append(r.timeline, *e)
		return
	}
	r.events = append(r.events, *e)
}

func hasKind(evs []Event, k EventKind) bool {
	for _, e := range evs {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func (r *recorder) kinds() []EventKind {
	var k []EventKind
	for _, e := range r.events {
		k = append(k, e.Kind)
	}
	return k
}

// handshakeV1 plays a v1 MP_CAPABLE handshake.
func handshakeV1(t *Tracker, b *builder) {
	t.Process(b.pkt(client, server, syn, 1000, mpcSYNv1()))
	t.Process(b.pkt(server, client, synack, 5000, mpcKey(1, keyB)))
	t.Process(b.pkt(client, server, ack, 1001, mpcKeys(1, keyA, keyB)))
}

func TestV1HandshakeAndValidJoin(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	synAck := mpcrypto.SynAckHMAC(1, keyB, keyA, nonceB, nonceA)
	ackMAC := mpcrypto.AckHMAC(1, keyA, keyB, nonceA, nonceB)
	tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(tokenB, nonceA, 2)))
	tr.Process(b.pkt(server, client2, synack, 9000, joinSYNACK(synAck, nonceB)))
	tr.Process(b.pkt(client2, server, ack, 7001, joinACK(ackMAC)))
	tr.Process(b.pkt(server, client2, ack, 9001))
	tr.Finish()

	if len(rec.events) != 0 {
		t.Fatalf("events on a healthy connection: %v", rec.kinds())
	}
	conns := tr.Connections()
	if len(conns) != 1 {
		t.Fatalf("%d connections, want 1", len(conns))
	}
	c := conns[0]
	if c.Version != 1 || c.Ends[Client].Key != keyA || c.Ends[Server].Key != keyB {
		t.Errorf("version %d keys %x %x", c.Version, c.Ends[Client].Key, c.Ends[Server].Key)
	}
	if c.Ends[Client].Token != 0x4ad3227d || c.Ends[Server].Token != tokenB || c.Ends[Client].IDSN != 0x9dadcf969a3e0f9a {
		t.Errorf("tokens %08x %08x idsn %016x", c.Ends[Client].Token, c.Ends[Server].Token, c.Ends[Client].IDSN)
	}
	if len(c.Subflows) != 2 {
		t.Fatalf("%d subflows, want 2", len(c.Subflows))
	}
	j := c.Subflows[1]
	if !j.Join || j.HMAC != HMACValid || j.SynAck != CheckOK || j.Ack != CheckOK || !j.Established {
		t.Errorf("join: join=%v hmac=%v synack=%v ack=%v established=%v", j.Join, j.HMAC, j.SynAck, j.Ack, j.Established)
	}
	if j.InitiatorSide != Client || j.AddrID[FromInitiator] != 2 || j.ID != 1 {
		t.Errorf("join initiator %v addr id %d id %d", j.InitiatorSide, j.AddrID[FromInitiator], j.ID)
	}
	if tot := c.Totals(); tot.Packets != 7 || tot.FirstPacket != 1 || tot.LastPacket != 7 {
		t.Errorf("totals %+v", tot)
	}
}

func TestJoinHMACInvalid(t *testing.T) {
	for _, tc := range []struct {
		name      string
		badSynAck bool
		badAck    bool
		want      []HMACCheck
	}{
		{"synack", true, false, []HMACCheck{CheckSynAck}},
		{"ack", false, true, []HMACCheck{CheckAck}},
		{"both", true, true, []HMACCheck{CheckSynAck, CheckAck}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			tr := NewTracker(rec)
			b := &builder{}
			handshakeV1(tr, b)
			synAck := mpcrypto.SynAckHMAC(1, keyB, keyA, nonceB, nonceA)
			ackMAC := mpcrypto.AckHMAC(1, keyA, keyB, nonceA, nonceB)
			if tc.badSynAck {
				synAck ^= 1
			}
			if tc.badAck {
				ackMAC[19] ^= 0x80
			}
			tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(tokenB, nonceA, 2)))
			tr.Process(b.pkt(server, client2, synack, 9000, joinSYNACK(synAck, nonceB)))
			tr.Process(b.pkt(client2, server, ack, 7001, joinACK(ackMAC)))
			tr.Finish()
			var got []HMACCheck
			for _, e := range rec.events {
				if e.Kind != EventJoinHMACInvalid {
					t.Errorf("unexpected event %v", e.Kind)
					continue
				}
				got = append(got, e.Check)
				want := uint64(5)
				if e.Check == CheckAck {
					want = 6
				}
				if e.Packet != want {
					t.Errorf("%v event on packet %d, want %d", e.Check, e.Packet, want)
				}
			}
			if len(got) != len(tc.want) || got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1] {
				t.Errorf("events %v, want %v", got, tc.want)
			}
			if j := tr.Connections()[0].Subflows[1]; j.HMAC != HMACInvalid {
				t.Errorf("status %v, want invalid", j.HMAC)
			}
		})
	}
}

func TestJoinUnknownTokenAndRefused(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(0xdeadbeef, nonceA, 2)))
	tr.Process(b.pkt(server, client2, rst, 0))
	tr.Finish()
	if got := rec.kinds(); len(got) != 2 || got[0] != EventJoinUnknownToken || got[1] != EventJoinRefused {
		t.Fatalf("events %v", got)
	}
	if rec.events[0].Token != 0xdeadbeef || rec.events[0].Packet != 4 {
		t.Errorf("unknown token event %+v", rec.events[0])
	}
	if len(tr.Connections()[0].Subflows) != 1 {
		t.Error("a join with a foreign token was linked")
	}
	u := tr.Unlinked()
	if len(u) != 1 || u[0].Token != 0xdeadbeef || u[0].HMAC != HMACUnverified || !u[0].Reset || u[0].Packets != 2 {
		t.Errorf("unlinked %+v", u)
	}
}

// A SYN retransmitted with the same ISN after a RST that did not
// acknowledge it stays the same subflow (RFC 9293 §3.10.7.3: such a RST
// is not acceptable in SYN-SENT).
func TestSYNRetransmissionAfterUnacceptableRST(t *testing.T) {
	tr := NewTracker(nil)
	b := &builder{}
	handshakeV1(tr, b)
	tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(tokenB, nonceA, 2)))
	tr.Process(b.pkt(server, client2, decode.FlagRST, 0))
	tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(tokenB, nonceA, 2)))
	tr.Finish()
	subs := tr.Connections()[0].Subflows
	if len(subs) != 2 || subs[1].Reset || subs[1].Packets != 3 || subs[1].FirstPacket != 4 {
		t.Fatalf("subflows %d, join reset %v packets %d", len(subs), subs[1].Reset, subs[1].Packets)
	}
}

func TestRefusedJoinIsUnverified(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(tokenB, nonceA, 2)))
	tr.Process(b.pkt(server, client2, rst, 0))
	tr.Finish()
	j := tr.Connections()[0].Subflows[1]
	if j.HMAC != HMACUnverified || !j.Reset {
		t.Errorf("refused join: hmac %v reset %v", j.HMAC, j.Reset)
	}
	if got := rec.kinds(); len(got) != 1 || got[0] != EventJoinRefused {
		t.Errorf("events %v", got)
	}
}

func TestKeyEchoMismatch(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	tr.Process(b.pkt(client, server, syn, 1000, mpcKey(0, keyA)))
	tr.Process(b.pkt(server, client, synack, 5000, mpcKey(0, keyB)))
	tr.Process(b.pkt(client, server, ack, 1001, mpcKeys(0, keyA^1, keyB^2)))
	tr.Finish()
	if len(rec.events) != 2 {
		t.Fatalf("events %v, want two key mismatches", rec.kinds())
	}
	for i, want := range []struct {
		side      Side
		want, got uint64
	}{{Client, keyA, keyA ^ 1}, {Server, keyB, keyB ^ 2}} {
		e := rec.events[i]
		if e.Kind != EventKeyMismatch || e.Side != want.side || e.Want != want.want || e.Got != want.got || e.Packet != 3 {
			t.Errorf("event %d: %+v", i, e)
		}
	}
	if c := tr.Connections()[0]; c.Ends[Client].Key != keyA || c.Version != 0 || c.Ends[Client].Token != 0x8dd009d9 {
		t.Errorf("the first key must stay: %+v", c.Ends[Client])
	}
}

// A v0 join towards the client (server-initiated), verified with SHA-1.
func TestV0JoinFromServer(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	tr.Process(b.pkt(client, server, syn, 1000, mpcKey(0, keyA)))
	tr.Process(b.pkt(server, client, synack, 5000, mpcKey(0, keyB)))
	tr.Process(b.pkt(client, server, ack, 1001, mpcKeys(0, keyA, keyB)))
	srv2 := netip.MustParseAddrPort("10.0.9.2:5555")
	// The server (B) initiates: init = B, resp = A; the SYN carries Token-A.
	synAck := mpcrypto.SynAckHMAC(0, keyA, keyB, nonceA, nonceB)
	ackMAC := mpcrypto.AckHMAC(0, keyB, keyA, nonceB, nonceA)
	tr.Process(b.pkt(srv2, client, syn, 1, joinSYN(0x8dd009d9, nonceB, 1)))
	tr.Process(b.pkt(client, srv2, synack, 2, joinSYNACK(synAck, nonceA)))
	tr.Process(b.pkt(srv2, client, ack, 2, joinACK(ackMAC)))
	tr.Finish()
	if len(rec.events) != 0 {
		t.Fatalf("events %v", rec.kinds())
	}
	j := tr.Connections()[0].Subflows[1]
	if j.HMAC != HMACValid || j.InitiatorSide != Server {
		t.Errorf("hmac %v initiator %v", j.HMAC, j.InitiatorSide)
	}
}

// Two connections whose server keys hash to the same token: the join goes
// to the one whose HMAC verifies, not simply the newest.
func TestTokenCollisionResolvedByHMAC(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	first := tr.Connections()[0]
	other := netip.MustParseAddrPort("10.0.0.1:40002")
	tr.Process(b.pkt(other, server, syn, 100, mpcSYNv1()))
	tr.Process(b.pkt(server, other, synack, 200, mpcKey(1, 0x1111)))
	tr.Process(b.pkt(other, server, ack, 101, mpcKeys(1, 0x2222, 0x1111)))
	second := tr.Connections()[1]
	// Force the collision: make the second connection's server own tokenB too.
	tr.tokens[tokenB] = append(tr.tokens[tokenB], tokenOwner{second, Server})

	synAck := mpcrypto.SynAckHMAC(1, keyB, keyA, nonceB, nonceA)
	ackMAC := mpcrypto.AckHMAC(1, keyA, keyB, nonceA, nonceB)
	tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(tokenB, nonceA, 2)))
	tr.Process(b.pkt(server, client2, synack, 9000, joinSYNACK(synAck, nonceB)))
	tr.Process(b.pkt(client2, server, ack, 7001, joinACK(ackMAC)))
	tr.Finish()
	if len(first.Subflows) != 2 || len(second.Subflows) != 1 {
		t.Fatalf("subflows: first %d second %d", len(first.Subflows), len(second.Subflows))
	}
	if j := first.Subflows[1]; j.HMAC != HMACValid {
		t.Errorf("hmac %v", j.HMAC)
	}
	if len(rec.events) != 0 {
		t.Errorf("events %v", rec.kinds())
	}
}

// A join seen before the key of the connection it belongs to is linked when
// the key appears (here: v1, the third ACK lost, Key-A learned later from
// MP_CAPABLE with data; the join goes to the client).
func TestJoinLinkedWhenKeyArrives(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	tr.Process(b.pkt(client, server, syn, 1000, mpcSYNv1()))
	tr.Process(b.pkt(server, client, synack, 5000, mpcKey(1, keyB)))
	srv2 := netip.MustParseAddrPort("10.0.9.2:5555")
	tr.Process(b.pkt(srv2, client, syn, 1, joinSYN(0x4ad3227d, nonceB, 1)))
	if len(tr.Unlinked()) != 1 {
		t.Fatalf("unlinked %d", len(tr.Unlinked()))
	}
	mpcData := cat([]byte{30, 22, 1, 1}, be64(keyA), be64(keyB), []byte{0, 5})
	tr.Process(b.pkt(client, server, ack|decode.FlagPSH, 1001, mpcData))
	tr.Finish()
	if len(tr.Unlinked()) != 0 || len(tr.Connections()[0].Subflows) != 2 || len(tr.Partial()) != 0 {
		t.Fatalf("unlinked %d subflows %d partial %d", len(tr.Unlinked()), len(tr.Connections()[0].Subflows), len(tr.Partial()))
	}
	j := tr.Connections()[0].Subflows[1]
	if j.InitiatorSide != Server || j.HMAC != HMACUnverified || j.Packets != 1 {
		t.Errorf("join %+v", j)
	}
}

// Joins whose connection's handshake the capture missed are grouped by
// their token into one partial connection, whose data stream is rebuilt
// from the first mapping; a join with another token gets its own.
func TestJoinsWithoutHandshakeGroupedByToken(t *testing.T) {
	tr := NewTracker(nil)
	b := &builder{}
	client3 := netip.MustParseAddrPort("10.0.2.1:40002")
	other := netip.MustParseAddrPort("10.0.3.1:40003")
	const tok = 0x0badcafe
	for i, j := range []struct {
		from netip.AddrPort
		tok  uint32
		isn  uint32
	}{{client2, tok, 7000}, {client3, tok, 8000}, {other, 0x12345678, 9000}} {
		tr.Process(b.pkt(j.from, server, syn, j.isn, joinSYN(j.tok, nonceA, byte(i+1))))
		tr.Process(b.pkt(server, j.from, synack, 100, joinSYNACK(1, nonceB)))
		tr.Process(b.pkt(j.from, server, ack, j.isn+1, joinACK([20]byte{1})))
	}
	// The two subflows of the token carry one stream: DSN 5000..5009.
	tr.Process(b.data(client2, server, 7001, []byte("abcde"), dss64(5000, 1, 5, false, nil)))
	tr.Process(b.data(client3, server, 8001, []byte("fghij"), dss64(5005, 1, 5, false, nil)))
	tr.Finish()
	if n := len(tr.Unlinked()); n != 3 {
		t.Fatalf("unlinked %d, want 3 (still reported)", n)
	}
	ps := tr.Partial()
	if len(ps) != 2 {
		t.Fatalf("%d partial connections, want 2", len(ps))
	}
	p := ps[0]
	if len(p.Subflows) != 2 || p.Subflows[0].Addr[FromInitiator] != client2 || p.Subflows[1].Addr[FromInitiator] != client3 ||
		p.Ends[Server].Token != tok || p.Ends[Server].HasKey || p.Subflows[1].ID != 1 {
		t.Fatalf("partial %+v", p)
	}
	for _, sf := range p.Subflows {
		if sf.HMAC != HMACUnverified || sf.Conn != p {
			t.Errorf("join %v: hmac %v", sf.Addr, sf.HMAC)
		}
	}
	st := &p.Streams[Client]
	if st.Start != 5000 || st.Bytes != 10 || st.SHA256() != sha256.Sum256([]byte("abcdefghij")) {
		t.Errorf("stream start %d bytes %d", st.Start, st.Bytes)
	}
	if len(ps[1].Subflows) != 1 || ps[1].Ends[Server].Token != 0x12345678 {
		t.Errorf("second partial %+v", ps[1])
	}
}

func TestHandshakeFallbackAndPortReuse(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	tr.Process(b.pkt(client, server, syn, 1000, mpcSYNv1()))
	tr.Process(b.pkt(server, client, synack, 5000))
	tr.Process(b.pkt(client, server, ack, 1001))
	tr.Process(b.pkt(client, server, decode.FlagFIN|ack, 1001))
	tr.Process(b.pkt(server, client, decode.FlagFIN|ack, 5001))
	tr.Process(b.pkt(client, server, ack, 1002))
	// The same 4-tuple, a new ISN: a new connection.
	tr.Process(b.pkt(client, server, syn, 3000, mpcSYNv1()))
	tr.Process(b.pkt(server, client, synack, 5000, mpcKey(1, keyB)))
	tr.Process(b.pkt(client, server, ack, 3001, mpcKeys(1, keyA, keyB)))
	tr.Finish()
	conns := tr.Connections()
	if len(conns) != 2 {
		t.Fatalf("%d connections, want 2", len(conns))
	}
	if !conns[0].Fallback || conns[0].FallbackWhy != "SYN/ACK without MP_CAPABLE" || conns[1].Fallback {
		t.Errorf("fallback %v %q / %v", conns[0].Fallback, conns[0].FallbackWhy, conns[1].Fallback)
	}
	if conns[0].Totals().Packets != 6 || conns[1].Totals().Packets != 3 {
		t.Errorf("packets %d %d", conns[0].Totals().Packets, conns[1].Totals().Packets)
	}
	if len(rec.events) != 0 || !hasKind(rec.timeline, EventHandshakeFallback) || rec.timeline[0].Packet != 2 {
		t.Errorf("events %v timeline %+v", rec.kinds(), rec.timeline)
	}
}

func TestMalformedOptionReported(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	// A DSS whose length does not fit its flags, then a valid DSS ACK.
	tr.Process(b.pkt(client, server, ack, 1001, []byte{30, 9, 0x20, 0x01, 0, 0, 0, 1, 0}, []byte{30, 8, 0x20, 0x01, 0, 0, 0, 1}))
	tr.Finish()
	if len(rec.events) != 1 || rec.events[0].Kind != EventOptionMalformed || rec.events[0].Conn != tr.Connections()[0] {
		t.Fatalf("events %+v", rec.events)
	}
	if oe := rec.events[0].OptionError; oe.Subtype != decode.SubtypeDSS || oe.Offset != 0 {
		t.Errorf("option error %+v", oe)
	}
}

// Evict forgets settled connections older than the age, and their tokens.
func TestEvict(t *testing.T) {
	tr := NewTracker(nil)
	b := &builder{}
	handshakeV1(tr, b)
	tr.Process(b.pkt(client, server, decode.FlagFIN|ack, 1001))
	tr.Process(b.pkt(server, client, decode.FlagFIN|ack, 5001))
	if n := tr.Evict(time.Minute); n != 0 {
		t.Fatalf("evicted %d while the subflow lingers", n)
	}
	// Two minutes of packet time later, on another connection.
	other := netip.MustParseAddrPort("10.0.0.3:40000")
	b.n = 10
	p := b.pkt(other, server, syn, 1, mpcSYNv1())
	p.Time = t0.Add(3 * time.Minute)
	tr.Process(p)
	if n := tr.Evict(time.Minute); n != 1 || len(tr.Connections()) != 1 || len(tr.tokens[tokenB]) != 0 {
		t.Errorf("evicted %d, %d connections left, token owners %d", n, len(tr.Connections()), len(tr.tokens[tokenB]))
	}
}

// A key whose token another live connection owns is reported, and both
// connections keep it.
func TestTokenCollisionReported(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	other := &Connection{ID: 99}
	tr.tokens[tokenB] = []tokenOwner{{other, Server}} // as if connection 99's server key hashed to tokenB
	handshakeV1(tr, b)
	if len(rec.events) != 1 || rec.events[0].Kind != EventTokenCollision || rec.events[0].Token != tokenB || rec.events[0].Want != 99 {
		t.Fatalf("events %+v", rec.events)
	}
	if len(tr.tokens[tokenB]) != 2 {
		t.Errorf("owners %d, want both", len(tr.tokens[tokenB]))
	}
}

// A flood of joins with unknown tokens stops being tracked at MaxUnlinked,
// counted and reported once.
func TestJoinFloodBounded(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	for i := 0; i < MaxUnlinked+5; i++ {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 40000)
		tr.Process(b.pkt(src, server, syn, uint32(i), joinSYN(uint32(i), nonceA, 1)))
	}
	tr.Finish()
	caps := 0
	for _, e := range rec.events {
		if e.Kind == EventCapReached {
			caps++
		}
	}
	if len(tr.Unlinked()) != MaxUnlinked || tr.Stats().NotTracked != 5 || caps != 1 {
		t.Errorf("unlinked %d, not tracked %d, cap events %d", len(tr.Unlinked()), tr.Stats().NotTracked, caps)
	}
}

// A closed subflow leaves the 4-tuple index once ClosedLinger has passed,
// before the next packet is looked up: a SYN repeating its 4-tuple and
// ISN after a long quiet spell opens a new connection, not a retransmission
// of the old SYN.
func TestSYNAfterLingerStartsNewConnection(t *testing.T) {
	tr := NewTracker(nil)
	b := &builder{}
	handshakeV1(tr, b)
	fin := ack | decode.FlagFIN
	tr.Process(b.pkt(client, server, fin, 1001))
	tr.Process(b.pkt(server, client, fin, 5001))
	tr.Process(b.pkt(client, server, ack, 1002))
	again := b.pkt(client, server, syn, 1000, mpcSYNv1())
	again.Time = again.Time.Add(2 * ClosedLinger)
	tr.Process(again)
	if n := len(tr.Connections()); n != 2 {
		t.Fatalf("%d connections, want 2 (the second SYN came %v after the close)", n, 2*ClosedLinger)
	}
	if tr.Last().Conn != tr.Connections()[1] || tr.Connections()[0].Subflows[0].Packets != 6 {
		t.Errorf("the late SYN went to connection %d; the first has %d packets", tr.Last().Conn.ID, tr.Connections()[0].Subflows[0].Packets)
	}
}
