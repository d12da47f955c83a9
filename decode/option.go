package decode

import (
	"errors"
	"fmt"
)

// OptionKindMPTCP is the TCP option kind of every MPTCP signal (RFC 8684 §7.1).
const OptionKindMPTCP = 30

// Subtype is the MPTCP option subtype, the high nibble of the option's third
// byte (RFC 6824 §3, RFC 8684 §3, Figure 3).
type Subtype uint8

// The MPTCP option subtypes.
const (
	SubtypeMPCapable    Subtype = 0x0
	SubtypeMPJoin       Subtype = 0x1
	SubtypeDSS          Subtype = 0x2
	SubtypeAddAddr      Subtype = 0x3
	SubtypeRemoveAddr   Subtype = 0x4
	SubtypeMPPrio       Subtype = 0x5
	SubtypeMPFail       Subtype = 0x6
	SubtypeMPFastClose  Subtype = 0x7
	SubtypeMPTCPRst     Subtype = 0x8
	SubtypeExperimental Subtype = 0xf
	// SubtypeUnknown marks an option too short to carry its subtype.
	SubtypeUnknown Subtype = 0xff
)

var subtypeNames = [...]string{
	SubtypeMPCapable:    "MP_CAPABLE",
	SubtypeMPJoin:       "MP_JOIN",
	SubtypeDSS:          "DSS",
	SubtypeAddAddr:      "ADD_ADDR",
	SubtypeRemoveAddr:   "REMOVE_ADDR",
	SubtypeMPPrio:       "MP_PRIO",
	SubtypeMPFail:       "MP_FAIL",
	SubtypeMPFastClose:  "MP_FASTCLOSE",
	SubtypeMPTCPRst:     "MP_TCPRST",
	SubtypeExperimental: "MP_EXPERIMENTAL",
}

func (s Subtype) String() string {
	if int(s) < len(subtypeNames) && subtypeNames[s] != "" {
		return subtypeNames[s]
	}
	if s == SubtypeUnknown {
		return "MPTCP(?)"
	}
	return fmt.Sprintf("MPTCP(subtype %d)", uint8(s))
}

// Option is one decoded MPTCP option. Subtype says which of the typed
// fields is meaningful; the others are zero. Raw holds the option's bytes
// from its kind byte, as long as its length byte says.
type Option struct {
	Subtype Subtype
	Offset  int    // offset of the kind byte within the TCP options
	Raw     []byte // the whole option, aliasing the frame

	MPCapable    MPCapable
	MPJoin       MPJoin
	DSS          DSS
	AddAddr      AddAddr
	RemoveAddr   RemoveAddr
	MPPrio       MPPrio
	MPFail       MPFail
	MPFastClose  MPFastClose
	MPTCPRst     MPTCPRst
	Experimental Experimental
}

// envelope checks the kind/length/subtype prologue shared by every MPTCP
// option and returns the option's bytes, cut to its length byte. min and
// max bound the lengths the subtype allows (checked again precisely by
// the caller where the set of lengths is not a range).
func envelope(b []byte, st Subtype, min, max int) ([]byte, error) {
	if len(b) < 3 {
		return nil, truncated(st, b, "fewer than 3 bytes")
	}
	if b[0] != OptionKindMPTCP {
		return nil, malformed(st, b, fmt.Sprintf("option kind %d is not %d", b[0], OptionKindMPTCP))
	}
	if got := Subtype(b[2] >> 4); got != st {
		return nil, malformed(st, b, fmt.Sprintf("subtype %d", got))
	}
	l := int(b[1])
	if l < min || l > max {
		return nil, malformed(st, b, fmt.Sprintf("length %d outside %d..%d", l, min, max))
	}
	if len(b) < l {
		return nil, truncated(st, b, fmt.Sprintf("%d of %d bytes", len(b), l))
	}
	return b[:l], nil
}

// parseOption decodes the MPTCP option at the start of b into o.
func parseOption(b []byte, o *Option) (int, error) {
	if len(b) >= 2 && b[1] < 3 { // all its bytes are there: the length is wrong
		return 0, malformed(SubtypeUnknown, b, fmt.Sprintf("length %d leaves no subtype byte", b[1]))
	}
	if len(b) < 3 {
		return 0, truncated(SubtypeUnknown, b, "no subtype byte")
	}
	o.Subtype = Subtype(b[2] >> 4)
	var n int
	var err error
	switch o.Subtype {
	case SubtypeMPCapable:
		o.MPCapable, n, err = ParseMPCapable(b)
	case SubtypeMPJoin:
		o.MPJoin, n, err = ParseMPJoin(b)
	case SubtypeDSS:
		o.DSS, n, err = ParseDSS(b)
	case SubtypeAddAddr:
		o.AddAddr, n, err = ParseAddAddr(b, VersionUnknown)
	case SubtypeRemoveAddr:
		o.RemoveAddr, n, err = ParseRemoveAddr(b)
	case SubtypeMPPrio:
		o.MPPrio, n, err = ParseMPPrio(b)
	case SubtypeMPFail:
		o.MPFail, n, err = ParseMPFail(b)
	case SubtypeMPFastClose:
		o.MPFastClose, n, err = ParseMPFastClose(b)
	case SubtypeMPTCPRst:
		o.MPTCPRst, n, err = ParseMPTCPRst(b)
	case SubtypeExperimental:
		o.Experimental, n, err = ParseExperimental(b)
	default:
		// Unassigned subtypes are kept undecoded (Subtype and Raw only) and
		// skipped by their length, as Linux does.
		n, err = int(b[1]), nil
	}
	if err == nil {
		o.Raw = b[:n]
	}
	return n, err
}

// ParseOptions walks the TCP option bytes opts (the header bytes after the
// fixed 20) and appends every MPTCP option to dst and every MPTCP option
// problem to errs. Options of other kinds are skipped by their length.
// A TCP option list that is itself broken (a length byte < 2 or running
// past the header) ends the walk with one error.
func ParseOptions(opts []byte, dst []Option, errs []OptionError) ([]Option, []OptionError) {
	return parseOptions(opts, dst, errs, false)
}

// parseOptions is ParseOptions for an option area that the snap length
// may have cut (cut): an option running past its end is then truncated,
// not malformed.
func parseOptions(opts []byte, dst []Option, errs []OptionError, cut bool) ([]Option, []OptionError) {
	for i := 0; i < len(opts); {
		kind := opts[i]
		if kind == 0 { // end of option list
			break
		}
		if kind == 1 { // NOP
			i++
			continue
		}
		if i+1 >= len(opts) || opts[i+1] < 2 || i+int(opts[i+1]) > len(opts) {
			// The list is broken here: whatever follows cannot be found,
			// MPTCP options included, so say so whatever the kind.
			reason := fmt.Sprintf("TCP option kind %d: length runs past the TCP header", kind)
			if i+1 < len(opts) && opts[i+1] < 2 {
				reason = fmt.Sprintf("TCP option kind %d: length %d", kind, opts[i+1])
			}
			st := SubtypeUnknown
			if kind == OptionKindMPTCP {
				st = subtypeAt(opts[i:])
			}
			kindErr := ErrMalformed
			if cut {
				kindErr, reason = ErrTruncated, fmt.Sprintf("TCP option kind %d: cut by the snap length", kind)
			}
			errs = append(errs, OptionError{Subtype: st, Offset: i, Length: lengthByte(opts[i:]), Reason: reason, Err: kindErr})
			break
		}
		l := int(opts[i+1])
		if kind == OptionKindMPTCP {
			dst = append(dst, Option{})
			o := &dst[len(dst)-1]
			o.Offset = i
			if _, err := parseOption(opts[i:i+l], o); err != nil {
				var oe *OptionError
				if errors.As(err, &oe) {
					e := *oe
					e.Offset = i
					errs = append(errs, e)
				}
				dst = dst[:len(dst)-1]
			}
		}
		i += l
	}
	return dst, errs
}

func subtypeAt(b []byte) Subtype {
	if len(b) < 3 {
		return SubtypeUnknown
	}
	return Subtype(b[2] >> 4)
}
