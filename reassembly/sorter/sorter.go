package sorter

import (
	"bytes"
	"math"
	"slices"
)

// Named caps and defaults. Every buffer the Sorter holds is bounded by one of
// these or by a Config field; see the package documentation for what happens
// when a cap is reached.
const (
	// DefaultMaxBuffered is the out-of-order byte budget used when
	// Config.MaxBuffered is 0: 4 MiB, the order of the largest receive
	// windows hosts advertise with default settings (a receiver never has
	// more than its window outstanding), so a capture of a healthy
	// connection rarely hits it.
	DefaultMaxBuffered = 4 << 20

	// DefaultWindow is the number of most recently delivered bytes kept to
	// compare late duplicates with, used when Config.Window is 0: 256 KiB,
	// several round trips of data at common rates, which covers ordinary
	// retransmissions and reinjections.
	DefaultWindow = 256 << 10

	// MaxBufferedRuns caps the bookkeeping of the out-of-order buffer: the
	// number of runs (maximal pieces of buffered bytes brought by pushes of
	// one tag) held over all buffered ranges. Every buffered range holds at
	// least one run, so this also caps the number of disjoint ranges. It
	// bounds per-byte overhead for hostile inputs (many 1-byte chunks with
	// alternating tags) and the cost of one insertion. Reaching it is
	// handled exactly like reaching MaxBuffered.
	MaxBufferedRuns = 4096

	// MaxWindowRuns caps the tag runs remembered for the delivered-bytes
	// window. When delivered bytes change tag more often than this within
	// the window, the oldest runs are forgotten and duplicates of those
	// bytes count as Unverified. Must be a power of two.
	MaxWindowRuns = 4096

	// minRing is the first size of the window ring; it doubles up to the
	// configured Window as the stream grows, so short streams stay small.
	minRing = 4 << 10

	// maxBufferedLimit keeps capacity arithmetic (n + n/2) from overflowing.
	maxBufferedLimit = math.MaxInt / 2
)

// Config sets the caps of a Sorter. The zero value selects the defaults.
type Config struct {
	// MaxBuffered caps the out-of-order bytes held (copied) awaiting
	// earlier data. 0 means DefaultMaxBuffered; a negative value means
	// nothing is ever buffered (every chunk that arrives ahead of Next
	// skips the hole before it).
	MaxBuffered int
	// Window is how many of the most recently delivered bytes are
	// remembered (in a ring buffer) to compare late duplicates with.
	// 0 means DefaultWindow; a negative value disables the comparison.
	Window int
	// ByReference holds out-of-order bytes as a list of pieces instead of
	// one contiguous copy per range: a PushRef chunk's bytes are then
	// kept by reference (never copied), a Push chunk's bytes in a piece
	// of their own. Every piece is immutable, so whatever is delivered
	// from the buffer is Retainable. Results are those of the default.
	ByReference bool
}

// Deliver is called for each run of new in-order bytes, in offset order,
// exactly once per byte. data aliases either the caller's chunk or the
// sorter's buffer: it is valid only during the call, and must be neither
// modified nor retained. tag is the tag of the Push that brought these bytes
// (the first copy's tag). A Deliver must not call Push, Skip or Flush on the
// same Sorter.
type Deliver func(off uint64, data []byte, tag uint32)

// Result describes what one Push did with the bytes of its chunk. Every byte
// of the chunk is counted in exactly one of New, Duplicate, Before and
// Dropped.
type Result struct {
	// New counts bytes of this chunk that were new (delivered now or
	// buffered).
	New int
	// Duplicate counts bytes of this chunk already received (delivered
	// before, skipped as missing before, or buffered).
	Duplicate int
	// DupOtherTag counts, of Duplicate, bytes whose first copy had a
	// different tag (for example another subflow: a reinjection). Only
	// bytes whose first copy's tag is still known (buffered, or within the
	// window and not a gap) can be counted here.
	DupOtherTag int
	// FirstTag is the tag of the first copy of the first byte counted in
	// DupOtherTag (valid when DupOtherTag > 0): who sent the original of a
	// reinjection.
	FirstTag uint32
	// Mismatch counts, of Duplicate, bytes compared and found different
	// from the first copy.
	Mismatch int
	// Unverified counts, of Duplicate, bytes that could not be compared:
	// the first copy is outside the window, or the first copy was a
	// declared gap (Skip, Flush or a skip to make room).
	Unverified int
	// FirstMismatch is the offset of the lowest mismatching byte, when
	// Mismatch > 0.
	FirstMismatch uint64
	// Before counts bytes below the start offset given to New. They are
	// ignored and not counted as duplicates.
	Before int
	// Dropped counts bytes of this chunk that were not kept. The sorter
	// never throws data away to make room (it skips holes instead, see
	// Skipped), so these are only bytes that would lie at or beyond offset
	// 2^64-1, which the offset space cannot hold.
	Dropped int
	// Skipped counts bytes of holes this Push declared missing to make
	// room in the buffer (MaxBuffered or MaxBufferedRuns reached). They
	// are included in Missing and each hole in Gaps.
	Skipped uint64
}

// Sorter orders the bytes of one byte stream that arrive as possibly
// overlapping, out-of-order, duplicated chunks at 64-bit offsets (offsets are
// absolute and never wrap in practice; arithmetic is plain uint64 and a chunk
// whose end would pass 2^64-1 is cut there). See the package documentation
// for the contract.
//
// A Sorter is not safe for concurrent use.
type Sorter struct {
	start   uint64 // offset given to New
	next    uint64 // next offset to deliver; everything below is delivered or missing
	highest uint64 // one past the highest byte ever pushed

	maxBuf  int  // out-of-order byte budget
	byRef   bool // spans are lists of pieces (Config.ByReference)
	maxRuns int  // cap on runs held (MaxBufferedRuns; lowered by tests)
	window  int  // window size in bytes; 0 = disabled
	ringMin int  // first ring size (minRing; lowered by tests)

	// spans are the buffered ranges: sorted, disjoint and never adjacent
	// (touching ranges are merged), all starting strictly above next.
	spans    []*span
	buffered int // sum of span lengths
	runsHeld int // sum of len(span.runs)
	scratch  []tagRun
	// spare holds the buffers of delivered spans for reuse, so that a
	// stream whose data keeps arriving out of order (two subflows
	// interleaving) does not allocate a buffer per hole. Bounded by
	// maxSpareBuffers and a quarter of the byte budget.
	spare      [][]byte
	spareBytes int
	// loaned counts the capacity of spare buffers handed to spans although
	// larger than 1.5× their data (so that a range does not grow through
	// a series of ever larger copies when a big spare is at hand).
	// spareBytes + loaned stays within the spare budget, so memory is
	// bounded as before: 1.5× the buffered bytes plus that budget.
	loaned int

	delivered uint64
	missing   uint64
	gaps      int
	// retain is set while Deliver runs on bytes that stay valid and
	// unchanged (Retainable).
	retain bool
	// ByReference: delivered spans kept for reuse with their piece
	// slices (at most maxSpareSpans), and scratch room for merges, so
	// that a steady stream of out-of-order ranges allocates nothing.
	spareSpans    []*span
	scratchPieces []piece
	bigPieces     []piece // the longest list of pieces a span gave back (up to maxBigPieces), for the next long span

	// The window: the last bytes delivered, at ring[off % len(ring)], and
	// which push (tag) or gap each came from.
	ring      []byte
	histStart uint64 // no byte below this is in the ring (start, or the end of a gap wider than the window)
	ringNext  uint64 // the end of the last bytes written to the ring
	hist      histRing
}

// span is one buffered range [start, end): a contiguous copy of its bytes
// at buf[head:head+end-start], with slack on both sides to grow into, and
// the tags of the pushes that brought them as runs; or, with ByReference,
// the pieces that hold them (and no buf or runs).
type span struct {
	start, end uint64
	buf        []byte
	head       int
	runs       []tagRun // sorted; runs[0].start == start; neighbours differ in tag
	loaned     bool     // buf is a spare larger than 1.5× the data (Sorter.loaned)
	pieces     []piece  // ByReference: in order, contiguous, from start to end
}

// piece is bytes of a ByReference span: the part of one pushed chunk that
// filled a hole, referenced (PushRef) or copied (Push), and its tag.
type piece struct {
	start uint64
	data  []byte
	tag   uint32
}

// tagRun says that bytes from start up to the next run's start (or the end
// of its span) were brought by a push with this tag.
type tagRun struct {
	start uint64
	tag   uint32
}

func (p *span) bytes() []byte { return p.buf[p.head : p.head+int(p.end-p.start)] }

// runEnd returns the end of run k of p.
func (p *span) runEnd(k int) uint64 {
	if k+1 < len(p.runs) {
		return p.runs[k+1].start
	}
	return p.end
}

// New returns a Sorter whose next expected offset is start.
func New(start uint64, cfg Config) *Sorter {
	s := &Sorter{
		start:     start,
		next:      start,
		highest:   start,
		histStart: start,
		ringNext:  start,
		maxRuns:   MaxBufferedRuns,
		ringMin:   minRing,
	}
	switch {
	case cfg.MaxBuffered == 0:
		s.maxBuf = DefaultMaxBuffered
	case cfg.MaxBuffered < 0:
		s.maxBuf = 0
	default:
		s.maxBuf = min(cfg.MaxBuffered, maxBufferedLimit)
	}
	switch {
	case cfg.Window == 0:
		s.window = DefaultWindow
	case cfg.Window > 0:
		s.window = cfg.Window
	}
	s.byRef = cfg.ByReference
	return s
}

// Retainable reports, during a call of Deliver, whether the bytes passed
// stay valid and unchanged after it (they come from a PushRef chunk or
// from a ByReference buffer), so that they may be kept without a copy.
func (s *Sorter) Retainable() bool { return s.retain }

// Next returns the next expected offset: every byte below it has been
// delivered or declared missing.
func (s *Sorter) Next() uint64 { return s.next }

// Start returns the start offset given to New.
func (s *Sorter) Start() uint64 { return s.start }

// Buffered returns the number of out-of-order bytes held.
func (s *Sorter) Buffered() int { return s.buffered }

// BufferedRanges returns the number of disjoint buffered ranges.
func (s *Sorter) BufferedRanges() int { return len(s.spans) }

// Delivered returns the number of bytes delivered.
func (s *Sorter) Delivered() uint64 { return s.delivered }

// Missing returns the number of bytes skipped (by Skip, Flush, or to make
// room). Delivered()+Missing() == Next()-Start() always holds.
func (s *Sorter) Missing() uint64 { return s.missing }

// Gaps returns the number of holes skipped: every maximal range of missing
// bytes declared by one step of Skip, Flush or a Push making room counts once.
func (s *Sorter) Gaps() int { return s.gaps }

// HighestSeen returns one past the highest byte ever pushed, or the start
// offset if no byte above it was pushed.
func (s *Sorter) HighestSeen() uint64 { return s.highest }

// Push offers a chunk of the stream at offset off. New in-order bytes, and
// any buffered bytes they make contiguous, are passed to deliver (which may
// be nil) before Push returns; new bytes ahead of Next are copied into the
// buffer. data may be reused by the caller after Push returns.
func (s *Sorter) Push(off uint64, data []byte, tag uint32, deliver Deliver) Result {
	return s.pushChunk(off, data, tag, deliver, false)
}

// PushRef is Push for a chunk whose bytes stay valid and unchanged for as
// long as the Sorter is used (a memory-mapped capture file): the window
// then remembers the bytes it delivers straight from the chunk by
// reference instead of copying them (chunks of refMin bytes or more).
// Every result is the same as Push's.
func (s *Sorter) PushRef(off uint64, data []byte, tag uint32, deliver Deliver) Result {
	return s.pushChunk(off, data, tag, deliver, true)
}

func (s *Sorter) pushChunk(off uint64, data []byte, tag uint32, deliver Deliver, ref bool) Result {
	// Fast path: the next bytes with nothing buffered are delivered straight
	// from the caller's slice, without allocating.
	if off == s.next && len(s.spans) == 0 && uint64(len(data)) <= math.MaxUint64-off {
		if len(data) == 0 {
			return Result{}
		}
		s.emit(off, data, tag, deliver, ref)
		if s.next > s.highest {
			s.highest = s.next
		}
		return Result{New: len(data)}
	}
	return s.push(off, data, tag, deliver, ref)
}

func (s *Sorter) push(off uint64, data []byte, tag uint32, deliver Deliver, ref bool) (r Result) {
	if room := math.MaxUint64 - off; uint64(len(data)) > room {
		r.Dropped = len(data) - int(room)
		data = data[:room]
	}
	if len(data) == 0 {
		return r
	}
	end := off + uint64(len(data))
	if end > s.highest {
		s.highest = end
	}
	if off < s.start {
		k := min(end, s.start) - off
		r.Before = int(k)
		off, data = off+k, data[k:]
		if len(data) == 0 {
			return r
		}
	}
	if off < s.next {
		k := min(end, s.next) - off
		r.Duplicate += int(k)
		s.compareHistory(off, data[:k], tag, &r)
		off, data = off+k, data[k:]
		if len(data) == 0 {
			return r
		}
	}

	// Compare with the buffered ranges the chunk overlaps, and work out
	// what buffering it would add: the bytes in the holes it fills, and the
	// change in runs (each hole adds one, less one for each neighbour of
	// the same tag it would coalesce with).
	dup, runsDelta, pos := 0, 0, off
	var prev *span // the span ending at pos, if any
	for k := s.search(off); k < len(s.spans) && s.spans[k].start <= end; k++ {
		p := s.spans[k]
		if p.start > pos {
			runsDelta += s.holeRuns(prev, p, tag)
		}
		if a, b := max(off, p.start), min(end, p.end); a < b {
			dup += int(b - a)
			s.compareSpan(p, a, data[a-off:b-off], tag, &r)
		}
		pos, prev = max(pos, p.end), p
	}
	if pos < end {
		runsDelta += s.holeRuns(prev, nil, tag)
	}
	r.Duplicate += dup
	r.New = len(data) - dup
	if r.New == 0 {
		return r
	}

	for {
		if off <= s.next {
			// In order (possibly after making room): deliver, interleaved
			// with the buffered ranges the chunk overlaps.
			if k := s.next - off; k < uint64(len(data)) {
				s.deliverChunk(s.next, data[k:], tag, deliver, ref)
			}
			return r
		}
		if s.buffered+r.New <= s.maxBuf && s.runsHeld+runsDelta <= s.maxRuns {
			if s.byRef {
				s.insertPieces(off, data, tag, r.New, ref)
			} else {
				s.insert(off, data, tag, r.New)
			}
			return r
		}
		// Make room: declare the lowest hole missing. If the chunk starts
		// at or below the lowest buffered range, that hole ends at the
		// chunk, which is then delivered instead of buffered.
		if len(s.spans) == 0 || s.spans[0].start >= off {
			r.Skipped += s.gap(off)
			continue
		}
		r.Skipped += s.gap(s.spans[0].start)
		s.drain(deliver)
	}
}

// Skip declares that the bytes below to will never come. If to is ahead of
// Next, the holes below it are counted missing (each as one gap), buffered
// bytes below it are delivered in order, and so are buffered bytes that then
// become contiguous. It returns the number of bytes declared missing.
func (s *Sorter) Skip(to uint64, deliver Deliver) uint64 {
	var n uint64
	for s.next < to {
		if len(s.spans) > 0 && s.spans[0].start < to {
			n += s.gap(s.spans[0].start)
			s.drain(deliver)
		} else {
			n += s.gap(to)
		}
	}
	s.drain(deliver)
	return n
}

// Flush gives up on every hole below buffered data: it skips to the start of
// each buffered range in turn, delivering it, until nothing is buffered. It
// returns the number of bytes declared missing.
func (s *Sorter) Flush(deliver Deliver) uint64 {
	var n uint64
	for len(s.spans) > 0 {
		n += s.Skip(s.spans[0].start, deliver)
	}
	return n
}

// emit delivers data at off == s.next and advances next. ref says that
// data may be remembered by reference (PushRef's chunk).
func (s *Sorter) emit(off uint64, data []byte, tag uint32, deliver Deliver, ref bool) {
	end := off + uint64(len(data))
	if s.window > 0 {
		s.record(off, end, data, tag, ref)
	}
	s.next = end
	s.delivered += uint64(len(data))
	if deliver != nil {
		s.retain = ref
		deliver(off, data, tag)
		s.retain = false
	}
}

// gap declares [next, to) missing.
func (s *Sorter) gap(to uint64) uint64 {
	if to <= s.next {
		return 0
	}
	n := to - s.next
	if s.window > 0 {
		if n >= uint64(s.window) {
			// Nothing before the gap stays in the window.
			s.histStart = to
		}
		s.hist.add(histRun{start: s.next, gap: true})
		s.trimHist(to)
	}
	s.next = to
	s.missing += n
	s.gaps++
	return n
}

// deliverChunk delivers data, which starts at s.next, interleaved with the
// buffered ranges it overlaps (whose first copies win), then whatever
// buffered data became contiguous.
func (s *Sorter) deliverChunk(off uint64, data []byte, tag uint32, deliver Deliver, ref bool) {
	end := off + uint64(len(data))
	for s.next < end {
		if len(s.spans) > 0 && s.spans[0].start <= s.next {
			s.deliverFirst(deliver)
			continue
		}
		stop := end
		if len(s.spans) > 0 && s.spans[0].start < end {
			stop = s.spans[0].start
		}
		s.emit(s.next, data[s.next-off:stop-off], tag, deliver, ref)
	}
	s.drain(deliver)
}

// drain delivers buffered ranges that start at (or, defensively, below) next.
func (s *Sorter) drain(deliver Deliver) {
	for len(s.spans) > 0 && s.spans[0].start <= s.next {
		s.deliverFirst(deliver)
	}
}

// deliverFirst removes the lowest buffered range and delivers it, one call
// per tag run. Bytes below next (which the invariants rule out) are not
// delivered twice.
func (s *Sorter) deliverFirst(deliver Deliver) {
	p := s.spans[0]
	s.spans = slices.Delete(s.spans, 0, 1)
	s.buffered -= int(p.end - p.start)
	if s.byRef {
		s.runsHeld -= len(p.pieces)
		for _, pc := range p.pieces {
			e := pc.start + uint64(len(pc.data))
			if e <= s.next {
				continue
			}
			a := max(pc.start, s.next)
			s.emit(a, pc.data[a-pc.start:], pc.tag, deliver, true)
		}
		s.spareSpan(p)
		return
	}
	s.runsHeld -= len(p.runs)
	data := p.bytes()
	for k, run := range p.runs {
		e := p.runEnd(k)
		if e <= s.next {
			continue
		}
		a := max(run.start, s.next)
		s.emit(a, data[a-p.start:e-p.start], run.tag, deliver, false)
	}
	s.release(p)
}

// maxSpareBuffers bounds the delivered buffers kept for reuse, and
// maxSpareSpans the ByReference spans.
const (
	maxSpareBuffers = 8
	maxSpareSpans   = 16
)

// spareSpan keeps a ByReference span that left the buffer for reuse,
// dropping its references.
func (s *Sorter) spareSpan(p *span) {
	clear(p.pieces)
	p.pieces = p.pieces[:0]
	if cap(p.pieces) > 4*maxSpareSpans {
		// A long out-of-order run's list: often another as long follows.
		s.offerPieces(p.pieces)
		p.pieces = nil
	}
	if len(s.spareSpans) < maxSpareSpans {
		s.spareSpans = append(s.spareSpans, p)
	}
}

// maxBigPieces bounds the list of pieces a Sorter keeps for reuse (20
// KB): memory a stream holds while idle, so small against its window; the
// mtu benchmark's long spans fit (its allocations are the same as with
// 4,096).
const maxBigPieces = 512

// appendPiece appends pc to a span's pieces. A full list moves to the
// kept long one if that has room, else to one twice as large whose free
// part is written at once: the list holds pointers, and the garbage
// collector reading free memory before the first write maps the kernel's
// zero page, which each first write must then replace, interrupting the
// other core to flush its TLB.
func (s *Sorter) appendPiece(list []piece, pc piece) []piece {
	if len(list) < cap(list) {
		return append(list, pc)
	}
	var out []piece
	if cap(s.bigPieces) > len(list) {
		out, s.bigPieces = s.bigPieces[:len(list)], nil
	} else {
		out = make([]piece, len(list), max(2*len(list), 8))
		clear(out[len(list):cap(out)])
	}
	copy(out, list)
	clear(list)
	s.offerPieces(list)
	return append(out, pc)
}

// offerPieces keeps list (emptied) as the long list to reuse if it is
// longer than the one kept and within maxBigPieces.
func (s *Sorter) offerPieces(list []piece) {
	if c := cap(list); c <= maxBigPieces && c > cap(s.bigPieces) {
		s.bigPieces = list[:0]
	}
}

// newSpan returns a ByReference span for [start, end) holding pc.
func (s *Sorter) newSpan(start, end uint64, pc piece) *span {
	if n := len(s.spareSpans); n > 0 {
		p := s.spareSpans[n-1]
		s.spareSpans = s.spareSpans[:n-1]
		p.start, p.end = start, end
		p.pieces = s.appendPiece(p.pieces, pc)
		return p
	}
	return &span{start: start, end: end, pieces: []piece{pc}}
}

// release gives up a span's buffer: its loan ends, and it is recycled.
func (s *Sorter) release(p *span) {
	if p.loaned {
		s.loaned -= cap(p.buf)
		p.loaned = false
	}
	s.recycle(p.buf)
	p.buf = nil
}

// recycle keeps a buffer whose data was delivered, if the bounds allow.
func (s *Sorter) recycle(b []byte) {
	if len(s.spare) >= maxSpareBuffers || s.spareBytes+s.loaned+cap(b) > s.maxBuf/4 {
		return
	}
	s.spare = append(s.spare, b[:cap(b)])
	s.spareBytes += cap(b)
}

// buffer returns a buffer for n bytes of data with up to half as much
// slack: a spare one whose capacity lies in [n, 1.5n] (so the 1.5× bound on
// buffered memory holds), else a new one of 1.5n. Its length is its
// capacity.
func (s *Sorter) buffer(n int) (buf []byte, loaned bool) {
	limit := n + n/2
	big := -1 // the smallest spare larger than limit
	for i, b := range s.spare {
		switch c := cap(b); {
		case c >= n && c <= limit:
			return s.takeSpare(i), false
		case c > limit && (big < 0 || c < cap(s.spare[big])):
			big = i
		}
	}
	if big >= 0 {
		b := s.takeSpare(big)
		s.loaned += cap(b)
		return b, true
	}
	return make([]byte, limit), false
}

func (s *Sorter) takeSpare(i int) []byte {
	b := s.spare[i]
	last := len(s.spare) - 1
	s.spare[i], s.spare[last] = s.spare[last], nil
	s.spare = s.spare[:last]
	s.spareBytes -= cap(b)
	return b[:cap(b)]
}

// search returns the index of the first span whose end is at or above off:
// the first span that overlaps or touches a chunk starting at off.
func (s *Sorter) search(off uint64) int {
	lo, hi := 0, len(s.spans)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.spans[m].end < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// insert buffers the chunk [off, off+len(data)), which brings newBytes bytes
// in the holes between the spans it overlaps, merging it with every span it
// overlaps or touches. The largest of those spans keeps its buffer (grown
// with slack if needed) and the others are copied into it, so every byte is
// copied O(log MaxBuffered) times however the ranges grow and merge.
func (s *Sorter) insert(off uint64, data []byte, tag uint32, newBytes int) {
	end := off + uint64(len(data))
	i := s.search(off)
	j := i
	for j < len(s.spans) && s.spans[j].start <= end {
		j++
	}
	m := s.spans[i:j]
	if len(m) == 0 {
		// The slack goes after the data: a new out-of-order range usually
		// grows by what comes next on the same subflow.
		n := len(data)
		buf, loaned := s.buffer(n)
		p := &span{start: off, end: end, buf: buf, loaned: loaned}
		copy(p.buf[p.head:], data)
		p.runs = []tagRun{{start: off, tag: tag}}
		s.spans = slices.Insert(s.spans, i, p)
		s.buffered += n
		s.runsHeld++
		return
	}

	newStart, newEnd := min(off, m[0].start), max(end, m[len(m)-1].end)
	base := m[0]
	for _, p := range m[1:] {
		if p.end-p.start > base.end-base.start {
			base = p
		}
	}
	total := int(newEnd - newStart)
	baseLen := int(base.end - base.start)
	needHead := int(base.start - newStart)
	needTail := int(newEnd - base.end)
	if base.head < needHead || len(base.buf)-base.head-baseLen < needTail {
		nb, loaned := s.buffer(total)
		// Keep the slack on the side the range grows: at the tail when it
		// is appended to (the common case), at the head when prepended to.
		h := (len(nb) - total) / 2
		switch {
		case needHead == 0:
			h = 0
		case needTail == 0:
			h = len(nb) - total
		}
		copy(nb[h+needHead:], base.bytes())
		s.release(base)
		base.buf, base.head, base.loaned = nb, h, loaned
	} else {
		base.head -= needHead
	}
	dst := base.buf[base.head : base.head+total]

	runs := s.scratch[:0]
	oldRuns := 0
	pos := newStart
	for _, p := range m {
		if p.start > pos { // a hole the chunk fills
			copy(dst[pos-newStart:], data[pos-off:p.start-off])
			runs = appendRun(runs, pos, tag)
		}
		if p != base {
			copy(dst[p.start-newStart:], p.bytes())
			s.release(p)
		}
		for _, run := range p.runs {
			runs = appendRun(runs, run.start, run.tag)
		}
		oldRuns += len(p.runs)
		pos = p.end
	}
	if pos < newEnd {
		copy(dst[pos-newStart:], data[pos-off:])
		runs = appendRun(runs, pos, tag)
	}
	base.runs = append(base.runs[:0], runs...)
	s.scratch = runs[:0]
	base.start, base.end = newStart, newEnd

	s.spans = slices.Replace(s.spans, i, j, base)
	s.buffered += newBytes
	s.runsHeld += len(base.runs) - oldRuns
}

// holeRuns returns how many runs buffering a hole with tag between prev and
// next (either may be nil: no span touches the hole on that side) adds:
// with ByReference, one piece.
func (s *Sorter) holeRuns(prev, next *span, tag uint32) int {
	if s.byRef {
		return 1
	}
	n := 1
	if prev != nil && prev.runs[len(prev.runs)-1].tag == tag {
		n--
	}
	if next != nil && next.runs[0].tag == tag {
		n--
	}
	return n
}

func appendRun(runs []tagRun, start uint64, tag uint32) []tagRun {
	if n := len(runs); n > 0 && runs[n-1].tag == tag {
		return runs
	}
	return append(runs, tagRun{start: start, tag: tag})
}

// compareSpan compares dup, a duplicate of p's bytes at offset a, with them.
func (s *Sorter) compareSpan(p *span, a uint64, dup []byte, tag uint32, r *Result) {
	b := a + uint64(len(dup))
	if s.byRef {
		s.comparePieces(p, a, dup, tag, r)
		return
	}
	countMismatch(p.bytes()[a-p.start:b-p.start], dup, a, r)
	// Find the run holding a, then walk the runs overlapping [a, b).
	lo, hi := 0, len(p.runs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if p.runs[m].start <= a {
			lo = m + 1
		} else {
			hi = m
		}
	}
	for k := max(lo-1, 0); k < len(p.runs) && p.runs[k].start < b; k++ {
		if p.runs[k].tag != tag {
			if r.DupOtherTag == 0 {
				r.FirstTag = p.runs[k].tag
			}
			r.DupOtherTag += int(min(b, p.runEnd(k)) - max(a, p.runs[k].start))
		}
	}
}

// countMismatch compares a duplicate with the first copy of the same bytes at
// offset off.
func countMismatch(first, dup []byte, off uint64, r *Result) {
	if bytes.Equal(first, dup) {
		return
	}
	for i := range dup {
		if dup[i] != first[i] {
			if r.Mismatch == 0 {
				r.FirstMismatch = off + uint64(i)
			}
			r.Mismatch++
		}
	}
}

// satSub returns a-b, or 0 if b > a.
func satSub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// insertPieces is insert for ByReference: each hole the chunk fills
// becomes one piece (the chunk's bytes if ref, else a copy of them), and
// the spans it overlaps or touches are merged into the one with the most
// pieces. No byte already buffered is copied.
func (s *Sorter) insertPieces(off uint64, data []byte, tag uint32, newBytes int, ref bool) {
	end := off + uint64(len(data))
	i := s.search(off)
	j := i
	for j < len(s.spans) && s.spans[j].start <= end {
		j++
	}
	hole := func(a, b uint64) piece {
		d := data[a-off : b-off : b-off]
		if !ref {
			d = bytes.Clone(d)
		}
		return piece{start: a, data: d, tag: tag}
	}
	m := s.spans[i:j]
	switch {
	case len(m) == 0:
		s.spans = slices.Insert(s.spans, i, s.newSpan(off, end, hole(off, end)))
		s.runsHeld++
	case len(m) == 1: // the common case: a range grows at one end or both
		p := m[0]
		if off < p.start {
			p.pieces = slices.Insert(p.pieces, 0, hole(off, p.start))
			p.start = off
			s.runsHeld++
		}
		if end > p.end {
			p.pieces = s.appendPiece(p.pieces, hole(p.end, end))
			p.end = end
			s.runsHeld++
		}
	default:
		base := m[0]
		for _, p := range m[1:] {
			if len(p.pieces) > len(base.pieces) {
				base = p
			}
		}
		merged := s.scratchPieces[:0]
		pos := min(off, m[0].start)
		newStart, newEnd := pos, max(end, m[len(m)-1].end)
		for _, p := range m {
			if p.start > pos {
				merged = append(merged, hole(pos, p.start))
				s.runsHeld++
			}
			merged = append(merged, p.pieces...)
			pos = p.end
		}
		if pos < newEnd {
			merged = append(merged, hole(pos, newEnd))
			s.runsHeld++
		}
		base.pieces = append(base.pieces[:0], merged...)
		base.start, base.end = newStart, newEnd
		for _, p := range m {
			if p != base {
				s.spareSpan(p)
			}
		}
		clear(merged)
		s.scratchPieces = merged[:0]
		s.spans = slices.Replace(s.spans, i, j, base)
	}
	s.buffered += newBytes
}

// comparePieces is compareSpan for ByReference spans.
func (s *Sorter) comparePieces(p *span, a uint64, dup []byte, tag uint32, r *Result) {
	b := a + uint64(len(dup))
	// The first piece ending above a.
	k, _ := slices.BinarySearchFunc(p.pieces, a, func(pc piece, off uint64) int {
		if pc.start+uint64(len(pc.data)) <= off {
			return -1
		}
		return 1
	})
	for ; k < len(p.pieces) && p.pieces[k].start < b; k++ {
		pc := &p.pieces[k]
		lo, hi := max(a, pc.start), min(b, pc.start+uint64(len(pc.data)))
		countMismatch(pc.data[lo-pc.start:hi-pc.start], dup[lo-a:hi-a], lo, r)
		if pc.tag != tag {
			if r.DupOtherTag == 0 {
				r.FirstTag = pc.tag
			}
			r.DupOtherTag += int(hi - lo)
		}
	}
}
