package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/mptcpdump/mptcpdump/analyze"
	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/monitor"
	"github.com/mptcpdump/mptcpdump/report"
	"github.com/mptcpdump/mptcpdump/tui"
)

// showLive runs the analysis loop on its own goroutine and the terminal UI
// on this one until the user quits or a signal arrives.
func showLive(ctx context.Context, l *liveLoop) *analyze.Result {
	app := tui.New(tui.Options{})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan *analyze.Result, 1)
	go func() { done <- l.run(ctx, app.Update) }()
	app.Run(ctx) // returns when the user quits or ctx is done
	cancel()
	l.live.Close()
	return <-done
}

// browse analyzes a file with the terminal UI showing the progress, then
// lets the user explore the result until they quit.
func browse(src analyze.Source, opt analyze.Options, name string) (*analyze.Result, error) {
	app := tui.New(tui.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type outcome struct {
		res *analyze.Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		s := analyze.NewSession(opt)
		b := &monitor.Builder{Source: name}
		var last time.Time
		ahead := capture.Prefetch(src)
		defer ahead.Close()
		err := capture.CatchFault(func() error {
			var rec capture.Record
			next := time.Now()
			for ctx.Err() == nil {
				err := ahead.Next(&rec)
				if err == io.EOF {
					break
				}
				if err != nil {
					if errors.Is(err, capture.ErrTruncatedFile) || errors.Is(err, capture.ErrDamagedRecord) {
						s.Warn(err.Error())
						break
					}
					return err
				}
				s.Add(&rec)
				last = rec.Time
				if now := time.Now(); !now.Before(next) {
					next = now.Add(snapshotEvery)
					app.Update(b.Build(report.Build(name, s.Peek()), last, false))
				}
			}
			return nil
		})
		if err != nil {
			done <- outcome{err: err}
			return
		}
		res := s.Finish()
		app.Update(b.Build(report.Build(name, res), last, true))
		done <- outcome{res: res}
	}()
	err := app.Run(ctx)
	cancel()
	o := <-done
	if o.err != nil {
		return nil, o.err
	}
	return o.res, err
}
