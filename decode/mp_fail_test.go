package decode_test

import (
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

func TestParseMPFail(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want decode.MPFail
	}{
		// The DSN of A's first data, IDSN-A + 1 (§8.1).
		{"DSN IDSN-A + 1 (§8.6)", "1e 0c 60 00 9d ad cf 96 9a 3e 0f 9b", decode.MPFail{DSN: 0x9dadcf969a3e0f9b}},
		{"reserved bits set, DSN all ones", "1e 0c 6f ff ff ff ff ff ff ff ff ff", decode.MPFail{DSN: 0xffffffffffffffff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, decode.ParseMPFail, decode.SubtypeMPFail, hx(tc.hex), tc.want)
		})
	}
}

func TestParseMPFailBadLength(t *testing.T) {
	for l := 3; l <= 24; l++ {
		if l != 12 {
			checkMalformed(t, decode.ParseMPFail, decode.SubtypeMPFail, withLength(0x60, l))
		}
	}
	// The named case: one byte short of the 64-bit DSN, with all 11 present.
	checkMalformed(t, decode.ParseMPFail, decode.SubtypeMPFail, hx("1e 0b 60 00 9d ad cf 96 9a 3e 0f"))
}
