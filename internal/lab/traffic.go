//go:build linux

package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"
)

// subflowTimeout bounds the wait for a connection's additional subflows.
const subflowTimeout = 5 * time.Second

// connRecord is one end's account of a connection.
type connRecord struct {
	local, remote  netip.AddrPort
	sent, received *Stream // nil when unknown (aborted or reset)
	state          ConnState
}

// transfer runs the applications of one scenario: a server in the server
// namespace and Conns clients in the client namespace.
type transfer struct {
	sc   Scenario
	topo *topology

	mu      sync.Mutex
	closers []io.Closer
	closed  bool
	checked map[netip.AddrPort]chan struct{} // by client address, closed when the server has checked
}

// serverChecked returns the channel that is closed once the server has
// checked the connection from the client address a.
func (tr *transfer) serverChecked(a netip.AddrPort) chan struct{} {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.checked == nil {
		tr.checked = make(map[netip.AddrPort]chan struct{})
	}
	ch := tr.checked[a]
	if ch == nil {
		ch = make(chan struct{})
		tr.checked[a] = ch
	}
	return ch
}

// track registers c to be closed when the transfer ends or is canceled.
func (tr *transfer) track(c io.Closer) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.closed {
		c.Close()
		return
	}
	tr.closers = append(tr.closers, c)
}

// closeAll closes every tracked listener and connection, which unblocks
// every goroutine of the transfer.
func (tr *transfer) closeAll() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.closed = true
	for _, c := range tr.closers {
		c.Close()
	}
	tr.closers = nil
}

// runTransfer runs the traffic of topo's scenario and returns both ends'
// records, in dial order for the clients and accept order for the server.
func runTransfer(ctx context.Context, topo *topology) (clients, servers []connRecord, err error) {
	sc := topo.sc
	ctx, cancel := context.WithTimeout(ctx, sc.Timeout)
	defer cancel()
	tr := &transfer{sc: sc, topo: topo}
	defer tr.closeAll()
	stop := context.AfterFunc(ctx, tr.closeAll)
	defer stop()

	network, wildcard := "tcp4", "0.0.0.0:0"
	if sc.IPv6 {
		network, wildcard = "tcp6", "[::]:0"
	}
	var ln net.Listener
	err = topo.server.do(func() error {
		var lc net.ListenConfig
		lc.SetMultipathTCP(true)
		var err error
		if ln, err = lc.Listen(ctx, network, wildcard); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	tr.track(ln)
	server := netip.AddrPortFrom(topo.serverAddr(1), uint16(ln.Addr().(*net.TCPAddr).Port))

	// Every failure cancels the whole transfer, so that nothing waits for
	// a peer that is gone; the first errors are reported.
	var errMu sync.Mutex
	var errs []error
	fail := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if ctx.Err() != nil {
			// Already canceled: err is most likely a consequence.
			if len(errs) == 0 {
				errs = append(errs, fmt.Errorf("transfer: %w", context.Cause(ctx)), err)
			}
			return
		}
		errs = append(errs, err)
		cancel()
	}

	var wg sync.WaitGroup
	servers = make([]connRecord, sc.Conns)
	wg.Go(func() {
		for i := range sc.Conns {
			c, err := ln.Accept()
			if err != nil {
				fail(fmt.Errorf("accept: %w", err))
				return
			}
			tr.track(c)
			wg.Go(func() {
				var err error
				if servers[i], err = tr.serve(ctx, i, c.(*net.TCPConn)); err != nil {
					fail(fmt.Errorf("server connection %d: %w", i, err))
				}
			})
		}
	})

	conns := make([]*net.TCPConn, sc.Conns)
	err = topo.client.do(func() error {
		var d net.Dialer
		d.SetMultipathTCP(true)
		for i := range conns {
			c, err := d.DialContext(ctx, network, server.String())
			if err != nil {
				return fmt.Errorf("client connection %d: dial: %w", i, err)
			}
			tr.track(c)
			conns[i] = c.(*net.TCPConn)
		}
		return nil
	})
	if err != nil {
		fail(err)
		wg.Wait()
		return nil, nil, errors.Join(errs...)
	}

	// Events are timed from the moment every client has its subflows.
	var ready sync.WaitGroup
	ready.Add(len(conns))
	readyc := make(chan struct{})
	go func() { ready.Wait(); close(readyc) }()
	evctx, evcancel := context.WithCancel(ctx)
	evdone := make(chan error, 1)
	go func() {
		select {
		case <-readyc:
		case <-evctx.Done():
		}
		evdone <- tr.events(evctx, ctx, time.Now())
	}()

	clients = make([]connRecord, sc.Conns)
	for i, c := range conns {
		done := sync.OnceFunc(ready.Done)
		wg.Go(func() {
			defer done()
			var err error
			if clients[i], err = tr.client(ctx, i, c, done); err != nil {
				fail(fmt.Errorf("client connection %d: %w", i, err))
			}
		})
	}
	wg.Wait()
	evcancel()
	if err := <-evdone; err != nil && len(errs) == 0 {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	return clients, servers, nil
}

// events carries out the scenario's events at their times after start.
// It fails if ctx ends (the transfer finished) before all happened; a
// command already running is not interrupted by that, only by cmdctx.
func (tr *transfer) events(ctx, cmdctx context.Context, start time.Time) error {
	for _, ev := range tr.sc.Events {
		t := time.NewTimer(time.Until(start.Add(ev.At)))
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			return fmt.Errorf("event %s on link %d at %v: transfer ended first (send more or pause longer)",
				ev.Action, ev.Link, ev.At)
		}
		if err := tr.topo.apply(cmdctx, ev); err != nil {
			return fmt.Errorf("event %s on link %d: %w", ev.Action, ev.Link, err)
		}
	}
	return nil
}

// serve runs the server's side of connection i: the greeting, then
// ServerBytes random bytes while reading the client's data until EOF.
func (tr *transfer) serve(ctx context.Context, i int, c *net.TCPConn) (connRecord, error) {
	defer c.Close()
	rec := connRecord{local: addrPort(c.LocalAddr()), remote: addrPort(c.RemoteAddr())}
	s := newSender(tr.sc, i, "server")
	if err := s.write(c, []byte(Greeting)); err != nil {
		return rec, fmt.Errorf("greeting: %w", err)
	}
	if err := tr.checkMPTCP(ctx, c, &rec.state); err != nil {
		return rec, err
	}
	close(tr.serverChecked(rec.remote))
	werr := make(chan error, 1)
	go func() {
		err := s.send(ctx, c, tr.sc.ServerBytes)
		if err == nil && !tr.sc.FastClose {
			err = c.CloseWrite()
		}
		werr <- err
	}()
	var rerr error
	rec.received, rerr = receive(c)
	if tr.sc.FastClose {
		tr.sample(c, &rec.state)
		if rerr == nil {
			// Abort: with SO_LINGER 0, close sends MP_FASTCLOSE.
			rerr = c.SetLinger(0)
		}
		c.Close()
		<-werr // fails once the connection is gone
		return rec, rerr
	}
	if rerr != nil {
		<-werr
		return rec, fmt.Errorf("read: %w", rerr)
	}
	if err := <-werr; err != nil {
		return rec, fmt.Errorf("write: %w", err)
	}
	tr.sample(c, &rec.state)
	rec.sent = s.stream()
	return rec, nil
}

// client runs the client's side of connection i: Bytes random bytes while
// reading the server's data until EOF (or, with FastClose, until reset).
// It calls ready once the connection has its subflows.
func (tr *transfer) client(ctx context.Context, i int, c *net.TCPConn, ready func()) (connRecord, error) {
	defer c.Close()
	rec := connRecord{local: addrPort(c.LocalAddr()), remote: addrPort(c.RemoteAddr())}
	if err := tr.checkMPTCP(ctx, c, &rec.state); err != nil {
		return rec, err
	}
	ready()
	// Data flows once both ends have checked the connection, so that
	// the checks see it before anything the data provokes (with Corrupt,
	// the fallback to plain TCP, after which the kernel tells nothing).
	select {
	case <-tr.serverChecked(rec.local):
	case <-ctx.Done():
		return rec, context.Cause(ctx)
	}
	s := newSender(tr.sc, i, "client")
	werr := make(chan error, 1)
	go func() {
		err := s.send(ctx, c, tr.sc.Bytes)
		if err == nil {
			err = c.CloseWrite()
		}
		werr <- err
	}()
	received, rerr := receive(c)
	if err := <-werr; err != nil {
		return rec, fmt.Errorf("write: %w", err)
	}
	rec.sent = s.stream()
	switch {
	case rerr == nil:
		rec.received = received
		tr.sample(c, &rec.state)
	case tr.sc.FastClose:
		// Reset by the server's abort: what was read is not the
		// server's whole stream, and rec.received stays nil.
	default:
		return rec, fmt.Errorf("read: %w", rerr)
	}
	return rec, nil
}

// checkMPTCP makes sure c is a Multipath TCP connection with the expected
// DSS checksum setting, waits for its additional subflows and records its
// state.
func (tr *transfer) checkMPTCP(ctx context.Context, c *net.TCPConn, st *ConnState) error {
	info, err := waitSubflows(ctx, c, tr.sc.extraSubflows(), subflowTimeout)
	if err != nil {
		return err
	}
	if info.Checksum != tr.sc.Checksum {
		return fmt.Errorf("dss checksums in use: %v, want %v", info.Checksum, tr.sc.Checksum)
	}
	*st = ConnState{Token: info.Token, Subflows: info.Subflows, Checksum: info.Checksum}
	return nil
}

// sample updates st with c's current number of subflows and whether it
// fell back to plain TCP.
func (tr *transfer) sample(c *net.TCPConn, st *ConnState) {
	info, err := getMPTCPInfo(c)
	switch {
	case errors.Is(err, errFallback):
		st.Fallback = true
	case err != nil:
		return
	}
	st.Subflows = max(st.Subflows, info.Subflows)
}

// sender writes deterministic random bytes and hashes what it wrote.
type sender struct {
	rng   *rand.ChaCha8
	h     hash.Hash
	n     int64
	chunk int
	pause time.Duration
}

// newSender returns the sender of one side ("client" or "server") of
// connection i; its bytes depend only on the seed, i and side.
func newSender(sc Scenario, i int, side string) *sender {
	seed := sha256.Sum256(fmt.Appendf(nil, "mptcplab %d %d %s", sc.Seed, i, side))
	return &sender{rng: rand.NewChaCha8(seed), h: sha256.New(), chunk: sc.Chunk, pause: sc.Pause}
}

// write writes p and hashes what was written.
func (s *sender) write(w io.Writer, p []byte) error {
	n, err := w.Write(p)
	s.h.Write(p[:n])
	s.n += int64(n)
	return err
}

// send writes total random bytes in chunks, pausing between them.
func (s *sender) send(ctx context.Context, w io.Writer, total int) error {
	buf := make([]byte, s.chunk)
	for left := total; left > 0; {
		p := buf[:min(left, len(buf))]
		s.rng.Read(p)
		if err := s.write(w, p); err != nil {
			return err
		}
		left -= len(p)
		if s.pause > 0 && left > 0 {
			t := time.NewTimer(s.pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
	}
	return nil
}

// stream returns what was written so far.
func (s *sender) stream() *Stream {
	return &Stream{Bytes: s.n, SHA256: hex.EncodeToString(s.h.Sum(nil))}
}

// receive reads r until EOF and returns what it read, also on error.
func receive(r io.Reader) (*Stream, error) {
	h := sha256.New()
	n, err := io.CopyBuffer(h, r, make([]byte, 64<<10))
	return &Stream{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
}

// addrPort converts a TCP address, unmapping IPv4-mapped IPv6 addresses.
func addrPort(a net.Addr) netip.AddrPort {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.AddrPort{}
	}
	ap := ta.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}
