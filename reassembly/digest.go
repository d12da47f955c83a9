package reassembly

import (
	"runtime/debug"
	"sync/atomic"
)

// Hashing every delivered byte is a quarter of the analysis; a digester
// does it (and writes the stream files) on a second goroutine, so that on
// two cores it runs beside the model. Delivered bytes of any stream are
// copied into one pending chunk of digestChunk bytes, recorded as runs
// (stream, length), and the chunk is handed over whole once full. A pool
// of digestChunks chunks bounds the memory and makes the model wait when
// the worker falls behind; since only one chunk is pending at a time, the
// model can never wait on a chunk it holds itself, however many streams
// are open. One worker and one FIFO keep each stream's bytes in delivery
// order, so the result is the same as hashing in place.
//
// Bytes that stay valid and unchanged (a mapped file's, sorter.Retainable)
// are not copied: their run holds a reference, and the worker hashes them
// where they are. A chunk then also ends after digestRuns runs or
// digestRefBytes referenced bytes, so that the worker never lags more than
// about 5 MiB behind the model (capture.OpenFile keeps the pages that
// recent in memory). A memory
// fault there (the mapped file cut short) stops the hashing and is
// reported by Faulted.
const (
	digestChunk    = 64 << 10
	digestChunks   = 16
	digestRuns     = 1024
	digestRefBytes = 256 << 10
)

// digestRun is n bytes of a chunk that belong to st: the chunk's next n
// bytes, or ref.
type digestRun struct {
	st  *DataStream
	n   int
	ref []byte
}

// digestBuf is a chunk: bytes of one or more streams, in delivery order.
type digestBuf struct {
	data     []byte
	runs     []digestRun
	refBytes int           // referenced bytes in runs
	done     chan struct{} // set on a flush marker, closed when the worker reaches it
}

type digester struct {
	jobs    chan *digestBuf
	free    chan *digestBuf
	cur     *digestBuf // the pending chunk, owned by the model's goroutine
	exit    chan struct{}
	faulted atomic.Bool // a referenced byte could not be read
}

func newDigester() *digester {
	d := &digester{jobs: make(chan *digestBuf, digestChunks), free: make(chan *digestBuf, digestChunks), exit: make(chan struct{})}
	for range digestChunks {
		d.free <- &digestBuf{data: make([]byte, 0, digestChunk)}
	}
	go d.loop()
	return d
}

func (d *digester) loop() {
	defer close(d.exit)
	debug.SetPanicOnFault(true) // this goroutine's own setting
	for b := range d.jobs {
		if b.done != nil {
			close(b.done)
			continue
		}
		if !d.faulted.Load() && !d.hash(b) {
			d.faulted.Store(true)
		}
		clear(b.runs) // drop the references
		b.data, b.runs, b.refBytes = b.data[:0], b.runs[:0], 0
		d.free <- b
	}
}

// hash feeds a chunk's runs to their streams. It returns false if reading
// a referenced byte faulted.
func (d *digester) hash(b *digestBuf) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); !fault {
				panic(r)
			}
			ok = false
		}
	}()
	data := b.data
	for _, r := range b.runs {
		p := r.ref
		if p == nil {
			p, data = data[:r.n], data[r.n:]
		}
		r.st.hash.Write(p)
		if r.st.sink != nil {
			r.st.sink.Write(p)
		}
	}
	return true
}

// Faulted reports whether a referenced byte could not be read: the hashes
// and stream files are then incomplete.
func (d *digester) Faulted() bool { return d.faulted.Load() }

// write copies delivered bytes of st into the pending chunk, or, if
// retain, records a reference to them; full chunks go to the worker.
func (d *digester) write(st *DataStream, p []byte, retain bool) {
	if retain && len(p) > 0 {
		if d.cur == nil {
			d.cur = <-d.free
		}
		b := d.cur
		b.runs = append(b.runs, digestRun{st: st, n: len(p), ref: p})
		b.refBytes += len(p)
		if len(b.runs) == digestRuns || b.refBytes >= digestRefBytes {
			d.jobs <- b
			d.cur = nil
		}
		return
	}
	for len(p) > 0 {
		if d.cur == nil {
			d.cur = <-d.free
		}
		b := d.cur
		n := min(len(p), cap(b.data)-len(b.data))
		b.data = append(b.data, p[:n]...)
		if k := len(b.runs) - 1; k >= 0 && b.runs[k].st == st && b.runs[k].ref == nil {
			b.runs[k].n += n
		} else {
			b.runs = append(b.runs, digestRun{st: st, n: n})
		}
		p = p[n:]
		if len(b.data) == cap(b.data) || len(b.runs) == digestRuns {
			d.jobs <- b
			d.cur = nil
		}
	}
}

// sync hands the pending chunk over and waits until the worker has hashed
// and written everything delivered so far: every stream's hash and file
// are then up to date.
func (d *digester) sync() {
	if d.cur != nil {
		d.jobs <- d.cur
		d.cur = nil
	}
	done := make(chan struct{})
	d.jobs <- &digestBuf{done: done}
	<-done
}

// stop ends the worker once its queue is empty.
func (d *digester) stop() {
	d.sync()
	close(d.jobs)
	<-d.exit
}
