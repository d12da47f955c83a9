package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

type manifest struct {
	Scenario string `json:"scenario"`
	Config   struct {
		ClientSubflow []int `json:"client_subflow"`
		ServerSignal  []int `json:"server_signal"`
	} `json:"config"`
	Client []struct {
		Local []any `json:"local"`
	} `json:"client"`
}

func hostPort(v []any) string {
	ip := v[0].(string)
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]"
	}
	return fmt.Sprintf("%s:%v", ip, v[1])
}

// Every connection of the kernel captures is found with its client
// address, every join verifies, and healthy traffic yields no error.
func TestKernelCaptures(t *testing.T) {
	dir := sharedDir(t, "kernel")
	caps, _ := filepath.Glob(filepath.Join(dir, "*.pcap*"))
	if len(caps) == 0 {
		t.Skip("no kernel captures")
	}
	for _, cp := range caps {
		name := filepath.Base(cp)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(strings.TrimSuffix(cp, filepath.Ext(cp)) + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var m manifest
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			doc := runJSON(t, nil, "-r", cp)
			if len(doc.Connections) != len(m.Client) {
				t.Errorf("%d connections, manifest has %d", len(doc.Connections), len(m.Client))
			}
			byClient := map[string]int{}
			for i, c := range doc.Connections {
				byClient[c.Client] = i
				if c.Version != 1 || len(c.ClientKey) != 16 || len(c.ServerKey) != 16 || c.Fallback {
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
			for _, c := range m.Client {
				if _, ok := byClient[hostPort(c.Local)]; !ok {
					t.Errorf("connection from %s not found", hostPort(c.Local))
				}
			}
			if len(doc.Unlinked) != 0 {
				t.Errorf("%d unlinked joins", len(doc.Unlinked))
			}
			for _, f := range doc.Findings {
				if f.Severity == "error" {
					t.Errorf("error finding on healthy traffic: %+v", f)
				}
			}
		})
	}
}
