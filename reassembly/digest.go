package reassembly

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
const (
	digestChunk  = 64 << 10
	digestChunks = 16
)

// digestRun is n bytes of a chunk that belong to st.
type digestRun struct {
	st *DataStream
	n  int
}

// digestBuf is a chunk: bytes of one or more streams, in delivery order.
type digestBuf struct {
	data []byte
	runs []digestRun
	done chan struct{} // set on a flush marker, closed when the worker reaches it
}

type digester struct {
	jobs chan *digestBuf
	free chan *digestBuf
	cur  *digestBuf // the pending chunk, owned by the model's goroutine
	exit chan struct{}
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
	for b := range d.jobs {
		if b.done != nil {
			close(b.done)
			continue
		}
		data := b.data
		for _, r := range b.runs {
			st := r.st
			st.hash.Write(data[:r.n])
			if st.sink != nil {
				st.sink.Write(data[:r.n])
			}
			data = data[r.n:]
		}
		b.data, b.runs = b.data[:0], b.runs[:0]
		d.free <- b
	}
}

// write copies delivered bytes of st into the pending chunk, handing full
// chunks to the worker.
func (d *digester) write(st *DataStream, p []byte) {
	for len(p) > 0 {
		if d.cur == nil {
			d.cur = <-d.free
		}
		b := d.cur
		n := min(len(p), cap(b.data)-len(b.data))
		b.data = append(b.data, p[:n]...)
		if k := len(b.runs) - 1; k >= 0 && b.runs[k].st == st {
			b.runs[k].n += n
		} else {
			b.runs = append(b.runs, digestRun{st, n})
		}
		p = p[n:]
		if len(b.data) == cap(b.data) {
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
