package tui

import (
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// The widget layer: tones become colours, text is escaped, and a prepared
// frame is applied to the widget graph in one go on the UI goroutine.

// style maps a tone to a cell style on the default background.
func (t tone) style() tcell.Style {
	s := tcell.StyleDefault.Background(tview.Styles.PrimitiveBackgroundColor).Foreground(t.color())
	if t == toneHeading || t == toneAccent {
		s = s.Bold(true)
	}
	return s
}

func (t tone) color() tcell.Color {
	switch t {
	case toneDim:
		return tcell.ColorGray
	case toneGood:
		return tcell.ColorGreen
	case toneWarning:
		return tcell.ColorYellow
	case toneError:
		return tcell.ColorRed
	case toneInfo:
		return tcell.ColorTeal
	case toneAccent:
		return tcell.ColorAqua
	}
	return tview.Styles.PrimaryTextColor
}

// markup turns spans into tview's tagged text, escaping the text: source
// names, addresses and messages come from packets and files, and a "[red]"
// among them must print as it is.
func markup(spans []span) string {
	var b strings.Builder
	for _, s := range spans {
		if s.tone == toneNormal {
			b.WriteString(tview.Escape(s.text))
			continue
		}
		attr := ""
		if s.tone == toneHeading || s.tone == toneAccent {
			attr = "b"
		}
		b.WriteString("[" + s.tone.color().Name() + "::" + attr + "]")
		b.WriteString(tview.Escape(s.text))
		b.WriteString("[-:-:-]")
	}
	return b.String()
}

// gridContent is a table's content built from a grid off the UI
// goroutine; the table reads it (tview.TableContent) and nothing writes
// it after it is handed over.
type gridContent struct {
	tview.TableContentReadOnly
	cells [][]*tview.TableCell // row 0: headings
	keys  []string
	conns []int
	width int
}

func newGridContent(g grid) *gridContent {
	c := &gridContent{keys: g.keys, conns: g.conns, width: len(g.head)}
	row := make([]*tview.TableCell, len(g.head))
	for i, h := range g.head {
		row[i] = tableCell(h)
		row[i].NotSelectable = true
	}
	c.cells = append(c.cells, row)
	for _, r := range g.rows {
		row := make([]*tview.TableCell, len(r))
		for i, x := range r {
			row[i] = tableCell(x)
		}
		c.cells = append(c.cells, row)
		c.width = max(c.width, len(r))
	}
	return c
}

func tableCell(x cell) *tview.TableCell {
	c := &tview.TableCell{Text: tview.Escape(x.text), Style: x.tone.style(), Transparent: true, Align: tview.AlignLeft}
	if x.right {
		c.Align = tview.AlignRight
	}
	return c
}

func (c *gridContent) GetCell(row, column int) *tview.TableCell {
	if row < 0 || row >= len(c.cells) || column < 0 || column >= len(c.cells[row]) {
		return nil
	}
	return c.cells[row][column]
}

func (c *gridContent) GetRowCount() int    { return len(c.cells) }
func (c *gridContent) GetColumnCount() int { return c.width }

// keyAt is the key of data row i ("" when there is none).
func (c *gridContent) keyAt(i int) string {
	if c == nil || i < 0 || i >= len(c.keys) {
		return ""
	}
	return c.keys[i]
}

// connAt is the connection of data row i (0 when there is none).
func (c *gridContent) connAt(i int) int {
	if c == nil || i < 0 || i >= len(c.conns) {
		return 0
	}
	return c.conns[i]
}

// gridTable is a table showing gridContents, with one fixed heading row
// and a row selection that follows its key across contents.
type gridTable struct {
	*tview.Table
	content *gridContent
}

func newGridTable(title string, border bool) *gridTable {
	t := &gridTable{Table: tview.NewTable()}
	t.SetFixed(1, 0).SetSelectable(true, false).SetSeparator(' ')
	if border {
		t.SetBorder(true)
		t.SetTitle(title)
	}
	return t
}

// show replaces the content, keeping the selection on the same key.
func (t *gridTable) show(c *gridContent) {
	row, _ := t.GetSelection()
	key := t.content.keyAt(row - 1)
	t.content = c
	t.SetContent(c)
	t.Select(followSelection(c.keys, key, row-1)+1, 0)
}

// reset replaces the content and selects the first row.
func (t *gridTable) reset(c *gridContent) {
	t.content = c
	t.SetContent(c)
	t.Select(1, 0)
	t.SetOffset(0, 0)
}

// prepared is a frame made ready for the widgets, still off the UI
// goroutine: markup built and table cells allocated.
type prepared struct {
	view                viewState
	header, footer      string
	connsTitle, fTitle  string
	conns, findings     *gridContent
	detail              bool
	detailTitle         string
	summary             string
	endpoints, subflows *gridContent
	events, dfindings   *gridContent
}

func prepare(f *frame) *prepared {
	p := &prepared{
		view: f.view, header: markup(f.header), footer: markup(f.footer),
		connsTitle: f.title, fTitle: f.fTitle,
		conns: newGridContent(f.conns), findings: newGridContent(f.findings),
	}
	if d := f.detail; d != nil {
		p.detail = true
		p.detailTitle = tview.Escape(d.title)
		p.summary = markup(d.summary)
		p.endpoints = newGridContent(d.endpoints)
		p.subflows = newGridContent(d.subflows)
		p.events = newGridContent(d.events)
		p.dfindings = newGridContent(d.findings)
	}
	return p
}

// widgets is the widget graph, built once by newWidgets and touched only on
// the UI goroutine afterwards.
type widgets struct {
	root     *tview.Flex
	header   *tview.TextView
	pages    *tview.Pages
	bottom   *tview.Pages // the footer, or the filter input while editing
	footer   *tview.TextView
	filter   *tview.InputField
	conns    *gridTable
	findings *gridTable

	detail    *tview.Flex
	summary   *tview.TextView
	endpoints *gridTable
	subflows  *gridTable
	events    *gridTable
	dfindings *gridTable

	help *tview.TextView
}

// detailTables are the detail view's tables that Tab moves between.
func (w *widgets) detailTables() []*gridTable {
	return []*gridTable{w.subflows, w.events, w.dfindings}
}

func newWidgets() *widgets {
	w := &widgets{
		header:    tview.NewTextView().SetDynamicColors(true).SetWrap(false),
		footer:    tview.NewTextView().SetDynamicColors(true).SetWrap(false),
		filter:    tview.NewInputField().SetLabel("/ filter: ").SetPlaceholder("client, server, ID, state or subflow address"),
		conns:     newGridTable(" Connections ", true),
		findings:  newGridTable(" Findings ", true),
		summary:   tview.NewTextView().SetDynamicColors(true).SetWrap(true),
		endpoints: newGridTable("", false),
		subflows:  newGridTable(" Subflows ", true),
		events:    newGridTable(" Events ", true),
		dfindings: newGridTable(" Findings ", true),
		help:      tview.NewTextView().SetDynamicColors(true).SetWrap(false),
		pages:     tview.NewPages(),
		bottom:    tview.NewPages(),
	}
	w.conns.SetEvaluateAllRows(true) // columns keep their width while scrolling
	w.endpoints.SetSelectable(false, false)
	for _, t := range w.detailTables() {
		// Only the focused table of the detail view shows a selection.
		t.SetSelectable(false, false)
		t.SetFocusFunc(func() { t.SetSelectable(true, false) })
		t.SetBlurFunc(func() { t.SetSelectable(false, false) })
	}

	w.detail = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(w.summary, 2, 0, false).
		AddItem(w.endpoints, 3, 0, false).
		AddItem(w.subflows, 4, 0, true).
		AddItem(w.events, 0, 1, false).
		AddItem(w.dfindings, 4, 0, false)
	w.detail.SetBorder(true)

	w.help.SetText(helpText)
	w.help.SetBorder(true)
	w.help.SetTitle(" Keys (Esc closes) ")

	w.pages.
		AddPage(pageConnections.name(), w.conns, true, true).
		AddPage(pageFindings.name(), w.findings, true, false).
		AddPage(pageDetail.name(), w.detail, true, false).
		AddPage("help", centered(w.help, 76, 30), true, false)
	w.bottom.
		AddPage("footer", w.footer, true, true).
		AddPage("filter", w.filter, true, false)

	w.root = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(w.header, 2, 0, false).
		AddItem(w.pages, 0, 1, true).
		AddItem(w.bottom, 1, 0, false)
	return w
}

// centered puts p in the middle of the screen, at most width by height;
// the page below stays visible around it.
func centered(p tview.Primitive, width, height int) tview.Primitive {
	column := tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(nil, 0, 1, false).
		AddItem(p, height, 0, true).
		AddItem(nil, 0, 1, false)
	return tview.NewFlex().
		AddItem(nil, 0, 1, false).
		AddItem(column, width, 0, true).
		AddItem(nil, 0, 1, false)
}

// helpText lists every key; it is static, so it carries its own markup.
const helpText = `
 [aqua::b]Everywhere[-:-:-]
   q  Ctrl-C        quit
   ?                this help; Esc or ? closes it
   f                findings view; f again goes back
   /                filter: client, server, ID, state or subflow address
                    (ignoring case); Enter keeps it, Esc clears it

 [aqua::b]Connections[-:-:-]
   ↑ ↓ PgUp PgDn    move (also j k, Home End, g G)
   Enter            details of the selected connection
   s  >             sort by the next column
   <                sort by the previous column
   S                reverse the sort
   Esc              clear the filter

 [aqua::b]Connection details[-:-:-]
   Tab  Shift-Tab   next / previous table (subflows, events, findings)
   Esc  Backspace   back

 [aqua::b]Findings[-:-:-]
   Enter            details of the finding's connection
   Esc              back

 [aqua::b]Units[-:-:-]
   data in bytes, binary prefixes: 1 KiB = 1024 B
   rates in bits per second, decimal prefixes: 1 Mb/s = 1,000,000 bit/s,
   measured over packet time between two snapshots
`
