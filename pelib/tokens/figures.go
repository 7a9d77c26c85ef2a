package tokens

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"gonum.org/v1/gonum/mat"
)

// SimilarityFigure draws an (S, S) token similarity matrix — a PE's
// (Similarity) or the data's correlation (Task.TrainFC()) — as a heat map,
// the diagonal drawn as it is (1), as in every similarity map of pelab.
// With a partition, tokens are grouped by network and the
// boundaries drawn; without one, tokens keep their order and, up to 40,
// are labelled by name. The colour scale is fixed at ±1 (the colour bar
// says so), so that the data's correlation and a PE's similarity compare
// colour for colour.
func SimilarityFigure(sim mat.Symmetric, tok *Tokens, title, colorLabel string) (*plots.Figure, error) {
	S := sim.SymmetricDim()
	if tok == nil || tok.S() != S {
		return nil, fmt.Errorf("tokens: similarity figure %q: %d × %d matrix for the tokens given", title, S, S)
	}
	opt := plots.HeatmapOptions{Title: title, ColorLabel: strings.TrimSpace(colorLabel + " (scale fixed at ±1)"), Min: -1, Max: 1}
	if tok.Partition != nil {
		opt.Partition = tok.Partition
		opt.PartitionNames = map[int]string{}
		for k, n := range tok.Networks {
			opt.PartitionNames[k] = n
		}
	} else {
		opt.RowLabels, opt.ColLabels = tok.Names, tok.Names
	}
	return plots.Heatmap(sim, opt)
}

// LayoutFigure draws the given token positions (in the task's units): one
// scatter for 2 coordinates, three orthogonal views for 3
// (masked.LayoutFigure); other dimensions are not drawn (an error).
func (a *Analyzer) LayoutFigure(title string) (*plots.Figure, error) {
	if c := a.Task.Tokens.Dim(); c < 2 || c > 3 {
		return nil, fmt.Errorf("tokens: layout figure: %d coordinates, drawn for 2 or 3 only", c)
	}
	return masked.LayoutFigure(a.Geometry, title)
}

// PEFigure draws block l of a PE table [L, S, D] as token positions: its
// top-c principal components aligned to the given coordinates by
// orthogonal Procrustes with a fitted scale (masked.PEGeometryFigure), for
// c = 2 or 3 coordinates.
func (a *Analyzer) PEFigure(table []float64, shape []int, l int, title string) (*plots.Figure, error) {
	if c := a.Task.Tokens.Dim(); c < 2 || c > 3 {
		return nil, fmt.Errorf("tokens: PE figure: %d coordinates, drawn for 2 or 3 only", c)
	}
	if len(shape) != 3 {
		return nil, fmt.Errorf("tokens: PE table of shape %v, want [L, S, D]", shape)
	}
	f, _, err := masked.PEGeometryFigure(table, shape[0], shape[1], shape[2], l, a.Geometry, title)
	return f, err
}

// PEPanels returns, for the first record of each learned σ and of the
// oracle sinnd among recs of protocol on this analyzer's data set
// (SelectRecords), with a saved PE table in store, the pair notebook 04
// shows: the PE's token similarity (SimilarityFigure, titled with its
// correlation with the data's and its modularity) and its block-1 layout
// (PEFigure, titled with its RSA, alignment error and decoding R²). Each
// pair is named "pe-<condition>".
func (a *Analyzer) PEPanels(store *results.Store, recs []results.Record, protocol string) (names []string, figs [][]*plots.Figure, err error) {
	seen := map[string]bool{}
	for _, r := range SelectRecords(recs, protocol, a.Task.DataName()) {
		if _, ok := sweep.SigmaOf(r.Condition); (!ok && r.Condition != "sinnd") || seen[r.Condition] {
			continue
		}
		tab, shape, err := sweep.ReadArtifact(store, r.ID, "pe")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("tokens: PE of %s seed %d: %w", r.Condition, r.Seed, err)
		}
		seen[r.Condition] = true
		sim, err := masked.Similarity(tab, shape)
		if err != nil {
			return nil, nil, err
		}
		f := r.Final
		simFig, err := SimilarityFigure(sim, a.Task.Tokens, fmt.Sprintf("%s (seed %d): PE similarity; ρ with the data's correlation %.2f, modularity %.3f (z %.1f)",
			r.Condition, r.Seed, f[masked.MetricFCRSA], f[masked.MetricModQ], f[masked.MetricModZ]), "cosine")
		if err != nil {
			return nil, nil, err
		}
		layout, err := a.PEFigure(tab, shape, 0, fmt.Sprintf("%s (seed %d): block-1 PE; RSA %.2f, alignment error %.2f, decoding R² %.2f",
			r.Condition, r.Seed, f[masked.MetricRSA], f[masked.MetricAlignErr], f[masked.MetricDecodeR2]))
		if err != nil {
			return nil, nil, err
		}
		names, figs = append(names, "pe-"+r.Condition), append(figs, []*plots.Figure{simFig, layout})
	}
	return names, figs, nil
}

// DataFigures returns the figures of the data before any training: the
// given token positions (LayoutFigure) and the data's own correlation over
// the training recordings (SimilarityFigure of Task.TrainFC()).
func (a *Analyzer) DataFigures() ([]*plots.Figure, error) {
	layout, err := a.LayoutFigure("your tokens: the given positions")
	if err != nil {
		return nil, err
	}
	trainFC, err := a.Task.TrainFC()
	if err != nil {
		return nil, err
	}
	fc, err := SimilarityFigure(trainFC, a.Task.Tokens, "the data's own correlation (training recordings)", "Pearson r")
	if err != nil {
		return nil, err
	}
	return []*plots.Figure{layout, fc}, nil
}
