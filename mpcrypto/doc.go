// Package mpcrypto computes what Multipath TCP derives from its keys: the
// token and initial data sequence number of each endpoint, the MP_JOIN
// HMACs that prove a new subflow belongs to a connection, and the v1
// ADD_ADDR HMAC.
//
// The hash depends on the protocol version: SHA-1 for v0 (RFC 6824 §3.1,
// §3.2) and SHA-256 for v1 (RFC 8684 §3.1, §3.2). Keys are 64-bit values
// hashed in network byte order; HMAC keys are the 16-byte concatenation of
// two keys and messages the 8-byte concatenation of two nonces, exactly as
// the digest's §3 and its §8 test vectors describe.
//
// Everything here is a pure function of its arguments and allocation-light;
// callers decide when to compute (once per key, once per join).
package mpcrypto
