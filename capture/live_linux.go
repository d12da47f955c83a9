package capture

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// Live captures frames from network interfaces with AF_PACKET (Linux, no
// C library). Each frame's link type is that of its interface, read from
// /sys/class/net: Ethernet-like devices (including loopback) give
// Ethernet frames, devices without link header (tun, WireGuard, cellular
// raw-IP) give raw IP. Frames are numbered from 1 as they arrive.
type Live struct {
	h       *afpacket.TPacket
	prog    *bpf.VM // user-space filter, when the kernel one cannot be used
	scratch []byte
	count   uint64
	links   map[int]layers.LinkType
	names   map[int]string
	closed  atomic.Bool

	iface     string // the single interface captured, "" for any
	ifindex   int
	down      bool      // ErrInterfaceDown was returned and the link is still down
	lastCheck time.Time // wall clock: the link's state is not packet data
}

// OpenLive starts capturing.
func OpenLive(opt LiveOptions) (*Live, error) {
	if opt.SnapLen == 0 {
		opt.SnapLen = 1 << 18 // GRO super-segments on hosts exceed 64 KiB
	}
	if opt.Poll == 0 {
		opt.Poll = 100 * time.Millisecond
	}
	l := &Live{links: map[int]layers.LinkType{}, names: map[int]string{}}
	var prog []bpf.Instruction
	if strings.TrimSpace(opt.Filter) != "" {
		var err error
		if prog, err = ParseFilter(opt.Filter); err != nil {
			return nil, err
		}
	}
	frame := frameSize(opt.SnapLen)
	args := []any{afpacket.OptPollTimeout(opt.Poll), afpacket.OptFrameSize(frame),
		afpacket.OptBlockSize(frame * 4), afpacket.OptNumBlocks(16), afpacket.SocketRaw, afpacket.TPacketVersion3}
	single := opt.Interface != "" && opt.Interface != "any"
	if single {
		args = append(args, afpacket.OptInterface(opt.Interface))
		ifi, err := net.InterfaceByName(opt.Interface)
		if err != nil {
			return nil, fmt.Errorf("opening capture on %q: %w", opt.Interface, err)
		}
		l.iface, l.ifindex, l.lastCheck = opt.Interface, ifi.Index, time.Now()
	}
	h, err := afpacket.NewTPacket(args...)
	if err != nil {
		return nil, fmt.Errorf("opening AF_PACKET capture on %q: %w", ifaceName(opt.Interface), err)
	}
	l.h = h
	if prog != nil {
		// The program reads Ethernet headers: the kernel can run it on a
		// single Ethernet interface; otherwise it runs here, on each frame
		// seen as Ethernet.
		if single && linkTypeOfName(opt.Interface) == layers.LinkTypeEthernet {
			raw, err := bpf.Assemble(prog)
			if err == nil {
				err = h.SetBPF(raw)
			}
			if err != nil {
				h.Close()
				return nil, fmt.Errorf("attaching the capture filter: %w", err)
			}
		} else {
			vm, err := bpf.NewVM(prog)
			if err != nil {
				h.Close()
				return nil, fmt.Errorf("capture filter: %w", err)
			}
			l.prog = vm
		}
	}
	h.InitSocketStats() // counters from now on; without them Stats reports an error
	return l, nil
}

func ifaceName(s string) string {
	if s == "" {
		return "any"
	}
	return s
}

// frameSize returns the ring's frame size for a snap length: a power of
// two (so blocks are page-aligned) that holds the TPACKET header too. The
// ring is 16 blocks of 4 frames: 32 MiB for the default snap length;
// TPACKET_V3 packs many small packets into each block.
func frameSize(snap int) int {
	n := 4096
	for n < snap+256 {
		n <<= 1
	}
	return n
}

// Next fills rec with the next frame that passes the filter. It returns
// ErrTimeout when none came within the poll interval. rec.Data is valid
// until the next call.
func (l *Live) Next(rec *Record) error {
	for {
		if l.closed.Load() {
			return ErrClosed
		}
		data, ci, err := l.h.ZeroCopyReadPacketData()
		if err != nil {
			if errors.Is(err, afpacket.ErrTimeout) || errors.Is(err, afpacket.ErrPoll) {
				if err := l.checkLink(); err != nil {
					return err
				}
				return ErrTimeout
			}
			return fmt.Errorf("live capture: %w", err)
		}
		lt := l.linkType(ci.InterfaceIndex)
		if l.prog != nil && !l.accept(lt, data) {
			continue
		}
		l.count++
		rec.Number, rec.Time, rec.LinkType, rec.Interface = l.count, ci.Timestamp, lt, ci.InterfaceIndex
		rec.Data, rec.CaptureLength, rec.Length = data, len(data), ci.Length
		return nil
	}
}

// checkLink notices, while the capture is idle, that its interface went
// down or away: AF_PACKET then just stays silent.
func (l *Live) checkLink() error {
	if l.iface == "" || time.Since(l.lastCheck) < linkCheckEvery {
		return nil
	}
	l.lastCheck = time.Now()
	ifi, err := net.InterfaceByName(l.iface)
	if err != nil || ifi.Index != l.ifindex {
		return ErrInterfaceGone
	}
	up := ifi.Flags&net.FlagUp != 0
	if !up && !l.down {
		l.down = true
		return ErrInterfaceDown
	}
	l.down = !up
	return nil
}

// accept runs the user-space filter on a frame, presenting raw IP frames
// behind a synthetic Ethernet header as the program expects.
func (l *Live) accept(lt layers.LinkType, data []byte) bool {
	frame := data
	if lt != layers.LinkTypeEthernet {
		if len(data) == 0 {
			return false
		}
		l.scratch = append(l.scratch[:0], make([]byte, 12)...)
		switch data[0] >> 4 {
		case 4:
			l.scratch = append(l.scratch, 0x08, 0x00)
		case 6:
			l.scratch = append(l.scratch, 0x86, 0xdd)
		default:
			return false
		}
		l.scratch = append(l.scratch, data...)
		frame = l.scratch
	}
	n, err := l.prog.Run(frame)
	return err == nil && n > 0
}

// linkType returns the link type of interface index i, cached.
func (l *Live) linkType(i int) layers.LinkType {
	if lt, ok := l.links[i]; ok {
		return lt
	}
	lt := layers.LinkTypeRaw
	if ifc, err := netInterfaceName(i); err == nil {
		l.names[i] = ifc
		lt = linkTypeOfName(ifc)
	}
	l.links[i] = lt
	return lt
}

// InterfaceName returns the name of interface index i, once a frame from
// it was seen.
func (l *Live) InterfaceName(i int) string { return l.names[i] }

// linkTypeOfName maps the ARPHRD type of an interface to the link type
// of its AF_PACKET raw frames.
func linkTypeOfName(name string) layers.LinkType {
	b, err := os.ReadFile("/sys/class/net/" + name + "/type")
	if err != nil {
		return layers.LinkTypeEthernet
	}
	t, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return layers.LinkTypeEthernet
	}
	switch t {
	case 1, 772: // ARPHRD_ETHER, ARPHRD_LOOPBACK (Linux gives lo an Ethernet header)
		return layers.LinkTypeEthernet
	}
	return layers.LinkTypeRaw // tun, WireGuard, PPP, raw-IP cellular: no link header
}

// Stats returns the kernel's counters since OpenLive.
func (l *Live) Stats() (Stats, error) {
	_, v3, err := l.h.SocketStats()
	if err != nil {
		return Stats{}, err
	}
	return Stats{Received: uint64(v3.Packets()), Dropped: uint64(v3.Drops())}, nil
}

// Close stops the capture; a Next in progress returns at its next poll.
func (l *Live) Close() { l.closed.Store(true) }

// Release frees the socket; call it after the reading goroutine is done.
func (l *Live) Release() { l.h.Close() }
