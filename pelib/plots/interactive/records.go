package interactive

import (
	"encoding/json"
	"fmt"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// recordPE reads a record's PE table (artifact "pe") and its true
// positions (nil when the record has none), and labels its tokens: lab,
// or when lab is the zero Labels, GridLabels of the positions.
func recordPE(store *results.Store, r results.Record, lab Labels) ([]float64, []int, *mat.Dense, Labels, error) {
	table, shape, err := sweep.ReadArtifact(store, r.ID, "pe")
	if err != nil {
		return nil, nil, nil, lab, fmt.Errorf("interactive: record %s (%s, seed %d): %w", r.ID, r.Condition, r.Seed, err)
	}
	var truth *mat.Dense
	if len(r.Coords) > 0 {
		if truth, err = CoordsMatrix(r.Coords); err != nil {
			return nil, nil, nil, lab, fmt.Errorf("interactive: record %s: %w", r.ID, err)
		}
	}
	if lab.Names == nil && lab.Groups == nil && truth != nil {
		lab = GridLabels(truth)
	}
	if lab.CoordUnit == "" {
		lab.CoordUnit = coordUnit(r)
	}
	return table, shape, truth, lab, nil
}

// coordUnit is the unit of a record's true positions from its task's
// "coord_unit_mm" (fmri: "10 mm"); "" when it has none.
func coordUnit(r results.Record) string {
	var meta struct {
		Task struct {
			MM float64 `json:"coord_unit_mm"`
		} `json:"task"`
	}
	if len(r.Config) == 0 || json.Unmarshal(r.Config, &meta) != nil || meta.Task.MM <= 0 {
		return ""
	}
	return strconv.FormatFloat(meta.Task.MM, 'g', -1, 64) + " mm"
}

// PELayoutOf is PELayout of block b of a record's PE table (its "pe"
// artifact in store) against the record's true positions (Coords; the
// first two principal components when it has none or they are not 2- or
// 3-D), its tokens labelled by lab or, for the zero Labels, by GridLabels
// of the positions, in the unit its task states (fmri: 10 mm); titled with
// the record's condition and seed.
func PELayoutOf(store *results.Store, r results.Record, b int, lab Labels) (*Figure, error) {
	table, shape, truth, lab, err := recordPE(store, r, lab)
	if err != nil {
		return nil, err
	}
	if truth != nil {
		if _, c := truth.Dims(); c != 2 && c != 3 {
			truth = nil
		}
	}
	title := fmt.Sprintf("%s (seed %d): PE block %d", esc(r.Condition), r.Seed, b)
	if truth == nil { // a nil *mat.Dense would be a non-nil mat.Matrix
		return PELayout(table, shape, b, nil, lab, title)
	}
	return PELayout(table, shape, b, truth, lab, title)
}

// RSMOf is RSM of a record's PE table (block b; b < 0: the mean over
// blocks), labelled as PELayoutOf labels it.
func RSMOf(store *results.Store, r results.Record, b int, lab Labels) (*Figure, error) {
	table, shape, _, lab, err := recordPE(store, r, lab)
	if err != nil {
		return nil, err
	}
	which := fmt.Sprintf("block %d", b)
	if b < 0 {
		which = "mean over blocks"
	}
	return RSM(table, shape, b, lab, fmt.Sprintf("%s (seed %d): PE cosine similarity, %s", esc(r.Condition), r.Seed, which))
}
