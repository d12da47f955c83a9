package reassembly

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/seqnum"
)

// FuzzTracker feeds a v1 connection with a join arbitrary segments: the
// fuzzer chooses the subflow, direction, flags, sequence number, payload
// and the raw TCP option bytes (so any DSS, MP_CAPABLE, MP_JOIN, MP_FAIL…
// with any values), as copies or as a mapped file's stable payloads. The
// model must never panic, and after Finish nothing may stay buffered.
func FuzzTracker(f *testing.F) {
	f.Add([]byte{0, 0x10, 0, 0, 0, 1, 4, 'd', 'a', 't', 'a', 18, 30, 18, 0x20, 0x0c, 0x9d, 0xad, 0xcf, 0x96, 0x9a, 0x3e, 0x0f, 0x9b, 0, 0, 0, 1, 0, 4})
	f.Add([]byte{1, 0x10, 0, 0, 0, 1, 1, 'x', 12, 30, 12, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{2, 0x14, 0xff, 0xff, 0xff, 0xf0, 3, 'a', 'b', 'c', 8, 30, 8, 0x20, 0x04, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		tr := NewTracker(nil)
		// Odd inputs run as a mapped file would: payloads (tripled, to
		// reach the size windows keep by reference) never change.
		stable := len(in)%2 == 1
		tr.SetStablePayloads(stable)
		b := &builder{}
		handshakeV1(tr, b)
		tr.Process(b.pkt(client2, server, syn, 7000, joinSYN(tokenB, nonceA, 2)))
		tr.Process(b.pkt(server, client2, synack, 9000, joinSYNACK(0, nonceB)))
		ends := [][2]uint32{{1000, 5000}, {7000, 9000}}
		for len(in) >= 7 {
			sel, flags, seq := in[0], decode.TCPFlags(in[1]), binary.BigEndian.Uint32(in[2:6])
			n := int(in[6])
			in = in[7:]
			n = min(n, len(in))
			payload := in[:n]
			if stable {
				payload = bytes.Repeat(payload, 3)
			}
			in = in[n:]
			var opts []byte
			if len(in) > 0 {
				k := min(int(in[0]), len(in)-1, 40)
				opts, in = in[1:1+k], in[1+k:]
			}
			sub, fromServer := int(sel&1), sel&2 != 0
			src, dst := client, server
			if sub == 1 {
				src = client2
			}
			base := ends[sub][0]
			if fromServer {
				src, dst, base = dst, src, ends[sub][1]
			}
			p := b.pkt(src, dst, flags, base+seq)
			p.Options, p.OptionErrors = decode.ParseOptions(opts, nil, nil)
			p.Payload, p.PayloadLen = payload, len(payload)+int(sel>>4)
			p.Seq = seqnum.SSN(base + seq)
			tr.Process(p)
		}
		tr.Finish()
		for _, c := range tr.Connections() {
			for s := range c.Streams {
				if st := &c.Streams[s]; st.Buffered != 0 {
					t.Fatalf("%d bytes still buffered after Finish", st.Buffered)
				}
			}
		}
	})
}
