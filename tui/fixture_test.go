package tui

import (
	"time"

	"github.com/mptcpdump/mptcpdump/monitor"
	"github.com/mptcpdump/mptcpdump/report"
)

func intp(i int) *int { return &i }

// fixture is a snapshot of three connections whose values differ in every
// column, so each sort order is unambiguous:
//
//	ID  VER CLIENT           SERVER            SUBFLOWS  STATE   C2S   C2S RATE  S2C   S2C RATE  FINDINGS
//	1   v1  10.0.0.10:40000  10.0.0.200:443    2 (1 ok)  open    3000  100       50*   7         1 (1 error)
//	2   v0  10.0.0.9:1000    192.168.0.1:80    1         closed  10*   300       9000  1         0
//	37  v1  192.168.1.1:5    10.0.0.2:8080     3 (1/2)   reset   500   0         20    5000      2 (warnings)
//
// (* from the subflows' TCP payload: the data-level stream is empty.)
func fixture() *monitor.Snapshot {
	established := func(c *report.Connection) {
		c.ClientState, c.ServerState, c.Close = "M_ESTABLISHED", "M_ESTABLISHED", "unfinished"
	}
	a := monitor.Connection{Connection: report.Connection{
		ID: 1, Version: 1, Client: "10.0.0.10:40000", Server: "10.0.0.200:443",
		ClientKey: "0123456789abcdef", ServerKey: "fedcba9876543210", ClientToken: "01234567", ServerToken: "89abcdef",
		PayloadBytes: report.Bytes{C2S: 2900, S2C: 50},
		C2S:          report.Stream{Bytes: 3000, Complete: true},
		Subflows: []report.Subflow{
			{ID: 0, Client: "10.0.0.10:40000", Server: "10.0.0.200:443", Initiator: "client", State: "established",
				PayloadBytes: report.Bytes{C2S: 2000, S2C: 50}, Packets: 12},
			{ID: 1, Client: "10.0.1.10:40001", Server: "10.0.0.200:443", Initiator: "client", Join: true, HMAC: "valid",
				Backup: true, State: "established", PayloadBytes: report.Bytes{C2S: 900}, Packets: 7},
		},
	}, RateC2S: 100, RateS2C: 7, SubflowRates: []float64{60, 40}, Findings: 1, Errors: 1}
	established(&a.Connection)

	b := monitor.Connection{Connection: report.Connection{
		ID: 2, Version: 0, Client: "10.0.0.9:1000", Server: "192.168.0.1:80",
		ClientState: "M_CLOSED", ServerState: "M_CLOSED", Close: "data-fin",
		PayloadBytes: report.Bytes{C2S: 10, S2C: 8000},
		S2C:          report.Stream{Bytes: 9000},
		Subflows: []report.Subflow{
			{ID: 0, Client: "10.0.0.9:1000", Server: "192.168.0.1:80", Initiator: "client", State: "closed"},
		},
	}, RateC2S: 300, RateS2C: 1, SubflowRates: []float64{0}}

	c := monitor.Connection{Connection: report.Connection{
		ID: 37, Version: 1, Client: "192.168.1.1:5", Server: "10.0.0.2:8080", Close: "reset",
		C2S: report.Stream{Bytes: 500}, S2C: report.Stream{Bytes: 20},
		Subflows: []report.Subflow{
			{ID: 0, Client: "192.168.1.1:5", Server: "10.0.0.2:8080", State: "reset", ResetBy: "server"},
			{ID: 1, Client: "172.16.0.7:5555", Server: "10.0.0.2:8080", Join: true, HMAC: "valid"},
			{ID: 2, Client: "172.16.0.8:5556", Server: "10.0.0.2:8080", Join: true, HMAC: "invalid"},
		},
	}, RateS2C: 5000, Findings: 2}

	return &monitor.Snapshot{
		Source: "lab[1].pcap", Time: time.Date(2025, 3, 1, 12, 0, 1, 500e6, time.UTC),
		Frames: 1234567, MPTCPPackets: 4321,
		Connections: []monitor.Connection{a, b, c},
		Findings: []report.Finding{
			{Code: "join-hmac-warning", Severity: "warning", Connection: 37, Subflow: intp(2), Packets: []uint64{40}, Count: 1, Message: "second"},
			{Code: "dss-checksum-invalid", Severity: "error", Connection: 1, Packets: []uint64{9, 10, 11, 12}, Count: 6, Message: "checksum [bad] on mapping"},
			{Code: "option-info", Severity: "info", Connection: 37, Packets: []uint64{30}, Count: 1, Message: "first"},
		},
		Events: []report.Event{
			{Time: "2025-03-01T12:00:00.1Z", Packet: 3, Connection: 1, Subflow: intp(0), Type: "subflow-established", Detail: "initial subflow"},
			{Time: "2025-03-01T12:00:00.2Z", Packet: 8, Connection: 37, Subflow: intp(0), Type: "subflow-reset", Side: "server", Detail: "reset"},
			{Time: "2025-03-01T12:00:00.3Z", Packet: 9, Connection: 1, Subflow: intp(1), Type: "mp-prio", Side: "client", Detail: "backup"},
		},
	}
}
