package tokens

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// TestPEPanels checks the one call behind notebook 04's PE cell: a pair of
// figures for the first record of each σ and sinnd of the task's data set
// with a saved PE; other data sets, other conditions and records without
// a PE left out.
func TestPEPanels(t *testing.T) {
	in := testInput(t, map[string]string{"coords.csv": goodCoords},
		map[string][]float64{"signals/r1.npy": series(4, 12, 0), "signals/r2.npy": series(4, 12, 1), "signals/r3.npy": series(4, 12, 2)})
	p := smallProtocol()
	task, err := NewTask(p, in)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAnalyzer(task, p)
	if err != nil {
		t.Fatal(err)
	}
	// The data cell's calls: the task in a sentence, its two figures.
	if s := task.String(); !strings.Contains(s, fmt.Sprintf("%d tokens in 2 dimensions", task.Tokens.S())) {
		t.Errorf("task described as %q", s)
	}
	if figs, err := a.DataFigures(); err != nil || len(figs) != 2 {
		t.Errorf("data figures: %d, %v", len(figs), err)
	}
	store := &results.Store{Dir: t.TempDir()}
	S := task.Tokens.S()
	rec := func(id, cond, data string, seed int64, saved bool) results.Record {
		cfg, _ := json.Marshal(map[string]any{"task": map[string]string{"data": data}})
		if saved {
			tab := make([]float64, S*3)
			for k := range tab {
				tab[k] = float64((k*7)%5) + 0.1*float64(k)
			}
			if err := sweep.WriteArtifact(store, id, "pe", tab, 1, S, 3); err != nil {
				t.Fatal(err)
			}
		}
		return results.Record{ID: id, Experiment: Experiment, Protocol: p.Name, Condition: cond, Seed: seed, Status: results.StatusOK, Config: cfg}
	}
	d := task.DataName()
	recs := []results.Record{
		rec("a", "learn-0.1", d, 1, true), rec("b", "learn-0.1", d, 2, true), rec("c", "learn-2", d, 1, false),
		rec("e", "sinnd", d, 1, true), rec("f", "none", d, 1, true), rec("g", "learn-2", "other", 1, true),
	}
	names, figs, err := a.PEPanels(store, recs, p.Name)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"pe-sinnd", "pe-learn-0.1"}; !slices.Equal(names, want) || len(figs) != 2 {
		t.Errorf("panels %q (%d), want %q", names, len(figs), want)
	}
}
