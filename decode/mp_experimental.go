package decode

// Experimental is an option of subtype 0xf, reserved for private use
// (MP_EXPERIMENTAL in RFC 8684 §3, Figure 3). Its content is undefined, so
// only the bytes after the subtype nibble are kept.
type Experimental struct {
	Data []byte // from byte 2 (subtype nibble included) to the end; aliases the frame
}

// ParseExperimental decodes an MP_EXPERIMENTAL option starting at its kind byte.
func ParseExperimental(b []byte) (Experimental, int, error) {
	o, err := envelope(b, SubtypeExperimental, 3, 255)
	if err != nil {
		return Experimental{}, 0, err
	}
	return Experimental{Data: o[2:]}, len(o), nil
}
