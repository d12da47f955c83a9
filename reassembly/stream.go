package reassembly

import (
	"crypto/sha256"
	"fmt"
	"io"
	"slices"

	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/internal/sha256x2"
	"github.com/mptcpdump/mptcpdump/reassembly/sorter"
	"github.com/mptcpdump/mptcpdump/seqnum"
)

// Caps on what the model buffers. Each is a named bound on memory; hitting
// one is an event (and a finding), never a silent drop.
const (
	// MaxSubflowBuffered caps the out-of-order bytes held per subflow
	// direction while a hole before them is waiting to be filled.
	MaxSubflowBuffered = 4 << 20
	// MaxDataBuffered caps the out-of-order bytes held per connection
	// direction at the data level (data that arrived on one subflow ahead
	// of data still in flight on another).
	MaxDataBuffered = 16 << 20
	// DataWindow is how many recently delivered data-level bytes are kept
	// per direction to compare reinjected copies with their originals.
	DataWindow = 256 << 10
	// SubflowWindow is the same for subflow-level retransmissions.
	SubflowWindow = 64 << 10
	// MaxMappings caps the DSS mappings remembered per subflow direction
	// ahead of the data they map.
	MaxMappings = 4096
)

// mapping is one DSS mapping (or v1 MP_CAPABLE with data) on a subflow
// direction: subflow bytes [ssn, ssn+length) carry data bytes [dsn,
// dsn+length); fin adds the DATA_FIN at dsn+length.
type mapping struct {
	ssn    uint64 // relative subflow sequence number, unwrapped
	dsn    uint64 // 64-bit data sequence number
	length uint64 // data bytes, the DATA_FIN excluded
	fin    bool

	ssn32   uint32 // as carried, for the checksum pseudo-header
	dll     uint16 // as carried, DATA_FIN included
	hasSum  bool
	sum     uint16
	packet  uint64   // first packet that carried it
	packets []uint64 // it and the packets that carried its bytes (capped)
	next    uint64   // next subflow offset expected inside it
	data    onesSum
	missing bool // some of its bytes were not captured
}

func (m *mapping) end() uint64 { return m.ssn + m.length }

// flowStream is one direction of one subflow: its TCP byte stream and the
// mappings announced on it.
type flowStream struct {
	buf   *sorter.Sorter // offsets are relative SSNs, unwrapped to 64 bits
	maps  []mapping      // ordered by ssn; mappings behind the stream are dropped
	store []mapping      // the storage maps lives in (see insertMapping)

	// An anchor maps every later byte linearly: the infinite mapping of a
	// fallback, or the continuation Linux uses after one (RFC 8684 §3.7).
	anchored             bool
	anchorSSN, anchorDSN uint64

	lastEnd, lastDSNEnd uint64 // where the last mapping ended
	mapped              bool   // a mapping was ever seen

	unmapped uint64 // bytes delivered with no mapping to place them
}

// DataStream is one direction of a connection's data-level byte stream,
// rebuilt from all its subflows in DSN order.
type DataStream struct {
	Started  bool
	Start    uint64 // DSN of the first byte: the sender's IDSN + 1, or the first mapping seen
	FromIDSN bool   // Start is IDSN + 1, so a complete stream is the whole stream

	Bytes    uint64 // delivered bytes
	Missing  uint64 // bytes skipped because they were never captured
	Buffered int    // out-of-order bytes still held at the end

	DataFIN     bool   // a DATA_FIN was announced
	DataFINDSN  uint64 // its data sequence number
	DataFINDone bool   // every byte before the DATA_FIN was delivered

	Reinjected    uint64 // bytes that arrived again on another subflow
	Retransmitted uint64 // bytes that arrived again on the same subflow at data level
	Mismatched    uint64 // re-sent bytes that differ from the first copy

	ChecksumVerified, ChecksumFailed, ChecksumUnverifiable int
	Unmapped                                               uint64 // subflow bytes no mapping placed

	// DataACK is the highest Data ACK the receiver sent for this stream
	// (valid when HasDataACK): the next DSN it expects.
	DataACK    uint64
	HasDataACK bool
	// ReceiveWindow is the receiver's last advertised data-level window
	// (bytes, scaled); WindowEdge the highest right edge it advertised
	// (Data ACK + window), the limit of what the sender may send.
	ReceiveWindow    uint64
	HasReceiveWindow bool
	WindowEdge       uint64
	// WindowProbes counts 1-byte zero-window probes: Linux sends the byte
	// before the Data ACK again, with whatever content (net/mptcp/protocol.c,
	// "zero_window_probe"); receivers drop it as old data.
	WindowProbes int

	dataACKPacket    uint64 // the packet of the highest Data ACK
	dataACKRegressed bool   // a later Data ACK was lower than the highest
	lastDataACK      uint64 // the Data ACK of the last segment that carried one
	dataFINPacket    uint64 // the packet of the first DATA_FIN
	sentEnd          uint64 // one past the last DSN the sender mapped (DATA_FIN included)
	sentAny          bool

	Fallback    bool   // from Fallback on, subflow bytes map linearly (infinite mapping)
	FallbackDSN uint64 // the DSN where that began

	buf    *sorter.Sorter
	hash   *sha256x2.Digest // written by the digester's worker only, until flushed
	sink   io.Writer        // likewise
	digest *digestWorker
	sum    [sha256.Size]byte
}

// HighestSent returns one past the last DSN the sender mapped (its
// DATA_FIN included), and whether it mapped anything.
func (d *DataStream) HighestSent() (uint64, bool) { return d.sentEnd, d.sentAny }

// SHA256 returns the hash of the delivered bytes; valid after Finish.
func (d *DataStream) SHA256() [sha256.Size]byte { return d.sum }

// Complete reports whether every byte from the initial DSN to the DATA_FIN
// (or to the last byte seen) was delivered.
func (d *DataStream) Complete() bool {
	if !d.Started || !d.FromIDSN || d.Missing != 0 || d.Buffered != 0 {
		return false
	}
	return !d.DataFIN || d.DataFINDone
}

func (d *DataStream) deliver(_ uint64, data []byte, _ uint32) {
	d.Bytes += uint64(len(data))
	d.digest.write(d, data, d.buf.Retainable())
}

// start opens the data-level stream at dsn.
func (d *DataStream) start(dsn uint64, fromIDSN, byRef bool) {
	d.Started, d.Start, d.FromIDSN = true, dsn, fromIDSN
	d.buf = sorter.New(dsn, sorter.Config{MaxBuffered: MaxDataBuffered, Window: DataWindow, ByReference: byRef})
	d.hash = sha256x2.New()
}

// ensureStarted opens the stream of side s at IDSN + 1 when the sender's
// key is known, else at dsn.
func (c *Connection) ensureStarted(s Side, dsn uint64) *DataStream {
	d := &c.Streams[s]
	if !d.Started {
		if c.Fallback {
			// Plain TCP from the handshake on: there is no data sequence
			// space, so the stream counts from 1 like relative SSNs.
			d.start(1, true, c.byRef)
		} else if e := c.Ends[s]; e.HasKey {
			d.start(e.IDSN+1, true, c.byRef)
		} else {
			d.start(dsn, false, c.byRef)
		}
		if c.sinks != nil {
			d.sink = c.sinks(c, s)
		}
		d.digest = c.digest.worker(c)
	}
	return d
}

// expandDSN widens a 32-bit DSN of side s's stream.
func (c *Connection) expandDSN(s Side, v uint64, is64 bool) uint64 {
	if is64 {
		return v
	}
	d := &c.Streams[s]
	ref := uint64(0)
	switch {
	case d.Started:
		ref = d.buf.HighestSeen()
	case c.Ends[s].HasKey:
		ref = c.Ends[s].IDSN + 1
	default:
		return v
	}
	return uint64(seqnum.Expand(seqnum.DSN(ref), uint32(v)))
}

// onPayload handles the MPTCP data-level work of one non-SYN segment on sf:
// mappings it announces, then its payload.
func (t *Tracker) onPayload(sf *Subflow, d Dir, p *decode.Packet) {
	c := sf.Conn
	if c == nil || c.finished {
		return // a late join to a connection already settled: counted, not reassembled
	}
	fs := &sf.streams[d]
	side := sf.side(d)
	for i := range p.Options {
		o := &p.Options[i]
		switch o.Subtype {
		case decode.SubtypeDSS:
			if o.DSS.HasMapping {
				t.addDSSMapping(sf, d, o.DSS, p)
			}
		case decode.SubtypeMPCapable:
			m := o.MPCapable
			if m.HasDataLen && d == FromInitiator && !sf.Join && c.Ends[side].HasKey {
				t.addMapping(sf, d, mapping{ssn: 1, ssn32: 1, dsn: c.Ends[side].IDSN + 1, length: uint64(m.DataLen),
					dll: m.DataLen, hasSum: m.HasChecksum, sum: m.Checksum, packet: p.Number}, p)
			}
		}
	}
	if sf.midStream && !sf.HasISN[d] && p.PayloadLen > 0 {
		// No SYN was captured: assume the first mapping seen starts at its
		// segment, as Linux places a mapping on its first segment.
		if o := p.Option(decode.SubtypeDSS); o != nil && o.DSS.HasMapping && o.DSS.DataLen > 0 {
			sf.ISN[d], sf.HasISN[d] = p.Seq-seqnum.SSN(o.DSS.SSN), true
		}
	}
	if p.PayloadLen == 0 || !sf.HasISN[d] {
		return
	}
	if fs.buf == nil {
		start := uint64(1)
		if sf.midStream { // the stream starts where the capture does
			start = uint64(uint32(p.Seq - sf.ISN[d]))
		}
		fs.buf = sorter.New(start, sorter.Config{MaxBuffered: MaxSubflowBuffered, Window: SubflowWindow, ByReference: t.stable})
	}
	rel := uint32(p.Seq - sf.ISN[d])
	off := uint64(seqnum.Expand(seqnum.DSN(fs.buf.HighestSeen()), rel))
	deliver := func(off uint64, data []byte, tag uint32) { t.subflowData(sf, d, off, data, tag, p) }
	var res sorter.Result
	if t.stable {
		res = fs.buf.PushRef(off, p.Payload, uint32(p.Number), deliver)
	} else {
		res = fs.buf.Push(off, p.Payload, uint32(p.Number), deliver)
	}
	if t.dataObs != nil && res.Duplicate > 0 {
		t.observeData(DataEvent{Kind: SubflowRetransmission, Conn: c, Subflow: sf, Side: side, Len: res.Duplicate, FirstSubflow: -1}, p)
	}
	if res.Skipped > 0 {
		ev := t.emit(EventCapReached, p, c, sf)
		ev.Reason = "subflow out-of-order buffer full: a hole was given up"
		ev.Count = int(res.Skipped)
		t.send()
	}
	if res.Mismatch > 0 {
		ev := t.emit(EventRetransmissionMismatch, p, c, sf)
		ev.Count = res.Mismatch
		t.send()
	}
	if len(p.Payload) < p.PayloadLen && fs.buf.Next() == off+uint64(len(p.Payload)) {
		// The snap length cut the segment: the rest was sent but not captured.
		fs.buf.Skip(off+uint64(p.PayloadLen), deliver)
	}
}

// addDSSMapping records a DSS mapping, or the infinite mapping of a fallback.
func (t *Tracker) addDSSMapping(sf *Subflow, d Dir, m decode.DSS, p *decode.Packet) {
	if sf.midStream {
		t.groupPartial(sf, d, m)
	}
	c := sf.Conn
	side := sf.side(d)
	dsn := c.expandDSN(side, m.DSN, m.DSN64)
	if c.Checksums && !m.HasChecksum {
		ev := t.emit(EventChecksumMissing, p, c, sf)
		ev.DSN = dsn
		t.send()
	}
	fs := &sf.streams[d]
	if m.DataLen == 0 { // the infinite mapping: fall back to TCP from here on
		t.anchor(sf, d, uint64(m.SSN), dsn, p, "infinite mapping")
		return
	}
	length := uint64(m.DataLen)
	if m.DataFIN {
		length--
	}
	if m.SSN == 0 && length == 0 && m.DataFIN {
		// A DATA_FIN with no data: it occupies its DSN only.
		t.dataFIN(c, side, dsn, p)
		if c.Checksums && m.HasChecksum {
			var none onesSum
			t.checksumResult(sf, c, side, dssChecksum(dsn, 0, m.DataLen, &none) == m.Checksum, []uint64{p.Number}, dsn)
		}
		return
	}
	ref := uint64(1)
	switch {
	case fs.buf != nil:
		ref = fs.buf.Next()
	case sf.midStream:
		ref = uint64(m.SSN) // the stream starts where the capture does
	}
	ssn := uint64(seqnum.Expand(seqnum.DSN(ref), m.SSN))
	t.addMapping(sf, d, mapping{ssn: ssn, ssn32: m.SSN, dsn: dsn, length: length, fin: m.DataFIN,
		dll: m.DataLen, hasSum: m.HasChecksum && c.Checksums, sum: m.Checksum, packet: p.Number}, p)
}

// addMapping inserts m in order; an identical repeat is ignored, as Linux
// does with the copies TSO makes.
func (t *Tracker) addMapping(sf *Subflow, d Dir, m mapping, p *decode.Packet) {
	c := sf.Conn
	side := sf.side(d)
	fs := &sf.streams[d]
	fs.mapped = true
	st := &c.Streams[side]
	if end := m.dsn + m.length; !st.sentAny || seqnum.DSN(st.sentEnd).LessThan(seqnum.DSN(end)) {
		st.sentEnd, st.sentAny = end, true
	}
	if st.DataFIN && !m.fin && seqnum.DSN(st.DataFINDSN).LessThan(seqnum.DSN(m.dsn+m.length)) {
		ev := t.emit(EventDataFINInconsistent, p, c, sf)
		ev.DSN, ev.Reason = m.dsn, fmt.Sprintf("data mapped up to DSN %016x, beyond the DATA_FIN at %016x", m.dsn+m.length, st.DataFINDSN)
		t.send()
	}
	if m.fin {
		t.dataFIN(c, side, m.dsn+m.length, p)
	}
	if fs.buf != nil && m.end() <= fs.buf.Next() {
		return // for bytes already delivered: a retransmitted option
	}
	i := len(fs.maps)
	for i > 0 && fs.maps[i-1].ssn > m.ssn {
		i--
	}
	if i > 0 && fs.maps[i-1].ssn == m.ssn {
		old := &fs.maps[i-1]
		if old.dsn != m.dsn || old.length != m.length {
			ev := t.emit(EventMappingInconsistent, p, c, sf)
			ev.DSN, ev.Want, ev.Got = m.dsn, old.dsn, m.dsn
			t.send()
		}
		return
	}
	if len(fs.maps) >= MaxMappings {
		ev := t.emit(EventCapReached, p, c, sf)
		ev.Reason = "too many pending DSS mappings on one subflow direction"
		t.send()
		return
	}
	m.next = m.ssn
	if m.hasSum { // the packets of a mapping matter only if its checksum fails
		m.packets = append(make([]uint64, 0, 8), m.packet)
	}
	fs.insertMapping(i, m)
	if end := m.ssn + m.length; end > fs.lastEnd {
		fs.lastEnd, fs.lastDSNEnd = end, m.dsn+m.length
	}
}

// insertMapping inserts m at index i. Mappings leave from the front as
// the stream passes them, so the slice is compacted back to the start of
// its storage instead of growing: no allocation per mapping.
func (fs *flowStream) insertMapping(i int, m mapping) {
	if len(fs.maps) == cap(fs.maps) && len(fs.maps) < cap(fs.store) {
		fs.maps = fs.store[:copy(fs.store[:cap(fs.store)], fs.maps)]
	}
	fs.maps = slices.Insert(fs.maps, i, m)
	if cap(fs.maps) > cap(fs.store) {
		fs.store = fs.maps[:0]
	}
}

// anchor makes every later byte of a subflow direction map linearly from
// (ssn, dsn): the connection has fallen back to TCP.
func (t *Tracker) anchor(sf *Subflow, d Dir, ssn, dsn uint64, p *decode.Packet, why string) {
	fs := &sf.streams[d]
	if fs.anchored {
		return
	}
	fs.anchored, fs.anchorSSN, fs.anchorDSN = true, ssn, dsn
	c := sf.Conn
	st := &c.Streams[sf.side(d)]
	if !st.Fallback {
		st.Fallback, st.FallbackDSN = true, dsn
	}
	if !c.DataFallback && !c.Fallback { // a handshake fallback was reported already
		c.DataFallback = true
		ev := t.emit(EventFallback, p, c, sf)
		ev.DSN, ev.Reason = dsn, why
		t.send()
	}
}

// subflowData receives in-order subflow bytes [off, off+len(data)) and
// places them in the data-level stream through the mappings.
//
// tag is the number of the packet that carried the bytes (modulo 2^32, as
// the sorter keeps it); p is the packet being processed, nil at the end.
func (t *Tracker) subflowData(sf *Subflow, d Dir, off uint64, data []byte, tag uint32, p *decode.Packet) {
	c := sf.Conn
	fs := &sf.streams[d]
	side := sf.side(d)
	retain := fs.buf != nil && fs.buf.Retainable()
	for len(data) > 0 {
		// Drop mappings the stream has passed.
		for len(fs.maps) > 0 && fs.maps[0].end() <= off {
			t.finishMapping(sf, d, &fs.maps[0])
			fs.maps = fs.maps[1:]
		}
		var m *mapping
		if len(fs.maps) > 0 && fs.maps[0].ssn <= off {
			m = &fs.maps[0]
		}
		if m == nil {
			n := uint64(len(data))
			if len(fs.maps) > 0 {
				n = min(n, fs.maps[0].ssn-off)
			}
			if !fs.anchored {
				t.implicitAnchor(sf, d, off, p)
			}
			if fs.anchored && off >= fs.anchorSSN {
				t.dataBytes(sf, c, side, fs.anchorDSN+(off-fs.anchorSSN), data[:n], p, retain)
			} else {
				fs.unmapped += n
				c.Streams[side].Unmapped += n
			}
			data, off = data[n:], off+n
			continue
		}
		n := min(uint64(len(data)), m.end()-off)
		if off != m.next {
			m.missing = true
		}
		m.next = off + n
		if m.hasSum {
			m.data.add(data[:n])
			m.notePacket(t.packetOf(tag, p))
		}
		t.dataBytes(sf, c, side, m.dsn+(off-m.ssn), data[:n], p, retain)
		data, off = data[n:], off+n
		if off == m.end() {
			t.finishMapping(sf, d, m)
			fs.maps = fs.maps[1:]
		}
	}
}

// implicitAnchor decides whether bytes no mapping covers continue the
// stream as TCP after a fallback: on a connection with one subflow, bytes
// that start exactly where the last mapping ended (or at the first byte
// when no mapping was ever sent) are what Linux delivers after falling back
// without an infinite mapping (RFC 8684 §3.7, the digest's §5.6).
func (t *Tracker) implicitAnchor(sf *Subflow, d Dir, off uint64, p *decode.Packet) {
	c := sf.Conn
	fs := &sf.streams[d]
	side := sf.side(d)
	switch {
	case c.Partial:
		return // one subflow of a connection whose other subflows may be unseen
	case c.Fallback: // the handshake fell back: the whole stream is TCP
		t.anchor(sf, d, 1, 1, p, "handshake fallback")
	case len(c.Subflows) != 1:
		return
	case fs.mapped && off == fs.lastEnd:
		t.anchor(sf, d, off, fs.lastDSNEnd, p, "data without DSS mapping")
	case !fs.mapped && off == 1 && c.Ends[side].HasKey:
		t.anchor(sf, d, 1, c.Ends[side].IDSN+1, p, "data without DSS mapping")
	}
}

// finishMapping settles a mapping whose bytes have all passed (or were
// skipped): its checksum is verified when checksums are in use.
func (t *Tracker) finishMapping(sf *Subflow, d Dir, m *mapping) {
	c := sf.Conn
	side := sf.side(d)
	if !m.hasSum {
		return
	}
	if m.missing || m.next != m.end() {
		c.Streams[side].ChecksumUnverifiable++
		return
	}
	t.checksumResult(sf, c, side, dssChecksum(m.dsn, m.ssn32, m.dll, &m.data) == m.sum, m.packets, m.dsn)
}

// checksumResult counts a checksum verdict; a failure is reported with
// the packets of the mapping: the one announcing it and those carrying
// its bytes (one of which was altered).
func (t *Tracker) checksumResult(sf *Subflow, c *Connection, side Side, ok bool, packets []uint64, dsn uint64) {
	st := &c.Streams[side]
	if ok {
		st.ChecksumVerified++
		return
	}
	st.ChecksumFailed++
	ev := t.emit(EventChecksumInvalid, nil, c, sf)
	ev.Packets, ev.DSN = packets, dsn
	if len(packets) > 0 {
		ev.Packet = packets[0]
	}
	t.send()
}

// packetOf returns the full number of the packet whose 32-bit tag the
// sorter kept, using the current packet as the reference for the upper
// bits.
func (t *Tracker) packetOf(tag uint32, p *decode.Packet) uint64 {
	ref := t.stats.Packets
	if p != nil {
		ref = p.Number
	}
	return uint64(seqnum.Expand(seqnum.DSN(ref), tag))
}

// maxMappingPackets caps the packets remembered per mapping for findings.
const maxMappingPackets = 32

func (m *mapping) notePacket(n uint64) {
	if len(m.packets) > 0 && m.packets[len(m.packets)-1] == n || len(m.packets) >= maxMappingPackets {
		return
	}
	m.packets = append(m.packets, n)
}

// dataBytes places bytes at dsn in side's data-level stream.
// retain says that data stays valid and unchanged (sorter.Retainable).
func (t *Tracker) dataBytes(sf *Subflow, c *Connection, side Side, dsn uint64, data []byte, p *decode.Packet, retain bool) {
	st := c.ensureStarted(side, dsn)
	if len(data) == 1 && st.HasDataACK && dsn+1 == st.DataACK && st.buf.Next() > dsn {
		st.WindowProbes++ // old data by design: not a reinjection, not compared
		return
	}
	var res sorter.Result
	if retain { // a mapped file's bytes, or a copy no one changes
		res = st.buf.PushRef(dsn, data, uint32(sf.ID+1), st.deliver)
	} else {
		res = st.buf.Push(dsn, data, uint32(sf.ID+1), st.deliver)
	}
	if t.dataObs != nil {
		e := DataEvent{Kind: DataPlaced, Conn: c, Subflow: sf, Side: side, DSN: dsn, Len: len(data),
			New: res.New, Duplicate: res.Duplicate, OtherSubflow: res.DupOtherTag, FirstSubflow: -1}
		if res.DupOtherTag > 0 && res.FirstTag > 0 {
			e.FirstSubflow = int(res.FirstTag) - 1
		}
		t.observeData(e, p)
	}
	st.Reinjected += uint64(res.DupOtherTag)
	st.Retransmitted += uint64(res.Duplicate - res.DupOtherTag)
	if res.Mismatch > 0 {
		st.Mismatched += uint64(res.Mismatch)
		ev := t.emit(EventReinjectionMismatch, p, c, sf)
		ev.DSN, ev.Count = res.FirstMismatch, res.Mismatch
		t.send()
	}
	if res.Skipped > 0 {
		ev := t.emit(EventCapReached, p, c, sf)
		ev.Reason = "data-level out-of-order buffer full: a hole was given up"
		ev.Count = int(res.Skipped)
		t.send()
	}
	t.checkDataFIN(st)
}

func (t *Tracker) dataFIN(c *Connection, s Side, dsn uint64, p *decode.Packet) {
	st := c.ensureStarted(s, dsn)
	if end := dsn + 1; !st.sentAny || seqnum.DSN(st.sentEnd).LessThan(seqnum.DSN(end)) {
		st.sentEnd, st.sentAny = end, true
	}
	switch {
	case !st.DataFIN:
		st.DataFIN, st.DataFINDSN, st.dataFINPacket = true, dsn, p.Number
		ev := t.emit(EventDataFIN, p, c, nil)
		ev.Side, ev.DSN = s, dsn
		t.send()
	case st.DataFINDSN != dsn:
		ev := t.emit(EventDataFINInconsistent, p, c, nil)
		ev.Side, ev.DSN = s, dsn
		ev.Reason = fmt.Sprintf("DATA_FIN at DSN %016x, but earlier at %016x", dsn, st.DataFINDSN)
		t.send()
	}
	t.checkDataFIN(st)
}

func (t *Tracker) checkDataFIN(st *DataStream) {
	if st.DataFIN && !st.DataFINDone && st.buf.Next() == st.DataFINDSN {
		st.DataFINDone = true
	}
}

// finishStreams gives up on every hole still open, delivers what was
// buffered after them, settles the remaining mappings and the hashes, and
// releases every buffer of the connection.
func (t *Tracker) finishStreams(c *Connection) {
	c.finished = true
	for _, sf := range c.Subflows {
		for d := range sf.streams {
			fs := &sf.streams[d]
			if fs.buf == nil {
				continue
			}
			fs.buf.Flush(func(off uint64, data []byte, tag uint32) { t.subflowData(sf, Dir(d), off, data, tag, nil) })
			for i := range fs.maps {
				m := &fs.maps[i]
				if m.next != m.ssn && m.hasSum {
					c.Streams[sf.side(Dir(d))].ChecksumUnverifiable++
				}
			}
			fs.maps, fs.buf = nil, nil
		}
	}
	for s := range c.Streams {
		st := &c.Streams[s]
		if !st.Started {
			continue
		}
		st.Missing += st.buf.Flush(st.deliver)
		t.checkDataFIN(st)
		st.Buffered = st.buf.Buffered()
		if st.Reinjected > 0 {
			ev := t.emit(EventReinjection, nil, c, nil)
			ev.Side, ev.Count = Side(s), int(st.Reinjected)
			t.send()
		}
		st.digest.sync()
		copy(st.sum[:], st.hash.Sum(nil))
		if closer, ok := st.sink.(io.Closer); ok {
			closer.Close()
		}
		st.buf, st.hash, st.sink, st.digest = nil, nil, nil, nil
	}
}
