// Command mptcpdump analyzes Multipath TCP in packet captures: it decodes
// every MPTCP option, links subflows into connections by token, verifies
// each join's HMAC and reports what it found. See the README and docs/.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mptcpdump/mptcpdump/analyze"
	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/report"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK       = 0 // the analysis ran, whatever it found
	exitFindings = 1 // --strict, and error findings remain
	exitUsage    = 2 // bad usage or unreadable input
)

type config struct {
	read     string
	json     bool
	verbose  bool
	streams  string
	strict   bool
	severity string
	codes    string
}

// run is the whole program; it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cfg config
	fs := flag.NewFlagSet("mptcpdump", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.read, "r", "", "read packets from `file` (pcap or pcapng; - for standard input)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON document (schema in docs/json.md)")
	fs.BoolVar(&cfg.verbose, "v", false, "verbose: one table row per subflow")
	fs.StringVar(&cfg.streams, "write-streams", "", "write each connection's data streams to `dir`/conn-<id>-{c2s,s2c}.bin")
	fs.BoolVar(&cfg.strict, "strict", false, "exit 1 when error findings remain (after --severity/--code filters)")
	fs.StringVar(&cfg.severity, "severity", "", "show only findings of these `severities` (comma-separated: error,warning,info)")
	fs.StringVar(&cfg.codes, "code", "", "show only findings with these `codes` (comma-separated, see docs/findings.md)")
	fs.Usage = func() {} // errors are reported in one line below; -h prints the help
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "usage: mptcpdump -r FILE [--json] [-v] [--write-streams DIR] [--strict] [--severity LIST] [--code LIST]\n\nOptions:\n")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return exitOK
		}
		fmt.Fprintf(stderr, "mptcpdump: %v (see mptcpdump -h)\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mptcpdump: unexpected argument %q (see mptcpdump -h)\n", fs.Arg(0))
		return exitUsage
	}
	filter, err := report.NewFindingFilter(cfg.severity, cfg.codes)
	if err != nil {
		fmt.Fprintf(stderr, "mptcpdump: %v (see mptcpdump -h)\n", err)
		return exitUsage
	}
	if cfg.read == "" {
		fmt.Fprintf(stderr, "mptcpdump: no capture given: use -r FILE (see mptcpdump -h)\n")
		return exitUsage
	}
	in := stdin
	name := "-"
	if cfg.read != "-" {
		f, err := os.Open(cfg.read)
		if err != nil {
			fmt.Fprintf(stderr, "mptcpdump: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		in, name = f, cfg.read
	}
	src, err := capture.Open(in)
	if err != nil {
		fmt.Fprintf(stderr, "mptcpdump: %s: %v\n", name, err)
		return exitUsage
	}
	var opt analyze.Options
	var files *analyze.StreamFiles
	if cfg.streams != "" {
		if err := os.MkdirAll(cfg.streams, 0o755); err != nil {
			fmt.Fprintf(stderr, "mptcpdump: %v\n", err)
			return exitUsage
		}
		files = &analyze.StreamFiles{Dir: cfg.streams}
		opt.Sinks = files.Sink
	}
	res, err := analyze.Run(src, opt)
	if err != nil {
		fmt.Fprintf(stderr, "mptcpdump: %s: %v\n", name, err)
		return exitUsage
	}
	if files != nil {
		files.Complete(res.Tracker.Connections())
		if err := files.Err(); err != nil {
			fmt.Fprintf(stderr, "mptcpdump: warning: writing streams: %v\n", err)
		}
	}
	if res.Warning != "" {
		fmt.Fprintf(stderr, "mptcpdump: warning: %s: %s\n", name, res.Warning)
	}
	doc := report.Build(name, res)
	doc.Findings = filter.Apply(doc.Findings)
	out := bufio.NewWriterSize(stdout, 64<<10)
	if cfg.json {
		err = report.WriteJSON(out, doc)
	} else {
		err = report.WriteTable(out, doc, report.TableOptions{Verbose: cfg.verbose})
	}
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		fmt.Fprintf(stderr, "mptcpdump: writing output: %v\n", err)
		return exitUsage
	}
	if cfg.strict {
		for _, f := range doc.Findings {
			if f.Severity == "error" {
				return exitFindings
			}
		}
	}
	return exitOK
}
