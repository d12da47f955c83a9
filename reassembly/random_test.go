package reassembly

import (
	"crypto/sha256"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/mpcrypto"
	"github.com/mptcpdump/mptcpdump/seqnum"
)

// scenario builds one random but legal MPTCP transfer from the client: a
// source stream cut into mappings of random sizes, each sent on a random
// subflow as segments of random sizes (the mapping on the first segment,
// or repeated on every segment as TSO does), then reordered within a
// window, with TCP retransmissions and data-level reinjections of whole
// mappings on other subflows. The reference model is the source itself.
type scenario struct {
	rnd      *rand.Rand
	source   []byte
	packets  []*decode.Packet
	subflows []netip.AddrPort
	next     []uint32 // next relative SSN per subflow
}

func newScenario(seed uint64, size, nsub int) *scenario {
	s := &scenario{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	s.source = make([]byte, size)
	for i := range s.source {
		s.source[i] = byte(s.rnd.Uint32())
	}
	s.subflows = []netip.AddrPort{client}
	for i := 1; i < nsub; i++ {
		s.subflows = append(s.subflows, netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 9, byte(i), 1}), uint16(40000+i)))
	}
	s.next = make([]uint32, nsub)
	for i := range s.next {
		s.next[i] = 1
	}
	return s
}

// isn of subflow i: the MP_CAPABLE subflow uses 1000 like handshakeV1.
func isn(i int) uint32 { return 1000 + uint32(i)*100000 }

// sendMapping appends the segments of one mapping [off, off+n) of the
// source on subflow sub.
func (s *scenario) sendMapping(off, n, sub int, fin bool) {
	ssn := s.next[sub]
	s.next[sub] += uint32(n)
	dll := uint16(n)
	if fin {
		dll++
	}
	repeat := s.rnd.IntN(2) == 0
	opt := dss64(idsnA+1+uint64(off), ssn, dll, fin, nil)
	for done := 0; done < n; {
		seg := min(1+s.rnd.IntN(1500), n-done)
		var opts [][]byte
		if done == 0 || repeat {
			opts = append(opts, opt)
		}
		p := &decode.Packet{Src: s.subflows[sub], Dst: server, Flags: ack, Seq: seqnum.SSN(isn(sub) + ssn + uint32(done))}
		p.Options, _ = decode.ParseOptions(cat(opts...), nil, nil)
		p.Payload = s.source[off+done : off+done+seg]
		p.PayloadLen = seg
		s.packets = append(s.packets, p)
		done += seg
	}
}

func (s *scenario) build() {
	for off := 0; off < len(s.source); {
		n := min(1+s.rnd.IntN(20000), len(s.source)-off, 65534)
		sub := s.rnd.IntN(len(s.subflows))
		last := off+n == len(s.source)
		s.sendMapping(off, n, sub, last)
		if s.rnd.IntN(6) == 0 && len(s.subflows) > 1 { // reinject the mapping elsewhere
			s.sendMapping(off, n, (sub+1+s.rnd.IntN(len(s.subflows)-1))%len(s.subflows), last)
		}
		off += n
	}
	// TCP retransmissions: copies of random segments, later.
	for i, n := 0, len(s.packets)/8; i < n; i++ {
		p := *s.packets[s.rnd.IntN(len(s.packets))]
		s.packets = append(s.packets, &p)
	}
	// Reorder within a window of 16 packets (subflows keep no FIFO order
	// between each other, and a subflow's segments may be reordered too).
	for i := range s.packets {
		j := min(len(s.packets)-1, i+s.rnd.IntN(16))
		s.packets[i], s.packets[j] = s.packets[j], s.packets[i]
	}
}

func TestRandomizedAgainstSource(t *testing.T) {
	var reinjected, outOfOrder uint64
	for seed := uint64(1); seed <= 60; seed++ {
		size := 1 + int(seed*7919)%200000
		nsub := 1 + int(seed%3)
		s := newScenario(seed, size, nsub)
		s.build()

		rec := &recorder{}
		tr := NewTracker(rec)
		b := &builder{}
		handshakeV1(tr, b)
		for i := 1; i < nsub; i++ {
			tr.Process(b.pkt(s.subflows[i], server, syn, isn(i), joinSYN(tokenB, nonceA, byte(i))))
			tr.Process(b.pkt(server, s.subflows[i], synack, 9000+uint32(i), joinSYNACK(mpcrypto.SynAckHMAC(1, keyB, keyA, nonceB, nonceA), nonceB)))
			tr.Process(b.pkt(s.subflows[i], server, ack, isn(i)+1, joinACK(mpcrypto.AckHMAC(1, keyA, keyB, nonceA, nonceB))))
		}
		for _, p := range s.packets {
			b.n++
			p.Number = b.n
			tr.Process(p)
		}
		tr.Finish()
		st := streamOf(t, tr, Client)
		if st.SHA256() != sha256.Sum256(s.source) || st.Bytes != uint64(len(s.source)) || !st.Complete() || !st.DataFINDone {
			t.Errorf("seed %d (%d bytes, %d subflows): got %d bytes, hash ok %v, complete %v, fin %v, missing %d, unmapped %d",
				seed, size, nsub, st.Bytes, st.SHA256() == sha256.Sum256(s.source), st.Complete(), st.DataFINDone, st.Missing, st.Unmapped)
		}
		for _, e := range rec.events {
			t.Errorf("seed %d: unexpected event %v at packet %d", seed, e.Kind, e.Packet)
		}
		reinjected += st.Reinjected
		for _, sf := range tr.Connections()[0].Subflows {
			outOfOrder += sf.Packets
		}
	}
	// The scenarios must really exercise what they claim to.
	if reinjected == 0 || outOfOrder == 0 {
		t.Errorf("no reinjection (%d) or no packets (%d) in any scenario", reinjected, outOfOrder)
	}
}
