//go:build !purego

package prefetch

// Lines asks the processor to bring the two cache lines from p
// into its cache, without waiting for them. It never faults, whatever p
// points to.
//
//go:noescape
func Lines(p *byte)
