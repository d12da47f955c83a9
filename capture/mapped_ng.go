package capture

import (
	"bytes"
	"encoding/binary"
	"os"
)

// pcapng block types and the offset of a packet's bytes in each packet
// block (RFC draft-ietf-opsawg-pcapng §4).
const (
	ngSectionHeader  = 0x0A0D0D0A
	ngByteOrderMagic = 0x1A2B3C4D
	ngPacket         = 2 // obsolete Packet Block: data at 28
	ngSimplePacket   = 3 // data at 12
	ngEnhancedPacket = 6 // data at 28
)

// mapPcapng maps f if it is a regular, uncompressed pcapng file whose
// section header pcapgo accepts; ok is false otherwise.
func mapPcapng(f *os.File) (*mappedNg, bool) {
	accept := func(hdr []byte) bool { return binary.LittleEndian.Uint32(hdr) == ngSectionHeader }
	return mapFile(f, 12, accept, newMappedNg)
}

// newMappedNg opens the pcapng file held in data; ok is false unless Open
// reads it as pcapng.
func newMappedNg(data []byte) (*mappedNg, bool) {
	m := &mappedNg{mapping: mapping{data: data, page: os.Getpagesize()}}
	m.src = bytes.NewReader(data)
	r, err := openBuffered(m.src, ngBuffer)
	if err != nil || r.Format() != FormatPcapng {
		return nil, false
	}
	m.r = r
	return m, true
}

// mappedNg reads a pcapng file held in a mapping. pcapgo parses it, as
// Open's reader does (every block, option, timestamp resolution and
// error), and each packet it returns is then found in the mapping by a
// walk over the block headers kept in step with it, and checked against
// pcapgo's copy byte for byte: records' Data are slices of the mapping,
// valid until it is closed. Should the walk lose step (a section pcapgo
// skips, a block it does not count as a packet), records are copied from
// then on: the same records, still valid until Close.
type mappedNg struct {
	mapping
	r    *Reader
	src  *bytes.Reader // the mapping, as pcapgo reads it
	walk int           // offset of the next block the walk looks at
	big  bool          // the walk's section is big-endian
	lost bool          // the walk lost step
}

func (m *mappedNg) Format() Format { return FormatPcapng }

// Next fills rec with the next frame, with the records and errors of
// Open's reader.
func (m *mappedNg) Next(rec *Record) error {
	if err := m.r.Next(rec); err != nil {
		return err
	}
	if off, ok := m.locate(rec.Data); ok {
		n := len(rec.Data)
		rec.Data = m.data[off : off+n : off+n]
	} else {
		rec.Data = bytes.Clone(rec.Data)
	}
	return nil
}

// locate walks to the next packet block and returns the offset of its
// bytes if they are want.
func (m *mappedNg) locate(want []byte) (int, bool) {
	for !m.lost {
		start := m.walk
		if start+12 > len(m.data) {
			break
		}
		typ := m.u32(start)
		if binary.LittleEndian.Uint32(m.data[start:]) == ngSectionHeader {
			switch {
			case binary.LittleEndian.Uint32(m.data[start+8:]) == ngByteOrderMagic:
				m.big = false
			case binary.BigEndian.Uint32(m.data[start+8:]) == ngByteOrderMagic:
				m.big = true
			default:
				m.lost = true
				continue
			}
			typ = ngSectionHeader
		}
		n := int(m.u32(start + 4))
		if n < 12 || n%4 != 0 || n > len(m.data)-start {
			break
		}
		m.walk = start + n
		var at int
		switch typ {
		case ngEnhancedPacket, ngPacket:
			at = start + 28
		case ngSimplePacket:
			at = start + 12
		default:
			continue
		}
		if at+len(want) <= start+n && bytes.Equal(m.data[at:at+len(want)], want) {
			return at, true
		}
		break
	}
	m.lost = true
	return 0, false
}

func (m *mappedNg) u32(off int) uint32 {
	if m.big {
		return binary.BigEndian.Uint32(m.data[off:])
	}
	return binary.LittleEndian.Uint32(m.data[off:])
}

// mark returns an offset at or below everything not yet parsed: what
// pcapgo and Open's buffers have read, less what they may hold.
func (m *mappedNg) mark() int {
	read := int(m.src.Size()) - m.src.Len()
	return max(0, read-ngBuffer-ngReadAhead)
}

// ngBuffer is the buffer between the mapping and pcapgo (which reads
// through a bufio of its own, of ngReadAhead bytes): the mapping is in
// memory already, so it need not be large.
const (
	ngBuffer    = 64 << 10
	ngReadAhead = 4096
)
