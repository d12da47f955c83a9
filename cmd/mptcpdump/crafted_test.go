package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/mptcpdump/mptcpdump/report"
)

// A join whose SYN/ACK HMAC was altered on the wire must be called invalid,
// with the packet that carries it.
func TestForgedJoinHMAC(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "mptcproxy_mptcp-v1.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	// The MP_JOIN SYN/ACK option: kind 30, length 16, subtype 1.
	i := bytes.Index(data, []byte{30, 16, 0x10})
	if i < 0 || bytes.Contains(data[i+1:], []byte{30, 16, 0x10}) {
		t.Fatal("expected exactly one MP_JOIN SYN/ACK in the fixture")
	}
	forged := bytes.Clone(data)
	forged[i+4] ^= 0x01 // first byte of the truncated HMAC
	path := filepath.Join(t.TempDir(), "forged.pcap")
	if err := os.WriteFile(path, forged, 0o644); err != nil {
		t.Fatal(err)
	}
	doc := runJSON(t, nil, "-r", path)
	join := doc.Connections[0].Subflows[1]
	if join.HMAC != "invalid" || join.HMACSynAck != "invalid" || join.HMACAck != "valid" {
		t.Errorf("join hmac %q (synack %q, ack %q)", join.HMAC, join.HMACSynAck, join.HMACAck)
	}
	if len(doc.Findings) != 1 || doc.Findings[0].Code != "join-hmac-invalid" || doc.Findings[0].Severity != "error" ||
		len(doc.Findings[0].Packets) != 1 || doc.Findings[0].Packets[0] != join.FirstPacket+1 {
		t.Errorf("findings %+v (join's first packet %d)", doc.Findings, join.FirstPacket)
	}
}

// One pcapng file with a v0 connection on an Ethernet interface and a v1
// connection on a Linux cooked interface: both are found, each with its
// own version, hash and keys.
func TestMixedVersionsAndLinkTypes(t *testing.T) {
	var out bytes.Buffer
	var w *pcapgo.NgWriter
	for i, name := range []string{"tcpdump_mptcp-v0.pcap", "tcpdump_mptcp-v1.pcap"} {
		f, err := os.Open(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		iface := pcapgo.NgInterface{Name: name, LinkType: r.LinkType(), SnapLength: 65535}
		if i == 0 {
			if w, err = pcapgo.NewNgWriterInterface(&out, iface, pcapgo.NgWriterOptions{}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := w.AddInterface(iface); err != nil {
			t.Fatal(err)
		}
		for {
			data, ci, err := r.ReadPacketData()
			if err != nil {
				break
			}
			if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: ci.Timestamp, CaptureLength: ci.CaptureLength, Length: ci.Length, InterfaceIndex: i}, data); err != nil {
				t.Fatal(err)
			}
		}
		f.Close()
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	doc := runJSON(t, out.Bytes(), "-r", "-")
	if len(doc.Connections) != 2 {
		t.Fatalf("%d connections", len(doc.Connections))
	}
	v0, v1 := doc.Connections[0], doc.Connections[1]
	if v0.Version != 0 || v0.ClientToken != "af9706eb" || len(v0.Subflows) != 2 || v0.Subflows[1].HMAC != "valid" || v0.C2S.Checksum.Verified == 0 {
		t.Errorf("v0 connection: %+v", v0)
	}
	if v1.Version != 1 || v1.ClientToken != "239fbdb0" || v1.FirstPacket != 265 || !v1.C2S.Complete || !v1.S2C.Complete {
		t.Errorf("v1 connection: version %d token %s first packet %d complete %v/%v", v1.Version, v1.ClientToken, v1.FirstPacket, v1.C2S.Complete, v1.S2C.Complete)
	}
	for _, f := range doc.Findings {
		if f.Severity != "info" {
			t.Errorf("finding %+v", f)
		}
	}
}

// A capture that starts after the handshakes (the first 20 records of
// basic.pcap cut off): both running subflows are found by their DSS
// options, grouped into one partial connection because their mappings
// share a data sequence space, and reassembled from the first mapping on —
// exactly the tail of what the application received.
func TestMidStreamCapture(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "basic.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	off := 24
	for i := 0; i < 20; i++ {
		off += 16 + int(binary.LittleEndian.Uint32(data[off+8:]))
	}
	dir := t.TempDir()
	cut := filepath.Join(dir, "midstream.pcap")
	os.WriteFile(cut, append(bytes.Clone(data[:24]), data[off:]...), 0o644)
	full := runJSON(t, nil, "-r", filepath.Join(fixtures, "basic.pcap"), "--write-streams", filepath.Join(dir, "full"))
	doc := runJSON(t, nil, "-r", cut, "--write-streams", filepath.Join(dir, "cut"))
	if len(doc.Connections) != 0 || len(doc.Partial) != 1 {
		t.Fatalf("%d connections, %d partial", len(doc.Connections), len(doc.Partial))
	}
	p := doc.Partial[0]
	if !p.Partial || len(p.Subflows) != 2 || p.ClientKey != "" || p.C2S.Complete || p.S2C.Complete {
		t.Errorf("partial connection %+v", p)
	}
	whole, _ := os.ReadFile(filepath.Join(dir, "full", "conn-1-s2c.bin"))
	tail, _ := os.ReadFile(filepath.Join(dir, "cut", "partial-1-s2c.bin"))
	if len(tail) == 0 || len(tail) >= len(whole) || !bytes.Equal(tail, whole[len(whole)-len(tail):]) || p.S2C.MissingBytes != 0 {
		t.Errorf("s2c: %d bytes of %d, missing %d, a suffix: %v", len(tail), len(whole), p.S2C.MissingBytes, bytes.HasSuffix(whole, tail))
	}
	if full.Connections[0].S2C.Bytes != uint64(len(whole)) {
		t.Errorf("full stream %d bytes", len(whole))
	}
	for _, f := range doc.Findings {
		if f.Severity == "error" {
			t.Errorf("finding %+v", f)
		}
	}
}

// A snaplen-96 copy of a real multi-subflow capture (signal.pcap: SLL2,
// IPv4, a join to an announced address) links every subflow exactly as the
// full capture does, verifies the join from the headers alone, and calls
// what the cut hid unverifiable, never wrong.
func TestSnaplen96(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(fixtures, "signal.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(data[:24])
	binary.LittleEndian.PutUint32(out[16:], 96)
	for off := 24; off+16 <= len(data); {
		caplen := int(binary.LittleEndian.Uint32(data[off+8:]))
		keep := min(caplen, 96)
		hdr := bytes.Clone(data[off : off+16])
		binary.LittleEndian.PutUint32(hdr[8:], uint32(keep))
		out = append(append(out, hdr...), data[off+16:off+16+keep]...)
		off += 16 + caplen
	}
	cut := filepath.Join(t.TempDir(), "snap96.pcap")
	os.WriteFile(cut, out, 0o644)
	full := runJSON(t, nil, "-r", filepath.Join(fixtures, "signal.pcap"))
	snap := runJSON(t, nil, "-r", cut)
	type sub struct {
		client, server, hmac string
		packets              uint64
	}
	subs := func(d report.Document) (out [][]sub) {
		for _, c := range d.Connections {
			var s []sub
			for _, x := range c.Subflows {
				s = append(s, sub{x.Client, x.Server, x.HMAC, x.Packets})
			}
			out = append(out, s)
		}
		return out
	}
	if fmt.Sprint(subs(full)) != fmt.Sprint(subs(snap)) || snap.Connections[0].ClientKey != full.Connections[0].ClientKey {
		t.Errorf("snaplen 96 links %v, the full capture %v", subs(snap), subs(full))
	}
	if snap.Capture.DecodeErrors != 0 || snap.Connections[0].C2S.Complete || snap.Connections[0].S2C.Complete {
		t.Errorf("decode errors %d, complete %v/%v", snap.Capture.DecodeErrors, snap.Connections[0].C2S.Complete, snap.Connections[0].S2C.Complete)
	}
	for _, f := range snap.Findings {
		if f.Severity != "info" {
			t.Errorf("finding %+v", f)
		}
	}
}
