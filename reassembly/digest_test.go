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
