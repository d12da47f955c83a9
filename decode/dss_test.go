package decode_test

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

// The digest's §8.6 DSS encodings.
func TestParseDSSVectors(t *testing.T) {
	for _, tc := range []struct {
		name string
		hex  string
		want decode.DSS
	}{
		{
			// A acks B's space at IDSN-B + 1 and sends the pure DATA_FIN of
			// §8.4.2: DSN IDSN-A + 6, SSN 0, DLL 1, checksum e8db.
			name: "ACK64 + map64 + F + checksum",
			hex:  "1e 1c 20 1f 2b 40 ff e8 5a a0 b3 e7 9d ad cf 96 9a 3e 0f a0 00 00 00 00 00 01 e8 db",
			want: decode.DSS{Flags: 0x1f,
				HasDataACK: true, DataACK64: true, DataACK: 0x2b40ffe85aa0b3e7,
				HasMapping: true, DSN64: true, DSN: 0x9dadcf969a3e0fa0, SSN: 0, DataLen: 1,
				HasChecksum: true, Checksum: 0xe8db, DataFIN: true},
		},
		{
			name: "ACK32 only",
			hex:  "1e 08 20 01 5a a0 b3 e7",
			want: decode.DSS{Flags: 0x01, HasDataACK: true, DataACK: 0x5aa0b3e7},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkParse(t, decode.ParseDSS, decode.SubtypeDSS, hx(tc.hex), tc.want)
		})
	}
}

// dssFields are the values the test encoder writes; each is distinct so a
// field read from the wrong offset shows.
const (
	dssAck64  = 0x0102030405060708
	dssDSN64  = 0x1112131415161718
	dssSSN    = 0x21222324
	dssDLL    = 0x3132
	dssCsum   = 0x4142
	dssByte2  = 0x20 // subtype 2, reserved nibble 0
	dssByte2R = 0x2f // subtype 2, reserved nibble all ones
)

// encodeDSS is the test's own DSS encoder (RFC 8684 §3.3, Figure 9): it
// writes each field the flags call for, in order, and returns the option
// with the expected decoded value.
func encodeDSS(byte2, flags uint8, csum bool) ([]byte, decode.DSS) {
	b := []byte{decode.OptionKindMPTCP, 0, byte2, flags}
	want := decode.DSS{Flags: flags, DataFIN: flags&decode.DSSFlagDataFIN != 0}
	if flags&decode.DSSFlagDataACK != 0 {
		want.HasDataACK = true
		if flags&decode.DSSFlagDataACK64 != 0 {
			want.DataACK64, want.DataACK = true, dssAck64
			b = binary.BigEndian.AppendUint64(b, dssAck64)
		} else {
			want.DataACK = dssAck64 & 0xffffffff
			b = binary.BigEndian.AppendUint32(b, uint32(dssAck64&0xffffffff))
		}
	}
	if flags&decode.DSSFlagMapping != 0 {
		want.HasMapping = true
		if flags&decode.DSSFlagDSN64 != 0 {
			want.DSN64, want.DSN = true, dssDSN64
			b = binary.BigEndian.AppendUint64(b, dssDSN64)
		} else {
			want.DSN = dssDSN64 & 0xffffffff
			b = binary.BigEndian.AppendUint32(b, uint32(dssDSN64&0xffffffff))
		}
		want.SSN, want.DataLen = dssSSN, dssDLL
		b = binary.BigEndian.AppendUint32(b, dssSSN)
		b = binary.BigEndian.AppendUint16(b, dssDLL)
		if csum {
			want.HasChecksum, want.Checksum = true, dssCsum
			b = binary.BigEndian.AppendUint16(b, dssCsum)
		}
	}
	b[1] = byte(len(b))
	return b, want
}

// Every combination of the five flag bits, with and without the checksum
// (which only exists with a mapping), round-trips field by field, and every
// prefix of each is truncated.
func TestParseDSSAllFlags(t *testing.T) {
	for flags := uint8(0); flags < 32; flags++ {
		for _, csum := range []bool{false, true} {
			if csum && flags&decode.DSSFlagMapping == 0 {
				continue // no checksum without a mapping
			}
			b, want := encodeDSS(dssByte2, flags, csum)
			t.Run(fmt.Sprintf("flags=%#02x/csum=%v", flags, csum), func(t *testing.T) {
				plain, withSum := decode.DSSLength(flags)
				if wantLen := map[bool]int{false: plain, true: withSum}[csum]; len(b) != wantLen {
					t.Fatalf("DSSLength(%#x) = %d, %d; the encoder wrote %d bytes", flags, plain, withSum, len(b))
				}
				checkParse(t, decode.ParseDSS, decode.SubtypeDSS, b, want)
			})
		}
	}
}

// The reserved bits (byte 2's low nibble, the top 3 bits of the flags) do
// not change the layout; the flags byte is kept as received.
func TestParseDSSReservedBits(t *testing.T) {
	for _, flags := range []uint8{0xe0, 0xe5, 0xff, 0xbf} {
		b, want := encodeDSS(dssByte2R, flags, true)
		checkParse(t, decode.ParseDSS, decode.SubtypeDSS, b, want)
	}
}

// The length table of the digest's §2.3.
func TestDSSLength(t *testing.T) {
	const (
		A = decode.DSSFlagDataACK
		a = decode.DSSFlagDataACK64
		M = decode.DSSFlagMapping
		m = decode.DSSFlagDSN64
		F = decode.DSSFlagDataFIN
	)
	for _, tc := range []struct {
		flags         uint8
		plain, csumed int
	}{
		{0, 4, 4},
		{F, 4, 4},
		{a, 4, 4}, // a without A means nothing
		{m, 4, 4}, // m without M means nothing
		{A, 8, 8},
		{A | a, 12, 12},
		{M, 14, 16},
		{M | m, 18, 20},
		{A | M, 18, 20},
		{A | M | m, 22, 24},
		{A | a | M, 22, 24},
		{A | a | M | m, 26, 28},
		{A | a | M | m | F, 26, 28},
		{0xe0 | A, 8, 8},
	} {
		plain, csumed := decode.DSSLength(tc.flags)
		if plain != tc.plain || csumed != tc.csumed {
			t.Errorf("DSSLength(%#02x) = %d, %d; want %d, %d", tc.flags, plain, csumed, tc.plain, tc.csumed)
		}
	}
}

// For every flag combination, every length from 0 to 40 that is neither the
// plain nor the checksummed length of those flags is malformed.
func TestParseDSSLengthMismatch(t *testing.T) {
	for flags := uint8(0); flags < 32; flags++ {
		plain, withSum := decode.DSSLength(flags)
		for l := 0; l <= 40; l++ {
			if l == plain || l == withSum {
				continue
			}
			// At least the 4 bytes that carry the flags, whatever the
			// length byte says.
			b := withLength(dssByte2, max(l, 4), flags)
			b[1] = byte(l)
			checkMalformed(t, decode.ParseDSS, decode.SubtypeDSS, b)
		}
	}
	// Length 18 fits two layouts; the flags decide, so ACK32 + map32 written
	// as 18 bytes is accepted with those flags and refused with ACK64 only.
	b, _ := encodeDSS(dssByte2, decode.DSSFlagDataACK|decode.DSSFlagMapping, false)
	b[3] = decode.DSSFlagDataACK | decode.DSSFlagDataACK64
	checkMalformed(t, decode.ParseDSS, decode.SubtypeDSS, b)
}
