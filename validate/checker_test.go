package validate

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/reassembly"
)

func TestCheckerMergesAndCites(t *testing.T) {
	v0 := &reassembly.Connection{ID: 1, Version: 0}
	v1 := &reassembly.Connection{ID: 2, Version: 1}
	join := &reassembly.Subflow{ID: 1, Conn: v1, Join: true}
	v1.Subflows = []*reassembly.Subflow{{Conn: v1}, join}
	c := NewChecker()
	// Fifty SYNs with the same unknown token are one finding.
	for i := uint64(1); i <= 50; i++ {
		c.Observe(&reassembly.Event{Kind: reassembly.EventJoinUnknownToken, Packet: 100 + i, Token: 0xabcd, Subflow: &reassembly.Subflow{Join: true}})
	}
	c.Observe(&reassembly.Event{Kind: reassembly.EventKeyMismatch, Packet: 7, Conn: v0, Side: reassembly.Server, Want: 1, Got: 2})
	c.Observe(&reassembly.Event{Kind: reassembly.EventJoinHMACInvalid, Packet: 9, Conn: v1, Subflow: join, Check: reassembly.CheckAck})
	c.Observe(&reassembly.Event{Kind: reassembly.EventOptionMalformed, Packet: 3, OptionError: &decode.OptionError{Subtype: decode.SubtypeDSS, Err: decode.ErrMalformed}})
	got := c.Findings()
	if len(got) != 4 {
		t.Fatalf("%d findings, want 4: %+v", len(got), got)
	}
	want := []struct {
		code    Code
		sev     Severity
		rfc     string
		conn    int
		subflow int
		first   uint64
		count   int
		npkts   int
	}{
		{CodeOptionMalformed, SeverityError, "RFC 8684 §3", 0, -1, 3, 1, 1},
		{CodeKeyEchoMismatch, SeverityError, "RFC 6824 §3.1", 1, -1, 7, 1, 1},
		{CodeJoinHMACInvalid, SeverityError, "RFC 8684 §3.2", 2, 1, 9, 1, 1},
		{CodeJoinUnknownToken, SeverityWarning, "RFC 8684 §3.2", 0, -1, 101, 50, MaxPacketsPerFinding},
	}
	for i, w := range want {
		f := got[i]
		if f.Code != w.code || f.Severity != w.sev || f.RFC != w.rfc || f.Connection != w.conn || f.Subflow != w.subflow ||
			f.Packets[0] != w.first || f.Count != w.count || len(f.Packets) != w.npkts {
			t.Errorf("finding %d: %+v, want %+v", i, f, w)
		}
	}
	for _, r := range Rules() {
		if (r.Code != CodeCapReached && (r.RFC == "" || r.RFC6824 == "")) || r.Summary == "" || r.Severity == 0 {
			t.Errorf("rule %s is incomplete", r.Code)
		}
	}
}

// Findings that tie on severity, packets, code and message (the
// reinjection summaries of a capture's end) come out in connection order,
// whatever the order they were raised in.
func TestFindingsOrderIsStable(t *testing.T) {
	conns := []*reassembly.Connection{{ID: 3, Version: 1}, {ID: 1, Version: 1}, {ID: 2, Version: 1}, {ID: 1, Partial: true, Version: 1}}
	for _, order := range [][]int{{0, 1, 2, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}} {
		c := NewChecker()
		for _, i := range order {
			c.Observe(&reassembly.Event{Kind: reassembly.EventReinjection, Conn: conns[i], Side: reassembly.Server, Count: 10})
		}
		var got []string
		for _, f := range c.Findings() {
			got = append(got, fmt.Sprintf("c%d/p%d", f.Connection, f.Partial))
		}
		if s := strings.Join(got, " "); s != "c1/p0 c2/p0 c3/p0 c0/p1" {
			t.Fatalf("raised in order %v: %s", order, s)
		}
	}
}
