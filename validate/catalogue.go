package validate

// Severity ranks findings.
type Severity uint8

// Severities, most serious first.
const (
	SeverityError   Severity = iota + 1 // a protocol violation or a failed proof
	SeverityWarning                     // legal but usually a problem
	SeverityInfo                        // notable, not a problem
)

func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityInfo:
		return "info"
	}
	return "unknown"
}

// Code is a finding's stable identifier.
type Code string

// Rule describes one kind of finding.
type Rule struct {
	Code     Code
	Severity Severity
	RFC      string // the RFC 8684 (v1) section the rule rests on
	RFC6824  string // the same rule in RFC 6824, for v0 connections
	Summary  string
}

// The catalogue. Codes are stable: tools match on them.
const (
	CodeJoinHMACInvalid        Code = "join-hmac-invalid"
	CodeJoinUnknownToken       Code = "join-unknown-token"
	CodeKeyEchoMismatch        Code = "key-echo-mismatch"
	CodeOptionMalformed        Code = "option-malformed"
	CodeHandshakeFallback      Code = "handshake-fallback"
	CodeJoinRefused            Code = "join-refused"
	CodeChecksumInvalid        Code = "dss-checksum-invalid"
	CodeChecksumMissing        Code = "dss-checksum-missing"
	CodeMappingInconsistent    Code = "mapping-inconsistent"
	CodeReinjectionMismatch    Code = "reinjection-mismatch"
	CodeRetransmissionMismatch Code = "retransmission-mismatch"
	CodeFallback               Code = "fallback"
	CodeMPFail                 Code = "mp-fail"
	CodeCapReached             Code = "cap-reached"
	CodeAddAddrHMACInvalid     Code = "add-addr-hmac-invalid"
	CodeAddAddrHMACLegacy      Code = "add-addr-hmac-legacy"
	CodeRemoveAddrUnknown      Code = "remove-addr-unknown"
	CodeFastCloseKeyMismatch   Code = "fastclose-key-mismatch"
	CodeMPCapableUnexpected    Code = "mp-capable-unexpected"
	CodeVersionMismatch        Code = "version-mismatch"
	CodeDataACKUnsent          Code = "data-ack-unsent"
	CodeDataFINInconsistent    Code = "data-fin-inconsistent"
	CodeSubflowReset           Code = "subflow-reset"
	CodeFastClose              Code = "fastclose"
	CodeReinjection            Code = "reinjection"
	CodeTokenCollision         Code = "token-collision"
	CodeOptionTruncated        Code = "option-truncated"
)

var rules = map[Code]Rule{
	CodeJoinHMACInvalid: {CodeJoinHMACInvalid, SeverityError, "RFC 8684 §3.2", "RFC 6824 §3.2",
		"an MP_JOIN HMAC does not match the connection's keys and the join's nonces"},
	CodeJoinUnknownToken: {CodeJoinUnknownToken, SeverityWarning, "RFC 8684 §3.2", "RFC 6824 §3.2",
		"an MP_JOIN SYN carries a token that matches no connection in the capture"},
	CodeKeyEchoMismatch: {CodeKeyEchoMismatch, SeverityError, "RFC 8684 §3.1", "RFC 6824 §3.1",
		"an MP_CAPABLE carries a key different from the one the endpoint announced"},
	CodeOptionMalformed: {CodeOptionMalformed, SeverityError, "RFC 8684 §3", "RFC 6824 §3",
		"an MPTCP option that cannot be decoded"},
	CodeHandshakeFallback: {CodeHandshakeFallback, SeverityWarning, "RFC 8684 §3.7", "RFC 6824 §3.6",
		"the MP_CAPABLE handshake ended as plain TCP"},
	CodeJoinRefused: {CodeJoinRefused, SeverityInfo, "RFC 8684 §3.2", "RFC 6824 §3.2",
		"a join was reset before it completed"},
	CodeChecksumInvalid: {CodeChecksumInvalid, SeverityError, "RFC 8684 §3.3.1", "RFC 6824 §3.3.1",
		"a DSS checksum does not match the mapping's pseudo-header and data"},
	CodeChecksumMissing: {CodeChecksumMissing, SeverityError, "RFC 8684 §3.3", "RFC 6824 §3.3",
		"checksums were negotiated but a DSS mapping carries none"},
	CodeMappingInconsistent: {CodeMappingInconsistent, SeverityError, "RFC 8684 §3.3.1", "RFC 6824 §3.3.1",
		"a subflow range is mapped to two different data sequence numbers"},
	CodeReinjectionMismatch: {CodeReinjectionMismatch, SeverityError, "RFC 8684 §3.3.6", "RFC 6824 §3.3.6",
		"data sent again at the data level differs from the first copy"},
	CodeRetransmissionMismatch: {CodeRetransmissionMismatch, SeverityWarning, "RFC 9293 §3.10.7.4", "RFC 9293 §3.10.7.4",
		"a TCP retransmission on a subflow carries different bytes than the first copy"},
	CodeFallback: {CodeFallback, SeverityWarning, "RFC 8684 §3.7", "RFC 6824 §3.6",
		"the connection fell back to plain TCP after the handshake"},
	CodeMPFail: {CodeMPFail, SeverityWarning, "RFC 8684 §3.7", "RFC 6824 §3.6",
		"an endpoint signalled a checksum failure with MP_FAIL"},
	CodeCapReached: {CodeCapReached, SeverityWarning, "", "",
		"a memory cap of mptcpdump was reached and data was given up"},
	CodeAddAddrHMACInvalid: {CodeAddAddrHMACInvalid, SeverityError, "RFC 8684 §3.4.1", "RFC 8684 §3.4.1",
		"a v1 ADD_ADDR HMAC does not match the sender's and receiver's keys and the address"},
	CodeAddAddrHMACLegacy: {CodeAddAddrHMACLegacy, SeverityWarning, "RFC 8684 §3.4.1", "RFC 8684 §3.4.1",
		"a v1 ADD_ADDR carries the leftmost 64 bits of its HMAC, as early Linux did, not the rightmost"},
	CodeRemoveAddrUnknown: {CodeRemoveAddrUnknown, SeverityWarning, "RFC 8684 §3.4.2", "RFC 6824 §3.4.2",
		"REMOVE_ADDR names an address ID the sender never announced nor used"},
	CodeFastCloseKeyMismatch: {CodeFastCloseKeyMismatch, SeverityError, "RFC 8684 §3.5", "RFC 6824 §3.5",
		"MP_FASTCLOSE does not carry the receiver's key"},
	CodeMPCapableUnexpected: {CodeMPCapableUnexpected, SeverityError, "RFC 8684 §3.1", "RFC 6824 §3.1",
		"MP_CAPABLE where the protocol does not allow it"},
	CodeVersionMismatch: {CodeVersionMismatch, SeverityError, "RFC 8684 §3.1", "RFC 6824 §3.1",
		"the MPTCP versions of a handshake disagree"},
	CodeDataACKUnsent: {CodeDataACKUnsent, SeverityError, "RFC 8684 §3.3.2", "RFC 6824 §3.3.2",
		"a Data ACK acknowledges data the peer never sent"},
	CodeDataFINInconsistent: {CodeDataFINInconsistent, SeverityError, "RFC 8684 §3.3.3", "RFC 6824 §3.3.3",
		"DATA_FIN announced at two different DSNs, or data mapped beyond it"},
	CodeSubflowReset: {CodeSubflowReset, SeverityInfo, "RFC 8684 §3.6", "RFC 6824 §4",
		"an established subflow was reset"},
	CodeFastClose: {CodeFastClose, SeverityInfo, "RFC 8684 §3.5", "RFC 6824 §3.5",
		"the connection was aborted with MP_FASTCLOSE"},
	CodeOptionTruncated: {CodeOptionTruncated, SeverityInfo, "RFC 8684 §3", "RFC 6824 §3",
		"MPTCP options cut by the capture's snap length"},
	CodeTokenCollision: {CodeTokenCollision, SeverityWarning, "RFC 8684 §3.2", "RFC 6824 §3.2",
		"two live connections whose keys hash to the same token"},
	CodeReinjection: {CodeReinjection, SeverityInfo, "RFC 8684 §3.3.6", "RFC 6824 §3.3.6",
		"data was sent again on another subflow (reinjection)"},
}

// RuleFor returns the catalogue entry of code c.
func RuleFor(c Code) (Rule, bool) {
	r, ok := rules[c]
	return r, ok
}

// Rules returns the whole catalogue, in no particular order.
func Rules() []Rule {
	out := make([]Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, r)
	}
	return out
}
