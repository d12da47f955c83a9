package capture

import (
	"os"

	"golang.org/x/sys/unix"
)

func mmapFile(f *os.File, size int64) ([]byte, error) {
	b, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	_ = unix.Madvise(b, unix.MADV_SEQUENTIAL) // a hint: read ahead, drop behind
	return b, nil
}

func munmap(b []byte) error { return unix.Munmap(b) }

// dropPages takes pages out of the process's memory; the page cache keeps
// them, and reading them again (which nothing does) would fault them back.
func dropPages(b []byte) { _ = unix.Madvise(b, unix.MADV_DONTNEED) }
