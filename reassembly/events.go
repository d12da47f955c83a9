package reassembly

import (
	"time"

	"github.com/mptcpdump/mptcpdump/decode"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	// EventJoinHMACInvalid: a join's SYN/ACK or third-ACK HMAC does not
	// match the one computed from the connection's keys and nonces.
	EventJoinHMACInvalid EventKind = iota + 1
	// EventJoinUnknownToken: an MP_JOIN SYN whose token matches no
	// connection in the capture.
	EventJoinUnknownToken
	// EventKeyMismatch: an MP_CAPABLE carries a key different from the one
	// seen earlier for the same endpoint (for example the Key-B echo of the
	// third ACK).
	EventKeyMismatch
	// EventOptionMalformed: an MPTCP option that could not be decoded.
	EventOptionMalformed
	// EventHandshakeFallback: the MP_CAPABLE handshake ended as plain TCP.
	EventHandshakeFallback
	// EventJoinRefused: a join was answered by a RST or never completed.
	EventJoinRefused
	// EventChecksumInvalid: a DSS checksum does not match the mapping's
	// pseudo-header and data. Packet is the mapping's first packet.
	EventChecksumInvalid
	// EventChecksumMissing: checksums were negotiated but a mapping came
	// without one.
	EventChecksumMissing
	// EventMappingInconsistent: a subflow range mapped to two different
	// data sequence numbers.
	EventMappingInconsistent
	// EventReinjectionMismatch: bytes sent again at the data level differ
	// from the first copy.
	EventReinjectionMismatch
	// EventRetransmissionMismatch: a TCP retransmission on a subflow
	// carries bytes that differ from the first copy.
	EventRetransmissionMismatch
	// EventFallback: the connection's data stream continues as plain TCP
	// (an infinite mapping, or data without mappings after MP_FAIL).
	EventFallback
	// EventMPFail: an MP_FAIL option was seen.
	EventMPFail
	// EventCapReached: a named memory cap was hit and data was given up.
	EventCapReached
)

// HMACCheck names which HMAC of a join an event is about.
type HMACCheck uint8

// The two HMACs of an MP_JOIN handshake.
const (
	CheckSynAck HMACCheck = iota + 1 // truncated HMAC of the responder's SYN/ACK
	CheckAck                         // full HMAC of the initiator's third ACK
)

// Event is one protocol fact reported to an Observer.
type Event struct {
	Kind    EventKind
	Time    time.Time
	Packet  uint64
	Conn    *Connection // nil when no connection is known
	Subflow *Subflow    // nil when not about one subflow

	Check       HMACCheck           // EventJoinHMACInvalid
	Side        Side                // EventKeyMismatch: whose key
	Want, Got   uint64              // EventKeyMismatch: keys; EventJoinHMACInvalid: SYN/ACK HMACs
	Token       uint32              // EventJoinUnknownToken
	OptionError *decode.OptionError // EventOptionMalformed
	Reason      string              // EventHandshakeFallback, EventJoinRefused, EventFallback, EventCapReached
	DSN         uint64              // data-level events: the DSN concerned
	Count       int                 // bytes concerned, where it applies
}

// Observer receives the model's events, synchronously, in capture order.
type Observer interface {
	Observe(e *Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(e *Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e *Event) { f(e) }
