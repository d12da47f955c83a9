//go:build !amd64 || purego

package prefetch

// Lines does nothing here: the processor's own prefetching is
// all there is.
func Lines(*byte) {}
