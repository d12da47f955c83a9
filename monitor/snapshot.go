package monitor

import (
	"time"

	"github.com/mptcpdump/mptcpdump/report"
)

// Snapshot is everything the UI shows at one moment. It shares nothing
// with the analysis: the UI may keep and read it from any goroutine.
type Snapshot struct {
	Source string    // the file or interface being analyzed
	Live   bool      // capturing from an interface
	Done   bool      // the capture ended (file read, or capture stopped)
	Time   time.Time // packet time of the last packet seen

	Frames       uint64 // frames read
	MPTCPPackets uint64 // segments with MPTCP options
	KernelDrops  uint64 // live: packets the kernel dropped
	Evicted      int    // closed connections aged out to bound memory

	Connections []Connection
	Unlinked    []report.Subflow
	Findings    []report.Finding
	Events      []report.Event // the most recent timeline events, oldest first (at most MaxEvents)
}

// MaxEvents caps the events a snapshot carries.
const MaxEvents = 1000

// Connection is one row of the connections table, with what the detail
// view needs.
type Connection struct {
	report.Connection // Key() identifies the row (partial connections too)
	// RateC2S and RateS2C are TCP payload bytes per second of packet time
	// since the previous snapshot, summed over the subflows.
	RateC2S, RateS2C float64
	// SubflowRates are the same per subflow (index = subflow id), both
	// directions summed.
	SubflowRates []float64
	// Findings counts the findings about this connection; Errors those of
	// severity error.
	Findings, Errors int
}

// State summarizes a connection in one word for the table: "open",
// "closing", "closed", "reset", "fastclose", "fallback".
func (c *Connection) State() string {
	switch {
	case c.Close == "fastclose":
		return "fastclose"
	case c.Close == "reset":
		return "reset"
	case c.Fallback:
		if c.Close == "unfinished" {
			return "fallback"
		}
		return "closed"
	case c.ClientState == "M_CLOSED" && c.ServerState == "M_CLOSED":
		return "closed"
	case c.ClientState == "M_ESTABLISHED" && c.ServerState == "M_ESTABLISHED":
		return "open"
	case c.ClientState == "M_SYN_SENT":
		return "connecting"
	}
	return "closing"
}
