package capture

import (
	"errors"
	"io"
	"math"
	"os"
	"runtime/debug"
	"sync/atomic"
)

// ErrFileChanged means a capture file read through a memory mapping was cut
// short (truncated or rewritten) while it was being read: its bytes can no
// longer be trusted, so the analysis stops without a report.
var ErrFileChanged = errors.New("capture file changed (was truncated) while it was being read")

// mapLimit is the largest file mapped; anything larger is read with system
// calls (a 32-bit address space could not hold it anyway).
const mapLimit = 1 << 40

// Pages are given back releaseLag behind the analysis, which may still
// read bytes it keeps by reference: the streams' hashing runs up to 12 MiB
// of each worker's streams behind it (8 MiB queued, 4 MiB carried), which
// can span twice that of the file or more when the other worker's streams
// are interleaved with them (when it ran 4 MiB behind, giving pages back
// 6 MiB behind made it fault 1,600 pages of the mtu benchmark back in).
// Every sweepEvery bytes, all pages below that point are given back again,
// since late readers (a range that waited for a retransmission, a
// duplicate compared with the first copy) fault some back in. Mapped pages
// stay within about releaseLag + sweepEvery + the two spans mapped ahead +
// the pagerStall spans the pager may lag, whatever the file's size.
const (
	releaseLag = 32 << 20
	sweepEvery = 8 << 20
)

// File is an open capture file: a RecordSource to Close when done.
type File interface {
	RecordSource
	Format() Format
	Close() error
}

// OpenFile opens the capture file at path. A regular, uncompressed pcap or
// pcapng file is read from a read-only memory mapping where the system has
// one: records come out as slices of the mapping, which stay valid until
// Close (pcap without a system call or a copy; pcapng parsed by pcapgo, its
// packets then found in the mapping), and Prefetch gives the pages behind
// the analysis back so that memory stays bounded whatever the file's size.
// Anything else (gzip, a pipe, a system without mmap) is read with Open.
// Both give the same records and the same errors.
func OpenFile(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if m, ok := mapPcap(f); ok {
		f.Close() // the mapping keeps the file's pages
		return m, nil
	}
	if m, ok := mapPcapng(f); ok {
		f.Close()
		return m, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	r, err := Open(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &osFile{Reader: r, f: f}, nil
}

type osFile struct {
	*Reader
	f *os.File
}

func (o *osFile) Close() error { return o.f.Close() }

// mapFile maps f and reads it with open, if f is a regular file that can
// be mapped and its first min bytes pass accept (checked before mapping);
// ok is false otherwise, and the mapping is undone if open refuses it.
func mapFile[M interface{ mapped() }](f *os.File, min int, accept func(hdr []byte) bool, open func(data []byte) (M, bool)) (m M, ok bool) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() < int64(min) || st.Size() > mapLimit || st.Size() > math.MaxInt {
		return m, false
	}
	hdr := make([]byte, min)
	if _, err := f.ReadAt(hdr, 0); err != nil || !accept(hdr) {
		return m, false
	}
	data, err := mmapFile(f, st.Size())
	if err != nil {
		return m, false
	}
	if m, ok = open(data); !ok { // the file changed since its header was read
		munmap(data)
		return m, false
	}
	m.mapped()
	return m, true
}

// mapped says that data is a mapping, to page and unmap (not a test's
// slice).
func (m *mapping) mapped() { m.unmap = true }

// mapping is a file mapped read-only, with the paging Prefetch drives.
type mapping struct {
	data     []byte
	released atomic.Int64 // pages below this were given back (read by tests while the pager runs)
	swept    int          // and below this, given back again all at once
	page     int          // the system's page size
	unmap    bool         // data is a mapping (not a test's slice)
	touched  byte         // what prefault read, kept so that the reads are not optimized away
}

// release gives back the pages releaseLag below off: the caller is done
// with every record below off. Memory then stays bounded by what is in
// flight, not by the file's size.
func (m *mapping) release(off int) {
	off -= releaseLag
	off -= off % m.page
	released := int(m.released.Load())
	if off <= released {
		return
	}
	if m.unmap {
		from := released
		if off-m.swept >= sweepEvery {
			from, m.swept = 0, off
		}
		dropPages(m.data[from:off])
	}
	m.released.Store(int64(off))
}

// cacheLine is the stride at which prefault reads ahead.
const cacheLine = 64

// prefault maps in the pages of [from, to) ahead of their use, and brings
// them into the cache, on the pager's goroutine rather than the
// analysis's: it reads one byte of every cache line. The faults of the
// first reads map the pages (the kernel maps 16 around each fault), which
// costs less than asking for them (MADV_POPULATE_READ, page by page: the
// mtu benchmark took 0.144-0.167 s with it, 0.138-0.155 s without), and
// the analysis then finds the record headers in the shared cache rather
// than in memory (reading the mtu capture's records: 32 ms -> 24 ms).
func (m *mapping) prefault(from, to int) {
	from -= from % m.page
	to = min(to, len(m.data))
	if from < to && m.unmap {
		// A fault here (the file cut short) is left for the analysis to
		// meet and report.
		_ = CatchFault(func() error {
			var sum byte
			for i := from; i < to; i += cacheLine {
				sum += m.data[i]
			}
			m.touched += sum
			return nil
		})
	}
}

func (m *mapping) Close() error {
	if m.data == nil || !m.unmap {
		return nil
	}
	err := munmap(m.data)
	m.data = nil
	return err
}

// stableSource is a RecordSource whose records' Data stay valid until the
// source is told it may drop them; Prefetch hands them on without copying.
type stableSource interface {
	RecordSource
	mark() int
	release(off int)
	prefault(from, to int)
}

// CatchFault runs fn and turns a memory fault while it runs (a mapped
// capture file cut short under it) into ErrFileChanged. Any other panic
// goes on.
func CatchFault(fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			if _, ok := r.(interface{ Addr() uintptr }); ok {
				err = ErrFileChanged
				return
			}
			panic(r)
		}
	}()
	return fn()
}
