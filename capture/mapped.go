package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ErrFileChanged means a capture file read through a memory mapping was cut
// short (truncated or rewritten) while it was being read: its bytes can no
// longer be trusted, so the analysis stops without a report.
var ErrFileChanged = errors.New("capture file changed (was truncated) while it was being read")

// mapLimit is the largest file mapped; anything larger is read with system
// calls (a 32-bit address space could not hold it anyway).
const mapLimit = 1 << 40

// Pages are given back releaseLag behind the analysis, which may still
// read bytes it keeps by reference (the streams' hashing runs up to 4 MiB
// behind it); every sweepEvery bytes, all pages below that point are given
// back again, since late readers (a range that waited for a
// retransmission, a duplicate compared with the first copy) fault some
// back in. Mapped pages stay within about releaseLag + sweepEvery + the
// two spans mapped ahead, whatever the file's size.
const (
	releaseLag = 6 << 20
	sweepEvery = 8 << 20
)

// eagerReadMax is pcapgo's limit below which a record's length is trusted
// up to before the snap length is checked (pcapgo/readfull.go); records
// longer than both are damaged.
const eagerReadMax = 262144

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

// mappable returns the size of f if it is a regular file of at least min
// bytes that can be mapped, and its first bytes.
func mappable(f *os.File, min int) (int64, []byte, bool) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() < int64(min) || st.Size() > mapLimit || st.Size() > math.MaxInt {
		return 0, nil, false
	}
	hdr := make([]byte, min)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		return 0, nil, false
	}
	return st.Size(), hdr, true
}

// mapPcap maps f if it is a regular, classic pcap file that mapping can
// read; ok is false otherwise.
func mapPcap(f *os.File) (*mappedPcap, bool) {
	size, hdr, ok := mappable(f, 24)
	if !ok {
		return nil, false
	}
	if _, ok := newMappedPcap(hdr); !ok {
		return nil, false
	}
	data, err := mmapFile(f, size)
	if err != nil {
		return nil, false
	}
	m, ok := newMappedPcap(data)
	if !ok { // the file changed since its header was read
		munmap(data)
		return nil, false
	}
	m.unmap = true
	return m, true
}

// newMappedPcap reads the header of a classic pcap file held in data; ok is
// false unless it is one (uncompressed) whose header pcapgo accepts.
func newMappedPcap(data []byte) (*mappedPcap, bool) {
	if len(data) < 24 {
		return nil, false
	}
	magic := binary.LittleEndian.Uint32(data[:4])
	switch magic {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
	default:
		return nil, false
	}
	// pcapgo checks the header (versions) as Open does.
	pr, err := pcapgo.NewReader(bytes.NewReader(data[:24]))
	if err != nil {
		return nil, false
	}
	m := &mappedPcap{mapping: mapping{data: data, page: os.Getpagesize()}, off: 24, link: pr.LinkType(), snaplen: int(pr.Snaplen()),
		order: binary.LittleEndian, nanoFactor: 1000}
	if magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1 {
		m.order = binary.BigEndian
	}
	if pr.Resolution() == gopacket.TimestampResolutionNanosecond {
		m.nanoFactor = 1
	}
	return m, true
}

// mapping is a file mapped read-only, with the paging Prefetch drives.
type mapping struct {
	data     []byte
	released int  // pages below this were given back
	swept    int  // and below this, given back again all at once
	page     int  // the system's page size
	unmap    bool // data is a mapping (not a test's slice)
	touched  byte // what prefault read, kept so that the reads are not optimized away
}

// mappedPcap reads a classic pcap file from a memory mapping. Records'
// Data are slices of the mapping, valid until it is closed (not merely
// until the next call): Prefetch hands them on without a copy.
type mappedPcap struct {
	mapping
	off        int // of the next record's header
	count      uint64
	order      binary.ByteOrder
	nanoFactor uint32
	link       layers.LinkType
	snaplen    int
}

func (m *mappedPcap) Format() Format { return FormatPcap }

// Next fills rec with the next frame, with the errors of Reader.Next (it
// follows pcapgo's reading exactly, quirks included).
func (m *mappedPcap) Next(rec *Record) error {
	rest := m.data[m.off:]
	if len(rest) < 16 {
		if len(rest) == 0 {
			return io.EOF
		}
		return m.fail(io.ErrUnexpectedEOF)
	}
	h := rest[:16]
	caplen := int(m.order.Uint32(h[8:12]))
	length := int(m.order.Uint32(h[12:16]))
	switch {
	case caplen > max(m.snaplen, eagerReadMax):
		return m.fail(fmt.Errorf("capture length exceeds snap length: %d > %d", caplen, m.snaplen))
	case caplen > length:
		return m.fail(fmt.Errorf("capture length exceeds original packet length: %d > %d", caplen, length))
	}
	body := rest[16:]
	if caplen > len(body) {
		if len(body) == 0 {
			return io.EOF // io.ReadFull's EOF: pcapgo ends cleanly here
		}
		return m.fail(io.ErrUnexpectedEOF)
	}
	m.count++
	rec.Number = m.count
	rec.Time = time.Unix(int64(m.order.Uint32(h[0:4])), int64(m.order.Uint32(h[4:8])*m.nanoFactor)).UTC()
	rec.Interface = 0
	rec.Data = body[:caplen:caplen]
	rec.CaptureLength = caplen
	rec.Length = length
	rec.LinkType = m.link
	m.off += 16 + caplen
	return nil
}

func (m *mappedPcap) fail(err error) error {
	where := fmt.Sprintf("after record %d, at byte offset %d", m.count, m.off)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w (%s)", ErrTruncatedFile, where)
	}
	return fmt.Errorf("%w: %s (%s)", ErrDamagedRecord, err.Error(), where)
}

// mark returns the offset past the last record returned.
func (m *mappedPcap) mark() int { return m.off }

// release gives back the pages releaseLag below off: the caller is done
// with every record below off. Memory then stays bounded by what is in
// flight, not by the file's size.
func (m *mapping) release(off int) {
	off -= releaseLag
	off -= off % m.page
	if off <= m.released {
		return
	}
	if m.unmap {
		from := m.released
		if off-m.swept >= sweepEvery {
			from, m.swept = 0, off
		}
		dropPages(m.data[from:off])
	}
	m.released = off
}

// cacheLine is the stride at which prefault reads ahead.
const cacheLine = 64

// prefault maps in the pages of [from, to) ahead of their use, and brings
// them into the cache, on the pager's goroutine rather than the
// analysis's.
func (m *mapping) prefault(from, to int) {
	from -= from % m.page
	to = min(to, len(m.data))
	if from < to && m.unmap {
		populatePages(m.data[from:to])
		// Read one byte of every cache line too, so that the analysis
		// finds the record headers in the shared cache rather than in
		// memory (reading the mtu capture's records: 32 ms -> 24 ms). A
		// fault here (the file cut short) is left for the analysis to
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
