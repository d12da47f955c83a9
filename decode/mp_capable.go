package decode

import (
	"encoding/binary"
	"fmt"
)

// MP_CAPABLE flag bits (RFC 8684 §3.1; RFC 6824 §3.1).
const (
	CapableFlagChecksum  = 0x80 // A: checksum required
	CapableFlagExtension = 0x40 // B: extensibility, must be 0
	CapableFlagNoJoinID0 = 0x20 // C (v1): no extra subflows to this source address
	CapableFlagHMACSHA   = 0x01 // H: HMAC-SHA1 (v0) or HMAC-SHA256 (v1)
)

// MPCapable is an MP_CAPABLE option. Which fields are present depends on
// the length: 4 (v1 SYN, no key), 12 (sender's key: v0 SYN, SYN/ACK), 20
// (both keys: third ACK), 22 and 24 (v1 ACK with data: both keys and the
// data-level length, then a DSS checksum when negotiated).
type MPCapable struct {
	Version uint8 // low nibble of byte 2
	Flags   uint8
	Length  int

	SenderKey, ReceiverKey       uint64
	HasSenderKey, HasReceiverKey bool

	DataLen     uint16 // data-level length of the v1 ACK with data
	HasDataLen  bool
	Checksum    uint16
	HasChecksum bool
}

// ChecksumRequired reports flag A.
func (m MPCapable) ChecksumRequired() bool { return m.Flags&CapableFlagChecksum != 0 }

// ParseMPCapable decodes an MP_CAPABLE option starting at its kind byte.
func ParseMPCapable(b []byte) (MPCapable, int, error) {
	o, err := envelope(b, SubtypeMPCapable, 4, 24)
	if err != nil {
		return MPCapable{}, 0, err
	}
	m := MPCapable{Version: o[2] & 0x0f, Flags: o[3], Length: len(o)}
	switch len(o) {
	case 4:
	case 12:
		m.SenderKey, m.HasSenderKey = binary.BigEndian.Uint64(o[4:]), true
	case 20, 22, 24:
		m.SenderKey, m.HasSenderKey = binary.BigEndian.Uint64(o[4:]), true
		m.ReceiverKey, m.HasReceiverKey = binary.BigEndian.Uint64(o[12:]), true
		if len(o) >= 22 {
			m.DataLen, m.HasDataLen = binary.BigEndian.Uint16(o[20:]), true
		}
		if len(o) == 24 {
			m.Checksum, m.HasChecksum = binary.BigEndian.Uint16(o[22:]), true
		}
	default:
		return MPCapable{}, 0, malformed(SubtypeMPCapable, b, fmt.Sprintf("length %d is none of 4, 12, 20, 22, 24", len(o)))
	}
	return m, len(o), nil
}
