package prefetch

import (
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A prefetch never faults, even where reading would: the pcap reader asks
// for the next record's lines before knowing they were captured (past
// the end of a truncated file's mapping), and a digest asks for runs of a
// file that may have been cut short.
func TestLinesNeverFault(t *testing.T) {
	page := unix.Getpagesize()
	m, err := unix.Mmap(-1, 0, 2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Skip(err)
	}
	defer unix.Munmap(m)
	// The second page becomes inaccessible: reading it would fault.
	if err := unix.Mprotect(m[page:], unix.PROT_NONE); err != nil {
		t.Skip(err)
	}
	Lines(&m[page-1])                                                 // the two lines cross into the protected page
	Lines((*byte)(unsafe.Add(unsafe.Pointer(&m[0]), page)))           // inside it
	Lines((*byte)(unsafe.Add(unsafe.Pointer(&m[0]), page+page/2+61))) // anywhere in it
	m[0] = 1
	if m[0] != 1 {
		t.Fatal("the mapping is not usable after the prefetches")
	}
}
