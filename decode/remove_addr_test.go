package decode_test

import (
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

func TestParseRemoveAddr(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want decode.RemoveAddr
	}{
		{"one ID", "1e 04 40 05", decode.RemoveAddr{IDs: []byte{5}}},
		{"IDs 5, 6 (§8.6)", "1e 05 40 05 06", decode.RemoveAddr{IDs: []byte{5, 6}}},
		{"eight IDs, the most Linux sends", "1e 0b 40 01 02 03 04 05 06 07 08", decode.RemoveAddr{IDs: []byte{1, 2, 3, 4, 5, 6, 7, 8}}},
		{"ID 0 and reserved bits set", "1e 05 4f 00 ff", decode.RemoveAddr{IDs: []byte{0, 0xff}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, decode.ParseRemoveAddr, decode.SubtypeRemoveAddr, hx(tc.hex), tc.want)
		})
	}
}

// The IDs alias the input, as the package contract says.
func TestParseRemoveAddrAliases(t *testing.T) {
	b := hx("1e 05 40 05 06")
	r, _, err := decode.ParseRemoveAddr(b)
	if err != nil {
		t.Fatal(err)
	}
	if &r.IDs[0] != &b[3] {
		t.Error("IDs does not alias the option bytes")
	}
}

// A length of 255 (252 IDs) is still well-formed: the format has no limit
// below the option's own.
func TestParseRemoveAddrLongest(t *testing.T) {
	b := withLength(0x40, 255)
	r, n, err := decode.ParseRemoveAddr(b)
	if err != nil || n != 255 || len(r.IDs) != 252 || r.IDs[0] != b[3] || r.IDs[251] != b[254] {
		t.Fatalf("ParseRemoveAddr(length 255) = %d IDs, n %d, err %v", len(r.IDs), n, err)
	}
	checkTruncatedPrefixes(t, decode.ParseRemoveAddr, decode.SubtypeRemoveAddr, b)
}

func TestParseRemoveAddrBadLength(t *testing.T) {
	// No ID at all, and lengths too short for the subtype byte.
	checkMalformed(t, decode.ParseRemoveAddr, decode.SubtypeRemoveAddr, hx("1e 03 40"))
	checkMalformed(t, decode.ParseRemoveAddr, decode.SubtypeRemoveAddr, hx("1e 02 40 05"))
	checkMalformed(t, decode.ParseRemoveAddr, decode.SubtypeRemoveAddr, hx("1e 00 40 05"))
}
