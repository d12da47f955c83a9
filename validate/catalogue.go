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
