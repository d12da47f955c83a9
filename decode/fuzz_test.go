package decode_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/mptcpdump/mptcpdump/decode"
)

// anyParser adapts every ParseX to one signature.
type anyParser struct {
	st    decode.Subtype
	parse func([]byte) (any, int, error)
}

var allParsers = []anyParser{
	{decode.SubtypeMPCapable, func(b []byte) (any, int, error) { return unpack(decode.ParseMPCapable(b)) }},
	{decode.SubtypeMPJoin, func(b []byte) (any, int, error) { return unpack(decode.ParseMPJoin(b)) }},
	{decode.SubtypeDSS, func(b []byte) (any, int, error) { return unpack(decode.ParseDSS(b)) }},
	{decode.SubtypeAddAddr, func(b []byte) (any, int, error) { return unpack(decode.ParseAddAddr(b, decode.VersionUnknown)) }},
	{decode.SubtypeAddAddr, func(b []byte) (any, int, error) { return unpack(decode.ParseAddAddr(b, decode.Version0)) }},
	{decode.SubtypeAddAddr, func(b []byte) (any, int, error) { return unpack(decode.ParseAddAddr(b, decode.Version1)) }},
	{decode.SubtypeRemoveAddr, func(b []byte) (any, int, error) { return unpack(decode.ParseRemoveAddr(b)) }},
	{decode.SubtypeMPPrio, func(b []byte) (any, int, error) { return unpack(decode.ParseMPPrio(b)) }},
	{decode.SubtypeMPFail, func(b []byte) (any, int, error) { return unpack(decode.ParseMPFail(b)) }},
	{decode.SubtypeMPFastClose, func(b []byte) (any, int, error) { return unpack(decode.ParseMPFastClose(b)) }},
	{decode.SubtypeMPTCPRst, func(b []byte) (any, int, error) { return unpack(decode.ParseMPTCPRst(b)) }},
	{decode.SubtypeExperimental, func(b []byte) (any, int, error) { return unpack(decode.ParseExperimental(b)) }},
}

// optionSeeds are every encoding the unit tests use: each §8.6 option
// alone, and the full TCP option areas.
func optionSeeds() [][]byte {
	var seeds [][]byte
	for _, v := range mpCapableVectors {
		seeds = append(seeds, hx(v.hex))
	}
	for _, v := range mpJoinVectors {
		seeds = append(seeds, hx(v.hex))
	}
	for _, v := range addAddrVectors {
		seeds = append(seeds, hx(v.hex))
	}
	for _, h := range []string{
		"1e 1c 20 1f 2b 40 ff e8 5a a0 b3 e7 9d ad cf 96 9a 3e 0f a0 00 00 00 00 00 01 e8 db",
		hexDSSAck32, hexDSSAckMap,
		"1e 05 40 05 06", "1e 03 51", "1e 04 51 07",
		"1e 0c 60 00 9d ad cf 96 9a 3e 0f 9b", hexFastClose, hexTCPRst, "1e 06 f1 aa bb cc",
	} {
		seeds = append(seeds, hx(h))
	}
	for _, a := range optionAreas {
		seeds = append(seeds, hx(a.hex))
	}
	return seeds
}

func FuzzParseOptions(f *testing.F) {
	for _, s := range optionSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opts, errs := decode.ParseOptions(data, nil, nil)
		checkParsedArea(t, data, opts, errs)

		// Each ParseX straight on the bytes: no panic, and a coherent result.
		for _, p := range allParsers {
			v, n, err := p.parse(data)
			if err != nil {
				checkOptionError(t, err, p.st)
				continue
			}
			if len(data) < 3 || n != int(data[1]) || n > len(data) {
				t.Fatalf("%v: consumed %d of %x", p.st, n, data)
			}
			if _, _, err := p.parse(data[: n-1 : n-1]); !errors.Is(err, decode.ErrTruncated) {
				t.Fatalf("%v: %x parses, but its prefix gives %v", p.st, data[:n], err)
			}
			if v2, n2, err := p.parse(data[:n:n]); err != nil || n2 != n || !reflect.DeepEqual(v, v2) {
				t.Fatalf("%v: %x parses differently without the bytes after it: %v", p.st, data[:n], err)
			}
		}
	})
}

// checkParsedArea asserts the invariants of ParseOptions's output for
// the option area data.
func checkParsedArea(t *testing.T, data []byte, opts []decode.Option, errs []decode.OptionError) {
	t.Helper()
	last := -1
	for _, o := range opts {
		if len(o.Raw) < 3 || o.Raw[0] != decode.OptionKindMPTCP || len(o.Raw) != int(o.Raw[1]) {
			t.Fatalf("option at %d: bad Raw %x", o.Offset, o.Raw)
		}
		if o.Offset <= last || o.Offset+len(o.Raw) > len(data) || &data[o.Offset] != &o.Raw[0] {
			t.Fatalf("option at %d (after %d): Raw %x is not data[%d:] in %x", o.Offset, last, o.Raw, o.Offset, data)
		}
		last = o.Offset
		if err := reparse(o); err != nil {
			t.Fatal(err)
		}
	}
	lastErr := -1
	for _, e := range errs {
		// Errors sit on MPTCP options, or on the option where the list broke.
		if e.Offset <= lastErr || e.Offset >= len(data) || (data[e.Offset] != decode.OptionKindMPTCP && e.Subtype != decode.SubtypeUnknown) {
			t.Fatalf("error at %d (after %d) in %x: %v", e.Offset, lastErr, data, &e)
		}
		lastErr = e.Offset
		checkOptionError(t, &e, e.Subtype)
		for _, o := range opts {
			if o.Offset == e.Offset {
				t.Fatalf("offset %d is both an option and an error", o.Offset)
			}
		}
	}
}

// checkOptionError asserts that err is an *OptionError of subtype st that
// is either truncated or malformed.
func checkOptionError(t *testing.T, err error, st decode.Subtype) {
	t.Helper()
	var oe *decode.OptionError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v is not an *OptionError", err)
	}
	if errors.Is(err, decode.ErrTruncated) == errors.Is(err, decode.ErrMalformed) {
		t.Fatalf("error %v is not exactly one of truncated, malformed", err)
	}
	if oe.Subtype != st || oe.Reason == "" {
		t.Fatalf("error %v: subtype %v, want %v", err, oe.Subtype, st)
	}
}

// fuzzLinkTypes maps the fuzzer's first argument to a link type, so every
// value means something; the last is one Decode does not support.
var fuzzLinkTypes = []layers.LinkType{
	layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2, layers.LinkTypeRaw,
	layers.LinkTypeIPv4, layers.LinkTypeIPv6, layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypePPP,
	12, 14, layers.LinkTypeIEEE802_11,
}

func linkIndex(lt layers.LinkType) uint8 {
	for i, l := range fuzzLinkTypes {
		if l == lt {
			return uint8(i)
		}
	}
	panic("test bug: link type not in fuzzLinkTypes")
}

func FuzzDecode(f *testing.F) {
	for _, payload := range [][]byte{helloPayload, nil} {
		for _, c := range linkFrames(payload) {
			f.Add(linkIndex(c.lt), c.frame)
			f.Add(linkIndex(c.lt), c.frame[:len(c.frame)-len(payload)/2]) // cut in the payload
			f.Add(linkIndex(c.lt), c.frame[:len(c.frame)-1])              // one byte short
			f.Add(linkIndex(c.lt), c.frame[:c.ipStart(payload)+30])       // cut in a header
		}
	}
	for _, a := range optionAreas {
		opts := hx(a.hex)
		for len(opts)%4 != 0 {
			opts = append(opts, 0)
		}
		seg := tcpSeg{src: cli4, dst: srv4, seq: 1, ack: 2, flags: decode.FlagACK, window: 9, opts: opts, payload: helloPayload}
		f.Add(linkIndex(layers.LinkTypeEthernet), ethernet(0x0800, ipv4(cli4.Addr(), srv4.Addr(), protoTCP, seg.encode())))
	}
	f.Add(linkIndex(layers.LinkTypeRaw), ipv6(cli6.Addr(), srv6.Addr(), protoTCP, dataSeg(cli6, srv6, nil).encode(), extFragment))
	f.Add(linkIndex(layers.LinkTypeRaw), ipv6(cli6.Addr(), srv6.Addr(), protoTCP, dataSeg(cli6, srv6, nil).encode(), extAtomic))
	f.Add(linkIndex(layers.LinkTypeEthernet), ethernet(0x0800, ipv4(cli4.Addr(), srv4.Addr(), protoUDP, hx("87 07 14 51 00 08 00 00"))))

	for _, fr := range realFrames(f, 40) {
		f.Add(linkIndex(fr.lt), fr.frame)
	}

	// A Decoder and Packet kept across inputs, as in real use: Decode must
	// not depend on the previous frame.
	reused := decode.NewDecoder()
	var reusedPkt decode.Packet
	f.Fuzz(func(t *testing.T, link uint8, frame []byte) {
		lt := fuzzLinkTypes[int(link)%len(fuzzLinkTypes)]
		var p decode.Packet
		err := decode.NewDecoder().Decode(lt, frame, &p)
		err2 := reused.Decode(lt, frame, &reusedPkt)
		if (err == nil) != (err2 == nil) || summary(&p) != summary(&reusedPkt) {
			t.Fatalf("a reused Decoder and Packet disagree:\n%v %s\n%v %s", err, summary(&p), err2, summary(&reusedPkt))
		}
		var mp decode.Packet
		err3 := decode.NewMapDecoder().Decode(lt, frame, &mp)
		if fmt.Sprint(err) != fmt.Sprint(err3) || summary(&p) != summary(&mp) {
			t.Fatalf("gopacket's map containers decode otherwise:\n%v %s\n%v %s", err, summary(&p), err3, summary(&mp))
		}
		if err != nil {
			if !errors.Is(err, decode.ErrNotTCP) && !errors.Is(err, decode.ErrTruncated) && !errors.Is(err, decode.ErrUnsupportedLink) {
				t.Fatalf("unexpected error %v", err)
			}
			if p.MPTCP() || p.PayloadLen != 0 || len(p.Payload) != 0 || p.Src.IsValid() {
				t.Fatalf("failed Decode left %s", summary(&p))
			}
			return
		}
		if len(p.Payload) > p.PayloadLen {
			t.Fatalf("Payload %d bytes > PayloadLen %d", len(p.Payload), p.PayloadLen)
		}
		if !p.Truncated && len(p.Payload) != p.PayloadLen {
			t.Fatalf("not truncated, but Payload %d bytes ≠ PayloadLen %d", len(p.Payload), p.PayloadLen)
		}
		if len(p.Payload) > 0 && !aliases(frame, p.Payload) {
			t.Fatal("Payload does not alias the frame")
		}
		if !p.Src.IsValid() || !p.Dst.IsValid() || p.Src.Addr().Is4() != p.Dst.Addr().Is4() {
			t.Fatalf("addresses %v, %v", p.Src, p.Dst)
		}
		for _, o := range p.Options {
			if len(o.Raw) < 3 || o.Raw[0] != decode.OptionKindMPTCP || len(o.Raw) != int(o.Raw[1]) || !aliases(frame, o.Raw) {
				t.Fatalf("option at %d: bad Raw %x", o.Offset, o.Raw)
			}
			if err := reparse(o); err != nil {
				t.Fatal(err)
			}
		}
		for _, e := range p.OptionErrors {
			checkOptionError(t, &e, e.Subtype)
		}
	})
}

type realFrame struct {
	lt    layers.LinkType
	frame []byte
}

// realFrames returns up to n frames of each small real capture in
// testdata/pcaps (v0 and v1, several link types), as fuzzing seeds.
func realFrames(tb testing.TB, n int) []realFrame {
	tb.Helper()
	names, _ := filepath.Glob("../testdata/pcaps/*.pcap")
	var out []realFrame
	for _, name := range names {
		if st, err := os.Stat(name); err != nil || st.Size() > 64<<10 {
			continue // the large ones add nothing the small ones lack
		}
		fh, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		r, err := pcapgo.NewReader(fh)
		if err != nil {
			fh.Close()
			tb.Fatalf("%s: %v", name, err)
		}
		lt := r.LinkType()
		known := false
		for _, l := range fuzzLinkTypes {
			known = known || l == lt
		}
		for i := 0; i < n && known; i++ {
			data, _, err := r.ReadPacketData()
			if err != nil {
				break
			}
			out = append(out, realFrame{lt, data})
		}
		fh.Close()
	}
	if len(out) == 0 {
		tb.Fatal("no real frames found in ../testdata/pcaps")
	}
	return out
}
