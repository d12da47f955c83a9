package decode

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/mptcpdump/mptcpdump/seqnum"
)

// TCPFlags are the TCP header flags (byte 13).
type TCPFlags uint8

// TCP flag bits.
const (
	FlagFIN TCPFlags = 0x01
	FlagSYN TCPFlags = 0x02
	FlagRST TCPFlags = 0x04
	FlagPSH TCPFlags = 0x08
	FlagACK TCPFlags = 0x10
	FlagURG TCPFlags = 0x20
	FlagECE TCPFlags = 0x40
	FlagCWR TCPFlags = 0x80
)

// Has reports whether every flag in f2 is set.
func (f TCPFlags) Has(f2 TCPFlags) bool { return f&f2 == f2 }

func (f TCPFlags) String() string {
	const names = "FSRPAUEC"
	var b []byte
	for i := 0; i < 8; i++ {
		if f&(1<<i) != 0 {
			b = append(b, names[i])
		}
	}
	if len(b) == 0 {
		return "."
	}
	return string(b)
}

// Packet is one decoded TCP segment with its MPTCP options. The zero value
// is ready for Decoder.Decode, which reuses its backing arrays.
type Packet struct {
	Number uint64    // frame number in the capture, from 1
	Time   time.Time // capture timestamp: the analysis clock

	Src, Dst netip.AddrPort
	Seq, Ack seqnum.SSN
	Flags    TCPFlags
	Window   uint16
	// WindowScale is the shift of the window scale option, on SYNs only.
	WindowScale    uint8
	HasWindowScale bool

	// Payload is the captured TCP payload; PayloadLen its length on the
	// wire, which is larger when the snap length cut the frame.
	Payload    []byte
	PayloadLen int
	// Truncated is set when part of the segment was not captured.
	Truncated bool

	Options      []Option      // MPTCP options, in header order
	OptionErrors []OptionError // MPTCP options that could not be decoded

	optBuf [6]Option
	errBuf [2]OptionError
}

// MPTCP reports whether the segment carries any MPTCP option, valid or not.
func (p *Packet) MPTCP() bool { return len(p.Options) > 0 || len(p.OptionErrors) > 0 }

// Option returns the first option of subtype st, or nil.
func (p *Packet) Option(st Subtype) *Option {
	for i := range p.Options {
		if p.Options[i].Subtype == st {
			return &p.Options[i]
		}
	}
	return nil
}

func (p *Packet) reset() {
	if p.Options == nil {
		p.Options, p.OptionErrors = p.optBuf[:0], p.errBuf[:0]
	}
	p.Options, p.OptionErrors = p.Options[:0], p.OptionErrors[:0]
	p.Src, p.Dst = netip.AddrPort{}, netip.AddrPort{}
	p.Seq, p.Ack, p.Flags, p.Window = 0, 0, 0, 0
	p.Payload, p.PayloadLen, p.Truncated = nil, 0, false
	p.WindowScale, p.HasWindowScale = 0, false
}

// windowScale returns the shift of the TCP window scale option (RFC 7323
// §2), which only SYNs carry.
func windowScale(opts []byte) (uint8, bool) {
	for i := 0; i < len(opts); {
		switch kind := opts[i]; {
		case kind == 0:
			return 0, false
		case kind == 1:
			i++
		case i+1 >= len(opts) || opts[i+1] < 2:
			return 0, false
		case kind == 3 && opts[i+1] == 3 && i+2 < len(opts):
			return min(opts[i+2], 14), true // RFC 7323 caps the shift at 14
		default:
			i += int(opts[i+1])
		}
	}
	return 0, false
}

// Decoder decodes frames of any supported link type. It keeps one gopacket
// DecodingLayerParser per link layer over one set of reused layers. Not
// safe for concurrent use.
type Decoder struct {
	eth     layers.Ethernet
	dot1q   layers.Dot1Q
	sll     layers.LinuxSLL
	sll2    layers.LinuxSLL2
	loop    layers.Loopback
	ip4     layers.IPv4
	ip6     layers.IPv6
	ip6ext  layers.IPv6ExtensionSkipper
	ip6frag layers.IPv6Fragment
	tcp     tcpHeader

	parsers map[gopacket.LayerType]*gopacket.DecodingLayerParser
	decoded []gopacket.LayerType

	slowOnly bool          // every frame through gopacket (tests compare)
	fb       truncatedFlag // the fast path's DecodeFeedback
}

// NewDecoder returns a Decoder.
func NewDecoder() *Decoder {
	// The layers sit in a slice indexed by layer type rather than
	// gopacket's default map: a map lookup per layer was a quarter of the
	// decoding time.
	return newDecoder(func() gopacket.DecodingLayerContainer { return gopacket.DecodingLayerSparse(nil) })
}

// newDecoder returns a Decoder whose parsers keep their layers in
// containers made by container.
func newDecoder(container func() gopacket.DecodingLayerContainer) *Decoder {
	d := &Decoder{parsers: make(map[gopacket.LayerType]*gopacket.DecodingLayerParser), decoded: make([]gopacket.LayerType, 0, 8)}
	for _, first := range []gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeLinuxSLL, layers.LayerTypeLinuxSLL2,
		layers.LayerTypeLoopback, layers.LayerTypeIPv4, layers.LayerTypeIPv6} {
		// ip6frag comes after ip6ext so that it, not the skipper, decodes
		// fragment headers: the payload of a fragment is no TCP segment.
		dlc := container()
		for _, l := range []gopacket.DecodingLayer{&d.eth, &d.dot1q, &d.sll, &d.sll2, &d.loop, &d.ip4, &d.ip6, &d.ip6ext, &d.ip6frag, &d.tcp} {
			dlc = dlc.Put(l)
		}
		p := gopacket.NewDecodingLayerParser(first)
		p.SetDecodingLayerContainer(dlc)
		p.IgnoreUnsupported = true
		d.parsers[first] = p
	}
	return d
}

// LinkSupported reports whether Decode can read frames of link type lt.
func LinkSupported(lt layers.LinkType) bool {
	switch lt {
	case layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL, layers.LinkTypeLinuxSLL2, layers.LinkTypeNull,
		layers.LinkTypeLoop, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, layers.LinkTypePPP, 12, 14:
		return true
	}
	return false
}

// Decode decodes frame, of link type lt, into p. It returns ErrNotTCP for
// frames without a TCP segment, ErrUnsupportedLink for unknown link types,
// and a wrapped ErrTruncated when the IP or TCP header was cut short. MPTCP
// option problems are not errors here: they land in p.OptionErrors.
func (d *Decoder) Decode(lt layers.LinkType, frame []byte, p *Packet) error {
	p.reset()
	if !d.slowOnly && d.fast(lt, frame, p) {
		return nil
	}
	first, off, err := linkLayer(lt, frame)
	if err != nil {
		return err
	}
	parser := d.parsers[first]
	d.decoded = d.decoded[:0]
	derr := parser.DecodeLayers(frame[off:], &d.decoded)
	var ipLayer gopacket.LayerType
	tcpOK := false
	for _, l := range d.decoded {
		switch l {
		case layers.LayerTypeIPv4, layers.LayerTypeIPv6:
			ipLayer = l
		case layers.LayerTypeTCP:
			tcpOK = true
		}
	}
	if !tcpOK {
		if ipLayer != 0 && derr != nil && parser.Truncated {
			return fmt.Errorf("%w: tcp header: %v", ErrTruncated, derr)
		}
		if next := d.nextLayer(); ipLayer != 0 && parser.Truncated &&
			(next == layers.LayerTypeTCP || layers.LayerClassIPv6Extension.Contains(next)) {
			return fmt.Errorf("%w: %s header not captured", ErrTruncated, next)
		}
		if derr != nil && ipLayer == 0 && parser.Truncated {
			return fmt.Errorf("%w: ip header: %v", ErrTruncated, derr)
		}
		return ErrNotTCP
	}
	t := &d.tcp
	segLen := len(t.Contents) + len(t.Payload) // captured
	wireSeg := segLen
	if ipLayer == layers.LayerTypeIPv4 {
		p.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(d.ip4.SrcIP)), uint16(t.SrcPort))
		p.Dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(d.ip4.DstIP)), uint16(t.DstPort))
		wireSeg = int(d.ip4.Length) - int(d.ip4.IHL)*4
	} else {
		p.Src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(d.ip6.SrcIP)), uint16(t.SrcPort))
		p.Dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(d.ip6.DstIP)), uint16(t.DstPort))
		if d.ip6.Length != 0 {
			ext := len(d.ip6.Payload) - segLen
			if ext < 0 {
				ext = 0
			}
			if d.ip6.HopByHop != nil { // stripped from Payload, counted in Length
				ext += d.ip6.HopByHop.ActualLength
			}
			wireSeg = int(d.ip6.Length) - ext
		}
	}
	d.finish(p, wireSeg, parser.Truncated)
	return nil
}

// finish fills p from the TCP header just decoded; wireSeg is the
// segment's length on the wire, truncated whether a layer was cut.
func (d *Decoder) finish(p *Packet, wireSeg int, truncated bool) {
	t := &d.tcp
	p.Seq = seqnum.SSN(t.Seq)
	p.Ack = seqnum.SSN(t.Ack)
	p.Flags = TCPFlags(t.Contents[13])
	p.Window = t.Window
	p.Payload = t.Payload
	p.PayloadLen = max(wireSeg-t.headerLen, len(t.Payload))
	p.Truncated = truncated || p.PayloadLen > len(t.Payload) || t.cut
	p.Options, p.OptionErrors = parseOptions(t.Contents[20:], p.Options, p.OptionErrors, t.cut)
	if p.Flags.Has(FlagSYN) {
		p.WindowScale, p.HasWindowScale = windowScale(t.Contents[20:])
	}
}

// nextLayer returns the layer type announced by the last layer decoded.
func (d *Decoder) nextLayer() gopacket.LayerType {
	if len(d.decoded) == 0 {
		return gopacket.LayerTypeZero
	}
	switch d.decoded[len(d.decoded)-1] {
	case layers.LayerTypeIPv4:
		return d.ip4.NextLayerType()
	case layers.LayerTypeIPv6:
		return d.ip6.NextLayerType()
	case layers.LayerTypeIPv6Fragment:
		return d.ip6frag.NextLayerType()
	case layers.LayerTypeIPv6HopByHop, layers.LayerTypeIPv6Routing, layers.LayerTypeIPv6Destination:
		return d.ip6ext.NextLayerType()
	}
	return gopacket.LayerTypeZero
}

// tcpHeader is the TCP DecodingLayer: the fixed header fields, with the
// options (Contents[20:]) and payload left as bytes for ParseOptions.
// gopacket's layers.TCP decodes every option itself and allocates a struct
// for each MPTCP one, which would cost the hot path an allocation per
// packet.
type tcpHeader struct {
	layers.BaseLayer
	cut              bool // the header was not captured whole
	headerLen        int  // the header's length on the wire (data offset)
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Window           uint16
}

func (t *tcpHeader) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if len(data) < 20 {
		df.SetTruncated()
		return fmt.Errorf("%d of 20 bytes", len(data))
	}
	hlen := int(data[12]>>4) * 4
	if hlen < 20 {
		return fmt.Errorf("data offset %d bytes", hlen)
	}
	t.cut = hlen > len(data)
	if t.cut {
		// The snap length cut the options: keep the fixed header and the
		// options that were captured, so the segment still counts (ports,
		// sequence numbers, flags) and its options are read up to the cut.
		df.SetTruncated()
		hlen = len(data)
	}
	t.headerLen = int(data[12]>>4) * 4
	t.SrcPort = binary.BigEndian.Uint16(data[0:])
	t.DstPort = binary.BigEndian.Uint16(data[2:])
	t.Seq = binary.BigEndian.Uint32(data[4:])
	t.Ack = binary.BigEndian.Uint32(data[8:])
	t.Window = binary.BigEndian.Uint16(data[14:])
	t.Contents, t.Payload = data[:hlen], data[hlen:]
	return nil
}

func (t *tcpHeader) CanDecode() gopacket.LayerClass    { return layers.LayerTypeTCP }
func (t *tcpHeader) NextLayerType() gopacket.LayerType { return gopacket.LayerTypePayload }

// linkLayer returns the first layer to decode for link type lt and the
// offset at which it starts. Links gopacket has no DecodingLayer for (raw
// IP, PPP) are read here.
func linkLayer(lt layers.LinkType, frame []byte) (gopacket.LayerType, int, error) {
	switch lt {
	case layers.LinkTypeEthernet:
		return layers.LayerTypeEthernet, 0, nil
	case layers.LinkTypeLinuxSLL:
		return layers.LayerTypeLinuxSLL, 0, nil
	case layers.LinkTypeLinuxSLL2:
		return layers.LayerTypeLinuxSLL2, 0, nil
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		return layers.LayerTypeLoopback, 0, nil
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14: // 12 and 14: DLT_RAW on some BSDs
		return ipByVersion(frame, 0)
	case layers.LinkTypePPP:
		off := 0
		if len(frame) >= 2 && frame[0] == 0xff && frame[1] == 0x03 { // HDLC address and control
			off = 2
		}
		if len(frame) < off+2 {
			return 0, 0, fmt.Errorf("%w: ppp header", ErrTruncated)
		}
		switch binary.BigEndian.Uint16(frame[off:]) {
		case 0x0021:
			return layers.LayerTypeIPv4, off + 2, nil
		case 0x0057:
			return layers.LayerTypeIPv6, off + 2, nil
		}
		return 0, 0, ErrNotTCP
	}
	return 0, 0, fmt.Errorf("%w: %d (%s)", ErrUnsupportedLink, int(lt), lt)
}

func ipByVersion(frame []byte, off int) (gopacket.LayerType, int, error) {
	if len(frame) <= off {
		return 0, 0, fmt.Errorf("%w: empty ip packet", ErrTruncated)
	}
	switch frame[off] >> 4 {
	case 4:
		return layers.LayerTypeIPv4, off, nil
	case 6:
		return layers.LayerTypeIPv6, off, nil
	}
	return 0, 0, ErrNotTCP
}
