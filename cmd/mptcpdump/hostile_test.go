package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mptcpdump/mptcpdump/report"
)

// mutate returns a damaged copy of a capture: the damage a download, a
// disk or an attacker does.
func mutate(rnd *rand.Rand, in []byte) []byte {
	b := bytes.Clone(in)
	switch rnd.IntN(7) {
	case 0: // byte flips anywhere
		for i := 0; i < 1+rnd.IntN(20); i++ {
			b[rnd.IntN(len(b))] ^= byte(1 + rnd.IntN(255))
		}
	case 1: // byte flips after the file header only (records and packets)
		for i := 0; i < 1+rnd.IntN(50); i++ {
			b[24+rnd.IntN(len(b)-24)] ^= byte(1 + rnd.IntN(255))
		}
	case 2: // truncation anywhere
		b = b[:rnd.IntN(len(b))]
	case 3: // an absurd record length
		off := 24 + rnd.IntN(len(b)-40)
		copy(b[off:], []byte{0xff, 0xff, 0xff, 0x7f})
	case 4: // garbage after a valid prefix
		n := rnd.IntN(len(b))
		for i := n; i < len(b); i++ {
			b[i] = byte(rnd.Uint32())
		}
	case 5: // a corrupted global header
		b[rnd.IntN(24)] ^= byte(1 + rnd.IntN(255))
	case 6: // fuzz the MPTCP options: every kind-30 option gets a random byte
		for i := 24; i+4 < len(b); i++ {
			if b[i] == 30 && b[i+1] >= 3 && b[i+1] <= 40 && rnd.IntN(3) == 0 {
				b[i+2+rnd.IntN(int(b[i+1])-2)] = byte(rnd.Uint32())
			}
		}
	}
	return b
}

// Hundreds of damaged variants of the real captures: no panic, no hang,
// valid JSON whenever the exit status is 0, a one-line message whenever it
// is 2.
func TestHostileVariants(t *testing.T) {
	var sources [][]byte
	for _, name := range []string{"basic.pcap", "signal.pcap", "tcpdump_mptcp-v0.pcap", "mptcproxy_mptcp-v1.pcap",
		"tcpdump_mptcp-fclose.pcap", "checksum.pcapng", "fastclose-v1.pcap"} {
		b, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, b)
	}
	n := 300
	if testing.Short() {
		n = 60
	}
	seed := uint64(7)
	if s := os.Getenv("MPTCPDUMP_HOSTILE_SEED"); s != "" {
		fmt.Sscan(s, &seed)
		n = 3000
	}
	rnd := rand.New(rand.NewPCG(seed, 11))
	dir := t.TempDir()
	for i := 0; i < n; i++ {
		src := sources[i%len(sources)]
		variant := mutate(rnd, src)
		path := filepath.Join(dir, "v.pcap")
		if err := os.WriteFile(path, variant, 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errb bytes.Buffer
		start := time.Now()
		code := run([]string{"-r", path, "--json", "--write-streams", filepath.Join(dir, "streams")}, nil, &out, &errb)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("variant %d took %v", i, d)
		}
		switch code {
		case 0:
			var doc report.Document
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				os.WriteFile(filepath.Join(t.TempDir(), "bad.pcap"), variant, 0o644)
				t.Fatalf("variant %d: exit 0 with invalid JSON: %v", i, err)
			}
		case 2:
			msg := strings.TrimSpace(errb.String())
			if msg == "" || strings.Count(msg, "\n") != 0 {
				t.Errorf("variant %d: exit 2 with message %q", i, msg)
			}
		default:
			t.Errorf("variant %d: exit %d", i, code)
		}
	}
}
