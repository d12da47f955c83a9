package reassembly

import (
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/internal/sha256x2"
)

// Hashing every delivered byte is the largest single cost of the analysis;
// a digester does it (and writes the stream files) on worker goroutines,
// one per core (GOMAXPROCS, at most maxDigestWorkers), beside the model.
// Each stream is given to one worker when it starts (alternating by
// connection and side, so that a bulk transfer's streams spread over the
// workers), and each worker has a FIFO of chunks: a stream's bytes are
// hashed in delivery order, so the result is the same as hashing in place.
//
// Delivered bytes are copied into the worker's pending chunk of
// digestChunk bytes, recorded as runs (stream, length), and the chunk is
// handed over whole once full. A pool of digestChunks chunks per worker
// bounds the memory and makes the model wait when that worker falls
// behind; the model holds at most one pending chunk per worker, so it can
// never wait on a chunk it holds itself, however many streams are open.
//
// A worker hashes two streams at once where its chunk holds bytes of more
// than one (internal/sha256x2: the second stream's rounds fill the waits
// of the first's, so that two streams hash in about the time of one).
//
// Bytes that stay valid and unchanged (a mapped file's, sorter.Retainable)
// are not copied: their run holds a reference, and the worker hashes them
// where they are. A chunk then also ends after digestRuns runs or
// digestRefBytes referenced bytes, so that a worker never lags more than
// 4 MiB of references behind the model (capture.OpenFile keeps the pages
// that recent in memory). A memory fault there (the mapped file cut short)
// stops the hashing and is reported by Faulted.
const (
	digestChunk      = 64 << 10
	digestChunks     = 16
	digestRuns       = 1024
	digestRefBytes   = 256 << 10
	maxDigestWorkers = 4
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

// digester is the set of workers of one Tracker.
type digester struct {
	workers []*digestWorker
	faulted atomic.Bool // a referenced byte could not be read
}

// digestWorker hashes the streams given to it, on its own goroutine.
type digestWorker struct {
	d    *digester
	jobs chan *digestBuf
	free chan *digestBuf
	cur  *digestBuf // the pending chunk, owned by the model's goroutine
	exit chan struct{}

	lanes laneScratch // the worker's own
}

func newDigester() *digester {
	d := &digester{}
	for range min(max(runtime.GOMAXPROCS(0), 1), maxDigestWorkers) {
		w := &digestWorker{d: d, jobs: make(chan *digestBuf, digestChunks), free: make(chan *digestBuf, digestChunks), exit: make(chan struct{})}
		for range digestChunks {
			w.free <- &digestBuf{data: make([]byte, 0, digestChunk), runs: make([]digestRun, 0, digestRuns)}
		}
		go w.loop()
		d.workers = append(d.workers, w)
	}
	return d
}

// worker returns the worker for side s of connection c.
func (d *digester) worker(c *Connection, s Side) *digestWorker {
	return d.workers[(c.ID+int(s))%len(d.workers)]
}

func (w *digestWorker) loop() {
	defer close(w.exit)
	for b := range w.jobs {
		if b.done != nil {
			close(b.done)
			continue
		}
		if !w.d.faulted.Load() && capture.CatchFault(func() error { hashChunk(b, &w.lanes); return nil }) != nil {
			w.d.faulted.Store(true)
		}
		clear(b.runs) // drop the references
		b.data, b.runs, b.refBytes = b.data[:0], b.runs[:0], 0
		w.free <- b
	}
}

// hashChunk feeds a chunk's runs to their streams, two streams at a time
// where the chunk holds more than one (sha256x2: a second stream's rounds
// fill the waits of the first's, nearly doubling the bytes hashed per
// second). The streams are split between two lanes so that both have
// about as many bytes; each stream's runs are hashed in their order.
// Reading a referenced byte may fault (the mapped file cut short): the
// caller catches it.
func hashChunk(b *digestBuf, sc *laneScratch) {
	sc.link(b)
	x, y := lane{q: sc.lanes[0]}, lane{q: sc.lanes[1]}
	x.take(sc, b)
	y.take(sc, b)
	for x.st != nil && y.st != nil {
		nx, ny := sha256x2.WriteTwo(x.st.hash, x.p, y.st.hash, y.p)
		x.wrote(nx, sc, b)
		y.wrote(ny, sc, b)
	}
	if y.st != nil {
		x = y
	}
	for x.st != nil {
		x.st.hash.Write(x.p)
		x.wrote(len(x.p), sc, b)
	}
}

// laneScratch is a worker's bookkeeping for hashChunk, reused.
type laneScratch struct {
	next    []int         // per run: the index of its stream's next run, or -1
	streams []*DataStream // the chunk's streams, in order of appearance
	first   []int         // per stream: its first run
	last    []int         // per stream: its last run so far
	size    []int         // per stream: its bytes
	lanes   [2][]int      // the streams of each lane
}

// link gives every copied run its bytes (ref), chains each stream's runs,
// and splits the streams between the lanes: largest first, each to the
// lane with fewer bytes so far.
func (sc *laneScratch) link(b *digestBuf) {
	sc.next = slices.Grow(sc.next[:0], len(b.runs))[:len(b.runs)]
	sc.streams, sc.first, sc.last, sc.size = sc.streams[:0], sc.first[:0], sc.last[:0], sc.size[:0]
	data := b.data
	for i := range b.runs {
		r := &b.runs[i]
		if r.ref == nil {
			r.ref, data = data[:r.n:r.n], data[r.n:]
		}
		sc.next[i] = -1
		k := slices.Index(sc.streams, r.st)
		if k < 0 {
			sc.streams, sc.first, sc.last, sc.size = append(sc.streams, r.st), append(sc.first, i), append(sc.last, i), append(sc.size, len(r.ref))
			continue
		}
		sc.next[sc.last[k]], sc.last[k] = i, i
		sc.size[k] += len(r.ref)
	}
	order := sc.lanes[0][:0]
	for k := range sc.streams {
		order = append(order, k)
	}
	slices.SortStableFunc(order, func(i, j int) int { return sc.size[j] - sc.size[i] })
	var total [2]int
	first, second := order[:0], sc.lanes[1][:0] // first reuses order's array behind its reading
	for _, k := range order {
		if total[0] <= total[1] {
			first = append(first, k)
			total[0] += sc.size[k]
		} else {
			second = append(second, k)
			total[1] += sc.size[k]
		}
	}
	sc.lanes[0], sc.lanes[1] = first, second
}

// lane is the streams being hashed in one lane: p is what is left of run
// i of stream st; q the lane's streams still to come.
type lane struct {
	st *DataStream
	i  int
	p  []byte
	q  []int
}

// take starts the lane on its next stream, or leaves it empty (st nil).
func (l *lane) take(sc *laneScratch, b *digestBuf) {
	if len(l.q) == 0 {
		l.st = nil
		return
	}
	k := l.q[0]
	l.q = l.q[1:]
	l.st, l.i = sc.streams[k], sc.first[k]
	l.p = b.runs[l.i].ref
	l.skipEmpty(sc, b)
}

// wrote records that the lane's next k bytes were hashed: it writes them
// to the stream's file and moves on, to the stream's next run or the
// lane's next stream.
func (l *lane) wrote(k int, sc *laneScratch, b *digestBuf) {
	if k == 0 {
		return
	}
	if l.st.sink != nil {
		l.st.sink.Write(l.p[:k])
	}
	l.p = l.p[k:]
	l.skipEmpty(sc, b)
}

func (l *lane) skipEmpty(sc *laneScratch, b *digestBuf) {
	for len(l.p) == 0 {
		if l.i = sc.next[l.i]; l.i < 0 {
			l.take(sc, b)
			return
		}
		l.p = b.runs[l.i].ref
	}
}

// Faulted reports whether a referenced byte could not be read: the hashes
// and stream files are then incomplete.
func (d *digester) Faulted() bool { return d.faulted.Load() }

// write copies delivered bytes of st into the pending chunk, or, if
// retain, records a reference to them; full chunks go to the worker.
func (w *digestWorker) write(st *DataStream, p []byte, retain bool) {
	if retain && len(p) > 0 {
		if w.cur == nil {
			w.cur = <-w.free
		}
		b := w.cur
		b.runs = append(b.runs, digestRun{st: st, n: len(p), ref: p})
		b.refBytes += len(p)
		if len(b.runs) == digestRuns || b.refBytes >= digestRefBytes {
			w.jobs <- b
			w.cur = nil
		}
		return
	}
	for len(p) > 0 {
		if w.cur == nil {
			w.cur = <-w.free
		}
		b := w.cur
		n := min(len(p), cap(b.data)-len(b.data))
		b.data = append(b.data, p[:n]...)
		if k := len(b.runs) - 1; k >= 0 && b.runs[k].st == st && b.runs[k].ref == nil {
			b.runs[k].n += n
		} else {
			b.runs = append(b.runs, digestRun{st: st, n: n})
		}
		p = p[n:]
		if len(b.data) == cap(b.data) || len(b.runs) == digestRuns {
			w.jobs <- b
			w.cur = nil
		}
	}
}

// sync hands the pending chunk over and waits until the worker has hashed
// and written everything delivered so far: the hash and file of every
// stream it has are then up to date.
func (w *digestWorker) sync() {
	if w.cur != nil {
		w.jobs <- w.cur
		w.cur = nil
	}
	done := make(chan struct{})
	w.jobs <- &digestBuf{done: done}
	<-done
}

// stop ends the workers once their queues are empty.
func (d *digester) stop() {
	for _, w := range d.workers {
		w.sync()
		close(w.jobs)
	}
	for _, w := range d.workers {
		<-w.exit
	}
}
