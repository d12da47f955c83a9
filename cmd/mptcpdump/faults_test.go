package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The faults of testdata/pcaps/faults, injected into real captures by
// internal/faults, and the finding each must raise, pinned to the packets
// the injector changed.
var faultFinding = map[string]struct {
	code, severity string
}{
	"join-synack-hmac": {"join-hmac-invalid", "error"},
	"join-ack-hmac":    {"join-hmac-invalid", "error"},
	"join-token":       {"join-unknown-token", "warning"},
	"echoed-key":       {"key-echo-mismatch", "error"},
	"add-addr-hmac":    {"add-addr-hmac-invalid", "error"},
	"fastclose-key":    {"fastclose-key-mismatch", "error"},
	"payload-byte":     {"dss-checksum-invalid", "error"},
	"dss-checksum":     {"dss-checksum-invalid", "error"},
	"data-ack-beyond":  {"data-ack-unsent", "error"},
}

func TestInjectedFaults(t *testing.T) {
	manifests, _ := filepath.Glob(filepath.Join(fixtures, "faults", "*.json"))
	if len(manifests) < len(faultFinding) {
		t.Fatalf("%d fault fixtures, want at least one per kind (%d)", len(manifests), len(faultFinding))
	}
	seen := map[string]bool{}
	for _, m := range manifests {
		base := strings.TrimSuffix(m, ".json")
		t.Run(filepath.Base(base), func(t *testing.T) {
			raw, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			var inj struct {
				Kind    string   `json:"kind"`
				Packets []uint64 `json:"packets"`
			}
			if err := json.Unmarshal(raw, &inj); err != nil {
				t.Fatal(err)
			}
			want, ok := faultFinding[inj.Kind]
			if !ok {
				t.Fatalf("unknown fault kind %q", inj.Kind)
			}
			seen[inj.Kind] = true
			caps, _ := filepath.Glob(base + ".pcap*")
			if len(caps) != 1 {
				t.Fatalf("captures %v", caps)
			}
			doc := runJSON(t, nil, "-r", caps[0])
			found := false
			for _, f := range doc.Findings {
				if f.Severity == "error" && f.Code != want.code {
					t.Errorf("unexpected error finding %s: %s", f.Code, f.Message)
				}
				if f.Code != want.code {
					continue
				}
				pinned := true
				for _, p := range inj.Packets {
					pinned = pinned && slices.Contains(f.Packets, p)
				}
				if pinned && f.Severity == want.severity {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s %s finding pinned to packets %v: %+v", want.severity, want.code, inj.Packets, doc.Findings)
			}
		})
	}
	for kind := range faultFinding {
		if !seen[kind] {
			t.Errorf("no fixture for fault %s", kind)
		}
	}
}
