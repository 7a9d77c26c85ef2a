package sweep_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// TestSpellingsOneCell checks that the spellings of one PE give one cell
// ID. Measured before canonical names: learn-0.1, learn-0.10, LEARN-0.1
// and learn:0.1 gave four cell IDs, so four runs into one -out trained one
// model four times and the report listed four conditions.
func TestSpellingsOneCell(t *testing.T) {
	v := sweep.Vocabulary{Experiment: "tiny", Aliases: map[string]string{"2d-fixed": "sin2d", "none": "none", "nope": "none"}}
	for _, tc := range []struct {
		name      string
		spellings []string
	}{
		{"learned σ 0.1", []string{"learn-0.1", "learn-0.10", "LEARN-0.1", "learn:0.1", "learn:normal:0.1"}},
		{"2D sinusoid", []string{"2d-fixed", "2D-FIXED", "sin2d"}},
		{"no PE", []string{"none", "nope", "NONE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := map[string][]string{} // cell ID → spellings
			for _, s := range tc.spellings {
				c, err := v.Condition(s)
				if err != nil {
					t.Fatalf("%q: %v", s, err)
				}
				p := tinyPlan(t, 1)
				p.Conditions, p.Seeds = []sweep.Condition{c}, []int64{1}
				cells, err := p.Cells()
				if err != nil {
					t.Fatalf("%q: %v", s, err)
				}
				ids[cells[0].ID] = append(ids[cells[0].ID], s)
			}
			if len(ids) != 1 {
				t.Errorf("%d cell IDs for one PE: %v", len(ids), ids)
			}
		})
	}
}

// TestInputsInCellID: a task's input files (results.Inputs) are part of
// every cell ID; a task that reads no file (netsim) keeps the IDs it had
// before input hashes (eb35fff374c64a36 is tinyPlan's learn-0.1, seed 1,
// computed before them), so its stored records stay valid.
func TestInputsInCellID(t *testing.T) {
	id := func(in results.Inputs) string {
		p := tinyPlan(t, 1)
		p.Conditions, p.Seeds = p.Conditions[:1], []int64{1}
		p.Task.Inputs = in
		cells, err := p.Cells()
		if err != nil {
			t.Fatal(err)
		}
		return cells[0].ID
	}
	h := func(c string) string { return strings.Repeat(c, 64) }
	for _, tc := range []struct {
		name   string
		inputs results.Inputs
		want   string // the cell ID, or
		differ bool   // an ID other than that of no inputs
	}{
		{"no input files", nil, "eb35fff374c64a36", false},
		{"empty inputs", results.Inputs{}, "eb35fff374c64a36", false},
		{"one file", results.Inputs{"rest/a.h5": h("a")}, "", true},
	} {
		got := id(tc.inputs)
		if tc.want != "" && got != tc.want {
			t.Errorf("%s: cell ID %s, want %s", tc.name, got, tc.want)
		}
		if tc.differ && got == id(nil) {
			t.Errorf("%s: cell ID %s, the same as without inputs", tc.name, got)
		}
	}
	a, b := id(results.Inputs{"rest/a.h5": h("a"), "rest/b.h5": h("b")}), id(results.Inputs{"rest/a.h5": h("a"), "rest/b.h5": h("c")})
	if a == b {
		t.Errorf("one input file changed, same cell ID %s", a)
	}
}

// TestInputsInRecords: the records Run writes carry the task's input
// digest (and the planned cell IDs).
func TestInputsInRecords(t *testing.T) {
	p := tinyPlan(t, 1)
	p.Conditions, p.Seeds = p.Conditions[:1], []int64{1}
	p.Task.Inputs = results.Inputs{"a.csv": strings.Repeat("a", 64)}
	cells, err := p.Cells()
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, t.TempDir())
	if _, err := sweep.Run(context.Background(), p, opts(t, st)); err != nil {
		t.Fatal(err)
	}
	r, ok, err := st.Get(cells[0].ID)
	if err != nil || !ok {
		t.Fatalf("record %s: %v %v", cells[0].ID, ok, err)
	}
	if d, ok := r.InputDigest(); !ok || d != p.Task.Inputs.Digest() {
		t.Errorf("record input digest %q, %v; want %s", d, ok, p.Task.Inputs.Digest())
	}
}
