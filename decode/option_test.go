package decode_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

// Building blocks of TCP option areas, as Linux lays them out.
const (
	hexNOPNOPTS = "01 01 08 0a 00 01 e2 40 00 00 30 39" // NOP NOP TS val 123456 ecr 12345
	// DSS ACK32 + map32, no checksum (18 bytes): Data ACK 5aa0b3e7,
	// DSN 9a3e0f9b, SSN 1, DLL 5.
	hexDSSAckMap = "1e 12 20 05 5a a0 b3 e7 9a 3e 0f 9b 00 00 00 01 00 05"
	hexDSSAck32  = "1e 08 20 01 5a a0 b3 e7"
	hexMPC22     = "1e 16 01 01 1b 6f a8 c4 d2 e3 f5 09 7e 5d 3c 2b 1a 09 8f 6e 00 05"
	hexAddAddr18 = "1e 12 30 05 c0 00 02 05 1f 90 5d b1 f3 62 f1 06 61 84"
	hexFastClose = "1e 0c 70 00 7e 5d 3c 2b 1a 09 8f 6e"
	hexTCPRst    = "1e 04 81 06"
)

var (
	wantDSSAckMap = decode.DSS{Flags: 0x05, HasDataACK: true, DataACK: 0x5aa0b3e7,
		HasMapping: true, DSN: 0x9a3e0f9b, SSN: 1, DataLen: 5}
	wantDSSAck32 = decode.DSS{Flags: 0x01, HasDataACK: true, DataACK: 0x5aa0b3e7}
)

// optionAreas are complete TCP option areas (the header bytes after the
// fixed 20) with the MPTCP options and errors ParseOptions must return.
// Expected options carry only Subtype, Offset and the typed value: Raw is
// filled in from the offset and checked to alias the input.
var optionAreas = []struct {
	name string
	hex  string
	opts []decode.Option
	errs []decode.OptionError // Reason is not compared
}{
	{
		name: "empty",
	},
	{
		name: "NOPs only",
		hex:  "01 01 01 01",
	},
	{
		name: "NOP NOP TS + DSS + NOP NOP",
		hex:  hexNOPNOPTS + hexDSSAckMap + "01 01",
		opts: []decode.Option{{Subtype: decode.SubtypeDSS, Offset: 12, DSS: wantDSSAckMap}},
	},
	{
		name: "MP_CAPABLE 22 + NOP NOP",
		hex:  hexMPC22 + "01 01",
		opts: []decode.Option{{Subtype: decode.SubtypeMPCapable, Offset: 0, MPCapable: decode.MPCapable{
			Version: 1, Flags: 0x01, Length: 22, SenderKey: keyA, HasSenderKey: true,
			ReceiverKey: keyB, HasReceiverKey: true, DataLen: 5, HasDataLen: true}}},
	},
	{
		name: "ADD_ADDR + NOP NOP + DSS",
		hex:  hexAddAddr18 + "01 01" + hexDSSAck32,
		opts: []decode.Option{
			{Subtype: decode.SubtypeAddAddr, Offset: 0, AddAddr: decode.AddAddr{Layout: decode.Version1, AddrID: 5,
				Addr: ip192_0_2_5, Port: 8080, HasPort: true, HMAC: 0x5db1f362f1066184, HasHMAC: true}},
			{Subtype: decode.SubtypeDSS, Offset: 20, DSS: wantDSSAck32},
		},
	},
	{
		name: "MP_FASTCLOSE + MP_TCPRST on a RST",
		hex:  hexFastClose + hexTCPRst,
		opts: []decode.Option{
			{Subtype: decode.SubtypeMPFastClose, Offset: 0, MPFastClose: decode.MPFastClose{ReceiverKey: keyB}},
			{Subtype: decode.SubtypeMPTCPRst, Offset: 12, MPTCPRst: decode.MPTCPRst{Flags: 1, Transient: true, Reason: 6}},
		},
	},
	{
		name: "MP_PRIO + NOP + REMOVE_ADDR + NOPs + MP_FAIL, unaligned",
		hex:  "1e 03 51 01 1e 05 40 05 06 01 01 01" + "1e 0c 60 00 9d ad cf 96 9a 3e 0f 9b",
		opts: []decode.Option{
			{Subtype: decode.SubtypeMPPrio, Offset: 0, MPPrio: decode.MPPrio{Backup: true}},
			{Subtype: decode.SubtypeRemoveAddr, Offset: 4, RemoveAddr: decode.RemoveAddr{IDs: []byte{5, 6}}},
			{Subtype: decode.SubtypeMPFail, Offset: 12, MPFail: decode.MPFail{DSN: 0x9dadcf969a3e0f9b}},
		},
	},
	{
		// The MP_CAPABLE says 20 bytes, 10 are left: the TCP option list is
		// broken there, so the walk ends with one error; the DSS before it
		// stays.
		name: "MPTCP option running past the header",
		hex:  hexDSSAck32 + "01 01" + "1e 14 01 81 1b 6f a8 c4 d2 e3",
		opts: []decode.Option{{Subtype: decode.SubtypeDSS, Offset: 0, DSS: wantDSSAck32}},
		errs: []decode.OptionError{{Subtype: decode.SubtypeMPCapable, Offset: 10, Length: 20, Err: decode.ErrMalformed}},
	},
	{
		name: "MPTCP kind as the last byte",
		hex:  hexDSSAck32 + "01 1e",
		opts: []decode.Option{{Subtype: decode.SubtypeDSS, Offset: 0, DSS: wantDSSAck32}},
		errs: []decode.OptionError{{Subtype: decode.SubtypeUnknown, Offset: 9, Length: 0, Err: decode.ErrMalformed}},
	},
	{
		name: "MPTCP option with length 1 ends the walk",
		hex:  "1e 01 20 01" + hexDSSAck32,
		errs: []decode.OptionError{{Subtype: decode.SubtypeDSS, Offset: 0, Length: 1, Err: decode.ErrMalformed}},
	},
	{
		name: "MPTCP option with length 0 ends the walk",
		hex:  "01 1e 00 20" + hexDSSAck32,
		errs: []decode.OptionError{{Subtype: decode.SubtypeDSS, Offset: 1, Length: 0, Err: decode.ErrMalformed}},
	},
	{
		// "Never the loss of the rest of the packet": a bad MPTCP option is
		// one error, and the options after it are still decoded.
		name: "malformed MP_JOIN (13) in the middle, then a DSS",
		hex:  hexNOPNOPTS + "1e 0d 10 02 b3 5a 5e ac 3c 4d 5e 6f 00" + "01 01 01" + hexDSSAck32,
		opts: []decode.Option{{Subtype: decode.SubtypeDSS, Offset: 28, DSS: wantDSSAck32}},
		errs: []decode.OptionError{{Subtype: decode.SubtypeMPJoin, Offset: 12, Length: 13, Err: decode.ErrMalformed}},
	},
	{
		name: "two malformed options around a valid one",
		hex:  "1e 10 01 81 00 00 00 00 00 00 00 00 00 00 00 00" + hexTCPRst + "1e 0b 60 00 00 00 00 00 00 00 00",
		opts: []decode.Option{{Subtype: decode.SubtypeMPTCPRst, Offset: 16, MPTCPRst: decode.MPTCPRst{Flags: 1, Transient: true, Reason: 6}}},
		errs: []decode.OptionError{
			{Subtype: decode.SubtypeMPCapable, Offset: 0, Length: 16, Err: decode.ErrMalformed},
			{Subtype: decode.SubtypeMPFail, Offset: 20, Length: 11, Err: decode.ErrMalformed},
		},
	},
	{
		// A kind-30 option of length 2 has no subtype byte: the bytes are all
		// there, so it is malformed (not truncated), and the walk goes on.
		name: "kind 30 with length 2, then a DSS",
		hex:  "1e 02 01 01" + hexDSSAck32,
		opts: []decode.Option{{Subtype: decode.SubtypeDSS, Offset: 4, DSS: wantDSSAck32}},
		errs: []decode.OptionError{{Subtype: decode.SubtypeUnknown, Offset: 0, Length: 2, Err: decode.ErrMalformed}},
	},
	{
		name: "EOL ends the list",
		hex:  hexDSSAck32 + "00" + hexTCPRst + "000000",
		opts: []decode.Option{{Subtype: decode.SubtypeDSS, Offset: 0, DSS: wantDSSAck32}},
	},
	{
		name: "EOL first",
		hex:  "00" + hexDSSAck32,
	},
	{
		// Unassigned subtypes are skipped by their length without an error;
		// the option is kept (Subtype 9, Raw) with no typed field set.
		name: "unknown subtype 9, then a DSS",
		hex:  "1e 06 90 00 aa bb" + hexDSSAck32,
		opts: []decode.Option{
			{Subtype: 9, Offset: 0},
			{Subtype: decode.SubtypeDSS, Offset: 6, DSS: wantDSSAck32},
		},
	},
	{
		name: "MP_EXPERIMENTAL",
		hex:  "1e 04 f1 02 01 01 01 01",
		opts: []decode.Option{{Subtype: decode.SubtypeExperimental, Offset: 0, Experimental: decode.Experimental{Data: []byte{0xf1, 0x02}}}},
	},
	{
		// Other option kinds are skipped by their length: MSS, SACK-permitted,
		// window scale and SACK around an MP_CAPABLE SYN option.
		name: "SYN: MSS, SACK-permitted, TS, window scale, MP_CAPABLE",
		hex:  "02 04 05 b4 04 02 08 0a 00 01 e2 40 00 00 00 00 01 03 03 07 1e 04 01 81",
		opts: []decode.Option{{Subtype: decode.SubtypeMPCapable, Offset: 20, MPCapable: decode.MPCapable{Version: 1, Flags: 0x81, Length: 4}}},
	},
	{
		// A broken non-MPTCP option ends the walk; it is not an MPTCP
		// problem, so no OptionError.
		name: "broken SACK ends the walk with an error",
		hex:  "05 00" + hexDSSAck32,
		errs: []decode.OptionError{{Subtype: decode.SubtypeUnknown, Offset: 0, Length: 0, Err: decode.ErrMalformed}},
	},
	{
		name: "non-MPTCP option running past the header",
		hex:  hexDSSAck32 + "05 0a 00 00 00 00",
		opts: []decode.Option{{Subtype: decode.SubtypeDSS, Offset: 0, DSS: wantDSSAck32}},
		errs: []decode.OptionError{{Subtype: decode.SubtypeUnknown, Offset: 8, Length: 10, Err: decode.ErrMalformed}},
	},
}

func TestParseOptions(t *testing.T) {
	for _, tc := range optionAreas {
		t.Run(tc.name, func(t *testing.T) {
			b := hx(tc.hex)
			opts, errs := decode.ParseOptions(b, nil, nil)
			checkOptions(t, b, opts, tc.opts)
			checkOptionErrors(t, errs, tc.errs)
		})
	}
}

func checkOptions(t *testing.T, area []byte, got, want []decode.Option) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d options %+v, want %d", len(got), got, len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if len(g.Raw) < 2 || g.Offset < 0 || g.Offset+len(g.Raw) > len(area) {
			t.Errorf("option %d: Offset %d, Raw %x out of the area", i, g.Offset, g.Raw)
			continue
		}
		if &g.Raw[0] != &area[g.Offset] || len(g.Raw) != int(area[g.Offset+1]) {
			t.Errorf("option %d: Raw %x does not alias area[%d:] for its length", i, g.Raw, g.Offset)
		}
		w.Raw = area[w.Offset : w.Offset+int(area[w.Offset+1])]
		if !reflect.DeepEqual(g, w) {
			t.Errorf("option %d\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func checkOptionErrors(t *testing.T, got, want []decode.OptionError) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d errors %+v, want %d", len(got), got, len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Subtype != w.Subtype || g.Offset != w.Offset || g.Length != w.Length || !errors.Is(&g, w.Err) || g.Reason == "" {
			t.Errorf("error %d: got %+v, want %+v", i, g, w)
		}
	}
}

// ParseOptions appends: what dst and errs held is kept, in front.
func TestParseOptionsAppends(t *testing.T) {
	dst := []decode.Option{{Subtype: decode.SubtypeMPPrio, Offset: 99}}
	errs := []decode.OptionError{{Subtype: decode.SubtypeMPFail, Offset: 98}}
	area := hx("1e 0d 10 02 b3 5a 5e ac 3c 4d 5e 6f 00" + hexDSSAck32)
	dst, errs = decode.ParseOptions(area, dst, errs)
	if len(dst) != 2 || dst[0].Offset != 99 || dst[1].Offset != 13 || dst[1].Subtype != decode.SubtypeDSS {
		t.Errorf("options = %+v", dst)
	}
	if len(errs) != 2 || errs[0].Offset != 98 || errs[1].Offset != 0 || errs[1].Subtype != decode.SubtypeMPJoin {
		t.Errorf("errors = %+v", errs)
	}
}

// A failed option does not leave a half-filled entry behind in dst's
// backing array that a later option would inherit.
func TestParseOptionsReusesBacking(t *testing.T) {
	backing := make([]decode.Option, 0, 4)
	area := hx(hexMPC22 + "01 01")
	dst, _ := decode.ParseOptions(area, backing, nil)
	if len(dst) != 1 {
		t.Fatalf("got %d options", len(dst))
	}
	dst, _ = decode.ParseOptions(hx("1e 10 01 81 00 00 00 00 00 00 00 00 00 00 00 00"+hexDSSAck32), dst[:0], nil)
	if len(dst) != 1 || dst[0].Subtype != decode.SubtypeDSS || dst[0].MPCapable != (decode.MPCapable{}) {
		t.Errorf("reused backing: %+v", dst)
	}
}

// The typed value of every option ParseOptions returns is what its
// subtype's ParseX gives for its Raw bytes.
func TestParseOptionsMatchesParsers(t *testing.T) {
	for _, tc := range optionAreas {
		opts, _ := decode.ParseOptions(hx(tc.hex), nil, nil)
		for _, o := range opts {
			if err := reparse(o); err != nil {
				t.Errorf("%s: option at %d: %v", tc.name, o.Offset, err)
			}
		}
	}
}

func BenchmarkParseOptions(b *testing.B) {
	area := hx(hexNOPNOPTS + hexDSSAckMap + "01 01")
	dst := make([]decode.Option, 0, 4)
	var errs []decode.OptionError
	b.ReportAllocs()
	b.SetBytes(int64(len(area)))
	for b.Loop() {
		dst, errs = decode.ParseOptions(area, dst[:0], errs[:0])
	}
	if len(dst) != 1 || dst[0].DSS != wantDSSAckMap || len(errs) != 0 {
		b.Fatalf("decoded %+v, %+v", dst, errs)
	}
}
