package capture

// A Prefetcher reads records ahead on its own goroutine, so that reading
// the file (system calls, pcapgo's copy out of its buffer) runs on a
// second core beside the analysis. Records travel in batches whose frame
// bytes are copied into the batch's arena; prefetchBatches batches of
// prefetchArena bytes bound the memory, and the reader waits when the
// analysis falls behind. Records and the source's error come out exactly
// as the source gives them, in order.
//
// A mapped file (OpenFile) needs no copy: its records are slices of the
// mapping, so a batch only lists them, the reader maps its pages in before
// handing it over, and the pages behind a batch the analysis gave back are
// dropped (prefetchSpan bytes of file per batch bound what is mapped in).
const (
	prefetchBatches = 4
	prefetchArena   = 1 << 20
	prefetchRecords = 1024 // per batch
	prefetchSpan    = 1 << 20
)

// RecordSource yields records: *Reader, *Live.
type RecordSource interface {
	Next(rec *Record) error
}

type prefetchBatch struct {
	recs  []Record
	arena []byte
	err   error // the source's error after recs (io.EOF at the end)
	mark  int   // stable sources: the file offset past recs
}

// Prefetcher is a RecordSource reading another one ahead. Call Close when
// done with it, even before its end.
type Prefetcher struct {
	full   chan *prefetchBatch
	free   chan *prefetchBatch
	stop   chan struct{}
	done   chan struct{} // closed when the reading goroutine ends
	stable bool
	cur    *prefetchBatch
	next   int   // index of cur's next record
	err    error // sticky, once returned
}

// Prefetch starts reading src ahead. src must not be used by anyone else
// from now on.
func Prefetch(src RecordSource) *Prefetcher {
	p := &Prefetcher{
		full: make(chan *prefetchBatch, prefetchBatches),
		free: make(chan *prefetchBatch, prefetchBatches),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	st, stable := src.(stableSource)
	for range prefetchBatches {
		b := &prefetchBatch{recs: make([]Record, 0, prefetchRecords)}
		if !stable {
			b.arena = make([]byte, 0, prefetchArena)
		}
		p.free <- b
	}
	if stable {
		p.stable = true
		go p.readStable(st)
	} else {
		go p.read(src)
	}
	return p
}

func (p *Prefetcher) read(src RecordSource) {
	defer close(p.done)
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

// readStable lists a stable source's records without copying them. A batch
// ends after prefetchSpan bytes of file; its pages are mapped in before it
// is handed over, and dropped once it comes back. A fault (the file cut
// short under the mapping) ends the records with ErrFileChanged.
func (p *Prefetcher) readStable(src stableSource) {
	defer close(p.done)
	var rec Record
	b := p.take()
	if b == nil {
		return
	}
	start := src.mark()
	err := CatchFault(func() error {
		for {
			if err := src.Next(&rec); err != nil {
				return err
			}
			b.recs = append(b.recs, rec)
			if len(b.recs) == cap(b.recs) || src.mark()-start >= prefetchSpan {
				src.prefault(start, src.mark())
				b.mark, start = src.mark(), src.mark()
				p.full <- b
				if b = p.takeStable(src); b == nil {
					return nil
				}
			}
		}
	})
	if b != nil {
		b.err = err
		p.full <- b
	}
}

// takeStable is take for a stable source: the batch given back frees the
// pages of the file below its end.
func (p *Prefetcher) takeStable(src stableSource) *prefetchBatch {
	b := p.take()
	if b != nil && b.mark > 0 {
		src.release(b.mark)
	}
	return b
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
// (again on every later call). rec.Data is valid until the next call.
func (p *Prefetcher) Next(rec *Record) error {
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

// Stable reports whether records' Data stay valid and unchanged until the
// source is closed, not just until the next call (a mapped file): what
// they point to may then be kept by reference.
func (p *Prefetcher) Stable() bool { return p.stable }

// Close stops the reading goroutine. The Prefetcher must not be used
// afterwards. For a mapped file it waits until the goroutine is gone, so
// that the file can be unmapped.
func (p *Prefetcher) Close() {
	close(p.stop)
	if p.stable {
		<-p.done
	}
}
