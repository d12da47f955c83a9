package capture

import "io"

// Limit returns a source that ends (io.EOF) after n records of src. A
// mapped file stays one: its records are still handed on without a copy.
func Limit(src RecordSource, n uint64) RecordSource {
	l := &limited{src: src, left: n}
	if st, ok := src.(stableSource); ok {
		return &stableLimited{limited: l, st: st}
	}
	return l
}

type limited struct {
	src  RecordSource
	left uint64
}

func (l *limited) Next(rec *Record) error {
	if l.left == 0 {
		return io.EOF
	}
	l.left--
	return l.src.Next(rec)
}

type stableLimited struct {
	*limited
	st stableSource
}

func (s *stableLimited) mark() int             { return s.st.mark() }
func (s *stableLimited) release(off int)       { s.st.release(off) }
func (s *stableLimited) prefault(from, to int) { s.st.prefault(from, to) }
