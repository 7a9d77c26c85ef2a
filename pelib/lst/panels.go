package lst

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// PEPanels returns, for each record of recs of the given seed with a saved
// PE table in store (learned, random and the sinusoids; rotary, relative
// and no PE have none; a saved table of zeros, a model without a PE, is
// left out too), the pair of figures notebook 01 shows of it: its
// block-0 layout on the first two principal components (PELayout) and its
// cosine similarity on the fixed ±1 scale (PESimilarity). Each pair is
// named "pe-<condition>".
func PEPanels(store *results.Store, recs []results.Record, seed int64) (names []string, figs [][]*plots.Figure, err error) {
	for _, r := range recs {
		if r.Seed != seed {
			continue
		}
		t, shape, err := sweep.ReadArtifact(store, r.ID, "pe")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("lst: PE of %s seed %d: %w", r.Condition, r.Seed, err)
		}
		if len(shape) != 3 {
			return nil, nil, fmt.Errorf("lst: PE of %s seed %d has shape %v, want [L, 16, D]", r.Condition, r.Seed, shape)
		}
		if allZero(t) { // none: no PE, nothing to lay out
			continue
		}
		L, D := shape[0], shape[2]
		layout, err := PELayout(t, L, D, 0, r.Condition+": PE block 0, PCA")
		if err != nil {
			return nil, nil, fmt.Errorf("lst: PE layout of %s: %w", r.Condition, err)
		}
		sim, err := PESimilarity(t, L, D, r.Condition+": PE cosine similarity")
		if err != nil {
			return nil, nil, fmt.Errorf("lst: PE similarity of %s: %w", r.Condition, err)
		}
		names, figs = append(names, "pe-"+r.Condition), append(figs, []*plots.Figure{layout, sim})
	}
	return names, figs, nil
}

// allZero reports whether every value of t is 0 (the table of a model
// without a PE).
func allZero(t []float64) bool {
	for _, v := range t {
		if v != 0 {
			return false
		}
	}
	return true
}
