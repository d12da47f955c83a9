package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mptcpdump/mptcpdump/analyze"
	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/monitor"
	"github.com/mptcpdump/mptcpdump/report"
)

// Live capture tuning.
const (
	// evictAge is how long, in packet time, a settled connection stays in
	// a live capture's model before it is aged out (counted, not listed).
	evictAge = 5 * time.Minute
	// evictEvery is how often, in wall time, aging runs.
	evictEvery = 10 * time.Second
	// snapshotEvery is how often the terminal UI gets a new snapshot.
	snapshotEvery = 250 * time.Millisecond
	// flushEvery: how often -w pushes its buffer to the file.
	flushEvery = time.Second
)

// runLive captures on an interface until SIGINT/SIGTERM, -c packets, the
// user quitting the UI, or the interface failing; then it returns the
// analysis like a file's.
func runLive(cfg *config, opt analyze.Options, stderr io.Writer) (*analyze.Result, string, int) {
	name := cfg.iface
	live, err := capture.OpenLive(capture.LiveOptions{Interface: cfg.iface, Filter: cfg.filter})
	if err != nil {
		fmt.Fprintf(stderr, "mptcpdump: %v\n", err)
		return nil, "", exitUsage
	}
	defer live.Release()
	var w *capture.Writer
	if cfg.write != "" {
		f, err := os.Create(cfg.write)
		if err != nil {
			fmt.Fprintf(stderr, "mptcpdump: %v\n", err)
			return nil, "", exitUsage
		}
		defer f.Close()
		w = capture.NewWriter(f, live.InterfaceName)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !cfg.tui {
		// As tcpdump does: the capture is open, traffic from now on is seen.
		fmt.Fprintf(stderr, "mptcpdump: listening on %s%s, Ctrl-C ends the capture\n", name, filterNote(cfg.filter))
	}

	l := &liveLoop{cfg: cfg, live: live, writer: w, session: analyze.NewSession(opt), name: name}
	var res *analyze.Result
	if cfg.tui {
		res = showLive(ctx, l)
	} else {
		res = l.run(ctx, nil)
	}
	if w != nil {
		if err := w.Close(); err != nil {
			fmt.Fprintf(stderr, "mptcpdump: warning: writing %s: %v\n", cfg.write, err)
		}
	}
	if res.Live != nil && res.Live.KernelDropped > 0 {
		fmt.Fprintf(stderr, "mptcpdump: warning: the kernel dropped %d packets\n", res.Live.KernelDropped)
	}
	if res.Warning != "" {
		fmt.Fprintf(stderr, "mptcpdump: warning: %s: %s\n", name, res.Warning)
	}
	return res, name, exitOK
}

// liveLoop is the analysis goroutine of a live capture: it owns the
// session, reads the interface, and publishes snapshots when asked.
type liveLoop struct {
	cfg     *config
	live    *capture.Live
	writer  *capture.Writer
	session *analyze.Session
	name    string
	last    time.Time // packet time of the last packet
}

// run reads until ctx is done or -c packets were analyzed; publish, when
// not nil, receives a snapshot every snapshotEvery and a final one.
func (l *liveLoop) run(ctx context.Context, publish func(*monitor.Snapshot)) *analyze.Result {
	var rec capture.Record
	var n uint64
	builder := &monitor.Builder{Source: l.name, Live: true}
	nextSnap, nextEvict, nextFlush := time.Now(), time.Now().Add(evictEvery), time.Now().Add(flushEvery)
	for ctx.Err() == nil {
		if now := time.Now(); publish != nil && !now.Before(nextSnap) {
			nextSnap = now.Add(snapshotEvery)
			publish(l.snapshot(builder, false))
		}
		if now := time.Now(); !now.Before(nextEvict) {
			nextEvict = now.Add(evictEvery)
			l.session.Evict(evictAge)
		}
		if now := time.Now(); l.writer != nil && !now.Before(nextFlush) {
			nextFlush = now.Add(flushEvery)
			l.writer.Flush() // a full disk shows while it happens; the error is kept
		}
		err := l.live.Next(&rec)
		if errors.Is(err, capture.ErrTimeout) {
			continue
		}
		if errors.Is(err, capture.ErrInterfaceDown) {
			l.session.Warn(err.Error()) // reported; the capture waits for the link
			continue
		}
		if err != nil {
			if !errors.Is(err, capture.ErrClosed) {
				l.session.Warn(err.Error()) // the interface went away: report what was seen
			}
			break
		}
		if l.writer != nil {
			l.writer.Write(&rec)
		}
		l.session.Add(&rec)
		l.last = rec.Time
		if n++; l.cfg.count > 0 && n >= l.cfg.count {
			break
		}
	}
	if l.writer != nil {
		l.writer.Flush()
	}
	l.session.SetLive(l.stats())
	res := l.session.Finish()
	if publish != nil {
		publish(builder.Build(l.document(res), l.last, true))
	}
	return res
}

func (l *liveLoop) stats() *analyze.LiveStats {
	s := &analyze.LiveStats{Interface: l.name, Filter: l.cfg.filter}
	if k, err := l.live.Stats(); err == nil {
		s.KernelReceived, s.KernelDropped = k.Received, k.Dropped
	}
	if l.writer != nil {
		s.Written = l.writer.Written()
		if err := l.writer.Err(); err != nil {
			s.WriteError = err.Error()
		}
	}
	return s
}

func (l *liveLoop) document(res *analyze.Result) *report.Document {
	doc := report.Build(l.name, res)
	doc.Findings = l.cfg.findings.Apply(doc.Findings)
	return doc
}

func (l *liveLoop) snapshot(b *monitor.Builder, done bool) *monitor.Snapshot {
	l.session.SetLive(l.stats())
	res := l.session.Peek()
	s := b.Build(l.document(res), l.last, done)
	if res.Live != nil {
		s.KernelDrops = res.Live.KernelDropped
	}
	s.Evicted = res.Evicted
	return s
}

func filterNote(f string) string {
	if strings.TrimSpace(f) == "" {
		return ""
	}
	return fmt.Sprintf(" (filter %q)", f)
}
