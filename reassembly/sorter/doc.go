// Package sorter puts the bytes of one byte stream back in order, delivers
// each byte exactly once, and reports every duplicate with a comparison
// against the first copy.
//
// mptcpdump needs this at both levels of Multipath TCP reassembly: each TCP
// subflow's byte stream (32-bit sequence numbers, which the caller unwraps
// into 64-bit offsets before pushing) and each MPTCP connection's data
// stream (64-bit data sequence numbers, possibly sent over several
// subflows). At the subflow level a duplicate is a retransmission; at the
// data level a duplicate with a different tag (the tag identifies the
// subflow that carried it) is a reinjection, and a duplicate whose bytes
// differ from the first copy is worth a finding either way.
//
// # Contract
//
// Create one Sorter per stream with New(start, cfg); start is the offset of
// the first byte (the ISN+1 or IDSN+1). Then call Push for every chunk seen,
// in capture order, and Skip or Flush when the caller knows data will not
// come (a capture that starts mid-stream, a lost segment that was never
// retransmitted, the end of the capture). All calls on one Sorter must come
// from one goroutine.
//
// Push, Skip and Flush call their Deliver function synchronously, before
// they return, once for each run of newly in-order bytes, in strictly
// increasing offset order. Consecutive deliveries are contiguous except
// where bytes were declared missing in between, and every byte from start up
// to Next() is either delivered once or counted missing once:
// Delivered()+Missing() == Next()-Start(). The tag passed to Deliver is the
// tag of the Push that brought the bytes first. Deliver must not call Push,
// Skip or Flush on the same Sorter; it may be nil.
//
// Ownership: the data passed to Push belongs to the caller again as soon as
// Push returns. The Sorter copies the new bytes it must hold back (they
// arrived ahead of Next), and copies delivered bytes into its window. The
// data passed to Deliver aliases the caller's chunk (bytes delivered straight
// from a Push) or the Sorter's buffer: it is valid only during the call, and
// must not be modified or retained; copy it to keep it.
//
// PushRef is Push for a chunk that stays valid and unchanged as long as the
// Sorter is used (mptcpdump's memory-mapped capture files): the window then
// remembers the bytes delivered straight from such a chunk (refMin bytes or
// more) by reference, as a run pointing at the chunk, instead of copying
// them into its ring. Results and deliveries are exactly those of Push;
// the randomized tests and the fuzzer run both ways against one model.
//
// Config.ByReference goes further: buffered ranges are lists of pieces
// instead of contiguous copies. A PushRef chunk's new bytes are kept by
// reference, a Push chunk's in a piece of their own (a copy of just those
// bytes), so nothing buffered is ever copied again as ranges grow and
// merge. Each piece counts as a run against MaxBufferedRuns. Every piece
// is immutable, so bytes delivered from the buffer are Retainable: the
// caller may keep them without a copy (mptcpdump hashes them on another
// goroutine where they lie).
//
// # Duplicates
//
// The first copy of a byte wins: bytes already delivered, already declared
// missing, or already buffered are never replaced. Result accounts for
// every byte of a pushed chunk in exactly one of New, Duplicate, Before
// (below start) and Dropped (at or past offset 2^64-1, which the offset space
// cannot hold). A duplicate is compared with the first copy when that copy
// is still known: buffered bytes always are; delivered bytes are while they
// lie in the window, the last Config.Window bytes below Next. Differing bytes
// count in Mismatch (FirstMismatch is the lowest), duplicates of bytes that
// were declared missing or have left the window count in Unverified, and
// duplicates whose first copy's known tag differs count in DupOtherTag.
//
// # Caps
//
// Every buffer is bounded, and reaching a bound makes loss visible rather
// than growing or failing:
//
//   - Config.MaxBuffered (DefaultMaxBuffered, 4 MiB) caps the out-of-order
//     bytes held, and MaxBufferedRuns caps their bookkeeping. When a chunk
//     would exceed either, the Sorter makes room the way a receiver that
//     gives up would: it declares the lowest hole missing (as Skip would),
//     delivers the buffered range above it, and repeats until the chunk
//     fits; when the lowest hole ends at the chunk itself (the chunk lies
//     below every buffered range, or is larger than the cap on its own), the
//     chunk becomes in order and is delivered from the caller's slice. No
//     byte that arrived is ever thrown away; the bytes given up are counted
//     in Result.Skipped, Missing and Gaps, where the caller can report them.
//   - Config.Window (DefaultWindow, 256 KiB) caps the ring of delivered bytes
//     kept for comparison, and MaxWindowRuns caps the tag runs kept with it.
//     Older bytes are forgotten; their duplicates become Unverified. The
//     ring starts small and doubles as the stream grows, so a short stream
//     never pays for the whole window.
//
// Memory is therefore at most 1.5 × MaxBuffered bytes of range buffers (see
// below), plus Window bytes of ring, plus bookkeeping bounded by
// MaxBufferedRuns and MaxWindowRuns (well under 1 MiB at the defaults),
// whatever the input. With ByReference, buffered bytes are either the
// caller's (held by reference) or copies of exactly the new bytes, so the
// bound is MaxBuffered bytes plus MaxBufferedRuns pieces.
//
// # Structure
//
// The buffer is a slice of disjoint ranges sorted by offset, found by binary
// search. Ranges that touch are merged, so there is always a hole between
// two ranges and the lowest range starts above Next. This is quic-go's
// frame sorter turned around: quic-go keeps the gaps and a map of received
// frames, and may replace a shorter frame with a longer one; here the first
// copy must win and be compared byte by byte, and a passive observer cannot
// reject a peer, so a full buffer skips a hole (and says so) instead of
// returning quic-go's "too many gaps" error.
//
// Each range holds its bytes in one contiguous buffer, not as a list of the
// chunks that brought them. A duplicate is then compared with one
// bytes.Equal, a range is delivered with one call per tag run, and a range
// built from many tiny chunks costs no slice header and allocation per chunk
// (a list of 1-byte slices would cost some 40 bytes of overhead per byte).
// The price is copying when ranges grow and merge, and it is kept linear:
// a buffer is reallocated with half its size again as slack, split between
// its two ends, so a range growing at either end is copied a constant number
// of times per byte on average (and its capacity never exceeds 1.5 times its
// length, which gives the memory bound above); and when a chunk fills the
// holes between several ranges, the largest range keeps its buffer and the
// others are copied into it, so a byte is copied only when its range at
// least doubles: O(log MaxBuffered) times at most. Tags are kept beside the
// bytes as runs, coalesced, and the cap on runs bounds the cost of any one
// insertion.
//
// The window is a ring indexed by absolute offset modulo its size, plus a
// small circular list of tag runs (and gaps) for the bytes in it.
//
// The common case costs almost nothing: a Push at exactly Next() with nothing
// buffered delivers straight from the caller's slice and copies the bytes
// into the window; once the ring has reached full size it allocates nothing.
//
// Offsets are absolute uint64 values that do not wrap in practice; the
// arithmetic never overflows and never panics, whatever the input: a chunk
// whose end would pass 2^64-1 is cut there and the rest counted in Dropped.
package sorter
