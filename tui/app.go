package tui

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/mptcpdump/mptcpdump/monitor"
)

// defaultRefresh is the redraw coalescing period when Options.Refresh is
// zero: four redraws a second at most, however fast snapshots arrive.
const defaultRefresh = 250 * time.Millisecond

// Options configure the UI.
type Options struct {
	// Screen is where to draw; nil means the real terminal. Tests pass a
	// tcell.SimulationScreen. New initializes it (tview calls Init), so
	// size a simulation screen after New, not before.
	Screen tcell.Screen
	// Refresh is the redraw coalescing period (wall clock); 0 means
	// 250ms.
	Refresh time.Duration
}

// App is the terminal UI. Three goroutines share it:
//
//   - any goroutine calls Update, which only stores the snapshot;
//   - the renderer goroutine (started by Run) wakes on a ticker when a new
//     snapshot arrived, or at once when the view changed, renders rows off
//     the UI goroutine and hands them over in one QueueUpdateDraw;
//   - the UI goroutine (tview's event loop, inside Run) handles keys and
//     applies rendered frames. It alone touches widgets, and it never
//     queues updates: a key press changes the view state and wakes the
//     renderer.
type App struct {
	opt Options
	app *tview.Application
	ui  *widgets

	// Shared between goroutines.
	snap     atomic.Pointer[monitor.Snapshot] // the latest snapshot
	fresh    atomic.Bool                      // snap changed since the last render
	kick     chan struct{}                    // cap 1: the view changed, render now
	quit     chan struct{}                    // cap 1: the user asked to quit
	stopping atomic.Bool                      // the renderer stopped the application
	ran      atomic.Bool                      // Run was called
	mu       sync.Mutex                       // guards view
	view     viewState                        // written by the UI goroutine, read by the renderer

	// UI goroutine only.
	started     chan struct{} // closed after the first draw: Stop now ends Run
	drawn       bool
	shownPage   page
	shownDetail int
	detailFocus int  // index into widgets.detailTables
	editing     bool // the filter input has focus
	helpOpen    bool
}

// New builds the UI; nothing is shown until Run.
func New(opt Options) *App {
	if opt.Refresh <= 0 {
		opt.Refresh = defaultRefresh
	}
	a := &App{
		opt:         opt,
		app:         tview.NewApplication(),
		ui:          newWidgets(),
		kick:        make(chan struct{}, 1),
		quit:        make(chan struct{}, 1),
		started:     make(chan struct{}),
		view:        defaultView(),
		shownDetail: -1,
	}
	w := a.ui
	w.conns.SetSelectedFunc(func(row, _ int) {
		if id := w.conns.content.connAt(row - 1); id != 0 {
			a.openDetail(id, pageConnections)
		}
	})
	w.findings.SetSelectedFunc(func(row, _ int) {
		if id := w.findings.content.connAt(row - 1); id != 0 {
			a.openDetail(id, pageFindings)
		}
	})
	w.filter.SetChangedFunc(func(text string) {
		if a.editing {
			a.changeView(func(v *viewState) { v.filter = text })
		}
	})
	w.filter.SetDoneFunc(a.filterDone)

	a.app.SetRoot(w.root, true).
		SetInputCapture(a.onKey).
		SetAfterDrawFunc(a.afterDraw)
	if opt.Screen != nil {
		a.app.SetScreen(opt.Screen)
	}
	// The UI goroutine does not exist yet: fill the widgets directly.
	a.apply(prepare(render(nil, a.view)))
	a.app.SetFocus(w.conns)
	return a
}

// Update hands a new snapshot to the UI; safe from any goroutine, never
// blocks; only the latest snapshot is kept, and it is drawn at the next
// refresh tick (coalesced).
func (a *App) Update(s *monitor.Snapshot) {
	a.snap.Store(s)
	a.fresh.Store(true)
}

// Run shows the UI until the user quits (q, Ctrl-C) or ctx is done; it
// restores the terminal on return. Both ways to stop return nil; an error
// means the terminal could not be set up or failed. Call Run once, from
// any goroutine (tcell needs no particular thread); nothing else may write
// to the terminal meanwhile.
func (a *App) Run(ctx context.Context) error {
	if !a.ran.CompareAndSwap(false, true) {
		return errors.New("tui: Run called twice")
	}
	runDone := make(chan struct{})
	renderDone := make(chan struct{})
	go func() {
		defer close(renderDone)
		a.renderLoop(ctx, runDone)
	}()
	err := a.app.Run()
	close(runDone)
	if a.stopping.Load() {
		// The renderer stopped the application after its last
		// QueueUpdateDraw returned: it is leaving, wait for it. When tview
		// stopped by itself (a terminal error), the renderer may be blocked
		// forever in a QueueUpdateDraw the dead event loop will never run,
		// so it is left behind rather than waited for.
		<-renderDone
	}
	return err
}

// renderLoop is the renderer goroutine: it is the only caller of
// QueueUpdateDraw and of Stop, so no update is ever queued to an event
// loop that has ended.
func (a *App) renderLoop(ctx context.Context, runDone <-chan struct{}) {
	select {
	case <-a.started:
	case <-runDone: // the terminal could not be set up
		return
	}
	tick := time.NewTicker(a.opt.Refresh)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			a.stop()
			return
		case <-a.quit:
			a.stop()
			return
		case <-runDone:
			return
		case <-tick.C:
			if !a.fresh.Load() {
				continue
			}
		case <-a.kick:
		}
		a.fresh.Store(false)
		p := prepare(render(a.snap.Load(), a.loadView()))
		a.app.QueueUpdateDraw(func() { a.apply(p) })
	}
}

func (a *App) stop() {
	a.stopping.Store(true)
	a.app.Stop()
}

func (a *App) loadView() viewState {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.view
}

// changeView edits the view state and wakes the renderer (UI goroutine).
func (a *App) changeView(edit func(v *viewState)) {
	a.mu.Lock()
	edit(&a.view)
	a.mu.Unlock()
	select {
	case a.kick <- struct{}{}:
	default: // a render is already due
	}
}

func (a *App) requestQuit() {
	select {
	case a.quit <- struct{}{}:
	default:
	}
}

func (a *App) afterDraw(tcell.Screen) {
	if !a.drawn {
		a.drawn = true
		close(a.started)
	}
}

// apply shows a prepared frame (UI goroutine).
func (a *App) apply(p *prepared) {
	w := a.ui
	w.header.SetText(p.header)
	w.footer.SetText(p.footer)
	w.conns.SetTitle(p.connsTitle)
	w.conns.show(p.conns)
	w.findings.SetTitle(p.fTitle)
	w.findings.show(p.findings)
	if p.detail {
		w.detail.SetTitle(p.detailTitle)
		w.summary.SetText(p.summary)
		newConn := p.view.detailID != a.shownDetail
		for _, x := range []struct {
			t *gridTable
			c *gridContent
		}{{w.endpoints, p.endpoints}, {w.subflows, p.subflows}, {w.events, p.events}, {w.dfindings, p.dfindings}} {
			if newConn {
				x.t.reset(x.c)
			} else {
				x.t.show(x.c)
			}
		}
		w.subflows.SetTitle(countTitle("Subflows", len(p.subflows.keys)))
		w.events.SetTitle(countTitle("Events", len(p.events.keys)))
		w.dfindings.SetTitle(countTitle("Findings", len(p.dfindings.keys)))
		// Tables as tall as their rows (plus border and heading), the
		// events table taking what is left.
		w.detail.ResizeItem(w.subflows, min(len(p.subflows.keys), 8)+3, 0)
		w.detail.ResizeItem(w.dfindings, min(max(len(p.dfindings.keys), 1), 6)+3, 0)
		if newConn {
			a.shownDetail = p.view.detailID
			a.detailFocus = 0
		}
	}
	if p.view.page != a.shownPage {
		a.shownPage = p.view.page
		w.pages.SwitchToPage(p.view.page.name())
		if a.helpOpen {
			w.pages.ShowPage("help")
		}
		a.focusPage()
	}
}

func countTitle(name string, n int) string {
	return " " + name + " " + strconv.Itoa(n) + " "
}

// focusPage gives the keyboard to the shown page's table, unless the help
// or the filter input has it.
func (a *App) focusPage() {
	if a.editing || a.helpOpen {
		return
	}
	w := a.ui
	switch a.shownPage {
	case pageDetail:
		a.app.SetFocus(w.detailTables()[a.detailFocus])
	case pageFindings:
		a.app.SetFocus(w.findings)
	default:
		a.app.SetFocus(w.conns)
	}
}

func (a *App) openDetail(id int, from page) {
	a.changeView(func(v *viewState) { v.page, v.detailID, v.back = pageDetail, id, from })
}

// onKey handles the global keys before the focused widget sees them (UI
// goroutine).
func (a *App) onKey(ev *tcell.EventKey) *tcell.EventKey {
	if ev.Key() == tcell.KeyCtrlC {
		a.requestQuit()
		return nil
	}
	if a.editing {
		return ev // the filter input gets everything; its done func ends editing
	}
	if a.helpOpen {
		switch {
		case ev.Key() == tcell.KeyEscape, ev.Key() == tcell.KeyRune && ev.Rune() == '?':
			a.closeHelp()
			return nil
		case ev.Key() == tcell.KeyRune && ev.Rune() == 'q':
			a.requestQuit()
			return nil
		}
		return ev // scroll the help
	}
	v := a.loadView()
	switch ev.Key() {
	case tcell.KeyEscape:
		switch v.page {
		case pageDetail:
			a.changeView(func(v *viewState) { v.page = v.back })
		case pageFindings:
			a.changeView(func(v *viewState) { v.page = pageConnections })
		default:
			if v.filter != "" {
				a.changeView(func(v *viewState) { v.filter = "" })
			}
		}
		return nil
	case tcell.KeyBackspace, tcell.KeyBackspace2:
		if v.page == pageDetail {
			a.changeView(func(v *viewState) { v.page = v.back })
			return nil
		}
	case tcell.KeyTab, tcell.KeyBacktab:
		if v.page == pageDetail && a.shownPage == pageDetail {
			step := 1
			if ev.Key() == tcell.KeyBacktab {
				step = len(a.ui.detailTables()) - 1
			}
			a.detailFocus = (a.detailFocus + step) % len(a.ui.detailTables())
			a.focusPage()
			return nil
		}
	case tcell.KeyRune:
		return a.onRune(ev, v)
	}
	return ev
}

func (a *App) onRune(ev *tcell.EventKey, v viewState) *tcell.EventKey {
	switch ev.Rune() {
	case 'q':
		a.requestQuit()
	case '?':
		a.openHelp()
	case '/':
		a.startFilter(v)
	case 'f':
		a.changeView(func(v *viewState) {
			if v.page == pageFindings {
				v.page = pageConnections
			} else {
				v.page = pageFindings
			}
		})
	case 's', '>', '<', 'S':
		if v.page != pageConnections {
			return ev
		}
		a.changeView(func(v *viewState) {
			switch ev.Rune() {
			case 'S':
				v.desc = !v.desc
			case '<':
				v.sort = v.sort.next(-1)
				v.desc = v.sort.numeric()
			default:
				v.sort = v.sort.next(1)
				v.desc = v.sort.numeric()
			}
		})
	default:
		return ev
	}
	return nil
}

func (a *App) openHelp() {
	a.helpOpen = true
	a.ui.pages.ShowPage("help")
	a.app.SetFocus(a.ui.help)
}

func (a *App) closeHelp() {
	a.helpOpen = false
	a.ui.pages.HidePage("help")
	a.focusPage()
}

// startFilter opens the filter input; from the detail view it goes back
// to the connections first.
func (a *App) startFilter(v viewState) {
	if v.page == pageDetail {
		a.changeView(func(v *viewState) { v.page = pageConnections })
	}
	a.ui.filter.SetText(v.filter) // before editing: the text is the filter already
	a.editing = true
	a.ui.bottom.SwitchToPage("filter")
	a.app.SetFocus(a.ui.filter)
}

// filterDone ends editing: Enter keeps the filter, Esc clears it.
func (a *App) filterDone(key tcell.Key) {
	switch key {
	case tcell.KeyEnter:
	case tcell.KeyEscape:
		a.ui.filter.SetText("")
		a.changeView(func(v *viewState) { v.filter = "" })
	default:
		return // Tab and Backtab: keep editing
	}
	a.editing = false
	a.ui.bottom.SwitchToPage("footer")
	a.focusPage()
}
