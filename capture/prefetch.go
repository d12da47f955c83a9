package capture

// A Prefetcher reads records ahead on its own goroutine, so that reading
// the file (system calls, pcapgo's copy out of its buffer) runs on a
// second core beside the analysis. Records travel in batches whose frame
// bytes are copied into the batch's arena; prefetchBatches batches of
// prefetchArena bytes bound the memory, and the reader waits when the
// analysis falls behind. Records and the source's error come out exactly
// as the source gives them, in order.
const (
	prefetchBatches = 4
	prefetchArena   = 1 << 20
	prefetchRecords = 1024 // per batch
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
}

// Prefetch starts reading src ahead. src must not be used by anyone else
// from now on.
func Prefetch(src RecordSource) *Prefetcher {
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
		r := rec
		r.Data = b.arena[start:len(b.arena):len(b.arena)]
		b.recs = append(b.recs, r)
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

// Close stops the reading goroutine. The Prefetcher must not be used
// afterwards.
func (p *Prefetcher) Close() {
	close(p.stop)
}
