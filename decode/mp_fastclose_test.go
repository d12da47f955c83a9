package decode_test

import (
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

func TestParseMPFastClose(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want decode.MPFastClose
	}{
		// A closes: the option carries the receiver's (B's) key.
		{"to B (§8.6)", "1e 0c 70 00 7e 5d 3c 2b 1a 09 8f 6e", decode.MPFastClose{ReceiverKey: keyB}},
		{"to A, reserved bits set", "1e 0c 7f ff 1b 6f a8 c4 d2 e3 f5 09", decode.MPFastClose{ReceiverKey: keyA}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, decode.ParseMPFastClose, decode.SubtypeMPFastClose, hx(tc.hex), tc.want)
		})
	}
}

func TestParseMPFastCloseBadLength(t *testing.T) {
	for l := 3; l <= 24; l++ {
		if l != 12 {
			checkMalformed(t, decode.ParseMPFastClose, decode.SubtypeMPFastClose, withLength(0x70, l))
		}
	}
}
