package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/mptcpdump/mptcpdump/internal/prefetch"
)

// eagerReadMax is pcapgo's limit below which a record's length is trusted
// up to before the snap length is checked (pcapgo/readfull.go); records
// longer than both are damaged.
const eagerReadMax = 262144

// mapPcap maps f if it is a regular, classic pcap file that mapping can
// read; ok is false otherwise.
func mapPcap(f *os.File) (*mappedPcap, bool) {
	accept := func(hdr []byte) bool { _, ok := newMappedPcap(hdr); return ok }
	return mapFile(f, 24, accept, newMappedPcap)
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
	// The next record's header (and its frame's first bytes) will be read
	// after this packet is analyzed: ask for them now. Records lie about
	// 1.3 KB apart, too irregularly for the hardware's prefetcher, and
	// their headers were the analysis's costliest cache misses.
	if m.off < len(m.data) {
		prefetch.Lines(&m.data[m.off])
	}
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
