package interactive

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// SigmaOptions configures MetricVsSigma. All fields are optional.
type SigmaOptions struct {
	// Title (Plotly pseudo-HTML); default "<metric label> against σ".
	Title string
	// YLabel titles the y axis; default results.MetricLabel(metric).
	YLabel string
	// Scale multiplies every value (100 for accuracies in percent); 0
	// means 1.
	Scale float64
	// Others are the conditions that are not learned-σ (e.g. "2d-fixed",
	// "none") drawn as horizontal levels at their mean, in this order; nil
	// draws every one present, in pelab's condition order.
	Others []string
	// Levels are fixed horizontal lines (e.g. chance), dotted grey.
	Levels []plots.Level
}

// seedPoint is one record's value.
type seedPoint struct {
	cond  string
	seed  int64
	id    string
	value float64
}

// MetricVsSigma draws a final metric of records against the σ of their
// learned PE's initialisation ("learn-<σ>" conditions, sweep.SigmaOf): one
// point per seed in its σ's colour (plots.ConditionStyle; hover:
// condition, seed, value, record id), the mean over seeds as a line in
// plots.LearnedStyle with ± SD error bars computed within the metric's
// bounds (results.MetricBounds, results.BoundedSD), the other conditions
// as levels at their mean in their own styles (hover: mean ± SD, n) and
// opt.Levels. The y axis does not extend past the metric's bounds. The x axis is logarithmic with a tick at each σ trained,
// labelled with its value. Records are used as sweep.BySigma uses them:
// status ok and a finite value only; pick an experiment's records first
// (results.Select).
func MetricVsSigma(recs []results.Record, metric string, opt SigmaOptions) (*Figure, error) {
	scale := opt.Scale
	if scale == 0 {
		scale = 1
	}
	sigmas, learned, otherRecs := sweep.SigmaGroups(recs, metric)
	if len(sigmas) == 0 {
		return nil, fmt.Errorf("interactive: MetricVsSigma: no usable learned-σ record with metric %q (of %d records)", metric, len(recs))
	}
	if sigmas[0] <= 0 {
		return nil, fmt.Errorf("interactive: MetricVsSigma: σ = %g cannot go on a log axis", sigmas[0])
	}
	points := func(rs []results.Record) []seedPoint {
		ps := make([]seedPoint, len(rs))
		for i, r := range rs {
			ps[i] = seedPoint{cond: r.Condition, seed: r.Seed, id: r.ID, value: scale * r.Final[metric]}
		}
		return ps
	}
	bySigma := make(map[float64][]seedPoint, len(learned))
	for s, rs := range learned {
		bySigma[s] = points(rs)
	}
	others := make(map[string][]seedPoint, len(otherRecs))
	for c, rs := range otherRecs {
		others[c] = points(rs)
	}
	label := results.MetricLabel(metric)
	ylabel := opt.YLabel
	if ylabel == "" {
		ylabel = label
	}
	var all []float64
	for _, ps := range bySigma {
		for _, p := range ps {
			all = append(all, p.value)
		}
	}
	for _, ps := range others {
		for _, p := range ps {
			all = append(all, p.value)
		}
	}
	blo, bhi := results.MetricBounds(metric, all)
	learnedColour := hexColour(plots.LearnedStyle().Colour)

	seeds := &ScatterTrace{Type: "scatter", Mode: "markers", Name: "each seed (colour: σ)", HoverTemplate: "%{text}<extra></extra>",
		Marker: &Marker{Colors: []string{}, Size: 7, Opacity: 0.7, Symbol: "circle-open", Line: &Line{Width: 1.5}}}
	mean := &ScatterTrace{Type: "scatter", Mode: "lines+markers", Name: "mean ± SD over seeds", HoverTemplate: "%{text}<extra></extra>",
		Marker: &Marker{Color: learnedColour, Size: 9}, Line: &Line{Color: learnedColour, Width: 2},
		ErrorY: &ErrorBar{Type: "data", Symmetric: ptr(false), Visible: true, Color: learnedColour, Thickness: 1.5, Width: 6}}
	for _, s := range sigmas {
		ps := bySigma[s]
		vals := make([]float64, len(ps))
		for i, p := range ps {
			vals[i] = p.value
			seeds.X, seeds.Y = append(seeds.X, s), append(seeds.Y, p.value)
			seeds.Marker.Colors = append(seeds.Marker.Colors, hexColour(plots.SigmaColour(s)))
			seeds.Text = append(seeds.Text, fmt.Sprintf("<b>%s</b>, seed %d<br>σ = %s<br>%s = %s<br>record %s",
				esc(p.cond), p.seed, strconv.FormatFloat(s, 'g', -1, 64), esc(metric), num(p.value), esc(p.id)))
		}
		m, sd := results.MeanSD(vals)
		band := [2]float64{m, m}
		if len(vals) > 1 {
			band = results.BoundedSD(vals, blo, bhi)
		}
		mean.X, mean.Y = append(mean.X, s), append(mean.Y, m)
		mean.ErrorY.Array = append(mean.ErrorY.Array, max(band[1]-m, 0))
		mean.ErrorY.ArrayMinus = append(mean.ErrorY.ArrayMinus, max(m-band[0], 0))
		mean.Text = append(mean.Text, fmt.Sprintf("<b>σ = %s</b><br>%s = %s ± %s (mean ± SD, n = %d)<br>bar: %s to %s (± SD within the metric's range)",
			strconv.FormatFloat(s, 'g', -1, 64), esc(metric), num(m), num(sd), len(vals), num(band[0]), num(band[1])))
	}
	f := &Figure{Data: []Trace{mean, seeds}, Config: defaultConfig()}

	names := opt.Others
	if names == nil {
		for n := range others {
			names = append(names, n)
		}
		slices.SortFunc(names, func(a, b string) int { return sweep.CompareConditions(nil, a, b) })
	}
	lo, hi := sigmas[0], sigmas[len(sigmas)-1]
	if lo == hi {
		lo, hi = lo/1.5, hi*1.5
	}
	for _, n := range names {
		ps := others[n]
		if len(ps) == 0 {
			continue
		}
		vals := make([]float64, len(ps))
		for i, p := range ps {
			vals[i] = p.value
		}
		m, sd := results.MeanSD(vals)
		text := fmt.Sprintf("<b>%s</b><br>%s = %s ± %s (mean ± SD, n = %d)", esc(n), esc(metric), num(m), num(sd), len(vals))
		st := plots.ConditionStyle(n)
		f.Data = append(f.Data, &ScatterTrace{Type: "scatter", Mode: "lines", Name: esc(n) + " (mean)",
			X: Numbers{lo, hi}, Y: Numbers{m, m}, Text: []string{text, text}, HoverTemplate: "%{text}<extra></extra>",
			Line: &Line{Color: hexColour(st.Colour), Width: 2, Dash: st.Dash}})
	}
	for _, l := range opt.Levels {
		if !finite(l.Y) {
			return nil, fmt.Errorf("interactive: MetricVsSigma: level %q at %v", l.Name, l.Y)
		}
		text := esc(l.Name)
		f.Data = append(f.Data, &ScatterTrace{Type: "scatter", Mode: "lines", Name: esc(l.Name),
			X: Numbers{lo, hi}, Y: Numbers{l.Y, l.Y}, Text: []string{text, text}, HoverTemplate: "%{text}<extra></extra>",
			Line: &Line{Color: "#606060", Width: 1.5, Dash: "dot"}})
	}

	title := opt.Title
	if title == "" {
		title = esc(label) + " against σ"
	}
	// Every σ a tick; labels thinned where they would crowd, as on the
	// static figures (23 σ of the LST sweep).
	ticks := plots.ValueLabels(sigmas, sigmas[0], sigmas[len(sigmas)-1], true)
	f.Layout = Layout{Title: &Title{Text: title}, Height: 520, HoverMode: "closest", Margin: &Margin{L: 70, R: 20, T: 60, B: 60},
		XAxis: &Axis{Title: &Title{Text: "σ of the learned PE's N(0, σ²) initialisation (log scale)"}, Type: "log",
			TickMode: "array", TickVals: Numbers(slices.Clone(sigmas)), TickText: ticks},
		YAxis:  &Axis{Title: &Title{Text: esc(ylabel)}, Range: boundedRange(all, blo, bhi)},
		Legend: &Legend{ItemSizing: "constant"}}
	return f, nil
}

// boundedRange is the y range of values padded by 5 %, cut at the
// quantity's bounds [lo, hi] (nil, Plotly's own range, when neither bound
// is within the padding).
func boundedRange(values []float64, lo, hi float64) []float64 {
	if len(values) == 0 {
		return nil
	}
	a, b := slices.Min(values), slices.Max(values)
	pad := 0.05 * (b - a)
	if pad == 0 {
		pad = 0.05 * max(math.Abs(a), 1)
	}
	if a-pad >= lo && b+pad <= hi {
		return nil
	}
	return []float64{max(a-pad, lo), min(b+pad, hi)}
}
