package reassembly

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/mptcpdump/mptcpdump/internal/sha256x2"
)

// More open streams than chunks, spread over the workers, writes interleaved in odd sizes, some
// copied and some by reference (a third, and all of the small ones in some
// rounds, so that chunks also end on their count of runs): every stream's
// hash and file must equal hashing its bytes in place, and the model must
// never wait on itself.
func TestDigesterInterleavedStreams(t *testing.T) {
	const streams = 3 * digestChunks
	d := newDigester()
	sts := make([]*DataStream, streams)
	files := make([]*bytes.Buffer, streams)
	want := make([][]byte, streams)
	for i := range sts {
		files[i] = new(bytes.Buffer)
		sts[i] = &DataStream{hash: sha256x2.New(), sink: files[i], digest: d.workers[i%len(d.workers)]}
	}
	for round := range 400 {
		for i, st := range sts {
			n := (round*131 + i*17) % 9000
			if round%50 == 7 {
				n %= 16
			}
			p := bytes.Repeat([]byte{byte(round + i)}, n)
			want[i] = append(want[i], p...)
			st.digest.write(st, p, (round+i)%3 == 0 || round%50 == 7)
		}
	}
	d.stop()
	for i, st := range sts {
		if got, exp := [32]byte(st.hash.Sum(nil)), sha256.Sum256(want[i]); got != exp {
			t.Fatalf("stream %d: hash %x, want %x", i, got[:4], exp[:4])
		}
		if !bytes.Equal(files[i].Bytes(), want[i]) {
			t.Fatalf("stream %d: file holds %d bytes, want %d", i, files[i].Len(), len(want[i]))
		}
	}
}

// A batch whose bytes are mostly one stream's leaves that stream's rest
// (referenced bytes only) for the next batch, where it pairs with
// others; copied bytes are never carried; every hash and file still
// equals the stream's bytes in order, after a final batch.
func TestHashChunksCarriesTheLongerLane(t *testing.T) {
	var sc laneScratch
	sts := make([]*DataStream, 3)
	files := make([]*bytes.Buffer, len(sts))
	want := make([][]byte, len(sts))
	for i := range sts {
		files[i] = new(bytes.Buffer)
		sts[i] = &DataStream{hash: sha256x2.New(), sink: files[i]}
	}
	seq := byte(0)
	piece := func(n int) []byte {
		p := make([]byte, n)
		for i := range p {
			p[i] = seq
			seq++
		}
		return p
	}
	// chunk builds a chunk of refs (and one copy if copied) of the given
	// streams and sizes.
	chunk := func(copied bool, plan ...[2]int) *digestBuf {
		b := &digestBuf{data: make([]byte, 0, digestChunk)}
		for _, pl := range plan {
			st, n := pl[0], pl[1]
			p := piece(n)
			want[st] = append(want[st], p...)
			if copied {
				b.data = append(b.data, p...)
				b.runs = append(b.runs, digestRun{st: sts[st], n: n})
				continue
			}
			b.runs = append(b.runs, digestRun{st: sts[st], n: n, ref: p})
		}
		return b
	}
	// Stream 0 sends 200 KB, stream 1 only 3 KB: most of stream 0 is left.
	hashChunks([]*digestBuf{chunk(false, [2]int{0, 100_000}, [2]int{1, 3000}, [2]int{0, 100_000})}, &sc, false)
	if len(sc.carry) == 0 {
		t.Fatal("nothing carried from a batch of mostly one stream")
	}
	// The next batch brings stream 2, and more of stream 0 after its rest.
	hashChunks([]*digestBuf{chunk(false, [2]int{2, 150_000}, [2]int{0, 5000})}, &sc, false)
	// A batch with a copy: what is left of it is hashed at once.
	hashChunks([]*digestBuf{chunk(true, [2]int{1, 40_000}, [2]int{0, 100})}, &sc, false)
	if len(sc.carry) != 0 {
		t.Fatalf("carried %d runs holding copied bytes", len(sc.carry))
	}
	hashChunks([]*digestBuf{chunk(false, [2]int{0, 70_000}, [2]int{1, 10})}, &sc, false)
	hashChunks(nil, &sc, true)
	if len(sc.carry) != 0 {
		t.Fatal("a final batch left runs unhashed")
	}
	for i, st := range sts {
		if got, exp := [32]byte(st.hash.Sum(nil)), sha256.Sum256(want[i]); got != exp {
			t.Errorf("stream %d: hash %x, want %x", i, got[:4], exp[:4])
		}
		if !bytes.Equal(files[i].Bytes(), want[i]) {
			t.Errorf("stream %d: file holds %d bytes, want %d (or out of order)", i, files[i].Len(), len(want[i]))
		}
	}
}
