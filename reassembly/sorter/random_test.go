package sorter

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestSorterRandomized cuts a random stream into random, overlapping chunks
// with random tags, shuffles them, sprinkles in corrupted copies of chunks
// already pushed, and checks every Push, Skip and Flush against the model:
// the Result, the deliveries byte by byte, and every accessor.
func TestSorterRandomized(t *testing.T) {
	variants := []struct {
		name  string
		cfg   Config
		skips bool // also Skip now and then
		// exact: nothing is ever skipped, so every byte of the stream
		// must come out, and equal the source.
		exact bool
		// want lists the Result counters that must be non-zero summed
		// over all seeds (so the variant exercises what it claims to),
		// never lists those that must stay zero.
		want, never []string
	}{
		{name: "large window", cfg: Config{MaxBuffered: 1 << 20, Window: 1 << 20}, exact: true,
			want:  []string{"New", "Duplicate", "DupOtherTag", "Mismatch", "Before", "Dropped"},
			never: []string{"Unverified", "Skipped"}},
		{name: "small window", cfg: Config{MaxBuffered: 1 << 20, Window: 64}, exact: true,
			want:  []string{"DupOtherTag", "Mismatch", "Unverified"},
			never: []string{"Skipped"}},
		{name: "no window", cfg: Config{MaxBuffered: 1 << 20, Window: -1}, exact: true,
			want:  []string{"Mismatch", "Unverified"},
			never: []string{"Skipped"}},
		{name: "defaults", cfg: Config{}, exact: true,
			want:  []string{"Mismatch"},
			never: []string{"Unverified", "Skipped"}},
		{name: "small cap", cfg: Config{MaxBuffered: 512, Window: 1 << 10},
			want: []string{"Mismatch", "Unverified", "Skipped", "DupOtherTag"}},
		{name: "tiny cap", cfg: Config{MaxBuffered: 16, Window: 100},
			want: []string{"Mismatch", "Unverified", "Skipped"}},
		{name: "skips", cfg: Config{MaxBuffered: 4096, Window: 300}, skips: true,
			want: []string{"Mismatch", "Unverified", "Skipped"}},
	}
	seeds := 150
	if testing.Short() {
		seeds = 20
	}
	// Every variant runs four ways, all against the same model: Push or
	// PushRef, into contiguous buffers or pieces (ByReference).
	modes := []struct {
		name       string
		ref, byRef bool
	}{{"", false, false}, {" PushRef", true, false}, {" pieces", false, true}, {" pieces PushRef", true, true}}
	for vi, v := range variants {
		for _, mode := range modes {
			cfg := v.cfg
			cfg.ByReference = mode.byRef
			t.Run(v.name+mode.name, func(t *testing.T) {
				var total Result
				for seed := range seeds {
					rng := rand.New(rand.NewPCG(uint64(seed), uint64(vi)))
					if err := runRandomized(t, rng, cfg, v.skips, v.exact, mode.ref, &total); err != nil {
						t.Fatalf("seed %d: %v", seed, err)
					}
				}
				tv := reflect.ValueOf(total)
				for _, name := range v.want {
					if tv.FieldByName(name).IsZero() {
						t.Errorf("no seed exercised %s: totals %+v", name, total)
					}
				}
				for _, name := range v.never {
					if !tv.FieldByName(name).IsZero() {
						t.Errorf("%s should stay zero: totals %+v", name, total)
					}
				}
			})
		}
	}
}

type chunk struct {
	off  uint64 // relative to the stream start
	end  uint64
	tag  uint32
	data []byte // nil: honest, from the source
}

func runRandomized(t *testing.T, rng *rand.Rand, cfg Config, skips, exact, ref bool, total *Result) error {
	L := 1 + rng.IntN(12000)
	src := make([]byte, L)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	var start uint64
	switch rng.IntN(4) {
	case 0:
		start = 0
	case 1:
		start = rng.Uint64() >> 1
	case 2:
		start = uint64(rng.IntN(1 << 20))
	case 3: // the stream runs into 2^64-1: its last bytes cannot be held
		start = math.MaxUint64 - uint64(L) + uint64(rng.IntN(4))
	}

	// Cut the stream, then add overlapping extras.
	maxChunk := 1 + rng.IntN(1500)
	var chunks []chunk
	for pos := 0; pos < L; {
		n := min(8+rng.IntN(maxChunk), L-pos)
		chunks = append(chunks, chunk{off: uint64(pos), end: uint64(pos + n), tag: uint32(rng.IntN(4))})
		pos += n
	}
	for range rng.IntN(len(chunks)/4 + 2) {
		a := rng.IntN(L)
		b := min(L, a+1+rng.IntN(maxChunk))
		chunks = append(chunks, chunk{off: uint64(a), end: uint64(b), tag: uint32(rng.IntN(4))})
	}
	// Shuffle fully, or only locally (reordering as a network does).
	if rng.IntN(2) == 0 {
		rng.Shuffle(len(chunks), func(i, j int) { chunks[i], chunks[j] = chunks[j], chunks[i] })
	} else {
		for i := range chunks {
			j := min(len(chunks)-1, i+rng.IntN(8))
			chunks[i], chunks[j] = chunks[j], chunks[i]
		}
	}

	h := newHarness(t, start, cfg)
	h.ref = ref
	m := newModel(start, cfg)
	got := make(map[uint64]byte) // every byte delivered, by relative offset

	do := func(what string, op func() (Result, Result)) error {
		r, mr := op()
		if r != mr {
			return fmt.Errorf("%s: result\n got %+v\nmodel %+v", what, r, mr)
		}
		if g, w := flat(h.calls), m.out; !(len(g) == 0 && len(w) == 0) && !reflect.DeepEqual(g, w) {
			return fmt.Errorf("%s: deliveries\n got %v\nmodel %v", what, g, w)
		}
		for _, c := range h.calls {
			for i := 0; i < len(c.data); i++ {
				rel := c.off + uint64(i) - start
				if _, dup := got[rel]; dup {
					return fmt.Errorf("%s: byte %d delivered twice", what, c.off+uint64(i))
				}
				got[rel] = c.data[i]
			}
		}
		if r.Mismatch+r.Unverified > r.Duplicate || r.DupOtherTag+r.Unverified > r.Duplicate {
			return fmt.Errorf("%s: inconsistent result %+v", what, r)
		}
		total.New += r.New
		total.Duplicate += r.Duplicate
		total.DupOtherTag += r.DupOtherTag
		total.Mismatch += r.Mismatch
		total.Unverified += r.Unverified
		total.Before += r.Before
		total.Dropped += r.Dropped
		total.Skipped += r.Skipped
		return m.compare(h.s)
	}
	push := func(c chunk) error {
		off := start + c.off
		data := c.data
		honest := data == nil
		if honest {
			data = src[c.off:c.end]
		}
		// Now and then reach below the start (those bytes are ignored).
		if c.off == 0 && start >= 8 && rng.IntN(4) == 0 {
			k := 1 + rng.IntN(8)
			data = append(make([]byte, k), data...)
			off -= uint64(k)
		}
		var r Result
		err := do(fmt.Sprintf("Push(%d, %d bytes, tag %d)", off, len(data), c.tag), func() (Result, Result) {
			r = h.push(off, string(data), c.tag)
			return r, m.push(off, data, c.tag)
		})
		if err == nil && honest && r.Mismatch != 0 {
			err = fmt.Errorf("honest chunk mismatched: %+v", r)
		}
		return err
	}

	var pushed []chunk
	for _, c := range chunks {
		if err := push(c); err != nil {
			return err
		}
		pushed = append(pushed, c)
		if rng.IntN(10) == 0 { // a corrupted copy of something already pushed
			o := pushed[rng.IntN(len(pushed))]
			a := o.off + uint64(rng.IntN(int(o.end-o.off)))
			b := a + 1 + uint64(rng.IntN(int(o.end-a)))
			bad := append([]byte(nil), src[a:b]...)
			for range 1 + rng.IntN(3) {
				bad[rng.IntN(len(bad))] ^= byte(1 + rng.IntN(255))
			}
			if err := push(chunk{off: a, end: b, tag: uint32(rng.IntN(4)), data: bad}); err != nil {
				return err
			}
		}
		if skips && rng.IntN(20) == 0 {
			to := h.s.Next() + uint64(rng.IntN(200))
			if err := do(fmt.Sprintf("Skip(%d)", to), func() (Result, Result) {
				n, mn := h.skip(to), m.skip(to)
				return Result{Skipped: n}, Result{Skipped: mn}
			}); err != nil {
				return err
			}
		}
	}
	if err := do("Flush", func() (Result, Result) {
		n, mn := h.flush(), m.flush()
		return Result{Skipped: n}, Result{Skipped: mn}
	}); err != nil {
		return err
	}

	// Every delivered byte is the source's; with nothing skipped, all of
	// the stream that fits below 2^64-1 was delivered.
	for rel, b := range got {
		if b != src[rel] {
			return fmt.Errorf("delivered byte at %d = %d, source %d", start+rel, b, src[rel])
		}
	}
	if exact {
		want := min(uint64(L), math.MaxUint64-start)
		if uint64(len(got)) != want || h.s.Missing() != 0 || h.s.Next() != start+want {
			return fmt.Errorf("delivered %d of %d bytes, Missing %d, Next %d", len(got), want, h.s.Missing(), h.s.Next())
		}
	}
	return nil
}

// content is the byte the fuzzer's stream holds at off, so that honest
// duplicates match.
func content(off uint64) byte { return byte((off * 0x9E3779B97F4A7C15) >> 56) }

// addSigned returns x+d clamped to [0, 2^64-1].
func addSigned(x uint64, d int64) uint64 {
	if d < 0 {
		return satSub(x, uint64(-d))
	}
	if uint64(d) > math.MaxUint64-x {
		return math.MaxUint64
	}
	return x + uint64(d)
}

// FuzzSorter reads its input as a configuration and a list of operations,
// four bytes each: Push near Next (content derived from the offset, so
// duplicates match unless the op corrupts them), Skip, or Flush. With the
// default cap on runs it checks every operation against the model; with a
// tiny cap on runs (which the model does not know) it checks the invariants
// only.
func FuzzSorter(f *testing.F) {
	f.Add([]byte{0x00, 16, 0, 10, 100, 10, 1, 0, 120, 10, 2, 0, 90, 30, 3})
	f.Add([]byte{0x06, 8, 0, 0, 150, 20, 1, 0, 130, 20, 0x81, 0, 100, 60, 2, 210, 40, 0, 0, 250, 0, 0, 0})
	f.Add([]byte{0x12, 63, 3, 0, 101, 80, 1, 0, 200, 80, 2, 0, 110, 5, 3, 0, 105, 5, 0, 250, 0, 0, 0})
	f.Add([]byte{0x1f, 4, 1, 0, 200, 3, 1, 0, 180, 3, 2, 0, 160, 3, 1, 0, 140, 3, 2, 0, 100, 89, 0})
	f.Add([]byte{0x02, 32, 0, 0, 100, 89, 0, 0, 189, 89, 0, 0, 255, 89, 0x83, 220, 255, 0, 0})
	f.Add([]byte{0x2d, 63, 0, 0, 100, 89, 1, 0, 189, 89, 2, 0, 150, 40, 1, 0, 100, 89, 0, 0, 100, 89, 3, 0, 20, 60, 0x82, 210, 200, 0, 0, 0, 100, 50, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 3 {
			return
		}
		var start uint64
		switch in[0] & 3 {
		case 1:
			start = 1000
		case 2:
			start = math.MaxUint64 - 600
		case 3:
			start = 1 << 63
		}
		cfg := Config{MaxBuffered: 1 + int(in[1]%64), Window: []int{-1, 8, 32, 300}[in[0]>>2&3], ByReference: in[1]&0x80 != 0}
		exact := in[0]&0x10 == 0
		h := newHarness(t, start, cfg)
		var m *model
		if exact {
			m = newModel(start, cfg)
		} else {
			h.s.maxRuns = 1 + int(in[2]%4)
		}
		if in[0]&0x20 != 0 { // grow the window ring from 1 byte
			h.s.ringMin = 1
		}
		h.ref = in[0]&0x40 != 0 // PushRef: the same results
		for ops := in[3:]; len(ops) >= 4; ops = ops[4:] {
			kind, a, b, c := ops[0], ops[1], ops[2], ops[3]
			var r, mr Result
			switch {
			case kind < 200:
				off := addSigned(h.s.Next(), int64(a)-100)
				data := make([]byte, int(b)%90)
				for i := range data {
					data[i] = content(off + uint64(i))
				}
				if c&0x80 != 0 && len(data) > 0 {
					data[int(c)%len(data)] ^= 0x5a
				}
				tag := uint32(c & 3)
				r = h.push(off, string(data), tag)
				if r.New+r.Duplicate+r.Before+r.Dropped != len(data) ||
					r.Mismatch+r.Unverified > r.Duplicate || r.DupOtherTag+r.Unverified > r.Duplicate ||
					(r.Mismatch == 0 && r.FirstMismatch != 0) ||
					(r.Mismatch > 0 && (r.FirstMismatch < off || r.FirstMismatch-off >= uint64(len(data)))) {
					t.Fatalf("Push(%d, %d bytes): inconsistent result %+v", off, len(data), r)
				}
				if exact {
					mr = m.push(off, data, tag)
				}
			case kind < 230:
				to := addSigned(h.s.Next(), int64(a)-16)
				r.Skipped = h.skip(to)
				if exact {
					mr.Skipped = m.skip(to)
				}
			default:
				r.Skipped = h.flush()
				if exact {
					mr.Skipped = m.flush()
				}
				if h.s.Buffered() != 0 {
					t.Fatalf("Flush left %d bytes buffered", h.s.Buffered())
				}
			}
			if s := h.s; s.Buffered() > cfg.MaxBuffered || s.Delivered()+s.Missing() != s.Next()-start {
				t.Fatalf("Buffered %d (cap %d), Delivered %d + Missing %d != Next %d - start", s.Buffered(), cfg.MaxBuffered, s.Delivered(), s.Missing(), s.Next())
			}
			if !exact {
				continue
			}
			if r != mr {
				t.Fatalf("op %d %d %d %d: result\n got %+v\nmodel %+v", kind, a, b, c, r, mr)
			}
			if g := flat(h.calls); !(len(g) == 0 && len(m.out) == 0) && !reflect.DeepEqual(g, m.out) {
				t.Fatalf("op %d %d %d %d: deliveries\n got %v\nmodel %v", kind, a, b, c, g, m.out)
			}
			if err := m.compare(h.s); err != nil {
				t.Fatalf("op %d %d %d %d: %v", kind, a, b, c, err)
			}
		}
	})
}
