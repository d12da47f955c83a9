package reassembly

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mptcpdump/mptcpdump/internal/sha256x2"
	"golang.org/x/sys/unix"
)

// A reference whose bytes cannot be read (a mapped file cut short) stops
// the hashing and is reported, without a crash.
func TestDigesterFault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, bytes.Repeat([]byte{1}, 1<<16), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := unix.Mmap(int(f.Fd()), 0, 1<<16, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	d := newDigester()
	st := &DataStream{hash: sha256x2.New(), digest: d.workers[0]}
	st.digest.write(st, []byte("copied"), false)
	st.digest.write(st, m[100:200], true)
	d.stop()
	if !d.Faulted() {
		t.Fatal("a fault reading a reference was not reported")
	}
}
