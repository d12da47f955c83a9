package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// mkfaults writes what is committed in testdata/pcaps/faults, capture and
// manifest, byte for byte; with "all" it skips the kinds without target.
func TestRunMatchesFixtures(t *testing.T) {
	const pcaps = "../../../../testdata/pcaps"
	out := t.TempDir()
	if err := run(filepath.Join(pcaps, "tcpdump_mptcp-fclose.pcap"), "all", out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"tcpdump_mptcp-fclose-fastclose-key.pcap", "tcpdump_mptcp-fclose-fastclose-key.json"} {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(pcaps, "faults", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the committed fixture", name)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "tcpdump_mptcp-fclose-join-token.pcap")); !os.IsNotExist(err) {
		t.Errorf("join-token written for a capture without join: %v", err)
	}
	if err := run(filepath.Join(pcaps, "tcpdump_mptcp-fclose.pcap"), "join-token", out); err == nil {
		t.Error("an explicit kind without target is no error")
	}
	if err := run(filepath.Join(pcaps, "tcpdump_mptcp-fclose.pcap"), "bogus", out); err == nil {
		t.Error("an unknown kind is no error")
	}
}
