package sorter

// The window remembers the most recently delivered bytes so that a late
// duplicate (a retransmission or reinjection of data already delivered) can be
// compared with the first copy. Bytes live in a ring indexed by absolute
// offset, ring[off % len(ring)]; a second, small ring of runs records which
// tag brought each delivered byte, or that it was a declared gap.
//
// The byte ring starts at minRing bytes and doubles, up to the configured
// Window, while the stream since histStart is longer than the ring: a short
// stream never pays for the full window, and once the ring is full size no
// Push allocates again. It grows only when bytes are written to it, so a
// stream whose deliveries are all remembered by reference (PushRef) has no
// ring at all. The invariant: the ring holds min(Window, ringNext -
// histStart) bytes or more, so every byte written to it in the window is
// still there.

// histRun says that bytes from start up to the next run's start (or up to
// next, for the newest run) were delivered from a push with this tag, or,
// if gap is set, were declared missing. Their bytes are in the ring, or, if
// ref is set, they are ref (a PushRef chunk, remembered without a copy).
type histRun struct {
	start uint64
	tag   uint32
	gap   bool
	ref   []byte
}

// refMin is the smallest delivery remembered by reference: smaller ones
// are cheaper to copy into the ring, where runs of one tag coalesce, so
// that references never take more than Window/refMin runs.
const refMin = 256

// histRing is a FIFO of histRuns in a power-of-two circular buffer that
// grows up to MaxWindowRuns entries and then drops its oldest entry.
type histRing struct {
	buf  []histRun
	head int
	n    int
}

func (h *histRing) at(i int) *histRun { return &h.buf[(h.head+i)&(len(h.buf)-1)] }

func (h *histRing) pop() {
	h.buf[h.head].ref = nil
	h.head = (h.head + 1) & (len(h.buf) - 1)
	h.n--
}

// add appends a run unless it merely continues the newest one (runs by
// reference never do).
func (h *histRing) add(r histRun) {
	if h.n > 0 && r.ref == nil {
		if last := h.at(h.n - 1); last.tag == r.tag && last.gap == r.gap && last.ref == nil {
			return
		}
	}
	if h.n == len(h.buf) {
		if len(h.buf) < MaxWindowRuns {
			nb := make([]histRun, max(2*len(h.buf), 4))
			for i := 0; i < h.n; i++ {
				nb[i] = *h.at(i)
			}
			h.buf, h.head = nb, 0
		} else {
			h.pop()
		}
	}
	*h.at(h.n) = r
	h.n++
}

// search returns the index of the newest run starting at or below off, or -1.
func (h *histRing) search(off uint64) int {
	lo, hi := 0, h.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if h.at(m).start <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// record stores delivered bytes [off, end) with their tag in the window:
// by reference if ref allows and they are many enough, else in the ring.
func (s *Sorter) record(off, end uint64, data []byte, tag uint32, ref bool) {
	if ref && len(data) >= refMin {
		s.hist.add(histRun{start: off, tag: tag, ref: data})
		s.trimHist(end)
		return
	}
	s.growRing(end)
	s.ringNext = end
	s.hist.add(histRun{start: off, tag: tag})
	if len(data) > len(s.ring) {
		data = data[len(data)-len(s.ring):]
		off = end - uint64(len(s.ring))
	}
	ringPut(s.ring, off, data)
	s.trimHist(end)
}

// growRing makes the ring large enough to hold the window once bytes up to
// end are written to it: min(Window, end-histStart) bytes, keeping the
// bytes it holds (those of [histStart, ringNext) it still has). It must be
// called before the bytes are written.
func (s *Sorter) growRing(end uint64) {
	need := min(satSub(end, s.histStart), uint64(s.window))
	if uint64(len(s.ring)) >= need {
		return
	}
	size := max(int(need), 2*len(s.ring), min(s.ringMin, s.window))
	size = min(size, s.window)
	nr := make([]byte, size)
	if lo := max(s.histStart, satSub(s.ringNext, uint64(len(s.ring)))); len(s.ring) > 0 && s.ringNext > lo {
		// Only the runs kept in the ring have bytes there: copying just
		// them leaves the new ring's other pages untouched (a stream
		// remembered mostly by reference writes few bytes to its ring).
		for k := 0; k < s.hist.n; k++ {
			r := s.hist.at(k)
			end := s.next
			if k+1 < s.hist.n {
				end = s.hist.at(k + 1).start
			}
			a, b := max(r.start, lo), min(end, s.ringNext)
			if r.ref != nil || r.gap || a >= b {
				continue
			}
			x, y := ringGet(s.ring, a, int(b-a))
			ringPut(nr, a, x)
			ringPut(nr, a+uint64(len(x)), y)
		}
	}
	s.ring = nr
}

// trimHist forgets runs that lie wholly below the window once next is at
// next.
func (s *Sorter) trimHist(next uint64) {
	lo := satSub(next, uint64(s.window))
	for s.hist.n >= 2 && s.hist.at(1).start <= lo {
		s.hist.pop()
	}
}

// windowLow returns the lowest offset whose first copy the window still
// knows (its bytes and tag, or that it was a gap).
func (s *Sorter) windowLow() uint64 {
	if s.window <= 0 || s.hist.n == 0 {
		return s.next
	}
	return max(satSub(s.next, uint64(s.window)), s.histStart, s.hist.at(0).start)
}

// compareHistory compares dup, a duplicate of delivered or missing bytes at
// off (all below next), with the window.
func (s *Sorter) compareHistory(off uint64, dup []byte, tag uint32, r *Result) {
	end := off + uint64(len(dup))
	if lo := s.windowLow(); off < lo {
		k := min(end, lo) - off
		r.Unverified += int(k)
		off, dup = off+k, dup[k:]
	}
	if len(dup) == 0 {
		return
	}
	for k := max(s.hist.search(off), 0); k < s.hist.n && off < end; k++ {
		run := s.hist.at(k)
		runEnd := s.next
		if k+1 < s.hist.n {
			runEnd = s.hist.at(k + 1).start
		}
		if runEnd <= off {
			continue
		}
		n := min(end, runEnd) - off
		switch {
		case run.gap:
			r.Unverified += int(n)
		default:
			if run.tag != tag {
				if r.DupOtherTag == 0 {
					r.FirstTag = run.tag
				}
				r.DupOtherTag += int(n)
			}
			if run.ref != nil {
				i := off - run.start
				countMismatch(run.ref[i:i+n], dup[:n], off, r)
				break
			}
			a, b := ringGet(s.ring, off, int(n))
			countMismatch(a, dup[:len(a)], off, r)
			countMismatch(b, dup[len(a):n], off+uint64(len(a)), r)
		}
		off, dup = off+n, dup[n:]
	}
}

// ringGet returns the n bytes at off in ring as at most two slices.
// n must not exceed len(ring).
func ringGet(ring []byte, off uint64, n int) (a, b []byte) {
	if n == 0 {
		return nil, nil
	}
	i := int(off % uint64(len(ring)))
	if i+n <= len(ring) {
		return ring[i : i+n], nil
	}
	return ring[i:], ring[:n-(len(ring)-i)]
}

// ringPut stores data at off in ring. len(data) must not exceed len(ring).
func ringPut(ring []byte, off uint64, data []byte) {
	if len(data) == 0 {
		return
	}
	i := int(off % uint64(len(ring)))
	k := copy(ring[i:], data)
	copy(ring, data[k:])
}
