package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mptcpdump/mptcpdump/report"
)

const fixtures = "../../testdata/pcaps"

// runJSON runs mptcpdump --json on args and decodes its output.
func runJSON(t *testing.T, stdin []byte, args ...string) report.Document {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append(args, "--json"), bytes.NewReader(stdin), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var doc report.Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	return doc
}

type wantSubflow struct {
	client, server string
	join           bool
	hmac           string
	firstPacket    uint64
	packets        uint64
}

type wantConn struct {
	version              int
	client, server       string
	clientKey, serverKey string
	clientTok, serverTok string
	checksums            bool
	subflows             []wantSubflow
}

// The bundled fixtures, with what they contain. Keys were read from the
// captures and cross-checked with an independent parser (Python hashlib)
// and tshark; tokens follow from the keys (SHA-1 for v0, SHA-256 for v1).
var fixtureTruth = map[string]struct {
	conns    []wantConn
	unlinked int
	findings []string
}{
	"basic.pcap": {conns: []wantConn{{1, "10.1.0.1:36972", "10.1.0.2:5000", "7610dbdd88ee54fe", "a5d04306ea113b41", "ce6ffa47", "0c3d20c5", false, []wantSubflow{
		{"10.1.0.1:36972", "10.1.0.2:5000", false, "", 1, 72},
		{"10.2.0.1:46521", "10.1.0.2:5000", true, "valid", 6, 43}}}}},
	"checksum.pcapng": {conns: []wantConn{
		{1, "10.1.0.1:36974", "10.1.0.2:5000", "83ba8974b90c7aa5", "eb9190f0fb370e3c", "1496a4e0", "47364af2", true, []wantSubflow{
			{"10.1.0.1:36974", "10.1.0.2:5000", false, "", 1, 764},
			{"10.2.0.1:36819", "10.1.0.2:5000", true, "valid", 6, 485}}},
		{1, "10.1.0.1:36982", "10.1.0.2:5000", "6fa654158139b57d", "eb0dfbdd63d54066", "b8b6cd39", "5b662b4d", true, []wantSubflow{
			{"10.1.0.1:36982", "10.1.0.2:5000", false, "", 10, 178},
			{"10.2.0.1:44213", "10.1.0.2:5000", true, "valid", 15, 125}}}}},
	"signal.pcap": {conns: []wantConn{{1, "10.1.0.1:33272", "10.1.0.2:5000", "0b507c0c41d59280", "f6b10ca19d24ba29", "23b1cf27", "4b170f98", false, []wantSubflow{
		{"10.1.0.1:33272", "10.1.0.2:5000", false, "", 1, 335},
		{"10.2.0.1:56755", "10.2.0.2:5000", true, "valid", 6, 165}}}}},
	"mptcproxy_mptcp-v1.pcap": {conns: []wantConn{{1, "192.168.0.1:57506", "192.168.0.2:8080", "4f6fcc6b6b03b733", "0ffbb4464d646095", "1b12d938", "659d4bb0", false, []wantSubflow{
		{"192.168.0.1:57506", "192.168.0.2:8080", false, "", 13, 15},
		{"192.168.0.3:57951", "192.168.0.2:8080", true, "valid", 20, 4}}}}},
	"ptcpdump_mptcp-v1.pcap": {conns: []wantConn{{1, "127.0.0.1:34204", "127.0.0.1:12345", "fe7b93dc894dcb73", "e356a8f252e41976", "c43eb50e", "64a48c01", false, []wantSubflow{
		{"127.0.0.1:34204", "127.0.0.1:12345", false, "", 1, 14}}}}},
	"tcpdump_mptcp-aa-v1.pcap": {conns: []wantConn{{1, "192.168.125.212:52278", "192.168.125.165:55555", "8f0c7c64a6a32ac1", "73bb150358a0aecb", "2e1abded", "5f3f5591", false, []wantSubflow{
		{"192.168.125.212:52278", "192.168.125.165:55555", false, "", 3, 22}}}},
		// Linux of early 2020 sent the leftmost 64 bits of the ADD_ADDR HMAC.
		findings: []string{"add-addr-hmac-legacy"}},
	"tcpdump_mptcp-fclose.pcap": {conns: []wantConn{{0, "10.1.1.2:37479", "10.2.1.2:2002", "9b59be3d695e66a7", "d005b1ab34bad344", "d3dcec4f", "1f874e7a", true, []wantSubflow{
		{"10.1.1.2:37479", "10.2.1.2:2002", false, "", 3, 9}}}},
		findings: []string{"fastclose", "subflow-reset"}},
	"tcpdump_mptcp-v0.pcap": {conns: []wantConn{{0, "10.2.1.2:35961", "10.1.1.2:22", "9c9eabd1e46a33b2", "967d2770b6960552", "af9706eb", "e47f0142", true, []wantSubflow{
		{"10.2.1.2:35961", "10.1.1.2:22", false, "", 1, 190},
		{"10.2.1.2:41221", "10.1.2.2:22", true, "valid", 8, 74}}}},
		findings: []string{"subflow-reset"}},
	"tcpdump_mptcp-v1.pcap": {conns: []wantConn{{1, "10.0.1.1:33306", "10.0.2.1:10004", "1fdb5df328bc3def", "29a6c86981ad933c", "239fbdb0", "a35d6d82", false, []wantSubflow{
		{"10.0.1.1:33306", "10.0.2.1:10004", false, "", 1, 20}}}}},
	"fastclose-v1.pcap": {conns: []wantConn{{1, "10.1.0.1:53070", "10.1.0.2:36219", "8ff5d30a75440233", "f1a1a3236264b88c", "9191e6a0", "2a2e34d8", false, []wantSubflow{
		{"10.1.0.1:53070", "10.1.0.2:36219", false, "", 1, 210},
		{"10.2.0.1:35267", "10.1.0.2:36219", true, "valid", 6, 7}}}},
		findings: []string{"fastclose", "subflow-reset", "subflow-reset"}},
	"tcpdump_mptcp-aa-echo.pcap":            {},
	"tcpdump_mptcp-tcprst.pcap":             {},
	"tcpdump_mptcp-dss-oobr_malformed.pcap": {findings: []string{"option-malformed"}},
}

func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(fixtures, "*.pcap*"))
	if len(files) != len(fixtureTruth) {
		t.Errorf("%d fixtures on disk, %d described here: describe every fixture", len(files), len(fixtureTruth))
	}
	for name, want := range fixtureTruth {
		t.Run(name, func(t *testing.T) {
			doc := runJSON(t, nil, "-r", filepath.Join(fixtures, name))
			if len(doc.Connections) != len(want.conns) {
				t.Fatalf("%d connections, want %d", len(doc.Connections), len(want.conns))
			}
			for i, w := range want.conns {
				c := doc.Connections[i]
				got := wantConn{c.Version, c.Client, c.Server, c.ClientKey, c.ServerKey, c.ClientToken, c.ServerToken, c.Checksums, nil}
				for _, s := range c.Subflows {
					got.subflows = append(got.subflows, wantSubflow{s.Client, s.Server, s.Join, s.HMAC, s.FirstPacket, s.Packets})
				}
				if !reflect.DeepEqual(got, w) {
					t.Errorf("connection %d:\n got %+v\nwant %+v", i+1, got, w)
				}
				if c.ID != i+1 {
					t.Errorf("connection %d has id %d", i+1, c.ID)
				}
			}
			if len(doc.Unlinked) != want.unlinked {
				t.Errorf("%d unlinked joins, want %d", len(doc.Unlinked), want.unlinked)
			}
			var codes []string
			for _, f := range doc.Findings {
				codes = append(codes, f.Code)
			}
			if !reflect.DeepEqual(codes, want.findings) {
				t.Errorf("findings %v, want %v", codes, want.findings)
			}
		})
	}
}

// The fixtures made by the kernel carry the applications' hashes: the
// reassembled streams must match them (this runs everywhere, CI included).
func TestFixtureStreams(t *testing.T) {
	for _, name := range []string{"basic.pcap", "checksum.pcapng", "signal.pcap", "fastclose-v1.pcap"} {
		t.Run(name, func(t *testing.T) { checkWithManifest(t, filepath.Join(fixtures, name)) })
	}
}

// Standard input and a file give the same document.
func TestReadStdin(t *testing.T) {
	path := filepath.Join(fixtures, "tcpdump_mptcp-v0.pcap")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fromFile := runJSON(t, nil, "-r", path)
	fromStdin := runJSON(t, data, "-r", "-")
	fromFile.Capture.File, fromStdin.Capture.File = "", ""
	if !reflect.DeepEqual(fromFile, fromStdin) {
		t.Error("stdin and file analyses differ")
	}
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pcap")
	os.WriteFile(garbage, []byte("this is not a capture file at all"), 0o644)
	empty := filepath.Join(dir, "empty.pcap")
	os.WriteFile(empty, nil, 0o644)
	for _, tc := range []struct {
		args    []string
		code    int
		message string
	}{
		{[]string{}, 2, "no capture given"},
		{[]string{"-r", filepath.Join(dir, "missing.pcap")}, 2, "no such file"},
		{[]string{"-r", garbage}, 2, "unknown magic number"},
		{[]string{"-r", empty}, 2, "empty file"},
		{[]string{"--bogus"}, 2, "flag provided but not defined"},
		{[]string{"-r", filepath.Join(fixtures, "basic.pcap"), "extra"}, 2, "unexpected argument"},
		{[]string{"-r", filepath.Join(fixtures, "tcpdump_mptcp-dss-oobr_malformed.pcap")}, 0, ""},
	} {
		var out, errb bytes.Buffer
		code := run(tc.args, bytes.NewReader(nil), &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.message) {
			t.Errorf("%v: exit %d stderr %q, want %d and %q", tc.args, code, errb.String(), tc.code, tc.message)
		}
		if code == 2 && strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
			t.Errorf("%v: the error message must be one line: %q", tc.args, errb.String())
		}
	}
}

// A capture cut in the middle of a record: what was read is reported, with
// a warning, and the exit status stays 0.
func TestTruncatedFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "tcpdump_mptcp-v0.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	os.WriteFile(cut, data[:len(data)/2], 0o644)
	var out, errb bytes.Buffer
	if code := run([]string{"-r", cut, "--json"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var doc report.Document
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "warning") || doc.Capture.Warning == "" {
		t.Errorf("no warning: stderr %q", errb.String())
	}
	if len(doc.Connections) != 1 || doc.Capture.Frames == 0 || doc.Capture.Frames >= 264 {
		t.Errorf("%d connections from %d frames", len(doc.Connections), doc.Capture.Frames)
	}
}

func TestTable(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-r", filepath.Join(fixtures, "tcpdump_mptcp-v0.pcap"), "-v"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"264 frames, 264 TCP segments, 264 with MPTCP options, 1 MPTCP connections",
		"| 1   | v0         | 10.2.1.2:35961 | 10.1.1.2:22 | 2 (1/1 joins valid) | 5.0KiB/8.4KiB | fin/fin  | 0B    | 153 ok   | data-fin | 1        | 9.07s    |",
		"| 1.1 | join valid | 10.2.1.2:41221 | 10.1.2.2:22 | closed              | 1.3KiB/3.2KiB | 74 pkts  |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// On an 80-column terminal the table drops its borders and secondary
// columns so that an IPv4 connection fits; --raw prints exact numbers.
func TestTableWidthAndRaw(t *testing.T) {
	doc := runJSON(t, nil, "-r", filepath.Join(fixtures, "basic.pcap"))
	var out bytes.Buffer
	if err := report.WriteTable(&out, &doc, report.TableOptions{Width: 80, Verbose: true}); err != nil {
		t.Fatal(err)
	}
	table, _, _ := strings.Cut(out.String(), "\n\n") // the connections table, before the events
	for _, line := range strings.Split(strings.TrimSpace(table), "\n")[1:] {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
	if !strings.Contains(out.String(), "10.1.0.1:36972") || !strings.Contains(out.String(), "2✓") {
		t.Errorf("compact table:\n%s", out.String())
	}
	out.Reset()
	if err := report.WriteTable(&out, &doc, report.TableOptions{Raw: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "377725/355910") || !strings.Contains(out.String(), "0.505") {
		t.Errorf("raw table:\n%s", out.String())
	}
}

// --write-streams writes exactly the bytes whose hash --json reports, and a
// file for every direction of every connection.
func TestWriteStreams(t *testing.T) {
	dir := t.TempDir()
	doc := runJSON(t, nil, "-r", filepath.Join(fixtures, "checksum.pcapng"), "--write-streams", dir)
	if len(doc.Connections) != 2 {
		t.Fatalf("%d connections", len(doc.Connections))
	}
	for _, c := range doc.Connections {
		for _, st := range []struct {
			name string
			s    report.Stream
		}{{"c2s", c.C2S}, {"s2c", c.S2C}} {
			data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("conn-%d-%s.bin", c.ID, st.name)))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			if hex.EncodeToString(sum[:]) != st.s.SHA256 || uint64(len(data)) != st.s.Bytes || len(data) == 0 {
				t.Errorf("conn %d %s: file has %d bytes %x, JSON says %d %s", c.ID, st.name, len(data), sum, st.s.Bytes, st.s.SHA256)
			}
		}
	}
	// A connection without data in one direction still gets its file.
	dir2 := t.TempDir()
	runJSON(t, nil, "-r", filepath.Join(fixtures, "tcpdump_mptcp-fclose.pcap"), "--write-streams", dir2)
	files, _ := filepath.Glob(filepath.Join(dir2, "conn-*.bin"))
	if len(files) != 2 {
		t.Errorf("files %v, want conn-1-c2s.bin and conn-1-s2c.bin", files)
	}
}

// --strict fails a CI job on error findings that survive the filters;
// filters reject names that do not exist.
func TestStrictAndFilters(t *testing.T) {
	faulty := filepath.Join(fixtures, "faults", "mptcproxy_mptcp-v1-join-synack-hmac.pcap")
	healthy := filepath.Join(fixtures, "basic.pcap")
	for _, tc := range []struct {
		args  []string
		code  int
		codes []string
	}{
		{[]string{"-r", faulty, "--strict"}, 1, []string{"join-hmac-invalid"}},
		{[]string{"-r", healthy, "--strict"}, 0, nil},
		{[]string{"-r", faulty, "--strict", "--severity", "warning,info"}, 0, nil},
		{[]string{"-r", faulty, "--strict", "--code", "join-hmac-invalid"}, 1, []string{"join-hmac-invalid"}},
		{[]string{"-r", faulty, "--code", "join-hmac-invalid,dss-checksum-invalid", "--severity", "error"}, 0, []string{"join-hmac-invalid"}},
		{[]string{"-r", faulty, "--code", "no-such-code"}, 2, nil},
		{[]string{"-r", faulty, "--severity", "fatal"}, 2, nil},
	} {
		var out, errb bytes.Buffer
		code := run(append(tc.args, "--json"), nil, &out, &errb)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errb.String())
			continue
		}
		if code == 2 {
			continue
		}
		var doc report.Document
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, f := range doc.Findings {
			codes = append(codes, f.Code)
		}
		if fmt.Sprint(codes) != fmt.Sprint(tc.codes) {
			t.Errorf("%v: findings %v, want %v", tc.args, codes, tc.codes)
		}
	}
}

// The verbose table lists the timeline.
func TestTableEvents(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-r", filepath.Join(fixtures, "signal.pcap"), "-v"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"events:", "add-addr            the server announces ID 1 = 10.2.0.2", "add-addr-echo       the client echoes ID 1 = 10.2.0.2", "data-fin"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// --packets prints one line per packet with the options in words, and the
// selectors narrow every output.
func TestPacketsAndSelectors(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-r", filepath.Join(fixtures, "signal.pcap"), "--packets"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(out.String(), "\n")
	for i, want := range map[int]string{
		0: "1 22:29:42.091619 c1.0 10.1.0.1:33272 > 10.1.0.2:5000 [S] seq 2790367838 win 64240 len 0, mp_capable v1",
		3: "4 22:29:42.091801 c1.0 10.1.0.2:5000 > 10.1.0.1:33272 [A] seq 3270714064 ack 2790367839 win 63 len 0, add_addr id 1 10.2.0.2 hmac ce9243862535cf5f (valid)",
		6: "7 22:29:42.091898 c1.1 10.2.0.2:5000 > 10.2.0.1:56755 [SA] seq 547461881 ack 3359671901 win 65160 len 0, mp_join syn-ack id 1 hmac 25d031fa6dd1fa46 nonce ef50a504 (valid)",
		9: "10 22:29:42.092567 c1.0 10.1.0.2:5000 > 10.1.0.1:33272 [PA] seq 3270714064 ack 2790367839 win 63 len 12, dss ack 1 dsn 1 ssn 1 len 12",
	} {
		if lines[i] != want {
			t.Errorf("line %d:\n got %q\nwant %q", i+1, lines[i], want)
		}
	}
	if !strings.Contains(out.String(), "500 frames") {
		t.Error("no summary after the packets")
	}
	// A subflow selector: only that subflow's packets, no summary.
	out.Reset()
	if code := run([]string{"-r", filepath.Join(fixtures, "signal.pcap"), "--packets", "--subflow", "10.2.0.1:56755"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if !strings.Contains(l, "10.2.0.1:56755") || !strings.Contains(l, " c1.1 ") {
			t.Errorf("selected line %q", l)
		}
	}
	// Selectors on the JSON: a token of no connection selects nothing.
	doc := runJSON(t, nil, "-r", filepath.Join(fixtures, "checksum.pcapng"), "--conn", "2")
	if len(doc.Connections) != 1 || doc.Connections[0].ID != 2 {
		t.Errorf("--conn 2: %d connections", len(doc.Connections))
	}
	doc = runJSON(t, nil, "-r", filepath.Join(fixtures, "checksum.pcapng"), "--token", "47364af2")
	if len(doc.Connections) != 1 || doc.Connections[0].ID != 1 {
		t.Errorf("--token: %d connections", len(doc.Connections))
	}
	doc = runJSON(t, nil, "-r", filepath.Join(fixtures, "checksum.pcapng"), "--token", "00000000")
	if len(doc.Connections) != 0 || len(doc.Findings) != 0 {
		t.Errorf("--token of nothing: %d connections", len(doc.Connections))
	}
	for _, bad := range [][]string{{"--token", "xyz"}, {"--subflow", "10.0.0.1"}, {"--packets", "--json"}} {
		if code := run(append([]string{"-r", filepath.Join(fixtures, "signal.pcap")}, bad...), nil, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d", bad, code)
		}
	}
}

// --csv and --plot write their files, with the same numbers as --json.
func TestCSVAndPlots(t *testing.T) {
	dir := t.TempDir()
	doc := runJSON(t, nil, "-r", filepath.Join(fixtures, "checksum.pcapng"), "--csv", dir, "--plot", dir)
	for _, f := range []string{"connections.csv", "subflows.csv", "findings.csv", "events.csv", "metrics.csv", "conn-1.svg", "conn-2.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "connections.csv"))
	if !strings.Contains(string(raw), doc.Connections[0].C2S.SHA256) {
		t.Error("connections.csv lacks the stream hash of --json")
	}
	svg, _ := os.ReadFile(filepath.Join(dir, "conn-1.svg"))
	for _, want := range []string{"<svg", "data sequence, client → server", "subflow 1: 10.2.0.1:36819 → 10.1.0.2:5000", "Data ACK", "throughput per subflow"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("graph lacks %q", want)
		}
	}
	m := doc.Connections[0].Metrics.C2S
	if m.RTT.Samples == 0 || len(m.Subflows) != 2 || m.Subflows[0].Bytes+m.Subflows[1].Bytes != doc.Connections[0].C2S.Bytes || m.GoodputBps <= 0 {
		t.Errorf("metrics %+v", m)
	}
}

// The table names partial connections p<id> in the partial list, the
// events and the findings, never as a connection id they would collide
// with.
func TestTablePartialConnections(t *testing.T) {
	doc := &report.Document{
		Partial:  []report.Connection{{ID: 1, Client: "10.0.0.1:4000", Server: "10.0.0.2:80", ServerToken: "0b98f027", Subflows: []report.Subflow{{Join: true}}}},
		Findings: []report.Finding{{Code: "join-unknown-token", Severity: "warning", Partial: 1, Packets: []uint64{4}, Count: 1, Message: "m", RFC: "r"}},
		Events:   []report.Event{{Packet: 9, Partial: 1, Type: "data-fin", Detail: "d"}},
	}
	var out bytes.Buffer
	if err := report.WriteTable(&out, doc, report.TableOptions{Verbose: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"p1 10.0.0.1:4000 ⇄ 10.0.0.2:80  1 subflow(s), joins with token 0b98f027", "conn p1   data-fin", "join-unknown-token conn p1: m"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in:\n%s", want, out.String())
		}
	}
}
