package sorter

import (
	"fmt"
	"math"
)

// model is the reference the randomized test and the fuzzer check the Sorter
// against: the same contract, one byte at a time, with maps instead of
// ranges and no caps on bookkeeping. It is slow and obviously right.
type model struct {
	start, next, highest uint64
	maxBuf               int
	window               int // 0 = disabled

	buf  map[uint64]mbyte // first copies of buffered bytes (offsets >= next)
	hist map[uint64]mbyte // first copies of delivered bytes, or gaps (offsets < next)

	delivered, missing uint64
	gaps               int
	out                []mbyte // deliveries of the current operation, one per byte
}

type mbyte struct {
	off uint64
	b   byte
	tag uint32
	gap bool
}

func newModel(start uint64, cfg Config) *model {
	s := New(start, cfg) // reuse the Config defaults
	return &model{
		start: start, next: start, highest: start,
		maxBuf: s.maxBuf, window: s.window,
		buf:  map[uint64]mbyte{},
		hist: map[uint64]mbyte{},
	}
}

func (m *model) windowLow() uint64 {
	if m.window <= 0 {
		return m.next
	}
	return max(m.start, satSub(m.next, uint64(m.window)))
}

func (m *model) push(off uint64, data []byte, tag uint32) (r Result) {
	m.out = m.out[:0]
	if room := math.MaxUint64 - off; uint64(len(data)) > room {
		r.Dropped = len(data) - int(room)
		data = data[:room]
	}
	if len(data) == 0 {
		return r
	}
	end := off + uint64(len(data))
	m.highest = max(m.highest, end)
	lo := m.windowLow()
	mismatch := func(o uint64) {
		if r.Mismatch == 0 {
			r.FirstMismatch = o
		}
		r.Mismatch++
	}
	for i, b := range data {
		o := off + uint64(i)
		switch {
		case o < m.start:
			r.Before++
		case o < m.next:
			r.Duplicate++
			h, ok := m.hist[o]
			if o < lo || !ok || h.gap {
				r.Unverified++
				continue
			}
			if h.tag != tag {
				if r.DupOtherTag == 0 {
					r.FirstTag = h.tag
				}
				r.DupOtherTag++
			}
			if h.b != b {
				mismatch(o)
			}
		default:
			if f, ok := m.buf[o]; ok {
				r.Duplicate++
				if f.tag != tag {
					if r.DupOtherTag == 0 {
						r.FirstTag = f.tag
					}
					r.DupOtherTag++
				}
				if f.b != b {
					mismatch(o)
				}
				continue
			}
			r.New++
		}
	}
	if r.New == 0 {
		return r
	}
	cLo := max(off, m.start)
	for {
		if cLo <= m.next {
			for m.next < end {
				if f, ok := m.buf[m.next]; ok {
					m.deliver(f)
				} else {
					m.deliver(mbyte{off: m.next, b: data[m.next-off], tag: tag})
				}
			}
			m.drain()
			return r
		}
		if len(m.buf)+r.New <= m.maxBuf {
			for o := cLo; o < end; o++ {
				if _, ok := m.buf[o]; !ok {
					m.buf[o] = mbyte{off: o, b: data[o-off], tag: tag}
				}
			}
			return r
		}
		low, ok := m.lowest()
		if !ok || low >= cLo {
			r.Skipped += m.gap(cLo)
			continue
		}
		r.Skipped += m.gap(low)
		m.drain()
	}
}

func (m *model) deliver(f mbyte) {
	if f.off != m.next {
		panic(fmt.Sprintf("model: deliver %d at next %d", f.off, m.next))
	}
	delete(m.buf, f.off)
	m.hist[f.off] = f
	m.out = append(m.out, f)
	m.next++
	m.delivered++
}

func (m *model) drain() {
	for {
		f, ok := m.buf[m.next]
		if !ok {
			return
		}
		m.deliver(f)
	}
}

func (m *model) gap(to uint64) uint64 {
	if to <= m.next {
		return 0
	}
	n := to - m.next
	for ; m.next < to; m.next++ {
		m.hist[m.next] = mbyte{off: m.next, gap: true}
	}
	m.missing += n
	m.gaps++
	return n
}

func (m *model) lowest() (uint64, bool) {
	var low uint64
	found := false
	for o := range m.buf {
		if !found || o < low {
			low, found = o, true
		}
	}
	return low, found
}

func (m *model) skip(to uint64) uint64 {
	m.out = m.out[:0]
	var n uint64
	for m.next < to {
		if low, ok := m.lowest(); ok && low < to {
			n += m.gap(low)
			m.drain()
		} else {
			n += m.gap(to)
		}
	}
	m.drain()
	return n
}

func (m *model) flush() uint64 {
	var n uint64
	var all []mbyte
	for len(m.buf) > 0 {
		low, _ := m.lowest()
		n += m.skip(low)
		all = append(all, m.out...)
	}
	m.out = all
	return n
}

func (m *model) ranges() int {
	n := 0
	for o := range m.buf {
		if _, ok := m.buf[o-1]; !ok || o == 0 {
			n++
		}
	}
	return n
}

// flat turns recorded Deliver calls into one mbyte per byte.
func flat(calls []call) []mbyte {
	var out []mbyte
	for _, c := range calls {
		for i := 0; i < len(c.data); i++ {
			out = append(out, mbyte{off: c.off + uint64(i), b: c.data[i], tag: c.tag})
		}
	}
	return out
}

// compare checks every observable of s against m.
func (m *model) compare(s *Sorter) error {
	switch {
	case s.Next() != m.next:
		return fmt.Errorf("Next() = %d, model %d", s.Next(), m.next)
	case s.Buffered() != len(m.buf):
		return fmt.Errorf("Buffered() = %d, model %d", s.Buffered(), len(m.buf))
	case s.BufferedRanges() != m.ranges():
		return fmt.Errorf("BufferedRanges() = %d, model %d", s.BufferedRanges(), m.ranges())
	case s.Delivered() != m.delivered:
		return fmt.Errorf("Delivered() = %d, model %d", s.Delivered(), m.delivered)
	case s.Missing() != m.missing:
		return fmt.Errorf("Missing() = %d, model %d", s.Missing(), m.missing)
	case s.Gaps() != m.gaps:
		return fmt.Errorf("Gaps() = %d, model %d", s.Gaps(), m.gaps)
	case s.HighestSeen() != m.highest:
		return fmt.Errorf("HighestSeen() = %d, model %d", s.HighestSeen(), m.highest)
	}
	for _, p := range s.spans {
		data, tags := p.content()
		for i := range data {
			o := p.start + uint64(i)
			f, ok := m.buf[o]
			if !ok || f.b != data[i] || f.tag != tags[i] {
				return fmt.Errorf("buffered byte at %d = (%d, tag %d), model %+v (present %v)", o, data[i], tags[i], f, ok)
			}
		}
	}
	return nil
}
