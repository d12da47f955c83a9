package capture

import (
	"runtime"
	"sync/atomic"
)

// A Prefetcher reads records ahead on its own goroutine, so that reading
// the file (system calls, pcapgo's copy out of its buffer) runs on a
// second core beside the analysis. Records travel in batches whose frame
// bytes are copied into the batch's arena; prefetchBatches batches of
// prefetchArena bytes bound the memory, and the reader waits when the
// analysis falls behind. Records and the source's error come out exactly
// as the source gives them, in order.
//
// A mapped file (OpenFile) is read differently: its records are slices of
// the mapping, so there is nothing to copy, and parsing a record header
// costs less than handing it between goroutines (the header shares its
// cache line with the frame the analysis reads next). The analysis reads
// the records itself, and a pager goroutine, told every prefetchSpan
// bytes how far it got, maps the pages ahead in and gives those behind
// back: memory stays bounded and page faults stay off the analysis. The
// pager shares the processors with the digester's workers and may wait
// for one; when it is pagerStall spans behind, the analysis yields to it,
// so that what is resident of the file stays bounded however long the
// file (a 2.1 GB capture of the same 8 connections as a 210 MB one peaked
// at 90-105 MB without this, 70-73 MB with it, against 60-64 MB; at 3
// spans, 63 MB, but the yields cost 3-6 % of the time).
const (
	prefetchBatches = 4
	prefetchArena   = 1 << 20
	prefetchRecords = 1024 // per batch
	prefetchSpan    = 1 << 20
	pagerStall      = 8 // spans the pager may lag before the analysis yields to it
)

// RecordSource yields records: *Reader, *Live.
type RecordSource interface {
	Next(rec *Record) error
}

type prefetchBatch struct {
	recs  []Record
	arena []byte
	err   error // the source's error after recs (io.EOF at the end)
}

// Prefetcher is a RecordSource reading another one ahead. Call Close when
// done with it, even before its end.
type Prefetcher struct {
	full chan *prefetchBatch
	free chan *prefetchBatch
	stop chan struct{}
	cur  *prefetchBatch
	next int   // index of cur's next record
	err  error // sticky, once returned

	// A mapped file: read in place, with a pager.
	mapped     stableSource
	progress   chan struct{} // wakes the pager
	nextSignal int           // the offset at which to tell the pager next
	at         atomic.Int64  // where the analysis was at its last signal
	reached    atomic.Int64  // the offset the pager last worked from
	paged      chan struct{}
}

// Prefetch starts reading src ahead. src must not be used by anyone else
// from now on.
func Prefetch(src RecordSource) *Prefetcher {
	if st, ok := src.(stableSource); ok {
		p := &Prefetcher{mapped: st, progress: make(chan struct{}, 1), paged: make(chan struct{})}
		p.nextSignal = st.mark() + prefetchSpan
		p.reached.Store(int64(st.mark()))
		go p.page(st.mark())
		return p
	}
	p := &Prefetcher{
		full: make(chan *prefetchBatch, prefetchBatches),
		free: make(chan *prefetchBatch, prefetchBatches),
		stop: make(chan struct{}),
	}
	for range prefetchBatches {
		p.free <- &prefetchBatch{arena: make([]byte, 0, prefetchArena), recs: make([]Record, 0, prefetchRecords)}
	}
	go p.read(src)
	return p
}

func (p *Prefetcher) read(src RecordSource) {
	var rec Record
	b := p.take()
	for b != nil {
		err := src.Next(&rec)
		if err != nil {
			b.err = err
			p.full <- b
			return
		}
		if len(b.recs) == cap(b.recs) || len(b.arena)+len(rec.Data) > cap(b.arena) && len(b.recs) > 0 {
			p.full <- b
			if b = p.take(); b == nil {
				return
			}
		}
		if len(rec.Data) > cap(b.arena) { // a frame larger than an arena: give this batch a larger one
			b.arena = make([]byte, 0, len(rec.Data))
		}
		start := len(b.arena)
		b.arena = append(b.arena, rec.Data...)
		rec.Data = b.arena[start:len(b.arena):len(b.arena)]
		b.recs = append(b.recs, rec)
	}
}

// page keeps a mapped file's pages in step with the analysis: from each
// offset reached, the next span is mapped in and read into the cache, and
// the pages behind are given back. A fault while reading ahead (the file
// cut short) is ignored here: the analysis meets it and reports it.
func (p *Prefetcher) page(start int) {
	defer close(p.paged)
	p.mapped.prefault(start, start+2*prefetchSpan)
	for range p.progress {
		// From where the analysis is now: a late pager skips what was
		// read meanwhile.
		off := int(p.at.Load())
		p.mapped.prefault(off+prefetchSpan, off+2*prefetchSpan)
		p.mapped.release(off)
		p.reached.Store(int64(off))
	}
}

// take returns an empty batch, or nil once Close was called.
func (p *Prefetcher) take() *prefetchBatch {
	select {
	case b := <-p.free:
		b.recs, b.arena, b.err = b.recs[:0], b.arena[:0], nil
		return b
	case <-p.stop:
		return nil
	}
}

// Next fills rec with the next record, or returns the source's error
// (again on every later call). rec.Data is valid until the next call (for
// a mapped file, until the file is closed).
func (p *Prefetcher) Next(rec *Record) error {
	if p.mapped != nil {
		if p.err == nil {
			p.err = p.nextMapped(rec)
		}
		return p.err
	}
	for {
		if p.err != nil {
			return p.err
		}
		if p.cur != nil && p.next < len(p.cur.recs) {
			*rec = p.cur.recs[p.next]
			p.next++
			return nil
		}
		if p.cur != nil {
			if p.cur.err != nil {
				p.err = p.cur.err
				continue
			}
			p.free <- p.cur
		}
		p.cur, p.next = <-p.full, 0
	}
}

// nextMapped reads a mapped file's next record, turning a fault (the file
// cut short under the mapping) into ErrFileChanged.
func (p *Prefetcher) nextMapped(rec *Record) error {
	return CatchFault(func() error {
		if err := p.mapped.Next(rec); err != nil {
			return err
		}
		if off := p.mapped.mark(); off >= p.nextSignal {
			p.nextSignal = off + prefetchSpan
			p.at.Store(int64(off))
			select { // the pager may be busy: it catches up from at when it wakes
			case p.progress <- struct{}{}:
			default:
			}
			if off-int(p.reached.Load()) > pagerStall*prefetchSpan {
				// The pager is waiting for a processor (both busy): let it
				// run here, before the pages it should give back pile up.
				runtime.Gosched()
			}
		}
		return nil
	})
}

// Stable reports whether records' Data stay valid and unchanged until the
// source is closed, not just until the next call (a mapped file): what
// they point to may then be kept by reference.
func (p *Prefetcher) Stable() bool { return p.mapped != nil }

// Close stops the reading (or paging) goroutine. The Prefetcher must not
// be used afterwards. For a mapped file it waits until the pager is gone,
// so that the file can be unmapped.
func (p *Prefetcher) Close() {
	if p.mapped != nil {
		close(p.progress)
		<-p.paged
		return
	}
	close(p.stop)
}
