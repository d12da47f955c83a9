package metrics

import "time"

// MaxBuckets bounds every time series: when a series would need more
// buckets, adjacent ones merge and the width doubles.
const MaxBuckets = 512

// firstWidth is the initial bucket width of a series.
const firstWidth = 10 * time.Millisecond

// Series sums values into time buckets of adaptive width.
type Series struct {
	Origin time.Time
	Width  time.Duration
	Sums   []float64

	// The bucket of the last Add, whose span [lo, hi) of offsets from
	// the origin most following Adds fall into: they need no division.
	last   int
	lo, hi time.Duration
	origin Stamp // Origin, for a subtraction without Sub's overflow check
}

// Add adds v at time t (times before the origin go to the first bucket).
func (s *Series) Add(t time.Time, v float64) {
	now := StampOf(t)
	if s.Width == 0 {
		s.Origin, s.Width, s.origin = t, firstWidth, now
	}
	d := time.Duration(now - s.origin)
	if d >= s.lo && d < s.hi {
		s.Sums[s.last] += v
		return
	}
	i := 0
	if d > 0 {
		i = int(d / s.Width)
	}
	for i >= MaxBuckets {
		s.halve()
		i /= 2
	}
	if d > 0 {
		s.last, s.lo, s.hi = i, time.Duration(i)*s.Width, time.Duration(i+1)*s.Width
	}
	for len(s.Sums) <= i {
		s.Sums = append(s.Sums, 0)
	}
	s.Sums[i] += v
}

// halve merges adjacent buckets, doubling the width.
func (s *Series) halve() {
	n := (len(s.Sums) + 1) / 2
	for j := 0; j < n; j++ {
		v := s.Sums[2*j]
		if 2*j+1 < len(s.Sums) {
			v += s.Sums[2*j+1]
		}
		s.Sums[j] = v
	}
	s.Sums = s.Sums[:n]
	s.Width *= 2
	s.lo, s.hi = 0, 0
}

// Rate returns, per bucket, its start time and its sum divided by the
// bucket width in seconds.
func (s *Series) Rate() (times []time.Time, perSecond []float64) {
	for i, v := range s.Sums {
		times = append(times, s.Origin.Add(time.Duration(i)*s.Width))
		perSecond = append(perSecond, v/s.Width.Seconds())
	}
	return times, perSecond
}
