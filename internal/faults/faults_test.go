package faults

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/decode"
)

const pcaps = "../../testdata/pcaps"

func readPcap(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pcaps, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// record is one frame as capture.Reader, not this package, reads it.
type record struct {
	num  uint64
	link layers.LinkType
	data []byte
	ci   [2]int64 // timestamp (ns) and wire length
}

func records(t *testing.T, b []byte) []record {
	t.Helper()
	r, err := capture.Open(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out []record
	var rec capture.Record
	for {
		err := r.Next(&rec)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, record{rec.Number, rec.LinkType, bytes.Clone(rec.Data), [2]int64{rec.Time.UnixNano(), int64(rec.Length)}})
	}
}

// The walk finds the frames capture.Reader (gopacket) reads, in the same
// order, with the same link types, in every bundled capture.
func TestFramesMatchReader(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(pcaps, "*.pcap*"))
	if len(files) < 10 {
		t.Fatalf("only %d captures in %s", len(files), pcaps)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			checkFrames(t, b)
		})
	}
}

func checkFrames(t *testing.T, b []byte) {
	t.Helper()
	_, frs, err := frames(b)
	if err != nil {
		t.Fatal(err)
	}
	recs := records(t, b)
	if len(frs) != len(recs) {
		t.Fatalf("%d frames, reader has %d", len(frs), len(recs))
	}
	for i, fr := range frs {
		r := recs[i]
		if fr.num != r.num || fr.link != r.link || !bytes.Equal(fr.data, r.data) || !bytes.Equal(b[fr.off:fr.off+len(fr.data)], r.data) {
			t.Fatalf("frame %d (link %v, %d bytes at %d) differs from record %d (link %v, %d bytes)",
				fr.num, fr.link, len(fr.data), fr.off, r.num, r.link, len(r.data))
		}
	}
}

// The injections the fixtures are made of, with the frames they must
// modify (checked by hand with tshark).
var injections = []struct {
	src     string
	kind    Kind
	packets []uint64
}{
	{"mptcproxy_mptcp-v1.pcap", JoinSynAckHMAC, []uint64{21}},
	{"mptcproxy_mptcp-v1.pcap", JoinAckHMAC, []uint64{22}},
	{"mptcproxy_mptcp-v1.pcap", JoinToken, []uint64{20}},
	{"mptcproxy_mptcp-v1.pcap", EchoedKey, []uint64{15}},
	{"mptcproxy_mptcp-v1.pcap", DataACKBeyond, []uint64{23}},
	{"signal.pcap", AddAddrHMAC, []uint64{4}},
	{"tcpdump_mptcp-v0.pcap", PayloadByte, []uint64{30}},
	{"tcpdump_mptcp-v0.pcap", DSSChecksum, []uint64{25}},
	{"tcpdump_mptcp-fclose.pcap", FastCloseKey, []uint64{10}},
	{"fastclose-v1.pcap", FastCloseKey, []uint64{216}},
}

func TestInject(t *testing.T) {
	for _, c := range injections {
		t.Run(c.src+"/"+string(c.kind), func(t *testing.T) {
			in := readPcap(t, c.src)
			out, inj := inject(t, in, c.kind)
			if !slices.Equal(inj.Packets, c.packets) {
				t.Errorf("modified frames %v, want %v", inj.Packets, c.packets)
			}
			if inj.Kind != c.kind || inj.Detail == "" {
				t.Errorf("injection %+v", inj)
			}
			checkInjection(t, c.kind, in, out, inj)
		})
	}
}

// Every kind on every bundled capture either finds nothing or changes
// exactly its field.
func TestInjectEverywhere(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(pcaps, "*.pcap*"))
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range Kinds() {
			t.Run(filepath.Base(f)+"/"+string(k), func(t *testing.T) {
				out, inj, err := Inject(in, k)
				if errors.Is(err, ErrNoTarget) {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				checkInjection(t, k, in, out, inj)
			})
		}
	}
}

func inject(t *testing.T, in []byte, k Kind) ([]byte, *Injection) {
	t.Helper()
	saved := bytes.Clone(in)
	out, inj, err := Inject(in, k)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(in, saved) {
		t.Fatal("Inject modified its input")
	}
	return out, inj
}

// fieldRange returns the option bytes [from, to) kind k may change in an
// option of length n, and whether the option is k's target at all.
func fieldRange(k Kind, o *decode.Option, p *decode.Packet) (from, to int, ok bool) {
	n := len(o.Raw)
	switch k {
	case JoinSynAckHMAC:
		return 4, 12, o.Subtype == decode.SubtypeMPJoin && n == 16
	case JoinAckHMAC:
		return 4, 24, o.Subtype == decode.SubtypeMPJoin && n == 24
	case JoinToken:
		return 4, 8, o.Subtype == decode.SubtypeMPJoin && n == 12 && p.Flags&(decode.FlagSYN|decode.FlagACK) == decode.FlagSYN
	case EchoedKey:
		return 12, 20, o.Subtype == decode.SubtypeMPCapable && n == 20
	case AddAddrHMAC:
		return n - 8, n, o.Subtype == decode.SubtypeAddAddr && o.Raw[2]&1 == 0 && (n == 16 || n == 18 || n == 28 || n == 30)
	case FastCloseKey:
		return 4, 12, o.Subtype == decode.SubtypeMPFastClose && n == 12
	case DSSChecksum:
		plain, _ := decode.DSSLength(o.DSS.Flags)
		return n - 2, n, o.Subtype == decode.SubtypeDSS && o.DSS.HasMapping && n == plain+2
	case DataACKBeyond:
		return 4, 12, o.Subtype == decode.SubtypeDSS && o.DSS.Flags&3 == 3
	}
	return 0, 0, false
}

// indexOf finds where sub, which aliases frame, starts in it.
func indexOf(t *testing.T, frame, sub []byte) int {
	t.Helper()
	for i := range frame {
		if &frame[i] == &sub[0] {
			return i
		}
	}
	t.Fatal("slice does not alias the frame")
	return 0
}

func popcount(b []byte) int {
	n := 0
	for _, c := range b {
		n += bits.OnesCount8(c)
	}
	return n
}

func xor(a, b []byte) []byte {
	x := make([]byte, len(a))
	for i := range a {
		x[i] = a[i] ^ b[i]
	}
	return x
}

// checkInjection checks out against in byte by byte and decoded: only the
// frames inj names differ, in them only k's field, by the bits k says,
// and everything else decodes identically.
func checkInjection(t *testing.T, k Kind, in, out []byte, inj *Injection) {
	t.Helper()
	if len(in) != len(out) {
		t.Fatalf("output is %d bytes, input %d", len(out), len(in))
	}
	if len(inj.Packets) == 0 {
		t.Fatal("no modified frames reported")
	}
	rin, rout := records(t, in), records(t, out)
	if len(rin) != len(rout) {
		t.Fatalf("%d frames in, %d out", len(rin), len(rout))
	}
	frameBits, wantBits := 0, 0
	d := decode.NewDecoder()
	for i := range rin {
		a, b := rin[i], rout[i]
		if a.num != b.num || a.link != b.link || a.ci != b.ci || len(a.data) != len(b.data) {
			t.Fatalf("frame %d: record header changed", a.num)
		}
		diff := xor(a.data, b.data)
		frameBits += popcount(diff)
		if !slices.Contains(inj.Packets, a.num) {
			if popcount(diff) != 0 {
				t.Errorf("frame %d changed but is not reported", a.num)
			}
			continue
		}
		var pa, pb decode.Packet
		if err := d.Decode(a.link, a.data, &pa); err != nil {
			t.Fatalf("frame %d: %v", a.num, err)
		}
		if err := d.Decode(b.link, b.data, &pb); err != nil {
			t.Fatalf("frame %d after: %v", b.num, err)
		}
		if pa.Src != pb.Src || pa.Dst != pb.Dst || pa.Seq != pb.Seq || pa.Ack != pb.Ack || pa.Flags != pb.Flags ||
			pa.Window != pb.Window || pa.PayloadLen != pb.PayloadLen || pa.Truncated != pb.Truncated ||
			len(pa.Options) != len(pb.Options) || len(pa.OptionErrors) != len(pb.OptionErrors) {
			t.Fatalf("frame %d: headers decode differently:\n%+v\n%+v", a.num, pa, pb)
		}
		// The changed bytes, by offset in the frame.
		lo, hi := -1, -1
		for j, x := range diff {
			if x != 0 {
				if lo < 0 {
					lo = j
				}
				hi = j + 1
			}
		}
		if lo < 0 {
			t.Errorf("frame %d reported but unchanged", a.num)
			continue
		}
		if k == PayloadByte {
			mid := len(pa.Payload) / 2
			at := indexOf(t, a.data, pa.Payload) + mid
			if lo != at || hi != at+1 || popcount(diff) != 1 {
				t.Errorf("frame %d: bytes %d..%d changed, want one bit of payload byte %d (frame byte %d)", a.num, lo, hi-1, mid, at)
			}
			if o := pa.Option(decode.SubtypeDSS); o == nil || !o.DSS.HasMapping {
				t.Errorf("frame %d carries no DSS mapping", a.num)
			} else if _, _, ok := fieldRange(DSSChecksum, o, &pa); !ok || len(pa.Payload) <= 100 {
				t.Errorf("frame %d: DSS %+v without checksum or payload of %d bytes", a.num, o.DSS, len(pa.Payload))
			}
			for j := range pa.Options {
				if !bytes.Equal(pa.Options[j].Raw, pb.Options[j].Raw) {
					t.Errorf("frame %d: option %d changed", a.num, j)
				}
			}
			wantBits++
			continue
		}
		if !bytes.Equal(pa.Payload, pb.Payload) {
			t.Errorf("frame %d: payload changed", a.num)
		}
		target := -1
		for j := range pa.Options {
			oa, ob := &pa.Options[j], &pb.Options[j]
			if bytes.Equal(oa.Raw, ob.Raw) {
				if !sameOption(*oa, *ob) {
					t.Errorf("frame %d: option %d decodes differently", a.num, j)
				}
				continue
			}
			if target >= 0 {
				t.Errorf("frame %d: options %d and %d both changed", a.num, target, j)
			}
			target = j
		}
		if target < 0 {
			t.Errorf("frame %d: no MPTCP option changed (bytes %d..%d did)", a.num, lo, hi-1)
			continue
		}
		oa, ob := &pa.Options[target], &pb.Options[target]
		from, to, ok := fieldRange(k, oa, &pa)
		if !ok {
			t.Errorf("frame %d: changed option %s of %d bytes is no %s target", a.num, oa.Subtype, len(oa.Raw), k)
			continue
		}
		at := indexOf(t, a.data, oa.Raw)
		if lo < at+from || hi > at+to {
			t.Errorf("frame %d: bytes %d..%d changed, outside the field, frame bytes %d..%d", a.num, lo, hi-1, at+from, at+to-1)
		}
		fa, fb := oa.Raw[from:to], ob.Raw[from:to]
		switch k {
		case JoinToken:
			if got := binary.BigEndian.Uint32(fa) ^ binary.BigEndian.Uint32(fb); got != 0x5a5a5a5a {
				t.Errorf("frame %d: token XOR %08x", a.num, got)
			}
			if oa.MPJoin.Token^ob.MPJoin.Token != 0x5a5a5a5a {
				t.Errorf("frame %d: decoded token %08x → %08x", a.num, oa.MPJoin.Token, ob.MPJoin.Token)
			}
			ob.MPJoin.Token = oa.MPJoin.Token
			wantBits += 16
		case DataACKBeyond:
			if ob.DSS.DataACK-oa.DSS.DataACK != 1<<40 {
				t.Errorf("frame %d: Data ACK %#x → %#x", a.num, oa.DSS.DataACK, ob.DSS.DataACK)
			}
			ob.DSS.DataACK = oa.DSS.DataACK
			wantBits += popcount(xor(fa, fb))
		default:
			if popcount(xor(fa, fb)) != 1 {
				t.Errorf("frame %d: %x → %x is not one bit", a.num, fa, fb)
			}
			wantBits++
			// The decoded field differs in one bit; put it back to compare the rest.
			switch k {
			case JoinSynAckHMAC:
				oneBit(t, oa.MPJoin.TruncatedHMAC, ob.MPJoin.TruncatedHMAC)
				ob.MPJoin.TruncatedHMAC = oa.MPJoin.TruncatedHMAC
			case JoinAckHMAC:
				if n := popcount(xor(oa.MPJoin.HMAC[:], ob.MPJoin.HMAC[:])); n != 1 {
					t.Errorf("frame %d: decoded HMAC differs in %d bits", a.num, n)
				}
				ob.MPJoin.HMAC = oa.MPJoin.HMAC
			case EchoedKey:
				oneBit(t, oa.MPCapable.ReceiverKey, ob.MPCapable.ReceiverKey)
				ob.MPCapable.ReceiverKey = oa.MPCapable.ReceiverKey
			case AddAddrHMAC:
				oneBit(t, oa.AddAddr.HMAC, ob.AddAddr.HMAC)
				ob.AddAddr.HMAC = oa.AddAddr.HMAC
			case FastCloseKey:
				oneBit(t, oa.MPFastClose.ReceiverKey, ob.MPFastClose.ReceiverKey)
				ob.MPFastClose.ReceiverKey = oa.MPFastClose.ReceiverKey
			case DSSChecksum:
				oneBit(t, oa.DSS.Checksum, ob.DSS.Checksum)
				ob.DSS.Checksum = oa.DSS.Checksum
			}
		}
		if !sameOption(*oa, *ob) {
			t.Errorf("frame %d: beyond the field, the option decodes differently:\n%+v\n%+v", a.num, *oa, *ob)
		}
	}
	if frameBits != wantBits {
		t.Errorf("%d bits changed in frames, want %d", frameBits, wantBits)
	}
	if fileBits := popcount(xor(in, out)); fileBits != frameBits {
		t.Errorf("%d bits changed in the file, %d in frames: headers changed", fileBits, frameBits)
	}
}

// oneBit checks that two decoded values differ in exactly one bit.
func oneBit[T ~uint16 | ~uint64](t *testing.T, a, b T) {
	t.Helper()
	if n := bits.OnesCount64(uint64(a ^ b)); n != 1 {
		t.Errorf("decoded field %#x → %#x: %d bits differ", a, b, n)
	}
}

func sameOption(a, b decode.Option) bool {
	a.Raw, b.Raw = nil, nil
	return reflect.DeepEqual(a, b)
}

func TestInjectErrors(t *testing.T) {
	basic := readPcap(t, "basic.pcap")
	for _, k := range []Kind{FastCloseKey, AddAddrHMAC, PayloadByte, DSSChecksum} {
		if _, _, err := Inject(basic, k); !errors.Is(err, ErrNoTarget) || !strings.Contains(err.Error(), string(k)) {
			t.Errorf("%s on basic.pcap: %v, want ErrNoTarget", k, err)
		}
	}
	plain := readPcap(t, "ptcpdump_mptcp-v1.pcap") // no join
	for _, k := range []Kind{JoinSynAckHMAC, JoinAckHMAC, JoinToken} {
		if _, _, err := Inject(plain, k); !errors.Is(err, ErrNoTarget) {
			t.Errorf("%s on ptcpdump_mptcp-v1.pcap: %v, want ErrNoTarget", k, err)
		}
	}
	if _, _, err := Inject(basic, "no-such-kind"); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: %v", err)
	}
	for name, b := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("this is not a capture at all"),
		"gzip":      {0x1f, 0x8b, 8, 0, 0, 0},
		"cut":       basic[:len(basic)-3],
		"cut ng":    readPcap(t, "checksum.pcapng")[:5000],
		"short hdr": basic[:20],
	} {
		if _, _, err := Inject(b, EchoedKey); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}
}

// Finding names a code for every kind.
func TestFinding(t *testing.T) {
	for _, k := range Kinds() {
		if k.Finding() == "" {
			t.Errorf("%s has no finding", k)
		}
	}
	if Kind("x").Finding() != "" {
		t.Error("unknown kind has a finding")
	}
}

// pcapVariant rewrites a little-endian µs pcap in the byte order and
// timestamp resolution asked for.
func pcapVariant(t *testing.T, b []byte, bo binary.ByteOrder, nano bool) []byte {
	t.Helper()
	if binary.LittleEndian.Uint32(b) != pcapMagicMicro {
		t.Fatal("not a little-endian µs pcap")
	}
	out := make([]byte, len(b))
	magic := uint32(pcapMagicMicro)
	if nano {
		magic = pcapMagicNano
	}
	bo.PutUint32(out, magic)
	bo.PutUint16(out[4:], binary.LittleEndian.Uint16(b[4:]))
	bo.PutUint16(out[6:], binary.LittleEndian.Uint16(b[6:]))
	for i := 8; i < 24; i += 4 {
		bo.PutUint32(out[i:], binary.LittleEndian.Uint32(b[i:]))
	}
	for off := 24; off < len(b); {
		for i := 0; i < 16; i += 4 {
			v := binary.LittleEndian.Uint32(b[off+i:])
			if i == 4 && nano {
				v *= 1000
			}
			bo.PutUint32(out[off+i:], v)
		}
		n := int(binary.LittleEndian.Uint32(b[off+8:]))
		copy(out[off+16:], b[off+16:off+16+n])
		off += 16 + n
	}
	return out
}

// toPcapng rewrites a capture as pcapng with gopacket's writer (little-endian).
func toPcapng(t *testing.T, b []byte) []byte {
	t.Helper()
	recs := records(t, b)
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriter(&buf, recs[0].link)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := capture.Open(bytes.NewReader(b))
	var rec capture.Record
	for r.Next(&rec) == nil {
		ci := gopacket.CaptureInfo{Timestamp: rec.Time, CaptureLength: len(rec.Data), Length: rec.Length}
		if err := w.WritePacket(ci, rec.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ngBigEndian rewrites a little-endian pcapng file in big-endian order:
// block headers, the fixed fields of section headers, interface
// descriptions and enhanced packet blocks, and option headers.
func ngBigEndian(t *testing.T, b []byte) []byte {
	t.Helper()
	le, be := binary.LittleEndian, binary.BigEndian
	out := bytes.Clone(b)
	sw32 := func(o int) { be.PutUint32(out[o:], le.Uint32(b[o:])) }
	sw16 := func(o int) { be.PutUint16(out[o:], le.Uint16(b[o:])) }
	options := func(o, end int) {
		for o+4 <= end {
			n := int(le.Uint16(b[o+2:]))
			sw16(o)
			sw16(o + 2)
			o += 4 + (n+3)&^3
		}
	}
	for off := 0; off < len(b); {
		typ, n := le.Uint32(b[off:]), int(le.Uint32(b[off+4:]))
		sw32(off)
		sw32(off + 4)
		sw32(off + n - 4)
		body := off + 8
		switch typ {
		case pcapngBlockSHB:
			sw32(body)
			sw16(body + 4)
			sw16(body + 6)
			be.PutUint64(out[body+8:], le.Uint64(b[body+8:]))
			options(body+16, off+n-4)
		case pcapngBlockIDB:
			sw16(body)
			sw16(body + 2)
			sw32(body + 4)
			options(body+8, off+n-4)
		case pcapngBlockEPB:
			for i := 0; i < 20; i += 4 {
				sw32(body + i)
			}
			caplen := int(le.Uint32(b[body+12:]))
			options(body+20+(caplen+3)&^3, off+n-4)
		default:
			t.Fatalf("block type %#x not handled", typ)
		}
		off += n
	}
	return out
}

// Both pcap byte orders and resolutions, pcapng in both byte orders and
// several sections: the same frames, the same injection.
func TestContainers(t *testing.T) {
	src := readPcap(t, "tcpdump_mptcp-fclose.pcap")
	ng := toPcapng(t, src)
	ngBE := ngBigEndian(t, ng)
	variants := map[string][]byte{
		"pcap le µs":   src,
		"pcap be µs":   pcapVariant(t, src, binary.BigEndian, false),
		"pcap le ns":   pcapVariant(t, src, binary.LittleEndian, true),
		"pcap be ns":   pcapVariant(t, src, binary.BigEndian, true),
		"pcapng le":    ng,
		"pcapng be":    ngBE,
		"pcapng le+be": slices.Concat(ngBE, ng, ngBE),
	}
	want := records(t, src)
	for name, b := range variants {
		t.Run(name, func(t *testing.T) {
			checkFrames(t, b)
			recs := records(t, b)
			if len(recs)%len(want) != 0 {
				t.Fatalf("%d frames, want a multiple of %d", len(recs), len(want))
			}
			for i, r := range recs {
				w := want[i%len(want)]
				if !bytes.Equal(r.data, w.data) || r.ci != w.ci || r.link != w.link {
					t.Fatalf("frame %d differs from the source's", r.num)
				}
			}
			out, inj := inject(t, b, FastCloseKey)
			if !slices.Equal(inj.Packets, []uint64{10}) {
				t.Errorf("modified frames %v, want [10]", inj.Packets)
			}
			checkInjection(t, FastCloseKey, b, out, inj)
		})
	}
	t.Run("pcapng simple packet block", func(t *testing.T) {
		// SHB, IDB with snap length 64, one SPB of 70 bytes on the wire.
		le := binary.LittleEndian
		frame := want[9].data
		var b []byte
		b = le.AppendUint32(b, pcapngBlockSHB)
		b = le.AppendUint32(b, 28)
		b = le.AppendUint32(b, pcapngByteOrder)
		b = le.AppendUint16(b, 1)
		b = le.AppendUint16(b, 0)
		b = le.AppendUint64(b, ^uint64(0))
		b = le.AppendUint32(b, 28)
		b = le.AppendUint32(b, pcapngBlockIDB)
		b = le.AppendUint32(b, 20)
		b = le.AppendUint16(b, uint16(layers.LinkTypeEthernet))
		b = le.AppendUint16(b, 0)
		b = le.AppendUint32(b, 64)
		b = le.AppendUint32(b, 20)
		b = le.AppendUint32(b, pcapngBlockSPB)
		b = le.AppendUint32(b, 16+64)
		b = le.AppendUint32(b, uint32(len(frame)))
		b = append(b, frame[:64]...)
		b = le.AppendUint32(b, 16+64)
		checkFrames(t, b)
		_, frs, _ := frames(b)
		if len(frs) != 1 || len(frs[0].data) != 64 {
			t.Fatalf("frames %+v", frs)
		}
	})
}

// fixtures are the committed faulty captures: name → source, kind.
var fixtures = map[string]struct {
	src  string
	kind Kind
}{
	"mptcproxy_mptcp-v1-join-synack-hmac.pcap": {"mptcproxy_mptcp-v1.pcap", JoinSynAckHMAC},
	"mptcproxy_mptcp-v1-join-ack-hmac.pcap":    {"mptcproxy_mptcp-v1.pcap", JoinAckHMAC},
	"mptcproxy_mptcp-v1-join-token.pcap":       {"mptcproxy_mptcp-v1.pcap", JoinToken},
	"mptcproxy_mptcp-v1-echoed-key.pcap":       {"mptcproxy_mptcp-v1.pcap", EchoedKey},
	"mptcproxy_mptcp-v1-data-ack-beyond.pcap":  {"mptcproxy_mptcp-v1.pcap", DataACKBeyond},
	"signal-add-addr-hmac.pcap":                {"signal.pcap", AddAddrHMAC},
	"tcpdump_mptcp-v0-payload-byte.pcap":       {"tcpdump_mptcp-v0.pcap", PayloadByte},
	"tcpdump_mptcp-v0-dss-checksum.pcap":       {"tcpdump_mptcp-v0.pcap", DSSChecksum},
	"tcpdump_mptcp-fclose-fastclose-key.pcap":  {"tcpdump_mptcp-fclose.pcap", FastCloseKey},
	"fastclose-v1-fastclose-key.pcap":          {"fastclose-v1.pcap", FastCloseKey},
}

// The manifest mkfaults writes next to each fixture.
type manifest struct {
	Injection
	Finding      string `json:"finding"`
	Source       string `json:"source"`
	SourceSHA256 string `json:"source_sha256"`
	SHA256       string `json:"sha256"`
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Inject still makes every committed fixture, byte for byte, and each
// manifest tells the truth; the directory holds nothing else.
func TestFixturesReproducible(t *testing.T) {
	dir := filepath.Join(pcaps, "faults")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		name := e.Name()
		if name == "README.md" {
			continue
		}
		if base, ok := strings.CutSuffix(name, ".json"); ok && fixtureNamed(base) != "" {
			continue
		}
		if _, ok := fixtures[name]; !ok {
			t.Errorf("%s: not a described fixture", name)
		}
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range fixtures {
		t.Run(name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(filepath.Join(dir, strings.TrimSuffix(name, filepath.Ext(name))+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var m manifest
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			src := readPcap(t, f.src)
			out, inj := inject(t, src, f.kind)
			if !bytes.Equal(out, got) {
				t.Errorf("Inject(%s, %s) no longer makes the fixture: regenerate it with mkfaults", f.src, f.kind)
			}
			want := manifest{Injection: *inj, Finding: f.kind.Finding(), Source: f.src, SourceSHA256: sha(src), SHA256: sha(got)}
			if !reflect.DeepEqual(m, want) {
				t.Errorf("manifest\n got %+v\nwant %+v", m, want)
			}
			if !bytes.Contains(readme, []byte("`"+name+"`")) {
				t.Errorf("README.md does not list %s", name)
			}
		})
	}
}

// fixtureNamed returns the described fixture whose name without its
// extension is base, or "".
func fixtureNamed(base string) string {
	for name := range fixtures {
		if strings.TrimSuffix(name, filepath.Ext(name)) == base {
			return name
		}
	}
	return ""
}
