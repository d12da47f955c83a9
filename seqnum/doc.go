// Package seqnum holds the sequence-number types of Multipath TCP: the 32-bit
// subflow sequence number (SSN) of one TCP subflow and the 64-bit data
// sequence number (DSN) of the connection-level byte stream.
//
// Both spaces wrap, so their values must never be compared with < or >:
// use the methods here, which use serial arithmetic (RFC 1982) the way
// gvisor's tcpip/seqnum does. The one subtle operation, widening a 32-bit
// DSN or Data ACK carried in a DSS option into the 64-bit space, lives in
// Expand (RFC 8684 §3.3.1, the rule Linux implements in __mptcp_expand_seq).
package seqnum
