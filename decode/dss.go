package decode

import (
	"encoding/binary"
	"fmt"
)

// DSS flag bits (RFC 8684 §3.3, Figure 9).
const (
	DSSFlagDataFIN   = 0x10 // F
	DSSFlagDSN64     = 0x08 // m
	DSSFlagMapping   = 0x04 // M
	DSSFlagDataACK64 = 0x02 // a
	DSSFlagDataACK   = 0x01 // A
)

// DSS is a Data Sequence Signal option: an optional Data ACK and an
// optional mapping of subflow bytes to data sequence numbers. 32-bit
// values are stored as received; widen them with seqnum.Expand.
type DSS struct {
	Flags uint8

	HasDataACK bool
	DataACK64  bool
	DataACK    uint64

	HasMapping  bool
	DSN64       bool
	DSN         uint64
	SSN         uint32 // relative subflow sequence number
	DataLen     uint16 // data-level length, DATA_FIN included; 0 is the infinite mapping
	HasChecksum bool
	Checksum    uint16

	DataFIN bool // F
}

// DSSLength returns the length of a DSS option with these flags, without
// and with the optional checksum.
func DSSLength(flags uint8) (plain, withChecksum int) {
	n := 4
	if flags&DSSFlagDataACK != 0 {
		n += 4
		if flags&DSSFlagDataACK64 != 0 {
			n += 4
		}
	}
	if flags&DSSFlagMapping == 0 {
		return n, n
	}
	n += 4 + 4 + 2
	if flags&DSSFlagDSN64 != 0 {
		n += 4
	}
	return n, n + 2
}

// ParseDSS decodes a DSS option starting at its kind byte. The flags decide
// the layout; the length must match it, with or without the checksum.
func ParseDSS(b []byte) (DSS, int, error) {
	o, err := envelope(b, SubtypeDSS, 4, 28)
	if err != nil {
		return DSS{}, 0, err
	}
	flags := o[3]
	plain, withSum := DSSLength(flags)
	if len(o) != plain && len(o) != withSum {
		return DSS{}, 0, malformed(SubtypeDSS, b, fmt.Sprintf("length %d does not fit flags %#02x (want %d or %d)", len(o), flags, plain, withSum))
	}
	d := DSS{Flags: flags, DataFIN: flags&DSSFlagDataFIN != 0}
	p := 4
	if flags&DSSFlagDataACK != 0 {
		d.HasDataACK = true
		if flags&DSSFlagDataACK64 != 0 {
			d.DataACK64, d.DataACK = true, binary.BigEndian.Uint64(o[p:])
			p += 8
		} else {
			d.DataACK = uint64(binary.BigEndian.Uint32(o[p:]))
			p += 4
		}
	}
	if flags&DSSFlagMapping != 0 {
		d.HasMapping = true
		if flags&DSSFlagDSN64 != 0 {
			d.DSN64, d.DSN = true, binary.BigEndian.Uint64(o[p:])
			p += 8
		} else {
			d.DSN = uint64(binary.BigEndian.Uint32(o[p:]))
			p += 4
		}
		d.SSN = binary.BigEndian.Uint32(o[p:])
		d.DataLen = binary.BigEndian.Uint16(o[p+4:])
		p += 6
		if len(o) == withSum {
			d.HasChecksum, d.Checksum = true, binary.BigEndian.Uint16(o[p:])
		}
	}
	return d, len(o), nil
}
