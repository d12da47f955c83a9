package reassembly

import (
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
)

// The in-order path allocates nothing per packet: MSS-sized segments, each
// with its mapping, and the receiver's Data ACKs, on a connection whose
// buffers have reached their size, copied or (a mapped file) by reference.
func TestInOrderPathAllocatesNothing(t *testing.T) {
	const seg, warm, runs, perRun = 1448, 3000, 20, 100
	for _, stable := range []bool{false, true} {
		tr := NewTracker(nil)
		tr.SetStablePayloads(stable)
		b := &builder{}
		handshakeV1(tr, b)
		payload := make([]byte, seg)
		for i := range payload {
			payload[i] = byte(i)
		}
		var pkts []*decode.Packet
		for i := 0; len(pkts) < warm+(runs+1)*perRun; i++ {
			ssn := uint32(1 + i*seg)
			pkts = append(pkts, b.data(client, server, 1000+ssn, payload, dss64(idsnA+uint64(ssn), ssn, seg, false, nil)))
			if i%2 == 1 {
				end := idsnA + uint64(ssn) + seg
				pkts = append(pkts, b.pkt(server, client, ack, 5001,
					cat([]byte{30, 12, 0x20, decode.DSSFlagDataACK | decode.DSSFlagDataACK64}, be64(end))))
			}
		}
		next, sent := 0, 0
		feed := func(n int) {
			for range n {
				p := pkts[next]
				tr.Process(p)
				sent += len(p.Payload)
				next++
			}
		}
		feed(warm) // windows, rings and chunks reach their size
		if a := testing.AllocsPerRun(runs, func() { feed(perRun) }); a != 0 {
			t.Errorf("stable=%v: %.1f allocations per %d packets", stable, a, perRun)
		}
		tr.Finish()
		if st := streamOf(t, tr, Client); st.Bytes != uint64(sent) || sent < warm*seg/2 {
			t.Errorf("stable=%v: %d bytes delivered of %d sent", stable, st.Bytes, sent)
		}
	}
}
