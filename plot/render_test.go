package plot

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func render(t testing.TB, f *Figure) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		t.Fatalf("Render: %v", err)
	}
	return buf.Bytes()
}

func ramp(n int, x0, dx, y0, dy float64) []Point {
	p := make([]Point, n)
	for i := range p {
		p[i] = Point{X: x0 + float64(i)*dx, Y: y0 + float64(i)*dy, Y1: y0 + float64(i)*dy + dy/2}
	}
	return p
}

// twoPanelFigure has three series of each style, marks of every shape and
// annotations in the first panel, three lines in the second.
func twoPanelFigure() *Figure {
	var series []Series
	for i, st := range []Style{StyleLine, StyleStep, StylePoints, StyleSegments} {
		for k := 0; k < 3; k++ {
			series = append(series, Series{
				Name:   fmt.Sprintf("style %d series %d", i, k),
				Style:  st,
				Points: ramp(20, 0, 0.1, float64(k*1000+i*100), 1500),
				Dashed: k == 1,
			})
		}
	}
	return &Figure{
		Title: `Connection <a&b> "quoted" 'single'`,
		Panels: []Panel{
			{
				Title:  "Data sequence",
				XLabel: "time (s)",
				YLabel: "relative DSN (bytes)",
				XUnit:  UnitSeconds,
				YUnit:  UnitBytes,
				Series: series,
				Marks: []Mark{
					{X: 0.5, Y: 5000, Shape: Cross, Label: "retransmission <1>", Legend: "retransmission"},
					{X: 0.7, Y: 9000, Shape: Cross, Label: "retransmission 2", Legend: "retransmission"},
					{X: 1.0, Y: 12000, Shape: Circle, Color: "#009E73"},
					{X: 1.2, Y: 15000, Shape: Triangle, Color: "#CC79A7", Legend: "reinjection"},
					{X: 1.5, Y: 20000, Shape: Square, Label: "square"},
				},
				Annotations: []Annotation{
					{X: 0.3, Label: "MP_JOIN"},
					{X: 1.4, Label: "ADD_ADDR & <prio>", Color: "#D55E00"},
				},
			},
			{
				Title:        "Throughput",
				Height:       250,
				XLabel:       "time (s)",
				YLabel:       "throughput",
				XUnit:        UnitSeconds,
				YUnit:        UnitBitsPerSecond,
				YIncludeZero: true,
				Series: []Series{
					{Name: "style 0 series 0", Points: ramp(10, 0, 0.2, 1e6, 1e5)},
					{Name: "subflow 2", Points: ramp(10, 0.1, 0.2, 2e6, -1e5)},
					{Name: "subflow 3", Points: ramp(10, 0.2, 0.2, 3e6, 2e5)},
				},
			},
		},
	}
}

func TestRenderTwoPanels(t *testing.T) {
	f := twoPanelFigure()
	b := render(t, f)
	d := checkValidSVG(t, b)

	// Root geometry.
	if got := attr(d.root, "width"); got != "1000" {
		t.Errorf("width = %q, want 1000", got)
	}
	h, err := strconv.ParseFloat(attr(d.root, "height"), 64)
	if err != nil || h < 400+250 {
		t.Errorf("height = %q", attr(d.root, "height"))
	}
	if got, want := attr(d.root, "viewBox"), "0 0 1000 "+attr(d.root, "height"); got != want {
		t.Errorf("viewBox = %q, want %q", got, want)
	}

	// Data elements.
	wantCounts := map[string]int{
		"polyline.series":       3 + 3 + 3, // line and step series in panel 1, lines in panel 2
		"path.points":           3,
		"path.segments":         3,
		"path.mark":             5,
		"line.annotation":       2,
		"text.annotation-label": 2,
		"rect.annotation-bg":    2,
		"rect.frame":            2,
		"path.grid":             2,
		"path.ticks":            2,
		"g.legend":              2,
		"g.panel":               2,
		"clipPath":              0,
		"text.title":            1,
		"text.panel-title":      2,
		"text.xlabel":           2,
		"text.ylabel":           2,
		"text.note":             0,
	}
	for k, want := range wantCounts {
		got := d.byClass[k]
		if !strings.Contains(k, ".") {
			got = d.count[k]
			want = 4 // two clip paths per panel
		}
		if got != want {
			t.Errorf("%s: %d elements, want %d", k, got, want)
		}
	}
	// Legend: 12 series and 2 mark legends in panel 1, 3 series in panel 2;
	// line swatches for line, step and segment series, paths for points and
	// marks.
	if got, want := d.byClass["line.legend-swatch"], 9+3; got != want {
		t.Errorf("line swatches: %d, want %d", got, want)
	}
	if got, want := d.byClass["path.legend-swatch"], 3+2; got != want {
		t.Errorf("path swatches: %d, want %d", got, want)
	}
	ticks := d.byClass["text.tick"]
	if ticks < 4*2+2*3 {
		t.Errorf("only %d tick labels", ticks)
	}
	legendTexts := 14 + 3
	if got, want := d.count["text"], 1+2+ticks+2+2+2+legendTexts; got != want {
		t.Errorf("%d <text> elements, want %d", got, want)
	}
	if got, want := d.count["polyline"], 9; got != want {
		t.Errorf("%d <polyline>, want %d", got, want)
	}
	if got, want := d.count["path"], 3+3+5+2+2+5; got != want { // points, segments, marks, grid, ticks, swatches
		t.Errorf("%d <path>, want %d", got, want)
	}
	if got, want := d.count["line"], 2+12; got != want { // annotations, swatches
		t.Errorf("%d <line>, want %d", got, want)
	}

	// Legend names, title escaped in the bytes and intact once decoded.
	for _, p := range f.Panels {
		for _, s := range p.Series {
			if !slices.Contains(d.texts, s.Name) {
				t.Errorf("legend entry %q missing", s.Name)
			}
		}
	}
	for _, name := range []string{"retransmission", "reinjection", "ADD_ADDR & <prio>", "MP_JOIN"} {
		if !slices.Contains(d.texts, name) {
			t.Errorf("text %q missing", name)
		}
	}
	if !slices.Contains(d.texts, f.Title) || !slices.Contains(d.titles, f.Title) {
		t.Errorf("figure title %q not found", f.Title)
	}
	if !bytes.Contains(b, []byte("Connection &lt;a&amp;b&gt; &#34;quoted&#34; &#39;single&#39;")) {
		t.Error("title not escaped as expected")
	}
	if !slices.Contains(d.titles, "retransmission <1>") {
		t.Error("mark tooltip missing")
	}
	// Tick labels carry their units.
	for _, want := range []string{"0 s", "1 s", "0 KiB", "0 Mb/s"} {
		if !slices.Contains(d.texts, want) {
			t.Errorf("tick label %q missing from %q", want, d.texts)
		}
	}
}

// TestSharedXRange: the X axis is computed over every panel, so both
// panels have the same tick positions even though their data differ.
func TestSharedXRange(t *testing.T) {
	f := &Figure{Panels: []Panel{
		{XUnit: UnitSeconds, Series: []Series{{Points: ramp(5, 0, 0.1, 0, 1)}}},
		{XUnit: UnitSeconds, Series: []Series{{Points: ramp(5, 2, 0.5, 0, 1)}}},
	}}
	b := render(t, f)
	d := checkValidSVG(t, b)
	for _, want := range []string{"0 s", "4 s"} {
		if n := countString(d.texts, want); n != 2 {
			t.Errorf("tick %q appears %d times, want once per panel", want, n)
		}
	}
	grids := regexp.MustCompile(`class="grid"[^>]* d="([^"]*)"`).FindAllSubmatch(b, -1)
	if len(grids) != 2 {
		t.Fatalf("%d grids", len(grids))
	}
	xs := func(d []byte) []string {
		var out []string
		for _, m := range regexp.MustCompile(`M([0-9.]+) [0-9.]+V`).FindAllSubmatch(d, -1) {
			out = append(out, string(m[1]))
		}
		return out
	}
	if a, b := xs(grids[0][1]), xs(grids[1][1]); !slices.Equal(a, b) || len(a) < 3 {
		t.Errorf("vertical grid lines differ: %v vs %v", a, b)
	}
}

func countString(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

func TestRenderDegenerate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := map[string]*Figure{
		"nothing":      {},
		"no panels":    {Title: "empty"},
		"empty panel":  {Panels: []Panel{{}}},
		"empty series": {Panels: []Panel{{Series: []Series{{Name: "a"}, {Name: "b", Style: StyleStep}, {Style: StylePoints}, {Style: StyleSegments}}}}},
		"single point": {Panels: []Panel{{Series: []Series{
			{Points: []Point{{X: 1, Y: 2}}},
			{Style: StyleStep, Points: []Point{{X: 1, Y: 2}}},
			{Style: StylePoints, Points: []Point{{X: 1, Y: 2}}},
			{Style: StyleSegments, Points: []Point{{X: 1, Y: 2, Y1: 2}}},
		}, Marks: []Mark{{X: 1, Y: 2}}}}},
		"all equal": {Panels: []Panel{{YUnit: UnitBytes, XUnit: UnitSeconds, Series: []Series{
			{Points: []Point{{X: 3, Y: 7}, {X: 3, Y: 7}, {X: 3, Y: 7}}},
		}}}},
		"all zero": {Panels: []Panel{{YUnit: UnitBitsPerSecond, Series: []Series{
			{Points: []Point{{X: 0, Y: 0}, {X: 0, Y: 0}}},
		}}}},
		"NaN and Inf": {Panels: []Panel{{Series: []Series{
			{Points: []Point{{X: nan, Y: 1}, {X: 1, Y: nan}, {X: inf, Y: 2}, {X: 2, Y: -inf}, {X: 3, Y: 4}, {X: 4, Y: 5}}},
			{Style: StyleSegments, Points: []Point{{X: 1, Y: 1, Y1: nan}, {X: 2, Y: 1, Y1: 3}}},
			{Style: StylePoints, Points: []Point{{X: nan, Y: nan}}},
		}, Marks: []Mark{{X: nan, Y: 1}, {X: 1, Y: inf}}, Annotations: []Annotation{{X: nan, Label: "x"}, {X: inf}}}}},
		"only NaN":           {Panels: []Panel{{Series: []Series{{Points: []Point{{X: nan, Y: nan}}}}}}},
		"bad sizes":          {Width: -5, MaxPoints: -1, MaxMarks: -1, Panels: []Panel{{Height: -10, Series: []Series{{Points: ramp(3, 0, 1, 0, 1)}}}}},
		"tiny width":         {Width: 10, Panels: []Panel{{Height: 5, Title: "t", XLabel: "x", YLabel: "y", Series: []Series{{Name: "a very long legend entry that does not fit", Points: ramp(3, 0, 1, 0, 1)}}}}},
		"bad ranges":         {XRange: &Range{Min: 5, Max: 1}, Panels: []Panel{{YRange: &Range{Min: nan, Max: 1}, Series: []Series{{Points: ramp(3, 0, 1, 0, 1)}}}}},
		"huge values":        {Panels: []Panel{{YUnit: UnitBytes, Series: []Series{{Points: []Point{{X: -1e308, Y: -1e308}, {X: 1e308, Y: 1e308}}}}}}},
		"control characters": {Title: "a\x00b\x1bc\ufffe", Panels: []Panel{{Title: "\x07", Series: []Series{{Name: "x\x01y", Points: ramp(2, 0, 1, 0, 1)}}}}},
		"invalid UTF-8":      {Title: "a\xffb", Panels: []Panel{{Series: []Series{{Name: "\xc3", Points: ramp(2, 0, 1, 0, 1)}}}}},
		"unknown style":      {Panels: []Panel{{Series: []Series{{Style: Style(42), Points: ramp(3, 0, 1, 0, 1)}}, Marks: []Mark{{X: 1, Y: 1, Shape: Shape(9)}}}}},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			b := render(t, f)
			checkValidSVG(t, b)
			if bytes.Contains(b, []byte("NaN")) || bytes.Contains(b, []byte("Inf")) {
				t.Errorf("NaN or Inf in the output")
			}
		})
	}
}

func TestNoDataNote(t *testing.T) {
	d := checkValidSVG(t, render(t, &Figure{Panels: []Panel{{Series: []Series{{Name: "a"}}}}}))
	if !slices.Contains(d.texts, "no data") {
		t.Errorf("no \"no data\" note in %q", d.texts)
	}
}

func TestDeterministic(t *testing.T) {
	a := render(t, exampleFigure())
	for i := 0; i < 3; i++ {
		if b := render(t, exampleFigure()); !bytes.Equal(a, b) {
			t.Fatal("two renderings of the same figure differ")
		}
	}
	a = render(t, twoPanelFigure())
	if b := render(t, twoPanelFigure()); !bytes.Equal(a, b) {
		t.Fatal("two renderings of the same figure differ")
	}
}

// TestLineDecimationThroughRender: a 100k-point line with one spike is
// reduced to about two points per pixel column, and the spike is still
// drawn at the top of the plot.
func TestLineDecimationThroughRender(t *testing.T) {
	const n = 100_000
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{X: float64(i), Y: 10 + math.Sin(float64(i)/500)}
	}
	pts[61_234].Y = 100 // the spike sets the top of the Y axis
	pts[80_000].Y = -50 // and a dip the bottom
	f := &Figure{Panels: []Panel{{YRange: &Range{Min: -50, Max: 100}, Series: []Series{{Points: pts}}}}}
	b := render(t, f)
	checkValidSVG(t, b)
	m := regexp.MustCompile(`<polyline[^>]* points="([^"]*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no polyline")
	}
	coords := strings.Fields(string(m[1]))
	frame := regexp.MustCompile(`class="frame"[^>]* x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)" height="([0-9.]+)"`).FindSubmatch(b)
	if frame == nil {
		t.Fatal("no frame")
	}
	top, _ := strconv.ParseFloat(string(frame[2]), 64)
	width, _ := strconv.ParseFloat(string(frame[3]), 64)
	height, _ := strconv.ParseFloat(string(frame[4]), 64)
	if len(coords) > 2*int(width)+4 {
		t.Errorf("%d points drawn for a %v px wide plot", len(coords), width)
	}
	minY, maxY := math.Inf(1), math.Inf(-1)
	for _, c := range coords {
		_, ys, _ := strings.Cut(c, ",")
		y, err := strconv.ParseFloat(ys, 64)
		if err != nil {
			t.Fatal(err)
		}
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	if minY != top || maxY != top+height {
		t.Errorf("drawn y range [%v, %v], want the spike at %v and the dip at %v", minY, maxY, top, top+height)
	}
}

// TestCapNote: points beyond the cap are not drawn, and the panel says
// how many.
func TestCapNote(t *testing.T) {
	g := lcg(1)
	pts := make([]Point, 50_000)
	for i := range pts {
		pts[i] = Point{X: g.float(), Y: g.float()}
	}
	marks := make([]Mark, 3000)
	for i := range marks {
		marks[i] = Mark{X: float64(i) / 3000, Y: 0.5, Shape: Cross}
	}
	f := &Figure{MaxPoints: 1000, MaxMarks: 100, Panels: []Panel{{
		Series: []Series{{Style: StylePoints, Points: pts}},
		Marks:  marks,
	}}}
	b := render(t, f)
	d := checkValidSVG(t, b)
	if got := bytes.Count(b, []byte("h0")); got != 1000 {
		t.Errorf("%d dots drawn, want the cap 1000", got)
	}
	if got := d.byClass["path.mark"]; got != 100 {
		t.Errorf("%d marks drawn, want the cap 100", got)
	}
	var note string
	for _, s := range d.texts {
		if strings.Contains(s, "not drawn") {
			note = s
		}
	}
	m := regexp.MustCompile(`^(\d+) more points and (\d+) more marks not drawn$`).FindStringSubmatch(note)
	if m == nil {
		t.Fatalf("note = %q", note)
	}
	// Distinct pixels of the random cloud (all of them in a 900×300 plot
	// is unlikely) minus the cap.
	if n, _ := strconv.Atoi(m[1]); n < 10_000 || n > 49_000 {
		t.Errorf("note says %d points not drawn", n)
	}
	// The 3000 marks on one horizontal line fall on fewer distinct pixels
	// (about one per column): those minus the cap.
	if n, _ := strconv.Atoi(m[2]); n < 500 || n > 2900 {
		t.Errorf("note says %d marks not drawn", n)
	}

	// Without a cap, everything distinct is drawn and there is no note.
	f.MaxPoints, f.MaxMarks = -1, -1
	d = checkValidSVG(t, render(t, f))
	if d.byClass["text.note"] != 0 {
		t.Errorf("note without a cap: %q", d.texts)
	}
}

// TestSegmentsMerged: 100k contiguous DSN segments collapse to about one
// segment per pixel column, with no note.
func TestSegmentsMerged(t *testing.T) {
	pts := make([]Point, 100_000)
	for i := range pts {
		pts[i] = Point{X: float64(i) * 1e-4, Y: float64(i) * 1400, Y1: float64(i+1) * 1400}
	}
	f := &Figure{Panels: []Panel{{Series: []Series{{Style: StyleSegments, Points: pts}}}}}
	b := render(t, f)
	d := checkValidSVG(t, b)
	if n := bytes.Count(b, []byte("V")); n > 2000 {
		t.Errorf("%d segments drawn", n)
	}
	if d.byClass["text.note"] != 0 {
		t.Errorf("unexpected note: %q", d.texts)
	}
}

func TestFixedRanges(t *testing.T) {
	f := &Figure{
		XRange: &Range{Min: 1, Max: 2},
		Panels: []Panel{{
			Series: []Series{{Points: []Point{{X: 0, Y: 1000}, {X: 1.5, Y: 5}, {X: 1.8, Y: 7}, {X: 3, Y: -1000}}}},
		}},
	}
	d := checkValidSVG(t, render(t, f))
	// The Y range comes from the points inside the X range only.
	for _, s := range d.texts {
		if strings.Contains(s, "1000") {
			t.Errorf("Y axis stretched to points outside the X range: %q", d.texts)
		}
	}
	if !slices.Contains(d.texts, "1") || !slices.Contains(d.texts, "2") {
		t.Errorf("X ticks of the fixed range missing: %q", d.texts)
	}
}

func TestAnnotationRows(t *testing.T) {
	var ann []Annotation
	for i := 0; i < 10; i++ {
		ann = append(ann, Annotation{X: 1 + float64(i)*1e-3, Label: fmt.Sprintf("event %d", i)})
	}
	f := &Figure{Panels: []Panel{{Series: []Series{{Points: ramp(3, 0, 1, 0, 1)}}, Annotations: ann}}}
	d := checkValidSVG(t, render(t, f))
	if got := d.byClass["text.annotation-label"]; got != maxAnnotRow {
		t.Errorf("%d annotation labels, want %d", got, maxAnnotRow)
	}
	if got := d.byClass["line.annotation"]; got != 10 {
		t.Errorf("%d annotation lines, want 10", got)
	}
	if !slices.Contains(d.texts, "6 annotation labels hidden") {
		t.Errorf("no hidden-label note in %q", d.texts)
	}
	if !slices.Contains(d.titles, "event 9 at 1.01") {
		t.Errorf("annotation tooltip missing: %q", d.titles)
	}
}

func TestColors(t *testing.T) {
	f := &Figure{Palette: []string{"red", "green"}, Panels: []Panel{
		{Series: []Series{{Name: "a"}, {Name: "b", Color: "#123456"}, {Name: "c"}, {}}},
		{Series: []Series{{Name: "c"}, {Name: "a"}, {Name: "b"}, {Name: "d"}}},
	}}
	got := assignColors(f.Panels, f.Palette)
	want := [][]string{{"red", "#123456", "green", "red"}, {"green", "red", "#123456", "green"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("colours = %v, want %v", got, want)
	}
	if got := assignColors([]Panel{{Series: []Series{{}}}}, nil); got[0][0] != DefaultPalette()[0] {
		t.Errorf("default colour = %v", got)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRenderWriteError(t *testing.T) {
	if err := exampleFigure().Render(failWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Render to a failing writer: %v", err)
	}
}

// TestRender100kFast renders 100k points of every style; well under a
// second is expected (see BenchmarkRender100k), the bound here only
// catches a gross regression on a slow machine.
func TestRender100kFast(t *testing.T) {
	f := bigFigure(100_000)
	start := time.Now()
	b := render(t, f)
	el := time.Since(start)
	checkValidSVG(t, b)
	t.Logf("100k points × 4 styles + 10k marks: %v, %d bytes", el, len(b))
	if el > 5*time.Second {
		t.Errorf("rendering took %v", el)
	}
	if len(b) > 1<<20 {
		t.Errorf("SVG is %d bytes", len(b))
	}
}

// bigFigure: a DSN panel with n segments, an n-point step ACK line and
// 10k marks, a throughput panel with an n-point line and n random dots.
func bigFigure(n int) *Figure {
	g := lcg(3)
	segs := make([]Point, n)
	acks := make([]Point, n)
	line := make([]Point, n)
	dots := make([]Point, n)
	for i := 0; i < n; i++ {
		x := float64(i) * 1e-4
		segs[i] = Point{X: x, Y: float64(i) * 1400, Y1: float64(i+1) * 1400}
		acks[i] = Point{X: x + 0.02, Y: float64(i+1) * 1400}
		line[i] = Point{X: x, Y: 5e6 + 1e6*math.Sin(x*3) + 3e5*g.float()}
		dots[i] = Point{X: x, Y: 4e6 + 2e6*g.float()}
	}
	marks := make([]Mark, 10_000)
	for i := range marks {
		x := g.float() * float64(n) * 1e-4
		marks[i] = Mark{X: x, Y: x * 1e4 * 1400, Shape: Cross, Label: "retransmission"}
	}
	return &Figure{Title: "big", Panels: []Panel{
		{XUnit: UnitSeconds, YUnit: UnitBytes, Series: []Series{
			{Name: "segments", Style: StyleSegments, Points: segs},
			{Name: "ack", Style: StyleStep, Points: acks},
		}, Marks: marks},
		{XUnit: UnitSeconds, YUnit: UnitBitsPerSecond, Series: []Series{
			{Name: "rate", Points: line},
			{Name: "dots", Style: StylePoints, Points: dots},
		}},
	}}
}

func BenchmarkRender100k(b *testing.B) {
	for _, c := range []struct {
		name  string
		style Style
	}{{"line", StyleLine}, {"step", StyleStep}, {"points", StylePoints}, {"segments", StyleSegments}} {
		b.Run(c.name, func(b *testing.B) {
			g := lcg(5)
			pts := make([]Point, 100_000)
			for i := range pts {
				y := float64(i)*1400 + 1e5*g.float()
				pts[i] = Point{X: float64(i) * 1e-4, Y: y, Y1: y + 1400}
			}
			f := &Figure{Panels: []Panel{{Series: []Series{{Style: c.style, Points: pts}}}}}
			var buf bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := f.Render(&buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes/svg")
		})
	}
	b.Run("all", func(b *testing.B) {
		f := bigFigure(100_000)
		var buf bytes.Buffer
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			if err := f.Render(&buf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(buf.Len()), "bytes/svg")
	})
}

// FuzzRender: whatever the numbers and strings, Render gives valid SVG
// without panicking.
func FuzzRender(f *testing.F) {
	f.Add(0.0, 1.0, 2.0, 3.0, "a<b", uint8(0))
	f.Add(math.NaN(), math.Inf(1), -1e308, 5e-324, "\x00", uint8(3))
	f.Add(1.0, 1.0, 1.0, 1.0, "", uint8(255))
	f.Fuzz(func(t *testing.T, a, b, c, d float64, s string, k uint8) {
		pts := []Point{{X: a, Y: b, Y1: c}, {X: c, Y: d, Y1: a}, {X: b, Y: a, Y1: d}}
		fig := &Figure{Title: s, Width: int(k) * 5, XRange: map[bool]*Range{true: {a, b}}[k%7 == 0], Panels: []Panel{{
			Title: s, XLabel: s, YLabel: s, YUnit: Unit(k % 5), XUnit: Unit(k % 4), Height: int(k),
			Series: []Series{
				{Name: s, Style: Style(k % 5), Points: pts},
				{Name: s + "2", Style: StyleSegments, Points: pts},
			},
			Marks:       []Mark{{X: a, Y: d, Shape: Shape(k % 5), Label: s, Legend: s}},
			Annotations: []Annotation{{X: c, Label: s}},
			YRange:      map[bool]*Range{true: {c, d}}[k%3 == 0],
		}}}
		var buf bytes.Buffer
		if err := fig.Render(&buf); err != nil {
			t.Fatal(err)
		}
		checkValidSVG(t, buf.Bytes())
	})
}

// TestLineClippedToAxes: with fixed ranges, a line towards far-off points
// is cut at the frame and keeps its slope.
func TestLineClippedToAxes(t *testing.T) {
	f := &Figure{XRange: &Range{Min: 0, Max: 1}, Panels: []Panel{{
		YRange: &Range{Min: 0, Max: 1},
		Series: []Series{{Points: []Point{{X: -1e9, Y: -1e9}, {X: 1e12, Y: 1e12}}}},
	}}}
	b := render(t, f)
	checkValidSVG(t, b)
	m := regexp.MustCompile(`<polyline[^>]* points="([^"]*)"`).FindAllSubmatch(b, -1)
	frame := regexp.MustCompile(`class="frame"[^>]* x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)" height="([0-9.]+)"`).FindSubmatch(b)
	if len(m) != 1 || frame == nil {
		t.Fatalf("%d polylines, frame %q", len(m), frame)
	}
	fx, _ := strconv.ParseFloat(string(frame[1]), 64)
	fy, _ := strconv.ParseFloat(string(frame[2]), 64)
	fw, _ := strconv.ParseFloat(string(frame[3]), 64)
	fh, _ := strconv.ParseFloat(string(frame[4]), 64)
	want := fmt.Sprintf("%s,%s %s,%s", fmtNum(fx), fmtNum(fy+fh), fmtNum(fx+fw), fmtNum(fy))
	if got := string(m[0][1]); got != want {
		t.Errorf("points = %q, want the diagonal %q", got, want)
	}
}

func fmtNum(v float64) string { return string(appendNum(nil, v)) }

func TestNilFigure(t *testing.T) {
	var f *Figure
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		t.Fatal(err)
	}
	checkValidSVG(t, buf.Bytes())
}
