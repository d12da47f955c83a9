package decode

import (
	"encoding/binary"
	"fmt"
)

// JoinForm tells the three MP_JOIN layouts apart; the length decides.
type JoinForm uint8

// The MP_JOIN forms (RFC 8684 §3.2, Figures 5–7).
const (
	JoinSYN    JoinForm = iota + 1 // length 12: token and nonce
	JoinSYNACK                     // length 16: truncated HMAC and nonce
	JoinACK                        // length 24: 160-bit HMAC
)

func (f JoinForm) String() string {
	switch f {
	case JoinSYN:
		return "SYN"
	case JoinSYNACK:
		return "SYN/ACK"
	case JoinACK:
		return "ACK"
	}
	return "?"
}

// MPJoin is an MP_JOIN option.
type MPJoin struct {
	Form          JoinForm
	Backup        bool   // B, SYN and SYN/ACK
	AddrID        uint8  // SYN and SYN/ACK
	Token         uint32 // SYN: the receiver's token
	Nonce         uint32 // SYN and SYN/ACK: the sender's random number
	TruncatedHMAC uint64 // SYN/ACK: leftmost 64 bits of the sender's HMAC
	HMAC          [20]byte
}

// ParseMPJoin decodes an MP_JOIN option starting at its kind byte.
func ParseMPJoin(b []byte) (MPJoin, int, error) {
	o, err := envelope(b, SubtypeMPJoin, 12, 24)
	if err != nil {
		return MPJoin{}, 0, err
	}
	var j MPJoin
	switch len(o) {
	case 12:
		j = MPJoin{Form: JoinSYN, Backup: o[2]&1 != 0, AddrID: o[3],
			Token: binary.BigEndian.Uint32(o[4:]), Nonce: binary.BigEndian.Uint32(o[8:])}
	case 16:
		j = MPJoin{Form: JoinSYNACK, Backup: o[2]&1 != 0, AddrID: o[3],
			TruncatedHMAC: binary.BigEndian.Uint64(o[4:]), Nonce: binary.BigEndian.Uint32(o[12:])}
	case 24:
		j = MPJoin{Form: JoinACK}
		copy(j.HMAC[:], o[4:24])
	default:
		return MPJoin{}, 0, malformed(SubtypeMPJoin, b, fmt.Sprintf("length %d is none of 12, 16, 24", len(o)))
	}
	return j, len(o), nil
}
