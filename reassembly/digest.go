package reassembly

import (
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/internal/prefetch"
	"github.com/mptcpdump/mptcpdump/internal/sha256x2"
)

// Hashing every delivered byte is the largest single cost of the analysis;
// a digester does it (and writes the stream files) on worker goroutines,
// one per core (GOMAXPROCS, at most maxDigestWorkers), beside the model.
// Each stream is given to one worker when it starts, both sides of a
// connection to the same one (connections alternate): a worker hashes two
// streams at once (below), and a lone connection sending both ways then
// pairs its two streams instead of hashing each alone on its own worker
// (a single-connection capture: 0.090 -> 0.078 s). Each worker has a FIFO
// of chunks: a stream's bytes are hashed in delivery order, so the result
// is the same as hashing in place.
//
// Delivered bytes are copied into the worker's pending chunk of
// digestChunk bytes, recorded as runs (stream, length), and the chunk is
// handed over whole once full. A pool of digestChunks chunks per worker
// bounds the memory and makes the model wait when that worker falls
// behind; the model holds at most one pending chunk per worker, so it can
// never wait on a chunk it holds itself, however many streams are open.
//
// A worker hashes two streams at once (internal/sha256x2: the second
// stream's rounds fill the waits of the first's, so that two streams hash
// in about the time of one). It takes the chunks already queued with the
// next one, up to digestBatch, and pairs the streams of the whole batch:
// bulk transfers send in bursts of one stream, so a batch of 1 MiB of a
// worker's bytes could pair about half of them in the tso benchmark, one
// of 4 MiB 85 % (counted over the capture), and the batches grow when the
// worker falls behind, which is when pairing matters. What one stream has
// left when the others of its batch are done (up to maxCarry bytes, if
// all referenced) waits for the next batch instead of being hashed alone:
// blocks hashed alone in the tso benchmark fell from 639,000 to 112,000
// of 1.5 million, in the mtu benchmark from 104,000 to 4,000 of 3.0
// million.
//
// Bytes that stay valid and unchanged (a mapped file's, sorter.Retainable)
// are not copied: their run holds a reference, and the worker hashes them
// where they are. A chunk then also ends after digestRuns runs or
// digestRefBytes referenced bytes, so that a worker never lags more than
// 8 MiB of references behind the model (capture.OpenFile keeps the pages
// that recent in memory). A memory fault there (the mapped file cut short)
// stops the hashing and is reported by Faulted.
const (
	digestChunk  = 64 << 10
	digestChunks = 32
	digestRuns   = 1024
	// A chunk's list of runs starts with room for a chunk of MSS-sized
	// references (about 180) and grows once if it needs more: lists for
	// the most runs would be 2.6 MB. The lists hold pointers, and the
	// garbage collector would read them before anything is written there,
	// which maps the kernel's zero page: each first write would then
	// replace it and flush the other core's TLB by interrupt (700 page
	// faults per run of the mtu benchmark). So they are written once,
	// when made.
	digestRunsAtFirst = 256
	digestRefBytes    = 256 << 10
	digestBatch       = 16
	maxDigestWorkers  = 4
)

// digestRun is n bytes of a chunk that belong to st: the chunk's next n
// bytes, or ref.
type digestRun struct {
	st     *DataStream
	n      int
	ref    []byte
	copied bool // ref was set to the chunk's bytes, which are reused
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
			runs := make([]digestRun, digestRunsAtFirst)
			clear(runs) // written now: see digestRunsAtFirst
			w.free <- &digestBuf{data: make([]byte, 0, digestChunk), runs: runs[:0]}
		}
		go w.loop()
		d.workers = append(d.workers, w)
	}
	return d
}

// worker returns the worker for both sides of connection c.
func (d *digester) worker(c *Connection) *digestWorker {
	return d.workers[c.ID%len(d.workers)]
}

func (w *digestWorker) loop() {
	defer close(w.exit)
	batch := make([]*digestBuf, 0, digestBatch)
	for b := range w.jobs {
		// Take the chunks already waiting too (up to digestBatch, and up
		// to a flush marker): the more streams a batch holds, the better
		// they pair. Chunks still queued are within the lag bound already.
		batch = append(batch[:0], b)
	drain:
		for len(batch) < digestBatch && batch[len(batch)-1].done == nil {
			select {
			case next, ok := <-w.jobs:
				if !ok {
					break drain
				}
				batch = append(batch, next)
			default:
				break drain
			}
		}
		var marker *digestBuf
		if last := batch[len(batch)-1]; last.done != nil {
			marker, batch = last, batch[:len(batch)-1]
		}
		w.hash(batch, marker != nil)
		for _, b := range batch {
			clear(b.runs)
			b.data, b.runs, b.refBytes = b.data[:0], b.runs[:0], 0
			w.free <- b
		}
		if marker != nil {
			close(marker.done)
		}
	}
	w.hash(nil, true)
}

// hash hashes a batch (and what the last one carried over), all of it if
// final.
func (w *digestWorker) hash(batch []*digestBuf, final bool) {
	sc := &w.lanes
	if len(batch) == 0 && len(sc.carry) == 0 {
		return
	}
	if w.d.faulted.Load() || capture.CatchFault(func() error { hashChunks(batch, sc, final); return nil }) != nil {
		w.d.faulted.Store(true)
		clear(sc.carry)
		sc.carry = sc.carry[:0]
	}
	clear(sc.runs) // drop the references
}

// hashChunks feeds a batch of chunks' runs to their streams, two streams
// at a time where the batch holds more than one (sha256x2: a second
// stream's rounds fill the waits of the first's, nearly doubling the bytes
// hashed per second). The streams are split between two lanes so that
// both have about as many bytes; each stream's runs are hashed in their
// order, after what the last batch carried over. Unless final, what one
// lane has left when the other is done may be kept for the next batch
// (keep). Reading a referenced byte may fault (the mapped file cut
// short): the caller catches it.
func hashChunks(batch []*digestBuf, sc *laneScratch, final bool) {
	sc.link(batch)
	x, y := lane{q: sc.lanes[0]}, lane{q: sc.lanes[1]}
	x.take(sc)
	y.take(sc)
	for x.st != nil && y.st != nil {
		nx, ny := sha256x2.WriteTwo(x.st.hash, x.p, y.st.hash, y.p)
		x.wrote(nx, sc)
		y.wrote(ny, sc)
	}
	if y.st != nil {
		x = y
	}
	if !final && sc.keep(&x) {
		return
	}
	for x.st != nil {
		x.st.hash.Write(x.p)
		x.wrote(len(x.p), sc)
	}
}

// laneScratch is a worker's bookkeeping for hashChunks, reused.
type laneScratch struct {
	carry   []digestRun   // runs left from the last batch, to pair with the next
	runs    []digestRun   // the batch's runs, each with its bytes in ref
	next    []int         // per run: the index of its stream's next run, or -1
	streams []*DataStream // the batch's streams, in order of appearance
	first   []int         // per stream: its first run
	last    []int         // per stream: its last run so far
	size    []int         // per stream: its bytes
	lanes   [2][]int      // the streams of each lane
}

// link gathers the batch's runs, giving every copied run its bytes (ref),
// chains each stream's runs, and splits the streams between the lanes:
// largest first, each to the lane with fewer bytes so far.
func (sc *laneScratch) link(batch []*digestBuf) {
	sc.runs = append(sc.runs[:0], sc.carry...)
	clear(sc.carry)
	sc.carry = sc.carry[:0]
	for _, b := range batch {
		data := b.data
		for _, r := range b.runs {
			if r.ref == nil {
				r.ref, data, r.copied = data[:r.n:r.n], data[r.n:], true
			}
			sc.runs = append(sc.runs, r)
		}
	}
	sc.next = slices.Grow(sc.next[:0], len(sc.runs))[:len(sc.runs)]
	sc.streams, sc.first, sc.last, sc.size = sc.streams[:0], sc.first[:0], sc.last[:0], sc.size[:0]
	for i, r := range sc.runs {
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

// maxCarry bounds the bytes a worker leaves for its next batch.
const maxCarry = 4 << 20

// keep leaves what lane l still has to hash for the next batch, where it
// may pair with other streams, if all of it is referenced (the chunks
// holding copies are reused) and it is at most maxCarry bytes: when one
// stream's burst fills a batch, the next batch usually brings another's.
// It reports whether it kept them.
func (sc *laneScratch) keep(l *lane) bool {
	if l.st == nil || sc.runs[l.i].copied || len(l.p) > maxCarry {
		return false
	}
	n := len(l.p)
	sc.carry = append(sc.carry[:0], digestRun{st: l.st, n: n, ref: l.p})
	// The rest of this stream's runs, then each stream still queued.
	for q, i := 0, sc.next[l.i]; ; q++ {
		for ; i >= 0; i = sc.next[i] {
			r := sc.runs[i]
			if n += len(r.ref); r.copied || n > maxCarry {
				clear(sc.carry)
				sc.carry = sc.carry[:0]
				return false
			}
			sc.carry = append(sc.carry, r)
		}
		if q == len(l.q) {
			return true
		}
		i = sc.first[l.q[q]]
	}
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
func (l *lane) take(sc *laneScratch) {
	if len(l.q) == 0 {
		l.st = nil
		return
	}
	k := l.q[0]
	l.q = l.q[1:]
	l.st, l.i = sc.streams[k], sc.first[k]
	l.p = sc.runs[l.i].ref
	l.skipEmpty(sc)
}

// wrote records that the lane's next k bytes were hashed: it writes them
// to the stream's file and moves on, to the stream's next run or the
// lane's next stream.
func (l *lane) wrote(k int, sc *laneScratch) {
	if k == 0 {
		return
	}
	if l.st.sink != nil {
		l.st.sink.Write(l.p[:k])
	}
	l.p = l.p[k:]
	l.skipEmpty(sc)
}

func (l *lane) skipEmpty(sc *laneScratch) {
	for len(l.p) == 0 {
		if l.i = sc.next[l.i]; l.i < 0 {
			l.take(sc)
			return
		}
		l.p = sc.runs[l.i].ref
		// The stream's next run lies elsewhere in the file (other packets'
		// bytes between): ask for its start now, while this one is hashed.
		if j := sc.next[l.i]; j >= 0 {
			prefetch.Lines(&sc.runs[j].ref[0])
		}
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
