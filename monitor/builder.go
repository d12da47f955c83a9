package monitor

import (
	"slices"
	"time"

	"github.com/mptcpdump/mptcpdump/report"
)

// Builder turns successive report documents of one analysis into
// snapshots, computing rates from the byte counters' growth over packet
// time. Not safe for concurrent use: it lives on the analysis goroutine.
type Builder struct {
	Source string
	Live   bool

	prevTime  time.Time
	prevBytes map[int]counters // by row key (report.Connection.Key)
}

type counters struct {
	c2s, s2c uint64
	subflows []uint64
}

// Build makes a snapshot of doc taken at packet time now.
func (b *Builder) Build(doc *report.Document, now time.Time, done bool) *Snapshot {
	s := &Snapshot{
		Source: b.Source, Live: b.Live, Done: done, Time: now,
		Frames: doc.Capture.Frames, MPTCPPackets: doc.Capture.MPTCPSegments,
		Unlinked: doc.Unlinked, Findings: doc.Findings,
	}
	if n := len(doc.Events); n > MaxEvents {
		s.Events = doc.Events[n-MaxEvents:]
	} else {
		s.Events = doc.Events
	}
	perConn := map[int][2]int{}
	for i := range doc.Findings {
		f := &doc.Findings[i]
		k := f.Key()
		x := perConn[k]
		x[0]++
		if f.Severity == "error" {
			x[1]++
		}
		perConn[k] = x
	}
	dt := now.Sub(b.prevTime).Seconds()
	if b.prevTime.IsZero() || dt <= 0 {
		dt = 0
	}
	next := make(map[int]counters, len(doc.Connections)+len(doc.Partial))
	// Connections, then partial connections (running before the capture
	// started: the usual sight when monitoring a busy host).
	all := slices.Concat(doc.Connections, doc.Partial)
	for _, c := range all {
		key := c.Key()
		cur := counters{c2s: c.PayloadBytes.C2S, s2c: c.PayloadBytes.S2C}
		for _, sf := range c.Subflows {
			cur.subflows = append(cur.subflows, sf.PayloadBytes.C2S+sf.PayloadBytes.S2C)
		}
		row := Connection{Connection: c, SubflowRates: make([]float64, len(c.Subflows))}
		row.Findings, row.Errors = perConn[key][0], perConn[key][1]
		if prev, ok := b.prevBytes[key]; ok && dt > 0 {
			row.RateC2S = rate(prev.c2s, cur.c2s, dt)
			row.RateS2C = rate(prev.s2c, cur.s2c, dt)
			for i := range row.SubflowRates {
				if i < len(prev.subflows) {
					row.SubflowRates[i] = rate(prev.subflows[i], cur.subflows[i], dt)
				}
			}
		}
		next[key] = cur
		s.Connections = append(s.Connections, row)
	}
	b.prevTime, b.prevBytes = now, next
	return s
}

func rate(before, after uint64, seconds float64) float64 {
	if after < before {
		return 0
	}
	return float64(after-before) / seconds
}
