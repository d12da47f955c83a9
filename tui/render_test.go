package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mptcpdump/mptcpdump/monitor"
	"github.com/mptcpdump/mptcpdump/report"
)

func ids(g grid) []int { return g.conns }

func TestSortEachColumnBothWays(t *testing.T) {
	asc := map[column][]int{
		colID:       {1, 2, 37},
		colVersion:  {2, 1, 37}, // v0, then the two v1 by ID
		colClient:   {2, 1, 37}, // 10.0.0.9 < 10.0.0.10 < 192.168.1.1: by address, not text
		colServer:   {37, 1, 2}, // 10.0.0.2 < 10.0.0.200 < 192.168.0.1
		colSubflows: {2, 1, 37}, // 1, 2, 3 subflows
		colState:    {2, 1, 37}, // closed, open, reset
		colC2S:      {2, 37, 1}, // 10 (payload), 500, 3000 (stream)
		colC2SRate:  {37, 1, 2}, // 0, 100, 300
		colS2C:      {37, 1, 2}, // 20, 50 (payload), 9000
		colS2CRate:  {2, 1, 37}, // 1, 7, 5000
		colFindings: {2, 37, 1}, // none, 2 warnings, 1 error: errors weigh most
	}
	if len(asc) != int(numColumns) {
		t.Fatalf("the test covers %d of %d columns", len(asc), numColumns)
	}
	s := fixture()
	for col, want := range asc {
		for _, desc := range []bool{false, true} {
			v := defaultView()
			v.sort, v.desc = col, desc
			g, total := renderConnections(s, v)
			w := slices.Clone(want)
			if desc {
				slices.Reverse(w)
				if col == colVersion {
					w = []int{1, 37, 2} // the v1 tie stays in ascending ID order
				}
			}
			if got := ids(g); !slices.Equal(got, w) || total != 3 {
				t.Errorf("sort %s desc=%v: got %v (total %d), want %v", col.title(), desc, got, total, w)
			}
			head := g.head[col].text
			if !strings.HasSuffix(head, arrow(desc)) || g.head[col].tone != toneAccent {
				t.Errorf("sort %s desc=%v: heading %q (tone %d) lacks the marker", col.title(), desc, head, g.head[col].tone)
			}
			for i, h := range g.head {
				if column(i) != col && strings.ContainsAny(h.text, "▲▼") {
					t.Errorf("sort %s: heading %q marked too", col.title(), h.text)
				}
			}
		}
	}
}

func TestSortTiesByIDBothWays(t *testing.T) {
	s := fixture()
	for i := range s.Connections {
		s.Connections[i].Version = 1
	}
	for _, desc := range []bool{false, true} {
		v := defaultView()
		v.sort, v.desc = colVersion, desc
		if got, _ := renderConnections(s, v); !slices.Equal(ids(got), []int{1, 2, 37}) {
			t.Errorf("desc=%v: equal versions ordered %v, want by ascending ID", desc, ids(got))
		}
	}
}

func TestColumnCycling(t *testing.T) {
	if got := colID.next(1); got != colVersion {
		t.Errorf("ID.next(1) = %v", got)
	}
	if got := colID.next(-1); got != colFindings {
		t.Errorf("ID.next(-1) = %v, want FINDINGS (wrap)", got)
	}
	if got := colFindings.next(1); got != colID {
		t.Errorf("FINDINGS.next(1) = %v, want ID (wrap)", got)
	}
}

func TestFilter(t *testing.T) {
	s := fixture()
	cases := []struct {
		filter string
		want   []int
	}{
		{"", []int{1, 2, 37}},
		{"   ", []int{1, 2, 37}},
		{"10.0.0.9:", []int{2}},       // client
		{"192.168.0.1", []int{2}},     // server
		{"37", []int{37}},             // ID
		{"RESET", []int{37}},          // state, ignoring case
		{"open", []int{1}},            // state
		{"172.16.0.8", []int{37}},     // a join subflow's address only
		{"10.0.1.10", []int{1}},       // likewise
		{"10.0.0.", []int{1, 2, 37}},  // several
		{"no such thing", []int(nil)}, // none
	}
	for _, c := range cases {
		v := defaultView()
		v.filter = c.filter
		g, total := renderConnections(s, v)
		if !slices.Equal(ids(g), c.want) || total != 3 {
			t.Errorf("filter %q: got %v (total %d), want %v", c.filter, ids(g), total, c.want)
		}
	}
}

func TestFilterTitlesAndHeader(t *testing.T) {
	v := defaultView()
	v.filter = "open"
	f := render(fixture(), v)
	if f.title != " Connections 1 of 3 " {
		t.Errorf("title %q", f.title)
	}
	if h := plain(f.header); !strings.Contains(h, "conns 1/3") {
		t.Errorf("header %q does not show the filtered count", h)
	}
	if ft := plain(f.footer); !strings.Contains(ft, `filter "open"`) {
		t.Errorf("footer %q does not show the filter", ft)
	}
}

func plain(spans []span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.text)
	}
	return b.String()
}

func TestHumanBytes(t *testing.T) {
	cases := map[uint64]string{
		0:             "0 B",
		1:             "1 B",
		1023:          "1023 B",
		1024:          "1.0 KiB",
		1536:          "1.5 KiB",
		100 * 1024:    "100 KiB",
		1258291:       "1.2 MiB",
		1024*1024 - 1: "1.0 MiB", // rounds up into the next unit, not "1024 KiB"
		5 << 30:       "5.0 GiB",
		1<<64 - 1:     "16.0 EiB",
	}
	for n, want := range cases {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestHumanRate(t *testing.T) {
	cases := map[float64]string{ // bytes per second → bits per second
		0:      "0 b/s",
		-5:     "0 b/s",
		100:    "800 b/s",
		125:    "1.0 kb/s",
		1500:   "12.0 kb/s",
		425000: "3.4 Mb/s",
		124.9:  "999 b/s",
		124.99: "1.0 kb/s", // 999.9 b/s rounds into kb/s, not "1000 b/s"
		12.5e6: "100 Mb/s",
		1.5e9:  "12.0 Gb/s",
	}
	for r, want := range cases {
		if got := humanRate(r); got != want {
			t.Errorf("humanRate(%v) = %q, want %q", r, got, want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 123456: "123,456", 1234567: "1,234,567"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPacketList(t *testing.T) {
	cases := []struct {
		packets []uint64
		count   int
		want    string
	}{
		{nil, 0, "-"},
		{[]uint64{5}, 1, "#5"},
		{[]uint64{1, 2, 3}, 3, "#1, #2, #3"},
		{[]uint64{1, 2, 3, 4}, 4, "#1, #2, #3 +1"},
		{[]uint64{1}, 10, "#1 +9"},
	}
	for _, c := range cases {
		if got := packetList(c.packets, c.count); got != c.want {
			t.Errorf("packetList(%v, %d) = %q, want %q", c.packets, c.count, got, c.want)
		}
	}
}

func TestFollowSelection(t *testing.T) {
	keys := []string{"1", "2", "37"}
	cases := []struct {
		keys []string
		key  string
		prev int
		want int
	}{
		{keys, "37", 0, 2}, // follows the connection, not the row
		{keys, "1", 2, 0},
		{keys, "99", 1, 1}, // gone: stay on the same row
		{keys, "99", 7, 2}, // ... kept inside the table
		{keys, "", 1, 1},   // nothing selected yet
		{nil, "1", 3, 0},   // empty table
		{keys, "99", -1, 0},
	}
	for _, c := range cases {
		if got := followSelection(c.keys, c.key, c.prev); got != c.want {
			t.Errorf("followSelection(%v, %q, %d) = %d, want %d", c.keys, c.key, c.prev, got, c.want)
		}
	}
}

// TestSelectionFollowsIDAcrossResort checks the keys the renderer hands the
// widgets: after re-sorting and new data, the selected connection is found
// on its new row.
func TestSelectionFollowsIDAcrossResort(t *testing.T) {
	s := fixture()
	before, _ := renderConnections(s, defaultView())
	selected := 2 // ID 37, the third row
	key := before.keys[selected]
	v := defaultView()
	v.sort, v.desc = colS2CRate, true // 37 now first
	s.Connections[2].RateS2C = 1e6
	after, _ := renderConnections(s, v)
	row := followSelection(after.keys, key, selected)
	if after.conns[row] != 37 || row != 0 {
		t.Errorf("selection went to row %d (connection %d), want row 0, connection 37", row, after.conns[row])
	}
}

func TestFindingsColours(t *testing.T) {
	if got := findingsTone(0, 0); got != toneDim {
		t.Errorf("no findings: tone %d", got)
	}
	if got := findingsTone(2, 0); got != toneWarning {
		t.Errorf("warnings only: tone %d", got)
	}
	if got := findingsTone(3, 1); got != toneError {
		t.Errorf("with an error: tone %d", got)
	}
	g, _ := renderConnections(fixture(), defaultView())
	wantTone := map[int]tone{1: toneError, 2: toneDim, 37: toneWarning}
	for i, id := range g.conns {
		if c := g.rows[i][colFindings]; c.tone != wantTone[id] {
			t.Errorf("connection %d: FINDINGS cell %q tone %d, want %d", id, c.text, c.tone, wantTone[id])
		}
	}
	for sev, want := range map[string]tone{"error": toneError, "warning": toneWarning, "info": toneInfo, "other": toneNormal} {
		if got := severityTone(sev); got != want {
			t.Errorf("severity %s: tone %d, want %d", sev, got, want)
		}
	}
}

func TestSubflowsCell(t *testing.T) {
	s := fixture()
	cases := map[int]cell{
		0: {text: "2 (1/1 joins ok)", tone: toneNormal},
		1: {text: "1"},
		2: {text: "3 (1/2 joins ok)", tone: toneError}, // an invalid HMAC
	}
	for i, want := range cases {
		if got := subflowsCell(&s.Connections[i]); got != want {
			t.Errorf("connection %d: %+v, want %+v", s.Connections[i].ID, got, want)
		}
	}
	c := s.Connections[0]
	c.Subflows = slices.Clone(c.Subflows)
	c.Subflows[1].HMAC = "unverified"
	if got := subflowsCell(&c); got.tone != toneWarning || got.text != "2 (0/1 joins ok)" {
		t.Errorf("unverified join: %+v", got)
	}
}

func TestConnectionRowCells(t *testing.T) {
	g, _ := renderConnections(fixture(), defaultView())
	var got []string
	for _, c := range g.rows[0] {
		got = append(got, c.text)
	}
	want := []string{"1", "v1", "10.0.0.10:40000", "10.0.0.200:443", "2 (1/1 joins ok)", "open", "2.9 KiB", "800 b/s", "50 B", "56 b/s", "1"}
	if !slices.Equal(got, want) {
		t.Errorf("row 1:\n got %q\nwant %q", got, want)
	}
	if g.rows[0][colState].tone != toneGood || g.rows[2][colState].tone != toneError {
		t.Errorf("state tones: open %d, reset %d", g.rows[0][colState].tone, g.rows[2][colState].tone)
	}
	if g.rows[2][colC2SRate].tone != toneDim {
		t.Errorf("a zero rate is not dimmed")
	}
}

func TestFindingsView(t *testing.T) {
	s := fixture()
	g := renderFindings(s, "")
	var codes []string
	for _, r := range g.rows {
		codes = append(codes, r[1].text)
	}
	want := []string{"dss-checksum-invalid", "join-hmac-warning", "option-info"} // error, warning, info
	if !slices.Equal(codes, want) {
		t.Errorf("order %v, want %v", codes, want)
	}
	if !slices.Equal(g.conns, []int{1, 37, 37}) {
		t.Errorf("Enter targets %v", g.conns)
	}
	r := g.rows[0]
	if r[0].tone != toneError || g.rows[1][0].tone != toneWarning || g.rows[2][0].tone != toneInfo {
		t.Errorf("severity tones %d %d %d", r[0].tone, g.rows[1][0].tone, g.rows[2][0].tone)
	}
	if r[4].text != "#9, #10, #11 +3" || r[5].text != "checksum [bad] on mapping" {
		t.Errorf("row %+v", r)
	}
	// The filter keeps the findings of matching connections, and those
	// whose text matches.
	if g := renderFindings(s, "192.168.1.1"); !slices.Equal(g.conns, []int{37, 37}) {
		t.Errorf("filter by connection: %v", g.conns)
	}
	if g := renderFindings(s, "CHECKSUM"); !slices.Equal(g.conns, []int{1}) {
		t.Errorf("filter by code: %v", g.conns)
	}
}

func TestDetail(t *testing.T) {
	d := renderDetail(fixture(), 1)
	if d.title != " Connection 1 " || len(d.endpoints.rows) != 2 {
		t.Fatalf("title %q, %d endpoint rows", d.title, len(d.endpoints.rows))
	}
	if got := d.endpoints.rows[0][2].text; got != "0123456789abcdef" {
		t.Errorf("client key %q", got)
	}
	if got := d.endpoints.rows[0][8]; got.text != "complete" || got.tone != toneGood {
		t.Errorf("client stream %+v", got)
	}
	if len(d.subflows.rows) != 2 {
		t.Fatalf("%d subflow rows", len(d.subflows.rows))
	}
	join := d.subflows.rows[1]
	var got []string
	for _, c := range join {
		got = append(got, c.text)
	}
	want := []string{"1", "10.0.1.10:40001", "10.0.0.200:443", "join", "client", "syn", "valid", "established", "7", "900 B", "0 B", "320 b/s"}
	if !slices.Equal(got, want) {
		t.Errorf("join row:\n got %q\nwant %q", got, want)
	}
	if join[6].tone != toneGood || d.subflows.rows[0][6].text != "-" {
		t.Errorf("HMAC cells: join %+v, initial %+v", join[6], d.subflows.rows[0][6])
	}
	if len(d.events.rows) != 2 || d.events.rows[0][4].text != "subflow-established" || d.events.rows[1][1].text != "12:00:00.300000" {
		t.Errorf("events %+v", d.events.rows)
	}
	if len(d.findings.rows) != 1 || d.findings.rows[0][1].text != "dss-checksum-invalid" || d.findings.rows[0][0].tone != toneError {
		t.Errorf("findings %+v", d.findings.rows)
	}
	if s := plain(d.summary); !strings.Contains(s, "MPTCP v1") || !strings.Contains(s, "state open") {
		t.Errorf("summary %q", s)
	}

	gone := renderDetail(fixture(), 99)
	if len(gone.subflows.rows) != 0 || !strings.Contains(plain(gone.summary), "not in the latest snapshot") {
		t.Errorf("missing connection: %+v", gone)
	}
	reset := renderDetail(fixture(), 37)
	if c := reset.subflows.rows[0][7]; c.text != "reset by server" || c.tone != toneError {
		t.Errorf("reset subflow state %+v", c)
	}
	if c := reset.subflows.rows[2][6]; c.text != "invalid" || c.tone != toneError {
		t.Errorf("invalid HMAC %+v", c)
	}
}

func TestHeader(t *testing.T) {
	s := fixture()
	s.Live, s.KernelDrops = true, 3
	h := renderHeader(s, 3, 3, false)
	got := plain(h)
	for _, want := range []string{"lab[1].pcap", "● live", "2025-03-01 12:00:01.500 UTC", "frames 1,234,567", "MPTCP 4,321", "drops 3", "evicted 0", "conns 3", "findings 3 (1 error, 1 warning)"} {
		if !strings.Contains(got, want) {
			t.Errorf("header %q lacks %q", got, want)
		}
	}
	toneOf := func(text string) tone {
		for i, sp := range h {
			if sp.text == text {
				if strings.HasSuffix(text, " ") { // a label: the value's tone
					return h[i+1].tone
				}
				return sp.tone
			}
		}
		t.Errorf("header has no span %q", text)
		return -1
	}
	if toneOf("1 error") != toneError || toneOf("drops ") != toneWarning || toneOf("evicted ") != toneNormal || toneOf("● live") != toneGood {
		t.Errorf("tones: error %d, drops %d, evicted %d, live %d", toneOf("1 error"), toneOf("drops "), toneOf("evicted "), toneOf("● live"))
	}
	s.Done = true
	if got := plain(renderHeader(s, 3, 3, false)); !strings.Contains(got, "live, stopped") {
		t.Errorf("stopped capture: %q", got)
	}
	s.Live = false
	if got := plain(renderHeader(s, 3, 3, false)); !strings.Contains(got, "offline, done") {
		t.Errorf("file read: %q", got)
	}
	if got := plain(renderHeader(&monitor.Snapshot{}, 0, 0, false)); !strings.Contains(got, "waiting") {
		t.Errorf("before the first snapshot: %q", got)
	}
}

func TestRenderNilSnapshot(t *testing.T) {
	f := render(nil, defaultView())
	if len(f.conns.rows) != 0 || len(f.conns.head) != int(numColumns) || f.detail != nil {
		t.Errorf("empty frame %+v", f)
	}
	v := defaultView()
	v.page, v.detailID = pageDetail, 5
	if f := render(nil, v); f.detail == nil {
		t.Errorf("the detail page renders no detail")
	}
}

// TestEscaping checks that packet-derived text reaches tview escaped: a
// message with brackets must print as it is, not become a colour tag.
func TestEscaping(t *testing.T) {
	got := markup([]span{{"a [red] b", toneNormal}, {"[2001:db8::1]:443", toneError}})
	if strings.Contains(got, "a [red] b") || !strings.Contains(got, "a [red[] b") {
		t.Errorf("markup %q does not escape", got)
	}
	c := newGridContent(renderFindings(fixture(), ""))
	if txt := c.GetCell(1, 5).Text; txt != "checksum [bad[] on mapping" {
		t.Errorf("cell text %q not escaped", txt)
	}
	if c.GetCell(0, 0).NotSelectable != true || c.GetCell(1, 0).NotSelectable {
		t.Errorf("only the heading row is unselectable")
	}
	if c.GetCell(9, 0) != nil || c.GetRowCount() != 4 || c.GetColumnCount() != 6 {
		t.Errorf("content bounds: rows %d, columns %d", c.GetRowCount(), c.GetColumnCount())
	}
}

// Partial connections (running before the capture started, the usual sight
// on a busy host) are rows too, named p<id> after the connections, with
// their own findings and events although their ids collide with the
// connections'.
func TestPartialConnectionRows(t *testing.T) {
	conn := func(id int, client string) report.Connection {
		return report.Connection{ID: id, Version: 1, Client: client, Server: "10.0.0.2:80", ClientState: "M_ESTABLISHED", ServerState: "M_ESTABLISHED",
			Subflows: []report.Subflow{{ID: 0, Client: client, Server: "10.0.0.2:80"}}}
	}
	p := conn(1, "10.0.9.9:5000")
	p.Partial = true
	doc := &report.Document{
		Connections: []report.Connection{conn(1, "10.0.0.1:4000")},
		Partial:     []report.Connection{p},
		Findings: []report.Finding{
			{Code: "join-unknown-token", Severity: "warning", Partial: 1, Packets: []uint64{5}, Count: 1, Message: "partial's"},
			{Code: "dss-checksum-invalid", Severity: "error", Connection: 1, Packets: []uint64{7}, Count: 1, Message: "connection's"},
		},
		Events: []report.Event{{Packet: 5, Partial: 1, Type: "data-fin", Detail: "partial's"}},
	}
	s := (&monitor.Builder{}).Build(doc, time.Unix(100, 0), false)
	g, total := renderConnections(s, defaultView())
	if total != 2 || len(g.rows) != 2 || g.rows[0][0].text != "1" || g.rows[1][0].text != "p1" || !slices.Equal(g.conns, []int{1, -1}) {
		t.Fatalf("rows %d of %d, ids %q %q, keys %v", len(g.rows), total, g.rows[0][0].text, g.rows[1][0].text, g.conns)
	}
	if g.rows[0][colFindings].text != "1" || g.rows[1][colFindings].text != "1" {
		t.Errorf("findings per row: %q %q", g.rows[0][colFindings].text, g.rows[1][colFindings].text)
	}
	f := renderFindings(s, "")
	if !slices.Equal(f.conns, []int{1, -1}) || f.rows[1][2].text != "p1" {
		t.Errorf("findings targets %v, conn cell %q", f.conns, f.rows[1][2].text)
	}
	d := renderDetail(s, -1)
	if !strings.Contains(d.title, "Partial connection p1") || len(d.findings.rows) != 1 || d.findings.rows[0][4].text != "partial's" || len(d.events.rows) != 1 {
		t.Errorf("detail %q, findings %d, events %d", d.title, len(d.findings.rows), len(d.events.rows))
	}
	if g := renderFindings(s, "p1"); !slices.Equal(g.conns, []int{-1}) {
		t.Errorf("filter p1: %v", g.conns)
	}
}
