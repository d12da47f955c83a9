// Package metrics measures what researchers use mptcptrace for, at the
// data level, for v0 and v1 alike: per connection and direction, goodput
// over time, the MPTCP-level round-trip time (from a DSN's first
// transmission to the Data ACK that covers it), data-level bytes in flight
// against the receiver's window, each subflow's share of the data, and
// reinjections with the subflows involved. It also keeps the points the
// data-sequence graphs draw.
//
// A Collector is a reassembly.DataObserver: it is fed one event per placed
// chunk, Data ACK and retransmission, in capture order, on the analysis
// goroutine. Everything it keeps is bounded whatever the capture's length:
// time series live in adaptive buckets (MaxBuckets, the width doubling as
// the capture grows), graph points are thinned (every k-th kept, k
// doubling, at most MaxPoints per direction), RTT samples are summarized
// exactly (count, min, mean, max) with a bounded reservoir for the median
// and 95th percentile, and only the first MaxConnections connections keep
// graph points (the others keep their summaries).
//
// Times are packet times. The RTT is measured where the capture was taken:
// at the receiver of a direction it shows only the delay of the ACK, at
// its sender the full round trip.
package metrics
