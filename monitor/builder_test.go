package monitor

import (
	"testing"
	"time"

	"github.com/mptcpdump/mptcpdump/report"
)

func doc(c2s, s2c, sub0, sub1 uint64) *report.Document {
	c := report.Connection{ID: 7, ClientState: "M_ESTABLISHED", ServerState: "M_ESTABLISHED", Close: "unfinished",
		PayloadBytes: report.Bytes{C2S: c2s, S2C: s2c},
		Subflows: []report.Subflow{
			{ID: 0, PayloadBytes: report.Bytes{C2S: sub0}},
			{ID: 1, Join: true, PayloadBytes: report.Bytes{S2C: sub1}},
		}}
	return &report.Document{
		Capture:     report.Capture{Frames: 10, MPTCPSegments: 8},
		Connections: []report.Connection{c},
		Findings: []report.Finding{
			{Code: "join-hmac-invalid", Severity: "error", Connection: 7},
			{Code: "subflow-reset", Severity: "info", Connection: 7},
			{Code: "join-unknown-token", Severity: "warning"},
		},
	}
}

// Rates are bytes per second of packet time between two snapshots.
func TestBuilderRates(t *testing.T) {
	b := &Builder{Source: "eth0", Live: true}
	t0 := time.Unix(1000, 0)
	s1 := b.Build(doc(1000, 500, 1000, 500), t0, false)
	if r := s1.Connections[0]; r.RateC2S != 0 || r.RateS2C != 0 || r.Findings != 2 || r.Errors != 1 {
		t.Errorf("first snapshot: %+v", r)
	}
	s2 := b.Build(doc(3000, 1500, 2500, 1000), t0.Add(500*time.Millisecond), true)
	r := s2.Connections[0]
	if r.RateC2S != 4000 || r.RateS2C != 2000 || r.SubflowRates[0] != 3000 || r.SubflowRates[1] != 1000 {
		t.Errorf("rates %v %v %v", r.RateC2S, r.RateS2C, r.SubflowRates)
	}
	if !s2.Done || !s2.Live || s2.Source != "eth0" || s2.Frames != 10 || s2.MPTCPPackets != 8 || len(s2.Findings) != 3 {
		t.Errorf("snapshot %+v", s2)
	}
	// The packet clock standing still gives no rate, not a division by zero.
	s3 := b.Build(doc(9000, 1500, 2500, 1000), t0.Add(500*time.Millisecond), true)
	if s3.Connections[0].RateC2S != 0 {
		t.Errorf("rate with no elapsed time: %v", s3.Connections[0].RateC2S)
	}
}

func TestConnectionState(t *testing.T) {
	for _, tc := range []struct {
		c    report.Connection
		want string
	}{
		{report.Connection{ClientState: "M_ESTABLISHED", ServerState: "M_ESTABLISHED", Close: "unfinished"}, "open"},
		{report.Connection{ClientState: "M_FIN_WAIT_1", ServerState: "M_CLOSE_WAIT", Close: "unfinished"}, "closing"},
		{report.Connection{ClientState: "M_CLOSED", ServerState: "M_CLOSED", Close: "data-fin"}, "closed"},
		{report.Connection{ClientState: "M_CLOSED", ServerState: "M_CLOSED", Close: "fastclose"}, "fastclose"},
		{report.Connection{Close: "reset"}, "reset"},
		{report.Connection{Fallback: true, Close: "unfinished"}, "fallback"},
		{report.Connection{ClientState: "M_SYN_SENT", ServerState: "M_SYN_SENT", Close: "unfinished"}, "connecting"},
	} {
		c := Connection{Connection: tc.c}
		if got := c.State(); got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.c, got, tc.want)
		}
	}
}

func TestEventsCapped(t *testing.T) {
	d := doc(0, 0, 0, 0)
	for i := 0; i < MaxEvents+10; i++ {
		d.Events = append(d.Events, report.Event{Packet: uint64(i)})
	}
	s := (&Builder{}).Build(d, time.Time{}, false)
	if len(s.Events) != MaxEvents || s.Events[0].Packet != 10 {
		t.Errorf("%d events, first %d", len(s.Events), s.Events[0].Packet)
	}
}
