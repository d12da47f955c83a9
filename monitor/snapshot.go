package monitor

import (
	"strconv"
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
	report.Connection
	// Key identifies the row: the connection's id, or minus the id of a
	// partial connection (whose handshake the capture missed), since the
	// two are numbered apart.
	Key int
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

// Label is how the UI names the connection: its id, or "p" and the id for
// a partial connection, as the summary table does.
func (c *Connection) Label() string { return Label(c.Key) }

// Label names a row key: "3" for connection 3, "p3" for partial
// connection 3.
func Label(key int) string {
	if key < 0 {
		return "p" + strconv.Itoa(-key)
	}
	return strconv.Itoa(key)
}

// FindingKey is the row key of the connection a finding is about (0 for
// none).
func FindingKey(f *report.Finding) int {
	if f.Partial > 0 {
		return -f.Partial
	}
	return f.Connection
}

// EventKey is the row key of the connection of an event.
func EventKey(e *report.Event) int {
	if e.Partial > 0 {
		return -e.Partial
	}
	return e.Connection
}
