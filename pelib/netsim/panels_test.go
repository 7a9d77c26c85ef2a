package netsim

import (
	"math/rand/v2"
	"testing"

	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// TestGeometryPanels checks the one call behind notebook 02's geometry
// cell: the true layout, then one panel per learned σ and sinnd (first
// seed), records without a saved PE left out, other conditions skipped.
func TestGeometryPanels(t *testing.T) {
	store := &results.Store{Dir: t.TempDir()}
	r := rand.New(rand.NewPCG(1, 1))
	L, S, D := 1, 64, 8
	var recs []results.Record
	for i, c := range []struct {
		cond  string
		saved bool
	}{{"learn-0.1", true}, {"learn-0.1", true}, {"learn-2", false}, {"sinnd", true}, {"none", true}} {
		id := string(rune('a' + i))
		recs = append(recs, results.Record{ID: id, Condition: c.cond, Seed: int64(i), Final: map[string]float64{masked.MetricRSA: 0.5}})
		if !c.saved {
			continue
		}
		tab := make([]float64, L*S*D)
		for k := range tab {
			tab[k] = r.NormFloat64()
		}
		if err := sweep.WriteArtifact(store, id, "pe", tab, L, S, D); err != nil {
			t.Fatal(err)
		}
	}
	figs, err := GeometryPanels(store, recs, "2d")
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 3 { // truth, learn-0.1 (first seed), sinnd
		t.Errorf("%d figures, want 3", len(figs))
	}
	if _, err := GeometryPanels(store, recs, "5d"); err == nil {
		t.Error("layout 5d accepted")
	}
}
