package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mptcpdump/mptcpdump/report"
)

// sharedPcaps is the team's read-only reference captures, next to the
// repository on development machines; tests that need them skip elsewhere.
const sharedPcaps = "../../../shared/pcaps"

func sharedDir(t *testing.T, sub string) string {
	t.Helper()
	dir := filepath.Join(sharedPcaps, sub)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("reference captures not available (%s): %v", dir, err)
	}
	return dir
}

type digest struct {
	Bytes  uint64 `json:"bytes"`
	SHA256 string `json:"sha256"`
}

type manifest struct {
	Scenario string `json:"scenario"`
	Client   []struct {
		Local    []any   `json:"local"`
		Sent     *digest `json:"sent"`
		Received *digest `json:"received"`
	} `json:"client"`
	Server []struct {
		Peer     []any   `json:"peer"`
		Received *digest `json:"received"`
	} `json:"server"`
	Config struct {
		ClientSubflow []int `json:"client_subflow"`
		ServerSignal  []int `json:"server_signal"`
		Checksum      bool  `json:"checksum"`
	} `json:"config"`
}

func hostPort(v []any) string {
	ip := v[0].(string)
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]"
	}
	return fmt.Sprintf("%s:%v", ip, v[1])
}

// Every connection of the kernel captures is found with its client
// address, every join verifies, every data stream hashes to what the
// applications saw, and healthy traffic yields no error. In "corrupt" a
// middlebox flips payload bytes: the checksum failure, MP_FAIL and the
// fallback must be found, and the client-to-server stream is what the
// server received, not what the client sent.
func TestKernelCaptures(t *testing.T) {
	dir := sharedDir(t, "kernel")
	caps, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
	if len(caps) == 0 {
		t.Skip("no kernel captures")
	}
	for _, cp := range caps {
		t.Run(filepath.Base(cp), func(t *testing.T) { checkWithManifest(t, cp) })
	}
}

// checkWithManifest analyzes a capture made by the kernel with its
// manifest next to it (NAME.json) and checks everything the manifest knows.
func checkWithManifest(t *testing.T, cp string) {
	t.Helper()
	raw, err := os.ReadFile(strings.TrimSuffix(cp, filepath.Ext(cp)) + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	corrupt := m.Scenario == "corrupt"
	doc := runJSON(t, nil, "-r", cp)
	if len(doc.Connections) != len(m.Client) {
		t.Errorf("%d connections, manifest has %d", len(doc.Connections), len(m.Client))
	}
	byClient := map[string]report.Connection{}
	for _, c := range doc.Connections {
		byClient[c.Client] = c
		if c.Version != 1 || len(c.ClientKey) != 16 || len(c.ServerKey) != 16 || c.Fallback != corrupt {
			t.Errorf("connection %d: version %d keys %q %q fallback %v", c.ID, c.Version, c.ClientKey, c.ServerKey, c.Fallback)
		}
		joins := 0
		for _, s := range c.Subflows {
			if s.Join {
				joins++
				if s.HMAC != "valid" {
					t.Errorf("connection %d join %s: hmac %s", c.ID, s.Client, s.HMAC)
				}
			}
		}
		// One join per extra client endpoint and per announced address.
		if want := len(m.Config.ClientSubflow) + len(m.Config.ServerSignal); joins != want {
			t.Errorf("connection %d has %d joins, want %d", c.ID, joins, want)
		}
	}
	for i, mc := range m.Client {
		c, ok := byClient[hostPort(mc.Local)]
		if !ok {
			t.Errorf("connection from %s not found", hostPort(mc.Local))
			continue
		}
		c2s := mc.Sent
		if corrupt {
			c2s = m.Server[i].Received
		}
		for _, dir := range []struct {
			name string
			want *digest
			got  report.Stream
		}{{"c2s", c2s, c.C2S}, {"s2c", mc.Received, c.S2C}} {
			if dir.want == nil {
				continue // the connection was aborted: nothing was received
			}
			if dir.got.SHA256 != dir.want.SHA256 || dir.got.Bytes != dir.want.Bytes {
				t.Errorf("connection %d %s: %d bytes sha256 %s, want %d bytes %s", c.ID, dir.name, dir.got.Bytes, dir.got.SHA256, dir.want.Bytes, dir.want.SHA256)
			}
		}
		if corrupt && (c.C2S.Checksum.Failed < 1 || c.MPFail < 1 || c.FallbackDSN == "") {
			t.Errorf("corrupt: checksum %+v, mp_fail %d, fallback dsn %q", c.C2S.Checksum, c.MPFail, c.FallbackDSN)
		}
		if m.Config.Checksum && !corrupt && (c.C2S.Checksum.Verified == 0 || c.C2S.Checksum.Failed+c.C2S.Checksum.Unverifiable+c.S2C.Checksum.Failed+c.S2C.Checksum.Unverifiable != 0) {
			t.Errorf("checksums: c2s %+v s2c %+v", c.C2S.Checksum, c.S2C.Checksum)
		}
	}
	if len(doc.Unlinked) != 0 {
		t.Errorf("%d unlinked joins", len(doc.Unlinked))
	}
	for _, f := range doc.Findings {
		if f.Severity == "error" && !(corrupt && f.Code == "dss-checksum-invalid") {
			t.Errorf("error finding on healthy traffic: %+v", f)
		}
	}
}

// What the public captures contain, as mptcpdump finds it. Every number
// here agrees with an independent parser written in Python (hashlib/hmac,
// checked against the digest's test vectors) and, where tshark can tell,
// with tshark 4.0; see testdata/pcaps/README.md for how the two were
// compared. Joins refused by RST or never answered are "unverified".
var publicTruth = map[string]struct {
	conns                      int
	valid, invalid, unverified int
	unlinked                   int
	handshakeFallbacks         int
	findings                   map[string]int
}{
	"dpimptcp_mod_tok_crafted.pcap":               {1, 0, 0, 0, 1, 0, map[string]int{"join-unknown-token": 1}},
	"dpimptcp_mp_capable.pcapng":                  {2, 4, 0, 2, 0, 0, map[string]int{}},
	"dpimptcp_mp_key_change_crafted.pcap":         {1, 0, 0, 0, 0, 0, map[string]int{"key-echo-mismatch": 2}},
	"dpimptcp_mpjoin_flood_crafted.pcap":          {0, 0, 0, 0, 9295, 0, map[string]int{"join-unknown-token": 1}},
	"inversekey_demo.pcap":                        {2, 1, 0, 0, 0, 0, map[string]int{}},
	"inversekey_speedtest.pcap":                   {25, 9, 0, 7, 0, 6, map[string]int{"fastclose": 1, "handshake-fallback": 6, "join-refused": 8, "subflow-reset": 7}},
	"inversekey_websiteloaded.pcap":               {13, 6, 0, 5, 0, 1, map[string]int{"handshake-fallback": 1, "join-refused": 5}},
	"mptcpabuse_neohapsis_mptcp_challenge.pcapng": {1, 8, 0, 0, 0, 0, map[string]int{"data-fin-inconsistent": 1, "subflow-reset": 1}},
	"mptcproxy_mptcp-v1.pcap":                     {1, 1, 0, 0, 0, 0, map[string]int{}},
	"netcatmptcp_client_20161112_175518.pcap":     {1, 1, 0, 2, 0, 0, map[string]int{"fastclose": 1, "subflow-reset": 2}},
	"netcatmptcp_server_20161112_175518.pcap":     {1, 1, 0, 2, 0, 0, map[string]int{"fastclose": 1, "subflow-reset": 2}},
	"nidsevasion_scenario2_r2_eth1.pcapng":        {100, 0, 0, 100, 0, 0, map[string]int{"join-refused": 100}},
	"nidsevasion_scenario3_r3_eth1.pcapng":        {100, 0, 0, 0, 0, 0, map[string]int{"subflow-reset": 100}},
	"nidsevasion_scenario3_r4_eth1.pcapng":        {0, 0, 0, 0, 100, 0, map[string]int{"join-unknown-token": 100}},
	"ptcpdump_mptcp-v1.pcap":                      {1, 0, 0, 0, 0, 0, map[string]int{}},
	"pymptcpanalyzer_client_2.pcap":               {4, 10, 0, 2, 0, 0, map[string]int{"fastclose": 2, "join-refused": 1, "reinjection": 3, "subflow-reset": 7}},
	"pymptcpanalyzer_iperf-mptcp-0-0.pcap":        {1, 1, 0, 2, 0, 0, map[string]int{}},
	"pymptcpanalyzer_server_2.pcap":               {4, 10, 0, 1, 0, 0, map[string]int{"fastclose": 2, "join-refused": 1, "reinjection": 4, "subflow-reset": 6}},
	"tcpdump_mptcp-aa-echo.pcap":                  {0, 0, 0, 0, 0, 0, map[string]int{}},
	"tcpdump_mptcp-aa-v1.pcap":                    {1, 0, 0, 0, 0, 0, map[string]int{"add-addr-hmac-legacy": 1}},
	"tcpdump_mptcp-dss-oobr_malformed.pcap":       {0, 0, 0, 0, 0, 0, map[string]int{"option-malformed": 1}},
	"tcpdump_mptcp-fclose.pcap":                   {1, 0, 0, 0, 0, 0, map[string]int{"fastclose": 1, "subflow-reset": 1}},
	"tcpdump_mptcp-tcprst.pcap":                   {0, 0, 0, 0, 0, 0, map[string]int{}},
	"tcpdump_mptcp-v0.pcap":                       {1, 1, 0, 0, 0, 0, map[string]int{"subflow-reset": 1}},
	"tcpdump_mptcp-v1.pcap":                       {1, 0, 0, 0, 0, 0, map[string]int{}},
}

func TestPublicCaptures(t *testing.T) {
	dir := sharedDir(t, "public")
	caps, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
	if len(caps) != len(publicTruth) {
		t.Errorf("%d public captures, %d described", len(caps), len(publicTruth))
	}
	for _, cp := range caps {
		name := filepath.Base(cp)
		want, ok := publicTruth[name]
		if !ok {
			t.Errorf("%s is not described", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			doc := runJSON(t, nil, "-r", cp)
			var valid, invalid, unverified, fallbacks int
			for _, c := range doc.Connections {
				if c.FallbackReason != "" {
					fallbacks++
				}
				for _, s := range c.Subflows {
					switch {
					case !s.Join:
					case s.HMAC == "valid":
						valid++
					case s.HMAC == "invalid":
						invalid++
					case s.HMAC == "unverified":
						unverified++
					default:
						t.Errorf("join %s: hmac %q", s.Client, s.HMAC)
					}
				}
			}
			codes := map[string]int{}
			for _, f := range doc.Findings {
				codes[f.Code]++
			}
			got := []int{len(doc.Connections), valid, invalid, unverified, len(doc.Unlinked), fallbacks}
			exp := []int{want.conns, want.valid, want.invalid, want.unverified, want.unlinked, want.handshakeFallbacks}
			if fmt.Sprint(got) != fmt.Sprint(exp) {
				t.Errorf("connections, valid, invalid, unverified, unlinked, fallbacks = %v, want %v", got, exp)
			}
			if fmt.Sprint(codes) != fmt.Sprint(want.findings) {
				t.Errorf("findings %v, want %v", codes, want.findings)
			}
			// Unlinked joins are grouped by token into partial connections,
			// one per token, holding exactly those joins.
			tokens, grouped := map[string]bool{}, 0
			for _, u := range doc.Unlinked {
				tokens[u.Token] = true
				if u.Partial < 1 || u.Partial > len(doc.Partial) || doc.Partial[u.Partial-1].ServerToken != u.Token {
					t.Fatalf("unlinked join %s (token %s) not in its token's partial connection (%d)", u.Client, u.Token, u.Partial)
				}
			}
			for _, p := range doc.Partial {
				if p.ServerToken != "" {
					grouped += len(p.Subflows)
					delete(tokens, p.ServerToken)
				}
			}
			if len(tokens) != 0 || grouped != len(doc.Unlinked) {
				t.Errorf("tokens without a partial connection %v; %d joins grouped, %d unlinked", tokens, grouped, len(doc.Unlinked))
			}
		})
	}
}

// --conn p<id> selects a partial connection (here one of the 100 joins of
// nidsevasion r4, grouped by token), with its findings and events, in
// every output; --conn <id> does not pick it although the ids collide.
func TestSelectPartialConnection(t *testing.T) {
	file := filepath.Join(sharedDir(t, "public"), "nidsevasion_scenario3_r4_eth1.pcapng")
	doc := runJSON(t, nil, "-r", file, "--conn", "p3")
	if len(doc.Connections) != 0 || len(doc.Partial) != 1 || doc.Partial[0].ID != 3 || len(doc.Unlinked) != 0 {
		t.Fatalf("connections %d, partial %v, unlinked %d", len(doc.Connections), doc.Partial, len(doc.Unlinked))
	}
	if len(doc.Findings) != 1 || doc.Findings[0].Code != "join-unknown-token" || doc.Findings[0].Partial != 3 || len(doc.Events) != 4 {
		t.Errorf("findings %+v, %d events", doc.Findings, len(doc.Events))
	}
	for _, e := range doc.Events {
		if e.Partial != 3 || e.Connection != 0 {
			t.Errorf("event %+v", e)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"-r", file, "--conn", "p3", "--packets"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for _, l := range lines {
		if f := strings.Fields(l); len(f) < 3 || f[2] != "p3.0" {
			t.Fatalf("packet line not of p3: %q", l)
		}
	}
	if len(lines) != 15 {
		t.Errorf("%d packets of p3, want 15", len(lines))
	}
	if other := runJSON(t, nil, "-r", file, "--conn", "3"); len(other.Partial) != 0 {
		t.Errorf("--conn 3 selected partial connections %v", other.Partial)
	}
}
