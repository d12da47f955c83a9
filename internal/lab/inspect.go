//go:build linux

package lab

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Subtype is an MPTCP option subtype (RFC 8684, section 3).
type Subtype uint8

// MPTCP option subtypes.
const (
	MPCapable   Subtype = 0
	MPJoin      Subtype = 1
	DSS         Subtype = 2
	AddAddr     Subtype = 3
	RemoveAddr  Subtype = 4
	MPPrio      Subtype = 5
	MPFail      Subtype = 6
	MPFastclose Subtype = 7
	MPTCPRst    Subtype = 8
)

var subtypeNames = [...]string{"MP_CAPABLE", "MP_JOIN", "DSS", "ADD_ADDR", "REMOVE_ADDR", "MP_PRIO", "MP_FAIL", "MP_FASTCLOSE", "MP_TCPRST"}

func (s Subtype) String() string {
	if int(s) < len(subtypeNames) {
		return subtypeNames[s]
	}
	return fmt.Sprintf("subtype %d", uint8(s))
}

// optMPTCP is the TCP option kind of Multipath TCP.
const optMPTCP = 30

// Summary counts what a capture holds, as a quick independent check of
// Run's output (the project's decoders are what tests really exercise).
type Summary struct {
	Packets      int             // frames in the file
	TCP          int             // frames with a TCP header
	MPTCP        int             // TCP frames with at least one MPTCP option
	Options      map[Subtype]int // MPTCP options by subtype
	JoinSYNs     int             // SYNs (without ACK) carrying MP_JOIN
	DSSChecksums int             // DSS options with a mapping and a checksum
	IPv4, IPv6   int             // TCP frames by IP version
	Subflows     int             // distinct TCP connections with MPTCP options
	Payload      int64           // TCP payload bytes, retransmissions included
}

// Inspect reads a pcap or pcapng file (with pcapgo) and summarizes its
// MPTCP content; frames are decoded with gopacket, whatever their link type.
func Inspect(path string) (*Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	defer f.Close()
	next, err := openCapture(f)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", path, err)
	}
	s := &Summary{Options: make(map[Subtype]int)}
	subflows := make(map[[2]gopacket.Flow]bool)
	for {
		data, linkType, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("inspect %s: packet %d: %w", path, s.Packets+1, err)
		}
		s.Packets++
		pkt := gopacket.NewPacket(data, linkType, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		tcp, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if !ok {
			continue
		}
		s.TCP++
		s.Payload += int64(len(tcp.Payload))
		net := pkt.NetworkLayer()
		switch net.(type) {
		case *layers.IPv4:
			s.IPv4++
		case *layers.IPv6:
			s.IPv6++
		}
		mp := false
		for _, o := range tcp.Options {
			if o.OptionType != optMPTCP || len(o.OptionData) == 0 {
				continue
			}
			mp = true
			st := Subtype(o.OptionData[0] >> 4)
			s.Options[st]++
			switch {
			case st == MPJoin && tcp.SYN && !tcp.ACK:
				s.JoinSYNs++
			case st == DSS && dssHasChecksum(o):
				s.DSSChecksums++
			}
		}
		if mp {
			s.MPTCP++
			if net != nil {
				key := [2]gopacket.Flow{net.NetworkFlow(), tcp.TransportFlow()}
				if rev := [2]gopacket.Flow{key[0].Reverse(), key[1].Reverse()}; !subflows[rev] {
					subflows[key] = true
				}
			}
		}
	}
	s.Subflows = len(subflows)
	return s, nil
}

// dssHasChecksum tells whether a DSS option carries a mapping with a
// checksum: its length is then 2 more than the flags require.
func dssHasChecksum(o layers.TCPOption) bool {
	if len(o.OptionData) < 2 {
		return false
	}
	flags := o.OptionData[1]
	if flags&0x04 == 0 { // M: no mapping
		return false
	}
	n := 4
	if flags&0x01 != 0 { // A: data ACK, 8 bytes with a
		n += 4 + 4*int(flags>>1&1)
	}
	n += 4 + 4*int(flags>>3&1) + 4 + 2 // data sequence number (8 with m), subflow sequence, length
	return int(o.OptionLength) == n+2
}

// frameReader returns the next frame of a capture with its link type, or
// io.EOF at the end.
type frameReader func() ([]byte, layers.LinkType, error)

// pcapngMagic starts a pcapng file (its section header block type).
const pcapngMagic = 0x0a0d0d0a

// openCapture reads a pcap or pcapng file with gopacket's pcapgo.
func openCapture(r io.Reader) (frameReader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, fmt.Errorf("capture header: %w", err)
	}
	if binary.LittleEndian.Uint32(magic) == pcapngMagic {
		opts := pcapgo.DefaultNgReaderOptions
		opts.WantMixedLinkType = true
		ng, err := pcapgo.NewNgReader(br, opts)
		if err != nil {
			return nil, fmt.Errorf("pcapng: %w", err)
		}
		return func() ([]byte, layers.LinkType, error) {
			data, ci, err := ng.ReadPacketData()
			if err != nil {
				return nil, 0, err
			}
			iface, err := ng.Interface(ci.InterfaceIndex)
			if err != nil {
				return nil, 0, fmt.Errorf("pcapng: %w", err)
			}
			return data, iface.LinkType, nil
		}, nil
	}
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("pcap: %w", err)
	}
	return func() ([]byte, layers.LinkType, error) {
		data, _, err := pr.ReadPacketData()
		return data, pr.LinkType(), err
	}, nil
}
