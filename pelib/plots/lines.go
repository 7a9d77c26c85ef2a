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
)

// Series is one line of a Lines plot: Mean against X with an optional band
// Mean ± SD.
type Series struct {
	Name    string
	X, Mean []float64
	SD      []float64 // optional; nil draws no band
	// Reference draws the series as a dashed black line (for example the
	// fixed ground-truth PE), after the others.
	Reference bool
}

// SeriesOverSeeds returns the Series of the mean and sample SD over seeds:
// runs[k][i] is seed k's value at x[i]. With one seed the SD is omitted.
func SeriesOverSeeds(name string, x []float64, runs [][]float64) (Series, error) {
	const fn = "SeriesOverSeeds"
	if len(runs) == 0 || len(x) == 0 {
		return Series{}, fmt.Errorf("plots: %s %q: no runs or no x values", fn, name)
	}
	if err := checkValues(fn, "x", x); err != nil {
		return Series{}, err
	}
	s := Series{Name: name, X: append([]float64(nil), x...), Mean: make([]float64, len(x))}
	if len(runs) > 1 {
		s.SD = make([]float64, len(x))
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
		if s.SD != nil {
			s.Mean[i], s.SD[i] = stat.MeanStdDev(col, nil)
		} else {
			s.Mean[i] = col[0]
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
}

// Level is a horizontal reference line of a Lines plot.
type Level struct {
	Name string // legend entry, e.g. "chance (25 %)"
	Y    float64
}

// Lines draws each series as a line with a translucent ± SD band, with a
// legend.
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
	var refs []Series
	ci := 0
	for _, s := range series {
		if err := checkSeries(fn, s, opt.LogX); err != nil {
			return nil, err
		}
		if s.Reference {
			refs = append(refs, s)
			continue
		}
		if err := addSeries(p, leg, s, colour(ci), nil); err != nil {
			return nil, err
		}
		ci++
	}
	for _, s := range refs {
		if err := addSeries(p, leg, s, color.Black, []vg.Length{vg.Points(5), vg.Points(3)}); err != nil {
			return nil, err
		}
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
	f := newFigure(7*vg.Inch, DefaultHeight, func(c draw.Canvas) error {
		rest := leg.split(c)
		drawPlot(p, rest)
		leg.draw(c, rest, p.DataCanvas(rest).Max.Y)
		return nil
	})
	f.keys = leg.n
	return f, nil
}

func checkSeries(fn string, s Series, logX bool) error {
	if len(s.X) == 0 {
		return fmt.Errorf("plots: %s: series %q is empty", fn, s.Name)
	}
	if len(s.Mean) != len(s.X) || (s.SD != nil && len(s.SD) != len(s.X)) {
		return fmt.Errorf("plots: %s: series %q has %d x, %d mean and %d SD values", fn, s.Name, len(s.X), len(s.Mean), len(s.SD))
	}
	for _, v := range [][]float64{s.X, s.Mean, s.SD} {
		if err := checkValues(fn, "series "+s.Name, v); err != nil {
			return err
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

func addSeries(p *plot.Plot, leg *sideLegend, s Series, c color.Color, dashes []vg.Length) error {
	n := len(s.X)
	if s.SD != nil {
		band := make(plotter.XYs, 0, 2*n)
		for i := 0; i < n; i++ {
			band = append(band, plotter.XY{X: s.X[i], Y: s.Mean[i] + s.SD[i]})
		}
		for i := n - 1; i >= 0; i-- {
			band = append(band, plotter.XY{X: s.X[i], Y: s.Mean[i] - s.SD[i]})
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return fmt.Errorf("plots: series %q band: %w", s.Name, err)
		}
		r, g, b, _ := c.RGBA()
		poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 0x40}
		poly.LineStyle.Width = 0
		p.Add(poly)
	}
	xys := make(plotter.XYs, n)
	for i := range xys {
		xys[i] = plotter.XY{X: s.X[i], Y: s.Mean[i]}
	}
	l, pts, err := plotter.NewLinePoints(xys)
	if err != nil {
		return fmt.Errorf("plots: series %q: %w", s.Name, err)
	}
	l.Color, pts.Color = c, c
	l.Width = vg.Points(1.6)
	l.Dashes = dashes
	pts.Radius = vg.Points(2.2)
	p.Add(l, pts)
	leg.add(s.Name, l, pts)
	return nil
}

// FitOptions configures ScatterFit.
type FitOptions struct {
	Title, XLabel, YLabel string
	PointLabels           []string // optional text beside each point
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
	fit.Color = colour(1)
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
