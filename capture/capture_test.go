package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

var ts = time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)

// classic builds a pcap file by hand so that byte order and timestamp
// resolution can be chosen.
func classic(order binary.ByteOrder, nanos bool, link uint32, frames ...[]byte) []byte {
	var b bytes.Buffer
	magic := uint32(0xa1b2c3d4)
	if nanos {
		magic = 0xa1b23c4d
	}
	h := make([]byte, 24)
	order.PutUint32(h[0:], magic)
	order.PutUint16(h[4:], 2)
	order.PutUint16(h[6:], 4)
	order.PutUint32(h[16:], 65535)
	order.PutUint32(h[20:], link)
	b.Write(h)
	for i, f := range frames {
		r := make([]byte, 16)
		t := ts.Add(time.Duration(i) * time.Second)
		order.PutUint32(r[0:], uint32(t.Unix()))
		frac := uint32(t.Nanosecond() / 1000)
		if nanos {
			frac = uint32(t.Nanosecond())
		}
		order.PutUint32(r[4:], frac)
		order.PutUint32(r[8:], uint32(len(f)))
		order.PutUint32(r[12:], uint32(len(f)+10)) // wire length larger: a snap length cut
		b.Write(r)
		b.Write(f)
	}
	return b.Bytes()
}

func readAll(t *testing.T, data []byte) ([]Record, error) {
	t.Helper()
	r, err := Open(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	var out []Record
	for {
		var rec Record
		err := r.Next(&rec)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		rec.Data = append([]byte(nil), rec.Data...)
		out = append(out, rec)
	}
}

func TestClassicPcapVariants(t *testing.T) {
	frames := [][]byte{[]byte("first frame"), []byte("second")}
	for _, tc := range []struct {
		name  string
		order binary.ByteOrder
		nanos bool
		prec  time.Duration
	}{
		{"little-endian µs", binary.LittleEndian, false, time.Microsecond},
		{"big-endian µs", binary.BigEndian, false, time.Microsecond},
		{"little-endian ns", binary.LittleEndian, true, time.Nanosecond},
		{"big-endian ns", binary.BigEndian, true, time.Nanosecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, err := readAll(t, classic(tc.order, tc.nanos, uint32(layers.LinkTypeLinuxSLL2), frames...))
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 {
				t.Fatalf("%d records", len(recs))
			}
			for i, r := range recs {
				want := ts.Add(time.Duration(i) * time.Second).Truncate(tc.prec)
				if r.Number != uint64(i+1) || !r.Time.Equal(want) || r.LinkType != layers.LinkTypeLinuxSLL2 ||
					!bytes.Equal(r.Data, frames[i]) || r.CaptureLength != len(frames[i]) || r.Length != len(frames[i])+10 {
					t.Errorf("record %d: %+v (want time %v)", i, r, want)
				}
			}
		})
	}
}

func TestGzipPcap(t *testing.T) {
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(classic(binary.LittleEndian, false, 1, []byte("x")))
	w.Close()
	recs, err := readAll(t, z.Bytes())
	if err != nil || len(recs) != 1 || recs[0].LinkType != layers.LinkTypeEthernet {
		t.Fatalf("records %+v err %v", recs, err)
	}
}

// A pcapng file with two interfaces of different link types, as
// `tcpdump -i any` on some systems or a merge of two captures writes.
func TestPcapngMixedLinkTypes(t *testing.T) {
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&b, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, SnapLength: 65535, TimestampResolution: 9}, pcapgo.NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.AddInterface(pcapgo.NgInterface{Name: "any", LinkType: layers.LinkTypeLinuxSLL2, SnapLength: 65535, TimestampResolution: 9})
	if err != nil {
		t.Fatal(err)
	}
	for i, iface := range []int{0, id, 0} {
		data := bytes.Repeat([]byte{byte(i)}, 20+i)
		ci := gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(data), Length: len(data), InterfaceIndex: iface}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	recs, err := readAll(t, b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeLinuxSLL2, layers.LinkTypeEthernet}
	if len(recs) != 3 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if r.LinkType != want[i] || r.Number != uint64(i+1) || len(r.Data) != 20+i || !r.Time.Equal(ts.Add(time.Duration(i)*time.Millisecond)) {
			t.Errorf("record %d: link %v number %d len %d time %v", i, r.LinkType, r.Number, len(r.Data), r.Time)
		}
	}
}

func TestTruncatedFile(t *testing.T) {
	data := classic(binary.LittleEndian, false, 1, []byte("complete"), []byte("cut in the middle"))
	recs, err := readAll(t, data[:len(data)-5])
	if !errors.Is(err, ErrTruncatedFile) || len(recs) != 1 {
		t.Fatalf("records %d err %v", len(recs), err)
	}
	// Cut inside the second record's header.
	recs, err = readAll(t, data[:24+16+8+7])
	if !errors.Is(err, ErrTruncatedFile) || len(recs) != 1 {
		t.Fatalf("records %d err %v", len(recs), err)
	}
}

func TestNotACapture(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"short", []byte{0xd4, 0xc3}, "shorter than a capture header"},
		{"text", []byte("GET / HTTP/1.1\r\n"), "unknown magic number"},
		{"bad version", func() []byte {
			b := classic(binary.LittleEndian, false, 1)
			b[4] = 9
			return b
		}(), "pcap file header"},
		{"pcap header cut", classic(binary.LittleEndian, false, 1)[:10], "pcap file header"},
	} {
		_, err := Open(bytes.NewReader(tc.data))
		var fe *FormatError
		if !errors.As(err, &fe) || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("%s: %v, want a FormatError about %q", tc.name, err, tc.want)
		}
	}
}

// A record claiming a length beyond the snap length ends the reading with
// a damaged-record error naming its byte offset; it is not allocated.
func TestDamagedRecord(t *testing.T) {
	data := classic(binary.LittleEndian, false, 1, []byte("first"), []byte("second"))
	off := 24 + 16 + 5 // the second record's header
	binary.LittleEndian.PutUint32(data[off+8:], 0x7ffffff0)
	recs, err := readAll(t, data)
	if len(recs) != 1 || !errors.Is(err, ErrDamagedRecord) || !bytes.Contains([]byte(err.Error()), []byte("at byte offset 45")) {
		t.Fatalf("records %d, err %v", len(recs), err)
	}
}

// FuzzReader: any bytes as a capture file. Open and Next never panic, and
// never return more data than the input holds; the mapped reader gives
// the same records and errors.
func FuzzReader(f *testing.F) {
	f.Add(classic(binary.LittleEndian, false, 1, []byte("frame")))
	f.Add(classic(binary.BigEndian, true, 113, []byte("a"), []byte("bc")))
	var ng bytes.Buffer
	w, _ := pcapgo.NewNgWriter(&ng, layers.LinkTypeEthernet)
	w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 3, Length: 3}, []byte("abc"))
	w.Flush()
	f.Add(ng.Bytes())
	// Real captures: the small ones whole, the first 4 KiB of the others
	// (cut inside a record).
	names, _ := filepath.Glob("../testdata/pcaps/*.pcap*")
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		_, pcap := newMappedPcap(in)
		_, ng := newMappedNg(in)
		if pcap || ng {
			// A mapped file reads exactly as Open's reader does.
			sameReading(t, "input", in)
		}
		r, err := Open(bytes.NewReader(in))
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Open error %T: %v", err, err)
			}
			return
		}
		var rec Record
		total := 0
		for i := 0; i < 10000; i++ {
			if err := r.Next(&rec); err != nil {
				return
			}
			total += len(rec.Data)
			gzip := len(in) > 1 && in[0] == 0x1f && in[1] == 0x8b
			if total > len(in) && !gzip {
				t.Fatalf("read %d bytes of frames from a %d-byte file", total, len(in))
			}
		}
	})
}
