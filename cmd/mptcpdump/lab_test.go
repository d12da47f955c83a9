//go:build linux

package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mptcpdump/mptcpdump/internal/lab"
)

// Fresh traffic from the kernel, every run: each scenario of the lab is
// played between network namespaces, captured, and analyzed; every stream
// must hash to what the applications sent and received, every join must
// verify, and nothing healthy may raise an error finding.
func TestFreshKernelTraffic(t *testing.T) {
	if err := lab.Available(); err != nil {
		t.Skipf("real MPTCP traffic needs root, network namespaces and MPTCP: %v", err)
	}
	for _, sc := range lab.Scenarios() {
		if testing.Short() && sc.Name != "basic" {
			continue
		}
		t.Run(sc.Name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			res, err := lab.Run(ctx, t.TempDir(), sc)
			if errors.Is(err, lab.ErrUnsupported) {
				t.Skipf("scenario %s: %v", sc.Name, err)
			}
			if err != nil {
				t.Fatalf("scenario %s: %v", sc.Name, err)
			}
			checkWithManifest(t, res.Pcap)
		})
	}
}
