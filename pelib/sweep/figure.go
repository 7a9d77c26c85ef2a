package sweep

import (
	"fmt"
	"slices"

	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
)

// SigmaOptions configures SigmaFigure.
type SigmaOptions struct {
	// Title and YLabel; defaults: "<metric label> against σ" and the
	// metric's label (results.MetricLabel).
	Title, YLabel string
	// Scale multiplies every value (0 means 1; 100 for accuracies in %).
	Scale float64
	// Controls are the other conditions drawn as flat lines across the σ
	// range at their mean over seeds, in this order; a condition the
	// records lack (or that lacks the metric) is left out. nil: every
	// non-σ condition that has the metric, in CompareConditions order.
	Controls []string
	// Levels are extra horizontal lines (chance level, zero).
	Levels []plots.Level
	// Extra are further series drawn after the controls, such as the
	// paper's curve (Reference: dashed black).
	Extra []plots.Series
	// LogX draws σ on a logarithmic axis.
	LogX bool
}

// SigmaFigure draws a final metric of recs against σ: for the learned-σ
// conditions (SigmaOf) the mean over seeds with a ± SD band computed
// within the metric's bounds (results.MetricBounds, results.BoundedSD; the
// band only when every σ has ≥ 2 seeds), x ticks at the σ values trained;
// each control condition a horizontal line at its mean, in its style
// (plots.ConditionStyle: the oracle sinusoid dashed black, none red, …),
// named with its n. The y axis stays within the metric's bounds. It is the one
// metric-against-σ figure of every experiment (generalisation and
// geometry alike); records that are not ok or whose value is not finite
// are left out (BySigma).
func SigmaFigure(recs []results.Record, metric string, opt SigmaOptions) (*plots.Figure, error) {
	scale := opt.Scale
	if scale == 0 {
		scale = 1
	}
	sig, bySigma, other := BySigma(recs, metric, scale)
	if len(sig) == 0 {
		return nil, fmt.Errorf("sweep: %s against σ: no learned-σ record has it", metric)
	}
	var all []float64
	for _, v := range bySigma {
		all = append(all, v...)
	}
	for _, v := range other {
		all = append(all, v...)
	}
	lo, hi := results.MetricBounds(metric, all)
	learned := plots.Series{Name: "learned PE (mean ± SD)", Condition: "learned", X: sig, Mean: make([]float64, len(sig))}
	withSD := true
	for _, s := range sig {
		withSD = withSD && len(bySigma[s]) > 1
	}
	if withSD {
		learned.Low, learned.High = make([]float64, len(sig)), make([]float64, len(sig))
	} else {
		learned.Name = "learned PE (mean)"
	}
	for i, s := range sig {
		learned.Mean[i], _ = results.MeanSD(bySigma[s])
		if withSD {
			b := results.BoundedSD(bySigma[s], lo, hi)
			learned.Low[i], learned.High[i] = b[0], b[1]
		}
	}
	controls := opt.Controls
	if controls == nil {
		for name := range other {
			controls = append(controls, name)
		}
		slices.SortFunc(controls, func(a, b string) int { return CompareConditions(nil, a, b) })
	}
	series := []plots.Series{learned}
	for _, name := range controls {
		v := other[name]
		if len(v) == 0 {
			continue
		}
		m, _ := results.MeanSD(v)
		series = append(series, plots.Series{Name: fmt.Sprintf("%s (n = %d)", name, len(v)), Condition: name,
			X: []float64{sig[0], sig[len(sig)-1]}, Mean: []float64{m, m}})
	}
	series = append(series, opt.Extra...)
	title, ylabel := opt.Title, opt.YLabel
	if ylabel == "" {
		ylabel = results.MetricLabel(metric)
	}
	if title == "" {
		title = results.MetricLabel(metric) + " against σ"
	}
	xlabel := "σ of the N(0, σ²) initialisation"
	if opt.LogX {
		xlabel += " (log scale)"
	}
	return plots.Lines(series, plots.LinesOptions{Title: title, XLabel: xlabel, YLabel: ylabel,
		LogX: opt.LogX, XTicksAtData: true, Levels: opt.Levels, Bounds: [2]float64{lo, hi}})
}
