package netsim

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// GeometryPanels returns the figures that show what the PEs of one layout
// learned: the true node positions, then, for the first record of each
// learned σ and of the oracle sinnd (recs in report order, SelectRecords),
// its block-1 PE as node positions (masked.PEGeometryFigure) titled with its RSA,
// alignment error and effective dimension. Records without a saved PE
// table in store are left out.
func GeometryPanels(store *results.Store, recs []results.Record, layout string) ([]*plots.Figure, error) {
	cfg, err := LayoutConfig(layout)
	if err != nil {
		return nil, err
	}
	net, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("netsim: geometry panels: %w", err)
	}
	g, err := GeometryOf(net)
	if err != nil {
		return nil, fmt.Errorf("netsim: geometry panels: %w", err)
	}
	truth, err := masked.LayoutFigure(g, layout+": true positions", masked.Words{})
	if err != nil {
		return nil, err
	}
	figs := []*plots.Figure{truth}
	seen := map[string]bool{}
	for _, r := range recs {
		if _, ok := sweep.SigmaOf(r.Condition); (!ok && r.Condition != "sinnd") || seen[r.Condition] {
			continue
		}
		tab, shape, err := sweep.ReadArtifact(store, r.ID, "pe")
		if errors.Is(err, fs.ErrNotExist) {
			continue // no PE table saved
		}
		if err != nil {
			return nil, fmt.Errorf("netsim: geometry panels: PE of %s seed %d: %w", r.Condition, r.Seed, err)
		}
		seen[r.Condition] = true
		title := fmt.Sprintf("%s %s (seed %d): block-1 PE\nRSA %.2f, alignment error %.2f, eff. dim. %.1f",
			layout, r.Condition, r.Seed, r.Final[masked.MetricRSA], r.Final[masked.MetricAlignErr], r.Final[masked.MetricEffDim])
		f, _, err := masked.PEGeometryFigure(tab, shape[0], shape[1], shape[2], 0, g, title, masked.Words{})
		if err != nil {
			return nil, fmt.Errorf("netsim: geometry panels: %s seed %d: %w", r.Condition, r.Seed, err)
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// sigmaMetrics are the metrics SigmaFigures draws against σ, and the
// controls drawn with each.
var sigmaMetrics = []struct {
	metric   string
	controls []string
}{
	{"test_mse", []string{"sinnd", "random", "none", "ropend", "shaw"}},
	{"test90_mse", []string{"sinnd", "random", "none", "ropend", "shaw"}},
	{masked.MetricRSA, []string{"sinnd", "random"}},
	{masked.MetricAlignErr, []string{"sinnd", "random"}},
}

// SigmaFigures returns the figures of one layout's metrics against σ
// (masked.SweepFigure): held-out MSE at 50 % and 90 % masked with every control,
// RSA and alignment error with the oracle and random, each titled with the
// metric's label (results.MetricLabel), not its key.
func SigmaFigures(recs []results.Record, layout string) ([]*plots.Figure, error) {
	var figs []*plots.Figure
	for _, m := range sigmaMetrics {
		f, err := masked.SweepFigure(recs, m.metric, m.controls, layout+": "+results.MetricLabel(m.metric)+" against σ", "")
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}
