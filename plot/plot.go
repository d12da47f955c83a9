package plot

// Figure is one SVG document: panels stacked vertically that share the X
// axis (time). The X range is computed over every panel, so a moment in
// time is at the same horizontal position in all of them.
type Figure struct {
	Title  string
	Width  int // pixels, default 1000
	Panels []Panel

	// XRange fixes the X axis; nil computes it from the data of every
	// panel (series, marks and annotations) and widens it to nice ticks.
	XRange *Range
	// Palette gives the colours of series whose Color is empty; nil uses
	// DefaultPalette (Okabe-Ito, colour-blind safe).
	Palette []string
	// MaxPoints caps the points of one StylePoints series and the segments
	// of one StyleSegments series after pixel deduplication; 0 means
	// DefaultMaxPoints, a negative value means no cap.
	MaxPoints int
	// MaxMarks caps the marks of one panel after pixel deduplication; 0
	// means DefaultMaxMarks, a negative value means no cap.
	MaxMarks int
}

// Panel is one chart of a Figure: its own Y axis, the Figure's X axis.
type Panel struct {
	Title string
	// Height is the height in pixels of the panel without its legend
	// (title line, annotation labels, plot area, X tick labels and X
	// label); the legend rows are added below it. Default 400.
	Height int
	XLabel string // e.g. "time (s)"
	YLabel string // e.g. "relative DSN (bytes)"
	YUnit  Unit   // how Y tick labels are formatted
	XUnit  Unit   // how X tick labels are formatted (UnitSeconds for time)

	Series      []Series
	Marks       []Mark       // individual markers (reinjection, retransmission)
	Annotations []Annotation // vertical dashed line at X with a short label

	// YRange fixes the Y axis; nil computes it from the data of the panel
	// and widens it to nice ticks.
	YRange *Range
	// YIncludeZero makes the automatic Y range include 0 (throughput).
	YIncludeZero bool
}

// Series is one set of points drawn in one colour with one legend entry.
type Series struct {
	Name   string // legend entry and tooltip; "" = no legend entry
	Color  string // any SVG colour; "" = next colour of the palette
	Style  Style
	Points []Point // X, Y (and Y1 for StyleSegments)
	Dashed bool    // dashed stroke (StyleLine, StyleStep, StyleSegments)
}

// Point is one data point. Y1 is used by StyleSegments only: the segment
// goes from (X, Y) to (X, Y1).
type Point struct{ X, Y, Y1 float64 }

// Mark is an individual marker, drawn above the series.
type Mark struct {
	X, Y  float64
	Shape Shape
	Color string // "" = black
	Label string // tooltip, as an SVG <title>
	// Legend, if not empty, names a legend entry drawn with this mark's
	// shape and colour; marks sharing Legend, Shape and Color share one
	// entry.
	Legend string
}

// Annotation is a vertical dashed line across the plot at X, with a short
// label above the plot area (join, ADD_ADDR, MP_PRIO, MP_FAIL…).
type Annotation struct {
	X     float64
	Label string
	Color string // "" = dark grey
}

// Range is a closed interval of an axis.
type Range struct{ Min, Max float64 }

// Style is how a Series is drawn.
type Style int

const (
	// StyleLine joins the points in order with straight lines.
	StyleLine Style = iota
	// StyleStep holds each Y until the next X, then jumps (a staircase).
	StyleStep
	// StylePoints draws a small dot at each point.
	StylePoints
	// StyleSegments draws each point as a vertical segment from (X, Y) to
	// (X, Y1): the DSN range a packet carried.
	StyleSegments
)

// Shape is the shape of a Mark.
type Shape int

const (
	Cross Shape = iota
	Circle
	Triangle
	Square
)

// Defaults.
const (
	DefaultWidth     = 1000
	DefaultHeight    = 400
	DefaultMaxPoints = 5000
	DefaultMaxMarks  = 2000
)

// DefaultPalette is the Okabe-Ito palette, safe for the common kinds of
// colour blindness, ordered so that the first colours contrast best on
// white (yellow comes last).
func DefaultPalette() []string {
	return []string{
		"#0072B2", // blue
		"#E69F00", // orange
		"#009E73", // bluish green
		"#D55E00", // vermillion
		"#CC79A7", // reddish purple
		"#56B4E9", // sky blue
		"#000000", // black
		"#F0E442", // yellow
	}
}
