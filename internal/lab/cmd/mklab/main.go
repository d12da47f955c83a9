//go:build linux

// Command mklab runs a lab scenario (real Multipath TCP between two Linux
// network namespaces) and writes its capture and ground truth, NAME.pcap
// and NAME.json, into a directory. It needs root.
//
//	go run ./internal/lab/cmd/mklab -scenario basic -out /tmp/x
//	go run ./internal/lab/cmd/mklab -scenario all -out /tmp/x
//	go run ./internal/lab/cmd/mklab -list
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mptcpdump/mptcpdump/internal/lab"
)

func main() {
	name := flag.String("scenario", "basic", `scenario to run, "all" for every one`)
	out := flag.String("out", ".", "output directory")
	list := flag.Bool("list", false, "list the scenarios and exit")
	bytes := flag.Int("bytes", 0, "override: bytes the client sends per connection")
	serverBytes := flag.Int("server-bytes", 0, "override: bytes the server sends per connection (default: as many as the client)")
	conns := flag.Int("conns", 0, "override: number of connections")
	seed := flag.Uint64("seed", 0, "override: payload seed")
	rate := flag.String("rate", "", `override: limit every link (tc syntax, e.g. "300mbit"), so that a long capture keeps up`)
	offload := flag.String("offload", "", "override: true keeps TSO/GRO super-segments, false gives MTU-sized packets")
	timeout := flag.Duration("timeout", 0, "override: bound on the whole run (long transfers at a limited rate need more than the default 30s)")
	flag.Parse()
	o := overrides{bytes: *bytes, serverBytes: *serverBytes, conns: *conns, seed: *seed, rate: *rate, offload: *offload, timeout: *timeout}
	if err := run(*name, *out, *list, o); err != nil {
		fmt.Fprintln(os.Stderr, "mklab:", err)
		os.Exit(1)
	}
}

// overrides change a scenario from the command line.
type overrides struct {
	bytes, serverBytes, conns int
	seed                      uint64
	rate, offload             string
	timeout                   time.Duration
}

func run(name, out string, list bool, o overrides) error {
	all := lab.Scenarios()
	if list {
		for _, sc := range all {
			fmt.Printf("%-12s %+v\n", sc.Name, sc)
		}
		return nil
	}
	var todo []lab.Scenario
	if name == "all" {
		todo = all
	} else {
		for _, n := range strings.Split(name, ",") {
			sc, ok := lab.Lookup(n)
			if !ok {
				return fmt.Errorf("unknown scenario %q (try -list)", n)
			}
			todo = append(todo, sc)
		}
	}
	if err := lab.Available(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var errs []error
	for _, sc := range todo {
		if o.bytes > 0 {
			sc.Bytes, sc.ServerBytes = o.bytes, 0
		}
		if o.serverBytes > 0 {
			sc.ServerBytes = o.serverBytes
		}
		if o.conns > 0 {
			sc.Conns = o.conns
		}
		if o.seed > 0 {
			sc.Seed = o.seed
		}
		if o.rate != "" {
			sc.Rate = o.rate
		}
		if o.timeout > 0 {
			sc.Timeout = o.timeout
		}
		switch o.offload {
		case "true":
			sc.Offload = true
		case "false":
			sc.Offload = false
		}
		res, err := lab.Run(ctx, out, sc)
		if err != nil {
			errs = append(errs, err)
			fmt.Fprintln(os.Stderr, "mklab:", err)
			continue
		}
		if err := report(res); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// report prints what a run produced and checks the manifest's consistency.
func report(res *lab.Result) error {
	sum, err := lab.Inspect(res.Pcap)
	if err != nil {
		return err
	}
	m := res.Manifest
	var opts []string
	for st, n := range sum.Options {
		opts = append(opts, fmt.Sprintf("%v=%d", st, n))
	}
	sort.Strings(opts)
	fmt.Printf("%s: %v, %d packets (%d MPTCP, %d subflows, %d join SYNs, %d DSS checksums), %d conns\n  %s\n  options: %s\n",
		m.Scenario, res.Duration.Round(1e6), sum.Packets, sum.MPTCP, sum.Subflows, sum.JoinSYNs, sum.DSSChecksums,
		len(m.Client), res.Pcap, strings.Join(opts, " "))
	if nf := m.Netfilter; nf != nil && m.Config.Drop > 0 {
		fmt.Printf("  dropped: %d data segments to the server, %d to the client\n", nf.DroppedToServer, nf.DroppedToClient)
	}
	if nf := m.Netfilter; nf != nil && m.Config.Mangle {
		fmt.Printf("  corrupted: %d segment(s) to the server\n", nf.Corrupted)
	}
	for i, c := range m.Client {
		s := m.Server[i]
		c2s := same(c.Sent, s.Received)
		if !c2s && m.Config.Mangle {
			// Expected: the middlebox changed what the server got.
			fmt.Printf("  connection %d: client sent %s, server received %s\n", i, c.Sent, s.Received)
			c2s = true
		}
		if c.Local != s.Peer || !c2s || !same(c.Received, s.Sent) {
			return fmt.Errorf("%s: connection %d: client and server records disagree", m.Scenario, i)
		}
	}
	if sum.MPTCP == 0 || !slices.ContainsFunc(m.Client, func(c lab.ClientConn) bool { return c.Sent != nil }) {
		return fmt.Errorf("%s: no mptcp traffic", m.Scenario)
	}
	return nil
}

// same compares two streams; nil (unknown) matches anything.
func same(a, b *lab.Stream) bool {
	return a == nil || b == nil || *a == *b
}
