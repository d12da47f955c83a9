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
	Raw     bool // exact byte counts and durations
	// Width is the terminal's width in columns; below WideTable the
	// connections table drops its borders and secondary columns to fit.
	// 0 means unknown (not a terminal): the full table.
	Width int
}

// WideTable is the width from which the full connections table is shown.
const WideTable = 140

// compactTable is a borderless table for narrow terminals.
func compactTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off}, Lines: tw.Lines{ShowHeaderLine: tw.Off}},
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: " "}),
	)
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
		if err := connectionsTable(ew, doc, opt); err != nil {
			return err
		}
	}
	if len(doc.Partial) > 0 {
		fmt.Fprintf(ew, "\n%d partial connection(s), whose handshake the capture missed (keys unknown):\n", len(doc.Partial))
		for i, p := range doc.Partial {
			if i == 20 && !opt.Verbose {
				fmt.Fprintf(ew, "  … %d more (-v shows all)\n", len(doc.Partial)-20)
				break
			}
			how := "running when the capture started"
			if p.ServerToken != "" {
				how = "joins with token " + p.ServerToken
			}
			fmt.Fprintf(ew, "  p%d %s ⇄ %s  %d subflow(s), %s; data %s/%s from the first mapping seen\n", p.ID, p.Client, p.Server,
				len(p.Subflows), how, humanBytes(p.C2S.Bytes), humanBytes(p.S2C.Bytes))
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
			fmt.Fprintf(ew, "  %7d  conn %-4s %-19s %s\n", e.Packet, KeyLabel(e.Key()), e.Type, e.Detail)
		}
	}
	if len(doc.Findings) > 0 {
		fmt.Fprintf(ew, "\nfindings:\n")
		for _, f := range doc.Findings {
			where := ""
			if k := f.Key(); k != 0 {
				where = " conn " + KeyLabel(k)
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

// connectionsTable prints one row per connection (and per subflow with
// Verbose): the full table on wide terminals and in files, a borderless
// one with the essential columns on narrow terminals (80 columns hold an
// IPv4 connection).
func connectionsTable(w io.Writer, doc *Document, opt TableOptions) error {
	size := func(n uint64) string {
		if opt.Raw {
			return strconv.FormatUint(n, 10)
		}
		return humanBytes(n)
	}
	dur := func(s float64) string {
		if opt.Raw {
			return strconv.FormatFloat(s, 'f', 9, 64)
		}
		return humanDuration(s)
	}
	compact := opt.Width > 0 && opt.Width < WideTable
	var t *tablewriter.Table
	if compact {
		t = compactTable(w)
		t.Header("ID", "VER", "CLIENT", "SERVER", "SUBFL", "DATA c2s/s2c", "END", "FIND")
	} else {
		t = newTable(w)
		t.Header("ID", "VER", "CLIENT", "SERVER", "SUBFLOWS", "DATA c2s/s2c", "STREAMS", "REINJ", "DSS CSUM", "CLOSE", "FINDINGS", "DURATION")
	}
	findings := map[int]int{}
	for _, f := range doc.Findings {
		findings[f.Connection]++
	}
	for _, cn := range doc.Connections {
		ver := "v" + strconv.Itoa(cn.Version)
		if cn.Fallback {
			ver += " TCP"
		}
		data := size(cn.C2S.Bytes) + "/" + size(cn.S2C.Bytes)
		if compact {
			t.Append(strconv.Itoa(cn.ID), ver, cn.Client, cn.Server, compactSubflows(cn), data, cn.Close, strconv.Itoa(findings[cn.ID]))
		} else {
			t.Append(strconv.Itoa(cn.ID), ver, cn.Client, cn.Server, subflowSummary(cn), data,
				streamState(cn.C2S)+"/"+streamState(cn.S2C), size(cn.C2S.ReinjectedBytes+cn.S2C.ReinjectedBytes),
				checksumState(cn), cn.Close, strconv.Itoa(findings[cn.ID]), dur(cn.Duration))
		}
		if !opt.Verbose {
			continue
		}
		for _, sf := range cn.Subflows {
			role := "initial"
			if sf.Join {
				role = "join " + sf.HMAC
				if sf.Backup {
					role += " backup"
				}
			}
			bytes := size(sf.PayloadBytes.C2S) + "/" + size(sf.PayloadBytes.S2C)
			id := fmt.Sprintf("  %d.%d", cn.ID, sf.ID)
			if compact {
				t.Append(id, "", sf.Client, sf.Server, "", bytes, sf.State, "")
			} else {
				t.Append(id, role, sf.Client, sf.Server, sf.State, bytes, strconv.FormatUint(sf.Packets, 10)+" pkts", "", "", "", "", "")
			}
		}
	}
	return t.Render()
}

// compactSubflows is "2" or "2/1✓": subflows, and valid joins when there
// are joins ("!" when one is invalid).
func compactSubflows(c Connection) string {
	joins, valid, invalid := 0, 0, 0
	for _, sf := range c.Subflows {
		if sf.Join {
			joins++
			switch sf.HMAC {
			case "valid":
				valid++
			case "invalid":
				invalid++
			}
		}
	}
	out := strconv.Itoa(len(c.Subflows))
	switch {
	case invalid > 0:
		out += "!"
	case joins > 0 && valid == joins:
		out += "✓"
	}
	return out
}

// humanDuration prints seconds as ms below one second, with a unit.
func humanDuration(s float64) string {
	switch {
	case s < 1e-3:
		return fmt.Sprintf("%.0fµs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.1fms", s*1e3)
	case s < 120:
		return fmt.Sprintf("%.2fs", s)
	case s < 7200:
		return fmt.Sprintf("%.1fmin", s/60)
	}
	return fmt.Sprintf("%.1fh", s/3600)
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
