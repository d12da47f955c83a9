package decode_test

import (
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

func TestParseExperimental(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want decode.Experimental
	}{
		{"shortest, length 3", "1e 03 f0", decode.Experimental{Data: []byte{0xf0}}},
		{"with data", "1e 06 f1 aa bb cc", decode.Experimental{Data: []byte{0xf1, 0xaa, 0xbb, 0xcc}}},
		{"length 40", "1e 28 f0 00" + repeatHex("5a", 36), decode.Experimental{Data: append([]byte{0xf0, 0x00}, repeat(0x5a, 36)...)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, decode.ParseExperimental, decode.SubtypeExperimental, hx(tc.hex), tc.want)
		})
	}
}

func repeat(b byte, n int) []byte {
	s := make([]byte, n)
	for i := range s {
		s[i] = b
	}
	return s
}

func repeatHex(h string, n int) string {
	s := ""
	for range n {
		s += " " + h
	}
	return s
}

// Data aliases the option bytes from byte 2 on.
func TestParseExperimentalAliases(t *testing.T) {
	b := hx("1e 05 f7 01 02")
	e, _, err := decode.ParseExperimental(b)
	if err != nil {
		t.Fatal(err)
	}
	if &e.Data[0] != &b[2] || len(e.Data) != 3 {
		t.Errorf("Data = %x does not alias b[2:5]", e.Data)
	}
}

func TestParseExperimentalBadLength(t *testing.T) {
	checkMalformed(t, decode.ParseExperimental, decode.SubtypeExperimental, hx("1e 02 f0"))
	checkMalformed(t, decode.ParseExperimental, decode.SubtypeExperimental, hx("1e 01 f0 00"))
}
