package decode

import (
	"errors"
	"fmt"
)

var (
	// ErrTruncated means bytes the structure needs were not captured: the
	// frame was cut by a snap length, or a parser was given a prefix.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed means the bytes are present but do not form a valid
	// structure, for example an option length impossible for its subtype.
	ErrMalformed = errors.New("malformed")
	// ErrNotTCP is returned by Decode for frames that carry no TCP segment
	// (other protocols, and IP fragments: mptcpdump does not reassemble IP).
	ErrNotTCP = errors.New("not a tcp segment")
	// ErrUnsupportedLink is returned by Decode for link types it cannot read.
	ErrUnsupportedLink = errors.New("unsupported link type")
)

// OptionError describes one MPTCP option that could not be decoded. It
// wraps ErrTruncated or ErrMalformed.
type OptionError struct {
	Subtype Subtype // SubtypeUnknown when the subtype byte itself is missing
	Offset  int     // byte offset of the option's kind byte in the TCP options
	Length  int     // the option's length byte, or 0 when absent
	Reason  string  // what was wrong, for people
	Err     error   // ErrTruncated or ErrMalformed
}

func (e *OptionError) Error() string {
	return fmt.Sprintf("mptcp option %s at offset %d (length %d): %s: %s", e.Subtype, e.Offset, e.Length, e.Err, e.Reason)
}

func (e *OptionError) Unwrap() error { return e.Err }

func truncated(st Subtype, b []byte, reason string) error {
	return &OptionError{Subtype: st, Length: lengthByte(b), Reason: reason, Err: ErrTruncated}
}

func malformed(st Subtype, b []byte, reason string) error {
	return &OptionError{Subtype: st, Length: lengthByte(b), Reason: reason, Err: ErrMalformed}
}

func lengthByte(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	return int(b[1])
}
