package lab

import (
	"cmp"
	"context"
	"errors"
	"io"
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
	for _, name := range []string{"basic", "checksum", "signal", "many", "ipv6", "fastclose", "prio_remove"} {
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
		if sc.Name == "basic" {
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
		if c.Sent == nil || s.Received == nil || *c.Sent != *s.Received || c.Sent.Bytes != bytes {
			t.Errorf("connection %d: client sent %+v, server received %+v, want %d bytes", i, c.Sent, s.Received, bytes)
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
func checkPayload(t *testing.T, res *Result) {
	t.Helper()
	m := res.Manifest
	toServer, toClient := payloadByDirection(t, res.Pcap, m.Config.V6, m.Config.Links)
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
}

// payloadByDirection counts the distinct TCP payload bytes of every
// subflow in a capture, by direction.
func payloadByDirection(t *testing.T, path string, v6 bool, links int) (toServer, toClient int64) {
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
		src, dst netip.AddrPort
		isn      uint32
		synSeen  bool
		spans    []span
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
			fl = &flow{src: key[0], dst: key[1]}
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
		}
	}
	for _, fl := range flows {
		slices.SortFunc(fl.spans, func(a, b span) int { return cmp.Compare(a.from, b.from) })
		var total, end int64
		for _, s := range fl.spans {
			if s.to > end {
				total += s.to - max(s.from, end)
				end = s.to
			}
		}
		if servers[fl.dst.Addr()] {
			toServer += total
		} else {
			toClient += total
		}
	}
	return toServer, toClient
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
