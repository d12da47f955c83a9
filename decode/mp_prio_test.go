package decode_test

import (
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

func TestParseMPPrio(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want decode.MPPrio
	}{
		{"v1 B=1 (§8.6)", "1e 03 51", decode.MPPrio{Backup: true}},
		{"v1 B=0", "1e 03 50", decode.MPPrio{}},
		{"v1 B=0, reserved bits set", "1e 03 5e", decode.MPPrio{}},
		{"v0 B=1 AddrID 7 (§8.6)", "1e 04 51 07", decode.MPPrio{Backup: true, AddrID: 7, HasAddrID: true}},
		{"v0 B=0 AddrID 0", "1e 04 50 00", decode.MPPrio{HasAddrID: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, decode.ParseMPPrio, decode.SubtypeMPPrio, hx(tc.hex), tc.want)
		})
	}
}

func TestParseMPPrioBadLength(t *testing.T) {
	checkMalformed(t, decode.ParseMPPrio, decode.SubtypeMPPrio, hx("1e 02 51"))
	for l := 5; l <= 12; l++ {
		checkMalformed(t, decode.ParseMPPrio, decode.SubtypeMPPrio, withLength(0x51, l, 0x07))
	}
}
