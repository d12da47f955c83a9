package decode_test

import (
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

// The keys of the digest's §8: Key-A is the initiator's, Key-B the
// listener's.
const (
	keyA = 0x1b6fa8c4d2e3f509
	keyB = 0x7e5d3c2b1a098f6e
)

// hx decodes hex written as in the digest's §8.6: bytes separated by
// spaces (any whitespace is ignored). It panics on bad input, which is
// always a mistake in the test itself.
func hx(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// parseFunc is the shape of every ParseX function of the package.
type parseFunc[T any] func([]byte) (T, int, error)

// checkParse decodes b, the complete encoding of one option, and checks the
// result against want, that n equals the option length, that trailing bytes
// (the next option) are not consumed, and that every strictly shorter
// prefix is reported as truncated.
func checkParse[T any](t *testing.T, parse parseFunc[T], st decode.Subtype, b []byte, want T) {
	t.Helper()
	if len(b) < 2 || int(b[1]) != len(b) {
		t.Fatalf("test bug: encoding %x has length byte ≠ %d", b, len(b))
	}
	got, n, err := parse(b)
	if err != nil {
		t.Fatalf("parse(%x): %v", b, err)
	}
	if n != len(b) {
		t.Errorf("parse(%x) consumed %d bytes, want %d", b, n, len(b))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parse(%x)\n got %+v\nwant %+v", b, got, want)
	}

	// The option followed by more options: only its own bytes count.
	more := append(append([]byte{}, b...), 0x01, 0x01, 0x1e, 0x08, 0x20, 0x01, 0xaa, 0xbb, 0xcc, 0xdd)
	got2, n2, err := parse(more)
	if err != nil || n2 != len(b) {
		t.Errorf("parse(%x + next option) = n %d, err %v; want n %d, no error", b, n2, err, len(b))
	} else if !reflect.DeepEqual(got2, want) {
		t.Errorf("parse(%x + next option)\n got %+v\nwant %+v", b, got2, want)
	}

	checkTruncatedPrefixes(t, parse, st, b)
}

// checkTruncatedPrefixes asserts that every strictly shorter prefix of the
// valid encoding b is reported as ErrTruncated (and not ErrMalformed) in an
// *OptionError of subtype st, with n = 0 and a zero value.
func checkTruncatedPrefixes[T any](t *testing.T, parse parseFunc[T], st decode.Subtype, b []byte) {
	t.Helper()
	var zero T
	for i := 0; i < len(b); i++ {
		// A copy with no spare capacity: reslicing past the prefix (b[:l]
		// with l > len(b)) panics instead of reading the bytes after it.
		p := append([]byte(nil), b[:i]...)
		v, n, err := parse(p[:i:i])
		if !errors.Is(err, decode.ErrTruncated) {
			t.Errorf("parse(%x) (prefix %d of %d): err = %v, want ErrTruncated", p, i, len(b), err)
			continue
		}
		if errors.Is(err, decode.ErrMalformed) {
			t.Errorf("parse(%x): err %v is both truncated and malformed", p, err)
		}
		var oe *decode.OptionError
		if !errors.As(err, &oe) {
			t.Errorf("parse(%x): err %T is not an *OptionError", p, err)
		} else if oe.Subtype != st {
			t.Errorf("parse(%x): OptionError.Subtype = %v, want %v", p, oe.Subtype, st)
		}
		if n != 0 {
			t.Errorf("parse(%x) consumed %d bytes on error", p, n)
		}
		if !reflect.DeepEqual(v, zero) {
			t.Errorf("parse(%x) returned %+v with an error", p, v)
		}
	}
}

// checkMalformed asserts that b is rejected as ErrMalformed (not
// ErrTruncated) in an *OptionError of subtype st whose Length is b[1].
func checkMalformed[T any](t *testing.T, parse parseFunc[T], st decode.Subtype, b []byte) {
	t.Helper()
	var zero T
	v, n, err := parse(b)
	if !errors.Is(err, decode.ErrMalformed) {
		t.Errorf("parse(%x): err = %v, want ErrMalformed", b, err)
		return
	}
	if errors.Is(err, decode.ErrTruncated) {
		t.Errorf("parse(%x): err %v is both truncated and malformed", b, err)
	}
	var oe *decode.OptionError
	if !errors.As(err, &oe) {
		t.Fatalf("parse(%x): err %T is not an *OptionError", b, err)
	}
	if oe.Subtype != st {
		t.Errorf("parse(%x): OptionError.Subtype = %v, want %v", b, oe.Subtype, st)
	}
	if len(b) >= 2 && oe.Length != int(b[1]) {
		t.Errorf("parse(%x): OptionError.Length = %d, want %d", b, oe.Length, b[1])
	}
	if oe.Reason == "" || !strings.Contains(err.Error(), oe.Reason) {
		t.Errorf("parse(%x): error %q lacks a reason", b, err)
	}
	if n != 0 || !reflect.DeepEqual(v, zero) {
		t.Errorf("parse(%x) = %+v, %d with an error", b, v, n)
	}
}

// withLength returns an option of subtype byte sub (byte 2) and flags byte
// (byte 3) whose length byte and actual length are both l, the rest filled
// with a recognisable pattern.
func withLength(sub byte, l int, fill ...byte) []byte {
	b := make([]byte, l)
	for i := range b {
		b[i] = byte(0xa0 + i)
	}
	b[0] = decode.OptionKindMPTCP
	if l > 1 {
		b[1] = byte(l)
	}
	if l > 2 {
		b[2] = sub
	}
	copy(b[min(3, l):], fill)
	return b
}

// TestEnvelope checks the prologue every ParseX shares: the kind byte and
// the subtype nibble must match, whatever the length.
func TestEnvelope(t *testing.T) {
	dss := hx("1e 08 20 01 5a a0 b3 e7")
	// Wrong kind.
	bad := append([]byte{}, dss...)
	bad[0] = 31
	checkMalformed(t, decode.ParseDSS, decode.SubtypeDSS, bad)
	// A valid MP_PRIO handed to the DSS parser, and vice versa.
	checkMalformed(t, decode.ParseDSS, decode.SubtypeDSS, hx("1e 04 51 07"))
	checkMalformed(t, decode.ParseMPPrio, decode.SubtypeMPPrio, dss)
	checkMalformed(t, decode.ParseMPCapable, decode.SubtypeMPCapable, dss)
	// The wrong kind wins over a short buffer as soon as 3 bytes are there.
	checkMalformed(t, decode.ParseMPFail, decode.SubtypeMPFail, []byte{0x1f, 0x0c, 0x60})
}

func TestOptionErrorMessage(t *testing.T) {
	_, _, err := decode.ParseMPJoin(withLength(0x10, 13))
	var oe *decode.OptionError
	if !errors.As(err, &oe) {
		t.Fatalf("err %v is not an *OptionError", err)
	}
	want := "mptcp option MP_JOIN at offset 0 (length 13): malformed: "
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Error() = %q, want prefix %q", err, want)
	}
	if oe.Unwrap() != decode.ErrMalformed {
		t.Errorf("Unwrap() = %v, want ErrMalformed", oe.Unwrap())
	}
}

func TestSubtypeString(t *testing.T) {
	for st, want := range map[decode.Subtype]string{
		decode.SubtypeMPCapable:    "MP_CAPABLE",
		decode.SubtypeMPJoin:       "MP_JOIN",
		decode.SubtypeDSS:          "DSS",
		decode.SubtypeAddAddr:      "ADD_ADDR",
		decode.SubtypeRemoveAddr:   "REMOVE_ADDR",
		decode.SubtypeMPPrio:       "MP_PRIO",
		decode.SubtypeMPFail:       "MP_FAIL",
		decode.SubtypeMPFastClose:  "MP_FASTCLOSE",
		decode.SubtypeMPTCPRst:     "MP_TCPRST",
		decode.SubtypeExperimental: "MP_EXPERIMENTAL",
		decode.SubtypeUnknown:      "MPTCP(?)",
		9:                          "MPTCP(subtype 9)",
		0xe:                        "MPTCP(subtype 14)",
	} {
		if got := st.String(); got != want {
			t.Errorf("Subtype(%d).String() = %q, want %q", uint8(st), got, want)
		}
	}
}

// reparse checks that o's typed value is what its subtype's ParseX gives
// for o.Raw, consuming all of Raw, and that every other typed field is
// zero.
func reparse(o decode.Option) error {
	var got, want any
	var n int
	var err error
	rest := o
	rest.Subtype, rest.Offset, rest.Raw = 0, 0, nil
	switch o.Subtype {
	case decode.SubtypeMPCapable:
		want, rest.MPCapable = o.MPCapable, decode.MPCapable{}
		got, n, err = unpack(decode.ParseMPCapable(o.Raw))
	case decode.SubtypeMPJoin:
		want, rest.MPJoin = o.MPJoin, decode.MPJoin{}
		got, n, err = unpack(decode.ParseMPJoin(o.Raw))
	case decode.SubtypeDSS:
		want, rest.DSS = o.DSS, decode.DSS{}
		got, n, err = unpack(decode.ParseDSS(o.Raw))
	case decode.SubtypeAddAddr:
		want, rest.AddAddr = o.AddAddr, decode.AddAddr{}
		got, n, err = unpack(decode.ParseAddAddr(o.Raw, decode.VersionUnknown))
	case decode.SubtypeRemoveAddr:
		want, rest.RemoveAddr = o.RemoveAddr, decode.RemoveAddr{}
		got, n, err = unpack(decode.ParseRemoveAddr(o.Raw))
	case decode.SubtypeMPPrio:
		want, rest.MPPrio = o.MPPrio, decode.MPPrio{}
		got, n, err = unpack(decode.ParseMPPrio(o.Raw))
	case decode.SubtypeMPFail:
		want, rest.MPFail = o.MPFail, decode.MPFail{}
		got, n, err = unpack(decode.ParseMPFail(o.Raw))
	case decode.SubtypeMPFastClose:
		want, rest.MPFastClose = o.MPFastClose, decode.MPFastClose{}
		got, n, err = unpack(decode.ParseMPFastClose(o.Raw))
	case decode.SubtypeMPTCPRst:
		want, rest.MPTCPRst = o.MPTCPRst, decode.MPTCPRst{}
		got, n, err = unpack(decode.ParseMPTCPRst(o.Raw))
	case decode.SubtypeExperimental:
		want, rest.Experimental = o.Experimental, decode.Experimental{}
		got, n, err = unpack(decode.ParseExperimental(o.Raw))
	default: // unassigned subtype: no typed value at all
		n = len(o.Raw)
	}
	switch {
	case err != nil:
		return fmt.Errorf("%v: re-parsing Raw %x: %v", o.Subtype, o.Raw, err)
	case n != len(o.Raw):
		return fmt.Errorf("%v: re-parsing Raw %x consumed %d bytes", o.Subtype, o.Raw, n)
	case !reflect.DeepEqual(got, want):
		return fmt.Errorf("%v: Raw %x re-parses to %+v, option has %+v", o.Subtype, o.Raw, got, want)
	case !reflect.DeepEqual(rest, decode.Option{}):
		return fmt.Errorf("%v: fields of other subtypes are set: %+v", o.Subtype, rest)
	}
	return nil
}

func unpack[T any](v T, n int, err error) (any, int, error) { return v, n, err }
