package reassembly

import (
	"net/netip"
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

	// Timeline events: what happened, healthy or not.

	// EventSubflowEstablished: a subflow's handshake completed (the third
	// ACK of the MP_CAPABLE subflow, the fourth ACK of a join).
	EventSubflowEstablished
	// EventSubflowClosed: FIN in both directions.
	EventSubflowClosed
	// EventSubflowReset: a RST ended the subflow; Reason holds the
	// MP_TCPRST reason when one came with it.
	EventSubflowReset
	// EventAddAddr: an address was announced (Side: by whom).
	EventAddAddr
	// EventAddAddrEcho: the peer echoed an announcement.
	EventAddAddrEcho
	// EventRemoveAddr: an address ID was withdrawn.
	EventRemoveAddr
	// EventMPPrio: a subflow's priority changed (MP_PRIO).
	EventMPPrio
	// EventFastClose: MP_FASTCLOSE, the connection-level abort.
	EventFastClose
	// EventDataFIN: a side announced the end of its data.
	EventDataFIN
	// EventTCPRst: an MP_TCPRST explained a reset (Reason, and
	// "transient" when a retry is acceptable).
	EventTCPRst

	// More checks.

	// EventAddAddrHMACInvalid: a v1 ADD_ADDR HMAC does not verify.
	EventAddAddrHMACInvalid
	// EventAddAddrHMACLegacy: a v1 ADD_ADDR HMAC that is the leftmost 64
	// bits of the right HMAC instead of the rightmost (early Linux v1).
	EventAddAddrHMACLegacy
	// EventRemoveAddrUnknown: REMOVE_ADDR names an ID never announced.
	EventRemoveAddrUnknown
	// EventFastCloseKeyMismatch: MP_FASTCLOSE does not carry the
	// receiver's key.
	EventFastCloseKeyMismatch
	// EventMPCapableUnexpected: MP_CAPABLE where the protocol does not
	// allow it.
	EventMPCapableUnexpected
	// EventVersionMismatch: the versions of a handshake disagree.
	EventVersionMismatch
	// EventDataACKUnsent: a Data ACK beyond anything the peer sent.
	EventDataACKUnsent
	// EventDataFINInconsistent: two DATA_FINs at different DSNs, or data
	// mapped beyond the DATA_FIN.
	EventDataFINInconsistent
	// EventTokenCollision: a key hashes to the token of another live
	// connection (Want holds that connection's ID).
	EventTokenCollision
	// EventReinjection: data of the connection was reinjected (Count
	// bytes), reported once per direction at the end.
	EventReinjection
)

// IsTimeline reports whether events of kind k belong to a connection's
// timeline (JSON events[]), not only to the checks.
func (k EventKind) IsTimeline() bool {
	switch k {
	case EventSubflowEstablished, EventSubflowClosed, EventSubflowReset, EventAddAddr, EventAddAddrEcho,
		EventRemoveAddr, EventMPPrio, EventFastClose, EventDataFIN, EventTCPRst, EventMPFail, EventFallback, EventHandshakeFallback:
		return true
	}
	return false
}

var kindNames = map[EventKind]string{
	EventSubflowEstablished: "subflow-established",
	EventSubflowClosed:      "subflow-closed",
	EventSubflowReset:       "subflow-reset",
	EventAddAddr:            "add-addr",
	EventAddAddrEcho:        "add-addr-echo",
	EventRemoveAddr:         "remove-addr",
	EventMPPrio:             "mp-prio",
	EventFastClose:          "fastclose",
	EventDataFIN:            "data-fin",
	EventTCPRst:             "tcprst",
	EventMPFail:             "mp-fail",
	EventFallback:           "fallback",
	EventHandshakeFallback:  "fallback",
}

// Name is the timeline type of a timeline event ("" for others).
func (k EventKind) Name() string { return kindNames[k] }

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
	Addr        netip.AddrPort      // EventAddAddr, EventAddAddrEcho: the address (port 0 when none)
	AddrID      uint8               // address events: the address ID
	Backup      bool                // EventMPPrio
	// Packets lists every packet involved, when there are several (the
	// packets of a mapping whose checksum failed); Packet is the first.
	Packets []uint64
}

// Observer receives the model's events, synchronously, in capture order.
type Observer interface {
	Observe(e *Event)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(e *Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e *Event) { f(e) }
