package analyze_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mptcpdump/mptcpdump/analyze"
	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/report"
)

// reportOf analyzes src and returns its JSON report.
func reportOf(t *testing.T, src analyze.Source) []byte {
	t.Helper()
	res, err := analyze.Run(src, analyze.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.WriteJSON(&b, report.Build("capture", res)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A mapped file (zero copy, windows by reference) and the same bytes read
// with system calls (copies) give the same report, byte for byte, on
// every capture in testdata: healthy, damaged, v0 and v1.
func TestMappedFileSameReport(t *testing.T) {
	names, _ := filepath.Glob("../testdata/pcaps/*.pcap*")
	faults, _ := filepath.Glob("../testdata/pcaps/faults/*.pcap*")
	names = append(names, faults...)
	mapped := 0
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		r, err := capture.Open(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := reportOf(t, r)
		if f, err := capture.OpenFile(name); err == nil {
			ahead := capture.Prefetch(f)
			if ahead.Stable() {
				mapped++
			}
			ahead.Close()
			f.Close()
		}
		f, err := capture.OpenFile(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := reportOf(t, f)
		f.Close()
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the mapped file's report differs", name)
		}
	}
	if mapped < 20 {
		t.Fatalf("only %d of %d captures were mapped", mapped, len(names))
	}
}
