package decode_test

import (
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

// mpCapableVectors are the MP_CAPABLE encodings of the digest's §8.6, one
// per length the option can have.
var mpCapableVectors = []struct {
	name string
	hex  string
	want decode.MPCapable
}{
	{
		name: "v1 SYN (A+H), length 4",
		hex:  "1e 04 01 81",
		want: decode.MPCapable{Version: 1, Flags: 0x81, Length: 4},
	},
	{
		name: "v1 SYN/ACK, length 12",
		hex:  "1e 0c 01 81 7e 5d 3c 2b 1a 09 8f 6e",
		want: decode.MPCapable{Version: 1, Flags: 0x81, Length: 12, SenderKey: keyB, HasSenderKey: true},
	},
	{
		name: "v1 third ACK, length 20",
		hex:  "1e 14 01 81 1b 6f a8 c4 d2 e3 f5 09 7e 5d 3c 2b 1a 09 8f 6e",
		want: decode.MPCapable{Version: 1, Flags: 0x81, Length: 20,
			SenderKey: keyA, HasSenderKey: true, ReceiverKey: keyB, HasReceiverKey: true},
	},
	{
		name: "v1 ACK+data without checksum, length 22",
		hex:  "1e 16 01 01 1b 6f a8 c4 d2 e3 f5 09 7e 5d 3c 2b 1a 09 8f 6e 00 05",
		want: decode.MPCapable{Version: 1, Flags: 0x01, Length: 22,
			SenderKey: keyA, HasSenderKey: true, ReceiverKey: keyB, HasReceiverKey: true,
			DataLen: 5, HasDataLen: true},
	},
	{
		name: "v1 ACK+data with checksum, length 24",
		hex:  "1e 18 01 81 1b 6f a8 c4 d2 e3 f5 09 7e 5d 3c 2b 1a 09 8f 6e 00 05 a5 09",
		want: decode.MPCapable{Version: 1, Flags: 0x81, Length: 24,
			SenderKey: keyA, HasSenderKey: true, ReceiverKey: keyB, HasReceiverKey: true,
			DataLen: 5, HasDataLen: true, Checksum: 0xa509, HasChecksum: true},
	},
	{
		name: "v0 SYN, length 12",
		hex:  "1e 0c 00 81 1b 6f a8 c4 d2 e3 f5 09",
		want: decode.MPCapable{Version: 0, Flags: 0x81, Length: 12, SenderKey: keyA, HasSenderKey: true},
	},
	{
		name: "v0 SYN/ACK, length 12",
		hex:  "1e 0c 00 81 7e 5d 3c 2b 1a 09 8f 6e",
		want: decode.MPCapable{Version: 0, Flags: 0x81, Length: 12, SenderKey: keyB, HasSenderKey: true},
	},
	{
		name: "v0 third ACK, length 20",
		hex:  "1e 14 00 81 1b 6f a8 c4 d2 e3 f5 09 7e 5d 3c 2b 1a 09 8f 6e",
		want: decode.MPCapable{Version: 0, Flags: 0x81, Length: 20,
			SenderKey: keyA, HasSenderKey: true, ReceiverKey: keyB, HasReceiverKey: true},
	},
	{
		// Not in §8.6: every flag bit and a high version keep their bytes.
		name: "version 15, all flags, zero key",
		hex:  "1e 0c 0f ff 00 00 00 00 00 00 00 00",
		want: decode.MPCapable{Version: 15, Flags: 0xff, Length: 12, HasSenderKey: true},
	},
}

func TestParseMPCapable(t *testing.T) {
	for _, tc := range mpCapableVectors {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, decode.ParseMPCapable, decode.SubtypeMPCapable, hx(tc.hex), tc.want)
		})
	}
}

func TestMPCapableChecksumRequired(t *testing.T) {
	for _, tc := range []struct {
		flags uint8
		want  bool
	}{{0x81, true}, {0x01, false}, {0x80, true}, {0x7f, false}} {
		if got := (decode.MPCapable{Flags: tc.flags}).ChecksumRequired(); got != tc.want {
			t.Errorf("MPCapable{Flags: %#x}.ChecksumRequired() = %v, want %v", tc.flags, got, tc.want)
		}
	}
}

// Every length other than 4, 12, 20, 22 and 24 is malformed, whether it is
// inside the envelope's 4..24 range or outside it.
func TestParseMPCapableBadLength(t *testing.T) {
	valid := map[int]bool{4: true, 12: true, 20: true, 22: true, 24: true}
	for l := 3; l <= 40; l++ {
		if valid[l] {
			continue
		}
		checkMalformed(t, decode.ParseMPCapable, decode.SubtypeMPCapable, withLength(0x01, l, 0x81))
	}
	// The named case: 16 bytes, which is a v1 SYN/ACK with 4 stray bytes.
	checkMalformed(t, decode.ParseMPCapable, decode.SubtypeMPCapable,
		hx("1e 10 01 81 7e 5d 3c 2b 1a 09 8f 6e 00 00 00 00"))
	// Length bytes below 3 with enough bytes present.
	checkMalformed(t, decode.ParseMPCapable, decode.SubtypeMPCapable, hx("1e 02 01 81"))
	checkMalformed(t, decode.ParseMPCapable, decode.SubtypeMPCapable, hx("1e 00 01 81"))
}
