package decode_test

import (
	"fmt"
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

func TestParseMPTCPRst(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want decode.MPTCPRst
	}{
		{"T=1 reason 6 (§8.6)", "1e 04 81 06", decode.MPTCPRst{Flags: 0x1, Transient: true, Reason: 6}},
		{"T=0 reason 1", "1e 04 80 01", decode.MPTCPRst{Reason: 1}},
		{"U V W set, T=0", "1e 04 8e 03", decode.MPTCPRst{Flags: 0xe, Reason: 3}},
		{"all flags, unknown reason", "1e 04 8f ff", decode.MPTCPRst{Flags: 0xf, Transient: true, Reason: 0xff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, decode.ParseMPTCPRst, decode.SubtypeMPTCPRst, hx(tc.hex), tc.want)
		})
	}
}

// Every reason code of the digest's §2.9, and unknown codes shown as
// numbers.
func TestMPTCPRstReasons(t *testing.T) {
	for _, tc := range []struct {
		code uint8
		want string
	}{
		{0x00, "unspecified error"},
		{0x01, "MPTCP-specific error"},
		{0x02, "lack of resources"},
		{0x03, "administratively prohibited"},
		{0x04, "too much outstanding data"},
		{0x05, "unacceptable performance"},
		{0x06, "middlebox interference"},
		{0x42, "reason 0x42"},
		{0xff, "reason 0xff"},
	} {
		for _, transient := range []bool{false, true} {
			b := []byte{0x1e, 0x04, 0x80, tc.code}
			if transient {
				b[2] |= 0x01
			}
			t.Run(fmt.Sprintf("%#02x/T=%v", tc.code, transient), func(t *testing.T) {
				want := decode.MPTCPRst{Transient: transient, Reason: decode.TCPRstReason(tc.code)}
				if transient {
					want.Flags = 1
				}
				checkParse(t, decode.ParseMPTCPRst, decode.SubtypeMPTCPRst, b, want)
				if got := want.Reason.String(); got != tc.want {
					t.Errorf("TCPRstReason(%#02x).String() = %q, want %q", tc.code, got, tc.want)
				}
			})
		}
	}
}

func TestParseMPTCPRstBadLength(t *testing.T) {
	for l := 3; l <= 12; l++ {
		if l != 4 {
			checkMalformed(t, decode.ParseMPTCPRst, decode.SubtypeMPTCPRst, withLength(0x81, l, 0x06))
		}
	}
}
