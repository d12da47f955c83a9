package validate

import (
	"errors"

	"cmp"
	"fmt"
	"github.com/mptcpdump/mptcpdump/decode"
	"slices"

	"github.com/mptcpdump/mptcpdump/reassembly"
)

// MaxPacketsPerFinding caps the packet numbers kept in one finding; Count
// still counts every occurrence.
const MaxPacketsPerFinding = 32

// Finding is one problem or notable fact.
type Finding struct {
	Code       Code
	Severity   Severity
	RFC        string
	Connection int      // connection id, 0 when none (or when about a partial connection)
	Partial    int      // partial connection id (Tracker.Partial), 0 when none
	Subflow    int      // subflow index in the connection, -1 when none
	Packets    []uint64 // first packets that show it, at most MaxPacketsPerFinding
	Count      int      // occurrences merged into this finding
	Message    string
}

// findingKey identifies what a finding is about, for merging repeats.
type findingKey struct {
	code    Code
	conn    *reassembly.Connection
	subflow *reassembly.Subflow
	extra   uint64
}

// Checker collects findings from a Tracker's events.
type Checker struct {
	findings []*Finding
	keys     []findingKey // keys[i] is findings[i]'s
	index    map[findingKey]*Finding
}

// NewChecker returns an empty Checker.
func NewChecker() *Checker {
	return &Checker{index: make(map[findingKey]*Finding)}
}

// Observe implements reassembly.Observer.
func (c *Checker) Observe(e *reassembly.Event) {
	switch e.Kind {
	case reassembly.EventJoinHMACInvalid:
		what := "SYN/ACK truncated HMAC"
		if e.Check == reassembly.CheckAck {
			what = "third-ACK HMAC"
		}
		msg := fmt.Sprintf("join %s: %s does not verify", joinName(e.Subflow), what)
		if e.Check == reassembly.CheckSynAck && e.Want != e.Got {
			msg += fmt.Sprintf(" (carried %016x, computed %016x)", e.Got, e.Want)
		}
		c.add(e, CodeJoinHMACInvalid, uint64(e.Check), msg)
	case reassembly.EventJoinUnknownToken:
		c.add(e, CodeJoinUnknownToken, uint64(e.Token),
			fmt.Sprintf("MP_JOIN SYN %s carries token %08x, which matches no connection", joinName(e.Subflow), e.Token))
	case reassembly.EventKeyMismatch:
		c.add(e, CodeKeyEchoMismatch, uint64(e.Side),
			fmt.Sprintf("MP_CAPABLE carries %s key %016x, but %016x was announced", e.Side, e.Got, e.Want))
	case reassembly.EventOptionMalformed:
		if errors.Is(e.OptionError, decode.ErrTruncated) {
			// The snap length cut it: not the sender's fault.
			c.add(e, CodeOptionTruncated, 0, "MPTCP options cut by the snap length: what they carried is unknown")
			break
		}
		c.add(e, CodeOptionMalformed, uint64(e.OptionError.Subtype), e.OptionError.Error())
	case reassembly.EventHandshakeFallback:
		c.add(e, CodeHandshakeFallback, 0, "connection fell back to plain TCP: "+e.Reason)
	case reassembly.EventChecksumInvalid:
		c.add(e, CodeChecksumInvalid, e.DSN, fmt.Sprintf("DSS checksum of the mapping at DSN %016x does not verify", e.DSN))
	case reassembly.EventChecksumMissing:
		c.add(e, CodeChecksumMissing, 0, fmt.Sprintf("DSS mapping at DSN %016x carries no checksum, but checksums were negotiated", e.DSN))
	case reassembly.EventMappingInconsistent:
		c.add(e, CodeMappingInconsistent, 0, fmt.Sprintf("subflow range mapped to DSN %016x, but earlier to %016x", e.Got, e.Want))
	case reassembly.EventReinjectionMismatch:
		c.add(e, CodeReinjectionMismatch, 0, fmt.Sprintf("%d bytes sent again from DSN %016x differ from the first copy", e.Count, e.DSN))
	case reassembly.EventRetransmissionMismatch:
		c.add(e, CodeRetransmissionMismatch, 0, fmt.Sprintf("a retransmission on subflow %s carries %d bytes that differ from the first copy", joinName(e.Subflow), e.Count))
	case reassembly.EventFallback:
		c.add(e, CodeFallback, 0, fmt.Sprintf("data continues as plain TCP from DSN %016x (%s)", e.DSN, e.Reason))
	case reassembly.EventMPFail:
		c.add(e, CodeMPFail, 0, fmt.Sprintf("MP_FAIL for the mapping at DSN %016x", e.DSN))
	case reassembly.EventCapReached:
		c.add(e, CodeCapReached, 0, e.Reason)
	case reassembly.EventAddAddrHMACInvalid:
		c.add(e, CodeAddAddrHMACInvalid, uint64(e.AddrID), fmt.Sprintf("ADD_ADDR from the %s announcing ID %d (%s) carries an HMAC that does not verify", e.Side, e.AddrID, addrString(e)))
	case reassembly.EventAddAddrHMACLegacy:
		c.add(e, CodeAddAddrHMACLegacy, uint64(e.AddrID), fmt.Sprintf("ADD_ADDR from the %s announcing ID %d (%s) carries the leftmost 64 bits of the HMAC instead of the rightmost, as Linux did before commit 12555a2d97e5 (May 2020): RFC 8684 peers ignore it", e.Side, e.AddrID, addrString(e)))
	case reassembly.EventRemoveAddrUnknown:
		c.add(e, CodeRemoveAddrUnknown, uint64(e.AddrID), fmt.Sprintf("REMOVE_ADDR from the %s names address ID %d, never announced nor used", e.Side, e.AddrID))
	case reassembly.EventFastCloseKeyMismatch:
		c.add(e, CodeFastCloseKeyMismatch, 0, fmt.Sprintf("MP_FASTCLOSE carries key %016x, but the %s's key is %016x", e.Got, e.Side, e.Want))
	case reassembly.EventMPCapableUnexpected:
		c.add(e, CodeMPCapableUnexpected, 0, "MP_CAPABLE "+e.Reason)
	case reassembly.EventVersionMismatch:
		c.add(e, CodeVersionMismatch, 0, e.Reason)
	case reassembly.EventDataACKUnsent:
		c.add(e, CodeDataACKUnsent, 0, fmt.Sprintf("the %s acknowledges data up to DSN %016x, but the %s sent only up to %016x", e.Side, e.Got, e.Side.Other(), e.Want))
	case reassembly.EventDataFINInconsistent:
		c.add(e, CodeDataFINInconsistent, 0, e.Reason)
	case reassembly.EventSubflowReset:
		if e.Subflow != nil && e.Subflow.Established {
			msg := fmt.Sprintf("subflow %s reset by the %s", joinName(e.Subflow), e.Side)
			if e.Reason != "" {
				msg += ": " + e.Reason
			}
			c.add(e, CodeSubflowReset, 0, msg)
		}
	case reassembly.EventFastClose:
		c.add(e, CodeFastClose, 0, fmt.Sprintf("the %s aborted the connection with MP_FASTCLOSE", e.Side))
	case reassembly.EventTokenCollision:
		c.add(e, CodeTokenCollision, uint64(e.Token), fmt.Sprintf("the %s's key hashes to token %08x, which connection %d owns too: joins carrying it go to the connection whose HMAC they prove", e.Side, e.Token, e.Want))
	case reassembly.EventReinjection:
		c.add(e, CodeReinjection, uint64(e.Side), fmt.Sprintf("%d bytes from the %s were reinjected on another subflow", e.Count, e.Side))
	case reassembly.EventJoinRefused:
		c.add(e, CodeJoinRefused, 0, fmt.Sprintf("join %s %s", joinName(e.Subflow), e.Reason))
	}
}

func addrString(e *reassembly.Event) string {
	if e.Addr.Port() == 0 {
		return e.Addr.Addr().String()
	}
	return e.Addr.String()
}

func joinName(sf *reassembly.Subflow) string {
	if sf == nil {
		return ""
	}
	return fmt.Sprintf("%s → %s", sf.Addr[reassembly.FromInitiator], sf.Addr[reassembly.FromResponder])
}

func (c *Checker) add(e *reassembly.Event, code Code, extra uint64, msg string) {
	k := findingKey{code: code, conn: e.Conn, subflow: e.Subflow, extra: extra}
	if code == CodeJoinUnknownToken {
		k.subflow = nil // one finding per unknown token, however many joins carry it
	}
	packets := e.Packets
	if len(packets) == 0 && e.Packet != 0 {
		packets = []uint64{e.Packet}
	}
	if f := c.index[k]; f != nil {
		f.Count++
		f.addPackets(packets)
		return
	}
	r := rules[code]
	if r.RFC == "" {
		r.RFC, r.RFC6824 = "mptcpdump limits (docs/architecture.md)", "mptcpdump limits (docs/architecture.md)"
	}
	f := &Finding{Code: code, Severity: r.Severity, RFC: r.RFC, Subflow: -1, Count: 1, Message: msg}
	conn := e.Conn
	if conn == nil && e.Subflow != nil {
		conn = e.Subflow.Conn
	}
	if conn != nil {
		f.Connection, f.Partial = ids(conn)
		if conn.Version == 0 {
			f.RFC = r.RFC6824
		}
	}
	if e.Subflow != nil && e.Subflow.Conn != nil && k.subflow != nil {
		f.Subflow = e.Subflow.ID
	}
	f.addPackets(packets)
	c.index[k] = f
	c.findings = append(c.findings, f)
	c.keys = append(c.keys, k)
}

func (f *Finding) addPackets(packets []uint64) {
	for _, n := range packets {
		if len(f.Packets) < MaxPacketsPerFinding && n != 0 && !slices.Contains(f.Packets, n) {
			f.Packets = append(f.Packets, n)
		}
	}
}

// Findings returns the findings sorted by severity, then by first packet,
// code, message and connection: always in the same order for the same
// capture. Connection and subflow ids are read again, since a join linked
// late changes them.
func (c *Checker) Findings() []Finding {
	out := make([]Finding, 0, len(c.findings))
	for i, f := range c.findings {
		k := c.keys[i]
		g := *f
		if k.conn != nil {
			g.Connection, g.Partial = ids(k.conn)
		} else if k.subflow != nil && k.subflow.Conn != nil {
			g.Connection, g.Partial = ids(k.subflow.Conn)
		}
		if k.subflow != nil && k.subflow.Conn != nil {
			g.Subflow = k.subflow.ID
		}
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Severity, b.Severity), cmp.Compare(first(a), first(b)), cmp.Compare(a.Code, b.Code), cmp.Compare(a.Message, b.Message),
			cmp.Compare(a.Partial, b.Partial), cmp.Compare(a.Connection, b.Connection), cmp.Compare(a.Subflow, b.Subflow))
	})
	return out
}

func first(f Finding) uint64 {
	if len(f.Packets) == 0 {
		return 0
	}
	return f.Packets[0]
}

// ids numbers a connection for a finding: connections and partial
// connections are numbered apart, so each goes in its own field.
func ids(c *reassembly.Connection) (conn, partial int) {
	if c.Partial {
		return 0, c.ID
	}
	return c.ID, 0
}
