package plot

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
)

// Layout, in pixels.
const (
	outerMargin = 10  // left, right and bottom edges of the document
	figTitleH   = 34  // band of the figure title
	headerH     = 22  // panel title line (always reserved)
	xTickH      = 18  // X tick labels under a plot
	xLabelH     = 18  // X axis label
	yLabelW     = 20  // rotated Y axis label
	tickLen     = 4   // tick marks
	annotRowH   = 13  // one row of annotation labels
	maxAnnotRow = 4   // rows of annotation labels before labels are hidden
	legendRowH  = 18  // one row of the legend
	legendGap   = 6   // between the X label and the legend
	panelGap    = 16  // between two panels
	minPlotH    = 60  // smallest plot area
	minPlotW    = 100 // smallest plot area
	markR       = 4   // half size of a mark
	pointW      = 3.5 // diameter of a StylePoints dot
	segW        = 2   // width of a StyleSegments segment
	minSegH     = 3   // shortest StyleSegments segment drawn
)

// Colours of the frame.
const (
	textColor  = "#222222"
	tickColor  = "#444444"
	gridColor  = "#e3e3e3"
	frameColor = "#666666"
	noteColor  = "#b00020"
	annotColor = "#555555"
	markColor  = "#000000"
)

// Render writes the figure as a complete standalone SVG document (no
// external resources, no scripts). The same figure always gives the same
// bytes. It never panics: unusable values (NaN, infinities, empty series)
// are skipped, and an internal failure is returned as an error.
func (f *Figure) Render(w io.Writer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot: render: %v", r)
		}
	}()
	if f == nil {
		f = &Figure{}
	}
	b := f.render()
	_, err = w.Write(b)
	return err
}

// axis is the resolved scale of one axis.
type axis struct {
	lo, hi float64
	ticks  []float64
	labels []string
}

// resolveAxis chooses the bounds and ticks of an axis: the fixed range
// when it is usable, otherwise the data range (or [0, 1] without data),
// widened to nice ticks; when tight, only widened to a tick less than 5 %
// of the range away, the other ticks being those inside.
func resolveAxis(u Unit, fixed *Range, dlo, dhi float64, has, includeZero, tight bool, n int) axis {
	if fixed != nil && finite(fixed.Min) && finite(fixed.Max) && fixed.Min < fixed.Max {
		a := axis{lo: fixed.Min, hi: fixed.Max}
		ticks, labels := u.Axis(a.lo, a.hi, n)
		eps := (a.hi - a.lo) * 1e-9
		for i, t := range ticks {
			if t >= a.lo-eps && t <= a.hi+eps {
				a.ticks = append(a.ticks, t)
				a.labels = append(a.labels, labels[i])
			}
		}
		return a
	}
	if !has {
		dlo, dhi = 0, 1
	}
	if includeZero {
		dlo, dhi = math.Min(dlo, 0), math.Max(dhi, 0)
	}
	if tight && dlo < dhi && finite(dhi-dlo) {
		// Tight, but an end within 5 % of a tick goes to the tick, so
		// that a time axis starting just after 0 shows "0 s".
		lo, hi := dlo, dhi
		if ticks, _ := u.Axis(dlo, dhi, n); len(ticks) >= 2 {
			slack := 0.05 * (dhi - dlo)
			if t := ticks[0]; t <= dlo && dlo-t <= slack {
				lo = t
			}
			if t := ticks[len(ticks)-1]; t >= dhi && t-dhi <= slack {
				hi = t
			}
		}
		return resolveAxis(u, &Range{lo, hi}, 0, 0, false, false, false, n)
	}
	a := axis{}
	a.ticks, a.labels = u.Axis(dlo, dhi, n)
	if len(a.ticks) >= 2 {
		a.lo, a.hi = a.ticks[0], a.ticks[len(a.ticks)-1]
	} else {
		a.lo, a.hi = dlo, dhi
	}
	if !(a.lo < a.hi) || !finite(a.hi-a.lo) {
		a = axis{lo: 0, hi: 1}
		a.ticks, a.labels = u.Axis(0, 1, n)
	}
	return a
}

// annotPlaced is an annotation with its pixel position and label row
// (-1: no label drawn).
type annotPlaced struct {
	a     *Annotation
	x     float64
	cx    float64 // centre of the label
	level int
}

// legendItem is one entry of a panel's legend.
type legendItem struct {
	text   string
	color  string
	series bool
	style  Style
	dashed bool
	shape  Shape
	x, w   float64
	row    int
}

// panelLayout is the resolved geometry of one panel.
type panelLayout struct {
	p          *Panel
	colors     []string
	y          axis
	top        float64 // top of the panel
	plotTop    float64
	plotH      float64
	annots     []annotPlaced
	levels     int
	hiddenAnno int
	legend     []legendItem
	legendRows int
	bottom     float64 // bottom of the panel, legend included
	hasData    bool
	clip       string // id of the clip path of lines and segments
	clipMarks  string // id of the (larger) clip path of dots and marks
}

type renderer struct {
	svgBuf
	f         *Figure
	width     float64
	left      float64
	plotW     float64
	x         axis
	maxPoints int
	maxMarks  int
	panels    []panelLayout
	clipIDs   []string
}

func (r *renderer) px(x float64) float64 {
	return clampPx(r.left + (x-r.x.lo)/(r.x.hi-r.x.lo)*r.plotW)
}

func (l *panelLayout) py(y float64) float64 {
	return clampPx(l.plotTop + l.plotH - (y-l.y.lo)/(l.y.hi-l.y.lo)*l.plotH)
}

// clampPx keeps far-off coordinates (outside a fixed range) finite and
// short; they are clipped anyway.
func clampPx(v float64) float64 {
	return math.Max(-1e6, math.Min(1e6, v))
}

func capOf(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}

func (f *Figure) render() []byte {
	r := &renderer{f: f}
	w := f.Width
	if w <= 0 {
		w = DefaultWidth
	}
	r.width = float64(w)
	r.maxPoints = capOf(f.MaxPoints, DefaultMaxPoints)
	r.maxMarks = capOf(f.MaxMarks, DefaultMaxMarks)
	colors := assignColors(f.Panels, f.Palette)

	// The X range is shared by every panel.
	var xs extent
	addX := xs.add
	for i := range f.Panels {
		p := &f.Panels[i]
		for j := range p.Series {
			for _, pt := range p.Series[j].Points {
				if finite(pt.Y) {
					addX(pt.X)
				}
			}
		}
		for _, m := range p.Marks {
			if finite(m.Y) {
				addX(m.X)
			}
		}
		for _, a := range p.Annotations {
			addX(a.X)
		}
	}
	xFixed := f.XRange != nil && finite(f.XRange.Min) && finite(f.XRange.Max) && f.XRange.Min < f.XRange.Max
	inX := func(x float64) bool {
		return finite(x) && (!xFixed || (x >= f.XRange.Min && x <= f.XRange.Max))
	}

	// Y axes, with a provisional plot height for the number of ticks (so
	// the labels, hence the left margin, are known before the final
	// layout, and stay the same).
	r.panels = make([]panelLayout, len(f.Panels))
	anyYLabel := false
	maxYLabelW := 0.0
	for i := range f.Panels {
		p := &f.Panels[i]
		l := &r.panels[i]
		l.p = p
		l.colors = colors[i]
		h := p.Height
		if h <= 0 {
			h = DefaultHeight
		}
		provH := float64(h) - headerH - xTickH
		if p.XLabel != "" {
			provH -= xLabelH
		}
		provH = math.Max(provH, minPlotH)
		var ys extent
		addY := ys.add
		for j := range p.Series {
			s := &p.Series[j]
			for _, pt := range s.Points {
				if !inX(pt.X) || !finite(pt.Y) {
					continue
				}
				if s.Style == StyleSegments {
					if !finite(pt.Y1) {
						continue
					}
					addY(pt.Y1)
				}
				addY(pt.Y)
			}
		}
		for _, m := range p.Marks {
			if inX(m.X) {
				addY(m.Y)
			}
		}
		l.hasData = ys.ok
		l.y = resolveAxis(p.YUnit, p.YRange, ys.lo, ys.hi, ys.ok, p.YIncludeZero, false, int(math.Max(2, math.Round(provH/50))))
		for _, s := range l.y.labels {
			maxYLabelW = math.Max(maxYLabelW, textWidth(s, tickSize))
		}
		if p.YLabel != "" {
			anyYLabel = true
		}
	}
	r.left = outerMargin + maxYLabelW + tickLen + 6
	if anyYLabel {
		r.left += yLabelW
	}

	// X ticks: about one per 100 px, fewer while the labels would touch.
	// The X unit is the first panel's (all panels share the axis).
	xu := UnitNone
	if len(f.Panels) > 0 {
		xu = f.Panels[0].XUnit
	}
	right := float64(outerMargin + 10)
	r.plotW = math.Max(minPlotW, r.width-r.left-right)
	for n := int(math.Max(2, math.Round(r.plotW/100))); ; n-- {
		r.x = resolveAxis(xu, f.XRange, xs.lo, xs.hi, xs.ok, false, true, n)
		widest := 0.0
		for _, s := range r.x.labels {
			widest = math.Max(widest, textWidth(s, tickSize))
		}
		if n <= 2 || len(r.x.ticks) < 2 || (widest+14)*float64(len(r.x.ticks)-1) <= r.plotW {
			// Room for the last label, were it on the right edge.
			if len(r.x.labels) > 0 {
				last := textWidth(r.x.labels[len(r.x.labels)-1], tickSize)
				right = math.Max(right, last/2+outerMargin)
			}
			break
		}
	}
	r.plotW = math.Max(minPlotW, r.width-r.left-right)
	r.width = math.Max(r.width, r.left+r.plotW+right)

	// Panels, top to bottom.
	y := float64(outerMargin)
	if f.Title != "" {
		y = figTitleH
	}
	for i := range r.panels {
		l := &r.panels[i]
		p := l.p
		l.top = y
		r.placeAnnotations(l)
		band := 0.0
		if l.levels > 0 {
			band = float64(l.levels*annotRowH) + 6
		}
		h := p.Height
		if h <= 0 {
			h = DefaultHeight
		}
		l.plotTop = y + headerH + band
		below := float64(xTickH)
		if p.XLabel != "" {
			below += xLabelH
		}
		l.plotH = math.Max(minPlotH, float64(h)-headerH-band-below)
		r.placeLegend(l)
		l.bottom = l.plotTop + l.plotH + below
		if l.legendRows > 0 {
			l.bottom += legendGap + float64(l.legendRows*legendRowH)
		}
		y = l.bottom + panelGap
	}
	height := y - panelGap + outerMargin
	if len(r.panels) == 0 {
		height = y + outerMargin
	}
	height = math.Ceil(height)

	r.header(height)
	for i := range r.panels {
		r.panel(i)
	}
	r.raw("</svg>\n")
	return r.b
}

// assignColors gives every series its colour: its own, else the colour
// already given to a series of the same name (so a subflow keeps its
// colour from panel to panel), else the next colour of the palette.
func assignColors(panels []Panel, palette []string) [][]string {
	if len(palette) == 0 {
		palette = DefaultPalette()
	}
	byName := map[string]string{}
	next := 0
	out := make([][]string, len(panels))
	for i := range panels {
		out[i] = make([]string, len(panels[i].Series))
		for j, s := range panels[i].Series {
			c := s.Color
			if c == "" && s.Name != "" {
				c = byName[s.Name]
			}
			if c == "" {
				c = palette[next%len(palette)]
				next++
			}
			if s.Name != "" {
				if _, ok := byName[s.Name]; !ok {
					byName[s.Name] = c
				}
			}
			out[i][j] = c
		}
	}
	return out
}

// placeAnnotations puts the annotation labels in rows above the plot: from
// left to right, each label goes in the lowest row where it does not touch
// the previous label; a label that fits in none of the maxAnnotRow rows is
// not drawn (its line is, with the label as tooltip).
func (r *renderer) placeAnnotations(l *panelLayout) {
	p := l.p
	for i := range p.Annotations {
		a := &p.Annotations[i]
		if !finite(a.X) || a.X < r.x.lo || a.X > r.x.hi {
			continue
		}
		l.annots = append(l.annots, annotPlaced{a: a, x: r.px(a.X), level: -1})
	}
	slices.SortStableFunc(l.annots, func(a, b annotPlaced) int {
		switch {
		case a.x < b.x:
			return -1
		case a.x > b.x:
			return 1
		}
		return 0
	})
	ends := []float64{}
	for i := range l.annots {
		ap := &l.annots[i]
		if ap.a.Label == "" {
			continue
		}
		w := textWidth(ap.a.Label, annotSize)
		// Centred on the line, but kept above the plot area.
		cx := ap.x
		cx = math.Min(cx, r.left+r.plotW-w/2)
		cx = math.Max(cx, r.left+w/2)
		ap.cx = cx
		for lv := 0; lv < maxAnnotRow; lv++ {
			if lv == len(ends) {
				ends = append(ends, math.Inf(-1))
			}
			if cx-w/2 >= ends[lv]+6 {
				ends[lv] = cx + w/2
				ap.level = lv
				break
			}
		}
		if ap.level < 0 {
			l.hiddenAnno++
		} else if ap.level+1 > l.levels {
			l.levels = ap.level + 1
		}
	}
}

// placeLegend flows the legend entries (named series, then mark legends)
// in rows under the plot, starting at its left edge.
func (r *renderer) placeLegend(l *panelLayout) {
	p := l.p
	for j := range p.Series {
		s := &p.Series[j]
		if s.Name == "" {
			continue
		}
		l.legend = append(l.legend, legendItem{text: s.Name, color: l.colors[j], series: true, style: s.Style, dashed: s.Dashed})
	}
	type mkey struct {
		text, color string
		shape       Shape
	}
	seen := map[mkey]bool{}
	for _, m := range p.Marks {
		if m.Legend == "" {
			continue
		}
		c := m.Color
		if c == "" {
			c = markColor
		}
		k := mkey{m.Legend, c, m.Shape}
		if seen[k] {
			continue
		}
		seen[k] = true
		l.legend = append(l.legend, legendItem{text: m.Legend, color: c, shape: m.Shape})
	}
	if len(l.legend) == 0 {
		return
	}
	x, row := r.left, 0
	maxX := r.width - outerMargin
	for i := range l.legend {
		it := &l.legend[i]
		it.w = 28 + textWidth(it.text, legendSize)
		if x > r.left && x+it.w > maxX {
			x, row = r.left, row+1
		}
		it.x, it.row = x, row
		x += it.w + 18
	}
	l.legendRows = row + 1
}

func (r *renderer) header(height float64) {
	r.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	r.raw(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1"`)
	r.numAttr("width", r.width)
	r.numAttr("height", height)
	r.raw(` viewBox="0 0 `)
	r.num(r.width)
	r.raw(" ")
	r.num(height)
	r.raw(`"`)
	r.attr("font-family", fontFamily)
	r.raw(">\n")
	r.title(r.f.Title)
	r.raw(`<rect class="background" width="100%" height="100%" fill="#ffffff"/>` + "\n")
	if len(r.panels) > 0 {
		r.raw("<defs>")
		for i := range r.panels {
			l := &r.panels[i]
			// Lines and segments are clipped to the plot area; dots and
			// marks (whose centres are inside) may overflow it a little.
			l.clip = r.clipRect(r.left, l.plotTop, r.plotW, l.plotH)
			l.clipMarks = r.clipRect(r.left-markR-2, l.plotTop-markR-2, r.plotW+2*markR+4, l.plotH+2*markR+4)
		}
		r.raw("</defs>\n")
	}
	if r.f.Title != "" {
		// Bold text is wider than textWidth's estimate; a long title is
		// set smaller rather than cut by the edges.
		size := titleSize
		for size > 9 && textWidth(r.f.Title, float64(size))*1.1 > r.width-2*outerMargin {
			size--
		}
		r.text(r.width/2, 22, size, "middle", `font-weight="bold" class="title"`, r.f.Title)
	}
}

// clipRect writes a clip path and returns its id. The id is made of the
// rectangle itself, so that figures inlined in one HTML page can only
// share an id for the same rectangle; a second definition is skipped.
func (r *renderer) clipRect(x, y, w, h float64) string {
	id := "plot-clip"
	for _, v := range []float64{x, y, w, h} {
		id += "_" + string(appendNum(nil, v))
	}
	if slices.Contains(r.clipIDs, id) {
		return id
	}
	r.clipIDs = append(r.clipIDs, id)
	r.raw(`<clipPath id="` + id + `"><rect`)
	r.numAttr("x", x)
	r.numAttr("y", y)
	r.numAttr("width", w)
	r.numAttr("height", h)
	r.raw("/></clipPath>")
	return id
}

// text writes a <text> element; extra is raw attributes (constant).
func (r *renderer) text(x, y float64, size int, anchor, extra, s string) {
	r.raw("<text")
	r.numAttr("x", x)
	r.numAttr("y", y)
	r.raw(` font-size="` + strconv.Itoa(size) + `"`)
	if anchor != "" && anchor != "start" {
		r.raw(` text-anchor="` + anchor + `"`)
	}
	if extra != "" {
		r.raw(" " + extra)
	}
	r.raw(">")
	r.esc(s)
	r.raw("</text>\n")
}

func (r *renderer) panel(i int) {
	l := &r.panels[i]
	p := l.p
	top, bottom := l.plotTop, l.plotTop+l.plotH
	left, rightX := r.left, r.left+r.plotW
	r.raw(`<g class="panel">` + "\n")

	// Grid.
	r.raw(`<path class="grid" fill="none"`)
	r.attr("stroke", gridColor)
	r.raw(` stroke-width="1" d="`)
	for _, t := range r.x.ticks {
		x := r.px(t)
		r.raw("M")
		r.num(x)
		r.raw(" ")
		r.num(top)
		r.raw("V")
		r.num(bottom)
	}
	for _, t := range l.y.ticks {
		yy := l.py(t)
		r.raw("M")
		r.num(left)
		r.raw(" ")
		r.num(yy)
		r.raw("H")
		r.num(rightX)
	}
	r.raw(`"/>` + "\n")

	// Annotation lines, under the data.
	for _, ap := range l.annots {
		c := ap.a.Color
		if c == "" {
			c = annotColor
		}
		y1 := top
		if ap.level >= 0 {
			y1 = top - 6 - float64(ap.level*annotRowH) - annotSize + 2
		}
		r.raw(`<line class="annotation"`)
		r.numAttr("x1", ap.x)
		r.numAttr("y1", y1)
		r.numAttr("x2", ap.x)
		r.numAttr("y2", bottom)
		r.attr("stroke", c)
		r.raw(` stroke-width="1" stroke-dasharray="4,3">`)
		r.title(annotTooltip(ap.a, p.XUnit))
		r.raw("</line>\n")
	}

	// Data.
	dropped := 0
	r.raw(`<g clip-path="url(#` + l.clip + `)">` + "\n")
	for j := range p.Series {
		dropped += r.series(l, &p.Series[j], l.colors[j])
	}
	r.raw("</g>\n")
	droppedMarks := r.marks(l)

	// Frame, ticks, tick labels.
	r.raw(`<rect class="frame" fill="none"`)
	r.attr("stroke", frameColor)
	r.numAttr("x", left)
	r.numAttr("y", top)
	r.numAttr("width", r.plotW)
	r.numAttr("height", l.plotH)
	r.raw("/>\n")
	r.raw(`<path class="ticks" fill="none"`)
	r.attr("stroke", frameColor)
	r.raw(` d="`)
	for _, t := range r.x.ticks {
		r.raw("M")
		r.num(r.px(t))
		r.raw(" ")
		r.num(bottom)
		r.raw("v" + strconv.Itoa(tickLen))
	}
	for _, t := range l.y.ticks {
		r.raw("M")
		r.num(left)
		r.raw(" ")
		r.num(l.py(t))
		r.raw("h-" + strconv.Itoa(tickLen))
	}
	r.raw(`"/>` + "\n")
	tickAttr := `fill="` + tickColor + `" class="tick"`
	for k, t := range r.x.ticks {
		r.text(r.px(t), bottom+tickLen+12, tickSize, "middle", tickAttr, r.x.labels[k])
	}
	for k, t := range l.y.ticks {
		r.text(left-tickLen-3, l.py(t)+4, tickSize, "end", tickAttr, l.y.labels[k])
	}

	// Axis labels.
	below := bottom + xTickH
	if p.XLabel != "" {
		r.text(left+r.plotW/2, below+13, labelSize, "middle", `fill="`+textColor+`" class="xlabel"`, p.XLabel)
		below += xLabelH
	}
	if p.YLabel != "" {
		cy := top + l.plotH/2
		x := float64(outerMargin + 12)
		r.raw("<text")
		r.numAttr("x", x)
		r.numAttr("y", cy)
		r.raw(` font-size="` + strconv.Itoa(labelSize) + `" text-anchor="middle" fill="` + textColor + `" class="ylabel" transform="rotate(-90 `)
		r.num(x)
		r.raw(" ")
		r.num(cy)
		r.raw(`)">`)
		r.esc(p.YLabel)
		r.raw("</text>\n")
	}

	// Annotation labels, over the lines, on a white box that hides the
	// lines of other annotations passing behind.
	for _, ap := range l.annots {
		if ap.level < 0 {
			continue
		}
		c := ap.a.Color
		if c == "" {
			c = annotColor
		}
		base := top - 6 - float64(ap.level*annotRowH)
		w := textWidth(ap.a.Label, annotSize)
		r.raw(`<rect class="annotation-bg" fill="#ffffff"`)
		r.numAttr("x", ap.cx-w/2-2)
		r.numAttr("y", base-annotSize+1)
		r.numAttr("width", w+4)
		r.numAttr("height", annotSize+2)
		r.raw("/>\n<text")
		r.numAttr("x", ap.cx)
		r.numAttr("y", base)
		r.raw(` font-size="` + strconv.Itoa(annotSize) + `" text-anchor="middle" class="annotation-label"`)
		r.attr("fill", c)
		r.raw(">")
		r.esc(ap.a.Label)
		r.raw("</text>\n")
	}

	// Title and note.
	hy := l.top + 15
	if p.Title != "" {
		r.text(left, hy, panelTitleSize, "start", `font-weight="bold" fill="`+textColor+`" class="panel-title"`, p.Title)
	}
	var note string
	switch {
	case dropped > 0 && droppedMarks > 0:
		note = fmt.Sprintf("%d more points and %d more marks not drawn", dropped, droppedMarks)
	case dropped > 0:
		note = fmt.Sprintf("%d more points not drawn", dropped)
	case droppedMarks > 0:
		note = fmt.Sprintf("%d more marks not drawn", droppedMarks)
	}
	if l.hiddenAnno > 0 {
		if note != "" {
			note += "; "
		}
		note += fmt.Sprintf("%d annotation labels hidden", l.hiddenAnno)
	}
	if note != "" {
		r.text(rightX, hy, noteSize, "end", `font-style="italic" fill="`+noteColor+`" class="note"`, note)
	}
	if !l.hasData {
		r.text(left+r.plotW/2, top+l.plotH/2, labelSize, "middle", `fill="#888888" class="note"`, "no data")
	}

	// Legend.
	if l.legendRows > 0 {
		r.raw(`<g class="legend">` + "\n")
		for _, it := range l.legend {
			cy := below + legendGap + float64(it.row*legendRowH) + legendRowH/2
			r.legendSwatch(it, it.x, cy)
			r.text(it.x+28, cy+4, legendSize, "start", `fill="`+textColor+`"`, it.text)
		}
		r.raw("</g>\n")
	}
	r.raw("</g>\n")
}

func annotTooltip(a *Annotation, u Unit) string {
	at := "at " + u.Format(a.X)
	if a.Label == "" {
		return at
	}
	return a.Label + " " + at
}

func (r *renderer) legendSwatch(it legendItem, x, cy float64) {
	if !it.series {
		r.raw(`<path class="legend-swatch"`)
		r.markAttrs(it.shape, it.color, x+11, cy)
		r.raw("/>\n")
		return
	}
	switch it.style {
	case StylePoints:
		r.raw(`<path class="legend-swatch" d="M`)
		r.num(x + 11)
		r.raw(" ")
		r.num(cy)
		r.raw(`h0"`)
		r.attr("stroke", it.color)
		r.raw(` stroke-width="` + strconv.FormatFloat(pointW+1, 'f', -1, 64) + `" stroke-linecap="round"/>` + "\n")
	case StyleSegments:
		r.raw(`<line class="legend-swatch"`)
		r.numAttr("x1", x+11)
		r.numAttr("y1", cy-6)
		r.numAttr("x2", x+11)
		r.numAttr("y2", cy+6)
		r.attr("stroke", it.color)
		r.raw(` stroke-width="3"`)
		if it.dashed {
			r.raw(` stroke-dasharray="3,2"`)
		}
		r.raw("/>\n")
	default:
		r.raw(`<line class="legend-swatch"`)
		r.numAttr("x1", x)
		r.numAttr("y1", cy)
		r.numAttr("x2", x+22)
		r.numAttr("y2", cy)
		r.attr("stroke", it.color)
		r.raw(` stroke-width="2.5"`)
		if it.dashed {
			r.raw(` stroke-dasharray="5,3"`)
		}
		r.raw("/>\n")
	}
}

// series draws one series and returns how many of its points were left
// out by the cap.
func (r *renderer) series(l *panelLayout, s *Series, color string) int {
	pw := 2 * int(r.plotW)
	switch s.Style {
	case StylePoints:
		pts := make([]xy, 0, len(s.Points))
		for _, p := range s.Points {
			if !finite(p.X) || !finite(p.Y) {
				continue
			}
			v := xy{r.px(p.X), l.py(p.Y)}
			if r.inside(l, v, 0.5) {
				pts = append(pts, v)
			}
		}
		if len(pts) > pw {
			pts = dedupePoints(pts)
		}
		pts, dropped := sampleEven(pts, r.maxPoints)
		if len(pts) == 0 {
			return dropped
		}
		r.raw(`<path class="series points" fill="none"`)
		r.attr("stroke", color)
		r.raw(` stroke-width="` + strconv.FormatFloat(pointW, 'f', -1, 64) + `" stroke-linecap="round" d="`)
		for _, v := range pts {
			r.raw("M")
			r.num(v.x)
			r.raw(" ")
			r.num(v.y)
			r.raw("h0")
		}
		r.raw(`">`)
		r.title(s.Name)
		r.raw("</path>\n")
		return dropped
	case StyleSegments:
		segs := make([]seg, 0, len(s.Points))
		for _, p := range s.Points {
			if !finite(p.X) || !finite(p.Y) || !finite(p.Y1) {
				continue
			}
			y0, y1 := l.py(p.Y), l.py(p.Y1)
			if y0 > y1 {
				y0, y1 = y1, y0
			}
			x := r.px(p.X)
			if x < r.left-1 || x > r.left+r.plotW+1 || y1 < l.plotTop-1 || y0 > l.plotTop+l.plotH+1 {
				continue
			}
			segs = append(segs, seg{x, y0, y1})
		}
		if len(segs) > pw {
			segs = mergeSegments(segs)
		}
		segs, dropped := sampleEven(segs, r.maxPoints)
		if len(segs) == 0 {
			return dropped
		}
		r.raw(`<path class="series segments" fill="none"`)
		r.attr("stroke", color)
		r.raw(` stroke-width="` + strconv.Itoa(segW) + `"`)
		if s.Dashed {
			r.raw(` stroke-dasharray="3,2"`)
		}
		r.raw(` d="`)
		for _, v := range segs {
			y0, y1 := v.y0, v.y1
			if y1-y0 < minSegH { // tall enough to be seen
				m := (y0 + y1) / 2
				y0, y1 = m-minSegH/2, m+minSegH/2
			}
			r.raw("M")
			r.num(v.x)
			r.raw(" ")
			r.num(y0)
			r.raw("V")
			r.num(y1)
		}
		r.raw(`">`)
		r.title(s.Name)
		r.raw("</path>\n")
		return dropped
	}
	// StyleLine, StyleStep (and unknown styles, drawn as lines), cut to
	// the axes in data space (so a line towards a far-off point keeps its
	// slope), then decimated in pixel space.
	pts := make([]xy, 0, len(s.Points))
	for _, p := range s.Points {
		if finite(p.X) && finite(p.Y) {
			pts = append(pts, xy{p.X, p.Y})
		}
	}
	if s.Style == StyleStep {
		pts = stepify(pts)
	}
	if len(pts) == 1 {
		// A line through one point would not show: draw a dot.
		v := xy{r.px(pts[0].x), l.py(pts[0].y)}
		if !r.inside(l, v, 0.5) {
			return 0
		}
		r.raw(`<path class="series" fill="none"`)
		r.attr("stroke", color)
		r.raw(` stroke-width="` + strconv.FormatFloat(pointW, 'f', -1, 64) + `" stroke-linecap="round" d="M`)
		r.num(v.x)
		r.raw(" ")
		r.num(v.y)
		r.raw(`h0">`)
		r.title(s.Name)
		r.raw("</path>\n")
		return 0
	}
	runs := clipPolyline(pts, r.x.lo, r.x.hi, l.y.lo, l.y.hi)
	total := 0
	for _, run := range runs {
		total += len(run)
	}
	for _, run := range runs {
		if len(run) < 2 {
			continue
		}
		for k, v := range run {
			run[k] = xy{r.px(v.x), l.py(v.y)}
		}
		if total > pw {
			run = decimateMinMax(run)
		}
		r.raw(`<polyline class="series" fill="none"`)
		r.attr("stroke", color)
		r.raw(` stroke-width="1.5" stroke-linejoin="round"`)
		if s.Dashed {
			r.raw(` stroke-dasharray="6,4"`)
		}
		r.raw(` points="`)
		for k, v := range run {
			if k > 0 {
				r.raw(" ")
			}
			r.num(v.x)
			r.raw(",")
			r.num(v.y)
		}
		r.raw(`">`)
		r.title(s.Name)
		r.raw("</polyline>\n")
	}
	return 0
}

// inside reports whether v lies in the plot area, give or take tol pixels.
func (r *renderer) inside(l *panelLayout, v xy, tol float64) bool {
	return v.x >= r.left-tol && v.x <= r.left+r.plotW+tol && v.y >= l.plotTop-tol && v.y <= l.plotTop+l.plotH+tol
}

// marks draws the marks of a panel and returns how many the cap left out.
func (r *renderer) marks(l *panelLayout) int {
	type pm struct {
		m *Mark
		v xy
	}
	ms := make([]pm, 0, len(l.p.Marks))
	for k := range l.p.Marks {
		m := &l.p.Marks[k]
		if !finite(m.X) || !finite(m.Y) {
			continue
		}
		v := xy{r.px(m.X), l.py(m.Y)}
		if r.inside(l, v, 0.5) {
			ms = append(ms, pm{m, v})
		}
	}
	if len(ms) > 2*int(r.plotW) {
		type key struct {
			px    [2]int32
			shape Shape
			color string
		}
		seen := make(map[key]bool, len(ms)/4)
		out := ms[:0]
		for _, v := range ms {
			k := key{pixelKey(v.v.x, v.v.y), v.m.Shape, v.m.Color}
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, v)
		}
		ms = out
	}
	ms, dropped := sampleEven(ms, r.maxMarks)
	if len(ms) == 0 {
		return dropped
	}
	r.raw(`<g clip-path="url(#` + l.clipMarks + `)">` + "\n")
	for _, v := range ms {
		c := v.m.Color
		if c == "" {
			c = markColor
		}
		r.raw(`<path class="mark"`)
		r.markAttrs(v.m.Shape, c, v.v.x, v.v.y)
		r.raw(">")
		tip := v.m.Label
		if tip == "" {
			tip = v.m.Legend
		}
		r.title(tip)
		r.raw("</path>\n")
	}
	r.raw("</g>\n")
	return dropped
}

// markAttrs writes the d, fill and stroke attributes of a mark centred on
// (x, y). Crosses and circles are outlines (the data stays visible
// through them), triangles and squares are filled.
func (r *renderer) markAttrs(shape Shape, color string, x, y float64) {
	const s = markR
	r.raw(` d="`)
	switch shape {
	case Circle:
		r.raw("M")
		r.num(x - s)
		r.raw(" ")
		r.num(y)
		r.raw("a4 4 0 1 0 8 0a4 4 0 1 0 -8 0Z")
	case Triangle:
		r.raw("M")
		r.num(x)
		r.raw(" ")
		r.num(y - s - 0.5)
		r.raw("l4.5 8h-9Z")
	case Square:
		r.raw("M")
		r.num(x - 3.5)
		r.raw(" ")
		r.num(y - 3.5)
		r.raw("h7v7h-7Z")
	default: // Cross
		r.raw("M")
		r.num(x - s)
		r.raw(" ")
		r.num(y - s)
		r.raw("l8 8M")
		r.num(x - s)
		r.raw(" ")
		r.num(y + s)
		r.raw("l8 -8")
	}
	r.raw(`"`)
	switch shape {
	case Triangle, Square:
		r.attr("fill", color)
		r.raw(` stroke="#ffffff" stroke-width="0.75"`)
	default:
		r.raw(` fill="none"`)
		r.attr("stroke", color)
		r.raw(` stroke-width="1.75"`)
	}
}

// extent is the range of the finite values added to it; ok once one was.
type extent struct {
	lo, hi float64
	ok     bool
}

func (e *extent) add(v float64) {
	switch {
	case !finite(v):
	case !e.ok:
		e.lo, e.hi, e.ok = v, v, true
	default:
		e.lo, e.hi = math.Min(e.lo, v), math.Max(e.hi, v)
	}
}
