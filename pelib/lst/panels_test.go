package lst

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// TestPEPanels checks the one call behind notebook 01's PE cell: a pair
// of figures per record of the seed with a saved PE, named by condition.
func TestPEPanels(t *testing.T) {
	store := &results.Store{Dir: t.TempDir()}
	r := rand.New(rand.NewPCG(2, 2))
	recs := []results.Record{
		{ID: "a", Condition: "learn-0.1", Seed: 1}, {ID: "b", Condition: "learn-0.1", Seed: 2},
		{ID: "c", Condition: "rope2d", Seed: 1}, {ID: "d", Condition: "2d-fixed", Seed: 1},
		{ID: "e", Condition: "none", Seed: 1},
	}
	// none's saved table is zeros: no layout (PCA of identical rows fails).
	if err := sweep.WriteArtifact(store, "e", "pe", make([]float64, 2*Tokens*8), 2, Tokens, 8); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "d"} {
		tab := make([]float64, 2*Tokens*8)
		for k := range tab {
			tab[k] = r.NormFloat64()
		}
		if err := sweep.WriteArtifact(store, id, "pe", tab, 2, Tokens, 8); err != nil {
			t.Fatal(err)
		}
	}
	names, figs, err := PEPanels(store, recs, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"pe-learn-0.1", "pe-2d-fixed"}; !slices.Equal(names, want) || len(figs) != 2 || len(figs[0]) != 2 {
		t.Errorf("names %q, %d pairs; want %q", names, len(figs), want)
	}
}
