package decode_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

const (
	v6Addr6 = "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 06" // 2001:db8::6
	v6Addr8 = "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 08" // 2001:db8::8
)

var (
	ip192_0_2_5 = netip.MustParseAddr("192.0.2.5")
	ip192_0_2_7 = netip.MustParseAddr("192.0.2.7")
	ip2001db8_6 = netip.MustParseAddr("2001:db8::6")
	ip2001db8_8 = netip.MustParseAddr("2001:db8::8")
)

var (
	v1Only   = []decode.Version{decode.Version1, decode.VersionUnknown}
	v0Only   = []decode.Version{decode.Version0, decode.VersionUnknown}
	v1Layout = decode.Version1
	v0Layout = decode.Version0
)

// addAddrVectors holds every ADD_ADDR layout: the digest's §8.6 encodings
// (with the §8.3 HMACs) and the other address family / port / echo
// combinations of §2.4. versions lists the Version arguments that must
// read the bytes as want (VersionUnknown infers the layout from the low
// nibble).
var addAddrVectors = []struct {
	name     string
	hex      string
	versions []decode.Version
	want     decode.AddAddr
}{
	// v1, E = 0: truncated HMAC at the end.
	{
		name: "v1 id5 IPv4 (§8.6)", versions: v1Only,
		hex:  "1e 10 30 05 c0 00 02 05 2f 09 4c 5a 25 8e bf 84",
		want: decode.AddAddr{Layout: v1Layout, AddrID: 5, Addr: ip192_0_2_5, HMAC: 0x2f094c5a258ebf84, HasHMAC: true},
	},
	{
		name: "v1 id5 IPv4:8080 (§8.6)", versions: v1Only,
		hex:  "1e 12 30 05 c0 00 02 05 1f 90 5d b1 f3 62 f1 06 61 84",
		want: decode.AddAddr{Layout: v1Layout, AddrID: 5, Addr: ip192_0_2_5, Port: 8080, HasPort: true, HMAC: 0x5db1f362f1066184, HasHMAC: true},
	},
	{
		name: "v1 id6 IPv6", versions: v1Only,
		hex:  "1e 1c 30 06" + v6Addr6 + "b7 65 b1 47 d6 5a 00 f5",
		want: decode.AddAddr{Layout: v1Layout, AddrID: 6, Addr: ip2001db8_6, HMAC: 0xb765b147d65a00f5, HasHMAC: true},
	},
	{
		name: "v1 id6 IPv6:8080", versions: v1Only,
		hex:  "1e 1e 30 06" + v6Addr6 + "1f 90 03 b5 62 cc 2a e8 13 a0",
		want: decode.AddAddr{Layout: v1Layout, AddrID: 6, Addr: ip2001db8_6, Port: 8080, HasPort: true, HMAC: 0x03b562cc2ae813a0, HasHMAC: true},
	},
	// v1, E = 1: the echo has no HMAC.
	{
		name: "v1 echo IPv4 (§8.6)", versions: v1Only,
		hex:  "1e 08 31 05 c0 00 02 05",
		want: decode.AddAddr{Layout: v1Layout, Echo: true, AddrID: 5, Addr: ip192_0_2_5},
	},
	{
		name: "v1 echo IPv4:8080", versions: v1Only,
		hex:  "1e 0a 31 05 c0 00 02 05 1f 90",
		want: decode.AddAddr{Layout: v1Layout, Echo: true, AddrID: 5, Addr: ip192_0_2_5, Port: 8080, HasPort: true},
	},
	{
		name: "v1 echo IPv6", versions: v1Only,
		hex:  "1e 14 31 06" + v6Addr6,
		want: decode.AddAddr{Layout: v1Layout, Echo: true, AddrID: 6, Addr: ip2001db8_6},
	},
	{
		name: "v1 echo IPv6:8080", versions: v1Only,
		hex:  "1e 16 31 06" + v6Addr6 + "1f 90",
		want: decode.AddAddr{Layout: v1Layout, Echo: true, AddrID: 6, Addr: ip2001db8_6, Port: 8080, HasPort: true},
	},
	{
		// Reserved bits 3–1 set: still v1 by inference (nibble ≠ 4, 6).
		name: "v1 echo IPv4, reserved bits set", versions: v1Only,
		hex:  "1e 08 3f 05 c0 00 02 05",
		want: decode.AddAddr{Layout: v1Layout, Echo: true, AddrID: 5, Addr: ip192_0_2_5},
	},
	// v0: IPVer nibble, no HMAC.
	{
		name: "v0 id7 IPv4", versions: v0Only,
		hex:  "1e 08 34 07 c0 00 02 07",
		want: decode.AddAddr{Layout: v0Layout, AddrID: 7, Addr: ip192_0_2_7},
	},
	{
		name: "v0 id7 IPv4:8080 (§8.6)", versions: v0Only,
		hex:  "1e 0a 34 07 c0 00 02 07 1f 90",
		want: decode.AddAddr{Layout: v0Layout, AddrID: 7, Addr: ip192_0_2_7, Port: 8080, HasPort: true},
	},
	{
		name: "v0 id8 IPv6", versions: v0Only,
		hex:  "1e 14 36 08" + v6Addr8,
		want: decode.AddAddr{Layout: v0Layout, AddrID: 8, Addr: ip2001db8_8},
	},
	{
		name: "v0 id8 IPv6:443", versions: v0Only,
		hex:  "1e 16 36 08" + v6Addr8 + "01 bb",
		want: decode.AddAddr{Layout: v0Layout, AddrID: 8, Addr: ip2001db8_8, Port: 443, HasPort: true},
	},
	// The pre-RFC "draft v1" layout: IPVer nibble and an 8-byte MAC.
	{
		name: "draft v1 IPv4 + MAC, length 16", versions: v0Only,
		hex:  "1e 10 34 05 c0 00 02 05 2f 09 4c 5a 25 8e bf 84",
		want: decode.AddAddr{Layout: v0Layout, AddrID: 5, Addr: ip192_0_2_5, HMAC: 0x2f094c5a258ebf84, HasHMAC: true},
	},
	{
		name: "draft v1 IPv6 + MAC, length 28", versions: v0Only,
		hex:  "1e 1c 36 06" + v6Addr6 + "b7 65 b1 47 d6 5a 00 f5",
		want: decode.AddAddr{Layout: v0Layout, AddrID: 6, Addr: ip2001db8_6, HMAC: 0xb765b147d65a00f5, HasHMAC: true},
	},
	{
		// The same 16 bytes with the negotiated version 1: E = 0 (nibble 4 is
		// reserved bit 2 set), so an IPv4 address and an HMAC. The explicit
		// version wins over the nibble.
		name: "draft v1 IPv4 bytes read as v1", versions: []decode.Version{decode.Version1},
		hex:  "1e 10 34 05 c0 00 02 05 2f 09 4c 5a 25 8e bf 84",
		want: decode.AddAddr{Layout: v1Layout, AddrID: 5, Addr: ip192_0_2_5, HMAC: 0x2f094c5a258ebf84, HasHMAC: true},
	},
}

func TestParseAddAddr(t *testing.T) {
	for _, tc := range addAddrVectors {
		for _, v := range tc.versions {
			t.Run(fmt.Sprintf("%s/version=%d", tc.name, v), func(t *testing.T) {
				checkParse(t, addAddrParser(v), decode.SubtypeAddAddr, hx(tc.hex), tc.want)
			})
		}
	}
}

func addAddrParser(v decode.Version) parseFunc[decode.AddAddr] {
	return func(b []byte) (decode.AddAddr, int, error) { return decode.ParseAddAddr(b, v) }
}

// Reading bytes with the other version's layout is refused wherever the
// lengths do not fit, the ambiguity §2.4 warns of.
func TestParseAddAddrWrongVersion(t *testing.T) {
	for _, tc := range []struct {
		hex string
		v   decode.Version
	}{
		{"1e 08 31 05 c0 00 02 05", decode.Version0},                                 // v1 echo: nibble 1 is no IPVer
		{"1e 10 30 05 c0 00 02 05 2f 09 4c 5a 25 8e bf 84", decode.Version0},         // v1 HMAC'd: nibble 0
		{"1e 08 34 07 c0 00 02 07", decode.Version1},                                 // v0 IPv4: too short for an HMAC
		{"1e 0a 34 07 c0 00 02 07 1f 90", decode.Version1},                           // v0 IPv4:port
		{"1e 14 36 08" + v6Addr8, decode.Version1},                                   // v0 IPv6: 20 − 8 = 12 bytes
		{"1e 16 36 08" + v6Addr8 + "01 bb", decode.Version1},                         // v0 IPv6:port
		{"1e 10 31 05 c0 00 02 05 2f 09 4c 5a 25 8e bf 84", decode.Version1},         // echo of length 16
		{"1e 10 31 05 c0 00 02 05 2f 09 4c 5a 25 8e bf 84", decode.VersionUnknown},   // same, inferred v1
		{"1e 1c 31 06" + v6Addr6 + "b7 65 b1 47 d6 5a 00 f5", decode.VersionUnknown}, // echo of length 28
	} {
		checkMalformed(t, addAddrParser(tc.v), decode.SubtypeAddAddr, hx(tc.hex))
	}
}

// Every length from 3 to 40 is tried for each kind of byte 2 and each
// version; only the lengths of the digest's §2.4 (and the draft's 16 and
// 28) are accepted, all others are malformed.
func TestParseAddAddrLengths(t *testing.T) {
	for _, tc := range []struct {
		byte2 uint8
		v     decode.Version
		valid []int
	}{
		{0x30, decode.Version1, []int{16, 18, 28, 30}},
		{0x30, decode.VersionUnknown, []int{16, 18, 28, 30}},
		{0x31, decode.Version1, []int{8, 10, 20, 22}},
		{0x31, decode.VersionUnknown, []int{8, 10, 20, 22}},
		{0x34, decode.Version0, []int{8, 10, 16}},
		{0x34, decode.VersionUnknown, []int{8, 10, 16}},
		{0x36, decode.Version0, []int{20, 22, 28}},
		{0x36, decode.VersionUnknown, []int{20, 22, 28}},
		{0x30, decode.Version0, nil}, // no IPVer
		{0x35, decode.Version0, nil},
		{0x3f, decode.Version0, nil},
	} {
		ok := map[int]bool{}
		for _, l := range tc.valid {
			ok[l] = true
		}
		parse := addAddrParser(tc.v)
		for l := 3; l <= 40; l++ {
			b := withLength(tc.byte2, l, 0x09)
			if !ok[l] {
				checkMalformed(t, parse, decode.SubtypeAddAddr, b)
				continue
			}
			a, n, err := parse(b)
			if err != nil || n != l {
				t.Errorf("byte2 %#x version %d length %d: n %d, err %v", tc.byte2, tc.v, l, n, err)
				continue
			}
			wantFam := 4
			if tc.byte2&0x0f == 6 || (tc.byte2&0x0f < 4 && l >= 20) {
				wantFam = 16
			}
			if a.AddrID != 9 || len(a.Addr.AsSlice()) != wantFam {
				t.Errorf("byte2 %#x version %d length %d: got %+v, want ID 9 and a %d-byte address", tc.byte2, tc.v, l, a, wantFam)
			}
			checkTruncatedPrefixes(t, parse, decode.SubtypeAddAddr, b)
		}
	}
}

// The truncated HMACs carried by the §8.6 options are the §8.3 values: the
// decoder hands over exactly the fields the HMAC is computed over.
func TestAddAddrHMACFields(t *testing.T) {
	key := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, keyA), keyB)
	for _, tc := range addAddrVectors[:4] {
		a, _, err := decode.ParseAddAddr(hx(tc.hex), decode.Version1)
		if err != nil {
			t.Fatal(err)
		}
		msg := append([]byte{a.AddrID}, a.Addr.AsSlice()...)
		msg = binary.BigEndian.AppendUint16(msg, a.Port) // zero when absent
		mac := hmac.New(sha256.New, key)
		mac.Write(msg)
		sum := mac.Sum(nil)
		if want := binary.BigEndian.Uint64(sum[len(sum)-8:]); a.HMAC != want {
			t.Errorf("%s: HMAC %016x, computed %016x", tc.name, a.HMAC, want)
		}
	}
}
