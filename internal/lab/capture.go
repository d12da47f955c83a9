//go:build linux

package lab

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/sys/unix"
)

const (
	// snapLen is the most a capture keeps of one packet: libpcap's
	// MAXIMUM_SNAPLEN, enough for TSO/GSO super-segments.
	snapLen = 262144
	// pollInterval bounds how long the capture loop blocks in one read.
	pollInterval = 20 * time.Millisecond
	// drainLimit bounds how long Stop keeps reading a busy socket.
	drainLimit = 2 * time.Second
)

// capture records every frame on a set of interfaces of one namespace to a
// pcap file (pcapgo's writer: Ethernet, nanosecond timestamps) with an
// AF_PACKET socket. One
// socket serves all interfaces, so the file is in arrival order, like
// `tcpdump -i any`, but keeps the Ethernet headers.
type capture struct {
	fd      int
	file    *os.File
	buf     *bufio.Writer
	w       *pcapgo.Writer
	ifindex map[int]bool
	stop    chan struct{} // closed by Stop
	stopped bool          // Stop was called; owned by Stop's caller
	done    chan error
	packets int // frames written; owned by the loop until done
	stats   captureStats
}

// captureStats counts frames as the kernel saw them.
type captureStats struct {
	Captured int // written to the file
	Received int // seen by the socket on any interface
	Dropped  int // lost because the socket's buffer was full
}

// lines renders the statistics the way tcpdump prints them.
func (s captureStats) lines() []string {
	return []string{
		fmt.Sprintf("%d packets captured", s.Captured),
		fmt.Sprintf("%d packets received by filter", s.Received),
		fmt.Sprintf("%d packets dropped by kernel", s.Dropped),
	}
}

// startCapture opens a packet socket in ns, writes the pcap header to path
// and captures frames of the named interfaces until stop is called.
func startCapture(ns netns, devs []string, path string) (*capture, error) {
	c := &capture{fd: -1, ifindex: make(map[int]bool), stop: make(chan struct{}), done: make(chan error, 1)}
	err := ns.do(func() error {
		for _, d := range devs {
			ifi, err := net.InterfaceByName(d)
			if err != nil {
				return fmt.Errorf("capture interface: %w", err)
			}
			c.ifindex[ifi.Index] = true
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return fmt.Errorf("capture socket: %w", err)
		}
		c.fd = fd
		return nil
	})
	if err != nil {
		c.closeFD()
		return nil, err
	}
	if err := c.configure(); err != nil {
		c.closeFD()
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		c.closeFD()
		return nil, fmt.Errorf("create capture: %w", err)
	}
	c.file, c.buf = f, bufio.NewWriterSize(f, 1<<20)
	c.w = pcapgo.NewWriterNanos(c.buf)
	if err := c.w.WriteFileHeader(snapLen, layers.LinkTypeEthernet); err != nil {
		c.closeFD()
		f.Close()
		return nil, fmt.Errorf("write capture: %w", err)
	}
	go func() { c.done <- c.loop() }()
	return c, nil
}

// configure sets the socket's buffer, timestamps and read timeout.
func (c *capture) configure() error {
	// A large buffer so that a burst on fast veths is not dropped; as
	// root the limit of net.core.rmem_max does not apply.
	if err := unix.SetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 32<<20); err != nil {
		if err := unix.SetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 32<<20); err != nil {
			return fmt.Errorf("capture buffer: %w", err)
		}
	}
	if err := unix.SetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fmt.Errorf("capture timestamps: %w", err)
	}
	tv := unix.NsecToTimeval(pollInterval.Nanoseconds())
	if err := unix.SetsockoptTimeval(c.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fmt.Errorf("capture read timeout: %w", err)
	}
	return nil
}

// loop reads frames until stop is closed and the socket's queue is empty.
func (c *capture) loop() error {
	buf := make([]byte, snapLen)
	oob := make([]byte, unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{}))))
	var deadline time.Time
	for {
		if !deadline.IsZero() && time.Now().After(deadline) {
			return nil // still busy after a stop: end anyway
		}
		n, oobn, _, from, err := unix.Recvmsg(c.fd, buf, oob, unix.MSG_TRUNC)
		switch {
		case errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR):
			select {
			case <-c.stop:
				return nil // stopped and drained
			default:
				continue
			}
		case err != nil:
			return fmt.Errorf("capture read: %w", err)
		}
		if deadline.IsZero() {
			select {
			case <-c.stop:
				deadline = time.Now().Add(drainLimit)
			default:
			}
		}
		ll, ok := from.(*unix.SockaddrLinklayer)
		if !ok || !c.ifindex[ll.Ifindex] {
			continue
		}
		data := buf[:min(n, len(buf))]
		ci := gopacket.CaptureInfo{Timestamp: timestamp(oob[:oobn]), CaptureLength: len(data), Length: n, InterfaceIndex: ll.Ifindex}
		if err := c.w.WritePacket(ci, data); err != nil {
			return fmt.Errorf("write capture: %w", err)
		}
		c.packets++
	}
}

// timestamp returns the SO_TIMESTAMPNS time of a frame, or now.
func timestamp(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err == nil {
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS &&
				len(m.Data) >= int(unsafe.Sizeof(unix.Timespec{})) {
				ts := (*unix.Timespec)(unsafe.Pointer(&m.Data[0]))
				return time.Unix(ts.Unix())
			}
		}
	}
	return time.Now()
}

// Stop ends the capture once the socket's queue is drained, flushes and
// closes the file, and returns the statistics. Calling it again returns
// the first result.
func (c *capture) Stop() (captureStats, error) {
	if c.stopped {
		return c.stats, nil
	}
	c.stopped = true
	close(c.stop)
	err := <-c.done
	if ks, serr := unix.GetsockoptTpacketStats(c.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); serr == nil {
		c.stats.Received = int(ks.Packets)
		c.stats.Dropped = int(ks.Drops)
	} else {
		err = errors.Join(err, fmt.Errorf("capture statistics: %w", serr))
	}
	c.stats.Captured = c.packets
	c.closeFD()
	if ferr := c.buf.Flush(); ferr != nil {
		err = errors.Join(err, fmt.Errorf("write capture: %w", ferr))
	}
	if ferr := c.file.Close(); ferr != nil {
		err = errors.Join(err, fmt.Errorf("close capture: %w", ferr))
	}
	return c.stats, err
}

func (c *capture) closeFD() {
	if c.fd >= 0 {
		unix.Close(c.fd)
		c.fd = -1
	}
}

// htons converts a 16-bit value to network byte order.
func htons(v uint16) uint16 {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	return binary.NativeEndian.Uint16(b[:])
}
