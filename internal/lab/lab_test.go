//go:build linux

package lab

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// referenceDir holds the reference captures, when the shared folder is
// beside the repository.
const referenceDir = "../../../shared/pcaps/kernel"

func TestScenarios(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range Scenarios() {
		if seen[sc.Name] {
			t.Errorf("scenario %s defined twice", sc.Name)
		}
		seen[sc.Name] = true
		if _, err := sc.withDefaults(); err != nil {
			t.Errorf("scenario %s: %v", sc.Name, err)
		}
		if got, ok := Lookup(sc.Name); !ok || got.Name != sc.Name {
			t.Errorf("Lookup(%q) = %v, %v", sc.Name, got.Name, ok)
		}
	}
	for _, name := range []string{"basic", "checksum", "signal", "many", "ipv6", "fastclose", "prio_remove", "failover", "lossy", "corrupt"} {
		if !seen[name] {
			t.Errorf("no scenario %s", name)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup(nope) found a scenario")
	}
	for _, bad := range []Scenario{
		{},
		{Name: "a/b", Links: 1},
		{Name: "x", Links: 0},
		{Name: "x", Links: 9},
		{Name: "x", Links: 1, Bytes: -1},
		{Name: "x", Links: 2, Events: []Event{{Action: Backup, Link: 2}}}, // no subflow endpoint
		{Name: "x", Links: 2, ClientSubflows: true, Events: []Event{{Action: Remove, Link: 1}}},
		{Name: "x", Links: 2, Events: []Event{{Action: LinkDown, Link: 3}}},
		{Name: "x", Links: 2, Events: []Event{{Action: "explode", Link: 1}}},
		{Name: "x", Links: 1, Drop: -1},
		{Name: "x", Links: 1, Drop: 101},
		{Name: "x", Links: 1, Drop: math.NaN()},
		{Name: "x", Links: 1, Drop: 0.001}, // below the resolution
		{Name: "x", Links: 1, Corrupt: -1},
	} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	sc, err := Scenario{Name: "x", Links: 1}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if sc.Conns != 1 || sc.Bytes != DefaultBytes || sc.ServerBytes != DefaultBytes || sc.Chunk != DefaultChunk ||
		sc.Seed != DefaultSeed || sc.Timeout != DefaultTimeout {
		t.Errorf("defaults: %+v", sc)
	}
	if len(Greeting) != 12 {
		t.Errorf("greeting is %d bytes, want 12", len(Greeting))
	}
}

func TestManifestJSON(t *testing.T) {
	sc, err := Scenario{Name: "prio_remove", Links: 2, ClientSubflows: true, Events: []Event{
		{At: 500 * time.Millisecond, Action: Remove, Link: 2},
		{At: 250 * time.Millisecond, Action: Backup, Link: 2},
	}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	ap := AddrPort{netip.MustParseAddrPort("[fd00:1::1]:36972")}
	m := &Manifest{
		Scenario:     sc.Name,
		Config:       sc.config(),
		Seed:         7,
		Capture:      "prio_remove.pcap",
		CaptureStats: [][]string{captureStats{Captured: 3, Received: 3}.lines()},
		Client:       []ClientConn{{Local: ap, Sent: &Stream{Bytes: 5, SHA256: "ab"}, MPTCP: &ConnState{Token: 9, Subflows: 1}}},
		Server:       []ServerConn{{Peer: ap, Received: &Stream{Bytes: 5, SHA256: "ab"}}},
	}
	path := filepath.Join(t.TempDir(), "m.json")
	if err := writeManifest(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, m)
	}
	raw, _ := os.ReadFile(path)
	for _, want := range []string{`"local": [`, `"fd00:1::1",`, `36972`, `"received": null`, `"sent": null`,
		`"events": [`, `0.25,`, `"backup",`, `"client_subflow": [`, `"tcpdump": [`, `"3 packets captured"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("manifest lacks %s:\n%s", want, raw)
		}
	}
}

// TestReferenceManifests reads the manifests of the reference captures,
// whose format Run reproduces, and summarizes the captures.
func TestReferenceManifests(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(referenceDir, "*.json"))
	if len(files) == 0 {
		t.Skip("no reference captures in " + referenceDir)
	}
	for _, f := range files {
		m, err := ReadManifest(f)
		if err != nil {
			t.Error(err)
			continue
		}
		if m.Scenario == "" || m.Config.Links < 1 || len(m.Client) == 0 || len(m.Client) != len(m.Server) {
			t.Errorf("%s: incomplete manifest %+v", f, m)
		}
		for i, c := range m.Client {
			if !c.Local.IsValid() || c.Local != m.Server[i].Peer || c.Sent == nil {
				t.Errorf("%s: connection %d: %+v / %+v", f, i, c, m.Server[i])
			}
		}
		sum, err := Inspect(filepath.Join(referenceDir, m.Capture))
		if err != nil {
			t.Error(err)
			continue
		}
		if sum.MPTCP == 0 || sum.Options[MPCapable] == 0 {
			t.Errorf("%s: no MPTCP in capture: %+v", m.Capture, sum)
		}
	}
}

func TestRunBasic(t *testing.T) {
	if err := Available(); err != nil {
		t.Skip(err)
	}
	before := runtime.NumGoroutine()
	sc, _ := Lookup("basic")
	res := runScenario(t, sc)

	// The capture: a pcap that pcapgo reads and gopacket decodes, with
	// MPTCP in it.
	f, err := os.Open(res.Pcap)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if pr.LinkType() != layers.LinkTypeEthernet || pr.Resolution() != gopacket.TimestampResolutionNanosecond {
		t.Errorf("capture has link type %v and resolution %v", pr.LinkType(), pr.Resolution())
	}
	frames, backwards := 0, 0
	var last time.Time
	for {
		data, ci, err := pr.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(data) != ci.CaptureLength || ci.Length < ci.CaptureLength || ci.Timestamp.IsZero() {
			t.Errorf("frame %d: %d bytes, capture info %+v", frames+1, len(data), ci)
		}
		if ci.Timestamp.Before(last) {
			backwards++ // possible: frames are in arrival order
		}
		last = ci.Timestamp
		frames++
	}
	if backwards > 0 {
		t.Logf("%d frames stamped earlier than the one before", backwards)
	}
	if want := strconv.Itoa(frames) + " packets captured"; res.Manifest.CaptureStats[0][0] != want {
		t.Errorf("manifest says %q, file has %d frames", res.Manifest.CaptureStats[0][0], frames)
	}
	sum, err := Inspect(res.Pcap)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s in %v: %+v", res.Pcap, res.Duration, sum)
	if sum.Packets == 0 || sum.TCP == 0 {
		t.Fatalf("capture without TCP: %+v", sum)
	}
	if sum.MPTCP == 0 || sum.Options[MPCapable] < 3 || sum.Options[DSS] == 0 {
		t.Errorf("capture without MP_CAPABLE handshake or DSS: %+v", sum)
	}
	if sum.JoinSYNs < 1 || sum.Subflows < 2 {
		t.Errorf("capture without a joined subflow: %+v", sum)
	}
	checkManifest(t, res, sc)
	checkPayload(t, res)

	// Nothing left behind: namespaces, goroutines.
	if left := leftovers(t); len(left) > 0 {
		t.Errorf("namespaces left behind: %v", left)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

// TestRunScenarios runs every other predefined scenario, in parallel, and
// checks that each capture shows what the scenario is about.
func TestRunScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: runs every scenario")
	}
	if err := Available(); err != nil {
		t.Skip(err)
	}
	checks := map[string]func(t *testing.T, s *Summary, m *Manifest){
		"checksum": func(t *testing.T, s *Summary, m *Manifest) {
			if s.DSSChecksums == 0 || !m.Client[0].MPTCP.Checksum || !m.Server[0].MPTCP.Checksum {
				t.Errorf("no DSS checksums")
			}
		},
		"signal": func(t *testing.T, s *Summary, m *Manifest) {
			if s.Options[AddAddr] == 0 {
				t.Errorf("no ADD_ADDR")
			}
		},
		"many": func(t *testing.T, s *Summary, m *Manifest) {
			if len(m.Client) != 10 || s.JoinSYNs < 10 {
				t.Errorf("%d connections, %d join SYNs", len(m.Client), s.JoinSYNs)
			}
		},
		"ipv6": func(t *testing.T, s *Summary, m *Manifest) {
			if s.IPv4 != 0 || s.IPv6 == 0 || !m.Client[0].Local.Addr().Is6() {
				t.Errorf("not IPv6: %d IPv4 and %d IPv6 TCP packets", s.IPv4, s.IPv6)
			}
		},
		"fastclose": func(t *testing.T, s *Summary, m *Manifest) {
			if s.Options[MPFastclose] == 0 {
				t.Errorf("no MP_FASTCLOSE")
			}
			if m.Server[0].Sent != nil || m.Client[0].Received != nil {
				t.Errorf("aborted stream recorded: %+v, %+v", m.Server[0].Sent, m.Client[0].Received)
			}
		},
		"prio_remove": func(t *testing.T, s *Summary, m *Manifest) {
			if s.Options[RemoveAddr] == 0 {
				t.Errorf("no REMOVE_ADDR")
			}
			if s.Options[MPPrio] == 0 {
				// Seen about once in 20 runs on a loaded machine: the
				// endpoint became backup but no MP_PRIO left the client.
				t.Logf("no MP_PRIO this time")
			}
		},
		"failover": func(t *testing.T, s *Summary, m *Manifest) {
			if s.Subflows < 2 {
				t.Errorf("%d subflows", s.Subflows)
			}
		},
	}
	for _, sc := range Scenarios() {
		switch sc.Name {
		case "basic", "lossy", "corrupt": // tests of their own
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			res := runScenario(t, sc)
			sum, err := Inspect(res.Pcap)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%v: %+v", res.Duration, sum)
			if sum.MPTCP == 0 || sum.JoinSYNs < 1 {
				t.Errorf("no MPTCP or no join: %+v", sum)
			}
			checkManifest(t, res, sc)
			checkPayload(t, res)
			if check := checks[sc.Name]; check != nil {
				check(t, sum, &res.Manifest)
			}
		})
	}
}

// TestRunLossy runs the lossy scenario: random loss on three paths must
// show as retransmitted payload in the capture, while both ends still
// agree on every stream.
func TestRunLossy(t *testing.T) {
	sc := netfilterScenario(t, "lossy")
	res := runScenario(t, sc)
	sum, err := Inspect(res.Pcap)
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	t.Logf("%v: %+v, netfilter %+v", res.Duration, sum, m.Netfilter)
	checkManifest(t, res, sc)
	ps := checkPayload(t, res)
	t.Logf("retransmitted %v bytes, reinjected %v (to server, to client)", ps.Retrans, ps.Reinjected)
	if want := sc.Conns * (sc.Links - 1); sum.JoinSYNs < want || sum.Subflows < sc.Conns*sc.Links {
		t.Errorf("%d join SYNs and %d subflows, want %d and %d", sum.JoinSYNs, sum.Subflows, want, sc.Conns*sc.Links)
	}
	if nf := m.Netfilter; nf == nil || nf.DroppedToServer+nf.DroppedToClient == 0 || nf.Corrupted != 0 {
		t.Errorf("netfilter %+v, want drops", nf)
	}
	if m.Config.Drop != sc.Drop || m.Config.Rate != sc.Rate {
		t.Errorf("config %+v", m.Config)
	}
	// The capture holds more payload than the applications sent: the
	// lost segments were sent again.
	var sent int64
	for i, c := range m.Client {
		sent += c.Sent.Bytes + m.Server[i].Sent.Bytes
	}
	if sum.Payload <= sent || ps.Retrans[toServer]+ps.Retrans[toClient] == 0 {
		t.Errorf("capture has %d payload bytes (%v retransmitted), applications sent %d", sum.Payload, ps.Retrans, sent)
	}
	if ps.Reinjected[toServer]+ps.Reinjected[toClient] == 0 {
		t.Logf("no data-level reinjection this time")
	}
}

// TestRunCorrupt runs the corrupt scenario: a middlebox flips payload
// bytes, the server finds a bad DSS checksum, sends MP_FAIL and the
// connection falls back to TCP; the server's application gets the
// corrupted bytes, and the manifest says so.
func TestRunCorrupt(t *testing.T) {
	sc := netfilterScenario(t, "corrupt")
	res := runScenario(t, sc)
	sum, err := Inspect(res.Pcap)
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	t.Logf("%v: %+v, netfilter %+v", res.Duration, sum, m.Netfilter)
	checkManifest(t, res, sc)
	checkPayload(t, res)
	if sum.Options[MPFail] == 0 {
		t.Errorf("no MP_FAIL in the capture: %+v", sum)
	}
	if sum.DSSChecksums == 0 {
		t.Errorf("no DSS checksums: %+v", sum)
	}
	if nf := m.Netfilter; nf == nil || nf.Corrupted != sc.Corrupt || nf.DroppedToServer+nf.DroppedToClient != 0 {
		t.Errorf("netfilter %+v, want %d corrupted", nf, sc.Corrupt)
	}
	if !m.Config.Mangle || m.Config.Corrupt != sc.Corrupt {
		t.Errorf("config %+v", m.Config)
	}
	c, s := m.Client[0], m.Server[0]
	t.Logf("client sent %v, server received %v", c.Sent, s.Received)
	if c.Sent.SHA256 == s.Received.SHA256 {
		t.Errorf("the server received what the client sent: %v", c.Sent)
	}
	if !c.MPTCP.Fallback || !s.MPTCP.Fallback {
		t.Errorf("no fallback to TCP: client %+v, server %+v", c.MPTCP, s.MPTCP)
	}
	// One subflow: its payload to the server, in sequence order, is the
	// data stream, which must be what the server received, corruption
	// included.
	if got := subflowStream(t, res.Pcap, c.Local.AddrPort); got != *s.Received {
		t.Errorf("captured stream to the server: %v, server received %v", &got, s.Received)
	}
}

// subflowStream reassembles the TCP payload that the subflow from src
// carries, in sequence order, and hashes it. It fails on a gap.
func subflowStream(t *testing.T, path string, src netip.AddrPort) Stream {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	next, err := openCapture(f)
	if err != nil {
		t.Fatal(err)
	}
	var isn uint32
	var buf []byte
	have := map[int]bool{} // offsets written, to spot gaps
	for {
		data, linkType, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pkt := gopacket.NewPacket(data, linkType, gopacket.Default)
		ip, _ := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if ip == nil || tcp == nil {
			continue
		}
		if a, _ := netip.AddrFromSlice(ip.SrcIP.To4()); netip.AddrPortFrom(a, uint16(tcp.SrcPort)) != src {
			continue
		}
		if tcp.SYN {
			isn = tcp.Seq
			continue
		}
		if len(tcp.Payload) == 0 {
			continue
		}
		from := int(tcp.Seq - isn - 1)
		if end := from + len(tcp.Payload); end > len(buf) {
			buf = append(buf, make([]byte, end-len(buf))...)
		}
		copy(buf[from:], tcp.Payload)
		for i := range len(tcp.Payload) {
			have[from+i] = true
		}
	}
	if len(have) != len(buf) {
		t.Fatalf("subflow from %v: %d of %d bytes captured", src, len(have), len(buf))
	}
	sum := sha256.Sum256(buf)
	return Stream{Bytes: int64(len(buf)), SHA256: hex.EncodeToString(sum[:])}
}

// netfilterScenario returns the predefined scenario name, which needs
// nftables, or skips the test if this machine cannot run it.
func netfilterScenario(t *testing.T, name string) Scenario {
	t.Helper()
	if testing.Short() {
		t.Skip("slow: runs a scenario with nftables")
	}
	if err := Available(); err != nil {
		t.Skip(err)
	}
	sc, ok := Lookup(name)
	if !ok {
		t.Fatalf("no scenario %s", name)
	}
	if err := checkTools(sc); err != nil {
		t.Skipf("scenario %s: %v", name, err)
	}
	t.Parallel()
	return sc
}

// TestRunCanceled cancels a run midway: it fails, and leaves neither
// namespaces nor files behind.
func TestRunCanceled(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	if err := Available(); err != nil {
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	dir := t.TempDir()
	sc := Scenario{Name: "canceled", Links: 2, ClientSubflows: true, Chunk: 1024, Pause: 50 * time.Millisecond}
	res, err := Run(ctx, dir, sc)
	if err == nil {
		t.Fatalf("no error from a canceled run: %+v", res)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap the context's", err)
	}
	t.Log(err)
	if files, _ := os.ReadDir(dir); len(files) > 0 {
		t.Errorf("files left behind: %v", files)
	}
	if left := leftovers(t); len(left) > 0 {
		t.Errorf("namespaces left behind: %v", left)
	}
}

// runScenario runs sc into a temporary directory.
func runScenario(t *testing.T, sc Scenario) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, t.TempDir(), sc)
	if errors.Is(err, ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkManifest checks that the manifest on disk is the one returned and
// that both ends agree on every stream.
func checkManifest(t *testing.T, res *Result, sc Scenario) {
	t.Helper()
	m, err := ReadManifest(res.ManifestPath)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*m, res.Manifest) {
		t.Errorf("manifest on disk differs:\n%+v\n%+v", *m, res.Manifest)
	}
	if m.Scenario != sc.Name || m.Capture != filepath.Base(res.Pcap) || filepath.Dir(res.ManifestPath) != filepath.Dir(res.Pcap) {
		t.Errorf("manifest names %s/%s for %s", m.Scenario, m.Capture, res.Pcap)
	}
	conns := cmp.Or(sc.Conns, 1)
	if len(m.Client) != conns || len(m.Server) != conns {
		t.Fatalf("%d client and %d server records, want %d", len(m.Client), len(m.Server), conns)
	}
	bytes := int64(cmp.Or(sc.Bytes, DefaultBytes))
	for i, c := range m.Client {
		s := m.Server[i]
		if c.Local != s.Peer {
			t.Errorf("connection %d: client %v, server peer %v", i, c.Local, s.Peer)
		}
		switch {
		case c.Sent == nil || s.Received == nil || c.Sent.Bytes != bytes || s.Received.Bytes != bytes:
			t.Errorf("connection %d: client sent %v, server received %v, want %d bytes", i, c.Sent, s.Received, bytes)
		case sc.Corrupt == 0 && *c.Sent != *s.Received:
			t.Errorf("connection %d: client sent %v, server received %v", i, c.Sent, s.Received)
		}
		if !sc.FastClose && (c.Received == nil || s.Sent == nil || *c.Received != *s.Sent) {
			t.Errorf("connection %d: server sent %+v, client received %+v", i, s.Sent, c.Received)
		}
		if c.MPTCP == nil || s.MPTCP == nil || c.MPTCP.Token == 0 || s.MPTCP.Token == 0 {
			t.Errorf("connection %d: no MPTCP state", i)
		}
	}
	if len(m.CaptureStats) != 1 || len(m.CaptureStats[0]) != 3 || m.CaptureStats[0][2] != "0 packets dropped by kernel" {
		t.Errorf("capture statistics %q", m.CaptureStats)
	}
}

// checkPayload checks that the capture holds every byte the applications
// exchanged: per direction, the distinct TCP payload of all subflows is at
// least what was sent. It may be more: MPTCP reinjects data on another
// subflow when one stalls, which a busy machine provokes too.
func checkPayload(t *testing.T, res *Result) payloadStats {
	t.Helper()
	m := res.Manifest
	ps := analyzePayload(t, res.Pcap, m.Config.V6, m.Config.Links)
	toServer, toClient := ps.Distinct[toServer], ps.Distinct[toClient]
	var sent, served int64
	known := true
	for i, c := range m.Client {
		sent += c.Sent.Bytes
		if s := m.Server[i].Sent; s != nil {
			served += s.Bytes
		} else {
			known = false
		}
	}
	t.Logf("payload to server %d (sent %d), to client %d (sent %d)", toServer, sent, toClient, served)
	if toServer < sent {
		t.Errorf("capture has %d distinct payload bytes to the server, client sent %d", toServer, sent)
	}
	if known && toClient < served {
		t.Errorf("capture has %d distinct payload bytes to the client, server sent %d", toClient, served)
	}
	return ps
}

// Directions of payloadStats.
const (
	toServer = iota
	toClient
)

// payloadStats counts the TCP payload bytes of a capture by direction.
type payloadStats struct {
	Distinct   [2]int64 // distinct bytes of all subflows
	Retrans    [2]int64 // bytes a subflow sent again (TCP retransmissions)
	Reinjected [2]int64 // data-level bytes mapped on more than one subflow (MPTCP reinjections)
}

// analyzePayload counts the payload bytes of every subflow in a capture,
// by direction: distinct, retransmitted on the same subflow, and sent on
// another subflow too (by the DSS mappings' data sequence numbers).
func analyzePayload(t *testing.T, path string, v6 bool, links int) payloadStats {
	t.Helper()
	servers := map[netip.Addr]bool{}
	for n := 1; n <= links; n++ {
		servers[linkAddr(v6, n, 2)] = true
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	next, err := openCapture(f)
	if err != nil {
		t.Fatal(err)
	}
	type span struct{ from, to int64 }
	type flow struct {
		isn      uint32
		synSeen  bool
		payload  int64
		spans    []span // subflow sequence numbers, relative
		mappings []span // data sequence numbers
	}
	flows := map[[2]netip.AddrPort]*flow{}
	for {
		data, linkType, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pkt := gopacket.NewPacket(data, linkType, gopacket.Default)
		if el := pkt.ErrorLayer(); el != nil {
			t.Fatalf("gopacket cannot decode a frame: %v", el.Error())
		}
		tcp, _ := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tcp == nil {
			continue
		}
		var src, dst netip.Addr
		switch ip := pkt.NetworkLayer().(type) {
		case *layers.IPv4:
			src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
		case *layers.IPv6:
			src, _ = netip.AddrFromSlice(ip.SrcIP)
			dst, _ = netip.AddrFromSlice(ip.DstIP)
		}
		key := [2]netip.AddrPort{netip.AddrPortFrom(src, uint16(tcp.SrcPort)), netip.AddrPortFrom(dst, uint16(tcp.DstPort))}
		fl := flows[key]
		if fl == nil {
			fl = &flow{}
			flows[key] = fl
		}
		if tcp.SYN {
			fl.isn, fl.synSeen = tcp.Seq, true
		}
		if n := len(tcp.Payload); n > 0 {
			if !fl.synSeen {
				t.Fatalf("payload on %v before its SYN", key)
			}
			from := int64(tcp.Seq - fl.isn - 1)
			fl.spans = append(fl.spans, span{from, from + int64(n)})
			fl.payload += int64(n)
		}
		for _, o := range tcp.Options {
			if dsn, n, ok := dssMapping(o); ok && n > 0 {
				fl.mappings = append(fl.mappings, span{int64(dsn), int64(dsn) + int64(n)})
			}
		}
	}
	// merge sorts spans and merges the overlapping ones.
	merge := func(spans []span) []span {
		slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.from, b.from) })
		var out []span
		for _, s := range spans {
			if len(out) > 0 && s.from <= out[len(out)-1].to {
				out[len(out)-1].to = max(out[len(out)-1].to, s.to)
				continue
			}
			out = append(out, s)
		}
		return out
	}
	var ps payloadStats
	var byDir [2][][]span // merged mappings of each flow, by direction
	for key, fl := range flows {
		dir := toClient
		if servers[key[1].Addr()] {
			dir = toServer
		}
		var distinct int64
		for _, s := range merge(fl.spans) {
			distinct += s.to - s.from
		}
		ps.Distinct[dir] += distinct
		ps.Retrans[dir] += fl.payload - distinct
		if len(fl.mappings) > 0 {
			byDir[dir] = append(byDir[dir], merge(fl.mappings))
		}
	}
	// Data sequence numbers start at random 64-bit values, so two
	// connections' ranges do not meet: an overlap between two subflows
	// is data sent on both.
	for dir, flows := range byDir {
		for i, a := range flows {
			for _, b := range flows[i+1:] {
				for _, x := range a {
					for _, y := range b {
						if lo, hi := max(x.from, y.from), min(x.to, y.to); lo < hi {
							ps.Reinjected[dir] += hi - lo
						}
					}
				}
			}
		}
	}
	return ps
}

// dssMapping returns the data sequence number and the number of data
// bytes of the mapping of a DSS option, if it has one. (A DATA_FIN goes
// on every subflow; it is not data.)
func dssMapping(o layers.TCPOption) (dsn uint64, n uint16, ok bool) {
	d := o.OptionData
	if o.OptionType != optMPTCP || len(d) < 2 || Subtype(d[0]>>4) != DSS || d[1]&0x04 == 0 {
		return 0, 0, false
	}
	flags, off := d[1], 2
	if flags&0x01 != 0 { // data ACK, 8 bytes with a
		off += 4 + 4*int(flags>>1&1)
	}
	if flags&0x08 != 0 { // m: 8-byte data sequence number
		if len(d) < off+14 {
			return 0, 0, false
		}
		dsn, off = binary.BigEndian.Uint64(d[off:]), off+8
	} else {
		if len(d) < off+10 {
			return 0, 0, false
		}
		dsn, off = uint64(binary.BigEndian.Uint32(d[off:])), off+4
	}
	n = binary.BigEndian.Uint16(d[off+4:])
	if flags&0x10 != 0 && n > 0 { // F: the DATA_FIN takes one data sequence number
		n--
	}
	return dsn, n, true
}

// leftovers lists the namespaces of this process that still exist.
func leftovers(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	prefix := "mptcplab-" + strconv.Itoa(os.Getpid()) + "-"
	var left []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], prefix) {
			left = append(left, f[0])
		}
	}
	return left
}
