package analyze

import (
	"os"
	"testing"

	"github.com/mptcpdump/mptcpdump/capture"
)

// BenchmarkRun analyzes the capture named by MPTCPDUMP_BENCH_PCAP (or the
// bundled basic.pcap) as the command does: opened with capture.OpenFile
// (memory-mapped when it is a classic pcap), the whole pipeline, decode to
// findings. Used by scripts/bench.sh and for profiles:
//
//	MPTCPDUMP_BENCH_PCAP=big.pcap go test ./analyze -run=^$ -bench=Run -cpuprofile=cpu.out
func BenchmarkRun(b *testing.B) {
	path := os.Getenv("MPTCPDUMP_BENCH_PCAP")
	if path == "" {
		path = "../testdata/pcaps/basic.pcap"
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		f, err := capture.OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Run(f, Options{}); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}
