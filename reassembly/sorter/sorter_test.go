package sorter

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// The diagrams in this file draw offsets left to right, one character per
// byte, starting at offset 0 unless stated:
//
//	=  delivered
//	x  buffered before the push
//	+  the chunk pushed
//	-  not received (a hole)
//	~  declared missing (a gap)
//
// and the line after "=>" shows the state after the push.

// call is one Deliver call as recorded by a harness.
type call struct {
	off  uint64
	data string
	tag  uint32
}

func (c call) String() string { return fmt.Sprintf("%d:%q/%d", c.off, c.data, c.tag) }

// harness drives a Sorter, records its Deliver calls, checks the delivery
// contract inside every call and the structural invariants after every
// operation.
type harness struct {
	t     testing.TB
	s     *Sorter
	calls []call

	ref         bool   // push with PushRef
	lastEnd     uint64 // end of the last delivery (start at first)
	lastMissing uint64 // Missing() at the last delivery
}

func newHarness(t testing.TB, start uint64, cfg Config) *harness {
	h := &harness{t: t, s: New(start, cfg), lastEnd: start}
	return h
}

func (h *harness) deliver(off uint64, data []byte, tag uint32) {
	h.t.Helper()
	s := h.s
	switch {
	case len(data) == 0:
		h.t.Fatalf("empty delivery at %d", off)
	case off < h.lastEnd:
		h.t.Fatalf("delivery at %d below the previous end %d", off, h.lastEnd)
	case off-h.lastEnd != s.Missing()-h.lastMissing:
		h.t.Fatalf("delivery at %d after %d leaves a hole of %d, but only %d bytes were declared missing",
			off, h.lastEnd, off-h.lastEnd, s.Missing()-h.lastMissing)
	case off+uint64(len(data)) != s.Next():
		h.t.Fatalf("delivery [%d,+%d) does not end at Next() = %d", off, len(data), s.Next())
	}
	h.calls = append(h.calls, call{off: off, data: string(data), tag: tag})
	h.lastEnd, h.lastMissing = off+uint64(len(data)), s.Missing()
}

func (h *harness) push(off uint64, data string, tag uint32) Result {
	h.t.Helper()
	h.calls = nil
	push := h.s.Push
	if h.ref {
		push = h.s.PushRef // []byte(data) is a fresh copy nobody changes
	}
	r := push(off, []byte(data), tag, h.deliver)
	h.check()
	return r
}

func (h *harness) skip(to uint64) uint64 {
	h.t.Helper()
	h.calls = nil
	n := h.s.Skip(to, h.deliver)
	h.check()
	return n
}

func (h *harness) flush() uint64 {
	h.t.Helper()
	h.calls = nil
	n := h.s.Flush(h.deliver)
	h.check()
	return n
}

func (h *harness) check() {
	h.t.Helper()
	if err := h.s.checkInvariants(); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) wantCalls(want ...call) {
	h.t.Helper()
	if len(want) == 0 {
		want = nil
	}
	if !reflect.DeepEqual(h.calls, want) {
		h.t.Fatalf("deliveries\n got %v\nwant %v", h.calls, want)
	}
}

// wantBuffer checks the buffered ranges, written as "[3,7)abcd".
func (h *harness) wantBuffer(want ...string) {
	h.t.Helper()
	var got []string
	for _, p := range h.s.spans {
		data, _ := p.content()
		got = append(got, fmt.Sprintf("[%d,%d)%s", p.start, p.end, data))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		h.t.Fatalf("buffer\n got %v\nwant %v", got, want)
	}
}

func wantResult(t testing.TB, got, want Result) {
	t.Helper()
	if got != want {
		t.Fatalf("result\n got %+v\nwant %+v", got, want)
	}
}

// content returns a span's bytes and the tag of each, whatever its form.
func (p *span) content() ([]byte, []uint32) {
	var data []byte
	var tags []uint32
	if p.pieces != nil {
		for _, pc := range p.pieces {
			data = append(data, pc.data...)
			for range pc.data {
				tags = append(tags, pc.tag)
			}
		}
		return data, tags
	}
	data = p.bytes()
	for k, run := range p.runs {
		for range p.runEnd(k) - run.start {
			tags = append(tags, run.tag)
		}
	}
	return data, tags
}

// checkPieces verifies a ByReference span's pieces.
func (s *Sorter) checkPieces(i int, p *span) error {
	if p.buf != nil || p.runs != nil || len(p.pieces) == 0 {
		return fmt.Errorf("span %d: buffer %d bytes, %d runs, %d pieces", i, len(p.buf), len(p.runs), len(p.pieces))
	}
	pos := p.start
	for k, pc := range p.pieces {
		if pc.start != pos || len(pc.data) == 0 {
			return fmt.Errorf("span %d [%d,%d): piece %d at %d (%d bytes), want %d", i, p.start, p.end, k, pc.start, len(pc.data), pos)
		}
		pos += uint64(len(pc.data))
	}
	if pos != p.end {
		return fmt.Errorf("span %d [%d,%d): pieces end at %d", i, p.start, p.end, pos)
	}
	return nil
}

// checkInvariants verifies the internal structure of s.
func (s *Sorter) checkInvariants() error {
	if s.delivered+s.missing != s.next-s.start {
		return fmt.Errorf("Delivered %d + Missing %d != Next %d - start %d", s.delivered, s.missing, s.next, s.start)
	}
	sum, runs, loaned := 0, 0, 0
	prev := s.next
	for i, p := range s.spans {
		n := int(p.end - p.start)
		if s.byRef {
			if p.end <= p.start || p.start <= prev {
				return fmt.Errorf("span %d [%d,%d) empty or not above %d", i, p.start, p.end, prev)
			}
			if err := s.checkPieces(i, p); err != nil {
				return err
			}
			sum += n
			runs += len(p.pieces)
			prev = p.end
			continue
		}
		switch {
		case p.end <= p.start:
			return fmt.Errorf("span %d [%d,%d) is empty", i, p.start, p.end)
		case p.start <= prev:
			return fmt.Errorf("span %d [%d,%d) does not start above %d (next or the previous span's end)", i, p.start, p.end, prev)
		case p.head < 0 || p.head+n > len(p.buf):
			return fmt.Errorf("span %d: head %d + %d bytes outside a buffer of %d", i, p.head, n, len(p.buf))
		case cap(p.buf) > n+n/2 && !p.loaned:
			return fmt.Errorf("span %d: capacity %d above 1.5 × %d bytes", i, cap(p.buf), n)
		case len(p.runs) == 0 || p.runs[0].start != p.start:
			return fmt.Errorf("span %d [%d,%d): runs %v do not start at its start", i, p.start, p.end, p.runs)
		}
		for k := 1; k < len(p.runs); k++ {
			if p.runs[k].start <= p.runs[k-1].start || p.runs[k].start >= p.end || p.runs[k].tag == p.runs[k-1].tag {
				return fmt.Errorf("span %d [%d,%d): bad runs %v", i, p.start, p.end, p.runs)
			}
		}
		sum += n
		runs += len(p.runs)
		prev = p.end
		if p.loaned {
			loaned += cap(p.buf)
		}
	}
	switch {
	case sum != s.buffered:
		return fmt.Errorf("buffered %d, spans hold %d", s.buffered, sum)
	case loaned != s.loaned:
		return fmt.Errorf("loaned %d, spans hold %d on loan", s.loaned, loaned)
	case s.spareBytes+s.loaned > s.maxBuf/4 && s.loaned > 0:
		return fmt.Errorf("spares %d + loans %d above a quarter of %d", s.spareBytes, s.loaned, s.maxBuf)
	case runs != s.runsHeld:
		return fmt.Errorf("runsHeld %d, spans hold %d", s.runsHeld, runs)
	case s.buffered > s.maxBuf:
		return fmt.Errorf("buffered %d above the cap %d", s.buffered, s.maxBuf)
	case s.runsHeld > s.maxRuns:
		return fmt.Errorf("%d runs above the cap %d", s.runsHeld, s.maxRuns)
	case len(s.ring) > s.window:
		return fmt.Errorf("ring of %d above the window %d", len(s.ring), s.window)
	case s.hist.n > MaxWindowRuns || len(s.hist.buf) > MaxWindowRuns:
		return fmt.Errorf("%d window runs (buffer %d) above %d", s.hist.n, len(s.hist.buf), MaxWindowRuns)
	}
	for k := 0; k < s.hist.n; k++ {
		r := s.hist.at(k)
		if r.start < s.start || r.start >= s.next || (k > 0 && r.start <= s.hist.at(k-1).start) {
			return fmt.Errorf("window run %d %+v out of order (start %d, next %d)", k, *r, s.start, s.next)
		}
	}
	if s.window > 0 && s.hist.n > 0 {
		if need := min(satSub(s.ringNext, s.histStart), uint64(s.window)); uint64(len(s.ring)) < need {
			return fmt.Errorf("ring of %d cannot hold the %d bytes of the window", len(s.ring), need)
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// In order and out of order

// ====++++
// =>
// ========
func TestInOrder(t *testing.T) {
	h := newHarness(t, 0, Config{})
	wantResult(t, h.push(0, "abcd", 1), Result{New: 4})
	h.wantCalls(call{0, "abcd", 1})
	wantResult(t, h.push(4, "efgh", 1), Result{New: 4})
	h.wantCalls(call{4, "efgh", 1})
	wantResult(t, h.push(8, "", 1), Result{})
	h.wantCalls()
	if h.s.Next() != 8 || h.s.Delivered() != 8 || h.s.Buffered() != 0 || h.s.HighestSeen() != 8 {
		t.Fatalf("Next %d Delivered %d Buffered %d HighestSeen %d", h.s.Next(), h.s.Delivered(), h.s.Buffered(), h.s.HighestSeen())
	}
}

// ----++++
// =>
// ----xxxx
// ++++xxxx
// =>
// ========
func TestOutOfOrder(t *testing.T) {
	h := newHarness(t, 0, Config{})
	wantResult(t, h.push(4, "efgh", 1), Result{New: 4})
	h.wantCalls()
	h.wantBuffer("[4,8)efgh")
	if h.s.HighestSeen() != 8 || h.s.Next() != 0 {
		t.Fatalf("HighestSeen %d Next %d", h.s.HighestSeen(), h.s.Next())
	}
	wantResult(t, h.push(0, "abcd", 2), Result{New: 4})
	h.wantCalls(call{0, "abcd", 2}, call{4, "efgh", 1})
	h.wantBuffer()
}

// --xx--xx--xx
//
//	++++
//
// =>
// -xxxx-xx--xx
//
//	++
//
// =>
// -xxxx-xxxxxx
//
//	+
//
// =>
// -xxxxxxxxxxx
// +
// =>
// ============
func TestFillHoles(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(2, "cd", 1)
	h.push(6, "gh", 1)
	h.push(10, "kl", 1)
	h.wantBuffer("[2,4)cd", "[6,8)gh", "[10,12)kl")
	wantResult(t, h.push(1, "BCDE", 2), Result{New: 2, Duplicate: 2, DupOtherTag: 2, FirstTag: 1, Mismatch: 2, FirstMismatch: 2})
	h.wantBuffer("[1,5)BcdE", "[6,8)gh", "[10,12)kl")
	wantResult(t, h.push(8, "ij", 1), Result{New: 2})
	h.wantBuffer("[1,5)BcdE", "[6,12)ghijkl")
	if h.s.BufferedRanges() != 2 || h.s.Buffered() != 10 {
		t.Fatalf("BufferedRanges %d Buffered %d", h.s.BufferedRanges(), h.s.Buffered())
	}
	wantResult(t, h.push(5, "f", 1), Result{New: 1})
	h.wantBuffer("[1,12)BcdEfghijkl")
	wantResult(t, h.push(0, "a", 1), Result{New: 1})
	h.wantCalls(call{0, "a", 1}, call{1, "B", 2}, call{2, "cd", 1}, call{4, "E", 2}, call{5, "fghijkl", 1})
}

// ---------------------------------------------------------------------------
// Overlaps

// ---xxxx----
//
//	+++++
//
// =>
// -xxxxxx----
func TestOverlapStart(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(3, "defg", 1)
	wantResult(t, h.push(1, "bcdef", 1), Result{New: 2, Duplicate: 3})
	h.wantBuffer("[1,7)bcdefg")
	h.wantCalls()
}

// ---xxxx----
//
//	+++++
//
// =>
// ---xxxxxxx-
func TestOverlapEnd(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(3, "defg", 1)
	wantResult(t, h.push(5, "fghij", 1), Result{New: 3, Duplicate: 2})
	h.wantBuffer("[3,10)defghij")
}

// --xx---xx--
//
//	++++++++++
//
// =>
// -xxxxxxxxxx
func TestOverlapMiddle(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(2, "cd", 1)
	h.push(7, "hi", 1)
	wantResult(t, h.push(1, "bcdefghijk", 1), Result{New: 6, Duplicate: 4})
	h.wantBuffer("[1,11)bcdefghijk")
	if h.s.BufferedRanges() != 1 {
		t.Fatalf("BufferedRanges = %d", h.s.BufferedRanges())
	}
}

// --xxxxxx--
//
//	+++
//
// =>
// --xxxxxx--
func TestOverlapInside(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(2, "cdefgh", 1)
	wantResult(t, h.push(3, "def", 1), Result{Duplicate: 3})
	h.wantBuffer("[2,8)cdefgh")
}

// ----xx-xx--
//
//	+++++
//
// =>
// ----xxxxx--   the hole is filled, the first copies are kept
func TestOverlapBridge(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(4, "ef", 1)
	h.push(7, "hi", 1)
	wantResult(t, h.push(4, "EFGHI", 1), Result{New: 1, Duplicate: 4, Mismatch: 4, FirstMismatch: 4})
	h.wantBuffer("[4,9)efGhi")
}

// ======-----
//
//	++++++
//
// =>
// =========--
func TestOverlapDelivered(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(0, "abcdef", 1)
	wantResult(t, h.push(3, "defghi", 1), Result{New: 3, Duplicate: 3})
	h.wantCalls(call{6, "ghi", 1})
}

// ---------------------------------------------------------------------------
// Duplicates

// ----xxxx      ====----
//
//	++++          ++++
func TestExactDuplicates(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(4, "efgh", 1)
	wantResult(t, h.push(4, "efgh", 1), Result{Duplicate: 4})
	h.wantBuffer("[4,8)efgh")
	h.push(0, "abcd", 1)
	wantResult(t, h.push(0, "abcd", 1), Result{Duplicate: 4})
	wantResult(t, h.push(4, "efgh", 1), Result{Duplicate: 4})
	h.wantCalls()
	if h.s.Delivered() != 8 {
		t.Fatalf("Delivered = %d", h.s.Delivered())
	}
}

// ========        ----xxxx
//
//	++++              ++++   (bytes differ)
func TestDuplicateMismatch(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(0, "abcdefgh", 1)
	wantResult(t, h.push(2, "cXeY", 1), Result{Duplicate: 4, Mismatch: 2, FirstMismatch: 3})

	h = newHarness(t, 0, Config{})
	h.push(4, "efgh", 1)
	wantResult(t, h.push(4, "eFgH", 1), Result{Duplicate: 4, Mismatch: 2, FirstMismatch: 5})
	h.wantBuffer("[4,8)efgh") // the first copy wins
	h.push(0, "abcd", 1)
	h.wantCalls(call{0, "abcd", 1}, call{4, "efgh", 1})
}

// A chunk that is partly delivered, partly buffered and partly new: the
// first mismatch is the lowest one, wherever it lies.
//
// ====--xx--
// ++++++++++
func TestDuplicateMismatchAcrossKinds(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(0, "abcd", 1)
	h.push(6, "gh", 2)
	wantResult(t, h.push(0, "abcDefgHij", 3), Result{New: 4, Duplicate: 6, DupOtherTag: 6, FirstTag: 1, Mismatch: 2, FirstMismatch: 3})
	h.wantCalls(call{4, "ef", 3}, call{6, "gh", 2}, call{8, "ij", 3})
}

// Window of 8 bytes, 20 delivered: [12,20) is in the window.
//
// ====================
//
//	            ++++        verified
//	++++                    beyond the window: Unverified
//	        ++++            half and half
func TestDuplicateWindow(t *testing.T) {
	h := newHarness(t, 0, Config{Window: 8})
	src := "abcdefghijklmnopqrst"
	for i := 0; i < len(src); i += 4 {
		h.push(uint64(i), src[i:i+4], 1)
	}
	wantResult(t, h.push(14, "oPqr", 1), Result{Duplicate: 4, Mismatch: 1, FirstMismatch: 15})
	wantResult(t, h.push(2, "CDEF", 1), Result{Duplicate: 4, Unverified: 4})
	wantResult(t, h.push(10, "KLmN", 1), Result{Duplicate: 4, Unverified: 2, Mismatch: 1, FirstMismatch: 13})
}

// With the window disabled nothing delivered can be compared.
func TestDuplicateWindowDisabled(t *testing.T) {
	h := newHarness(t, 0, Config{Window: -1})
	h.push(0, "abcd", 1)
	wantResult(t, h.push(0, "abXd", 2), Result{Duplicate: 4, Unverified: 4})
	if h.s.ring != nil {
		t.Fatal("a disabled window allocated a ring")
	}
	// Buffered bytes are still compared.
	h.push(6, "gh", 1)
	wantResult(t, h.push(6, "gX", 2), Result{Duplicate: 2, DupOtherTag: 2, FirstTag: 1, Mismatch: 1, FirstMismatch: 7})
}

// The ring grows with the stream: a duplicate of the first byte of a stream
// longer than the first ring size is still verified.
func TestDuplicateWindowGrows(t *testing.T) {
	h := newHarness(t, 0, Config{Window: 1 << 20})
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 64)
	var off uint64
	for i := 0; i < 100; i++ {
		h.s.Push(off, chunk, 1, nil)
		off += uint64(len(chunk))
	}
	h.check()
	if len(h.s.ring) < int(off) || len(h.s.ring) > 1<<20 {
		t.Fatalf("ring is %d bytes after %d delivered", len(h.s.ring), off)
	}
	wantResult(t, h.push(0, "0123X", 1), Result{Duplicate: 5, Mismatch: 1, FirstMismatch: 4})
	wantResult(t, h.push(off-2, "ef", 1), Result{Duplicate: 2})
}

// Delivered bytes that alternate tags more often than MaxWindowRuns: the
// oldest tags are forgotten and their bytes become Unverified.
func TestDuplicateWindowRunsCap(t *testing.T) {
	h := newHarness(t, 0, Config{Window: 1 << 20})
	n := MaxWindowRuns + 100
	for i := 0; i < n; i++ {
		h.s.Push(uint64(i), []byte{byte(i)}, uint32(i%2), nil)
	}
	h.check()
	if h.s.hist.n != MaxWindowRuns {
		t.Fatalf("%d window runs", h.s.hist.n)
	}
	wantResult(t, h.push(0, "\x00", 0), Result{Duplicate: 1, Unverified: 1})
	last := uint64(n - 1)
	wantResult(t, h.push(last, string([]byte{^byte(last)}), uint32(last%2)), Result{Duplicate: 1, Mismatch: 1, FirstMismatch: last})
}

// ====----xxxx     tag 1 delivered, tag 1 buffered
// ++++    ++++     tag 2: a reinjection on another subflow
func TestDupOtherTag(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(0, "abcd", 1)
	h.push(8, "ijkl", 1)
	wantResult(t, h.push(0, "abcd", 2), Result{Duplicate: 4, DupOtherTag: 4, FirstTag: 1})
	wantResult(t, h.push(8, "ijkl", 2), Result{Duplicate: 4, DupOtherTag: 4, FirstTag: 1})
	wantResult(t, h.push(2, "cd", 1), Result{Duplicate: 2})
}

// A buffered range holding bytes of two tags delivers them in two calls,
// and a duplicate spanning both only counts the other tag's bytes.
//
// ----xx      tag 1
// ------++    tag 2
// ----+++     tag 2: 1 byte of tag 1, 1 of tag 2 duplicated, 1 new
func TestTagRuns(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(4, "ef", 1)
	h.push(6, "gh", 2)
	h.wantBuffer("[4,8)efgh")
	wantResult(t, h.push(5, "fgh", 2), Result{Duplicate: 3, DupOtherTag: 1, FirstTag: 1})
	h.push(0, "abcd", 3)
	h.wantCalls(call{0, "abcd", 3}, call{4, "ef", 1}, call{6, "gh", 2})
	// Delivered runs are remembered too.
	wantResult(t, h.push(3, "def", 1), Result{Duplicate: 3, DupOtherTag: 1, FirstTag: 3})
}

// start = 100
//
// 90       100
// ++++++++++|++++++++++
func TestBefore(t *testing.T) {
	h := newHarness(t, 100, Config{})
	wantResult(t, h.push(90, "0123456789abcdefghij", 1), Result{New: 10, Before: 10})
	h.wantCalls(call{100, "abcdefghij", 1})
	wantResult(t, h.push(80, "0123456789", 1), Result{Before: 10})
	wantResult(t, h.push(95, "56789abcde", 1), Result{Before: 5, Duplicate: 5})
	if h.s.HighestSeen() != 110 || h.s.Start() != 100 {
		t.Fatalf("HighestSeen %d Start %d", h.s.HighestSeen(), h.s.Start())
	}
}

// ---------------------------------------------------------------------------
// Skip and Flush

// -----xxx----xxx
// Skip(10)
// =>
// ~~~~~===~~--xxx
//
//	++            late copy of skipped bytes: Unverified
func TestSkip(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(5, "fgh", 1)
	h.push(12, "mno", 1)
	if n := h.skip(10); n != 7 {
		t.Fatalf("Skip returned %d", n)
	}
	h.wantCalls(call{5, "fgh", 1})
	h.wantBuffer("[12,15)mno")
	if h.s.Next() != 10 || h.s.Missing() != 7 || h.s.Gaps() != 2 || h.s.Delivered() != 3 {
		t.Fatalf("Next %d Missing %d Gaps %d Delivered %d", h.s.Next(), h.s.Missing(), h.s.Gaps(), h.s.Delivered())
	}
	wantResult(t, h.push(3, "de", 1), Result{Duplicate: 2, Unverified: 2})
	wantResult(t, h.push(4, "efg", 1), Result{Duplicate: 3, Unverified: 1})
	// Skipping backwards, or to Next, does nothing.
	if n := h.skip(10); n != 0 || h.s.Gaps() != 2 {
		t.Fatalf("Skip(Next) returned %d, Gaps %d", n, h.s.Gaps())
	}
	if n := h.skip(11); n != 1 {
		t.Fatalf("Skip returned %d", n)
	}
	h.wantCalls()
	// Skipping to a buffered range delivers it.
	if n := h.skip(12); n != 1 {
		t.Fatalf("Skip returned %d", n)
	}
	h.wantCalls(call{12, "mno", 1})
}

// Skip into the middle of a buffered range: its bytes are delivered, not
// skipped.
//
// ----xxxxxx
// Skip(6)
// =>
// ~~~~======
func TestSkipIntoRange(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(4, "efghij", 1)
	if n := h.skip(6); n != 4 {
		t.Fatalf("Skip returned %d", n)
	}
	h.wantCalls(call{4, "efghij", 1})
	if h.s.Next() != 10 {
		t.Fatalf("Next = %d", h.s.Next())
	}
}

// --xx---xx-x
// Flush
// =>
// ~~==~~~==~=
func TestFlush(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.push(2, "cd", 1)
	h.push(7, "hi", 2)
	h.push(10, "k", 1)
	if n := h.flush(); n != 6 {
		t.Fatalf("Flush returned %d", n)
	}
	h.wantCalls(call{2, "cd", 1}, call{7, "hi", 2}, call{10, "k", 1})
	if h.s.Buffered() != 0 || h.s.Gaps() != 3 || h.s.Missing() != 6 || h.s.Next() != 11 {
		t.Fatalf("Buffered %d Gaps %d Missing %d Next %d", h.s.Buffered(), h.s.Gaps(), h.s.Missing(), h.s.Next())
	}
	if n := h.flush(); n != 0 {
		t.Fatalf("second Flush returned %d", n)
	}
}

// A gap wider than the window leaves nothing in it to compare with.
func TestSkipWiderThanWindow(t *testing.T) {
	h := newHarness(t, 0, Config{Window: 16})
	h.push(0, "abcdefgh", 1)
	h.skip(100)
	wantResult(t, h.push(4, "efgh", 1), Result{Duplicate: 4, Unverified: 4})
	wantResult(t, h.push(96, "wxyz", 1), Result{Duplicate: 4, Unverified: 4})
	h.push(100, "0123", 1)
	wantResult(t, h.push(98, "yz0X", 1), Result{Duplicate: 4, Unverified: 2, Mismatch: 1, FirstMismatch: 101})
}

// ---------------------------------------------------------------------------
// Caps

// MaxBuffered 8.
//
// --xxxx----xxxx------
//
//	++++     12 bytes would be buffered
//
// =>
// ~~====----xxxx------xxxx     the lowest hole is skipped
func TestCapSkipsLowestHole(t *testing.T) {
	h := newHarness(t, 0, Config{MaxBuffered: 8})
	h.push(2, "cdef", 1)
	h.push(10, "klmn", 1)
	wantResult(t, h.push(20, "uvwx", 1), Result{New: 4, Skipped: 2})
	h.wantCalls(call{2, "cdef", 1})
	h.wantBuffer("[10,14)klmn", "[20,24)uvwx")
	if h.s.Missing() != 2 || h.s.Gaps() != 1 || h.s.Buffered() != 8 {
		t.Fatalf("Missing %d Gaps %d Buffered %d", h.s.Missing(), h.s.Gaps(), h.s.Buffered())
	}
	// Two more holes must go for this one.
	//
	// ~~====----xxxx------xxxx
	//                         ++++++
	wantResult(t, h.push(24, "yzABCD", 1), Result{New: 6, Skipped: 10})
	h.wantCalls(call{10, "klmn", 1}, call{20, "uvwx", 1}, call{24, "yzABCD", 1})
	if h.s.Gaps() != 3 || h.s.Missing() != 12 || h.s.Buffered() != 0 {
		t.Fatalf("Gaps %d Missing %d Buffered %d", h.s.Gaps(), h.s.Missing(), h.s.Buffered())
	}
}

// MaxBuffered 4. The chunk lies below the lowest buffered range, so the hole
// before the chunk is the one skipped and the chunk is delivered.
//
// ----------xxxx
//
//	+++
//
// =>
// ~~~~~===--xxxx
func TestCapChunkBelowBuffer(t *testing.T) {
	h := newHarness(t, 0, Config{MaxBuffered: 4})
	h.push(10, "klmn", 1)
	wantResult(t, h.push(5, "fgh", 1), Result{New: 3, Skipped: 5})
	h.wantCalls(call{5, "fgh", 1})
	h.wantBuffer("[10,14)klmn")
}

// MaxBuffered 4: a chunk larger than the cap is delivered directly, with
// the buffered ranges it overlaps keeping their first copies.
//
// ------------xx------xx
//
//	++++++++++
//
// =>
// ~~~~~~~~~~==========xx
func TestCapChunkLargerThanCap(t *testing.T) {
	h := newHarness(t, 0, Config{MaxBuffered: 4})
	h.push(12, "MN", 1)
	h.push(20, "uv", 1)
	wantResult(t, h.push(10, "klmnopqrst", 2), Result{New: 8, Duplicate: 2, DupOtherTag: 2, FirstTag: 1, Mismatch: 2, FirstMismatch: 12, Skipped: 10})
	h.wantCalls(call{10, "kl", 2}, call{12, "MN", 1}, call{14, "opqrst", 2}, call{20, "uv", 1})
	if h.s.Buffered() != 0 || h.s.Next() != 22 {
		t.Fatalf("Buffered %d Next %d", h.s.Buffered(), h.s.Next())
	}
	// With nothing buffered.
	h = newHarness(t, 0, Config{MaxBuffered: 4})
	wantResult(t, h.push(3, "defgh", 1), Result{New: 5, Skipped: 3})
	h.wantCalls(call{3, "defgh", 1})
}

// MaxBuffered 8. The chunk starts inside the lowest buffered range: skipping
// to that range makes the chunk contiguous.
//
// ---xxxx--xxxx
//
//	++++++
//
// =>
// ~~~=========
func TestCapChunkInsideLowestRange(t *testing.T) {
	h := newHarness(t, 0, Config{MaxBuffered: 8})
	h.push(3, "defg", 1)
	h.push(9, "jklm", 1)
	wantResult(t, h.push(5, "fghijk", 1), Result{New: 2, Duplicate: 4, Skipped: 3})
	h.wantCalls(call{3, "defg", 1}, call{7, "hi", 1}, call{9, "jklm", 1})
}

// A negative MaxBuffered never buffers.
func TestCapNoBuffering(t *testing.T) {
	h := newHarness(t, 0, Config{MaxBuffered: -1})
	wantResult(t, h.push(4, "efgh", 1), Result{New: 4, Skipped: 4})
	h.wantCalls(call{4, "efgh", 1})
	wantResult(t, h.push(0, "abcd", 1), Result{Duplicate: 4, Unverified: 4})
}

// The cap on runs works like the byte cap.
//
// -x-x-x
//
//	-+
//
// =>
// ~=-x-x-x
func TestCapRuns(t *testing.T) {
	h := newHarness(t, 0, Config{})
	h.s.maxRuns = 3
	h.push(1, "b", 1)
	h.push(3, "d", 1)
	h.push(5, "f", 1)
	wantResult(t, h.push(7, "h", 1), Result{New: 1, Skipped: 1})
	h.wantCalls(call{1, "b", 1})
	h.wantBuffer("[3,4)d", "[5,6)f", "[7,8)h")
	// Filling a hole merges two ranges into one run: it needs no room.
	wantResult(t, h.push(4, "e", 1), Result{New: 1})
	h.wantBuffer("[3,6)def", "[7,8)h")
	// A different tag adds a run.
	h.push(8, "i", 2)
	h.wantBuffer("[3,6)def", "[7,9)hi")
	wantResult(t, h.push(10, "k", 1), Result{New: 1, Skipped: 1})
	h.wantCalls(call{3, "def", 1})
	h.wantBuffer("[7,9)hi", "[10,11)k")
}

// The buffer never holds more than the cap, whatever the input.
func TestCapNeverExceeded(t *testing.T) {
	h := newHarness(t, 0, Config{MaxBuffered: 100, Window: 50})
	for i := 0; i < 2000; i++ {
		off := uint64((i * 7919) % 3000)
		h.push(off, strings.Repeat("z", 1+i%37), uint32(i%3))
		if h.s.Buffered() > 100 {
			t.Fatalf("push %d: Buffered %d", i, h.s.Buffered())
		}
	}
}

// Reverse order of single bytes must not copy the growing range each time
// (the test would take minutes if it did).
func TestReverseOrderIsLinear(t *testing.T) {
	const n = 1 << 20
	s := New(0, Config{MaxBuffered: n})
	for i := n - 1; i >= 1; i-- {
		s.Push(uint64(i), []byte{byte(i)}, 1, nil)
	}
	if s.Buffered() != n-1 || s.BufferedRanges() != 1 {
		t.Fatalf("Buffered %d in %d ranges", s.Buffered(), s.BufferedRanges())
	}
	if err := s.checkInvariants(); err != nil {
		t.Fatal(err)
	}
	got := 0
	s.Push(0, []byte{0}, 1, func(off uint64, data []byte, tag uint32) {
		for i, b := range data {
			if b != byte(off+uint64(i)) {
				t.Fatalf("byte %d = %d", off+uint64(i), b)
			}
		}
		got += len(data)
	})
	if got != n {
		t.Fatalf("delivered %d bytes", got)
	}
}

// Every other byte, then the holes, in random-ish order: many small ranges
// merge without quadratic work.
func TestManySmallRanges(t *testing.T) {
	const n = 2 * MaxBufferedRuns
	s := New(0, Config{MaxBuffered: 1 << 20})
	for i := 1; i < n; i += 2 {
		s.Push(uint64(i), []byte{byte(i)}, 1, nil)
	}
	if s.BufferedRanges() != MaxBufferedRuns {
		t.Fatalf("%d ranges", s.BufferedRanges())
	}
	for i := 2; i < n; i += 2 {
		j := (i * 2654435761) % n &^ 1
		if j == 0 {
			continue
		}
		s.Push(uint64(j), []byte{byte(j)}, 1, nil)
	}
	if err := s.checkInvariants(); err != nil {
		t.Fatal(err)
	}
	s.Flush(nil)
	if s.Delivered()+s.Missing() != s.Next() {
		t.Fatal("accounting")
	}
}

// ---------------------------------------------------------------------------
// The end of the offset space

// start = 2^64-10
//
// |+++++-----|           deliver 5
// |=====--+++|+++++++    3 bytes fit below 2^64-1, 7 are dropped
// |=====++===|
func TestOffsetsNear2To64(t *testing.T) {
	const top = math.MaxUint64
	h := newHarness(t, top-10, Config{MaxBuffered: 16, Window: 4})
	wantResult(t, h.push(top-10, "abcde", 1), Result{New: 5})
	wantResult(t, h.push(top-3, "hij0123456", 1), Result{New: 3, Dropped: 7})
	h.wantBuffer(fmt.Sprintf("[%d,%d)hij", uint64(top-3), uint64(top)))
	if h.s.HighestSeen() != top {
		t.Fatalf("HighestSeen = %d", h.s.HighestSeen())
	}
	wantResult(t, h.push(top-5, "fg", 1), Result{New: 2})
	h.wantCalls(call{top - 5, "fg", 1}, call{top - 3, "hij", 1})
	if h.s.Next() != top {
		t.Fatalf("Next = %d", h.s.Next())
	}
	wantResult(t, h.push(top-2, "iJ", 1), Result{Duplicate: 2, Mismatch: 1, FirstMismatch: top - 1})
	wantResult(t, h.push(top, "zz", 1), Result{Dropped: 2})
	wantResult(t, h.push(top-1, "", 1), Result{})
	if n := h.skip(top); n != 0 {
		t.Fatalf("Skip returned %d", n)
	}
	// The fast path must not let off+len wrap either.
	h = newHarness(t, top-2, Config{})
	wantResult(t, h.push(top-2, "abcd", 1), Result{New: 2, Dropped: 2})
	h.wantCalls(call{top - 2, "ab", 1})
	// Skipping to the very end.
	h = newHarness(t, 0, Config{MaxBuffered: 4})
	h.push(top-4, "wxyz", 1)
	if n := h.flush(); n != top-4 {
		t.Fatalf("Flush returned %d", n)
	}
	h.wantCalls(call{top - 4, "wxyz", 1})
}

// ---------------------------------------------------------------------------
// Allocations

// The in-order path allocates nothing once the window ring is full size.
func TestInOrderPushDoesNotAllocate(t *testing.T) {
	s := New(0, Config{})
	chunk := make([]byte, 1460)
	var off uint64
	var sum int
	deliver := func(_ uint64, data []byte, _ uint32) { sum += len(data) }
	for off < 2*DefaultWindow {
		s.Push(off, chunk, 1, deliver)
		off += uint64(len(chunk))
	}
	allocs := testing.AllocsPerRun(1000, func() {
		s.Push(off, chunk, 1, deliver)
		off += uint64(len(chunk))
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per in-order Push", allocs)
	}
	// Nor with two alternating tags (MPTCP data level: two subflows), once
	// the window's tag runs have grown.
	tag := uint32(0)
	for i := 0; i < 1000; i++ {
		tag ^= 1
		s.Push(off, chunk, tag, deliver)
		off += uint64(len(chunk))
	}
	allocs = testing.AllocsPerRun(1000, func() {
		tag ^= 1
		s.Push(off, chunk, tag, deliver)
		off += uint64(len(chunk))
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per in-order Push with alternating tags", allocs)
	}
}

// A nil Deliver is allowed.
func TestNilDeliver(t *testing.T) {
	s := New(0, Config{})
	s.Push(4, []byte("efgh"), 1, nil)
	s.Push(0, []byte("abcd"), 1, nil)
	s.Skip(20, nil)
	if s.Delivered() != 8 || s.Missing() != 12 {
		t.Fatalf("Delivered %d Missing %d", s.Delivered(), s.Missing())
	}
}

// The defaults.
func TestConfigDefaults(t *testing.T) {
	s := New(0, Config{})
	if s.maxBuf != DefaultMaxBuffered || s.window != DefaultWindow || s.maxRuns != MaxBufferedRuns {
		t.Fatalf("maxBuf %d window %d maxRuns %d", s.maxBuf, s.window, s.maxRuns)
	}
	s = New(0, Config{MaxBuffered: -5, Window: -5})
	if s.maxBuf != 0 || s.window != 0 {
		t.Fatalf("maxBuf %d window %d", s.maxBuf, s.window)
	}
}

// PushRef remembers large in-order chunks by reference: the ring is not
// written, the window's runs point at the chunks, and a late duplicate is
// still compared byte by byte (a copy of 1 byte or of 300 that differ).
func TestPushRefKeepsReferences(t *testing.T) {
	h := newHarness(t, 1000, Config{Window: 4096})
	h.ref = true
	stream := make([]byte, 3000)
	for i := range stream {
		stream[i] = byte(i*7 + 1)
	}
	for off := 0; off < 3000; off += 1000 {
		h.push(1000+uint64(off), string(stream[off:off+1000]), uint32(off/1000))
	}
	h.push(4000, "small", 9) // below refMin: copied into the ring
	refs := 0
	for k := 0; k < h.s.hist.n; k++ {
		if h.s.hist.at(k).ref != nil {
			refs++
		}
	}
	if refs != 3 || h.s.hist.n != 4 {
		t.Fatalf("%d runs, %d by reference", h.s.hist.n, refs)
	}
	if i := bytes.IndexFunc(h.s.ring, func(r rune) bool { return r != 0 }); i != int(4000%uint64(len(h.s.ring))) {
		t.Fatalf("first ring byte written at %d", i)
	}
	dup := bytes.Clone(stream[1500:1800])
	dup[123] ^= 0xff
	r := h.push(2500, string(dup), 1)
	if r.Duplicate != 300 || r.Mismatch != 1 || r.FirstMismatch != 2623 || r.DupOtherTag != 0 {
		t.Fatalf("duplicate of a referenced chunk: %+v", r)
	}
	r = h.push(3998, string(stream[2998:3000])+"smal", 5) // a reference, then the ring
	if r.Duplicate != 6 || r.Mismatch != 0 || r.DupOtherTag != 6 || r.FirstTag != 2 {
		t.Fatalf("duplicate across runs: %+v", r)
	}
}
