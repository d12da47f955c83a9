//go:build !amd64 || purego

package capture

// prefetchLines does nothing here: the processor's own prefetching is
// all there is.
func prefetchLines(*byte) {}
