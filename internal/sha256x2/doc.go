// Package sha256x2 computes SHA-256 digests, two messages at a time.
//
// With the SHA extensions (SHA-NI), each SHA256RNDS2 instruction does two
// of a block's 64 rounds and needs the result of the one before: hashing
// one message, the unit waits on that latency most of the time. WriteTwo
// advances two independent messages in step, their instructions
// alternated, so that one's rounds fill the other's waits: on AMD Zen
// this hashes about 1.7 times as many bytes per second as one message at
// a time. mptcpdump hashes every reassembled stream (to prove what it
// rebuilt), and a capture usually carries several streams: the digester
// pairs them.
//
// A Digest gives the same sums as crypto/sha256 whatever the writes'
// sizes and pairing. Without SHA-NI (or built with purego), a Digest is
// crypto/sha256's own, and WriteTwo writes one message after the other.
package sha256x2
