package analyze

import (
	"bytes"
	"os"
	"testing"

	"github.com/mptcpdump/mptcpdump/capture"
)

// BenchmarkRun analyzes the capture named by MPTCPDUMP_BENCH_PCAP (or the
// bundled basic.pcap) from memory: the whole pipeline, decode to findings.
// Used by scripts/bench.sh and for profiles:
//
//	MPTCPDUMP_BENCH_PCAP=big.pcap go test ./analyze -run=^$ -bench=Run -cpuprofile=cpu.out
func BenchmarkRun(b *testing.B) {
	path := os.Getenv("MPTCPDUMP_BENCH_PCAP")
	if path == "" {
		path = "../testdata/pcaps/basic.pcap"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := capture.Open(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Run(r, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
