package report

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mptcpdump/mptcpdump/analyze"
	"github.com/mptcpdump/mptcpdump/reassembly"
)

// WriteMetricsCSV writes DIR/metrics.csv: the time series behind the
// graphs, one row per point, columns connection, direction, series,
// subflow, time, value, value2 (documented in docs/csv.md):
//
//	goodput_bps      new data-level bits per second in the bucket starting at time
//	subflow_bps      bits per second one subflow carried (first copies and copies)
//	in_flight_bytes  data-level bytes in flight at a Data ACK; value2 the receive window
//	reinjection      bytes reinjected at time on subflow; value2 the subflow of the first copy
func WriteMetricsCSV(dir string, doc *Document, res *analyze.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.UseCRLF = true // RFC 4180, like the other files; csv.Writer keeps the first error for Error
	w.Write([]string{"connection", "direction", "series", "subflow", "time", "value", "value2"})
	byID := map[int]*reassembly.Connection{}
	for _, c := range res.Tracker.Connections() {
		byID[c.ID] = c
	}
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
	for _, c := range doc.Connections {
		m := res.Metrics.Connection(byID[c.ID])
		if m == nil {
			continue
		}
		id := strconv.Itoa(c.ID)
		for side, dir := range []string{"c2s", "s2c"} {
			d := m.Dirs[side]
			times, rates := d.Goodput.Rate()
			for i := range times {
				w.Write([]string{id, dir, "goodput_bps", "", ts(times[i]), num(rates[i] * 8), ""})
			}
			for sf := 0; sf < len(c.Subflows); sf++ {
				s := d.SubflowBytes[sf]
				if s == nil {
					continue
				}
				times, rates := s.Rate()
				for i := range times {
					w.Write([]string{id, dir, "subflow_bps", strconv.Itoa(sf), ts(times[i]), num(rates[i] * 8), ""})
				}
			}
			for _, a := range d.Acks {
				w.Write([]string{id, dir, "in_flight_bytes", "", ts(a.Time.Time()), strconv.FormatUint(a.InFlight, 10), strconv.FormatUint(a.Window, 10)})
			}
			for _, r := range d.Reinjections {
				w.Write([]string{id, dir, "reinjection", strconv.Itoa(r.SecondSubflow), ts(r.Time), strconv.Itoa(r.Bytes), strconv.Itoa(r.FirstSubflow)})
			}
		}
	}
	w.Flush()
	err = w.Error()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
