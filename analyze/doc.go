// Package analyze is the one analysis path of mptcpdump: it pulls records
// from a capture source, decodes each into a reused Packet, feeds the
// endpoint model (reassembly) and the checks (validate), and returns the
// model and findings for the report and the terminal UI to read.
//
// Offline files and (later) live interfaces differ only in their Source;
// everything after the source is shared, so the same capture gives the
// same result whichever way it arrives.
package analyze
