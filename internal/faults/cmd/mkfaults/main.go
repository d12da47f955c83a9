// Command mkfaults writes faulty variants of a capture, made by package
// faults: for each kind, DIR/BASE-KIND.EXT (EXT is the source's extension,
// .pcap or .pcapng) and DIR/BASE-KIND.json, which records the injection,
// the finding an analyzer must report, and the source's name and sha256.
//
//	go run ./internal/faults/cmd/mkfaults -in testdata/pcaps/basic.pcap -kind join-token,echoed-key -out testdata/pcaps/faults
//	go run ./internal/faults/cmd/mkfaults -in testdata/pcaps/basic.pcap -kind all -out /tmp/x
//
// With -kind all, kinds the capture has no target for are skipped with a
// note; a kind named explicitly must apply.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mptcpdump/mptcpdump/internal/faults"
)

// Manifest is the JSON file written next to each variant.
type Manifest struct {
	faults.Injection
	Finding      string `json:"finding"`
	Source       string `json:"source"`
	SourceSHA256 string `json:"source_sha256"`
	SHA256       string `json:"sha256"`
}

func main() {
	in := flag.String("in", "", "source capture (pcap or pcapng)")
	kinds := flag.String("kind", "all", `comma-separated fault kinds, or "all"`)
	out := flag.String("out", ".", "output directory")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: mkfaults -in CAPTURE -kind K[,K2...]|all -out DIR\n\nkinds: %v\n\n", faults.Kinds())
		flag.PrintDefaults()
	}
	flag.Parse()
	if *in == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*in, *kinds, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkfaults:", err)
		os.Exit(1)
	}
}

func run(in, kindList, out string) error {
	all := kindList == "all"
	var kinds []faults.Kind
	if all {
		kinds = faults.Kinds()
	} else {
		for _, s := range strings.Split(kindList, ",") {
			k := faults.Kind(strings.TrimSpace(s))
			if !slices.Contains(faults.Kinds(), k) {
				return fmt.Errorf("unknown kind %q (want one of %v or all)", s, faults.Kinds())
			}
			kinds = append(kinds, k)
		}
	}
	src, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	sum := sha256.Sum256(src)
	ext := filepath.Ext(in)
	base := strings.TrimSuffix(filepath.Base(in), ext)
	for _, k := range kinds {
		b, inj, err := faults.Inject(src, k)
		if all && errors.Is(err, faults.ErrNoTarget) {
			fmt.Fprintf(os.Stderr, "mkfaults: skipped: %v\n", err)
			continue
		}
		if err != nil {
			return err
		}
		outSum := sha256.Sum256(b)
		m := Manifest{Injection: *inj, Finding: k.Finding(), Source: filepath.Base(in),
			SourceSHA256: hex.EncodeToString(sum[:]), SHA256: hex.EncodeToString(outSum[:])}
		js, err := json.MarshalIndent(m, "", " ")
		if err != nil {
			return err
		}
		name := filepath.Join(out, base+"-"+string(k))
		if err := os.WriteFile(name+ext, b, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(name+".json", append(js, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Printf("%s%s: frames %v: %s\n", name, ext, inj.Packets, inj.Detail)
	}
	return nil
}
