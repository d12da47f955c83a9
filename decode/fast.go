package decode

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket/layers"
)

// fast decodes the commonest frames without gopacket's layer dispatch,
// which was half of the decoding time: Ethernet II (with at most one
// 802.1Q tag) or Linux cooked (SLL, SLL2) frames carrying IPv4 without
// options and not a fragment, or IPv6 whose next header is TCP, each
// captured up to the length its IP header gives (a longer frame is
// padded), and a TCP header that decodes. It reports false for anything
// else, and Decode then gives the frame to gopacket; both fill the same
// Packet (FuzzDecode compares them on every input).
func (d *Decoder) fast(lt layers.LinkType, frame []byte, p *Packet) bool {
	var et uint16
	var ip []byte
	switch lt {
	case layers.LinkTypeEthernet:
		if len(frame) < 14 {
			return false
		}
		et, ip = binary.BigEndian.Uint16(frame[12:14]), frame[14:]
		if et == 0x8100 { // one VLAN tag
			if len(ip) < 4 {
				return false
			}
			et, ip = binary.BigEndian.Uint16(ip[2:4]), ip[4:]
		}
	case layers.LinkTypeLinuxSLL:
		if len(frame) < 16 || binary.BigEndian.Uint16(frame[4:6]) > 8 { // address length
			return false
		}
		et, ip = binary.BigEndian.Uint16(frame[14:16]), frame[16:]
	case layers.LinkTypeLinuxSLL2:
		if len(frame) < 20 || frame[11] > 8 { // address length
			return false
		}
		switch binary.BigEndian.Uint16(frame[8:10]) { // ARPHRD_ types gopacket reads otherwise
		case uint16(layers.ARPHardwareTypeFRAD), uint16(layers.ARPHardwareTypeDot11Radiotap), uint16(layers.ARPHardwareTypeIPGRE):
			return false
		}
		et, ip = binary.BigEndian.Uint16(frame[0:2]), frame[20:]
	default:
		return false
	}
	var seg []byte
	var src, dst netip.Addr
	wire := 0
	switch et {
	case 0x0800:
		if len(ip) < 20 || ip[0] != 0x45 || ip[9] != 6 {
			return false
		}
		n := int(binary.BigEndian.Uint16(ip[2:4]))
		if n < 20 || n > len(ip) || binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0 { // more fragments, or an offset
			return false
		}
		seg, wire = ip[20:n], n-20
		src, dst = netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
	case 0x86dd:
		if len(ip) < 40 || ip[0]>>4 != 6 || ip[6] != 6 {
			return false
		}
		n := int(binary.BigEndian.Uint16(ip[4:6]))
		if n == 0 || 40+n > len(ip) {
			return false
		}
		seg, wire = ip[40:40+n], n
		src, dst = netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40]))
	default:
		return false
	}
	d.fb.truncated = false
	if d.tcp.DecodeFromBytes(seg, &d.fb) != nil {
		return false
	}
	p.Src = netip.AddrPortFrom(src, d.tcp.SrcPort)
	p.Dst = netip.AddrPortFrom(dst, d.tcp.DstPort)
	d.finish(p, wire, d.fb.truncated)
	return true
}

// truncatedFlag is a gopacket.DecodeFeedback that remembers truncation.
type truncatedFlag struct{ truncated bool }

func (f *truncatedFlag) SetTruncated() { f.truncated = true }
