package decode_test

import (
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

func hmac20(s string) (h [20]byte) {
	copy(h[:], hx(s))
	return h
}

// mpJoinVectors are the MP_JOIN encodings of the digest's §8.6 (§8.2 HMACs,
// R-A = 3c4d5e6f, R-B = 8a9bacbd) plus the backup-bit variants.
var mpJoinVectors = []struct {
	name string
	hex  string
	want decode.MPJoin
}{
	{
		name: "v1 SYN id 2, token B",
		hex:  "1e 0c 10 02 b3 5a 5e ac 3c 4d 5e 6f",
		want: decode.MPJoin{Form: decode.JoinSYN, AddrID: 2, Token: 0xb35a5eac, Nonce: 0x3c4d5e6f},
	},
	{
		name: "v1 SYN/ACK id 0",
		hex:  "1e 10 10 00 2c a5 e7 b3 72 ab c8 9a 8a 9b ac bd",
		want: decode.MPJoin{Form: decode.JoinSYNACK, TruncatedHMAC: 0x2ca5e7b372abc89a, Nonce: 0x8a9bacbd},
	},
	{
		name: "v1 ACK",
		hex:  "1e 18 10 00 cf e1 db 2e bc 03 3f 81 67 f4 61 72 ff 98 a5 da 77 34 18 db",
		want: decode.MPJoin{Form: decode.JoinACK, HMAC: hmac20("cfe1db2ebc033f8167f46172ff98a5da773418db")},
	},
	{
		name: "v0 SYN id 2, token B",
		hex:  "1e 0c 10 02 f9 5b 58 1d 3c 4d 5e 6f",
		want: decode.MPJoin{Form: decode.JoinSYN, AddrID: 2, Token: 0xf95b581d, Nonce: 0x3c4d5e6f},
	},
	{
		name: "v0 SYN/ACK id 0",
		hex:  "1e 10 10 00 a3 4e 26 9a be 6f ca 76 8a 9b ac bd",
		want: decode.MPJoin{Form: decode.JoinSYNACK, TruncatedHMAC: 0xa34e269abe6fca76, Nonce: 0x8a9bacbd},
	},
	{
		name: "v0 ACK",
		hex:  "1e 18 10 00 f2 37 c4 06 1f 34 d6 84 73 ea 89 6d 23 ec 53 09 87 21 f1 52",
		want: decode.MPJoin{Form: decode.JoinACK, HMAC: hmac20("f237c4061f34d68473ea896d23ec53098721f152")},
	},
	{
		name: "SYN with backup bit, id 2",
		hex:  "1e 0c 11 02 b3 5a 5e ac 3c 4d 5e 6f",
		want: decode.MPJoin{Form: decode.JoinSYN, Backup: true, AddrID: 2, Token: 0xb35a5eac, Nonce: 0x3c4d5e6f},
	},
	{
		name: "SYN/ACK with backup bit, id 9",
		hex:  "1e 10 11 09 2c a5 e7 b3 72 ab c8 9a 8a 9b ac bd",
		want: decode.MPJoin{Form: decode.JoinSYNACK, Backup: true, AddrID: 9, TruncatedHMAC: 0x2ca5e7b372abc89a, Nonce: 0x8a9bacbd},
	},
	{
		// Reserved bits set around B: only bit 0 counts.
		name: "SYN, reserved bits set, B clear",
		hex:  "1e 0c 1e 02 b3 5a 5e ac 3c 4d 5e 6f",
		want: decode.MPJoin{Form: decode.JoinSYN, AddrID: 2, Token: 0xb35a5eac, Nonce: 0x3c4d5e6f},
	},
	{
		// In the ACK, bytes 2 (low nibble) and 3 are reserved: no backup bit,
		// no address ID.
		name: "ACK, reserved bits set",
		hex:  "1e 18 1f ff cf e1 db 2e bc 03 3f 81 67 f4 61 72 ff 98 a5 da 77 34 18 db",
		want: decode.MPJoin{Form: decode.JoinACK, HMAC: hmac20("cfe1db2ebc033f8167f46172ff98a5da773418db")},
	},
}

func TestParseMPJoin(t *testing.T) {
	for _, tc := range mpJoinVectors {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, decode.ParseMPJoin, decode.SubtypeMPJoin, hx(tc.hex), tc.want)
		})
	}
}

func TestParseMPJoinBadLength(t *testing.T) {
	for l := 3; l <= 40; l++ {
		if l == 12 || l == 16 || l == 24 {
			continue
		}
		checkMalformed(t, decode.ParseMPJoin, decode.SubtypeMPJoin, withLength(0x10, l, 0x02))
	}
	// The named case: a SYN with one extra byte.
	checkMalformed(t, decode.ParseMPJoin, decode.SubtypeMPJoin, hx("1e 0d 10 02 b3 5a 5e ac 3c 4d 5e 6f 00"))
}

func TestJoinFormString(t *testing.T) {
	for f, want := range map[decode.JoinForm]string{
		decode.JoinSYN: "SYN", decode.JoinSYNACK: "SYN/ACK", decode.JoinACK: "ACK", 0: "?", 4: "?",
	} {
		if got := f.String(); got != want {
			t.Errorf("JoinForm(%d).String() = %q, want %q", f, got, want)
		}
	}
}
