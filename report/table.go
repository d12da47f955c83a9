package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// maxTableEvents caps the events the verbose table lists.
const maxTableEvents = 200

// TableOptions select what the summary shows.
type TableOptions struct {
	Verbose bool // one row per subflow under each connection
}

func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
}

// WriteTable prints the human summary of doc: one row per connection (and
// per subflow with Verbose), the joins that matched no connection, and the
// findings.
func WriteTable(w io.Writer, doc *Document, opt TableOptions) error {
	ew := &errWriter{w: w}
	c := doc.Capture
	fmt.Fprintf(ew, "%s: %d frames, %d TCP segments, %d with MPTCP options, %d MPTCP connections\n",
		c.File, c.Frames, c.TCPSegments, c.MPTCPSegments, len(doc.Connections))
	if c.Warning != "" {
		fmt.Fprintf(ew, "warning: %s\n", c.Warning)
	}
	if len(doc.Connections) > 0 {
		t := newTable(ew)
		t.Header("ID", "VER", "CLIENT", "SERVER", "SUBFLOWS", "DATA c2s/s2c", "STREAMS", "REINJ", "DSS CSUM", "DURATION")
		for _, cn := range doc.Connections {
			ver := "v" + strconv.Itoa(cn.Version)
			if cn.Fallback {
				ver += " TCP"
			}
			t.Append(strconv.Itoa(cn.ID), ver, cn.Client, cn.Server, subflowSummary(cn),
				humanBytes(cn.C2S.Bytes)+"/"+humanBytes(cn.S2C.Bytes), streamState(cn.C2S)+"/"+streamState(cn.S2C),
				humanBytes(cn.C2S.ReinjectedBytes+cn.S2C.ReinjectedBytes), checksumState(cn), fmt.Sprintf("%.3fs", cn.Duration))
			if opt.Verbose {
				for _, sf := range cn.Subflows {
					role := "initial"
					if sf.Join {
						role = "join " + sf.HMAC
						if sf.Backup {
							role += " backup"
						}
					}
					t.Append(fmt.Sprintf("  %d.%d", cn.ID, sf.ID), role, sf.Client, sf.Server, sf.State,
						humanBytes(sf.PayloadBytes.C2S)+"/"+humanBytes(sf.PayloadBytes.S2C), strconv.FormatUint(sf.Packets, 10)+" pkts", "", "", "")
				}
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(doc.Unlinked) > 0 {
		fmt.Fprintf(ew, "\n%d join(s) matched no connection:\n", len(doc.Unlinked))
		t := newTable(ew)
		t.Header("#", "CLIENT", "SERVER", "TOKEN", "STATE", "FIRST PACKET")
		for i, sf := range doc.Unlinked {
			if i == 20 && !opt.Verbose {
				t.Append("…", fmt.Sprintf("%d more (-v shows all)", len(doc.Unlinked)-20), "", "", "", "")
				break
			}
			t.Append(strconv.Itoa(sf.ID), sf.Client, sf.Server, sf.Token, sf.State, strconv.FormatUint(sf.FirstPacket, 10))
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if opt.Verbose && len(doc.Events) > 0 {
		fmt.Fprintf(ew, "\nevents:\n")
		for i, e := range doc.Events {
			if i == maxTableEvents {
				fmt.Fprintf(ew, "  … %d more (--json has them all)\n", len(doc.Events)-maxTableEvents)
				break
			}
			fmt.Fprintf(ew, "  %7d  conn %-4d %-19s %s\n", e.Packet, e.Connection, e.Type, e.Detail)
		}
	}
	if len(doc.Findings) > 0 {
		fmt.Fprintf(ew, "\nfindings:\n")
		for _, f := range doc.Findings {
			where := ""
			if f.Connection != 0 {
				where = fmt.Sprintf(" conn %d", f.Connection)
			}
			fmt.Fprintf(ew, "  %-7s %s%s: %s [%s] packets %s\n", f.Severity, f.Code, where, f.Message, f.RFC, packetList(f.Packets, f.Count))
		}
	}
	return ew.err
}

// streamState says in one word how a data-level stream ended.
func streamState(s Stream) string {
	switch {
	case s.Bytes == 0 && !s.DataFIN:
		return "-"
	case s.Complete && s.DataFIN:
		return "fin"
	case s.Complete:
		return "ok"
	}
	return "gaps"
}

func checksumState(c Connection) string {
	if !c.Checksums {
		return "off"
	}
	v := c.C2S.Checksum.Verified + c.S2C.Checksum.Verified
	f := c.C2S.Checksum.Failed + c.S2C.Checksum.Failed
	u := c.C2S.Checksum.Unverifiable + c.S2C.Checksum.Unverifiable
	out := fmt.Sprintf("%d ok", v)
	if f > 0 {
		out += fmt.Sprintf(", %d BAD", f)
	}
	if u > 0 {
		out += fmt.Sprintf(", %d ?", u)
	}
	return out
}

func subflowSummary(c Connection) string {
	joins, valid := 0, 0
	for _, sf := range c.Subflows {
		if sf.Join {
			joins++
			if sf.HMAC == "valid" {
				valid++
			}
		}
	}
	if joins == 0 {
		return strconv.Itoa(len(c.Subflows))
	}
	return fmt.Sprintf("%d (%d/%d joins valid)", len(c.Subflows), valid, joins)
}

func packetList(p []uint64, count int) string {
	s := make([]string, len(p))
	for i, n := range p {
		s[i] = strconv.FormatUint(n, 10)
	}
	out := strings.Join(s, ",")
	if count > len(p) {
		out += fmt.Sprintf(" (%d in all)", count)
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// humanBytes prints a byte count with a binary unit.
func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatUint(n, 10) + "B"
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// errWriter keeps the first write error, so printing code checks once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
