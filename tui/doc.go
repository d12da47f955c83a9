// Package tui will hold the terminal user interface of mptcpdump (issue 5):
// a live view of connections, subflows, events and findings built with
// tview and tcell over the same model the offline reports read.
//
// It is the only package allowed to import tview or tcell, and only
// cmd/mptcpdump may import it (enforced by internal/archtest). The model
// packages expose semantic state (severity, subflow role, HMAC status);
// mapping those to colours and widgets happens here.
package tui
