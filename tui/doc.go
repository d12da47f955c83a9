// Package tui is the terminal user interface of mptcpdump: a live view of
// MPTCP connections, their subflows, timeline events and findings, built
// with tview and tcell over the snapshots of package monitor.
//
// It is the only package allowed to import tview or tcell, and only
// cmd/mptcpdump may import it (enforced by internal/archtest). It reads
// monitor and report types and nothing below them: the model packages
// expose semantic state (severity, subflow role, HMAC verdict, connection
// state), and mapping that to colours and widgets happens here.
//
// # Using it
//
//	ui := tui.New(tui.Options{})   // the real terminal, 250ms refresh
//	go analyze(func(s *monitor.Snapshot) { ui.Update(s) })
//	err := ui.Run(ctx)             // until q, Ctrl-C or ctx is done
//
// Update may be called from any goroutine, before, during or after Run; it
// never blocks and keeps only the latest snapshot. Run may be called from
// any goroutine, once; it owns the terminal until it returns (nothing else
// may write to stdout or stderr meanwhile) and restores it on return.
//
// # Layers
//
// The package is built as model → renderer → widgets, after k9s:
//
//   - The model is the immutable *monitor.Snapshot plus a viewState (page,
//     sort column and direction, filter text, the connection in the detail
//     view).
//   - The renderer (render.go, view.go, format.go) is pure functions from
//     a snapshot and a viewState to grids of plain strings, each cell with a
//     semantic tone (error, warning, good, dim...). The unit tests exercise
//     it without a screen.
//   - The widget layer (widgets.go) maps tones to colours, escapes every
//     string with tview.Escape (messages and file names may hold
//     brackets), and builds table contents; app.go applies them.
//
// # Goroutines
//
// Update stores the snapshot in an atomic pointer and marks it fresh. A
// renderer goroutine started by Run wakes on a ticker (Options.Refresh)
// and renders only when a fresh snapshot arrived, so however fast the
// analysis produces snapshots the screen redraws at most once a period. It
// also wakes at once when a key changed the viewState. It renders and
// allocates the table cells off the UI goroutine, then applies them in a
// single QueueUpdateDraw. The UI goroutine (tview's event loop) handles
// keys and touches widgets, and never queues updates itself: a key press
// edits the viewState and wakes the renderer. The renderer is also the only
// caller of Stop, after its last QueueUpdateDraw has returned, so no update
// is ever left waiting on an event loop that has ended.
//
// The selection of a table follows the row's key (the connection ID in the
// connections table) from one snapshot to the next, not its position, so
// rows moving under a sort by rate do not move the cursor to another
// connection.
//
// # Units
//
// Amounts of data are bytes with binary prefixes (1 KiB = 1024 B). Rates
// are bits per second with decimal prefixes (1 Mb/s = 10^6 bit/s), the
// way links are rated, measured over packet time between two snapshots
// (see package monitor). C2S and S2C show the data-level stream when it
// was reassembled, else the TCP payload summed over the subflows.
//
// # Keys
//
//	q, Ctrl-C          quit
//	?                  help (Esc or ? closes it)
//	/                  filter connections by client, server, ID, state or
//	                   any subflow address, ignoring case; Enter keeps the
//	                   filter, Esc clears it (Esc on the table clears it too).
//	                   The findings view keeps the findings of matching
//	                   connections and those whose text matches.
//	s, >  /  <         sort by the next / previous column; columns that count
//	                   something (subflows, bytes, rates, findings) start
//	                   largest first, the others smallest first
//	S                  reverse the sort
//	Enter              details of the selected connection (from the findings
//	                   view: of the finding's connection)
//	Tab, Shift-Tab     detail view: next / previous table
//	Esc, Backspace     detail view: back to where it was opened from
//	f                  findings view; f or Esc goes back
package tui
