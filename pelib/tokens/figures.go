package tokens

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
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

// MetricLabels name the tokens experiment's metrics in its figures
// (experiment.ReportPart.Labels): the masked MSEs say "tokens" and the
// ratios they were masked at — maskRatio (training, test and train
// evaluations) and testMaskRatio (test90) — e.g. "held-out MSE, 50 % of
// tokens masked"; the geometry metrics say against what.
func MetricLabels(maskRatio, testMaskRatio float64) map[string]string {
	pct := func(r float64) string { return fmt.Sprintf("%g %% of tokens masked", 100*r) }
	return map[string]string{
		masked.EvalTest + "_mse":   "held-out MSE, " + pct(maskRatio),
		masked.EvalTest90 + "_mse": "held-out MSE, " + pct(testMaskRatio),
		EvalTrain + "_mse":         "training MSE, " + pct(maskRatio),
		masked.MetricRSA:           "RSA of the PE with −distance between tokens (Spearman ρ)",
		masked.MetricDecodeR2:      "R² of the tokens' coordinates decoded from the PE",
		masked.MetricFCRSA:         "RSA of the PE with the data's correlation (Spearman ρ)",
	}
}

// Words are what the task's figures call the tokens and their axes: the
// coordinates file's axis names in units of the task's coordinate unit.
func (a *Analyzer) Words() masked.Words {
	return masked.Words{Noun: "tokens", Axes: a.Task.Tokens.Axes, Unit: fmt.Sprintf("units of %.4g", a.Task.Unit())}
}

// LayoutFigure draws the given token positions (in the task's units): one
// scatter for 2 coordinates, three orthogonal views for 3
// (masked.LayoutFigure); other dimensions are not drawn (an error).
func (a *Analyzer) LayoutFigure(title string) (*plots.Figure, error) {
	if c := a.Task.Tokens.Dim(); c < 2 || c > 3 {
		return nil, fmt.Errorf("tokens: layout figure: %d coordinates, drawn for 2 or 3 only", c)
	}
	return masked.LayoutFigure(a.Geometry, title, a.Words())
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
	f, _, err := masked.PEGeometryFigure(table, shape[0], shape[1], shape[2], l, a.Geometry, title, a.Words())
	return f, err
}

// PEPanels returns, for the first record (lowest seed) of each learned
// condition with a table (learn-σ, coordlin-σ, coordmlp-σ: sweep.FamilyOf)
// and of the oracle sinnd among recs of protocol on this analyzer's data
// set (SelectRecords), with a saved PE table in store, the pair notebook 04
// shows: the PE's token similarity (SimilarityFigure, titled with its
// correlation with the data's and its modularity) and its block-1 layout
// against the given coordinates (PEFigure, titled with its RSA, alignment
// error in the layout's units and decoding R²). Each pair is named
// "pe-<condition>".
func (a *Analyzer) PEPanels(store *results.Store, recs []results.Record, protocol string) (names []string, figs [][]*plots.Figure, err error) {
	seen := map[string]bool{}
	for _, r := range SelectRecords(recs, protocol, a.Task.DataName()) {
		if _, _, ok := sweep.FamilyOf(r.Condition); (!ok && r.Condition != "sinnd") || seen[r.Condition] {
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
		layout, err := a.PEFigure(tab, shape, 0, fmt.Sprintf("%s (seed %d): block-1 PE against the given positions; RSA %.2f, alignment error %.2f %s, decoding R² %.2f",
			r.Condition, r.Seed, f[masked.MetricRSA], f[masked.MetricAlignErr], a.Words().Unit, f[masked.MetricDecodeR2]))
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

// RunFigures are the figures `pelab tokens` writes at the end of a run,
// from recs of protocol on this analyzer's data set (SelectRecords) and
// their PE tables in store; label names the protocol as run (sweep.
// Training.Label, e.g. "quick protocol, 300 epochs"), and every title
// ends with it. In order, each under its file name:
//
//   - "mse-sigma.png": held-out MSE against σ (masked.SweepFigure, the
//     report's figure), every other condition a level at its mean;
//   - "rsa-sigma.png": the PE's RSA with −distance between tokens (mean
//     over blocks) against σ, ρ = 0 marked;
//   - "layout.png": the given positions (LayoutFigure; 2 or 3 coordinates);
//   - "pe-<condition>-layout.png" and "pe-<condition>-similarity.png"
//     (PEPanels): the first seed's block-1 PE of every learned condition
//     with a table (and sinnd) aligned to the given positions, and its
//     similarity.
//
// A figure that cannot be drawn (fewer than two σ, c ∉ {2, 3}, no PE
// table) is left out and its reason given in skipped.
func (a *Analyzer) RunFigures(store *results.Store, recs []results.Record, protocol, label string) (files []string, figs []*plots.Figure, skipped []string, err error) {
	rs := SelectRecords(recs, protocol, a.Task.DataName())
	if len(rs) == 0 {
		return nil, nil, nil, fmt.Errorf("tokens: figures: no records of protocol %q and data %q", protocol, a.Task.DataName())
	}
	m := metaOf(rs[0])
	labels := MetricLabels(m.MaskRatio, m.TestMaskRatio)
	var refs []string
	for _, r := range rs {
		if _, ok := sweep.SigmaOf(r.Condition); !ok && !slices.Contains(refs, r.Condition) {
			refs = append(refs, r.Condition)
		}
	}
	add := func(file string, f *plots.Figure, err error) {
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s: %v", file, err))
			return
		}
		files, figs = append(files, file), append(figs, f)
	}
	mse := masked.EvalTest + "_mse"
	f, err := masked.SweepFigure(rs, mse, refs, "held-out MSE against σ ("+label+")", labels[mse])
	add("mse-sigma.png", f, err)
	f, err = sweep.SigmaFigure(rs, masked.MetricRSA, sweep.SigmaOptions{Title: "PE's RSA with −distance against σ (" + label + ")",
		YLabel: labels[masked.MetricRSA], Controls: refs, LogX: true, Levels: []plots.Level{{Name: "no relation (ρ = 0)", Y: 0}}})
	add("rsa-sigma.png", f, err)
	f, err = a.LayoutFigure("your tokens: the given positions")
	add("layout.png", f, err)
	if a.Task.Tokens.Dim() < 2 || a.Task.Tokens.Dim() > 3 {
		return files, figs, append(skipped, fmt.Sprintf("PE layouts: %d coordinates, drawn for 2 or 3 only", a.Task.Tokens.Dim())), nil
	}
	names, pairs, err := a.PEPanels(store, recs, protocol)
	if err != nil {
		return files, figs, skipped, err
	}
	for i, n := range names {
		add(n+"-similarity.png", pairs[i][0], nil)
		add(n+"-layout.png", pairs[i][1], nil)
	}
	if len(names) == 0 {
		skipped = append(skipped, "PE layouts: no learned condition left a PE table")
	}
	return files, figs, skipped, nil
}
