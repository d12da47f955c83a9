package tui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"
)

// harness runs an App on a simulation screen.
type harness struct {
	t    *testing.T
	sim  tcell.SimulationScreen
	app  *App
	done chan error
}

func start(t *testing.T, ctx context.Context) *harness {
	t.Helper()
	sim := tcell.NewSimulationScreen("UTF-8")
	a := New(Options{Screen: sim, Refresh: 10 * time.Millisecond})
	sim.SetSize(160, 40) // after New, which initializes the screen
	h := &harness{t: t, sim: sim, app: a, done: make(chan error, 1)}
	go func() { h.done <- a.Run(ctx) }()
	return h
}

// screen reads the simulated terminal as text, one line per row. The
// simulation screen draws into its cells under its own mutex, which it
// exposes: reading under it keeps the race detector quiet.
func (h *harness) screen() string {
	l, ok := h.sim.(sync.Locker)
	if !ok {
		h.t.Fatal("the simulation screen no longer exposes its mutex: reading it would race with drawing")
	}
	cells, w, ht := h.sim.GetContents() // locks and unlocks
	l.Lock()
	defer l.Unlock()
	var b strings.Builder
	for y := 0; y < ht; y++ {
		for x := 0; x < w && y*w+x < len(cells); x++ {
			if r := cells[y*w+x].Runes; len(r) > 0 {
				b.WriteRune(r[0])
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// waitFor polls the screen until ok holds, failing after a deadline.
func (h *harness) waitFor(what string, ok func(screen string) bool) string {
	h.t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		s := h.screen()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; screen:\n%s", what, s)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (h *harness) waitShows(texts ...string) string {
	h.t.Helper()
	return h.waitFor(strings.Join(texts, ", "), func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

func (h *harness) key(k tcell.Key) { h.sim.InjectKey(k, 0, tcell.ModNone) }
func (h *harness) rune(r rune)     { h.sim.InjectKey(tcell.KeyRune, r, tcell.ModNone) }
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.rune(r)
	}
}

// line returns the screen line containing text ("" when none).
func line(screen, text string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, text) {
			return l
		}
	}
	return ""
}

func (h *harness) waitReturn() {
	h.t.Helper()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Fatalf("Run returned %v", err)
		}
	case <-time.After(2 * time.Second):
		h.t.Fatal("Run did not return")
	}
}

func TestAppSession(t *testing.T) {
	h := start(t, context.Background())
	h.waitShows("waiting for packets")
	h.app.Update(fixture())
	s := h.waitShows("10.0.0.10:40000", "192.168.1.1:5", "lab[1].pcap", "ID ▲")
	if !strings.Contains(line(s, "10.0.0.10:40000"), "2 (1/1 joins ok)") {
		t.Errorf("connection row: %q", line(s, "10.0.0.10:40000"))
	}

	// Filter: only connection 1 has a subflow on 10.0.1.x.
	h.rune('/')
	h.typeText("10.0.1.")
	h.key(tcell.KeyEnter)
	h.waitFor("the filter to hide the others", func(s string) bool {
		return strings.Contains(s, "10.0.0.10:40000") && !strings.Contains(s, "192.168.1.1:5") &&
			!strings.Contains(s, "10.0.0.9:1000") && strings.Contains(s, `filter "10.0.1."`)
	})

	// Details of the selected (only) connection.
	h.key(tcell.KeyEnter)
	s = h.waitShows("Connection 1", "Subflows 2", "10.0.1.10:40001", "subflow-established", "0123456789abcdef")
	if l := line(s, "10.0.1.10:40001"); !strings.Contains(l, "join") || !strings.Contains(l, "valid") {
		t.Errorf("join subflow row: %q", l)
	}
	if !strings.Contains(s, "dss-checksum-invalid") {
		t.Errorf("the detail view lacks the connection's finding")
	}

	// Esc goes back.
	h.key(tcell.KeyEscape)
	h.waitFor("the connections table", func(s string) bool {
		return strings.Contains(s, "Connections 1 of 3") && !strings.Contains(s, "Subflows")
	})

	// Esc again clears the filter.
	h.key(tcell.KeyEscape)
	h.waitShows("Connections 3", "192.168.1.1:5")

	// Findings view, then Enter jumps to the finding's connection.
	h.rune('f')
	h.waitShows("Findings 3", "dss-checksum-invalid", "join-hmac-warning", "checksum [bad] on mapping")
	h.key(tcell.KeyEnter)
	h.waitShows("Connection 1", "Subflows 2")
	h.key(tcell.KeyEscape) // back to the findings
	h.waitShows("Findings 3", "SEVERITY")
	h.rune('f') // and to the connections
	h.waitShows("Connections 3", "SUBFLOWS")

	// Help.
	h.rune('?')
	h.waitShows("Keys (Esc closes)", "reverse the sort", "Tab  Shift-Tab")
	h.key(tcell.KeyEscape)
	h.waitFor("the help to close", func(s string) bool { return !strings.Contains(s, "reverse the sort") })

	// Sort: s moves the marker from ID to VER, S reverses it.
	h.rune('s')
	h.waitFor("the sort marker to move", func(s string) bool {
		return strings.Contains(s, "VER ▲") && !strings.Contains(s, "ID ▲")
	})
	h.rune('S')
	h.waitShows("VER ▼")

	// A new snapshot with more data redraws the row.
	next := fixture()
	next.Connections[0].C2S.Bytes = 5 << 20
	next.Connections[0].RateC2S = 425000
	h.app.Update(next)
	s = h.waitShows("5.0 MiB", "3.4 Mb/s")
	if !strings.Contains(line(s, "10.0.0.10:40000"), "5.0 MiB") {
		t.Errorf("the new bytes are not on connection 1's row: %q", line(s, "10.0.0.10:40000"))
	}

	h.rune('q')
	h.waitReturn()
}

// TestSelectionFollowsConnection selects a connection, then re-sorts and
// sends a snapshot that moves its row: Enter still opens that connection.
func TestSelectionFollowsConnection(t *testing.T) {
	h := start(t, context.Background())
	h.app.Update(fixture())
	h.waitShows("192.168.1.1:5")
	h.key(tcell.KeyDown) // ID order 1, 2, 37: select connection 2
	h.rune('>')          // VER order 2, 1, 37: connection 2 moves to the first row
	h.waitShows("VER ▲")
	next := fixture()
	next.Connections[1].Version = 2 // VER order 1, 37, 2: and to the last
	h.app.Update(next)
	h.waitFor("the reordered rows", func(s string) bool {
		return strings.Index(s, "192.168.1.1:5") < strings.Index(s, "10.0.0.9:1000")
	})
	h.key(tcell.KeyEnter)
	h.waitShows("Connection 2", "Subflows 1", "192.168.0.1:80")
	h.key(tcell.KeyCtrlC)
	h.waitReturn()
}

func TestRunStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	h := start(t, ctx)
	h.waitShows("waiting for packets")
	cancel()
	h.waitReturn()
}

func TestRunWithCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := start(t, ctx)
	h.waitReturn()
}

// TestUpdateNeverBlocks hands over snapshots faster than the UI draws,
// before and while it runs.
func TestUpdateNeverBlocks(t *testing.T) {
	sim := tcell.NewSimulationScreen("UTF-8")
	a := New(Options{Screen: sim, Refresh: time.Hour})
	for i := 0; i < 1000; i++ {
		a.Update(fixture())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				a.Update(fixture())
			}
		}()
	}
	wg.Wait()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return")
	}
}
