// Package faults corrupts real Multipath TCP captures on purpose, so that
// tests can check that the analyzer finds each kind of fault.
//
// Inject copies a capture and changes a few bytes of one protocol field
// (an HMAC, a token, a key, a checksum, a Data ACK) or of one payload byte,
// chosen by a deterministic rule per Kind. Everything else, file header,
// record headers, timestamps, every other frame and every other byte of the
// modified frames, stays byte-for-byte identical: the capture's bytes are
// copied and patched in place, never decoded and re-encoded. The Injection
// says which frames changed and how.
//
// # Formats
//
// Classic pcap (both byte orders, µs and ns timestamps) and pcapng (both
// byte orders; enhanced, simple and obsolete packet blocks; several
// sections and interfaces) are read by walking the record or block headers
// to find each frame's offset in the file. Gzip-compressed captures are
// refused: decompress them first.
//
// # Checksums
//
// TCP and IP checksums are not fixed up. Host captures usually carry
// offloaded, wrong checksums anyway, and the analyzer does not verify them.
// The MPTCP DSS checksum is not fixed up either: breaking it is the point
// of PayloadByte and DSSChecksum.
//
// # Fixtures
//
// testdata/pcaps/faults holds the variants made from the repository's
// captures by cmd/mkfaults, each with a JSON file naming its source, the
// source's sha256 and the Injection; the tests check that Inject still
// reproduces them byte for byte. Its README lists which finding the
// analyzer must report for each (Kind.Finding).
package faults
