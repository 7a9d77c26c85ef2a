package lst

import (
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/plots/interactive"
	"github.com/pelab/pelab/pelib/results"
)

// AccuracyView is the interactive AccuracyVsSigma: accuracy metric
// ("val_acc", "test_acc", …) of the LST records among recs in percent
// against σ, every seed a point (hover: seed, value, record), mean ± SD per
// σ, the fixed conditions as dashed levels and chance dotted
// (interactive.MetricVsSigma); title "" gives "<metric> against σ".
func AccuracyView(recs []results.Record, metric, title string) (*interactive.Figure, error) {
	return interactive.MetricVsSigma(results.Select(recs, "lst", ""), metric, interactive.SigmaOptions{
		Title: title, Scale: 100, Levels: []plots.Level{{Name: "chance (25 %)", Y: ChancePercent}}})
}
