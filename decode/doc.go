// Package decode turns one captured frame into one Packet: link, IP and TCP
// header fields and every Multipath TCP option the segment carries, parsed
// from the raw TCP option bytes (option kind 30).
//
// # Contract
//
// A Decoder is stateless between packets and not safe for concurrent use:
// keep one per goroutine. Decode fills a caller-owned Packet and reuses its
// backing arrays, so the common path allocates nothing. The slices in a
// Packet (Payload, option Raw bytes, REMOVE_ADDR IDs) point into the frame
// buffer the caller passed in and are valid only until that buffer is
// reused: copy what must outlive the call.
//
// # Errors
//
// A frame that is not a TCP segment is not an error (Decode returns
// ErrNotTCP so callers can count it). A problem inside the MPTCP options
// never aborts the packet: each malformed or truncated option becomes an
// OptionError in Packet.OptionErrors, carrying the subtype and byte offset,
// and decoding continues with the next option. Truncated (the capture's
// snap length cut the bytes) and malformed (the bytes are there but wrong)
// are distinct conditions, matched with errors.Is against ErrTruncated and
// ErrMalformed.
//
// # Options
//
// There is one file per MPTCP subtype (mp_capable.go, mp_join.go, dss.go,
// add_addr.go, remove_addr.go, mp_prio.go, mp_fail.go, mp_fastclose.go,
// mp_tcprst.go, mp_experimental.go), each with an exported ParseX function
// that takes the option's bytes starting at its kind byte and returns the
// parsed value and the number of bytes consumed. Layouts that depend on the
// negotiated version (ADD_ADDR) can be parsed again by the connection
// model once it knows the version.
package decode
