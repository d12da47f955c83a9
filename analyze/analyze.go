package analyze

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/metrics"
	"github.com/mptcpdump/mptcpdump/reassembly"
	"github.com/mptcpdump/mptcpdump/validate"
)

// Source yields capture records; *capture.Reader and *capture.Live are
// sources.
type Source = capture.RecordSource

// Counters describe what was read.
type Counters struct {
	Frames       uint64 // records read
	TCP          uint64 // TCP segments decoded
	NotTCP       uint64 // frames without a TCP segment
	DecodeErrors uint64 // frames whose IP or TCP header could not be decoded
	Unsupported  uint64 // frames of a link type mptcpdump cannot read
}

// Result is the outcome of one analysis.
type Result struct {
	Counters Counters
	Tracker  *reassembly.Tracker
	Findings []validate.Finding
	Timeline *Timeline
	Metrics  *metrics.Collector
	// Warning is set when the capture could not be read to its end (a file
	// cut in the middle of a record, an interface that went away):
	// everything before was analyzed.
	Warning string
	// Live describes a live capture; nil for files.
	Live *LiveStats
	// Evicted counts closed connections aged out of a long live capture.
	Evicted int
}

// LiveStats are the counters of a live capture.
type LiveStats struct {
	Interface      string
	Filter         string
	KernelReceived uint64 // frames the kernel handed to the socket
	KernelDropped  uint64 // frames the kernel dropped (ring full)
	Written        uint64 // frames saved with -w
	WriteError     string // the first error writing -w, if any
}

// Options tune an analysis.
type Options struct {
	// Sinks, when set, receives every connection's data-level streams.
	Sinks reassembly.SinkFactory
	// Packet, when set, is called for every TCP segment after the model
	// processed it, with the subflow it belongs to (nil for none). The
	// packet and what it points to are valid only during the call.
	Packet func(p *decode.Packet, sf *reassembly.Subflow)
}

// Session is one analysis in progress: records go in one at a time (from a
// file or a live interface, the same way), and a Result can be taken at
// any moment — a live view — or at the end. Not safe for concurrent use:
// one goroutine owns it.
type Session struct {
	dec     *decode.Decoder
	tracker *reassembly.Tracker
	checker *validate.Checker
	res     Result
	pkt     decode.Packet
	done    bool
	hook    func(*decode.Packet, *reassembly.Subflow)
}

// NewSession starts an analysis.
func NewSession(opt Options) *Session {
	s := &Session{dec: decode.NewDecoder(), checker: validate.NewChecker()}
	s.res.Timeline = &Timeline{}
	s.res.Metrics = metrics.NewCollector()
	s.tracker = reassembly.NewTracker(observers{s.checker, s.res.Timeline})
	s.tracker.SetDataObserver(s.res.Metrics)
	if opt.Sinks != nil {
		s.tracker.SetSinks(opt.Sinks)
	}
	s.res.Tracker = s.tracker
	s.hook = opt.Packet
	return s
}

// Add analyzes one record.
func (s *Session) Add(rec *capture.Record) {
	c := &s.res.Counters
	c.Frames++
	p := &s.pkt
	p.Number, p.Time = rec.Number, rec.Time
	switch err := s.dec.Decode(rec.LinkType, rec.Data, p); {
	case err == nil:
		c.TCP++
		s.tracker.Process(p)
		if s.hook != nil {
			s.hook(p, s.tracker.Last())
		}
	case errors.Is(err, decode.ErrNotTCP):
		c.NotTCP++
	case errors.Is(err, decode.ErrUnsupportedLink):
		c.Unsupported++
	default:
		c.DecodeErrors++
	}
}

// Warn records a problem with the input (cut short, an interface down or
// gone); distinct problems are joined with "; ".
func (s *Session) Warn(msg string) {
	switch {
	case s.res.Warning == "":
		s.res.Warning = msg
	case !strings.Contains(s.res.Warning, msg):
		s.res.Warning += "; " + msg
	}
}

// SetLive records the counters of a live capture in the result.
func (s *Session) SetLive(l *LiveStats) { s.res.Live = l }

// Evict drops connections that finished more than age ago (packet time)
// from the model, so that a capture running for days keeps bounded
// memory; the count is kept in Result.Evicted.
func (s *Session) Evict(age time.Duration) {
	if n := s.tracker.Evict(age); n > 0 {
		s.res.Evicted += n
		kept := map[*reassembly.Connection]bool{}
		for _, c := range s.tracker.Connections() {
			kept[c] = true
		}
		s.res.Metrics.Forget(func(c *reassembly.Connection) bool { return kept[c] })
	}
}

// Peek returns the analysis as it stands, for a live view: findings so
// far, streams still open. The Result shares the model with the session:
// read it before the next Add.
func (s *Session) Peek() *Result {
	r := s.res
	r.Findings = s.checker.Findings()
	return &r
}

// Finish settles the analysis (holes given up, hashes computed, late
// checks run) and returns the final Result. Call it once.
func (s *Session) Finish() *Result {
	if !s.done {
		s.done = true
		s.tracker.Finish()
	}
	return s.Peek()
}

// Run analyzes every record of src, read ahead on a second goroutine.
func Run(src Source, opt Options) (*Result, error) {
	s := NewSession(opt)
	ahead := capture.Prefetch(src)
	defer ahead.Close()
	// A mapped file's payloads stay valid: the model may keep references.
	s.tracker.SetStablePayloads(ahead.Stable())
	// A mapped file cut short under us faults: that ends the analysis
	// with capture.ErrFileChanged rather than a crash.
	var res *Result
	err := capture.CatchFault(func() error {
		var rec capture.Record
		for {
			err := ahead.Next(&rec)
			if err == io.EOF {
				break
			}
			if err != nil {
				// A cut or damaged file: everything before is analyzed and
				// reported, with a warning naming the problem and its place.
				if errors.Is(err, capture.ErrTruncatedFile) || errors.Is(err, capture.ErrDamagedRecord) {
					s.res.Warning = err.Error()
					break
				}
				return err
			}
			s.Add(&rec)
		}
		res = s.Finish()
		if s.tracker.ReadFault() {
			return capture.ErrFileChanged
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading capture: %w", err)
	}
	return res, nil
}
