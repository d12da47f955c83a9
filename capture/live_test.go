//go:build linux

package capture

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/mptcpdump/mptcpdump/decode"
	"golang.org/x/net/bpf"
)

// mptcpPair opens an MPTCP listener on loopback and connects to it,
// sending msg; it returns the listener's port.
func mptcpPair(t *testing.T, msg string) int {
	t.Helper()
	var lc net.ListenConfig
	lc.SetMultipathTCP(true)
	ln, err := lc.Listen(context.Background(), "tcp4", "127.0.0.1:0")
	if err != nil {
		t.Skipf("cannot listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	var d net.Dialer
	d.SetMultipathTCP(true)
	c, err := d.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte(msg))
	c.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// A live capture on loopback sees real MPTCP segments (the kernel's
// MP_CAPABLE), as Ethernet frames, and its filter keeps only the port asked.
func TestLiveLoopback(t *testing.T) {
	// The filter names a port chosen before the connections exist: capture
	// first, then open two connections, only one of which matches.
	probe, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	l, err := OpenLive(LiveOptions{Interface: "lo", Filter: "tcp port " + strconv.Itoa(port), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Skipf("live capture not permitted here (needs root, AF_PACKET): %v", err)
	}
	defer l.Release()

	var lc net.ListenConfig
	lc.SetMultipathTCP(true)
	ln, err := lc.Listen(context.Background(), "tcp4", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Skipf("cannot listen on the chosen port: %v", err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	var d net.Dialer
	d.SetMultipathTCP(true)
	c, err := d.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("hello over MPTCP"))
	c.Close()
	other := mptcpPair(t, "not for this filter")

	dec := decode.NewDecoder()
	var rec Record
	var p decode.Packet
	var mptcp, frames int
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && mptcp < 3 {
		err := l.Next(&rec)
		if errors.Is(err, ErrTimeout) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		frames++
		if rec.LinkType != layers.LinkTypeEthernet || rec.Number != uint64(frames) {
			t.Errorf("frame %d: link type %v number %d", frames, rec.LinkType, rec.Number)
		}
		if err := dec.Decode(rec.LinkType, rec.Data, &p); err != nil {
			continue
		}
		if int(p.Src.Port()) != port && int(p.Dst.Port()) != port {
			t.Errorf("the filter let through %s → %s (other connection on port %d)", p.Src, p.Dst, other)
		}
		if p.Option(decode.SubtypeMPCapable) != nil {
			mptcp++
		}
	}
	if mptcp < 3 {
		t.Fatalf("saw %d MP_CAPABLE segments in %d frames, want the 3 of the handshake", mptcp, frames)
	}
	if _, err := l.Stats(); err != nil {
		t.Errorf("stats: %v", err)
	}
	l.Close()
	if err := l.Next(&rec); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

// The filter compiler's programs, run on real frames, select what the
// expression says.
func TestParseFilter(t *testing.T) {
	for _, bad := range []string{"tcp port", "((", "port 99999999"} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
	prog, err := ParseFilter("tcp port 5000")
	if err != nil {
		t.Fatal(err)
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	// Ethernet + IPv4 + TCP 40000 → 5000, and the same to port 5001.
	frame := func(dport byte) []byte {
		f := make([]byte, 14+20+20)
		f[12], f[13] = 0x08, 0x00
		ip := f[14:]
		ip[0], ip[9] = 0x45, 6
		ip[2], ip[3] = 0, 40
		tcp := ip[20:]
		tcp[0], tcp[1] = 0x9c, 0x40
		tcp[2], tcp[3] = 0x13, dport
		tcp[12] = 5 << 4
		return f
	}
	if n, err := vm.Run(frame(0x88)); err != nil || n == 0 {
		t.Errorf("port 5000 rejected: %d %v", n, err)
	}
	if n, err := vm.Run(frame(0x89)); err != nil || n != 0 {
		t.Errorf("port 5001 accepted: %d %v", n, err)
	}
}
