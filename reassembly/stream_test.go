package reassembly

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

// idsnA is the initiator's IDSN for the v1 keys of the digest's §8: A's
// data starts at DSN idsnA + 1.
const idsnA = 0x9dadcf969a3e0f9a

func (b *builder) data(src, dst netip.AddrPort, seq uint32, payload []byte, opts ...[]byte) *decode.Packet {
	p := b.pkt(src, dst, ack, seq, opts...)
	p.Payload, p.PayloadLen = payload, len(payload)
	return p
}

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

// dss64 encodes a DSS with a 64-bit mapping (no Data ACK), with a checksum
// when sum is not nil.
func dss64(dsn uint64, ssn uint32, dll uint16, fin bool, sum *uint16) []byte {
	flags := byte(decode.DSSFlagMapping | decode.DSSFlagDSN64)
	if fin {
		flags |= decode.DSSFlagDataFIN
	}
	o := cat([]byte{30, 0, 0x20, flags}, be64(dsn), be32(ssn), be16(dll))
	if sum != nil {
		o = append(o, be16(*sum)...)
	}
	o[1] = byte(len(o))
	return o
}

// dss32 encodes a DSS with a 32-bit mapping.
func dss32(dsn uint32, ssn uint32, dll uint16, fin bool) []byte {
	flags := byte(decode.DSSFlagMapping)
	if fin {
		flags |= decode.DSSFlagDataFIN
	}
	o := cat([]byte{30, 0, 0x20, flags}, be32(dsn), be32(ssn), be16(dll))
	o[1] = byte(len(o))
	return o
}

func u16(v uint16) *uint16 { return &v }

// handshakeV1Sum plays a v1 handshake with checksums required (flag A).
func handshakeV1Sum(t *Tracker, b *builder) {
	t.Process(b.pkt(client, server, syn, 1000, []byte{30, 4, 0x01, 0x81}))
	t.Process(b.pkt(server, client, synack, 5000, cat([]byte{30, 12, 0x01, 0x81}, be64(keyB))))
	t.Process(b.pkt(client, server, ack, 1001, cat([]byte{30, 20, 0x01, 0x81}, be64(keyA), be64(keyB))))
}

func streamOf(t *testing.T, tr *Tracker, s Side) *DataStream {
	t.Helper()
	if len(tr.Connections()) != 1 {
		t.Fatalf("%d connections", len(tr.Connections()))
	}
	return &tr.Connections()[0].Streams[s]
}

func wantStream(t *testing.T, st *DataStream, want []byte, complete, fin bool) {
	t.Helper()
	if st.Bytes != uint64(len(want)) || st.SHA256() != sha256.Sum256(want) || st.Complete() != complete || st.DataFINDone != fin {
		t.Errorf("stream: %d bytes (want %d), hash ok %v, complete %v (want %v), data fin %v (want %v), missing %d buffered %d unmapped %d",
			st.Bytes, len(want), st.SHA256() == sha256.Sum256(want), st.Complete(), complete, st.DataFINDone, fin, st.Missing, st.Buffered, st.Unmapped)
	}
}

// The digest's §8.4 vectors on the wire: "hello" in a v1 MP_CAPABLE with
// data (checksum a509), then a DATA_FIN alone (checksum e8db).
//
//	A→B  MPC+data  SSN 1..5 "hello"  → DSN idsnA+1..idsnA+5
//	A→B  DSS F     SSN 0, DLL 1      → DATA_FIN at idsnA+6
func TestChecksumVectorsOnTheWire(t *testing.T) {
	for _, corrupt := range []bool{false, true} {
		rec := &recorder{}
		tr := NewTracker(rec)
		b := &builder{}
		handshakeV1Sum(tr, b)
		payload := []byte("hello")
		if corrupt {
			payload = []byte("jello")
		}
		mpcData := cat([]byte{30, 24, 0x01, 0x81}, be64(keyA), be64(keyB), be16(5), be16(0xa509))
		tr.Process(b.data(client, server, 1001, payload, mpcData))
		tr.Process(b.pkt(client, server, ack, 1006, dss64(idsnA+6, 0, 1, true, u16(0xe8db))))
		tr.Finish()
		st := streamOf(t, tr, Client)
		wantStream(t, st, payload, true, true)
		if st.Start != idsnA+1 || st.DataFINDSN != idsnA+6 {
			t.Errorf("start %x data fin %x", st.Start, st.DataFINDSN)
		}
		wantOK, wantBad := 2, 0
		if corrupt {
			wantOK, wantBad = 1, 1
		}
		if st.ChecksumVerified != wantOK || st.ChecksumFailed != wantBad || st.ChecksumUnverifiable != 0 {
			t.Errorf("corrupt=%v: checksums %d ok %d failed %d unverifiable", corrupt, st.ChecksumVerified, st.ChecksumFailed, st.ChecksumUnverifiable)
		}
		if corrupt && (len(rec.events) != 1 || rec.events[0].Kind != EventChecksumInvalid || rec.events[0].Packet != 4 || rec.events[0].DSN != idsnA+1) {
			t.Errorf("events %+v", rec.events)
		}
	}
}

// The digest's §7.3 worked example, with S1's second segment overtaking
// S2's at the data level:
//
//	S1 (MPC) SSN    1..1000 → DSN    1..1000 (MPC with data)
//	S2 (join) SSN   1..1000 → DSN 1001..2000
//	S1       SSN 1001..2000 → DSN 2001..3000, DATA_FIN 3001
//
// arrival: S1#1, S1#2, S2#1 — the stream is still 1..3000 in DSN order.
func TestWorkedExampleAcrossSubflows(t *testing.T) {
	tr := NewTracker(nil)
	b := &builder{}
	handshakeV1(tr, b)
	tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(tokenB, nonceA, 2)))
	tr.Process(b.pkt(server, client2, synack, 9000, joinSYNACK(0, nonceB)))
	part := func(n byte) []byte { return bytes.Repeat([]byte{n}, 1000) }
	mpcData := cat([]byte{30, 22, 0x01, 0x01}, be64(keyA), be64(keyB), be16(1000))
	tr.Process(b.data(client, server, 1001, part('a'), mpcData))
	tr.Process(b.data(client, server, 2001, part('c'), dss64(idsnA+2001, 1001, 1001, true, nil)))
	tr.Process(b.data(client2, server, 7001, part('b'), dss64(idsnA+1001, 1, 1000, false, nil)))
	tr.Finish()
	st := streamOf(t, tr, Client)
	wantStream(t, st, cat(part('a'), part('b'), part('c')), true, true)
	if st.Reinjected != 0 || st.DataFINDSN != idsnA+3001 {
		t.Errorf("reinjected %d data fin %x", st.Reinjected, st.DataFINDSN)
	}
}

// A range sent on S1 and again on S2 is a reinjection; different bytes in
// the copy are reported.
//
//	S1  SSN 1..100 → DSN 1..100  "x"*100
//	S2  SSN 1..100 → DSN 1..100  "x"*99 + "!"
func TestReinjection(t *testing.T) {
	for _, differ := range []bool{false, true} {
		rec := &recorder{}
		tr := NewTracker(rec)
		b := &builder{}
		handshakeV1(tr, b)
		tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(tokenB, nonceA, 2)))
		tr.Process(b.pkt(server, client2, synack, 9000, joinSYNACK(0, nonceB)))
		orig := bytes.Repeat([]byte{'x'}, 100)
		copy2 := bytes.Clone(orig)
		if differ {
			copy2[99] = '!'
		}
		tr.Process(b.data(client, server, 1001, orig, dss64(idsnA+1, 1, 100, false, nil)))
		tr.Process(b.data(client2, server, 7001, copy2, dss64(idsnA+1, 1, 100, false, nil)))
		tr.Finish()
		st := streamOf(t, tr, Client)
		wantStream(t, st, orig, true, false)
		if st.Reinjected != 100 || st.Retransmitted != 0 {
			t.Errorf("reinjected %d retransmitted %d", st.Reinjected, st.Retransmitted)
		}
		var mism []Event
		for _, e := range rec.events {
			if e.Kind == EventReinjectionMismatch {
				mism = append(mism, e)
			}
		}
		if differ != (len(mism) == 1) || (differ && (mism[0].DSN != idsnA+100 || mism[0].Count != 1 || mism[0].Packet != 7)) {
			t.Errorf("differ=%v: mismatch events %+v", differ, mism)
		}
	}
}

// Subflow segments out of order, a retransmission, and a mapping repeated
// on every segment as TSO copies it:
//
//	mapping SSN 1..300 → DSN 1..300, carried by each of the three segments
//	arrival: [201,301) [1,101) [101,201) [101,201)again
func TestSubflowReorderAndRepeatedMapping(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	full := make([]byte, 300)
	for i := range full {
		full[i] = byte(i)
	}
	m := dss64(idsnA+1, 1, 300, false, nil)
	for _, start := range []int{200, 0, 100, 100} {
		tr.Process(b.data(client, server, 1001+uint32(start), full[start:start+100], m))
	}
	tr.Finish()
	wantStream(t, streamOf(t, tr, Client), full, true, false)
	if len(rec.events) != 0 {
		t.Errorf("events %v", rec.kinds())
	}
}

// 32-bit DSNs widened across a 2^32 boundary of the data sequence space
// (v0 style): the client's IDSN ends in ffffff00, so its data crosses the
// wrap after 255 bytes.
func TestDSN32AcrossWrap(t *testing.T) {
	tr := NewTracker(nil)
	b := &builder{}
	tr.Process(b.pkt(client, server, syn, 1000, mpcKey(0, keyA)))
	tr.Process(b.pkt(server, client, synack, 5000, mpcKey(0, keyB)))
	tr.Process(b.pkt(client, server, ack, 1001, mpcKeys(0, keyA, keyB)))
	c := tr.Connections()[0]
	// Pretend Key-A hashed to an IDSN just below a 32-bit wrap.
	c.Ends[Client].IDSN = 0x00000007ffffff00
	first := make([]byte, 255)
	second := make([]byte, 200)
	for i := range first {
		first[i] = byte(i)
	}
	for i := range second {
		second[i] = byte(255 - i)
	}
	// DSN ffffff01..ffffffff, then the wrap: 00000000..000000c7 + DATA_FIN.
	tr.Process(b.data(client, server, 1001, first, dss32(0xffffff01, 1, 255, false)))
	tr.Process(b.data(client, server, 1256, second, dss32(0x00000000, 256, 201, true)))
	tr.Finish()
	st := &c.Streams[Client]
	wantStream(t, st, cat(first, second), true, true)
	if want := uint64(0x00000008000000c8); !st.DataFIN || st.DataFINDSN != want {
		t.Errorf("data fin %v at %x, want %x", st.DataFIN, st.DataFINDSN, want)
	}
}

// The infinite mapping (DLL 0) anchors the rest of the subflow linearly:
// bytes without any DSS still land at the right DSNs.
func TestInfiniteMappingFallback(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	tr.Process(b.data(client, server, 1001, []byte("abc"), dss64(idsnA+1, 1, 3, false, nil)))
	tr.Process(b.data(client, server, 1004, []byte("def"), dss64(idsnA+4, 4, 0, false, nil)))
	tr.Process(b.data(client, server, 1007, []byte("ghi")))
	tr.Finish()
	st := streamOf(t, tr, Client)
	wantStream(t, st, []byte("abcdefghi"), true, false)
	if !st.Fallback || st.FallbackDSN != idsnA+4 || !tr.Connections()[0].DataFallback {
		t.Errorf("fallback %v at %x", st.Fallback, st.FallbackDSN)
	}
	if len(rec.events) != 0 || !hasKind(rec.timeline, EventFallback) {
		t.Errorf("events %v timeline %+v", rec.kinds(), rec.timeline)
	}
}

// A snap length cut: the bytes on the wire that were not captured are
// missing, not invented, and the mapping's checksum cannot be verified.
func TestSnapLengthCut(t *testing.T) {
	tr := NewTracker(nil)
	b := &builder{}
	handshakeV1Sum(tr, b)
	p := b.data(client, server, 1001, []byte("hel"), dss64(idsnA+1, 1, 5, false, u16(0xa509)))
	p.PayloadLen = 5 // two bytes were not captured
	tr.Process(p)
	tr.Process(b.data(client, server, 1006, []byte("!!"), dss64(idsnA+6, 6, 2, false, u16(0))))
	tr.Finish()
	st := streamOf(t, tr, Client)
	if st.Bytes != 5 || st.Missing != 2 || st.Complete() || st.ChecksumUnverifiable != 1 || st.ChecksumVerified != 0 {
		t.Errorf("bytes %d missing %d complete %v checksums ok %d failed %d unverifiable %d",
			st.Bytes, st.Missing, st.Complete(), st.ChecksumVerified, st.ChecksumFailed, st.ChecksumUnverifiable)
	}
}

// One subflow range mapped to two different DSNs is reported; the first
// mapping stands.
func TestMappingInconsistent(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	tr.Process(b.pkt(client, server, ack, 1001, dss64(idsnA+1, 1, 4, false, nil)))
	tr.Process(b.data(client, server, 1001, []byte("data"), dss64(idsnA+500, 1, 4, false, nil)))
	tr.Finish()
	wantStream(t, streamOf(t, tr, Client), []byte("data"), true, false)
	if got := rec.kinds(); len(got) != 1 || got[0] != EventMappingInconsistent || rec.events[0].Got != idsnA+500 {
		t.Errorf("events %+v", rec.events)
	}
}

// Linux's MPTCP zero-window probe resends one byte at Data ACK − 1 with
// whatever content is at hand (net/mptcp/protocol.c, zero_window_probe):
// it is counted as a probe, not compared as a reinjection.
//
//	S1  SSN 1..4 "data" → DSN 1..4;  B acks DSN 5
//	S1  SSN 5 "?"       → DSN 4      (the probe)
func TestZeroWindowProbe(t *testing.T) {
	rec := &recorder{}
	tr := NewTracker(rec)
	b := &builder{}
	handshakeV1(tr, b)
	tr.Process(b.data(client, server, 1001, []byte("data"), dss64(idsnA+1, 1, 4, false, nil)))
	ack64 := cat([]byte{30, 12, 0x20, decode.DSSFlagDataACK | decode.DSSFlagDataACK64}, be64(idsnA+5))
	tr.Process(b.pkt(server, client, ack, 5001, ack64))
	tr.Process(b.data(client, server, 1005, []byte("?"), dss64(idsnA+4, 5, 1, false, nil)))
	tr.Finish()
	st := streamOf(t, tr, Client)
	wantStream(t, st, []byte("data"), true, false)
	if st.WindowProbes != 1 || st.Reinjected != 0 || st.Retransmitted != 0 || st.DataACK != idsnA+5 || len(rec.events) != 0 {
		t.Errorf("probes %d reinjected %d retransmitted %d data ack %x events %v", st.WindowProbes, st.Reinjected, st.Retransmitted, st.DataACK, rec.kinds())
	}
}

// With stable payloads (a mapped file) the windows keep references to the
// packets instead of copies, and find the same differences: a subflow
// retransmission and a reinjection, each with one byte changed, of 1000
// bytes (enough to be remembered by reference).
func TestStablePayloadsCompareTheSame(t *testing.T) {
	for _, stable := range []bool{false, true} {
		rec := &recorder{}
		tr := NewTracker(rec)
		tr.SetStablePayloads(stable)
		b := &builder{}
		handshakeV1(tr, b)
		tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(tokenB, nonceA, 2)))
		tr.Process(b.pkt(server, client2, synack, 9000, joinSYNACK(0, nonceB)))
		orig := make([]byte, 1000)
		for i := range orig {
			orig[i] = byte(i)
		}
		retrans, reinj := bytes.Clone(orig), bytes.Clone(orig)
		retrans[10] ^= 1
		reinj[900] ^= 1
		tr.Process(b.data(client, server, 1001, orig, dss64(idsnA+1, 1, 1000, false, nil)))
		tr.Process(b.data(client, server, 1001, retrans, dss64(idsnA+1, 1, 1000, false, nil)))
		tr.Process(b.data(client2, server, 7001, reinj, dss64(idsnA+1, 1, 1000, false, nil)))
		tr.Finish()
		st := streamOf(t, tr, Client)
		wantStream(t, st, orig, true, false)
		var got []string
		for _, e := range rec.events {
			if e.Kind == EventRetransmissionMismatch || e.Kind == EventReinjectionMismatch {
				got = append(got, fmt.Sprintf("%v/%d/%x", e.Kind, e.Count, e.DSN))
			}
		}
		want := fmt.Sprintf("[%v/1/0 %v/1/%x]", EventRetransmissionMismatch, EventReinjectionMismatch, uint64(idsnA+901))
		if fmt.Sprint(got) != want || st.Reinjected != 1000 || st.Mismatched != 1 {
			t.Errorf("stable=%v: %v, reinjected %d mismatched %d; want %s", stable, got, st.Reinjected, st.Mismatched, want)
		}
	}
}
