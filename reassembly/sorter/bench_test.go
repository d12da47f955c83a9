package sorter

import (
	"math/rand/v2"
	"testing"
)

const benchSegment = 1460 // a typical TCP MSS payload

// benchSorter returns a sorter and its push: Push into a sorter that
// copies, or PushRef into a ByReference one, as for a mapped file.
func benchSorter(byRef bool) (*Sorter, func(uint64, []byte, uint32, Deliver) Result) {
	s := New(0, Config{ByReference: byRef})
	if byRef {
		return s, s.PushRef
	}
	return s, s.Push
}

func benchChunk() []byte {
	c := make([]byte, benchSegment)
	for i := range c {
		c[i] = byte(i * 7)
	}
	return c
}

// BenchmarkPushInOrder is the common case: every segment arrives in order,
// is delivered from the caller's slice and remembered by the window:
// copied into its ring, or by reference (PushRef into a ByReference
// sorter, as for a mapped file).
func BenchmarkPushInOrder(b *testing.B) {
	for _, byRef := range []bool{false, true} {
		name := "copied"
		if byRef {
			name = "by-reference"
		}
		b.Run(name, func(b *testing.B) {
			_, push := benchSorter(byRef)
			chunk := benchChunk()
			var sum int
			deliver := func(_ uint64, data []byte, _ uint32) { sum += len(data) }
			var off uint64
			b.SetBytes(benchSegment)
			b.ReportAllocs()
			for b.Loop() {
				push(off, chunk, 1, deliver)
				off += benchSegment
			}
		})
	}
}

// BenchmarkPushOutOfOrder measures segments that are buffered before
// delivery. One op is one Push of one segment.
//
//   - loss-1-in-8: in each group of 8 segments the first is lost and
//     retransmitted after the other 7, which wait in one growing range;
//   - shuffled-64: each group of 64 segments arrives in a random order;
//   - reverse-64: each group of 64 arrives last first, so the range grows
//     at its head.
//
// Each also runs by-reference: ByReference pieces filled with PushRef, as
// the analysis of a mapped file does (no byte is copied).
func BenchmarkPushOutOfOrder(b *testing.B) {
	orders := map[string][]int{
		"loss-1-in-8": {1, 2, 3, 4, 5, 6, 7, 0},
		"shuffled-64": rand.New(rand.NewPCG(1, 2)).Perm(64),
		"reverse-64": func() []int {
			p := make([]int, 64)
			for i := range p {
				p[i] = 63 - i
			}
			return p
		}(),
	}
	for _, name := range []string{"loss-1-in-8", "shuffled-64", "reverse-64"} {
		for _, byRef := range []bool{false, true} {
			order := orders[name]
			if byRef {
				name += "/by-reference" // pieces and PushRef, as for a mapped file
			}
			b.Run(name, func(b *testing.B) {
				s, push := benchSorter(byRef)
				chunk := benchChunk()
				var sum int
				deliver := func(_ uint64, data []byte, _ uint32) { sum += len(data) }
				var base uint64
				i := 0
				b.SetBytes(benchSegment)
				b.ReportAllocs()
				for b.Loop() {
					push(base+uint64(order[i])*benchSegment, chunk, uint32(i&1), deliver)
					if i++; i == len(order) {
						i = 0
						base += uint64(len(order)) * benchSegment
					}
				}
				b.StopTimer()
				if s.Missing() != 0 {
					b.Fatalf("%d bytes missing", s.Missing())
				}
			})
		}
	}
}
