package plots

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/results"
)

// Series is one line of a Lines plot: Mean against X with an optional band,
// from Low to High when they are given, else Mean ± SD.
type Series struct {
	Name    string
	X, Mean []float64
	SD      []float64 // optional; nil draws no band
	// Low and High are the band's edges (both or neither), e.g. mean ± SD
	// computed on a scale that respects the quantity's bounds
	// (SeriesOverSeeds); they take the place of SD.
	Low, High []float64
	// Condition, when set, draws the series in the condition's style
	// (ConditionStyle), the same in every figure.
	Condition string
	// Reference draws the series as a dotted black line (for example the
	// paper's curve), after the others: distinct from the oracle
	// sinusoid's dashed black (ConditionStyle).
	Reference bool
}

// SeriesOverSeeds returns the Series of the mean over seeds and its ± 1 SD
// band for a quantity within [lo, hi] (results.MetricBounds; ±Inf for an
// open side): runs[k][i] is seed k's value at x[i]. The band is the mean
// ± SD of the values mapped to an unbounded scale, mapped back
// (results.BoundedSD), so it never leaves [lo, hi]; unbounded, it is the
// plain mean ± SD. SD holds the plain sample SD (for tables). With one
// seed there is neither.
func SeriesOverSeeds(name string, x []float64, runs [][]float64, lo, hi float64) (Series, error) {
	const fn = "SeriesOverSeeds"
	if len(runs) == 0 || len(x) == 0 {
		return Series{}, fmt.Errorf("plots: %s %q: no runs or no x values", fn, name)
	}
	if err := checkValues(fn, "x", x); err != nil {
		return Series{}, err
	}
	s := Series{Name: name, X: append([]float64(nil), x...), Mean: make([]float64, len(x))}
	if len(runs) > 1 {
		s.SD, s.Low, s.High = make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	}
	col := make([]float64, len(runs))
	for i := range x {
		for k, run := range runs {
			if len(run) != len(x) {
				return Series{}, fmt.Errorf("plots: %s %q: run %d has %d values for %d x values", fn, name, k, len(run), len(x))
			}
			if err := checkValues(fn, fmt.Sprintf("run %d", k), run); err != nil {
				return Series{}, err
			}
			col[k] = run[i]
		}
		s.Mean[i] = stat.Mean(col, nil)
		if s.SD != nil {
			s.SD[i] = stat.StdDev(col, nil)
		}
		if s.Low != nil {
			b := results.BoundedSD(col, lo, hi)
			s.Low[i], s.High[i] = b[0], b[1]
		}
	}
	return s, nil
}

// LinesOptions configures Lines.
type LinesOptions struct {
	Title, XLabel, YLabel string
	LogX                  bool // logarithmic x axis (x must be positive)
	// XTicksAtData puts the x ticks at the x values of the series that are
	// not references, labelled with their values (e.g. the σ values of a
	// sweep), instead of at round numbers.
	XTicksAtData bool
	// Levels are horizontal lines across the whole plot (e.g. chance
	// level), dotted grey, with a legend entry each.
	Levels []Level
	// Bounds is the range of the quantity drawn (results.MetricBounds;
	// ±Inf for an open side; the zero value: unbounded). A mean outside it
	// is an error; a band that leaves it is cut at the bound, and each cut
	// is marked by a hollow triangle on the bound with a legend entry
	// saying so; the y axis never extends past it.
	Bounds [2]float64
	// YRange, when set, fixes the y axis (panels meant to be compared
	// share one); it must hold every mean. Zero: the data's range.
	YRange [2]float64
}

// OmitReferences leaves every Reference series (the paper's curve) out of
// the figures Lines draws. pelib/notebook sets it in a smoke run: a run
// too small for the paper's effect is never drawn beside the paper.
var OmitReferences bool

// Level is a horizontal reference line of a Lines plot.
type Level struct {
	Name string // legend entry, e.g. "chance (25 %)"
	Y    float64
}

// Lines draws each series as a line with a translucent band (Low to High,
// or ± SD), with a legend that names every series: a series with a
// Condition in that condition's style (ConditionStyle), references dotted
// black, the others in the categorical colours.
func Lines(series []Series, opt LinesOptions) (*Figure, error) {
	const fn = "Lines"
	if len(series) == 0 {
		return nil, fmt.Errorf("plots: %s: no series", fn)
	}
	p := newPlot(opt.Title, opt.XLabel, opt.YLabel)
	p.Add(plotter.NewGrid())
	if opt.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if opt.XTicksAtData {
		var xs []float64
		for _, s := range series {
			if !s.Reference {
				xs = append(xs, s.X...)
			}
		}
		p.X.Tick.Marker = valueTicks{xs, opt.LogX}
	}
	leg := newSideLegend()
	bounds, err := checkBounds(fn, opt.Bounds)
	if err != nil {
		return nil, err
	}
	var refs []Series
	ci := 0
	cut := false
	for _, s := range series {
		if err := checkSeries(fn, s, opt.LogX, bounds); err != nil {
			return nil, err
		}
		if s.Reference {
			if !OmitReferences {
				refs = append(refs, s)
			}
			continue
		}
		st := Style{Colour: colour(ci)}
		if s.Condition != "" {
			st = ConditionStyle(s.Condition)
		} else {
			ci++
		}
		c, err := addSeries(p, leg, s, st.Colour, st.Dashes(), bounds)
		if err != nil {
			return nil, err
		}
		cut = cut || c
	}
	for _, s := range refs {
		c, err := addSeries(p, leg, s, color.Black, Style{Dash: "dot"}.Dashes(), bounds)
		if err != nil {
			return nil, err
		}
		cut = cut || c
	}
	if cut {
		leg.add("band cut at the quantity's bound", cutMark(color.Gray{0x40}))
	}
	for _, lv := range opt.Levels {
		if math.IsNaN(lv.Y) || math.IsInf(lv.Y, 0) {
			return nil, fmt.Errorf("plots: %s: level %q at %v", fn, lv.Name, lv.Y)
		}
		p.Y.Min, p.Y.Max = math.Min(p.Y.Min, lv.Y), math.Max(p.Y.Max, lv.Y)
		l := &hline{y: lv.Y}
		l.LineStyle = draw.LineStyle{Color: color.Gray{0x60}, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2.5)}}
		p.Add(l)
		leg.add(lv.Name, l)
	}
	if opt.YRange != [2]float64{} {
		p.Y.Min, p.Y.Max = opt.YRange[0], opt.YRange[1]
	}
	if bounds != nil {
		p.Y.Min, p.Y.Max = max(p.Y.Min, bounds[0]), min(p.Y.Max, bounds[1])
	}
	return legendFigure(p, leg), nil
}

// checkBounds returns the bounds of a Lines plot, nil when unbounded.
func checkBounds(fn string, b [2]float64) (*[2]float64, error) {
	if b == [2]float64{} || (math.IsInf(b[0], -1) && math.IsInf(b[1], 1)) {
		return nil, nil
	}
	if math.IsNaN(b[0]) || math.IsNaN(b[1]) || !(b[0] < b[1]) {
		return nil, fmt.Errorf("plots: %s: bounds [%g, %g], want lo < hi", fn, b[0], b[1])
	}
	return &b, nil
}

func checkSeries(fn string, s Series, logX bool, bounds *[2]float64) error {
	if len(s.X) == 0 {
		return fmt.Errorf("plots: %s: series %q is empty", fn, s.Name)
	}
	if len(s.Mean) != len(s.X) || (s.SD != nil && len(s.SD) != len(s.X)) {
		return fmt.Errorf("plots: %s: series %q has %d x, %d mean and %d SD values", fn, s.Name, len(s.X), len(s.Mean), len(s.SD))
	}
	if (s.Low == nil) != (s.High == nil) || (s.Low != nil && (len(s.Low) != len(s.X) || len(s.High) != len(s.X))) {
		return fmt.Errorf("plots: %s: series %q has %d x, %d low and %d high band values", fn, s.Name, len(s.X), len(s.Low), len(s.High))
	}
	for _, v := range [][]float64{s.X, s.Mean, s.SD, s.Low, s.High} {
		if err := checkValues(fn, "series "+s.Name, v); err != nil {
			return err
		}
	}
	if bounds != nil {
		for i, v := range s.Mean {
			if v < bounds[0] || v > bounds[1] {
				return fmt.Errorf("plots: %s: series %q mean[%d] = %g outside the quantity's bounds [%g, %g]", fn, s.Name, i, v, bounds[0], bounds[1])
			}
		}
	}
	for i, v := range s.SD {
		if v < 0 {
			return fmt.Errorf("plots: %s: series %q SD[%d] = %g is negative", fn, s.Name, i, v)
		}
	}
	if logX {
		for i, v := range s.X {
			if v <= 0 {
				return fmt.Errorf("plots: %s: series %q x[%d] = %g on a log axis", fn, s.Name, i, v)
			}
		}
	}
	return nil
}

// bandEdges returns the band of s (Low to High, else Mean ± SD; nil
// without one) cut to bounds, and the points of each edge that were cut.
func bandEdges(s Series, bounds *[2]float64) (low, high []float64, cutLow, cutHigh []int) {
	switch {
	case s.Low != nil:
		low, high = slices.Clone(s.Low), slices.Clone(s.High)
	case s.SD != nil:
		low, high = make([]float64, len(s.X)), make([]float64, len(s.X))
		for i := range s.X {
			low[i], high[i] = s.Mean[i]-s.SD[i], s.Mean[i]+s.SD[i]
		}
	default:
		return nil, nil, nil, nil
	}
	if bounds != nil {
		for i := range low {
			if low[i] < bounds[0] {
				low[i] = bounds[0]
				cutLow = append(cutLow, i)
			}
			if high[i] > bounds[1] {
				high[i] = bounds[1]
				cutHigh = append(cutHigh, i)
			}
		}
	}
	return low, high, cutLow, cutHigh
}

// cutMark is the mark of a band cut at a bound: a hollow triangle.
func cutMark(c color.Color) *plotter.Scatter {
	sc, _ := plotter.NewScatter(plotter.XYs{{}})
	sc.Color = c
	sc.Radius = vg.Points(3.5)
	sc.Shape = hollowTriangle{}
	return sc
}

// hollowTriangle is a triangle outline glyph.
type hollowTriangle struct{}

func (hollowTriangle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineStyle(draw.LineStyle{Color: sty.Color, Width: vg.Points(1)})
	r := sty.Radius
	h := r * vg.Length(math.Sqrt(3)) / 2
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X - h, Y: pt.Y - r/2})
	p.Line(vg.Point{X: pt.X + h, Y: pt.Y - r/2})
	p.Close()
	c.Stroke(p)
}

// addSeries draws s in colour c with dashes and its band within bounds,
// and reports whether the band was cut at a bound.
func addSeries(p *plot.Plot, leg *sideLegend, s Series, c color.Color, dashes []vg.Length, bounds *[2]float64) (bool, error) {
	n := len(s.X)
	low, high, cutLow, cutHigh := bandEdges(s, bounds)
	if low != nil {
		band := make(plotter.XYs, 0, 2*n)
		for i := 0; i < n; i++ {
			band = append(band, plotter.XY{X: s.X[i], Y: high[i]})
		}
		for i := n - 1; i >= 0; i-- {
			band = append(band, plotter.XY{X: s.X[i], Y: low[i]})
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return false, fmt.Errorf("plots: series %q band: %w", s.Name, err)
		}
		r, g, b, _ := c.RGBA()
		poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40}
		poly.LineStyle.Width = 0
		p.Add(poly)
	}
	var marks plotter.XYs
	for _, i := range cutLow {
		marks = append(marks, plotter.XY{X: s.X[i], Y: bounds[0]})
	}
	for _, i := range cutHigh {
		marks = append(marks, plotter.XY{X: s.X[i], Y: bounds[1]})
	}
	if len(marks) > 0 {
		m := cutMark(c)
		m.XYs = marks
		p.Add(m)
	}
	xys := make(plotter.XYs, n)
	for i := range xys {
		xys[i] = plotter.XY{X: s.X[i], Y: s.Mean[i]}
	}
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return false, fmt.Errorf("plots: series %q: %w", s.Name, err)
	}
	l.Color, pts.Color = c, c
	l.Width = vg.Points(1.6)
	l.Dashes = dashes
	pts.Radius = vg.Points(2.2)
	p.Add(l, pts)
	leg.add(s.Name, l, pts)
	return len(marks) > 0, nil
}

// FitOptions configures ScatterFit.
type FitOptions struct {
	Title, XLabel, YLabel string
	PointLabels           []string // optional text beside each point
	// PointConditions, when set, names each point's condition: the point
	// is drawn in its style's colour (ConditionStyle) and named in a
	// legend beside the plot (by its PointLabels text when given), so that
	// every point keeps its name where labels on the plot would pile up;
	// the labels are then not drawn on the plot.
	PointConditions []string
}

// ScatterFit draws y against x with a trend line and Spearman's ρ and p
// (analysis.SpearmanTest: exact for n ≤ 9, t approximation above; p
// written as a bound below 0.001) in the title. The trend is the
// least-squares line for fewer than binnedFitMin points, and otherwise the
// median of y in bins of x (each distinct x when there are few, as for grid
// distances; else deciles of x), which follows a curved relation where a
// straight line would run below most of the data; the legend says which.
func ScatterFit(x, y []float64, opt FitOptions) (*Figure, error) {
	const fn = "ScatterFit"
	test, err := analysis.SpearmanTest(x, y)
	if err != nil {
		return nil, fmt.Errorf("plots: %s: %w", fn, err)
	}
	if opt.PointLabels != nil && len(opt.PointLabels) != len(x) {
		return nil, fmt.Errorf("plots: %s: %d point labels for %d points", fn, len(opt.PointLabels), len(x))
	}
	if opt.PointConditions != nil && len(opt.PointConditions) != len(x) {
		return nil, fmt.Errorf("plots: %s: %d point conditions for %d points", fn, len(opt.PointConditions), len(x))
	}
	method := "t approx."
	if test.Exact {
		method = "exact"
	}
	title := fmt.Sprintf("Spearman ρ = %.2f, %s (n = %d, %s)", test.Rho, FormatP(test.P), test.N, method)
	if opt.Title != "" {
		title = opt.Title + "\n" + title
	}
	p := newPlot(title, opt.XLabel, opt.YLabel)
	p.Add(plotter.NewGrid())
	xys := make(plotter.XYs, len(x))
	for i := range x {
		xys[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	trend, trendName := fitLine(x, y)
	fit, err := plotter.NewLine(trend)
	if err != nil {
		return nil, fmt.Errorf("plots: %s: %w", fn, err)
	}
	fit.Color = color.Gray{0x50} // grey: no condition's colour (orange is random's)
	fit.Width = vg.Points(2)
	sc, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, fmt.Errorf("plots: %s: %w", fn, err)
	}
	sc.Color = colour(0)
	sc.Shape = draw.CircleGlyph{}
	sc.Radius = vg.Points(3.5)
	if len(x) >= binnedFitMin {
		sc.Color = color.NRGBA{R: 0x33, G: 0x22, B: 0x88, A: 0x70} // many points: translucent
		sc.Radius = vg.Points(2.5)
	}
	if opt.PointConditions != nil {
		return conditionScatter(p, xys, fit, trendName, opt)
	}
	p.Add(sc, fit)
	p.Legend.Add("data", sc)
	p.Legend.Add(trendName, fit)
	p.Legend.Top = true
	if opt.PointLabels != nil {
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: opt.PointLabels})
		if err != nil {
			return nil, fmt.Errorf("plots: %s: %w", fn, err)
		}
		lb.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
		p.Add(sparseLabels{lb})
	}
	f := newFigure(DefaultWidth, DefaultHeight, func(c draw.Canvas) error {
		drawPlot(p, c)
		return nil
	})
	f.keys = 2 // data and trend
	return f, nil
}

// conditionScatter finishes ScatterFit with PointConditions: each point
// in its condition's colour, named in a side legend with the trend line.
func conditionScatter(p *plot.Plot, xys plotter.XYs, fit *plotter.Line, trendName string, opt FitOptions) (*Figure, error) {
	leg := newSideLegend()
	p.Add(fit)
	for i, xy := range xys {
		sc, err := plotter.NewScatter(plotter.XYs{xy})
		if err != nil {
			return nil, fmt.Errorf("plots: ScatterFit: %w", err)
		}
		sc.Color = ConditionStyle(opt.PointConditions[i]).Colour
		sc.Shape = draw.CircleGlyph{}
		sc.Radius = vg.Points(4)
		p.Add(sc)
		name := opt.PointConditions[i]
		if opt.PointLabels != nil {
			name = opt.PointLabels[i]
		}
		leg.add(name, sc)
	}
	leg.add(trendName, fit)
	return legendFigure(p, leg), nil
}

// hline is a horizontal line across a plot's whole x range.
type hline struct {
	y float64
	draw.LineStyle
}

func (h *hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, ty := p.Transforms(&c)
	y := ty(h.y)
	c.StrokeLine2(h.LineStyle, c.Min.X, y, c.Max.X, y)
}

func (h *hline) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(h.LineStyle, c.Min.X, y, c.Max.X, y)
}

// binnedFitMin is the number of points from which ScatterFit draws binned
// medians rather than a least-squares line.
const binnedFitMin = 20

// fitLine returns ScatterFit's trend line and its legend name.
func fitLine(x, y []float64) (plotter.XYs, string) {
	n := len(x)
	if n < binnedFitMin {
		alpha, beta := stat.LinearRegression(x, y, nil, false)
		lo, hi := slices.Min(x), slices.Max(x)
		return plotter.XYs{{X: lo, Y: alpha + beta*lo}, {X: hi, Y: alpha + beta*hi}}, "least-squares line"
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	distinct := 1
	for k := 1; k < n; k++ {
		if x[idx[k]] != x[idx[k-1]] {
			distinct++
		}
	}
	var bins [][]int // runs of idx
	if distinct <= 20 {
		for k := 0; k < n; {
			j := k
			for j < n && x[idx[j]] == x[idx[k]] {
				j++
			}
			bins = append(bins, idx[k:j])
			k = j
		}
	} else {
		const nb = 10
		for b := range nb {
			bins = append(bins, idx[b*n/nb:(b+1)*n/nb])
		}
	}
	var out plotter.XYs
	for _, b := range bins {
		if len(b) == 0 {
			continue
		}
		bx, by := make([]float64, len(b)), make([]float64, len(b))
		for i, k := range b {
			bx[i], by[i] = x[k], y[k]
		}
		slices.Sort(bx)
		slices.Sort(by)
		out = append(out, plotter.XY{X: stat.Quantile(0.5, stat.Empirical, bx, nil), Y: stat.Quantile(0.5, stat.Empirical, by, nil)})
	}
	name := "median per bin of x (deciles)"
	if distinct <= 20 {
		name = "median at each x"
	}
	return out, name
}

// sparseLabels draws point labels in order, leaving out any whose text
// would overlap one already drawn (23 σ labels of a sweep crowd where the
// points do): every point keeps its marker, and a label never prints over
// another.
type sparseLabels struct{ *plotter.Labels }

func (l sparseLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	var placed []vg.Rectangle
	for i, label := range l.Labels.Labels {
		pt := vg.Point{X: trX(l.XYs[i].X), Y: trY(l.XYs[i].Y)}
		if !c.Contains(pt) {
			continue
		}
		pt = pt.Add(l.Offset)
		r := l.TextStyle[i].Rectangle(label).Add(pt)
		if slices.ContainsFunc(placed, func(q vg.Rectangle) bool {
			return r.Min.X < q.Max.X && q.Min.X < r.Max.X && r.Min.Y < q.Max.Y && q.Min.Y < r.Max.Y
		}) {
			continue
		}
		placed = append(placed, r)
		c.FillText(l.TextStyle[i], pt, label)
	}
}
