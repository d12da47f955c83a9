// Package monitor is the model behind the terminal UI: plain snapshots of
// an analysis in progress (connections with their rates, subflows,
// events, findings), built on the analysis goroutine and handed to the
// UI, which only reads them. It imports no terminal toolkit: colours and
// widgets live in package tui, which maps the semantic state here
// (severity, subflow role, HMAC verdict, connection state) to styles.
//
// Rates use the packet clock: bytes per second of capture time between
// two snapshots, so a file browsed offline and a live interface show the
// same numbers for the same traffic.
package monitor
