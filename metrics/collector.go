package metrics

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/mptcpdump/mptcpdump/reassembly"
)

// Bounds of what a Collector keeps.
const (
	// MaxPoints is the most graph points kept per direction, for data
	// placements and for Data ACKs each: thinning keeps between half and
	// all of it, more than a graph's width in pixels.
	MaxPoints = 2000
	// MaxConnections is how many connections keep graph points. With
	// MaxPoints, this bounds the points of a whole capture to about
	// 60 MB, however many connections it holds.
	MaxConnections = 100
	// MaxReinjections is how many reinjections are listed per direction
	// (all are counted).
	MaxReinjections = 1000
	// rttReservoir is the number of RTT samples kept for percentiles.
	rttReservoir = 2048
	// maxOutstanding bounds the first transmissions waiting for a Data ACK.
	maxOutstanding = 8192
)

// Placement is one chunk of data placed in a stream, for the graph.
type Placement struct {
	Time    Stamp
	Packet  uint64
	DSN     uint64 // relative to the stream's initial DSN
	Len     int
	Subflow int
	Kind    PlacementKind
}

// Stamp is a packet's time in nanoseconds since the Unix epoch: unlike
// time.Time it holds no pointer (to a location), so that the garbage
// collector never reads a direction's points. It did, before they were
// written: that mapped the kernel's zero page, and the first write to
// each page then had to replace it and flush the other core's TLB.
type Stamp int64

// StampOf returns t's Stamp.
func StampOf(t time.Time) Stamp { return Stamp(t.UnixNano()) }

// Time returns the stamp as a time in UTC.
func (s Stamp) Time() time.Time { return time.Unix(0, int64(s)).UTC() }

// PlacementKind tells first copies from copies.
type PlacementKind uint8

// Kinds of placements.
const (
	First         PlacementKind = iota // bytes seen for the first time
	Reinjected                         // a copy arriving on another subflow
	Retransmitted                      // a copy on the same subflow (data level)
)

// Ack is one Data ACK with the state of the window, for the graph.
type Ack struct {
	Time     Stamp
	Packet   uint64
	DSN      uint64 // relative Data ACK
	Window   uint64 // receive window, bytes (0: unknown)
	InFlight uint64 // bytes sent and not yet acknowledged at the data level
}

// Retransmission is a TCP retransmission on a subflow.
type Retransmission struct {
	Time    time.Time
	Packet  uint64
	Subflow int
	Bytes   int
	DSN     uint64 // relative DSN the subflow was at (approximate)
}

// Reinjection is a DSN range that arrived a second time on another subflow.
type Reinjection struct {
	Time   time.Time
	Packet uint64
	DSN    uint64 // relative DSN of the first byte
	Bytes  int
	// FirstSubflow carried the copy that arrived first; SecondSubflow the
	// later one. A sender reinjects because the first transmission
	// stalled, so usually FirstSubflow is the reinjection's target when
	// the copy overtook the original.
	FirstSubflow, SecondSubflow int
}

// RTT summarizes MPTCP-level round-trip samples, in seconds.
type RTT struct {
	Samples              int
	Min, Mean, Max       float64
	Median, Percentile95 float64
}

// Direction is what was measured on one direction of a connection.
type Direction struct {
	base    uint64 // initial DSN
	started bool

	Goodput      Series          // new bytes per bucket
	SubflowBytes map[int]*Series // bytes placed per subflow (first copies and copies)
	Placements   []Placement
	Acks         []Ack
	Retrans      []Retransmission
	Reinjections []Reinjection
	Reinjected   struct{ Count, Bytes int }

	// Exact whatever the points kept: the TCP retransmissions on the
	// subflows, the most bytes in flight at a Data ACK and the largest
	// receive window advertised with one.
	Retransmissions int
	MaxInFlight     uint64
	MaxWindow       uint64

	rtt         RTT
	rttSum      float64
	reservoir   []float64
	outstanding []sent // a window of outBuf: acked bytes leave at the front
	outBuf      []sent
	highest     uint64 // relative end of what was placed
	lastAck     uint64
	subflows    map[int]*subflowStats
	lastSF      *subflowStats // the subflow of the last event: most often that of the next too
	thinP       int
	seenP       int
	thinA       int
	seenA       int
	rnd         *rand.Rand
	points      bool
}

// subflowStats is what a direction keeps per subflow.
type subflowStats struct {
	id      int
	share   uint64 // first-copy bytes
	bytes   Series // bytes placed (first copies and copies); in SubflowBytes once it has any
	lastDSN uint64 // the last relative DSN placed
}

// subflow returns the stats of subflow id, creating them.
func (d *Direction) subflow(id int) *subflowStats {
	if d.lastSF != nil && d.lastSF.id == id {
		return d.lastSF
	}
	s := d.subflows[id]
	if s == nil {
		s = &subflowStats{id: id}
		d.subflows[id] = s
	}
	d.lastSF = s
	return s
}

// Share returns the first-copy bytes of each subflow that carried some.
func (d *Direction) Share() map[int]uint64 {
	m := make(map[int]uint64, len(d.subflows))
	for id, s := range d.subflows {
		if s.share > 0 {
			m[id] = s.share
		}
	}
	return m
}

type sent struct {
	end   uint64
	t     Stamp // no pointer: the queue is never read by the garbage collector
	clean bool  // never sent again: a valid RTT sample (Karn)
}

// Connection is what was measured on one connection.
type Connection struct {
	Conn *reassembly.Connection
	Dirs [2]*Direction // by sending side
}

// Collector gathers metrics from a Tracker. Not safe for concurrent use.
type Collector struct {
	conns map[*reassembly.Connection]*Connection
	order []*Connection
	last  *Connection // of the last event: the next one is most often about it too
}

// NewCollector returns an empty Collector.
func NewCollector() *Collector {
	return &Collector{conns: map[*reassembly.Connection]*Connection{}}
}

// Connection returns what was measured on c, or nil.
func (col *Collector) Connection(c *reassembly.Connection) *Connection { return col.conns[c] }

// Forget drops connections the tracker evicted.
func (col *Collector) Forget(keep func(*reassembly.Connection) bool) {
	out := col.order[:0]
	for _, m := range col.order {
		if keep(m.Conn) {
			out = append(out, m)
		} else {
			delete(col.conns, m.Conn)
		}
	}
	col.order = out
	col.last = nil
}

func (col *Collector) conn(c *reassembly.Connection) *Connection {
	if col.last != nil && col.last.Conn == c {
		return col.last
	}
	m := col.conns[c]
	if m == nil {
		m = &Connection{Conn: c}
		points := len(col.order) < MaxConnections
		for i := range m.Dirs {
			m.Dirs[i] = &Direction{SubflowBytes: map[int]*Series{}, subflows: map[int]*subflowStats{},
				thinP: 1, thinA: 1, points: points, rnd: rand.New(rand.NewPCG(uint64(c.ID), uint64(i)))}
		}
		col.conns[c] = m
		col.order = append(col.order, m)
	}
	col.last = m
	return m
}

// ObserveData implements reassembly.DataObserver.
func (col *Collector) ObserveData(e *reassembly.DataEvent) {
	m := col.conn(e.Conn)
	d := m.Dirs[e.Side]
	if !d.started {
		// DSNs are drawn relative to the stream's first byte, so graphs of
		// any connection start at 0.
		switch st, end := &e.Conn.Streams[e.Side], e.Conn.Ends[e.Side]; {
		case st.Started:
			d.base, d.started = st.Start, true
		case end.HasKey:
			d.base, d.started = end.IDSN+1, true
		default:
			return // a Data ACK before anything is known of the stream
		}
	}
	switch e.Kind {
	case reassembly.DataPlaced:
		d.placed(e)
	case reassembly.DataAcked:
		d.acked(e)
	case reassembly.SubflowRetransmission:
		d.Retransmissions++
		if len(d.Retrans) < MaxPoints && d.points {
			d.Retrans = append(d.Retrans, Retransmission{Time: e.Time, Packet: e.Packet, Subflow: e.Subflow.ID,
				Bytes: e.Len, DSN: d.subflow(e.Subflow.ID).lastDSN})
		}
	}
}

func (d *Direction) placed(e *reassembly.DataEvent) {
	rel := e.DSN - d.base
	end := rel + uint64(e.Len)
	sf := e.Subflow.ID
	st := d.subflow(sf)
	st.lastDSN = end
	if e.New > 0 {
		d.Goodput.Add(e.Time, float64(e.New))
		st.share += uint64(e.New)
	}
	if st.bytes.Width == 0 { // nothing placed yet
		d.SubflowBytes[sf] = &st.bytes
	}
	st.bytes.Add(e.Time, float64(e.Len))
	kind := First
	switch {
	case e.OtherSubflow > 0:
		kind = Reinjected
		d.Reinjected.Count++
		d.Reinjected.Bytes += e.OtherSubflow
		if len(d.Reinjections) < MaxReinjections {
			d.Reinjections = append(d.Reinjections, Reinjection{Time: e.Time, Packet: e.Packet, DSN: rel,
				Bytes: e.OtherSubflow, FirstSubflow: e.FirstSubflow, SecondSubflow: sf})
		}
	case e.Duplicate > 0:
		kind = Retransmitted
	}
	if e.Duplicate > 0 {
		d.dirty(rel, end)
	}
	if e.New > 0 && end > d.highest {
		d.highest = end
		d.pushSent(sent{end: end, t: StampOf(e.Time), clean: e.Duplicate == 0})
		if len(d.outstanding) > maxOutstanding {
			d.outstanding = slices.Delete(d.outstanding, 0, len(d.outstanding)-maxOutstanding)
		}
	}
	if !d.points {
		return
	}
	if d.seenP++; d.seenP%d.thinP == 0 {
		d.Placements = append(roomFor(d.Placements), Placement{Time: StampOf(e.Time), Packet: e.Packet, DSN: rel, Len: e.Len, Subflow: sf, Kind: kind})
		if len(d.Placements) >= MaxPoints {
			d.Placements, d.thinP = thin(d.Placements), d.thinP*2
		}
	}
}

// pushSent appends a transmission to outstanding, moving it back to the
// front of its buffer when ACKs have freed enough room there, so that a
// steady flow reuses one buffer instead of reallocating as it drifts.
func (d *Direction) pushSent(x sent) {
	if front := cap(d.outBuf) - cap(d.outstanding); len(d.outstanding) == cap(d.outstanding) && front > 0 && front >= len(d.outstanding)/2 {
		d.outstanding = d.outBuf[:copy(d.outBuf, d.outstanding)]
	}
	room := cap(d.outstanding)
	d.outstanding = append(d.outstanding, x)
	if len(d.outstanding) > room { // append moved it to a new buffer
		d.outBuf = d.outstanding[:cap(d.outstanding)]
	}
}

// dirty marks the transmissions overlapping [a, b) as sent twice: their
// ACK no longer times one transmission.
func (d *Direction) dirty(a, b uint64) {
	for i := len(d.outstanding) - 1; i >= 0; i-- {
		o := &d.outstanding[i]
		if o.end <= a {
			break
		}
		start := uint64(0)
		if i > 0 {
			start = d.outstanding[i-1].end
		}
		if start < b {
			o.clean = false
		}
	}
}

func (d *Direction) acked(e *reassembly.DataEvent) {
	now := StampOf(e.Time)
	ack := e.DSN - d.base
	n := 0
	for n < len(d.outstanding) && d.outstanding[n].end < ack {
		o := d.outstanding[n]
		if o.clean {
			d.sample(time.Duration(now - o.t).Seconds())
		}
		n++
	}
	// The ACK of exactly the end of a transmission covers it too.
	for n < len(d.outstanding) && d.outstanding[n].end <= ack {
		if o := d.outstanding[n]; o.clean {
			d.sample(time.Duration(now - o.t).Seconds())
		}
		n++
	}
	d.outstanding = d.outstanding[n:]
	d.lastAck = ack
	inflight := uint64(0)
	if d.highest > ack {
		inflight = d.highest - ack
	}
	d.MaxInFlight = max(d.MaxInFlight, inflight)
	d.MaxWindow = max(d.MaxWindow, e.Window)
	if !d.points {
		return
	}
	if d.seenA++; d.seenA%d.thinA == 0 {
		d.Acks = append(roomFor(d.Acks), Ack{Time: StampOf(e.Time), Packet: e.Packet, DSN: ack, Window: e.Window, InFlight: inflight})
		if len(d.Acks) >= MaxPoints {
			d.Acks, d.thinA = thin(d.Acks), d.thinA*2
		}
	}
}

func (d *Direction) sample(s float64) {
	if s < 0 {
		return
	}
	r := &d.rtt
	if r.Samples == 0 || s < r.Min {
		r.Min = s
	}
	if s > r.Max {
		r.Max = s
	}
	r.Samples++
	d.rttSum += s
	if len(d.reservoir) < rttReservoir {
		d.reservoir = append(d.reservoir, s)
	} else if j := d.rnd.IntN(r.Samples); j < rttReservoir {
		d.reservoir[j] = s
	}
}

// RTT returns the round-trip summary.
func (d *Direction) RTT() RTT {
	r := d.rtt
	if r.Samples == 0 {
		return r
	}
	r.Mean = d.rttSum / float64(r.Samples)
	s := slices.Clone(d.reservoir)
	slices.Sort(s)
	r.Median = s[len(s)/2]
	r.Percentile95 = s[min(len(s)-1, len(s)*95/100)]
	return r
}

// thin keeps every other element.
// roomFor makes room for one more point: 64 at first, then all of
// MaxPoints at once for a busy direction (thinning keeps a list within
// them), rather than doubling through the sizes between: that copied and
// first touched twice the memory (the mtu benchmark's points were a third
// of its page faults).
func roomFor[T any](s []T) []T {
	if len(s) < cap(s) {
		return s
	}
	n := 64
	if cap(s) >= n {
		n = MaxPoints
	}
	out := make([]T, len(s), max(n, len(s)+1))
	copy(out, s)
	return out
}

func thin[T any](in []T) []T {
	out := in[:0]
	for i := 0; i < len(in); i += 2 {
		out = append(out, in[i])
	}
	return out
}
