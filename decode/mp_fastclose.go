package decode

import "encoding/binary"

// MPFastClose is an MP_FASTCLOSE option: the connection-level abort, which
// carries the key of the option's receiver (RFC 8684 §3.5).
type MPFastClose struct {
	ReceiverKey uint64
}

// ParseMPFastClose decodes an MP_FASTCLOSE option starting at its kind byte.
func ParseMPFastClose(b []byte) (MPFastClose, int, error) {
	o, err := envelope(b, SubtypeMPFastClose, 12, 12)
	if err != nil {
		return MPFastClose{}, 0, err
	}
	return MPFastClose{ReceiverKey: binary.BigEndian.Uint64(o[4:])}, len(o), nil
}
