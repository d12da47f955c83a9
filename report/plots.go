package report

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mptcpdump/mptcpdump/analyze"
	"github.com/mptcpdump/mptcpdump/metrics"
	"github.com/mptcpdump/mptcpdump/plot"
	"github.com/mptcpdump/mptcpdump/reassembly"
)

// WritePlots writes DIR/conn-<id>.svg for every connection of doc: the
// data sequence numbers of each direction against time, one colour per
// subflow, with the Data ACKs, reinjections and TCP retransmissions marked
// and the connection's events annotated; a panel of each subflow's
// throughput; and one of data in flight against the receiver's window.
func WritePlots(dir string, doc *Document, res *analyze.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	byID := map[int]*reassembly.Connection{}
	for _, c := range res.Tracker.Connections() {
		byID[c.ID] = c
	}
	for i := range doc.Connections {
		c := &doc.Connections[i]
		m := res.Metrics.Connection(byID[c.ID])
		if m == nil {
			continue // nothing was measured (no data): no graph
		}
		fig := figure(c, m, doc.Events)
		if err := writeSVG(filepath.Join(dir, fmt.Sprintf("conn-%d.svg", c.ID)), fig); err != nil {
			return err
		}
	}
	return nil
}

func writeSVG(path string, fig *plot.Figure) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	err = fig.Render(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// figure draws one connection.
func figure(c *Connection, m *metrics.Connection, events []Event) *plot.Figure {
	origin := parseTime(c.FirstTime)
	x := func(t time.Time) float64 { return t.Sub(origin).Seconds() }
	palette := plot.DefaultPalette()
	color := func(sf int) string { return palette[sf%len(palette)] }
	name := func(sf int) string {
		if sf < len(c.Subflows) {
			s := c.Subflows[sf]
			return fmt.Sprintf("subflow %d: %s → %s", sf, s.Client, s.Server)
		}
		return fmt.Sprintf("subflow %d", sf)
	}
	var annotations []plot.Annotation
	for _, e := range events {
		if e.Connection != c.ID {
			continue
		}
		switch e.Type {
		case "subflow-established", "add-addr", "remove-addr", "mp-prio", "mp-fail", "fallback", "fastclose", "subflow-reset", "data-fin":
			label := e.Type
			if e.Subflow != nil {
				label = fmt.Sprintf("%s %d", e.Type, *e.Subflow)
			}
			annotations = append(annotations, plot.Annotation{X: x(parseTime(e.Time)), Label: label})
		}
	}
	fig := &plot.Figure{Title: fmt.Sprintf("MPTCP v%d connection %d: %s → %s", c.Version, c.ID, c.Client, c.Server)}
	// Zoom on the time data flowed: a connection idle for a while before
	// its transfer would squeeze every packet against one edge. Events
	// outside that span are left out of the graph (they are in the JSON).
	if lo, hi, ok := dataSpan(m); ok {
		a, b := x(lo), x(hi)
		pad := max((b-a)*0.03, 0.001)
		fig.XRange = &plot.Range{Min: max(0, a-pad), Max: b + pad}
	}
	for side, dirName := range []string{"client → server", "server → client"} {
		d := m.Dirs[side]
		if len(d.Placements) == 0 && len(d.Acks) == 0 {
			continue
		}
		// Data sequence graph: each placed chunk as a vertical segment of
		// the DSN range it carried, coloured by subflow.
		seq := plot.Panel{Title: "data sequence, " + dirName, XLabel: "time (s)", YLabel: "relative DSN", XUnit: plot.UnitSeconds,
			YUnit: plot.UnitBytes, Annotations: annotations}
		bySubflow := map[int][]plot.Point{}
		var order []int
		for _, p := range d.Placements {
			if _, ok := bySubflow[p.Subflow]; !ok {
				order = append(order, p.Subflow)
			}
			pt := plot.Point{X: x(p.Time.Time()), Y: float64(p.DSN), Y1: float64(p.DSN + uint64(p.Len))}
			bySubflow[p.Subflow] = append(bySubflow[p.Subflow], pt)
			switch p.Kind {
			case metrics.Reinjected:
				seq.Marks = append(seq.Marks, plot.Mark{X: pt.X, Y: pt.Y1, Shape: plot.Triangle, Color: "#D55E00",
					Label: fmt.Sprintf("reinjection on subflow %d, packet %d", p.Subflow, p.Packet), Legend: "reinjection"})
			case metrics.Retransmitted:
				seq.Marks = append(seq.Marks, plot.Mark{X: pt.X, Y: pt.Y1, Shape: plot.Square, Color: "#CC79A7",
					Label: fmt.Sprintf("data-level retransmission on subflow %d, packet %d", p.Subflow, p.Packet), Legend: "data-level retransmission"})
			}
		}
		for _, r := range d.Retrans {
			seq.Marks = append(seq.Marks, plot.Mark{X: x(r.Time), Y: float64(r.DSN), Shape: plot.Cross, Color: color(r.Subflow),
				Label: fmt.Sprintf("TCP retransmission of %d bytes on subflow %d, packet %d", r.Bytes, r.Subflow, r.Packet), Legend: "TCP retransmission"})
		}
		slices.Sort(order)
		for _, sf := range order {
			seq.Series = append(seq.Series, plot.Series{Name: name(sf), Color: color(sf), Style: plot.StyleSegments, Points: bySubflow[sf]})
		}
		var acks, inflight, window []plot.Point
		for _, a := range d.Acks {
			acks = append(acks, plot.Point{X: x(a.Time.Time()), Y: float64(a.DSN)})
			inflight = append(inflight, plot.Point{X: x(a.Time.Time()), Y: float64(a.InFlight)})
			if a.Window > 0 {
				window = append(window, plot.Point{X: x(a.Time.Time()), Y: float64(a.Window)})
			}
		}
		if len(acks) > 0 {
			seq.Series = append(seq.Series, plot.Series{Name: "Data ACK", Color: "#000000", Style: plot.StyleStep, Points: acks, Dashed: true})
		}
		fig.Panels = append(fig.Panels, seq)

		thr := plot.Panel{Title: "throughput per subflow, " + dirName, XLabel: "time (s)", YLabel: "throughput",
			XUnit: plot.UnitSeconds, YUnit: plot.UnitBitsPerSecond, YIncludeZero: true}
		ids := make([]int, 0, len(d.SubflowBytes))
		for id := range d.SubflowBytes {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			times, rates := d.SubflowBytes[id].Rate()
			var pts []plot.Point
			for i := range times {
				pts = append(pts, plot.Point{X: x(times[i]), Y: rates[i] * 8})
			}
			thr.Series = append(thr.Series, plot.Series{Name: name(id), Color: color(id), Style: plot.StyleStep, Points: pts})
		}
		fig.Panels = append(fig.Panels, thr)

		if len(inflight) > 0 {
			fl := plot.Panel{Title: "data in flight and receive window, " + dirName, XLabel: "time (s)", YLabel: "bytes",
				XUnit: plot.UnitSeconds, YUnit: plot.UnitBytes, YIncludeZero: true, Height: 250,
				Series: []plot.Series{{Name: "in flight (sent − Data ACK)", Color: "#0072B2", Style: plot.StyleStep, Points: inflight}}}
			if len(window) > 0 {
				fl.Series = append(fl.Series, plot.Series{Name: "receive window", Color: "#009E73", Style: plot.StyleStep, Points: window, Dashed: true})
			}
			fig.Panels = append(fig.Panels, fl)
		}
	}
	return fig
}

// dataSpan returns the first and last times data was placed (Data ACKs
// start with the handshake, long before any data).
func dataSpan(m *metrics.Connection) (lo, hi time.Time, ok bool) {
	see := func(t time.Time) {
		if !ok || t.Before(lo) {
			lo = t
		}
		if !ok || t.After(hi) {
			hi = t
		}
		ok = true
	}
	for _, d := range m.Dirs {
		for _, p := range d.Placements {
			see(p.Time.Time())
		}
	}
	return lo, hi, ok
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
