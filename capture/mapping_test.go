package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// readAllMapped is readAll through a mapped reader, over data in memory.
func readAllMapped(t testing.TB, data []byte) ([]Record, error) {
	t.Helper()
	var m RecordSource
	if p, ok := newMappedPcap(data); ok {
		m = p
	} else if ng, ok := newMappedNg(data); ok {
		m = ng
	} else {
		t.Fatalf("not a mappable capture")
	}
	var out []Record
	for {
		var rec Record
		err := m.Next(&rec)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

// sameReading fails unless the mapped reader gives exactly the records and
// the error that Open's reader gives for data.
func sameReading(t testing.TB, name string, data []byte) {
	t.Helper()
	want, werr := readAll(t.(*testing.T), data)
	got, gerr := readAllMapped(t, data)
	if fmt.Sprint(werr) != fmt.Sprint(gerr) {
		t.Fatalf("%s: error %v, the reader's %v", name, gerr, werr)
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d records, the reader's %d", name, len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if g.Number != w.Number || !g.Time.Equal(w.Time) || g.Time.Location() != w.Time.Location() || g.LinkType != w.LinkType ||
			g.Interface != w.Interface || g.CaptureLength != w.CaptureLength || g.Length != w.Length || !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("%s: record %d is %+v, the reader's %+v", name, i+1, g, w)
		}
	}
}

// The mapped readers follow pcapgo's reading exactly: every pcap and
// pcapng capture in testdata, whole and cut at every length of its first
// 2 KiB, and hand-made damage.
func TestMappedMatchesReader(t *testing.T) {
	names, _ := filepath.Glob("../testdata/pcaps/*.pcap*")
	if len(names) < 5 {
		t.Fatalf("only %d captures in testdata", len(names))
	}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		_, pcap := newMappedPcap(data)
		_, ng := newMappedNg(data)
		if !pcap && !ng {
			continue
		}
		sameReading(t, name, data)
		for n := 24; n < min(len(data), 2048); n += 1 + n/512 {
			if _, ok := newMappedPcap(data[:n]); ok || ng && len(data[:n]) >= 12 {
				if _, ok := newMappedNg(data[:n]); ok || pcap {
					sameReading(t, fmt.Sprintf("%s cut at %d", name, n), data[:n])
				}
			}
		}
	}
	frames := [][]byte{[]byte("first frame"), {}, []byte("third")}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		for _, nanos := range []bool{false, true} {
			data := classic(order, nanos, 113, frames...)
			sameReading(t, fmt.Sprintf("%v nanos=%v", order, nanos), data)
			damaged := func(field int, v uint32) []byte {
				d := bytes.Clone(data)
				order.PutUint32(d[24+16+len(frames[0])+field:], v)
				return d
			}
			sameReading(t, "caplen beyond snaplen", damaged(8, 0x7ffffff0))
			sameReading(t, "caplen beyond length", damaged(12, 1))
			sameReading(t, "caplen beyond the file", damaged(8, 200))
			sameReading(t, "caplen between eager and snap", damaged(8, 300000))
			sameReading(t, "microseconds that overflow", damaged(4, 0xfffffff0))
		}
	}
}

// OpenFile maps classic pcap files and reads anything else as Open does.
func TestOpenFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mapped bool
	}{
		{"../testdata/pcaps/basic.pcap", runtime.GOOS == "linux"},
		{"../testdata/pcaps/checksum.pcapng", false},
	} {
		f, err := OpenFile(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := f.(*mappedPcap); ok != tc.mapped {
			t.Errorf("%s: mapped %v, want %v", tc.name, ok, tc.mapped)
		}
		data, _ := os.ReadFile(tc.name)
		want, err := readAll(t, data)
		if err != nil {
			t.Fatal(err)
		}
		p := Prefetch(f)
		var rec Record
		n := 0
		for ; p.Next(&rec) == nil; n++ {
			if !bytes.Equal(rec.Data, want[n].Data) || rec.Number != want[n].Number {
				t.Fatalf("%s: record %d differs", tc.name, n+1)
			}
		}
		p.Close()
		if n != len(want) || f.Close() != nil {
			t.Fatalf("%s: %d records, want %d", tc.name, n, len(want))
		}
	}
	if _, err := OpenFile("no/such/file.pcap"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.pcap")
	os.WriteFile(bad, []byte("GET / HTTP/1.1\r\n\r\n............"), 0o644)
	var fe *FormatError
	if _, err := OpenFile(bad); !errors.As(err, &fe) {
		t.Fatalf("not a capture: %v", err)
	}
}

// bigPcap writes a classic pcap of n frames of size bytes each.
func bigPcap(t *testing.T, n, size int) string {
	frames := make([][]byte, n)
	for i := range frames {
		frames[i] = bytes.Repeat([]byte{byte(i)}, size)
	}
	path := filepath.Join(t.TempDir(), "big.pcap")
	if err := os.WriteFile(path, classic(binary.LittleEndian, false, 1, frames...), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mappedRSS returns the resident size of the process's mappings of path,
// from /proc/self/smaps.
func mappedRSS(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	rss, in := 0, false
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			in = fields[len(fields)-1] == path // a mapping's header line
		case in && len(fields) == 3 && fields[0] == "Rss:":
			kb, _ := strconv.Atoi(fields[1])
			rss += kb << 10
		}
	}
	return rss
}

// Read through Prefetch, a mapped file gives its pages back behind the
// reader: however long the file, pages are given back within the
// release lag and pagerStall spans of where the reader is, and what is
// resident of the file stays within that, the sweep interval and the
// read-ahead (measured by the kernel, in /proc/self/smaps). The reader runs
// flat out on one processor, never blocking: the pager gets to run only
// because the reader yields when it falls behind (without that, pages were
// given back up to 66 MB behind and 59 MB of the file were resident).
func TestMappedReleasesPages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("files are mapped on Linux only")
	}
	const records = 70000
	path := bigPcap(t, records, 1400) // 99.1 MB, twice the bound
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	m := f.(*mappedPcap)
	p := Prefetch(f)
	defer p.Close()
	var rec Record
	n, peak, lag := 0, 0, 0
	for p.Next(&rec) == nil {
		if n++; rec.Data[0] != byte(n-1) || len(rec.Data) != 1400 {
			t.Fatalf("record %d: %d bytes starting %d", n, len(rec.Data), rec.Data[0])
		}
		if m.off > releaseLag {
			lag = max(lag, m.off-int(m.released.Load()))
		}
		if n%20000 == 0 { // a system call: the pager may run meanwhile
			peak = max(peak, mappedRSS(t, path))
		}
	}
	maxLag := releaseLag + (pagerStall+2)*prefetchSpan
	bound := maxLag + sweepEvery + 2*prefetchSpan
	t.Logf("%d records; pages given back up to %d bytes behind; at most %d bytes of %d resident", n, lag, peak, records*1416)
	if n != records || lag > maxLag || peak == 0 || peak > bound {
		t.Fatalf("%d records; pages given back up to %d bytes behind (bound %d); up to %d bytes of the file resident (bound %d)",
			n, lag, maxLag, peak, bound)
	}
}

// A mapped file truncated while it is read makes its pages fault: reading
// ends with ErrFileChanged, not a crash, and CatchFault turns a fault on
// the analysis's goroutine into the same error.
func TestMappedFileTruncatedWhileRead(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("files are mapped on Linux only")
	}
	path := bigPcap(t, 8000, 1400)
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rec Record
	if err := f.Next(&rec); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	err = CatchFault(func() error {
		if rec.Data[100] != 0 { // the page is gone
			return errors.New("read a truncated page")
		}
		return nil
	})
	if !errors.Is(err, ErrFileChanged) {
		t.Fatalf("touching a truncated page: %v", err)
	}
	p := Prefetch(f)
	defer p.Close()
	for err = nil; err == nil; {
		err = p.Next(&rec)
	}
	if !errors.Is(err, ErrFileChanged) || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("reading on: %v", err)
	}
	// Other panics are not swallowed.
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v", r)
		}
	}()
	CatchFault(func() error { panic("boom") })
}

// A pcapng file's packets are found in the mapping (not copied), in every
// section and byte order pcapgo reads, and a file whose packets the walk
// cannot follow is still read right, by copies.
func TestMappedPcapngInPlace(t *testing.T) {
	for _, name := range []string{"../testdata/pcaps/checksum.pcapng", "../../shared/pcaps/kernel/checksum.pcapng"} {
		data, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		m, ok := newMappedNg(data)
		if !ok {
			t.Fatalf("%s: not read as pcapng", name)
		}
		var rec Record
		n := 0
		for m.Next(&rec) == nil {
			n++
			if len(rec.Data) > 0 && !within(rec.Data, data) {
				t.Fatalf("%s: record %d is a copy", name, n)
			}
		}
		if n == 0 || m.lost {
			t.Fatalf("%s: %d records, walk lost: %v", name, n, m.lost)
		}
	}
	// Two sections, the second big-endian, written by hand: read in place.
	var b bytes.Buffer
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		b.Write(ngBlock(order, ngSectionHeader, u32s(order, ngByteOrderMagic), u16s(order, 1, 0), bytes.Repeat([]byte{0xff}, 8)))
		b.Write(ngBlock(order, 1, u16s(order, 1, 0), u32s(order, 65535)))                                  // IDB: Ethernet
		b.Write(ngBlock(order, ngEnhancedPacket, u32s(order, 0, 0, 1, 5, 5), []byte("hello\x00\x00\x00"))) // EPB
		b.Write(ngBlock(order, ngSimplePacket, u32s(order, 3), []byte("abc\x00")))                         // SPB
	}
	want, werr := readAll(t, b.Bytes())
	got, gerr := readAllMapped(t, b.Bytes())
	m, _ := newMappedNg(b.Bytes())
	for m.Next(&Record{}) == nil {
	}
	if werr != nil || gerr != nil || len(got) != 4 || len(want) != 4 || m.lost {
		t.Fatalf("records %d/%d, errors %v/%v, lost %v", len(got), len(want), gerr, werr, m.lost)
	}
	for i := range want {
		if !bytes.Equal(got[i].Data, want[i].Data) || got[i].Time != want[i].Time {
			t.Fatalf("record %d: %q, want %q", i, got[i].Data, want[i].Data)
		}
	}
}

// ngBlock encodes a pcapng block of type typ with body parts.
func ngBlock(order binary.ByteOrder, typ uint32, parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	n := uint32(12 + len(body))
	out := u32s(order, typ, n)
	out = append(out, body...)
	return append(out, u32s(order, n)...)
}

func u32s(order binary.ByteOrder, vs ...uint32) []byte {
	out := make([]byte, 4*len(vs))
	for i, v := range vs {
		order.PutUint32(out[4*i:], v)
	}
	return out
}

func u16s(order binary.ByteOrder, vs ...uint16) []byte {
	out := make([]byte, 2*len(vs))
	for i, v := range vs {
		order.PutUint16(out[2*i:], v)
	}
	return out
}

// within reports whether b lies in a's memory.
func within(b, a []byte) bool {
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pb >= pa && pb+uintptr(len(b)) <= pa+uintptr(len(a))
}
