package tui

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mptcpdump/mptcpdump/monitor"
	"github.com/mptcpdump/mptcpdump/report"
)

// The renderer: pure functions from a snapshot and a viewState to rows of
// plain strings with a semantic tone. They touch no widget, run on the
// renderer goroutine, and are what the unit tests exercise; widgets.go
// maps tones to colours and escapes the text.

// tone is the meaning of a piece of text, which the widget layer maps to a
// colour.
type tone int

const (
	toneNormal  tone = iota
	toneDim          // labels, zeros, things that are not there
	toneGood         // open, valid, live
	toneWarning      // worth a look: warnings, unverified, drops
	toneError        // something is wrong: errors, invalid, resets
	toneInfo         // informational findings
	toneAccent       // keys, the active filter and sort
	toneHeading      // table headings
)

// cell is one table cell.
type cell struct {
	text  string
	tone  tone
	right bool // right-aligned (numbers)
}

// span is a run of text in a line of text.
type span struct {
	text string
	tone tone
}

// grid is a table: a heading row, then data rows. keys identify each row
// across snapshots so the selection can follow it; conns name the
// connection each row is about (0 when none), where Enter leads.
type grid struct {
	head  []cell
	rows  [][]cell
	keys  []string
	conns []int
}

func (g *grid) add(key string, conn int, row ...cell) {
	g.rows = append(g.rows, row)
	g.keys = append(g.keys, key)
	g.conns = append(g.conns, conn)
}

// frame is everything drawn for one snapshot and view.
type frame struct {
	view     viewState
	header   []span
	footer   []span
	title    string // the connections box title
	conns    grid
	findings grid
	fTitle   string       // the findings box title
	detail   *detailFrame // only when view.page is pageDetail
}

// detailFrame is the detail view of one connection.
type detailFrame struct {
	title     string
	summary   []span
	endpoints grid
	subflows  grid
	events    grid
	findings  grid
}

func heads(titles ...string) []cell {
	out := make([]cell, len(titles))
	for i, t := range titles {
		out[i] = cell{text: t, tone: toneHeading}
	}
	return out
}

func num(n int) cell              { return cell{text: strconv.Itoa(n), right: true} }
func text(s string) cell          { return cell{text: s} }
func dim(s string) cell           { return cell{text: s, tone: toneDim} }
func toned(s string, t tone) cell { return cell{text: s, tone: t} }

// render draws a snapshot (nil before the first) for a view.
func render(s *monitor.Snapshot, v viewState) *frame {
	f := &frame{view: v}
	if s == nil {
		s = &monitor.Snapshot{}
	}
	var total int
	f.conns, total = renderConnections(s, v)
	f.findings = renderFindings(s, v.filter)
	f.title = fmt.Sprintf(" Connections %d ", total)
	if v.filter != "" {
		f.title = fmt.Sprintf(" Connections %d of %d ", len(f.conns.rows), total)
	}
	f.fTitle = fmt.Sprintf(" Findings %d ", len(s.Findings))
	if v.filter != "" {
		f.fTitle = fmt.Sprintf(" Findings %d of %d ", len(f.findings.rows), len(s.Findings))
	}
	f.header = renderHeader(s, len(f.conns.rows), total, v.filter != "")
	f.footer = renderFooter(v)
	if v.page == pageDetail {
		f.detail = renderDetail(s, v.detailID)
	}
	return f
}

// renderHeader is the status, two lines: what is analyzed and up to
// when; then how many connections and findings (errors in red), and the
// counters that say how complete the picture is.
func renderHeader(s *monitor.Snapshot, shown, total int, filtered bool) []span {
	out := []span{{"mptcpdump", toneAccent}}
	sep := func() { out = append(out, span{"  │  ", toneDim}) }
	gap := func() { out = append(out, span{"  ", toneNormal}) }
	field := func(label, value string, t tone) {
		out = append(out, span{label + " ", toneDim}, span{value, t})
	}
	sep()
	if s.Source == "" && s.Time.IsZero() && s.Frames == 0 {
		out = append(out, span{"waiting for packets…", toneDim})
		return out
	}
	out = append(out, span{orDash(s.Source), toneNormal})
	gap()
	switch {
	case s.Live && !s.Done:
		out = append(out, span{"● live", toneGood})
	case s.Live:
		out = append(out, span{"live, stopped", toneWarning})
	case !s.Done:
		out = append(out, span{"reading", toneGood})
	default:
		out = append(out, span{"offline, done", toneNormal})
	}
	sep()
	when := "-"
	if !s.Time.IsZero() {
		when = s.Time.UTC().Format("2006-01-02 15:04:05.000 UTC")
	}
	out = append(out, span{when, toneNormal})

	out = append(out, span{"\n", toneNormal})
	conns := strconv.Itoa(total)
	if filtered {
		conns = fmt.Sprintf("%d/%d", shown, total)
	}
	field("conns", conns, toneNormal)
	gap()
	var errs, warns int
	for i := range s.Findings {
		switch s.Findings[i].Severity {
		case "error":
			errs++
		case "warning":
			warns++
		}
	}
	field("findings", strconv.Itoa(len(s.Findings)), toneNormal)
	var worst []span
	if errs > 0 {
		worst = append(worst, span{plural(errs, "error"), toneError})
	}
	if warns > 0 {
		if len(worst) > 0 {
			worst = append(worst, span{", ", toneDim})
		}
		worst = append(worst, span{plural(warns, "warning"), toneWarning})
	}
	if len(worst) > 0 {
		out = append(out, span{" (", toneDim})
		out = append(out, worst...)
		out = append(out, span{")", toneDim})
	}
	sep()
	field("frames", thousands(s.Frames), toneNormal)
	gap()
	field("MPTCP", thousands(s.MPTCPPackets), toneNormal)
	gap()
	field("drops", thousands(s.KernelDrops), warnIf(s.KernelDrops > 0))
	gap()
	field("evicted", strconv.Itoa(s.Evicted), warnIf(s.Evicted > 0))
	if len(s.Unlinked) > 0 {
		gap()
		field("unlinked joins", strconv.Itoa(len(s.Unlinked)), toneWarning)
	}
	return out
}

func warnIf(b bool) tone {
	if b {
		return toneWarning
	}
	return toneNormal
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// renderFooter lists the keys that matter on the current page, then the
// active sort and filter.
func renderFooter(v viewState) []span {
	var keys [][2]string
	switch v.page {
	case pageDetail:
		keys = [][2]string{{"Esc", "back"}, {"Tab", "next table"}, {"f", "findings"}, {"?", "help"}, {"q", "quit"}}
	case pageFindings:
		keys = [][2]string{{"Enter", "connection"}, {"f/Esc", "back"}, {"/", "filter"}, {"?", "help"}, {"q", "quit"}}
	default:
		keys = [][2]string{{"q", "quit"}, {"?", "help"}, {"/", "filter"}, {"s/S", "sort"}, {"f", "findings"}, {"Enter", "details"}}
	}
	var out []span
	for i, k := range keys {
		if i > 0 {
			out = append(out, span{"  ", toneNormal})
		}
		out = append(out, span{k[0], toneAccent}, span{" " + k[1], toneNormal})
	}
	out = append(out, span{"   │  ", toneDim}, span{"sort ", toneDim}, span{sortLabel(v), toneAccent})
	if v.filter != "" {
		out = append(out, span{"  filter ", toneDim}, span{strconv.Quote(v.filter), toneAccent})
	}
	return out
}

func sortLabel(v viewState) string { return v.sort.title() + " " + arrow(v.desc) }

func arrow(desc bool) string {
	if desc {
		return "▼"
	}
	return "▲"
}

// sortConnections orders the connections that pass the filter by the
// view's column, ties broken by ascending ID so the order is total.
func sortConnections(s *monitor.Snapshot, v viewState) []*monitor.Connection {
	keep := connectionMatcher(v.filter)
	out := make([]*monitor.Connection, 0, len(s.Connections))
	for i := range s.Connections {
		if keep(&s.Connections[i]) {
			out = append(out, &s.Connections[i])
		}
	}
	slices.SortFunc(out, func(a, b *monitor.Connection) int {
		c := v.sort.compare(a, b)
		if v.desc {
			c = -c
		}
		return cmp.Or(c, keyOrder(a.Key(), b.Key()))
	})
	return out
}

// renderConnections is the main table; total counts the connections
// before filtering.
func renderConnections(s *monitor.Snapshot, v viewState) (grid, int) {
	var g grid
	for c := range numColumns {
		h := cell{text: c.title(), tone: toneHeading, right: c.alignRight()}
		if c == v.sort {
			h.text += " " + arrow(v.desc)
			h.tone = toneAccent
		}
		g.head = append(g.head, h)
	}
	for _, c := range sortConnections(s, v) {
		g.add(c.Label(), c.Key(),
			cell{text: c.Label(), right: true},
			text("v"+strconv.Itoa(c.Version)),
			text(c.Client),
			text(c.Server),
			subflowsCell(c),
			toned(c.State(), stateTone(c.State())),
			cell{text: humanBytes(c2sBytes(c)), right: true},
			rateCell(c.RateC2S),
			cell{text: humanBytes(s2cBytes(c)), right: true},
			rateCell(c.RateS2C),
			cell{text: strconv.Itoa(c.Findings), tone: findingsTone(c.Findings, c.Errors), right: true},
		)
	}
	return g, len(s.Connections)
}

// subflowsCell shows the subflow count and, when there are joins, how many
// of them authenticated: "3 (2/2 joins ok)". An invalid join HMAC is an
// error; a join not (yet) verified a warning.
func subflowsCell(c *monitor.Connection) cell {
	valid, total := joins(c)
	out := cell{text: strconv.Itoa(len(c.Subflows))}
	if total == 0 {
		return out
	}
	out.text = fmt.Sprintf("%d (%d/%d joins ok)", len(c.Subflows), valid, total)
	for i := range c.Subflows {
		switch sf := &c.Subflows[i]; {
		case sf.Join && sf.HMAC == "invalid":
			out.tone = toneError
			return out
		case sf.Join && sf.HMAC != "valid":
			out.tone = toneWarning
		}
	}
	return out
}

func rateCell(bytesPerSecond float64) cell {
	out := cell{text: humanRate(bytesPerSecond), right: true}
	if bytesPerSecond <= 0 {
		out.tone = toneDim
	}
	return out
}

// findingsTone colours a findings count: red with errors, yellow with
// only warnings and infos, dim with none.
func findingsTone(findings, errors int) tone {
	switch {
	case errors > 0:
		return toneError
	case findings > 0:
		return toneWarning
	}
	return toneDim
}

// stateTone colours a connection state.
func stateTone(state string) tone {
	switch state {
	case "open":
		return toneGood
	case "reset", "fastclose":
		return toneError
	case "fallback":
		return toneWarning
	case "closed":
		return toneDim
	}
	return toneNormal
}

// severityTone colours a finding's severity.
func severityTone(severity string) tone {
	switch severity {
	case "error":
		return toneError
	case "warning":
		return toneWarning
	case "info":
		return toneInfo
	}
	return toneNormal
}

func severityRank(severity string) int {
	switch severity {
	case "error":
		return 0
	case "warning":
		return 1
	case "info":
		return 2
	}
	return 3
}

// hmacTone colours a join's HMAC verdict.
func hmacTone(verdict string) tone {
	switch verdict {
	case "valid":
		return toneGood
	case "invalid":
		return toneError
	case "", "-":
		return toneDim
	}
	return toneWarning
}

func findingKey(f *report.Finding) string {
	first := uint64(0)
	if len(f.Packets) > 0 {
		first = f.Packets[0]
	}
	sub := -1
	if f.Subflow != nil {
		sub = *f.Subflow
	}
	return fmt.Sprintf("%s/%d/%d/%d", f.Code, f.Connection, sub, first)
}

// sortedFindings orders findings worst first, then by connection and first
// packet, keeping those that pass keep.
func sortedFindings(in []report.Finding, keep func(*report.Finding) bool) []*report.Finding {
	out := make([]*report.Finding, 0, len(in))
	for i := range in {
		if keep(&in[i]) {
			out = append(out, &in[i])
		}
	}
	first := func(f *report.Finding) uint64 {
		if len(f.Packets) == 0 {
			return 0
		}
		return f.Packets[0]
	}
	slices.SortStableFunc(out, func(a, b *report.Finding) int {
		return cmp.Or(cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)),
			cmp.Compare(a.Connection, b.Connection), cmp.Compare(first(a), first(b)))
	})
	return out
}

// renderFindings is the findings view. The filter keeps a finding when its
// connection passes it, or when its severity, code or message contains
// the text.
func renderFindings(s *monitor.Snapshot, filter string) grid {
	g := grid{head: heads("SEVERITY", "CODE", "CONN", "SUBFLOW", "PACKETS", "MESSAGE")}
	g.head[2].right = true
	keep := func(*report.Finding) bool { return true }
	if needle := strings.ToLower(strings.TrimSpace(filter)); needle != "" {
		match := connectionMatcher(filter)
		pass := map[int]bool{}
		for i := range s.Connections {
			if match(&s.Connections[i]) {
				pass[s.Connections[i].Key()] = true
			}
		}
		keep = func(f *report.Finding) bool {
			return pass[f.Key()] || strings.Contains(strings.ToLower(f.Severity+" "+f.Code+" "+f.Message), needle)
		}
	}
	for _, f := range sortedFindings(s.Findings, keep) {
		conn := dim("-")
		if k := f.Key(); k != 0 {
			conn = cell{text: report.KeyLabel(k), right: true}
		}
		g.add(findingKey(f), f.Key(),
			toned(f.Severity, severityTone(f.Severity)),
			text(f.Code),
			conn,
			subflowID(f.Subflow),
			text(packetList(f.Packets, f.Count)),
			text(f.Message),
		)
	}
	return g
}

func subflowID(id *int) cell {
	if id == nil {
		return dim("-")
	}
	return text(strconv.Itoa(*id))
}

// renderDetail is the detail view of connection id.
func renderDetail(s *monitor.Snapshot, id int) *detailFrame {
	d := &detailFrame{title: fmt.Sprintf(" Connection %s ", report.KeyLabel(id))}
	if id < 0 {
		d.title = fmt.Sprintf(" Partial connection %s (handshake not captured) ", report.KeyLabel(id))
	}
	var c *monitor.Connection
	for i := range s.Connections {
		if s.Connections[i].Key() == id {
			c = &s.Connections[i]
			break
		}
	}
	d.endpoints = grid{head: heads("", "ADDRESS", "KEY", "TOKEN", "IDSN", "STATE", "SENT", "RATE", "STREAM")}
	d.subflows = grid{head: heads("ID", "CLIENT", "SERVER", "ROLE", "INITIATOR", "BACKUP", "HMAC", "STATE", "PKTS", "C2S", "S2C", "RATE")}
	for _, i := range []int{0, 8, 9, 10, 11} {
		d.subflows.head[i].right = true
	}
	d.events = grid{head: heads("PACKET", "TIME", "SUBFLOW", "SIDE", "TYPE", "DETAIL")}
	d.events.head[0].right = true
	d.findings = grid{head: heads("SEVERITY", "CODE", "SUBFLOW", "PACKETS", "MESSAGE")}
	if c == nil {
		d.summary = []span{{fmt.Sprintf("connection %s is not in the latest snapshot (evicted, or not seen yet)", report.KeyLabel(id)), toneWarning}}
		return d
	}
	d.summary = detailSummary(c)
	d.endpoints.add("client", id, toned("client", toneHeading), text(c.Client), text(orDash(c.ClientKey)),
		text(orDash(c.ClientToken)), text(orDash(c.ClientIDSN)), text(orDash(c.ClientState)),
		cell{text: humanBytes(c2sBytes(c)), right: true}, rateCell(c.RateC2S), streamCell(&c.C2S))
	d.endpoints.add("server", id, toned("server", toneHeading), text(c.Server), text(orDash(c.ServerKey)),
		text(orDash(c.ServerToken)), text(orDash(c.ServerIDSN)), text(orDash(c.ServerState)),
		cell{text: humanBytes(s2cBytes(c)), right: true}, rateCell(c.RateS2C), streamCell(&c.S2C))

	for i := range c.Subflows {
		sf := &c.Subflows[i]
		role, hmac := "initial", "-"
		if sf.Join {
			role, hmac = "join", orDash(sf.HMAC)
		}
		var rate float64
		if i < len(c.SubflowRates) {
			rate = c.SubflowRates[i]
		}
		d.subflows.add(strconv.Itoa(sf.ID), id,
			num(sf.ID), text(sf.Client), text(sf.Server), text(role), text(orDash(sf.Initiator)),
			backupCell(sf), toned(hmac, hmacTone(hmac)), subflowStateCell(sf),
			cell{text: thousands(sf.Packets), right: true},
			cell{text: humanBytes(sf.PayloadBytes.C2S), right: true},
			cell{text: humanBytes(sf.PayloadBytes.S2C), right: true},
			rateCell(rate))
	}

	for i := range s.Events {
		e := &s.Events[i]
		if e.Key() != id {
			continue
		}
		d.events.add(eventKey(e), id,
			cell{text: "#" + strconv.FormatUint(e.Packet, 10), right: true},
			text(clock(e.Time)), subflowID(e.Subflow), text(orDash(e.Side)),
			toned(e.Type, eventTone(e.Type)), text(e.Detail))
	}

	for _, f := range sortedFindings(s.Findings, func(f *report.Finding) bool { return f.Key() == id }) {
		d.findings.add(findingKey(f), id,
			toned(f.Severity, severityTone(f.Severity)), text(f.Code), subflowID(f.Subflow),
			text(packetList(f.Packets, f.Count)), text(f.Message))
	}
	return d
}

// eventKey identifies an event across snapshots, whose event window
// slides: by packet, type, subflow and side, not by position.
func eventKey(e *report.Event) string {
	sub := -1
	if e.Subflow != nil {
		sub = *e.Subflow
	}
	return fmt.Sprintf("%d/%s/%d/%s", e.Packet, e.Type, sub, e.Side)
}

// detailSummary is the line above the detail tables: version, state,
// options negotiated, how it ended, and its extent.
func detailSummary(c *monitor.Connection) []span {
	var out []span
	field := func(label, value string, t tone) {
		if len(out) > 0 {
			out = append(out, span{"  ", toneNormal})
		}
		out = append(out, span{label + " ", toneDim}, span{value, t})
	}
	field("MPTCP", "v"+strconv.Itoa(c.Version), toneNormal)
	field("state", c.State(), stateTone(c.State()))
	checksums := "off"
	if c.Checksums {
		checksums = "on"
	}
	field("checksums", checksums, toneNormal)
	closed := orDash(c.Close)
	if c.FastCloseBy != "" {
		closed += " by " + c.FastCloseBy
	}
	field("close", closed, toneNormal)
	if c.Fallback {
		why := "yes"
		if c.FallbackReason != "" {
			why += ": " + c.FallbackReason
		}
		if c.FallbackDSN != "" {
			why += " at DSN " + c.FallbackDSN
		}
		field("fallback", why, toneWarning)
	} else {
		field("fallback", "no", toneNormal)
	}
	if c.MPFail > 0 {
		field("MP_FAIL", strconv.Itoa(c.MPFail), toneError)
	}
	field("packets", fmt.Sprintf("%s (#%d–#%d)", thousands(c.Packets), c.FirstPacket, c.LastPacket), toneNormal)
	field("duration", strconv.FormatFloat(c.Duration, 'f', 3, 64)+" s", toneNormal)
	return out
}

// streamCell summarizes one direction's data-level stream.
func streamCell(st *report.Stream) cell {
	var parts []string
	t := toneNormal
	switch {
	case st.Complete:
		parts = append(parts, "complete")
		t = toneGood
	case st.Bytes > 0:
		parts = append(parts, "partial")
	}
	if st.DataFIN {
		parts = append(parts, "DATA_FIN")
	}
	if st.MissingBytes > 0 {
		parts = append(parts, "missing "+humanBytes(st.MissingBytes))
		t = toneWarning
	}
	if st.ReinjectedBytes > 0 {
		parts = append(parts, "reinjected "+humanBytes(st.ReinjectedBytes))
	}
	if st.MismatchedBytes > 0 {
		parts = append(parts, "mismatched "+humanBytes(st.MismatchedBytes))
		t = toneError
	}
	if st.Checksum.Failed > 0 {
		parts = append(parts, plural(st.Checksum.Failed, "bad checksum"))
		t = toneError
	}
	if len(parts) == 0 {
		return dim("-")
	}
	return toned(strings.Join(parts, ", "), t)
}

// backupCell shows who asked for the subflow to be a backup: the join's
// SYN (B flag), or either side later by MP_PRIO.
func backupCell(sf *report.Subflow) cell {
	var who []string
	if sf.Backup {
		who = append(who, "syn")
	}
	if sf.ClientBackup {
		who = append(who, "client")
	}
	if sf.ServerBackup {
		who = append(who, "server")
	}
	if len(who) == 0 {
		return dim("-")
	}
	return toned(strings.Join(who, "+"), toneWarning)
}

func subflowStateCell(sf *report.Subflow) cell {
	s := orDash(sf.State)
	if sf.ResetBy != "" {
		s += " by " + sf.ResetBy
		if sf.ResetReason != "" {
			s += " (" + sf.ResetReason + ")"
		}
	}
	switch sf.State {
	case "established":
		return toned(s, toneGood)
	case "reset":
		return toned(s, toneError)
	case "closed":
		return toned(s, toneDim)
	}
	return text(s)
}

// eventTone colours a timeline event by what it means for the connection.
func eventTone(kind string) tone {
	switch kind {
	case "subflow-reset", "fastclose", "tcprst", "mp-fail":
		return toneError
	case "fallback":
		return toneWarning
	case "subflow-established":
		return toneGood
	}
	return toneNormal
}

// followSelection picks the data row to select after the rows changed:
// the row whose key is key when it is still there, so the selection stays
// on the same connection while rows move; otherwise the previous index,
// kept inside the table.
func followSelection(keys []string, key string, prev int) int {
	if key != "" {
		if i := slices.Index(keys, key); i >= 0 {
			return i
		}
	}
	return max(0, min(prev, len(keys)-1))
}
