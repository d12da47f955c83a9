package plot

import (
	"bytes"
	"cmp"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/example.svg")

// lcg is a tiny deterministic pseudo-random generator, so the example does
// not depend on math/rand's algorithms.
type lcg uint64

func (g *lcg) float() float64 {
	*g = *g*6364136223846793005 + 1442695040888963407
	return float64(uint64(*g)>>11) / (1 << 53)
}

// exampleFigure is a made-up two-subflow MPTCP transfer: a data-sequence
// panel (packets as DSN segments, data ACKs as a step line, reinjections
// and retransmissions as marks, path events as annotations) and a
// throughput panel.
func exampleFigure() *Figure {
	g := lcg(42)
	const mss = 1400.0
	type sub struct {
		start, rate, rtt float64
	}
	subs := []sub{{0, 3e6, 0.02}, {0.15, 1.5e6, 0.045}}
	var segs [2][]Point
	var thr [2][]Point
	var acks []Point
	var marks []Mark
	dsn := 0.0
	// Interleave the subflows' packets by send time.
	next := []float64{subs[0].start, subs[1].start}
	sent := [2]float64{}
	bucket := [2]float64{}
	lastBucket := 0.0
	for t := 0.0; t < 1.2; {
		i := 0
		if next[1] < next[0] {
			i = 1
		}
		t = next[i]
		rate := subs[i].rate
		if i == 1 && t > 0.6 && t < 0.8 { // subflow 2 stalls (loss)
			rate /= 6
		}
		segs[i] = append(segs[i], Point{X: t, Y: dsn, Y1: dsn + mss})
		if g.float() < 0.01 {
			marks = append(marks, Mark{X: t + subs[i].rtt*3, Y: dsn + mss/2, Shape: Cross, Color: "#D55E00",
				Label: "retransmission of DSN " + UnitBytes.Format(dsn), Legend: "retransmission"})
		}
		if i == 1 && t > 0.6 && t < 0.8 && g.float() < 0.7 {
			marks = append(marks, Mark{X: t + 0.09, Y: dsn + mss/2, Shape: Triangle, Color: "#CC79A7",
				Label: "reinjected on subflow 1", Legend: "reinjection"})
		}
		acks = append(acks, Point{X: t + subs[i].rtt, Y: dsn + mss})
		dsn += mss
		sent[i] += mss
		bucket[i] += mss
		next[i] = t + mss*8/rate*(0.8+0.4*g.float())
		if t-lastBucket >= 0.05 {
			for k := range thr {
				thr[k] = append(thr[k], Point{X: lastBucket + 0.025, Y: bucket[k] * 8 / (t - lastBucket)})
				bucket[k] = 0
			}
			lastBucket = t
		}
	}
	// Data ACKs arrive in time order, cumulative: keep the running max.
	slices.SortStableFunc(acks, func(a, b Point) int { return cmp.Compare(a.X, b.X) })
	for i := 1; i < len(acks); i++ {
		if acks[i].Y < acks[i-1].Y {
			acks[i].Y = acks[i-1].Y
		}
	}
	name := []string{
		"subflow 1: 10.2.0.1:46521 → 10.1.0.2:5000",
		"subflow 2: 10.3.0.1:39022 → 10.1.0.2:5000",
	}
	return &Figure{
		Title: `MPTCP connection 10.2.0.1:46521 → 10.1.0.2:5000 (token 0x1a2b3c4d) — "example" <&>`,
		Panels: []Panel{
			{
				Title:  "Data sequence",
				Height: 460,
				XLabel: "time (s)",
				YLabel: "relative DSN (bytes)",
				XUnit:  UnitSeconds,
				YUnit:  UnitBytes,
				Series: []Series{
					{Name: "data ACK", Style: StyleStep, Color: "#888888", Points: acks},
					{Name: name[0], Style: StyleSegments, Points: segs[0]},
					{Name: name[1], Style: StyleSegments, Points: segs[1]},
				},
				Marks: marks,
				Annotations: []Annotation{
					{X: 0, Label: "MP_CAPABLE"},
					{X: 0.15, Label: "MP_JOIN (subflow 2)"},
					{X: 0.16, Label: "ADD_ADDR 10.3.0.1"},
					{X: 0.6, Label: "loss on subflow 2", Color: "#D55E00"},
					{X: 0.8, Label: "MP_PRIO backup"},
					{X: 1.2, Label: "DATA_FIN"},
				},
			},
			{
				Title:        "Throughput per subflow",
				Height:       260,
				XLabel:       "time (s)",
				YLabel:       "throughput",
				XUnit:        UnitSeconds,
				YUnit:        UnitBitsPerSecond,
				YIncludeZero: true,
				Series: []Series{
					{Name: name[0], Style: StyleLine, Points: thr[0]},
					{Name: name[1], Style: StyleLine, Points: thr[1]},
				},
			},
		},
	}
}

// TestWriteExample renders the example figure into a temporary directory,
// and checks it against testdata/example.svg. To regenerate that file
// after a deliberate change of the rendering:
//
//	go test ./plot -run TestWriteExample -update
func TestWriteExample(t *testing.T) {
	var buf bytes.Buffer
	if err := exampleFigure().Render(&buf); err != nil {
		t.Fatal(err)
	}
	checkValidSVG(t, buf.Bytes())
	out := filepath.Join(t.TempDir(), "example.svg")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "example.svg")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", golden, buf.Len())
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Skipf("no %s: %v", golden, err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("rendering differs from %s; if the change is deliberate, run: go test ./plot -run TestWriteExample -update", golden)
	}
}
