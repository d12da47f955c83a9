package metrics

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/mptcpdump/mptcpdump/reassembly"
)

var t0 = time.Unix(1700000000, 0)

func TestSeriesAdaptiveBuckets(t *testing.T) {
	var s Series
	s.Add(t0, 100)
	s.Add(t0.Add(5*time.Millisecond), 50)
	s.Add(t0.Add(25*time.Millisecond), 10)
	if s.Width != firstWidth || len(s.Sums) != 3 || s.Sums[0] != 150 || s.Sums[2] != 10 {
		t.Fatalf("series %+v", s)
	}
	// A point far away widens the buckets instead of growing them past MaxBuckets.
	s.Add(t0.Add(time.Hour), 1)
	total := 0.0
	for _, v := range s.Sums {
		total += v
	}
	if len(s.Sums) > MaxBuckets || total != 161 || s.Sums[0] != 160 {
		t.Errorf("%d buckets of %v, total %v, first %v", len(s.Sums), s.Width, total, s.Sums[0])
	}
	times, rates := s.Rate()
	if len(times) != len(rates) || rates[0] != 160/s.Width.Seconds() {
		t.Errorf("rate %v", rates[0])
	}
}

// Two subflows: the first copy of each range counts for goodput and share,
// a copy on another subflow is a reinjection and spoils the RTT sample of
// its range (Karn), a Data ACK times the ranges sent once.
func TestCollector(t *testing.T) {
	c := &reassembly.Connection{ID: 1}
	c.Streams[reassembly.Client].Started, c.Streams[reassembly.Client].Start = true, 1000
	s0, s1 := &reassembly.Subflow{ID: 0, Conn: c}, &reassembly.Subflow{ID: 1, Conn: c}
	c.Subflows = []*reassembly.Subflow{s0, s1}
	col := NewCollector()
	place := func(ms int, sf *reassembly.Subflow, dsn uint64, n, newBytes, other, first int) {
		col.ObserveData(&reassembly.DataEvent{Kind: reassembly.DataPlaced, Time: t0.Add(time.Duration(ms) * time.Millisecond),
			Conn: c, Subflow: sf, Side: reassembly.Client, DSN: dsn, Len: n, New: newBytes, Duplicate: n - newBytes,
			OtherSubflow: other, FirstSubflow: first})
	}
	place(0, s0, 1000, 100, 100, 0, -1) // [0,100) on subflow 0
	place(1, s1, 1100, 100, 100, 0, -1) // [100,200) on subflow 1
	place(5, s1, 1000, 100, 0, 100, 0)  // [0,100) again on subflow 1: reinjection
	col.ObserveData(&reassembly.DataEvent{Kind: reassembly.DataAcked, Time: t0.Add(21 * time.Millisecond), Conn: c,
		Side: reassembly.Client, DSN: 1200, Window: 65536})
	d := col.Connection(c).Dirs[reassembly.Client]
	if share := d.Share(); len(share) != 2 || share[0] != 100 || share[1] != 100 || d.Reinjected.Count != 1 || d.Reinjected.Bytes != 100 {
		t.Errorf("share %v reinjected %+v", share, d.Reinjected)
	}
	if r := d.Reinjections[0]; r.FirstSubflow != 0 || r.SecondSubflow != 1 || r.DSN != 0 || r.Bytes != 100 {
		t.Errorf("reinjection %+v", r)
	}
	rtt := d.RTT()
	if rtt.Samples != 1 || rtt.Min != 0.020 || rtt.Max != 0.020 {
		t.Errorf("rtt %+v (only [100,200), sent once at 1 ms, acked at 21 ms)", rtt)
	}
	if len(d.Acks) != 1 || d.Acks[0].InFlight != 0 || d.Acks[0].Window != 65536 || d.Acks[0].DSN != 200 {
		t.Errorf("acks %+v", d.Acks)
	}
	if len(d.Placements) != 3 || d.Placements[2].Kind != Reinjected {
		t.Errorf("placements %+v", d.Placements)
	}
}

// Graph points stay bounded however many chunks arrive.
func TestPointsBounded(t *testing.T) {
	c := &reassembly.Connection{ID: 1}
	c.Streams[reassembly.Client].Started = true
	sf := &reassembly.Subflow{Conn: c}
	col := NewCollector()
	for i := 0; i < 5*MaxPoints; i++ {
		col.ObserveData(&reassembly.DataEvent{Kind: reassembly.DataPlaced, Time: t0.Add(time.Duration(i) * time.Microsecond),
			Conn: c, Subflow: sf, DSN: uint64(i * 100), Len: 100, New: 100, FirstSubflow: -1})
	}
	d := col.Connection(c).Dirs[reassembly.Client]
	if len(d.Placements) >= MaxPoints || len(d.Placements) < MaxPoints/4 || len(d.outstanding) > maxOutstanding {
		t.Errorf("%d placements, %d outstanding", len(d.Placements), len(d.outstanding))
	}
}

// Series.Add places every value in the bucket a division gives, whatever
// the order of times (the bucket of the last Add is reused without one),
// through halvings.
func TestSeriesBucketsMatchDivision(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	origin := time.Unix(1000, 0)
	var s Series
	var ref []float64
	width := firstWidth
	at := time.Duration(0)
	for n := range 20000 {
		switch rng.IntN(10) {
		case 0: // back in time, sometimes before the origin
			at -= time.Duration(rng.Int64N(int64(50 * time.Millisecond)))
		case 1: // a jump
			at += time.Duration(rng.Int64N(int64(2 * time.Second)))
		default:
			at += time.Duration(rng.Int64N(int64(200 * time.Microsecond)))
		}
		v := float64(rng.IntN(1500))
		if n == 0 {
			at = 0
		}
		s.Add(origin.Add(at), v)
		// The reference: the old arithmetic, bucket by division.
		i := 0
		if at > 0 {
			i = int(at / width)
		}
		for i >= MaxBuckets {
			ref, width, i = halveRef(ref), width*2, i/2
		}
		for len(ref) <= i {
			ref = append(ref, 0)
		}
		ref[i] += v
	}
	if s.Width != width || !slices.Equal(s.Sums, ref) {
		t.Fatalf("width %v, %d buckets; want %v, %d buckets (or different sums)", s.Width, len(s.Sums), width, len(ref))
	}
}

func halveRef(in []float64) []float64 {
	out := make([]float64, (len(in)+1)/2)
	for j := range out {
		out[j] = in[2*j]
		if 2*j+1 < len(in) {
			out[j] += in[2*j+1]
		}
	}
	return out
}

// The counts and maxima a report gives are exact whatever points are kept:
// for a connection past MaxConnections (no points at all) and for one
// whose points were thinned, the retransmissions are all counted and the
// largest in-flight and window are the true ones, not the largest of the
// points kept.
func TestCountsExactWithoutPoints(t *testing.T) {
	col := NewCollector()
	var last *reassembly.Connection
	for id := range MaxConnections + 1 {
		c := &reassembly.Connection{ID: id + 1}
		c.Streams[reassembly.Client].Started = true
		col.ObserveData(&reassembly.DataEvent{Kind: reassembly.DataAcked, Time: t0, Conn: c, DSN: 0})
		last = c
	}
	for _, c := range []*reassembly.Connection{col.order[0].Conn, last} {
		sf := &reassembly.Subflow{Conn: c}
		const n = 3 * MaxPoints
		for i := range n {
			at := t0.Add(time.Duration(i) * time.Millisecond)
			// 100 bytes placed, a retransmission, then an ACK of all but
			// 100 bytes: 100 in flight, except once 5,000.
			col.ObserveData(&reassembly.DataEvent{Kind: reassembly.DataPlaced, Time: at, Conn: c, Subflow: sf,
				DSN: uint64(i * 100), Len: 100, New: 100, FirstSubflow: -1})
			col.ObserveData(&reassembly.DataEvent{Kind: reassembly.SubflowRetransmission, Time: at, Conn: c, Subflow: sf, Len: 10})
			ack, window := uint64(i*100), uint64(1000+i)
			if i == 1234 {
				ack = uint64(i*100) + 100 - 5000
			}
			col.ObserveData(&reassembly.DataEvent{Kind: reassembly.DataAcked, Time: at, Conn: c, DSN: ack, Window: window})
		}
		d := col.Connection(c).Dirs[reassembly.Client]
		if d.Retransmissions != n || d.MaxInFlight != 5000 || d.MaxWindow != 1000+n-1 {
			t.Errorf("connection %d (points %v): %d retransmissions, max in flight %d, max window %d; want %d, 5000, %d",
				c.ID, d.points, d.Retransmissions, d.MaxInFlight, d.MaxWindow, n, 1000+n-1)
		}
		if d.points && len(d.Retrans) > MaxPoints || !d.points && len(d.Retrans) > 0 {
			t.Errorf("connection %d (points %v): %d retransmission points kept", c.ID, d.points, len(d.Retrans))
		}
	}
}
