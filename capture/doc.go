// Package capture yields the frames of a packet capture, one Record at a
// time, from a classic pcap file (microsecond or nanosecond timestamps,
// either byte order, optionally gzip-compressed) or a pcapng file (several
// interfaces, each with its own link type). Reading is streaming: nothing
// is kept per frame, and the Record's Data is reused by the next call.
//
// OpenFile reads a pcap or pcapng file from a read-only memory mapping (on
// Linux): Next then returns slices of the mapping, valid until Close (a
// pcapng file is parsed by pcapgo and its packets found in the mapping),
// and Prefetch hands them on without copying and gives the pages back
// behind the analysis. A mapped file cut short while it is read faults;
// CatchFault turns that into ErrFileChanged.
//
// Frames are numbered from 1 in file order, as Wireshark numbers them, so
// packet numbers in findings can be looked up there.
//
// Errors: a file that is not a capture, or whose header is broken, gives a
// *FormatError from Open. A file cut in the middle of a record ends the
// iteration with an error matching ErrTruncatedFile after every complete
// record was returned: what was read stays usable.
package capture
