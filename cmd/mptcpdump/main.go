// Command mptcpdump analyzes Multipath TCP in packet captures and on live
// interfaces: it decodes every MPTCP option, links subflows into
// connections by token, verifies each join's HMAC, rebuilds each
// connection's data streams and reports what it found. See the README and
// docs/.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/mptcpdump/mptcpdump/analyze"
	"github.com/mptcpdump/mptcpdump/capture"
	"github.com/mptcpdump/mptcpdump/report"
)

func main() {
	tuneGC()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// GC settings, unless GOGC or GOMEMLIMIT set them: the model's memory is
// bounded by its caps, so collecting half as often costs no peak memory
// on small and medium captures (a TSO capture ran 15 % faster; gopacket's
// 5 MB of globals are scanned on every cycle), and a soft limit keeps a
// capture of many connections from growing the heap past it.
const (
	gcPercent   = 200
	memoryLimit = 128 << 20
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// Exit statuses.
const (
	exitOK       = 0 // the analysis ran, whatever it found
	exitFindings = 1 // --strict, and error findings remain
	exitUsage    = 2 // bad usage or unreadable input
)

const usage = `usage: mptcpdump -r FILE [options]
       mptcpdump -i IFACE [options] [capture filter]

`

type config struct {
	read     string
	iface    string
	filter   string // tcpdump-syntax capture filter (live only)
	count    uint64 // stop after this many packets (0: no limit)
	write    string // live: also save the packets here (pcapng)
	tui      bool
	json     bool
	verbose  bool
	streams  string
	strict   bool
	severity string
	codes    string
	packets  bool
	raw      bool
	csv      string
	plots    string
	conn     string
	token    string
	subflow  string

	findings report.FindingFilter
	selector report.PacketSelector
}

// parseArgs reads the command line; a non-nil error is a usage error, and
// errHelp asks for the help text.
func parseArgs(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("mptcpdump", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.read, "r", "", "read packets from `file` (pcap or pcapng; - for standard input)")
	fs.StringVar(&cfg.iface, "i", "", "capture live on `interface` (any: all interfaces); a capture filter may follow the options")
	fs.Uint64Var(&cfg.count, "c", 0, "stop after `n` packets")
	fs.StringVar(&cfg.write, "w", "", "with -i, also write the captured packets to `file` (pcapng)")
	fs.BoolVar(&cfg.tui, "tui", false, "show the terminal UI (q quits, ? shows the keys)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON document (schema in docs/json.md)")
	fs.BoolVar(&cfg.verbose, "v", false, "verbose: subflow rows and the events timeline in the table")
	fs.StringVar(&cfg.streams, "write-streams", "", "write each connection's data streams to `dir`/conn-<id>-{c2s,s2c}.bin")
	fs.BoolVar(&cfg.strict, "strict", false, "exit 1 when error findings remain (after --severity/--code filters)")
	fs.StringVar(&cfg.severity, "severity", "", "show only findings of these `severities` (comma-separated: error,warning,info)")
	fs.StringVar(&cfg.codes, "code", "", "show only findings with these `codes` (comma-separated, see docs/findings.md)")
	fs.BoolVar(&cfg.packets, "packets", false, "print one line per packet, tcpdump-style, with every MPTCP option in words (-v: raw fields too)")
	fs.BoolVar(&cfg.raw, "raw", false, "exact numbers in the table instead of KiB/MiB and rounded durations")
	fs.StringVar(&cfg.csv, "csv", "", "write connections.csv, subflows.csv, findings.csv, events.csv and metrics.csv to `dir`")
	fs.StringVar(&cfg.plots, "plot", "", "write a data-sequence graph per connection to `dir`/conn-<id>.svg")
	fs.StringVar(&cfg.conn, "conn", "", "show only connection `id` (p<id>: a partial connection)")
	fs.StringVar(&cfg.token, "token", "", "show only the connection with this `token` (8 hex digits, either end)")
	fs.StringVar(&cfg.subflow, "subflow", "", "show only connections with a subflow to or from `addr:port`")
	fs.Usage = func() {} // errors are reported in one line; -h prints the help
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage+"Options:\n")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
		}
		return nil, err
	}
	var err error
	if cfg.findings, err = report.NewFindingFilter(cfg.severity, cfg.codes); err != nil {
		return nil, err
	}
	if cfg.conn != "" {
		id, partial := strings.CutPrefix(cfg.conn, "p")
		n, err := strconv.Atoi(id)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--conn %q: want a connection id (3) or a partial connection's (p3)", cfg.conn)
		}
		cfg.selector.Conn, cfg.selector.Partial = n, partial
	}
	if cfg.token != "" {
		v, err := strconv.ParseUint(strings.TrimPrefix(cfg.token, "0x"), 16, 32)
		if err != nil {
			return nil, fmt.Errorf("--token %q: want 8 hex digits", cfg.token)
		}
		cfg.selector.Token, cfg.selector.HasTok = uint32(v), true
	}
	if cfg.subflow != "" {
		ap, err := netip.ParseAddrPort(cfg.subflow)
		if err != nil {
			return nil, fmt.Errorf("--subflow %q: want addr:port ([addr]:port for IPv6)", cfg.subflow)
		}
		cfg.selector.Subflow = ap
	}
	switch {
	case cfg.read != "" && cfg.iface != "":
		return nil, errors.New("-r and -i exclude each other")
	case cfg.read == "" && cfg.iface == "":
		return nil, errors.New("no capture given: use -r FILE or -i IFACE")
	case cfg.write != "" && cfg.iface == "":
		return nil, errors.New("-w writes a live capture: use it with -i")
	case cfg.tui && cfg.json:
		return nil, errors.New("--tui and --json exclude each other")
	case cfg.packets && (cfg.json || cfg.tui):
		return nil, errors.New("--packets prints text: it excludes --json and --tui")
	}
	if fs.NArg() > 0 {
		if cfg.iface == "" {
			return nil, fmt.Errorf("unexpected argument %q (capture filters apply to -i)", fs.Arg(0))
		}
		cfg.filter = strings.Join(fs.Args(), " ")
	}
	return cfg, nil
}

// run is the whole program; it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "mptcpdump: %v (see mptcpdump -h)\n", err)
		return exitUsage
	}
	var files *analyze.StreamFiles
	var opt analyze.Options
	var printer *report.PacketPrinter
	if cfg.packets {
		printer = report.NewPacketPrinter(stdout, cfg.verbose, cfg.selector)
		opt.Packet = printer.Packet
	}
	if cfg.streams != "" {
		if err := os.MkdirAll(cfg.streams, 0o755); err != nil {
			fmt.Fprintf(stderr, "mptcpdump: %v\n", err)
			return exitUsage
		}
		files = &analyze.StreamFiles{Dir: cfg.streams}
		opt.Sinks = files.Sink
	}
	var res *analyze.Result
	var name string
	var code int
	if cfg.iface != "" {
		res, name, code = runLive(cfg, opt, stderr)
	} else {
		res, name, code = runFile(cfg, opt, stdin, stderr)
	}
	if printer != nil {
		if err := printer.Flush(); err != nil {
			fmt.Fprintf(stderr, "mptcpdump: writing output: %v\n", err)
			return exitUsage
		}
	}
	if res == nil {
		return code
	}
	if files != nil {
		files.Complete(res.Tracker.Connections())
		if err := files.Err(); err != nil {
			fmt.Fprintf(stderr, "mptcpdump: warning: writing streams: %v\n", err)
		}
	}
	if cfg.tui {
		return exitOK // the UI showed everything
	}
	return printReport(cfg, name, res, stdout, stderr)
}

// runFile analyzes a capture file (or standard input).
func runFile(cfg *config, opt analyze.Options, stdin io.Reader, stderr io.Writer) (*analyze.Result, string, int) {
	var src analyze.Source
	name := "-"
	if cfg.read == "-" {
		r, err := capture.Open(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "mptcpdump: -: %v\n", err)
			return nil, "", exitUsage
		}
		src = r
	} else {
		name = cfg.read
		f, err := capture.OpenFile(name)
		var perr *os.PathError
		switch {
		case errors.As(err, &perr):
			fmt.Fprintf(stderr, "mptcpdump: %v\n", err)
			return nil, "", exitUsage
		case err != nil:
			fmt.Fprintf(stderr, "mptcpdump: %s: %v\n", name, err)
			return nil, "", exitUsage
		}
		defer f.Close()
		src = f
	}
	s := src
	if cfg.count > 0 {
		s = capture.Limit(src, cfg.count)
	}
	var res *analyze.Result
	var err error
	if cfg.tui {
		res, err = browse(s, opt, name)
	} else {
		res, err = analyze.Run(s, opt)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mptcpdump: %s: %v\n", name, err)
		return nil, "", exitUsage
	}
	if res.Warning != "" {
		fmt.Fprintf(stderr, "mptcpdump: warning: %s: %s\n", name, res.Warning)
	}
	return res, name, exitOK
}

// printReport writes the table or the JSON document and decides the exit
// status.
func printReport(cfg *config, name string, res *analyze.Result, stdout, stderr io.Writer) int {
	doc := report.Build(name, res)
	doc.Findings = cfg.findings.Apply(doc.Findings)
	doc.Select(cfg.selector)
	out := bufio.NewWriterSize(stdout, 64<<10)
	var err error
	if cfg.csv != "" {
		if err := report.WriteCSV(cfg.csv, doc); err != nil {
			fmt.Fprintf(stderr, "mptcpdump: --csv: %v\n", err)
			return exitUsage
		}
		if err := report.WriteMetricsCSV(cfg.csv, doc, res); err != nil {
			fmt.Fprintf(stderr, "mptcpdump: --csv: %v\n", err)
			return exitUsage
		}
	}
	if cfg.plots != "" {
		if err := report.WritePlots(cfg.plots, doc, res); err != nil {
			fmt.Fprintf(stderr, "mptcpdump: --plot: %v\n", err)
			return exitUsage
		}
	}
	switch {
	case cfg.json:
		err = report.WriteJSON(out, doc)
	case cfg.packets:
		if cfg.selector.Active() {
			break // the packets of the selection were the point; no summary
		}
		fmt.Fprintln(out)
		err = report.WriteTable(out, doc, report.TableOptions{Verbose: cfg.verbose, Raw: cfg.raw})
	default:
		err = report.WriteTable(out, doc, report.TableOptions{Verbose: cfg.verbose, Raw: cfg.raw, Width: terminalWidth(stdout)})
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
