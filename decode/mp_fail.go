package decode

import "encoding/binary"

// MPFail is an MP_FAIL option: the 64-bit DSN of the start of the mapping
// whose checksum failed (RFC 8684 §3.7).
type MPFail struct {
	DSN uint64
}

// ParseMPFail decodes an MP_FAIL option starting at its kind byte.
func ParseMPFail(b []byte) (MPFail, int, error) {
	o, err := envelope(b, SubtypeMPFail, 12, 12)
	if err != nil {
		return MPFail{}, 0, err
	}
	return MPFail{DSN: binary.BigEndian.Uint64(o[4:])}, len(o), nil
}
