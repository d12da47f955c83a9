// Package plot draws charts as standalone SVG documents, with the standard
// library only. It is made for mptcpdump's data-sequence graphs (data
// sequence number against time, one colour per subflow, Data ACKs,
// reinjections and retransmissions, path events) and the throughput panels
// that go with them, but nothing in it knows about MPTCP.
//
// # Figures, panels, series
//
// A [Figure] is one SVG document: a title and [Panel]s stacked vertically.
// The panels share the X axis: its range is computed over the data of every
// panel (series, marks and annotations), so a moment in time is at the same
// horizontal position in all of them, and the tick labels follow the first
// panel's XUnit. Each panel has its own Y axis, title, axis labels and
// legend.
//
// A panel holds:
//   - [Series]: points drawn in one colour with one legend entry, as a line
//     ([StyleLine]), a staircase that holds each value until the next X
//     ([StyleStep]), dots ([StylePoints]) or vertical segments from (X, Y)
//     to (X, Y1) ([StyleSegments]: the DSN range a packet carried). A
//     series with an empty Color takes the colour already given to a series
//     of the same Name elsewhere in the figure (a subflow keeps its colour
//     from panel to panel), else the next colour of the palette
//     ([DefaultPalette]: Okabe-Ito, safe for colour-blind readers).
//   - [Mark]s: single markers (Cross, Circle, Triangle, Square) drawn above
//     the series, with a tooltip (an SVG <title>) and, if Legend is set, a
//     legend entry shared by the marks of the same legend, shape and colour.
//   - [Annotation]s: a vertical dashed line at X with a short label above
//     the plot area. Labels are laid out left to right in up to four rows so
//     that they never overlap; a label that finds no room is not drawn (the
//     line is, with the label as tooltip) and the panel says how many were
//     hidden.
//
// The legend is drawn below each panel, in rows, never over the data.
// Panel.Height (default 400) is the height without the legend, whose rows
// are added below; Figure.Width defaults to 1000 pixels.
//
// # Axes, ticks and units
//
// Tick values come from [NiceTicks]: steps of 1, 2, 2.5 or 5 × 10^k, about
// one tick per 50 pixels vertically and one per 100 pixels horizontally
// (fewer when the labels would touch). An automatic Y axis is widened to
// the ticks just outside the data (0 to 2.5 MiB rather than 0 to
// 2.37 MiB); the X axis is tight, from the first to the last time, with the
// ticks that fall inside, except that an end less than 5 % of the range
// away from a tick is moved to it (a capture starting 3 ms after 0 still
// shows "0 s"). Figure.XRange and Panel.YRange fix a range
// instead (what falls outside is clipped; a line towards a point outside
// is cut at the frame and keeps its slope), and Panel.YIncludeZero makes
// an automatic Y axis start at 0.
//
// A [Unit] says how tick labels are printed. The prefix is chosen once per
// axis, from its largest magnitude, and the ticks are nice numbers in that
// prefix (see [Unit.Axis]):
//   - UnitNone: 0, 0.5, 1, and 1M, 2M from a million on.
//   - UnitBytes: binary prefixes, 0 KiB, 256 KiB, 512 KiB or 0 MiB, 0.5 MiB,
//     1 MiB (ticks at nice multiples of 1024^k, not of 1000).
//   - UnitBitsPerSecond: decimal prefixes, 0 Mb/s, 2.5 Mb/s, 1 Gb/s.
//   - UnitSeconds: 0 s, 0.5 s, 1 s, or 0 ms, 20 ms, 40 ms when the axis
//     stays under a second (µs under a millisecond).
//
// Labels carry only the decimals they need (0.5 s, 1 s, 1.5 s).
// [Unit.Format] prints a single value the same way, for tooltips.
//
// # Unusable values
//
// A point, mark or annotation with a NaN or infinite coordinate is skipped
// (a line goes on from the previous usable point). Empty series are drawn
// as nothing (they keep their legend entry); a panel without any usable
// data says "no data". A zero-width range (a single point, all values
// equal) is widened by 10 % of the value, or to [0, 1] around 0. A Width or
// Height that is zero or negative takes its default. Render never panics: an
// internal failure would be returned as an error.
//
// # Decimation: how big series stay small
//
// Everything is reduced in pixel space after the axes are known, so what
// is removed could not have been seen. A series is only reduced when it has
// more points than twice the plot width in pixels (about 1,800 for the
// default width); smaller series are drawn exactly.
//   - StyleLine and StyleStep (a step series is first turned into its
//     staircase corners): for each run of consecutive points falling in the
//     same pixel column, only the points with the smallest and the largest Y
//     are kept, in their order of occurrence, plus the first and last
//     points of the series. The polyline so covers exactly the same
//     vertical extent in every column: a one-sample spike stays visible. At
//     most about two points per pixel column remain, never a note.
//   - StylePoints: points falling on the same pixel (coordinates rounded)
//     are drawn once.
//   - StyleSegments: segments in the same pixel column that overlap or are
//     less than a pixel apart are merged into one, drawn at the middle of
//     the column. Contiguous DSN ranges become about one segment per
//     column.
//   - Marks: when a panel has more marks than twice the plot width, marks
//     of the same shape and colour on the same pixel are drawn once (with
//     the tooltip of the first).
//
// After that reduction, dots and segments are capped per series at
// Figure.MaxPoints (default 5,000) and marks per panel at Figure.MaxMarks
// (default 2,000); a negative value removes the cap. The cap keeps an even
// spread over the series (the element at index ⌊j·n/cap⌋ for j = 0…cap-1),
// and the panel says so in its top right corner: "N more points not
// drawn", "N more marks not drawn". Points and marks whose centre is
// outside the axes are not drawn and not counted.
//
// With these rules 100,000 points of one style render in 5 to 20 ms (on a
// two-core machine) into an SVG of 20 to 30 KB (BenchmarkRender100k).
//
// # Output
//
// The document is SVG 1.1 with width, height and viewBox set, white
// background, one font family (DejaVu Sans, Verdana, Arial, sans-serif, for
// which the layout's text width estimates are made), no script, no
// stylesheet and no external reference: it can be opened as a file, put in
// an <img> or inlined in HTML. Every text is escaped for XML (characters
// XML cannot carry become U+FFFD). Elements carry classes (series, points,
// segments, mark, annotation, legend, tick, note…) for tests and for
// readers who restyle them. The ids of the clip paths are made of their
// rectangles, so figures inlined in one HTML page can only share an id
// for the same rectangle.
//
// Rendering is deterministic: the same Figure always gives byte-identical
// output (no maps iterated in random order, numbers printed with
// strconv, coordinates rounded to 0.01 pixel), so tests can compare
// documents.
//
// # The example
//
// testdata/example.svg is a made-up two-subflow transfer drawn by
// exampleFigure in example_test.go; TestWriteExample checks that the
// rendering has not changed. After a deliberate change, regenerate it and
// look at it (rsvg-convert from librsvg2-bin turns it into a PNG):
//
//	go test ./plot -run TestWriteExample -update
//	rsvg-convert -b white plot/testdata/example.svg -o /tmp/example.png
package plot
