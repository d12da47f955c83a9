package analyze

import (
	"errors"
	"fmt"
	"io"

	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/decode"
	"github.com/mptcpdump/mptcpdump/reassembly"
	"github.com/mptcpdump/mptcpdump/validate"
)

// Source yields capture records; *capture.Reader is one.
type Source interface {
	Next(rec *capture.Record) error
}

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
	// Warning is set when the capture could not be read to its end (a file
	// cut in the middle of a record): everything before was analyzed.
	Warning string
}

// Options tune an analysis.
type Options struct {
	// Sinks, when set, receives every connection's data-level streams.
	Sinks reassembly.SinkFactory
}

// Run analyzes every record of src.
func Run(src Source, opt Options) (*Result, error) {
	checker := validate.NewChecker()
	timeline := &Timeline{}
	tr := reassembly.NewTracker(observers{checker, timeline})
	if opt.Sinks != nil {
		tr.SetSinks(opt.Sinks)
	}
	res := &Result{Tracker: tr, Timeline: timeline}
	dec := decode.NewDecoder()
	var rec capture.Record
	var pkt decode.Packet
	for {
		err := src.Next(&rec)
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, capture.ErrTruncatedFile) {
				res.Warning = err.Error()
				break
			}
			return nil, fmt.Errorf("reading capture: %w", err)
		}
		res.Counters.Frames++
		pkt.Number, pkt.Time = rec.Number, rec.Time
		switch err := dec.Decode(rec.LinkType, rec.Data, &pkt); {
		case err == nil:
			res.Counters.TCP++
			tr.Process(&pkt)
		case errors.Is(err, decode.ErrNotTCP):
			res.Counters.NotTCP++
		case errors.Is(err, decode.ErrUnsupportedLink):
			res.Counters.Unsupported++
		default:
			res.Counters.DecodeErrors++
		}
	}
	tr.Finish()
	res.Findings = checker.Findings()
	return res, nil
}
