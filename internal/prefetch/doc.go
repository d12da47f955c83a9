// Package prefetch asks the processor to bring memory into its cache
// ahead of use (PREFETCHT0 on amd64; nothing elsewhere). It is for
// addresses the hardware's own prefetcher cannot guess: the next record
// of a capture file, the next payload a digest reads.
package prefetch
