package reassembly

import (
	"math/rand/v2"
	"testing"
)

// The digest's §8.4 vectors (v1 keys, IDSN-A = 9dadcf969a3e0f9a).
func TestDSSChecksumVectors(t *testing.T) {
	hello := []byte("hello")
	for _, split := range []int{0, 1, 2, 3, 4, 5} {
		var s onesSum
		s.add(hello[:split])
		s.add(hello[split:])
		if got := dssChecksum(0x9dadcf969a3e0f9b, 1, 5, &s); got != 0xa509 {
			t.Errorf("hello split at %d: %04x, want a509", split, got)
		}
	}
	var empty onesSum
	if got := dssChecksum(0x9dadcf969a3e0fa0, 0, 1, &empty); got != 0xe8db {
		t.Errorf("pure DATA_FIN: %04x, want e8db", got)
	}
	var bye onesSum
	bye.add([]byte("b"))
	bye.add([]byte("ye"))
	if got := dssChecksum(0x9dadcf969a3e0fa0, 6, 4, &bye); got != 0x2159 {
		t.Errorf("bye + DATA_FIN: %04x, want 2159", got)
	}
}

// Feeding a stream in arbitrary pieces gives the sum of the whole.
func TestOnesSumPieces(t *testing.T) {
	data := make([]byte, 1001)
	for i := range data {
		data[i] = byte(i*7 + 3)
	}
	var whole onesSum
	whole.add(data)
	for _, step := range []int{1, 2, 3, 7, 8, 9, 64, 333} {
		var s onesSum
		for i := 0; i < len(data); i += step {
			s.add(data[i:min(i+step, len(data))])
		}
		if s.fold() != whole.fold() {
			t.Errorf("step %d: %04x, want %04x", step, s.fold(), whole.fold())
		}
	}
}

// BenchmarkDSSChecksum sums MSS-sized segments into the one's-complement
// sum of their mapping and folds a DSS checksum every 45 segments (a
// 64 KiB mapping), as a checksummed connection costs per byte.
func BenchmarkDSSChecksum(b *testing.B) {
	seg := make([]byte, 1460)
	for i := range seg {
		seg[i] = byte(i * 13)
	}
	var s onesSum
	var sink uint16
	n := 0
	b.SetBytes(int64(len(seg)))
	b.ReportAllocs()
	for b.Loop() {
		s.add(seg)
		if n++; n == 45 {
			sink ^= dssChecksum(0x9dadcf969a3e0f9b, 1, 65535, &s)
			s, n = onesSum{}, 0
		}
	}
	if sink == 0x1234 {
		b.Log(sink) // keeps the sum from being optimized away
	}
}

// The word-wise sum equals the textbook one (16-bit words, RFC 1071) for
// any data cut in any pieces.
func TestOnesSumMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		data := make([]byte, rng.IntN(3000))
		for i := range data {
			data[i] = byte(rng.Uint32())
			if rng.IntN(8) == 0 {
				data[i] = 0xff // long carries
			}
		}
		var naive uint64
		for i := 0; i < len(data); i += 2 {
			w := uint64(data[i]) << 8
			if i+1 < len(data) {
				w |= uint64(data[i+1])
			}
			naive += w
		}
		for naive>>16 != 0 {
			naive = naive&0xffff + naive>>16
		}
		var s onesSum
		for rest := data; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(200))
			s.add(rest[:n])
			rest = rest[n:]
		}
		if got := s.fold(); uint64(got) != naive {
			t.Fatalf("%d bytes: %04x, want %04x", len(data), got, naive)
		}
	}
}
