package faults

import (
	"encoding/binary"
	"fmt"

	"github.com/gopacket/gopacket/layers"
)

// frame is one captured frame located in the capture's bytes.
type frame struct {
	num  uint64          // from 1, in file order (as capture.Reader numbers them)
	link layers.LinkType // the frame's link type
	off  int             // file offset of the frame's first captured byte
	data []byte          // the captured bytes, aliasing the capture; cap(data) == len(data)
}

// Container formats.
const (
	formatPcap   = "pcap"
	formatPcapng = "pcapng"
)

// pcap magic numbers, read little-endian from the first 4 bytes.
const (
	pcapMagicMicro     = 0xa1b2c3d4 // little-endian file, µs timestamps
	pcapMagicNano      = 0xa1b23c4d // little-endian file, ns timestamps
	pcapMagicMicroSwap = 0xd4c3b2a1 // big-endian file, µs
	pcapMagicNanoSwap  = 0x4d3cb2a1 // big-endian file, ns

	pcapFileHeaderLen   = 24
	pcapRecordHeaderLen = 16
)

// pcapng block types and the section header's byte-order magic.
const (
	pcapngBlockSHB  = 0x0a0d0d0a // section header: the same in both byte orders
	pcapngBlockIDB  = 0x00000001 // interface description
	pcapngBlockPB   = 0x00000002 // packet (obsolete)
	pcapngBlockSPB  = 0x00000003 // simple packet
	pcapngBlockEPB  = 0x00000006 // enhanced packet
	pcapngByteOrder = 0x1a2b3c4d
)

// frames walks the records of a classic pcap or pcapng capture held in b
// and returns where each frame lies. Nothing is copied: every frame's data
// aliases b, so writing into it patches the capture in place.
func frames(b []byte) (string, []frame, error) {
	if len(b) < 4 {
		return "", nil, fmt.Errorf("%w: %d bytes is shorter than a capture header", ErrFormat, len(b))
	}
	switch m := binary.LittleEndian.Uint32(b); m {
	case pcapMagicMicro, pcapMagicNano:
		f, err := pcapFrames(b, binary.LittleEndian)
		return formatPcap, f, err
	case pcapMagicMicroSwap, pcapMagicNanoSwap:
		f, err := pcapFrames(b, binary.BigEndian)
		return formatPcap, f, err
	case pcapngBlockSHB:
		f, err := pcapngFrames(b)
		return formatPcapng, f, err
	default:
		if b[0] == 0x1f && b[1] == 0x8b {
			return "", nil, fmt.Errorf("%w: gzip-compressed capture: decompress it first", ErrFormat)
		}
		return "", nil, fmt.Errorf("%w: unknown magic number %08x (neither pcap nor pcapng)", ErrFormat, m)
	}
}

// pcapFrames walks a classic pcap file: a 24-byte file header, then
// records of a 16-byte header (seconds, fraction, captured length, wire
// length) and the captured bytes. The timestamp resolution does not
// matter here: only the lengths are read.
func pcapFrames(b []byte, bo binary.ByteOrder) ([]frame, error) {
	if len(b) < pcapFileHeaderLen {
		return nil, fmt.Errorf("%w: %d bytes is shorter than the pcap file header", ErrFormat, len(b))
	}
	// The link type is the low 16 bits; the bits above may carry the FCS
	// length (draft-ietf-opsawg-pcap, "LinkType and additional information").
	link := layers.LinkType(bo.Uint32(b[20:]) & 0xffff)
	var out []frame
	for off := pcapFileHeaderLen; off < len(b); {
		if len(b)-off < pcapRecordHeaderLen {
			return nil, fmt.Errorf("%w: record %d header cut at byte offset %d", ErrFormat, len(out)+1, off)
		}
		caplen := int(bo.Uint32(b[off+8:]))
		start := off + pcapRecordHeaderLen
		if caplen < 0 || caplen > len(b)-start {
			return nil, fmt.Errorf("%w: record %d claims %d captured bytes at byte offset %d, %d left",
				ErrFormat, len(out)+1, caplen, off, len(b)-start)
		}
		out = append(out, frame{num: uint64(len(out) + 1), link: link, off: start, data: b[start : start+caplen : start+caplen]})
		off = start + caplen
	}
	return out, nil
}

// pcapngFrames walks a pcapng file block by block. Section headers set the
// byte order and reset the interface list; interface descriptions give
// each interface's link type and snap length; enhanced, simple and
// (obsolete) packet blocks are frames, numbered in file order as gopacket's
// NgReader returns them. Other blocks are skipped.
func pcapngFrames(b []byte) ([]frame, error) {
	type iface struct {
		link    layers.LinkType
		snaplen uint32
	}
	var (
		bo     binary.ByteOrder = binary.LittleEndian
		ifaces []iface
		out    []frame
	)
	for off := 0; off < len(b); {
		if len(b)-off < 12 {
			return nil, fmt.Errorf("%w: pcapng block cut at byte offset %d", ErrFormat, off)
		}
		typ := bo.Uint32(b[off:])
		if binary.LittleEndian.Uint32(b[off:]) == pcapngBlockSHB { // palindromic: same in both orders
			switch {
			case binary.LittleEndian.Uint32(b[off+8:]) == pcapngByteOrder:
				bo = binary.LittleEndian
			case binary.BigEndian.Uint32(b[off+8:]) == pcapngByteOrder:
				bo = binary.BigEndian
			default:
				return nil, fmt.Errorf("%w: pcapng section header at byte offset %d has no byte-order magic", ErrFormat, off)
			}
			typ = pcapngBlockSHB
			ifaces = ifaces[:0]
		}
		blen := int(bo.Uint32(b[off+4:]))
		if blen < 12 || blen%4 != 0 || blen > len(b)-off {
			return nil, fmt.Errorf("%w: pcapng block of type %#x at byte offset %d has length %d (%d bytes left)",
				ErrFormat, typ, off, blen, len(b)-off)
		}
		if trail := int(bo.Uint32(b[off+blen-4:])); trail != blen {
			return nil, fmt.Errorf("%w: pcapng block at byte offset %d: leading length %d, trailing length %d", ErrFormat, off, blen, trail)
		}
		body := b[off+8 : off+blen-4]
		addFrame := func(ifc int, dataOff, caplen int) error {
			if ifc >= len(ifaces) {
				return fmt.Errorf("%w: pcapng packet at byte offset %d names interface %d of %d", ErrFormat, off, ifc, len(ifaces))
			}
			if caplen < 0 || dataOff+caplen > len(body) {
				return fmt.Errorf("%w: pcapng packet at byte offset %d claims %d captured bytes, block holds %d",
					ErrFormat, off, caplen, len(body)-dataOff)
			}
			start := off + 8 + dataOff
			out = append(out, frame{num: uint64(len(out) + 1), link: ifaces[ifc].link, off: start, data: b[start : start+caplen : start+caplen]})
			return nil
		}
		var err error
		switch typ {
		case pcapngBlockIDB:
			if len(body) < 8 {
				return nil, fmt.Errorf("%w: pcapng interface description at byte offset %d is %d bytes", ErrFormat, off, blen)
			}
			ifaces = append(ifaces, iface{link: layers.LinkType(bo.Uint16(body)), snaplen: bo.Uint32(body[4:])})
		case pcapngBlockEPB, pcapngBlockPB:
			if len(body) < 20 {
				return nil, fmt.Errorf("%w: pcapng packet block at byte offset %d is %d bytes", ErrFormat, off, blen)
			}
			ifc := int(bo.Uint32(body))
			if typ == pcapngBlockPB {
				ifc = int(bo.Uint16(body))
			}
			err = addFrame(ifc, 20, int(bo.Uint32(body[12:])))
		case pcapngBlockSPB:
			if len(body) < 4 {
				return nil, fmt.Errorf("%w: pcapng simple packet block at byte offset %d is %d bytes", ErrFormat, off, blen)
			}
			caplen := int(bo.Uint32(body))
			if len(ifaces) > 0 && ifaces[0].snaplen != 0 && caplen > int(ifaces[0].snaplen) {
				caplen = int(ifaces[0].snaplen)
			}
			caplen = min(caplen, len(body)-4)
			err = addFrame(0, 4, caplen)
		}
		if err != nil {
			return nil, err
		}
		off += blen
	}
	return out, nil
}
