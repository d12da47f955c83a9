package reassembly

import (
	"time"

	"github.com/mptcpdump/mptcpdump/decode"
)

// DataKind says what a DataEvent reports.
type DataKind uint8

// Data-level facts, reported per segment for metrics and graphs.
const (
	// DataPlaced: bytes of a subflow were placed at DSN in a data stream
	// (New bytes for the first time; Duplicate already had a copy, of
	// which OtherSubflow came first on another subflow: a reinjection).
	DataPlaced DataKind = iota + 1
	// DataAcked: the receiver of a stream sent a Data ACK (and, with it,
	// its receive window).
	DataAcked
	// SubflowRetransmission: a TCP retransmission on a subflow (Len
	// bytes already received on that subflow).
	SubflowRetransmission
)

// DataEvent is one data-level fact. Like Event, it is valid only during
// the call.
type DataEvent struct {
	Kind    DataKind
	Time    time.Time
	Packet  uint64
	Conn    *Connection
	Subflow *Subflow // nil for DataAcked
	Side    Side     // the sender of the stream concerned

	DSN          uint64 // DataPlaced: first byte; DataAcked: the Data ACK
	Len          int    // bytes concerned
	New          int    // DataPlaced: bytes placed for the first time
	Duplicate    int    // DataPlaced: bytes that had a copy already
	OtherSubflow int    // DataPlaced: of Duplicate, bytes whose first copy came on another subflow
	// FirstSubflow is the subflow that carried the first copy of the
	// duplicate bytes (valid when OtherSubflow > 0), -1 when unknown.
	FirstSubflow int
	Window       uint64 // DataAcked: the receive window (bytes, scaled), 0 when unknown
}

// DataObserver receives data-level facts, synchronously, in capture order:
// one call per placed chunk, Data ACK or retransmission, so observers must
// be cheap and keep bounded state.
type DataObserver interface {
	ObserveData(e *DataEvent)
}

// SetDataObserver installs o; call it before the first Process.
func (t *Tracker) SetDataObserver(o DataObserver) { t.dataObs = o }

// observeData sends e through the tracker's reused event (one value, so
// the hot path allocates nothing), dated by p or, at the end, the clock.
func (t *Tracker) observeData(e DataEvent, p *decode.Packet) {
	if p != nil {
		e.Time, e.Packet = p.Time, p.Number
	} else {
		e.Time = t.now
	}
	t.dev = e
	t.dataObs.ObserveData(&t.dev)
}
