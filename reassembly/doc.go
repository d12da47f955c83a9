// Package reassembly is the passive endpoint model of mptcpdump: the only
// stateful stage of the pipeline. It follows every Multipath TCP connection
// in a capture from the decoded packets it is fed, in capture order.
//
// # Model
//
// A Tracker owns everything. It finds a packet's Subflow by its canonical
// 4-tuple (live subflows only), and a joining subflow's Connection by the
// token its MP_JOIN SYN carries — never by address or port, since joins may
// use other addresses, pass NATs and start from either end. Tokens map to a
// list of owners: two connections whose keys hash to the same token are
// both kept, and the join's HMAC decides between them.
//
// A Connection starts at an MP_CAPABLE SYN (or SYN/ACK when the SYN was not
// captured). It holds the version, both endpoints' keys with the token and
// IDSN derived from each, the checksum decision, and its subflows. The
// endpoint that sent the MP_CAPABLE SYN is the client, the other the
// server. A Subflow records its own initiator and responder, and for a join
// the nonces and HMACs of both sides, verified as soon as the keys are known
// (and again at Finish for keys learned late).
//
// # Events
//
// The model reports what it sees through an Observer: one Event per
// protocol fact worth a finding (an HMAC that does not verify, a join whose
// token matches nothing, an echoed key that differs, an option that could
// not be decoded, a handshake that fell back). Observers run synchronously
// on the caller's goroutine, must not modify the model, and must copy
// anything they keep from an Event: its pointers stay valid, the Event
// value does not.
//
// # Clock and bounds
//
// The packet timestamp is the only clock. Live subflows are indexed by
// 4-tuple; a closed subflow (RST, or FIN in both directions) leaves the
// index ClosedLinger of capture time after its last packet, so the index
// holds what is open plus what closed within the last minute.
package reassembly
