package analyze

import (
	"os"
	"testing"

	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/internal/sha256x2"
)

// BenchmarkRun analyzes the capture named by MPTCPDUMP_BENCH_PCAP (or the
// bundled basic.pcap) as the command does: opened with capture.OpenFile
// (memory-mapped when it is a classic pcap), the whole pipeline, decode to
// findings. Used by scripts/bench.sh and for profiles:
//
//	MPTCPDUMP_BENCH_PCAP=big.pcap go test ./analyze -run=^$ -bench=Run -cpuprofile=cpu.out
func BenchmarkRun(b *testing.B) {
	path := benchPcap(b)
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

// benchPcap returns the capture named by MPTCPDUMP_BENCH_PCAP, or the
// bundled basic.pcap, and reports bytes per second of it and allocations.
func benchPcap(b *testing.B) string {
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
	return path
}

// BenchmarkFloor is the least that any analysis of the same capture must
// do, to compare BenchmarkRun with: read every record as Run does
// (mapped, paged ahead and given back) and hash every captured byte with
// SHA-256, two records at a time as the digester pairs streams. Run with
// GOMAXPROCS=1 it bounds what one core can reach: on the mtu benchmark
// capture it takes 99-104 ms of the 112 ms that 1.5 M packets/s allows.
func BenchmarkFloor(b *testing.B) {
	path := benchPcap(b)
	x, y := sha256x2.New(), sha256x2.New()
	for b.Loop() {
		f, err := capture.OpenFile(path)
		if err != nil {
			b.Fatal(err)
		}
		ahead := capture.Prefetch(f)
		var rec capture.Record
		var held []byte
		for ahead.Next(&rec) == nil {
			if held == nil {
				held = rec.Data
				continue
			}
			sha256x2.WriteTwo(x, held, y, rec.Data)
			held = nil
		}
		ahead.Close()
		f.Close()
	}
}
