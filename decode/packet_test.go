package decode_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/seqnum"
)

// Frames are built by hand, byte by byte, so the tests do not depend on
// the encoder of the library the decoder itself uses.

// tcpSeg is a TCP segment to encode. opts must be a multiple of 4 bytes.
type tcpSeg struct {
	src, dst netip.AddrPort
	seq, ack uint32
	flags    decode.TCPFlags
	window   uint16
	opts     []byte
	payload  []byte
}

func (s tcpSeg) encode() []byte {
	if len(s.opts)%4 != 0 {
		panic("test bug: options not padded to 4 bytes")
	}
	b := make([]byte, 20, 20+len(s.opts)+len(s.payload))
	binary.BigEndian.PutUint16(b[0:], s.src.Port())
	binary.BigEndian.PutUint16(b[2:], s.dst.Port())
	binary.BigEndian.PutUint32(b[4:], s.seq)
	binary.BigEndian.PutUint32(b[8:], s.ack)
	b[12] = byte((20+len(s.opts))/4) << 4
	b[13] = byte(s.flags)
	binary.BigEndian.PutUint16(b[14:], s.window)
	// Checksum and urgent pointer stay 0: the decoder does not check them.
	b = append(b, s.opts...)
	return append(b, s.payload...)
}

const (
	protoTCP     = 6
	protoUDP     = 17
	protoHopOpts = 0
	protoDstOpts = 60
	protoFrag    = 44
)

// ipv4 wraps l4 in an IPv4 header (no options) with a valid checksum.
func ipv4(src, dst netip.Addr, proto byte, l4 []byte) []byte {
	return ipv4Frag(src, dst, proto, 0, l4)
}

func ipv4Frag(src, dst netip.Addr, proto byte, flagsFrag uint16, l4 []byte) []byte {
	h := make([]byte, 20)
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(l4)))
	binary.BigEndian.PutUint16(h[4:], 0x1234)
	binary.BigEndian.PutUint16(h[6:], flagsFrag)
	h[8] = 64
	h[9] = proto
	s4, d4 := src.As4(), dst.As4()
	copy(h[12:], s4[:])
	copy(h[16:], d4[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(h[10:], ^uint16(sum))
	return append(h, l4...)
}

// ipv6ext is an IPv6 extension header: its own protocol number and its
// bytes, whose first byte (next header) ipv6 fills in.
type ipv6ext struct {
	proto byte
	hdr   []byte
}

var (
	extHopByHop = ipv6ext{protoHopOpts, []byte{0, 0, 0x01, 0x04, 0, 0, 0, 0}}                         // PadN
	extDstOpts  = ipv6ext{protoDstOpts, []byte{0, 1, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}} // 16 bytes, PadN
	extFragment = ipv6ext{protoFrag, []byte{0, 0, 0x00, 0xb9, 0xca, 0xfe, 0xba, 0xbe}}                // offset 23 (184 bytes), M=1
	extAtomic   = ipv6ext{protoFrag, []byte{0, 0, 0x00, 0x00, 0xca, 0xfe, 0xba, 0xbe}}                // offset 0, M=0
	extFirst    = ipv6ext{protoFrag, []byte{0, 0, 0x00, 0x01, 0xca, 0xfe, 0xba, 0xbe}}                // offset 0, M=1
)

// ipv6 wraps l4 in an IPv6 header and the given extension headers.
func ipv6(src, dst netip.Addr, proto byte, l4 []byte, ext ...ipv6ext) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	next := proto
	var chain []byte
	for i := len(ext) - 1; i >= 0; i-- {
		e := append([]byte{}, ext[i].hdr...)
		e[0] = next
		next = ext[i].proto
		chain = append(e, chain...)
	}
	binary.BigEndian.PutUint16(h[4:], uint16(len(chain)+len(l4)))
	h[6] = next
	h[7] = 64
	s16, d16 := src.As16(), dst.As16()
	copy(h[8:], s16[:])
	copy(h[24:], d16[:])
	return append(append(h, chain...), l4...)
}

func ethernet(etherType uint16, payload []byte, vlanTags ...uint16) []byte {
	b := []byte{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01}
	// vlanTags are (TPID, TCI) pairs, outermost first.
	for i := 0; i+1 < len(vlanTags); i += 2 {
		b = binary.BigEndian.AppendUint16(b, vlanTags[i])
		b = binary.BigEndian.AppendUint16(b, vlanTags[i+1])
	}
	b = binary.BigEndian.AppendUint16(b, etherType)
	b = append(b, payload...)
	for len(b) < 60 { // minimum frame, without FCS
		b = append(b, 0)
	}
	return b
}

// linuxSLL is the 16-byte "cooked" header of link type 113.
func linuxSLL(etherType uint16, payload []byte) []byte {
	b := []byte{0x00, 0x04, 0x00, 0x01, 0x00, 0x06, 0x02, 0, 0, 0, 0, 0x01, 0, 0}
	b = binary.BigEndian.AppendUint16(b, etherType)
	return append(b, payload...)
}

// linuxSLL2 is the 20-byte header of link type 276.
func linuxSLL2(etherType uint16, payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, etherType)
	b = append(b, 0, 0, 0, 0, 0, 3, 0x00, 0x01, 0x04, 0x06, 0x02, 0, 0, 0, 0, 0x01, 0, 0)
	return append(b, payload...)
}

func nullLE(family uint32, payload []byte) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, family), payload...)
}

func nullBE(family uint32, payload []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, family), payload...)
}

func ppp(hdlc bool, proto uint16, payload []byte) []byte {
	var b []byte
	if hdlc {
		b = []byte{0xff, 0x03}
	}
	b = binary.BigEndian.AppendUint16(b, proto)
	return append(b, payload...)
}

var (
	cli4 = netip.MustParseAddrPort("10.0.0.1:34567")
	srv4 = netip.MustParseAddrPort("10.0.0.2:5201")
	cli6 = netip.MustParseAddrPort("[2001:db8::1]:34567")
	srv6 = netip.MustParseAddrPort("[2001:db8::2]:5201")

	// The options of a Linux data segment: NOP NOP TS, DSS ACK32 + map32,
	// NOP NOP. The DSS starts at offset 12.
	dataOpts = hx(hexNOPNOPTS + hexDSSAckMap + "01 01")
)

func dataSeg(src, dst netip.AddrPort, payload []byte) tcpSeg {
	return tcpSeg{src: src, dst: dst, seq: 0x01020304, ack: 0xa0b0c0d0, flags: decode.FlagPSH | decode.FlagACK,
		window: 502, opts: dataOpts, payload: payload}
}

// ip4Data and ip6Data are the IP packets of the standard data segment; the
// IPv6 one has a hop-by-hop and a destination-options header before TCP.
func ip4Data(payload []byte) []byte {
	return ipv4(cli4.Addr(), srv4.Addr(), protoTCP, dataSeg(cli4, srv4, payload).encode())
}

func ip6Data(payload []byte) []byte {
	return ipv6(cli6.Addr(), srv6.Addr(), protoTCP, dataSeg(cli6, srv6, payload).encode(), extHopByHop, extDstOpts)
}

type frameCase struct {
	name  string
	lt    layers.LinkType
	frame []byte
	v6    bool
}

// ipStart is where the IP header starts in the frame (frames of the data
// segment are never padded).
func (c frameCase) ipStart(payload []byte) int {
	if c.v6 {
		return len(c.frame) - len(ip6Data(payload))
	}
	return len(c.frame) - len(ip4Data(payload))
}

// linkFrames returns the standard data segment in every link type and IP
// version Decode supports.
func linkFrames(payload []byte) []frameCase {
	p4, p6 := ip4Data(payload), ip6Data(payload)
	return []frameCase{
		{"Ethernet/IPv4", layers.LinkTypeEthernet, ethernet(0x0800, p4), false},
		{"Ethernet/IPv6", layers.LinkTypeEthernet, ethernet(0x86dd, p6), true},
		{"Ethernet/802.1Q/IPv4", layers.LinkTypeEthernet, ethernet(0x0800, p4, 0x8100, 0x0064), false},
		{"Ethernet/802.1Q/IPv6", layers.LinkTypeEthernet, ethernet(0x86dd, p6, 0x8100, 0x2064), true},
		{"Ethernet/QinQ/IPv4", layers.LinkTypeEthernet, ethernet(0x0800, p4, 0x88a8, 0x00c8, 0x8100, 0x0064), false},
		{"Ethernet/QinQ/IPv6", layers.LinkTypeEthernet, ethernet(0x86dd, p6, 0x88a8, 0x00c8, 0x8100, 0x0064), true},
		{"SLL/IPv4", layers.LinkTypeLinuxSLL, linuxSLL(0x0800, p4), false},
		{"SLL/IPv6", layers.LinkTypeLinuxSLL, linuxSLL(0x86dd, p6), true},
		{"SLL2/IPv4", layers.LinkTypeLinuxSLL2, linuxSLL2(0x0800, p4), false},
		{"SLL2/IPv6", layers.LinkTypeLinuxSLL2, linuxSLL2(0x86dd, p6), true},
		{"RAW(101)/IPv4", layers.LinkTypeRaw, p4, false},
		{"RAW(101)/IPv6", layers.LinkTypeRaw, p6, true},
		{"IPV4(228)", layers.LinkTypeIPv4, p4, false},
		{"IPV6(229)", layers.LinkTypeIPv6, p6, true},
		{"DLT_RAW 12/IPv4", 12, p4, false},
		{"DLT_RAW 14/IPv6", 14, p6, true},
		{"NULL little-endian/IPv4", layers.LinkTypeNull, nullLE(2, p4), false},
		{"NULL big-endian/IPv4", layers.LinkTypeNull, nullBE(2, p4), false},
		{"NULL little-endian/IPv6 (BSD 24)", layers.LinkTypeNull, nullLE(24, p6), true},
		{"NULL big-endian/IPv6 (FreeBSD 28)", layers.LinkTypeNull, nullBE(28, p6), true},
		{"NULL little-endian/IPv6 (Darwin 30)", layers.LinkTypeNull, nullLE(30, p6), true},
		{"LOOP/IPv4", layers.LinkTypeLoop, nullBE(2, p4), false},
		{"LOOP/IPv6", layers.LinkTypeLoop, nullBE(24, p6), true},
		{"PPP ff03/IPv4", layers.LinkTypePPP, ppp(true, 0x0021, p4), false},
		{"PPP ff03/IPv6", layers.LinkTypePPP, ppp(true, 0x0057, p6), true},
		{"PPP/IPv4", layers.LinkTypePPP, ppp(false, 0x0021, p4), false},
		{"PPP/IPv6", layers.LinkTypePPP, ppp(false, 0x0057, p6), true},
	}
}

var helloPayload = []byte("hello")

func TestDecodeLinkTypes(t *testing.T) {
	d := decode.NewDecoder()
	var p decode.Packet
	for _, tc := range linkFrames(helloPayload) {
		t.Run(tc.name, func(t *testing.T) {
			if !decode.LinkSupported(tc.lt) {
				t.Errorf("LinkSupported(%d) = false", tc.lt)
			}
			if err := d.Decode(tc.lt, tc.frame, &p); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			src, dst := cli4, srv4
			if tc.v6 {
				src, dst = cli6, srv6
			}
			checkDataPacket(t, &p, tc.frame, src, dst, helloPayload, len(helloPayload), false)
		})
	}
}

// checkDataPacket asserts every field of a decoded standard data segment.
func checkDataPacket(t *testing.T, p *decode.Packet, frame []byte, src, dst netip.AddrPort, payload []byte, wireLen int, truncated bool) {
	t.Helper()
	if p.Src != src || p.Dst != dst {
		t.Errorf("Src, Dst = %v, %v; want %v, %v", p.Src, p.Dst, src, dst)
	}
	if p.Seq != seqnum.SSN(0x01020304) || p.Ack != seqnum.SSN(0xa0b0c0d0) {
		t.Errorf("Seq, Ack = %#x, %#x", uint32(p.Seq), uint32(p.Ack))
	}
	if p.Flags != decode.FlagPSH|decode.FlagACK || p.Window != 502 {
		t.Errorf("Flags %v, Window %d; want PA, 502", p.Flags, p.Window)
	}
	if !bytes.Equal(p.Payload, payload) || p.PayloadLen != wireLen || p.Truncated != truncated {
		t.Errorf("Payload %q, PayloadLen %d, Truncated %v; want %q, %d, %v", p.Payload, p.PayloadLen, p.Truncated, payload, wireLen, truncated)
	}
	if len(p.Payload) > 0 && !aliases(frame, p.Payload) {
		t.Error("Payload does not alias the frame")
	}
	if len(p.OptionErrors) != 0 {
		t.Errorf("OptionErrors = %+v", p.OptionErrors)
	}
	if len(p.Options) != 1 {
		t.Fatalf("got %d options, want the DSS", len(p.Options))
	}
	o := p.Options[0]
	if o.Subtype != decode.SubtypeDSS || o.Offset != 12 || !bytes.Equal(o.Raw, hx(hexDSSAckMap)) || o.DSS != wantDSSAckMap {
		t.Errorf("option = %+v", o)
	}
	if !aliases(frame, o.Raw) {
		t.Error("Option.Raw does not alias the frame")
	}
	if !p.MPTCP() || p.Option(decode.SubtypeDSS) != &p.Options[0] || p.Option(decode.SubtypeMPCapable) != nil {
		t.Error("MPTCP() or Option() disagree with Options")
	}
}

// aliases reports whether sub lies inside frame's memory.
func aliases(frame, sub []byte) bool {
	for i := range frame {
		if &frame[i] == &sub[0] {
			return i+len(sub) <= len(frame)
		}
	}
	return false
}

// A frame cut by the snap length in the payload decodes, with the captured
// bytes as Payload and the on-wire length as PayloadLen.
func TestDecodeSnaplen(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789"), 30) // 300 bytes on the wire
	d := decode.NewDecoder()
	var p decode.Packet
	for _, tc := range linkFrames(payload) {
		for _, keep := range []int{0, 1, 100, 299} {
			t.Run(fmt.Sprintf("%s/%d of 300", tc.name, keep), func(t *testing.T) {
				cut := len(tc.frame) - len(payload) + keep
				frame := tc.frame[:cut:cut]
				if err := d.Decode(tc.lt, frame, &p); err != nil {
					t.Fatalf("Decode: %v", err)
				}
				src, dst := cli4, srv4
				if tc.v6 {
					src, dst = cli6, srv6
				}
				checkDataPacket(t, &p, frame, src, dst, payload[:keep], 300, true)
			})
		}
	}
}

// Cut in the IP header or the fixed TCP header, a frame is an ErrTruncated
// error (the Packet left reset); cut in the link header it is some error.
// Cut in the TCP options, it decodes: the fixed header counts, the
// options are read up to the cut (an option cut short is ErrTruncated,
// never malformed), and the whole payload is missing.
func TestDecodeHeaderTruncated(t *testing.T) {
	d := decode.NewDecoder()
	var p decode.Packet
	for _, tc := range linkFrames(helloPayload) {
		t.Run(tc.name, func(t *testing.T) {
			ipStart := tc.ipStart(helloPayload)
			payloadStart := len(tc.frame) - len(helloPayload)
			decoded := 0
			for cut := 0; cut < payloadStart; cut++ {
				err := d.Decode(tc.lt, tc.frame[:cut:cut], &p)
				switch {
				case err == nil:
					decoded++
					if cut < ipStart+40 || !p.Truncated || len(p.Payload) != 0 || p.PayloadLen != len(helloPayload) {
						t.Fatalf("cut at %d of %d: decoded %s", cut, len(tc.frame), summary(&p))
					}
					for _, e := range p.OptionErrors {
						if !errors.Is(&e, decode.ErrTruncated) {
							t.Fatalf("cut at %d: option error %v, want truncated", cut, &e)
						}
					}
					continue
				case cut > ipStart && !errors.Is(err, decode.ErrTruncated):
					t.Fatalf("cut at %d (IP at %d, payload at %d): err %v, want ErrTruncated", cut, ipStart, payloadStart, err)
				}
				if p.MPTCP() || p.PayloadLen != 0 || p.Src.IsValid() {
					t.Fatalf("cut at %d: packet not reset after an error: %s", cut, summary(&p))
				}
			}
			if decoded == 0 {
				t.Error("no cut inside the TCP options decoded")
			}
		})
	}
}

// Ethernet pads short frames to 60 bytes; the padding is not payload.
func TestDecodeEthernetPadding(t *testing.T) {
	seg := tcpSeg{src: cli4, dst: srv4, seq: 1, ack: 2, flags: decode.FlagACK, window: 100}
	frame := ethernet(0x0800, ipv4(cli4.Addr(), srv4.Addr(), protoTCP, seg.encode()))
	if len(frame) != 60 {
		t.Fatalf("test bug: frame is %d bytes", len(frame))
	}
	var p decode.Packet
	if err := decode.NewDecoder().Decode(layers.LinkTypeEthernet, frame, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Payload) != 0 || p.PayloadLen != 0 || p.Truncated || p.MPTCP() {
		t.Errorf("Payload %x, PayloadLen %d, Truncated %v, options %+v", p.Payload, p.PayloadLen, p.Truncated, p.Options)
	}
	if p.Flags != decode.FlagACK || p.Seq != 1 || p.Ack != 2 || p.Window != 100 {
		t.Errorf("got %s", summary(&p))
	}
}

// Segments of the connection's life, with the options they carry, through
// Decode: the same option areas as ParseOptions, now behind real headers.
func TestDecodeOptions(t *testing.T) {
	d := decode.NewDecoder()
	var p decode.Packet
	for _, tc := range []struct {
		name  string
		flags decode.TCPFlags
		opts  string
		want  []decode.Subtype
		errs  int
	}{
		{"SYN", decode.FlagSYN, "02 04 05 b4 04 02 08 0a 00 01 e2 40 00 00 00 00 01 03 03 07 1e 04 01 81", []decode.Subtype{decode.SubtypeMPCapable}, 0},
		{"third ACK", decode.FlagACK, hexNOPNOPTS + "1e 14 01 81 1b 6f a8 c4 d2 e3 f5 09 7e 5d 3c 2b 1a 09 8f 6e", []decode.Subtype{decode.SubtypeMPCapable}, 0},
		{"ADD_ADDR + DSS", decode.FlagACK, hexAddAddr18 + "01 01" + hexDSSAck32, []decode.Subtype{decode.SubtypeAddAddr, decode.SubtypeDSS}, 0},
		{"RST with MP_FASTCLOSE + MP_TCPRST", decode.FlagRST | decode.FlagACK, hexFastClose + hexTCPRst, []decode.Subtype{decode.SubtypeMPFastClose, decode.SubtypeMPTCPRst}, 0},
		{"bad MP_JOIN then DSS", decode.FlagACK, "1e 0d 10 02 b3 5a 5e ac 3c 4d 5e 6f 00 01 01 01" + hexDSSAck32, []decode.Subtype{decode.SubtypeDSS}, 1},
		// Ten 3-byte MP_PRIOs with NOPs: more options than the Packet's
		// fixed backing array holds.
		{"ten MP_PRIO", decode.FlagACK, repeatHexStr("1e 03 51 01", 10), repeatSubtype(decode.SubtypeMPPrio, 10), 0},
		{"plain TCP", decode.FlagACK, hexNOPNOPTS, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seg := tcpSeg{src: cli4, dst: srv4, seq: 7, ack: 9, flags: tc.flags, window: 64, opts: hx(tc.opts)}
			frame := ethernet(0x0800, ipv4(cli4.Addr(), srv4.Addr(), protoTCP, seg.encode()))
			if err := d.Decode(layers.LinkTypeEthernet, frame, &p); err != nil {
				t.Fatal(err)
			}
			var got []decode.Subtype
			for _, o := range p.Options {
				got = append(got, o.Subtype)
				if err := reparse(o); err != nil {
					t.Error(err)
				}
			}
			if !reflect.DeepEqual(got, tc.want) || len(p.OptionErrors) != tc.errs {
				t.Errorf("options %v, %d errors; want %v, %d", got, len(p.OptionErrors), tc.want, tc.errs)
			}
			if p.Flags != tc.flags || p.MPTCP() != (len(tc.want)+tc.errs > 0) {
				t.Errorf("Flags %v, MPTCP() %v", p.Flags, p.MPTCP())
			}
		})
	}
}

func repeatHexStr(s string, n int) string {
	out := ""
	for range n {
		out += s + " "
	}
	return out
}

func repeatSubtype(st decode.Subtype, n int) []decode.Subtype {
	s := make([]decode.Subtype, n)
	for i := range s {
		s[i] = st
	}
	return s
}

func TestDecodeNotTCP(t *testing.T) {
	udp := hx("87 07 14 51 00 0d 00 00 68 65 6c 6c 6f")
	tcp4 := dataSeg(cli4, srv4, helloPayload).encode()
	tcp6 := dataSeg(cli6, srv6, helloPayload).encode()
	for _, tc := range []struct {
		name  string
		lt    layers.LinkType
		frame []byte
	}{
		{"Ethernet/IPv4/UDP", layers.LinkTypeEthernet, ethernet(0x0800, ipv4(cli4.Addr(), srv4.Addr(), protoUDP, udp))},
		{"Ethernet/IPv6/UDP", layers.LinkTypeEthernet, ethernet(0x86dd, ipv6(cli6.Addr(), srv6.Addr(), protoUDP, udp))},
		{"SLL2/IPv6/dst-opts/UDP", layers.LinkTypeLinuxSLL2, linuxSLL2(0x86dd, ipv6(cli6.Addr(), srv6.Addr(), protoUDP, udp, extDstOpts))},
		{"RAW/IPv4/UDP", layers.LinkTypeRaw, ipv4(cli4.Addr(), srv4.Addr(), protoUDP, udp)},
		{"Ethernet/ARP", layers.LinkTypeEthernet, ethernet(0x0806, hx("0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002"))},
		{"RAW, IP version 5", layers.LinkTypeRaw, append([]byte{0x50}, make([]byte, 39)...)},
		{"PPP LCP", layers.LinkTypePPP, ppp(true, 0xc021, hx("01 01 00 04"))},
		{"IPv4 fragment at offset 1480", layers.LinkTypeRaw, ipv4Frag(cli4.Addr(), srv4.Addr(), protoTCP, 185, tcp4)},
		{"IPv6 fragment at offset 184", layers.LinkTypeRaw, ipv6(cli6.Addr(), srv6.Addr(), protoTCP, tcp6, extFragment)},
		// First fragments are not decoded either (gopacket's IPv4 layer hands
		// over no TCP for them): their lengths describe the fragment only.
		{"IPv4 first fragment", layers.LinkTypeRaw, ipv4Frag(cli4.Addr(), srv4.Addr(), protoTCP, 0x2000, tcp4)},
		{"IPv6 first fragment", layers.LinkTypeRaw, ipv6(cli6.Addr(), srv6.Addr(), protoTCP, tcp6, extFirst)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p decode.Packet
			err := decode.NewDecoder().Decode(tc.lt, tc.frame, &p)
			if !errors.Is(err, decode.ErrNotTCP) {
				t.Errorf("err = %v, want ErrNotTCP (packet %s)", err, summary(&p))
			}
		})
	}
}

// An atomic IPv6 fragment (offset 0, no more fragments) is a whole packet.
func TestDecodeIPv6AtomicFragment(t *testing.T) {
	frame := ipv6(cli6.Addr(), srv6.Addr(), protoTCP, dataSeg(cli6, srv6, helloPayload).encode(), extAtomic)
	var p decode.Packet
	if err := decode.NewDecoder().Decode(layers.LinkTypeIPv6, frame, &p); err != nil {
		t.Fatal(err)
	}
	checkDataPacket(t, &p, frame, cli6, srv6, helloPayload, len(helloPayload), false)
}

func TestDecodeUnsupportedLink(t *testing.T) {
	frame := ethernet(0x0800, ip4Data(helloPayload))
	for _, lt := range []layers.LinkType{layers.LinkTypeIEEE802_11, layers.LinkTypeIEEE80211Radio, layers.LinkTypeFDDI, 1000} {
		if decode.LinkSupported(lt) {
			t.Errorf("LinkSupported(%d) = true", lt)
		}
		var p decode.Packet
		if err := decode.NewDecoder().Decode(lt, frame, &p); !errors.Is(err, decode.ErrUnsupportedLink) {
			t.Errorf("link type %d: err = %v, want ErrUnsupportedLink", lt, err)
		}
	}
}

// A Packet reused for a frame without options, or one that fails, keeps
// nothing of the previous frame.
func TestDecodeResetsPacket(t *testing.T) {
	d := decode.NewDecoder()
	var p decode.Packet
	if err := d.Decode(layers.LinkTypeRaw, ip4Data(helloPayload), &p); err != nil || !p.MPTCP() {
		t.Fatalf("err %v, MPTCP %v", err, p.MPTCP())
	}
	plain := tcpSeg{src: cli6, dst: srv6, seq: 1, flags: decode.FlagSYN, window: 1}
	if err := d.Decode(layers.LinkTypeRaw, ipv6(cli6.Addr(), srv6.Addr(), protoTCP, plain.encode()), &p); err != nil {
		t.Fatal(err)
	}
	if p.MPTCP() || len(p.Payload) != 0 || p.PayloadLen != 0 || p.Src != cli6 || p.Ack != 0 || p.Flags != decode.FlagSYN {
		t.Errorf("after a plain SYN: %s", summary(&p))
	}
	if err := d.Decode(layers.LinkTypeRaw, ip4Data(helloPayload), &p); err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(layers.LinkTypeEthernet, []byte{1, 2, 3}, &p); err == nil {
		t.Fatal("a 3-byte Ethernet frame decoded")
	}
	if !reflect.DeepEqual(p.Options, []decode.Option{}) || p.Src.IsValid() || p.Seq != 0 || p.Window != 0 || p.Truncated {
		t.Errorf("after an error: %s", summary(&p))
	}
}

func TestTCPFlags(t *testing.T) {
	for _, tc := range []struct {
		f    decode.TCPFlags
		want string
	}{
		{0, "."},
		{decode.FlagSYN, "S"},
		{decode.FlagSYN | decode.FlagACK, "SA"},
		{decode.FlagPSH | decode.FlagACK, "PA"},
		{decode.FlagFIN | decode.FlagACK, "FA"},
		{decode.FlagRST, "R"},
		{0xff, "FSRPAUEC"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("TCPFlags(%#x).String() = %q, want %q", uint8(tc.f), got, tc.want)
		}
	}
	f := decode.FlagSYN | decode.FlagACK
	if !f.Has(decode.FlagSYN) || !f.Has(decode.FlagSYN|decode.FlagACK) || f.Has(decode.FlagSYN|decode.FlagFIN) {
		t.Error("Has is wrong")
	}
}

// benchFrame is an Ethernet/IPv4/TCP data segment with timestamps and a DSS.
func benchFrame() []byte {
	return ethernet(0x0800, ip4Data(bytes.Repeat([]byte{'x'}, 1000)))
}

// The hot path allocates nothing once the Packet's backing arrays exist.
func TestDecodeDoesNotAllocate(t *testing.T) {
	d := decode.NewDecoder()
	var p decode.Packet
	// IPv6 with a destination-options header only: gopacket's IPv6 layer
	// allocates one struct per hop-by-hop option, which this package does
	// not control (hop-by-hop headers are rare on TCP segments).
	ip6 := ipv6(cli6.Addr(), srv6.Addr(), protoTCP, dataSeg(cli6, srv6, helloPayload).encode(), extDstOpts)
	frames := [][]byte{benchFrame(), ethernet(0x86dd, ip6)}
	for _, frame := range frames {
		if err := d.Decode(layers.LinkTypeEthernet, frame, &p); err != nil {
			t.Fatal(err)
		}
	}
	for i, frame := range frames {
		allocs := testing.AllocsPerRun(1000, func() {
			if err := d.Decode(layers.LinkTypeEthernet, frame, &p); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("frame %d: Decode allocates %v times per frame, want 0", i, allocs)
		}
		if p.Option(decode.SubtypeDSS) == nil {
			t.Error("the DSS was not decoded")
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	d := decode.NewDecoder()
	var p decode.Packet
	frame := benchFrame()
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if err := d.Decode(layers.LinkTypeEthernet, frame, &p); err != nil {
			b.Fatal(err)
		}
	}
}

// summary prints the exported fields of p that matter, without the
// Packet's backing arrays.
func summary(p *decode.Packet) string {
	s := fmt.Sprintf("%v → %v seq %#x ack %#x %v win %d payload %d/%d truncated %v wscale %d/%v payload %x",
		p.Src, p.Dst, uint32(p.Seq), uint32(p.Ack), p.Flags, p.Window, len(p.Payload), p.PayloadLen, p.Truncated,
		p.WindowScale, p.HasWindowScale, p.Payload)
	for _, o := range p.Options {
		s += fmt.Sprintf(" [%v@%d %x]", o.Subtype, o.Offset, o.Raw)
	}
	for _, e := range p.OptionErrors {
		s += fmt.Sprintf(" [error %v]", &e)
	}
	return s
}
