package plots

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// EmbeddingOptions configures Embedding2D and Embedding3D. All fields are
// optional.
type EmbeddingOptions struct {
	Title string
	// AxisLabels names the axes; default "dim 1", "dim 2", "dim 3".
	AxisLabels []string
	// Groups gives a colour group per point (for example the network or the
	// grid row of a token); points of a group share colour and legend entry.
	Groups []int
	// GroupNames names groups in the legend; default "group <label>".
	GroupNames map[int]string
	// PointLabels is drawn beside each point (for example the token index).
	PointLabels []string
	// Frame, when set, is a matrix of points (rows, same columns as the
	// embedding) whose range the axes cover at least: with the true
	// positions as the frame, a PE aligned to them that collapsed to a
	// small cloud reads as collapsed instead of being magnified to fill
	// the plot.
	Frame mat.Matrix
}

// Embedding2D draws the first two columns of the (S, ≥2) matrix xy (for
// example PCA scores or an MDS embedding) as a scatter with equal units on
// both axes, coloured by group.
func Embedding2D(xy mat.Matrix, opt EmbeddingOptions) (*Figure, error) {
	panel, err := newEmbedding("Embedding2D", xy, 2, opt)
	if err != nil {
		return nil, err
	}
	leg := newSideLegend()
	p, err := panel.plot(0, 1, opt.Title, leg)
	if err != nil {
		return nil, err
	}
	ap := newAspectPlot(p)
	f := newFigure(6*vg.Inch, 5*vg.Inch, func(c draw.Canvas) error {
		rest := leg.split(c)
		ap.draw(rest)
		leg.draw(c, rest, p.DataCanvas(rest).Max.Y)
		return nil
	})
	f.keys = leg.n
	return f, nil
}

// Embedding3D draws the first three columns of the (S, ≥3) matrix xyz as
// three orthogonal views side by side (dims 1–2, 1–3, 2–3) with equal units
// on every axis and a shared colour for each group.
func Embedding3D(xyz mat.Matrix, opt EmbeddingOptions) (*Figure, error) {
	panel, err := newEmbedding("Embedding3D", xyz, 3, opt)
	if err != nil {
		return nil, err
	}
	views := [][2]int{{0, 1}, {0, 2}, {1, 2}}
	ps := make([]*aspectPlot, len(views))
	leg := newSideLegend()
	for i, v := range views {
		l := leg
		if i > 0 {
			l = nil
		}
		p, err := panel.plot(v[0], v[1], "", l)
		if err != nil {
			return nil, err
		}
		ps[i] = newAspectPlot(p)
	}
	title := opt.Title
	f := newFigure(12*vg.Inch, 4.4*vg.Inch, func(c draw.Canvas) error {
		if title != "" {
			sty := ps[0].p.Title.TextStyle
			sty.Font.Size = vg.Points(13)
			sty.XAlign = draw.XCenter
			sty.YAlign = draw.YTop
			title := FitTitle(title, sty, c.Max.X-c.Min.X-vg.Points(8))
			c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - 4}, title)
			c.Max.Y -= sty.Height(title) + 8
		}
		rest := leg.split(c)
		tiles := draw.Tiles{Rows: 1, Cols: 3, PadX: vg.Points(18), PadTop: 4, PadBottom: 4, PadLeft: 4, PadRight: 4}
		for i, p := range ps {
			p.draw(tiles.At(rest, i, 0))
		}
		leg.draw(c, rest, ps[0].p.DataCanvas(tiles.At(rest, 0, 0)).Max.Y)
		return nil
	})
	f.keys = leg.n
	return f, nil
}

type embedding struct {
	x      *mat.Dense
	opt    EmbeddingOptions
	groups []int // sorted distinct group labels (one pseudo-group if none)
}

func newEmbedding(fn string, x mat.Matrix, dims int, opt EmbeddingOptions) (*embedding, error) {
	s, d, err := checkMatrix(fn, "coordinates", x)
	if err != nil {
		return nil, err
	}
	if d < dims {
		return nil, fmt.Errorf("plots: %s: coordinates have %d columns, need at least %d", fn, d, dims)
	}
	if opt.Groups != nil && len(opt.Groups) != s {
		return nil, fmt.Errorf("plots: %s: %d group labels for %d points", fn, len(opt.Groups), s)
	}
	if opt.PointLabels != nil && len(opt.PointLabels) != s {
		return nil, fmt.Errorf("plots: %s: %d point labels for %d points", fn, len(opt.PointLabels), s)
	}
	if opt.AxisLabels != nil && len(opt.AxisLabels) < dims {
		return nil, fmt.Errorf("plots: %s: %d axis labels for %d axes", fn, len(opt.AxisLabels), dims)
	}
	e := &embedding{x: mat.DenseCopyOf(x), opt: opt}
	if opt.Groups != nil {
		e.groups = slices.Compact(slices.Sorted(slices.Values(opt.Groups)))
	}
	return e, nil
}

func (e *embedding) axisLabel(i int) string {
	if e.opt.AxisLabels != nil {
		return e.opt.AxisLabels[i]
	}
	return fmt.Sprintf("dim %d", i+1)
}

// plot draws dims a and b of the embedding, adding the groups to legend
// when it is not nil.
func (e *embedding) plot(a, b int, title string, legend *sideLegend) (*plot.Plot, error) {
	p := newPlot(title, e.axisLabel(a), e.axisLabel(b))
	p.Add(plotter.NewGrid())
	s, _ := e.x.Dims()
	groups := e.groups
	if groups == nil {
		groups = []int{0}
	}
	// Points of different groups on the same spot (a 3D grid seen along
	// the axis that defines the groups): concentric discs, the first group
	// largest and drawn first, so that every group's colour shows.
	nested := e.overlap(a, b)
	for gi, g := range groups {
		var pts plotter.XYs
		for i := 0; i < s; i++ {
			if e.opt.Groups == nil || e.opt.Groups[i] == g {
				pts = append(pts, plotter.XY{X: e.x.At(i, a), Y: e.x.At(i, b)})
			}
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, fmt.Errorf("plots: embedding: %w", err)
		}
		sc.Color = colour(gi)
		sc.Shape = glyph(gi)
		sc.Radius = vg.Points(4)
		if nested {
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(2.5 + 2*float64(len(groups)-1-gi))
		}
		p.Add(sc)
		if legend != nil && e.opt.Groups != nil {
			name, ok := e.opt.GroupNames[g]
			if !ok {
				name = fmt.Sprintf("group %d", g)
			}
			th := *sc // the legend's glyph at the normal size, nested or not
			th.Radius = vg.Points(4)
			legend.add(name, &th)
		}
	}
	e.frame(p, a, b)
	if e.opt.PointLabels != nil {
		xys := make(plotter.XYs, s)
		for i := range xys {
			xys[i] = plotter.XY{X: e.x.At(i, a), Y: e.x.At(i, b)}
		}
		lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: e.opt.PointLabels})
		if err != nil {
			return nil, fmt.Errorf("plots: embedding: %w", err)
		}
		lb.Offset = vg.Point{X: vg.Points(5), Y: vg.Points(3)}
		p.Add(lb)
	}
	return p, nil
}

// frame widens the axes of p (dims a and b) to cover opt.Frame, and any
// axis whose data span is (nearly) zero — every point on one spot — to a
// unit span around it, so that its ticks are distinct numbers.
func (e *embedding) frame(p *plot.Plot, a, b int) {
	for k, ax := range []*plot.Axis{&p.X, &p.Y} {
		col := []int{a, b}[k]
		if e.opt.Frame != nil {
			r, c := e.opt.Frame.Dims()
			for i := 0; i < r && col < c; i++ {
				v := e.opt.Frame.At(i, col)
				ax.Min, ax.Max = math.Min(ax.Min, v), math.Max(ax.Max, v)
			}
		}
		if span := ax.Max - ax.Min; span <= 1e-9*math.Max(1, math.Max(math.Abs(ax.Min), math.Abs(ax.Max))) {
			mid := (ax.Min + ax.Max) / 2
			ax.Min, ax.Max = mid-0.5, mid+0.5
		}
	}
}

// overlap reports whether two points of different groups coincide in dims
// a and b (to within 1e-9 of the coordinates' span).
func (e *embedding) overlap(a, b int) bool {
	if e.opt.Groups == nil {
		return false
	}
	s, _ := e.x.Dims()
	span := 0.0
	for i := range s {
		span = math.Max(span, math.Max(math.Abs(e.x.At(i, a)), math.Abs(e.x.At(i, b))))
	}
	tol := 1e-9 * math.Max(span, 1)
	type key struct{ x, y float64 }
	seen := map[key]int{}
	for i := range s {
		k := key{math.Round(e.x.At(i, a) / tol), math.Round(e.x.At(i, b) / tol)}
		if g, ok := seen[k]; ok && g != e.opt.Groups[i] {
			return true
		}
		seen[k] = e.opt.Groups[i]
	}
	return false
}

// aspectPlot draws a plot with equal units on both axes, starting each time
// from the data ranges the plot had when it was built.
type aspectPlot struct {
	p              *plot.Plot
	x0, x1, y0, y1 float64
}

func newAspectPlot(p *plot.Plot) *aspectPlot {
	return &aspectPlot{p: p, x0: p.X.Min, x1: p.X.Max, y0: p.Y.Min, y1: p.Y.Max}
}

func (a *aspectPlot) draw(c draw.Canvas) {
	a.p.X.Min, a.p.X.Max, a.p.Y.Min, a.p.Y.Max = a.x0, a.x1, a.y0, a.y1
	equalAspect(a.p, c)
	drawPlot(a.p, c)
}

// equalAspect widens the x or y range of p so that one data unit has the
// same length on both axes of its data area on canvas c.
func equalAspect(p *plot.Plot, c draw.Canvas) {
	pad := func(lo, hi float64) (float64, float64) {
		span := hi - lo
		if span == 0 {
			span = math.Max(math.Abs(lo), 1)
		}
		return lo - 0.08*span, hi + 0.08*span
	}
	p.X.Min, p.X.Max = pad(p.X.Min, p.X.Max)
	p.Y.Min, p.Y.Max = pad(p.Y.Min, p.Y.Max)
	for range 2 { // the data area depends a little on the tick labels
		dc := p.DataCanvas(c)
		w, h := float64(dc.Max.X-dc.Min.X), float64(dc.Max.Y-dc.Min.Y)
		if w <= 0 || h <= 0 {
			return
		}
		ux := (p.X.Max - p.X.Min) / w // data units per point
		uy := (p.Y.Max - p.Y.Min) / h
		if ux > uy {
			mid, half := (p.Y.Min+p.Y.Max)/2, ux*h/2
			p.Y.Min, p.Y.Max = mid-half, mid+half
		} else {
			mid, half := (p.X.Min+p.X.Max)/2, uy*w/2
			p.X.Min, p.X.Max = mid-half, mid+half
		}
	}
}
