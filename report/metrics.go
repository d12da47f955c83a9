package report

import (
	"slices"

	"github.com/mptcpdump/mptcpdump/metrics"
)

// Metrics are the data-level measurements of a connection.
type Metrics struct {
	C2S DirectionMetrics `json:"c2s"`
	S2C DirectionMetrics `json:"s2c"`
}

// DirectionMetrics are the measurements of one direction.
type DirectionMetrics struct {
	// GoodputBps is the new data-level bytes, in bits per second, over the
	// time the direction carried data.
	GoodputBps float64 `json:"goodput_bps"`
	// PeakGoodputBps is the highest goodput of one time bucket.
	PeakGoodputBps float64 `json:"peak_goodput_bps"`
	// RTT is the MPTCP-level round trip: from a DSN's first transmission
	// (as seen by the capture) to the Data ACK covering it, samples of
	// ranges sent once only (Karn's rule).
	RTT RTTMetrics `json:"rtt"`
	// MaxInFlight is the most data-level bytes sent and not yet
	// acknowledged; MaxWindow the largest receive window advertised.
	MaxInFlight uint64 `json:"max_in_flight"`
	MaxWindow   uint64 `json:"max_window"`
	// Subflows is each subflow's share of the first copies of the data.
	Subflows []SubflowShare `json:"subflows"`
	// Reinjections lists data that arrived again on another subflow.
	Reinjections ReinjectionMetrics `json:"reinjections"`
	// Retransmissions counts TCP retransmissions on the subflows.
	Retransmissions int `json:"tcp_retransmissions"`
}

// RTTMetrics summarizes round-trip samples, in milliseconds.
type RTTMetrics struct {
	Samples int     `json:"samples"`
	MinMs   float64 `json:"min_ms"`
	MeanMs  float64 `json:"mean_ms"`
	P50Ms   float64 `json:"p50_ms"`
	P95Ms   float64 `json:"p95_ms"`
	MaxMs   float64 `json:"max_ms"`
}

// SubflowShare is one subflow's part of a direction's data.
type SubflowShare struct {
	Subflow int     `json:"subflow"`
	Bytes   uint64  `json:"bytes"`
	Share   float64 `json:"share"`
}

// ReinjectionMetrics counts reinjections and lists the first ones.
type ReinjectionMetrics struct {
	Count int           `json:"count"`
	Bytes int           `json:"bytes"`
	List  []Reinjection `json:"list"`
}

// Reinjection is one DSN range that arrived twice, on two subflows.
type Reinjection struct {
	Time   string `json:"time"`
	Packet uint64 `json:"packet"`
	DSN    uint64 `json:"relative_dsn"`
	Bytes  int    `json:"bytes"`
	// FirstSubflow delivered the copy the receiver kept (the first to
	// arrive at the capture point), SecondSubflow the later copy; -1 when
	// the first copy fell out of the comparison window.
	FirstSubflow  int `json:"first_subflow"`
	SecondSubflow int `json:"second_subflow"`
}

func buildDirection(d *metrics.Direction) DirectionMetrics {
	out := DirectionMetrics{Subflows: []SubflowShare{}, Reinjections: ReinjectionMetrics{List: []Reinjection{}}}
	if d == nil {
		return out
	}
	times, rates := d.Goodput.Rate()
	shares := d.Share()
	var total uint64
	for _, b := range shares {
		total += b
	}
	if n := len(times); n > 0 {
		span := times[n-1].Sub(times[0]).Seconds() + d.Goodput.Width.Seconds()
		out.GoodputBps = float64(total) * 8 / span
		out.PeakGoodputBps = slices.Max(rates) * 8
	}
	r := d.RTT()
	out.RTT = RTTMetrics{Samples: r.Samples, MinMs: r.Min * 1e3, MeanMs: r.Mean * 1e3, P50Ms: r.Median * 1e3,
		P95Ms: r.Percentile95 * 1e3, MaxMs: r.Max * 1e3}
	out.MaxInFlight, out.MaxWindow = d.MaxInFlight, d.MaxWindow
	ids := make([]int, 0, len(shares))
	for id := range shares {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		share := 0.0
		if total > 0 {
			share = float64(shares[id]) / float64(total)
		}
		out.Subflows = append(out.Subflows, SubflowShare{Subflow: id, Bytes: shares[id], Share: share})
	}
	out.Reinjections.Count, out.Reinjections.Bytes = d.Reinjected.Count, d.Reinjected.Bytes
	for _, x := range d.Reinjections {
		out.Reinjections.List = append(out.Reinjections.List, Reinjection{Time: timeString(x.Time), Packet: x.Packet,
			DSN: x.DSN, Bytes: x.Bytes, FirstSubflow: x.FirstSubflow, SecondSubflow: x.SecondSubflow})
	}
	out.Retransmissions = d.Retransmissions
	return out
}
