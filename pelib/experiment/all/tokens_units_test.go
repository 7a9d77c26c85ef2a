package all_test

import (
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/npy"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/tokens"
)

// writeUnitsData writes a 3-D data set of 27 tokens (a jittered 3 × 3 × 3
// grid about 10.5 mm apart, coordinates multiplied by scale: 1 for mm, 0.1
// for cm) and 5 recordings of 27 × 80 smooth signals into dir, and returns
// the coordinates file and the recordings' folder.
func writeUnitsData(t *testing.T, dir string, scale float64) (coords, signals string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("name,x,y,z\n")
	const S, L = 27, 80
	pos := make([][3]float64, S)
	for s := range S {
		for j, g := range []int{s / 9, s / 3 % 3, s % 3} {
			pos[s][j] = 10.5*float64(g) + 1.3*math.Sin(float64(7*s+3*j))
		}
		fmt.Fprintf(&b, "t%d,%s,%s,%s\n", s, fmtG(scale*pos[s][0]), fmtG(scale*pos[s][1]), fmtG(scale*pos[s][2]))
	}
	coords, signals = filepath.Join(dir, "coords.csv"), filepath.Join(dir, "signals")
	if err := os.MkdirAll(signals, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(coords, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for r := range 5 {
		x := make([]float64, S*L)
		for s := range S {
			for i := range L {
				// travelling waves: nearby tokens are correlated
				x[s*L+i] = math.Sin(0.3*float64(i)+0.05*pos[s][0]+float64(r)) + 0.5*math.Cos(0.17*float64(i)-0.08*pos[s][2]) + 0.2*math.Sin(float64(i*s+r))
			}
		}
		name := fmt.Sprintf("train-%d.npy", r)
		if r == 4 {
			name = "test-0.npy"
		}
		if err := npy.Write(filepath.Join(signals, name), x, S, L); err != nil {
			t.Fatal(err)
		}
	}
	return coords, signals
}

func fmtG(v float64) string { return fmt.Sprintf("%.17g", v) }

// TestCoordinatesInAnyUnit (issue 23 item 4): the same tokens written in
// mm and in cm (coordinates × 0.1) give, with -coord-unit auto (the
// default), the layouts the model sees equal to 1e-12 — each is the
// coordinates divided by their median nearest-neighbour distance — and a
// short training of every coordinate PE (sinnd, ropend, alibind,
// coordlin, dpb) beside a learned table gives the same records: every
// metric, along training and at the end, equal within float32 rounding.
// The records' cell IDs differ, as they should: their configs hold the
// coordinates file's hash and the unit (10.x mm vs 1.0x cm).
func TestCoordinatesInAnyUnit(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: trains 2 × 6 small models; not in -short")
	}
	const conds = "learn-0.5,sinnd,ropend,alibind,coordlin-0.5,dpb-0.5"
	build := func(scale float64) (*experiment.Built, []results.Record) {
		coords, signals := writeUnitsData(t, t.TempDir(), scale)
		b, err := experiment.Build(tokens.Plugin(), experiment.Request{Conditions: conds, Seeds: []int64{sweep.ReferenceSeeds()[0]},
			Overrides: sweep.Overrides{Epochs: 2, EvalEvery: 1},
			Options:   map[string]any{"coords": coords, "signals": signals, "test": []string{"test-*"}, "window": 8}})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(b.Info)
		if !strings.Contains(b.Info, "-coord-unit auto") {
			t.Errorf("info %q does not state the unit taken from the data", b.Info)
		}
		return b, runBuilt(t, b)
	}
	mmB, mm := build(1)
	cmB, cm := build(0.1)
	um, uc := mmB.Plan.Task.Params["coord_unit"].(float64), cmB.Plan.Task.Params["coord_unit"].(float64)
	t.Logf("coordinate unit: %.6g mm, %.6g cm", um, uc)
	if math.Abs(um/uc-10) > 1e-12 {
		t.Errorf("units %g (mm) and %g (cm), want a ratio of 10", um, uc)
	}
	lm, lc := mmB.Plan.Task.Layout, cmB.Plan.Task.Layout
	worst := 0.0
	for s := range lm.Coords {
		for j := range lm.Coords[s] {
			worst = max(worst, math.Abs(lm.Coords[s][j]-lc.Coords[s][j]))
		}
	}
	t.Logf("layouts: largest difference %.3g (units of the median nearest-neighbour distance)", worst)
	if worst > 1e-12 {
		t.Errorf("the layouts of mm and cm differ by %g, want ≤ 1e-12", worst)
	}
	if len(mm) != 6 || len(cm) != 6 {
		t.Fatalf("%d and %d records, want 6 each", len(mm), len(cm))
	}
	byCond := map[string]results.Record{}
	for _, r := range cm {
		byCond[r.Condition] = r
	}
	// float32 rounding of the model, carried through two epochs of Adam
	const tol = 1e-4
	worstRel, compared := 0.0, 0
	check := func(cond, where string, a, b map[string]float64) {
		for _, k := range slices.Sorted(maps.Keys(a)) {
			v, ok := b[k]
			if !ok {
				t.Errorf("%s %s: cm has no %s", cond, where, k)
				continue
			}
			d := math.Abs(a[k] - v)
			rel := d / max(math.Abs(a[k]), 1e-3)
			worstRel = max(worstRel, rel)
			compared++
			if rel > tol && !(math.IsNaN(a[k]) && math.IsNaN(v)) {
				t.Errorf("%s %s: %s mm %v, cm %v", cond, where, k, a[k], v)
			}
		}
	}
	for _, a := range mm {
		b, ok := byCond[a.Condition]
		if !ok || a.Status != results.StatusOK || b.Status != results.StatusOK {
			t.Errorf("%s: status mm %s, cm %v", a.Condition, a.Status, b.Status)
			continue
		}
		if a.ID == b.ID {
			t.Errorf("%s: mm and cm records share the ID %s", a.Condition, a.ID)
		}
		for i := range a.History {
			check(a.Condition, fmt.Sprintf("history point %d", i), a.History[i].Metrics, b.History[i].Metrics)
		}
		check(a.Condition, "final", a.Final, b.Final)
	}
	t.Logf("%d metric values compared; largest relative difference %.3g", compared, worstRel)
}
