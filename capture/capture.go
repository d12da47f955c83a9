package capture

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ErrTruncatedFile means the capture ends in the middle of a record.
var ErrTruncatedFile = errors.New("capture file ends in the middle of a record")

// ErrDamagedRecord means a record header is impossible (a length beyond
// the snap length or the frame's own length, a broken pcapng block): the
// rest of the file cannot be trusted. Records before it were returned.
var ErrDamagedRecord = errors.New("damaged record")

// FormatError reports a capture whose bytes cannot be read as pcap or
// pcapng, with the byte offset where the problem was found.
type FormatError struct {
	Offset int64
	Reason string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("not a readable capture: %s (at byte offset %d)", e.Reason, e.Offset)
}

// Record is one captured frame.
type Record struct {
	Number        uint64 // from 1, in file order
	Time          time.Time
	LinkType      layers.LinkType
	Interface     int    // pcapng interface index; 0 for pcap
	Data          []byte // the captured bytes; reused by the next Next call
	CaptureLength int    // len(Data)
	Length        int    // the frame's length on the wire
}

// Format names the container format of a capture file.
type Format string

// Container formats.
const (
	FormatPcap   Format = "pcap"
	FormatPcapng Format = "pcapng"
)

type packetReader interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// Reader reads Records from a capture. Not safe for concurrent use.
type Reader struct {
	format Format
	src    packetReader
	ng     *pcapgo.NgReader
	link   layers.LinkType // pcap: the file's link type
	count  uint64
	offset int64 // pcap: byte offset of the next record (its header)
}

const readBufferSize = 1 << 20

// Open reads the capture's header from r and returns a Reader for its
// records. The format is detected from the magic number.
func Open(r io.Reader) (*Reader, error) {
	return openBuffered(r, readBufferSize)
}

// openBuffered is Open reading r through a buffer of size bytes.
func openBuffered(r io.Reader, size int) (*Reader, error) {
	br := bufio.NewReaderSize(r, size)
	magic, err := br.Peek(4)
	if err != nil {
		if len(magic) == 0 {
			return nil, &FormatError{Offset: 0, Reason: "empty file"}
		}
		return nil, &FormatError{Offset: int64(len(magic)), Reason: "file shorter than a capture header"}
	}
	switch m := binary.LittleEndian.Uint32(magic); m {
	case 0x0a0d0d0a:
		ng, err := pcapgo.NewNgReader(br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, &FormatError{Offset: 0, Reason: "pcapng section header: " + lowerFirst(err.Error())}
		}
		return &Reader{format: FormatPcapng, src: ng, ng: ng}, nil
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return nil, &FormatError{Offset: 0, Reason: "pcap file header: " + lowerFirst(err.Error())}
		}
		return &Reader{format: FormatPcap, src: pr, link: pr.LinkType(), offset: 24}, nil
	default:
		if magic[0] == 0x1f && magic[1] == 0x8b { // gzip: pcapgo reads compressed pcap
			pr, err := pcapgo.NewReader(br)
			if err != nil {
				return nil, &FormatError{Offset: 0, Reason: "gzip-compressed file is not a pcap: " + lowerFirst(err.Error())}
			}
			return &Reader{format: FormatPcap, src: pr, link: pr.LinkType()}, nil
		}
		return nil, &FormatError{Offset: 0, Reason: fmt.Sprintf("unknown magic number %08x (neither pcap nor pcapng)", m)}
	}
}

// Format returns the capture's container format.
func (r *Reader) Format() Format { return r.format }

// Next fills rec with the next frame. It returns io.EOF at the clean end
// of the capture and an error matching ErrTruncatedFile when the file
// ends inside a record. rec.Data is valid until the next call.
func (r *Reader) Next(rec *Record) error {
	data, ci, err := r.src.ZeroCopyReadPacketData()
	if err != nil {
		where := fmt.Sprintf("after record %d", r.count)
		if r.offset > 0 {
			where += fmt.Sprintf(", at byte offset %d", r.offset)
		}
		switch {
		case errors.Is(err, io.EOF):
			return io.EOF
		case errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("%w (%s)", ErrTruncatedFile, where)
		}
		return fmt.Errorf("%w: %s (%s)", ErrDamagedRecord, lowerFirst(err.Error()), where)
	}
	if r.offset > 0 {
		r.offset += 16 + int64(len(data))
	}
	r.count++
	rec.Number = r.count
	rec.Time = ci.Timestamp
	rec.Interface = ci.InterfaceIndex
	rec.Data = data
	rec.CaptureLength = len(data)
	rec.Length = ci.Length
	rec.LinkType = r.link
	if r.ng != nil {
		if len(ci.AncillaryData) > 0 {
			if lt, ok := ci.AncillaryData[0].(layers.LinkType); ok {
				rec.LinkType = lt
			}
		}
	}
	return nil
}

func lowerFirst(s string) string {
	if s != "" && s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}
