//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// settle is how long the capture keeps running after the applications are
// done, so that the last FINs, ACKs and resets are in the file.
const settle = 200 * time.Millisecond

// Result is what Run produced.
type Result struct {
	Pcap         string        // path of NAME.pcap
	ManifestPath string        // path of NAME.json
	Manifest     Manifest      // contents of NAME.json
	Duration     time.Duration // wall time of the whole run, setup and teardown included
}

// Available reports why this machine cannot run scenarios, or nil if it
// can: Run needs root, the ip program, network namespaces, veth links and
// Multipath TCP. Tests should call t.Skip with the error. It creates and
// deletes a scratch namespace, which takes a few tens of milliseconds.
func Available() error {
	if err := checkHost(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	name, err := uniqueName("mptcplab-probe")
	if err != nil {
		return err
	}
	ns, err := addNetns(ctx, name)
	if err != nil {
		return fmt.Errorf("lab unavailable: cannot create a network namespace: %w", err)
	}
	defer ns.del(context.WithoutCancel(ctx))
	if err := ns.ip(ctx, "link", "add", "probe0", "type", "veth", "peer", "name", "probe1"); err != nil {
		return fmt.Errorf("lab unavailable: cannot create veth links: %w", err)
	}
	if err := ns.ip(ctx, "mptcp", "limits", "show"); err != nil {
		return fmt.Errorf("lab unavailable: no mptcp path manager: %w", err)
	}
	if v, err := ns.readSysctl("net.mptcp.enabled"); err != nil || v != "1" {
		return fmt.Errorf("lab unavailable: mptcp disabled in new namespaces (net.mptcp.enabled=%q): %w", v, errors.Join(err, ErrUnsupported))
	}
	return nil
}

// checkHost makes the cheap checks of Available.
func checkHost() error {
	if uid := os.Geteuid(); uid != 0 {
		return fmt.Errorf("lab unavailable: needs root, running as uid %d: %w", uid, ErrUnsupported)
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return fmt.Errorf("lab unavailable: needs iproute2: %w", errors.Join(err, ErrUnsupported))
	}
	b, err := os.ReadFile("/proc/sys/net/mptcp/enabled")
	if err != nil {
		return fmt.Errorf("lab unavailable: kernel without mptcp: %w", errors.Join(err, ErrUnsupported))
	}
	if v := strings.TrimSpace(string(b)); v != "1" {
		return fmt.Errorf("lab unavailable: mptcp disabled (net.mptcp.enabled=%s): %w", v, ErrUnsupported)
	}
	return nil
}

// Run runs a scenario between two fresh network namespaces and writes the
// server-side capture to dir/NAME.pcap and its ground truth to
// dir/NAME.json (creating dir if needed). The namespaces, and with them
// every link, socket and route, are deleted before Run returns, also on
// error; on error no files are left either.
func Run(ctx context.Context, dir string, sc Scenario) (res *Result, err error) {
	start := time.Now()
	if sc, err = sc.withDefaults(); err != nil {
		return nil, err
	}
	if err := checkHost(); err != nil {
		return nil, err
	}
	if err := checkTools(sc); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	pcapPath := filepath.Join(dir, sc.Name+".pcap")
	jsonPath := filepath.Join(dir, sc.Name+".json")
	defer func() {
		if err != nil {
			os.Remove(pcapPath)
			os.Remove(jsonPath)
			err = fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
	}()

	topo, err := newTopology(ctx, sc)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := topo.close(ctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("teardown: %w", cerr))
		}
	}()
	if err := topo.setup(ctx); err != nil {
		return nil, err
	}

	devs := make([]string, sc.Links)
	for n := range devs {
		devs[n] = serverIf(n + 1)
	}
	capt, err := startCapture(topo.server, devs, pcapPath)
	if err != nil {
		return nil, err
	}
	defer capt.Stop() // no-op after the explicit Stop below

	after := func() error { return nil }
	if sc.During != nil {
		if after, err = sc.During(ctx, string(topo.server)); err != nil {
			return nil, fmt.Errorf("during hook: %w", err)
		}
	}
	clients, servers, err := runTransfer(ctx, topo)
	if err != nil {
		after()
		return nil, err
	}
	t := time.NewTimer(settle)
	select {
	case <-ctx.Done():
		t.Stop()
		after()
		return nil, ctx.Err()
	case <-t.C:
	}
	if err := after(); err != nil {
		return nil, fmt.Errorf("during hook: %w", err)
	}
	stats, err := capt.Stop()
	if err != nil {
		return nil, err
	}
	if stats.Dropped > 0 {
		return nil, fmt.Errorf("capture dropped %d of %d packets", stats.Dropped, stats.Received)
	}

	nf, err := topo.netfilterStats(ctx)
	if err != nil {
		return nil, err
	}
	if sc.Corrupt > 0 && nf.Corrupted == 0 {
		return nil, fmt.Errorf("no segment was corrupted: the client sent too little (%d bytes)", sc.Bytes)
	}

	m, err := buildManifest(sc, filepath.Base(pcapPath), stats, clients, servers)
	if err != nil {
		return nil, err
	}
	m.Netfilter = nf
	if err := writeManifest(jsonPath, m); err != nil {
		return nil, err
	}
	return &Result{Pcap: pcapPath, ManifestPath: jsonPath, Manifest: *m, Duration: time.Since(start)}, nil
}

// buildManifest pairs each client connection with the server's record of it.
func buildManifest(sc Scenario, capture string, stats captureStats, clients, servers []connRecord) (*Manifest, error) {
	m := &Manifest{
		Scenario:     sc.Name,
		Config:       sc.config(),
		Seed:         sc.Seed,
		Capture:      capture,
		CaptureStats: [][]string{stats.lines()},
	}
	byPeer := make(map[netip.AddrPort]connRecord, len(servers))
	for _, s := range servers {
		byPeer[s.remote] = s
	}
	for _, c := range clients {
		s, ok := byPeer[c.local]
		if !ok {
			return nil, fmt.Errorf("server has no connection from %v", c.local)
		}
		cs, ss := c.state, s.state
		m.Client = append(m.Client, ClientConn{Local: AddrPort{c.local}, Sent: c.sent, Received: c.received, MPTCP: &cs})
		m.Server = append(m.Server, ServerConn{Peer: AddrPort{s.remote}, Received: s.received, Sent: s.sent, MPTCP: &ss})
	}
	return m, nil
}
