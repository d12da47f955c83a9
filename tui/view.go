package tui

import (
	"cmp"
	"net/netip"
	"strings"

	"github.com/mptcpdump/mptcpdump/monitor"
)

// page names what fills the screen between the header and the footer.
type page int

const (
	pageConnections page = iota // the connections table
	pageDetail                  // one connection
	pageFindings                // all findings
)

func (p page) name() string {
	switch p {
	case pageDetail:
		return "detail"
	case pageFindings:
		return "findings"
	}
	return "connections"
}

// viewState is what the user chose to look at: everything, besides the
// snapshot, that the rendered rows depend on. The UI goroutine changes it
// on key presses; the renderer reads a copy.
type viewState struct {
	page     page
	back     page   // where Esc leaves the detail view for
	detailID int    // the connection the detail view shows
	sort     column // the connections table's sort column
	desc     bool   // sort descending
	filter   string // the filter text as typed
}

func defaultView() viewState {
	return viewState{page: pageConnections, back: pageConnections, sort: colID}
}

// column is a column of the connections table.
type column int

const (
	colID column = iota
	colVersion
	colClient
	colServer
	colSubflows
	colState
	colC2S
	colC2SRate
	colS2C
	colS2CRate
	colFindings
	numColumns
)

func (c column) title() string {
	switch c {
	case colID:
		return "ID"
	case colVersion:
		return "VER"
	case colClient:
		return "CLIENT"
	case colServer:
		return "SERVER"
	case colSubflows:
		return "SUBFLOWS"
	case colState:
		return "STATE"
	case colC2S:
		return "C2S"
	case colC2SRate:
		return "C2S RATE"
	case colS2C:
		return "S2C"
	case colS2CRate:
		return "S2C RATE"
	case colFindings:
		return "FINDINGS"
	}
	return "?"
}

// numeric columns count something; chosen with s, < or >, they sort
// largest first: the busiest or most troubled connections are the ones
// worth a look.
func (c column) numeric() bool {
	switch c {
	case colSubflows, colC2S, colC2SRate, colS2C, colS2CRate, colFindings:
		return true
	}
	return false
}

// alignRight tells the columns holding one number each.
func (c column) alignRight() bool {
	return c == colID || (c.numeric() && c != colSubflows)
}

// next moves the sort column by delta, wrapping around.
func (c column) next(delta int) column {
	n := int(numColumns)
	return column(((int(c)+delta)%n + n) % n)
}

// compare orders two connections by column c, ascending.
func (c column) compare(a, b *monitor.Connection) int {
	switch c {
	case colVersion:
		return cmp.Compare(a.Version, b.Version)
	case colClient:
		return compareAddr(a.Client, b.Client)
	case colServer:
		return compareAddr(a.Server, b.Server)
	case colSubflows:
		av, at := joins(a)
		bv, bt := joins(b)
		return cmp.Or(cmp.Compare(len(a.Subflows), len(b.Subflows)), cmp.Compare(at, bt), cmp.Compare(av, bv))
	case colState:
		return strings.Compare(a.State(), b.State())
	case colC2S:
		return cmp.Compare(c2sBytes(a), c2sBytes(b))
	case colC2SRate:
		return cmp.Compare(a.RateC2S, b.RateC2S)
	case colS2C:
		return cmp.Compare(s2cBytes(a), s2cBytes(b))
	case colS2CRate:
		return cmp.Compare(a.RateS2C, b.RateS2C)
	case colFindings:
		return cmp.Or(cmp.Compare(a.Errors, b.Errors), cmp.Compare(a.Findings, b.Findings))
	}
	return keyOrder(a.Key(), b.Key())
}

// keyOrder puts connections before partial connections, each by id.
func keyOrder(a, b int) int {
	partial := func(k int) int {
		if k < 0 {
			return 1
		}
		return 0
	}
	return cmp.Or(cmp.Compare(partial(a), partial(b)), cmp.Compare(max(a, -a), max(b, -b)))
}

// compareAddr orders "ip:port" strings by address then port when both
// parse, so 10.0.0.9 comes before 10.0.0.10; otherwise as text.
func compareAddr(a, b string) int {
	ap, aok := parseAddrPort(a)
	bp, bok := parseAddrPort(b)
	if aok && bok {
		return cmp.Or(ap.Addr().Compare(bp.Addr()), cmp.Compare(ap.Port(), bp.Port()))
	}
	return strings.Compare(a, b)
}

func parseAddrPort(s string) (netip.AddrPort, bool) {
	ap, err := netip.ParseAddrPort(s)
	return ap, err == nil
}

// joins counts a connection's MP_JOIN subflows and those whose HMAC
// verified.
func joins(c *monitor.Connection) (valid, total int) {
	for i := range c.Subflows {
		if c.Subflows[i].Join {
			total++
			if c.Subflows[i].HMAC == "valid" {
				valid++
			}
		}
	}
	return valid, total
}

// c2sBytes is the data sent by the client: the data-level stream when it
// was reassembled, else the TCP payload summed over the subflows.
func c2sBytes(c *monitor.Connection) uint64 {
	if c.C2S.Bytes > 0 {
		return c.C2S.Bytes
	}
	return c.PayloadBytes.C2S
}

// s2cBytes is c2sBytes the other way.
func s2cBytes(c *monitor.Connection) uint64 {
	if c.S2C.Bytes > 0 {
		return c.S2C.Bytes
	}
	return c.PayloadBytes.S2C
}

// connectionMatcher compiles the filter text into a predicate, once per
// render: a connection passes when its client, server, ID, state or any
// subflow address contains the text, ignoring case. Empty text passes
// everything.
func connectionMatcher(text string) func(*monitor.Connection) bool {
	needle := strings.ToLower(strings.TrimSpace(text))
	if needle == "" {
		return func(*monitor.Connection) bool { return true }
	}
	has := func(s string) bool { return strings.Contains(strings.ToLower(s), needle) }
	return func(c *monitor.Connection) bool {
		if has(c.Client) || has(c.Server) || has(c.Label()) || has(c.State()) {
			return true
		}
		for i := range c.Subflows {
			if has(c.Subflows[i].Client) || has(c.Subflows[i].Server) {
				return true
			}
		}
		return false
	}
}
