package plots

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HeatmapOptions configures Heatmap. All fields are optional.
type HeatmapOptions struct {
	Title          string
	XLabel, YLabel string
	// RowLabels and ColLabels name each row and column; drawn as ticks when
	// there are at most 40.
	RowLabels, ColLabels []string
	// Partition gives a network label per token of a square matrix: rows
	// and columns are reordered by label (stably) and network boundaries
	// drawn; ticks then mark the networks.
	Partition []int
	// The networks are shown as a colour strip along both axes with a key
	// beside the colour bar (never as tick labels, which overprint when
	// networks are small).
	//
	// PartitionNames names the networks in the key; default: the label.
	PartitionNames map[int]string
	// PartitionColors colours the networks in the strip and key; default:
	// the categorical colours in label order.
	PartitionColors map[int]color.Color
	// Min and Max fix the colour range; both zero means automatic (±max|v|
	// for signed data, the data range otherwise).
	Min, Max float64
	// ColorLabel labels the colour bar.
	ColorLabel string
}

// grid adapts a matrix to plotter.GridXYZ with matrix cell (i, j) centred at
// (x, y) = (j, R−1−i), so that row 0 is drawn at the top. (Flipping the data
// rather than inverting the axis keeps rasterized heat maps working.)
type grid struct{ m *mat.Dense }

func (g grid) Dims() (c, r int)   { r, c = g.m.Dims(); return c, r }
func (g grid) Z(c, r int) float64 { n, _ := g.m.Dims(); return g.m.At(n-1-r, c) }
func (g grid) X(c int) float64    { return float64(c) }
func (g grid) Y(r int) float64    { return float64(r) }

// maxTickLabels is the most per-row labels a heatmap axis shows.
const maxTickLabels = 40

// Heatmap draws the matrix m (for example a similarity matrix) with row 0 at
// the top, labelled axes and a colour bar. With a partition, rows and
// columns are grouped by network and the boundaries drawn.
func Heatmap(m mat.Matrix, opt HeatmapOptions) (*Figure, error) {
	const fn = "Heatmap"
	r, c, err := checkMatrix(fn, "matrix", m)
	if err != nil {
		return nil, err
	}
	if opt.RowLabels != nil && len(opt.RowLabels) != r {
		return nil, fmt.Errorf("plots: %s: %d row labels for %d rows", fn, len(opt.RowLabels), r)
	}
	if opt.ColLabels != nil && len(opt.ColLabels) != c {
		return nil, fmt.Errorf("plots: %s: %d column labels for %d columns", fn, len(opt.ColLabels), c)
	}
	if opt.Min > opt.Max || math.IsNaN(opt.Min) || math.IsNaN(opt.Max) || math.IsInf(opt.Min, 0) || math.IsInf(opt.Max, 0) {
		return nil, fmt.Errorf("plots: %s: colour range [%v, %v] is not a finite interval", fn, opt.Min, opt.Max)
	}
	rowOrder, colOrder := identity(r), identity(c)
	var bounds []int // indices k where a new network starts (k > 0)
	if opt.Partition != nil {
		if r != c {
			return nil, fmt.Errorf("plots: %s: a partition needs a square matrix, have %d×%d", fn, r, c)
		}
		if len(opt.Partition) != r {
			return nil, fmt.Errorf("plots: %s: partition has %d labels for %d tokens", fn, len(opt.Partition), r)
		}
		slices.SortStableFunc(rowOrder, func(a, b int) int { return cmp.Compare(opt.Partition[a], opt.Partition[b]) })
		colOrder = rowOrder
		for k := 1; k < r; k++ {
			if opt.Partition[rowOrder[k]] != opt.Partition[rowOrder[k-1]] {
				bounds = append(bounds, k)
			}
		}
	}
	z := mat.NewDense(r, c, nil)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, ri := range rowOrder {
		for j, cj := range colOrder {
			v := m.At(ri, cj)
			z.Set(i, j, v)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	opt.Min, opt.Max = ColourRange(lo, hi, opt.Min, opt.Max)
	newMap := moreland.ExtendedBlackBody
	if opt.Min < 0 && opt.Max > 0 {
		newMap = func() palette.ColorMap { return moreland.SmoothBlueRed() }
	}
	cmap := newMap() // for the colour bar, in data units
	cmap.SetMin(opt.Min)
	cmap.SetMax(opt.Max)
	// The cells' palette is sampled on [0, 1+ε]: gonum/plot steps from Min
	// to Max and panics when rounding takes the last step past Max (seen
	// with Min 7.7e-11, Max 0.9996); the colours depend only on the
	// relative position.
	unit := newMap()
	unit.SetMin(0)
	unit.SetMax(1 + 1e-9)

	p := newPlot(opt.Title, opt.XLabel, opt.YLabel)
	hm := plotter.NewHeatMap(grid{z}, unit.Palette(255))
	hm.Min, hm.Max = opt.Min, opt.Max
	pal := hm.Palette.Colors()
	hm.Underflow, hm.Overflow = pal[0], pal[len(pal)-1]
	hm.Rasterized = r*c > 40000 // vector cells stay sharp; raster keeps big SVGs small
	p.Add(hm)
	p.X.Min, p.X.Max = -0.5, float64(c)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(r)-0.5
	p.X.Tick.Marker = axisTicks(opt.ColLabels, colOrder, opt.Partition, false)
	p.Y.Tick.Marker = axisTicks(opt.RowLabels, rowOrder, opt.Partition, true)
	// Networks: a strip of each network's colour along the x and y axes
	// (in the axes' padding) and a key.
	const stripW = vg.Length(7)
	type block struct {
		from, to int // display positions [from, to)
		c        color.Color
	}
	var blocks []block
	leg := newSideLegend()
	if opt.Partition != nil {
		labels := slices.Compact(slices.Sorted(slices.Values(opt.Partition)))
		colours := map[int]color.Color{}
		for i, lab := range labels {
			colours[lab] = colour(i)
			if c, ok := opt.PartitionColors[lab]; ok && c != nil {
				colours[lab] = c
			}
			name, ok := opt.PartitionNames[lab]
			if !ok {
				name = fmt.Sprint(lab)
			}
			leg.add(name, swatch{colours[lab]})
		}
		for k := 0; k < r; {
			j := k
			for j < r && opt.Partition[rowOrder[j]] == opt.Partition[rowOrder[k]] {
				j++
			}
			blocks = append(blocks, block{k, j, colours[opt.Partition[rowOrder[k]]]})
			k = j
		}
		p.X.Padding, p.Y.Padding = stripW+vg.Points(3), stripW+vg.Points(3)
		if p.X.Label.Text == "" {
			p.X.Label.Text = "regions by network (see key)"
		}
		if p.Y.Label.Text == "" {
			p.Y.Label.Text = "regions by network"
		}
	}
	if len(opt.ColLabels) > 0 && len(opt.ColLabels) <= maxTickLabels && opt.Partition == nil && c > 8 {
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	for _, k := range bounds {
		at := float64(k) - 0.5
		yat := float64(r-k) - 0.5
		for _, seg := range [][2]plotter.XY{
			{{X: at, Y: -0.5}, {X: at, Y: float64(r) - 0.5}},
			{{X: -0.5, Y: yat}, {X: float64(c) - 0.5, Y: yat}},
		} {
			l, err := plotter.NewLine(plotter.XYs{seg[0], seg[1]})
			if err != nil {
				return nil, fmt.Errorf("plots: %s: %w", fn, err)
			}
			l.Color = color.Black
			l.Width = vg.Points(1.2)
			p.Add(l)
		}
	}

	cb := plot.New()
	cb.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
	cb.HideX()
	cb.Y.Label.Text = opt.ColorLabel
	cb.Y.Tick.Marker = NumberTicks{}
	cb.Y.Padding = 0
	cb.X.Padding = 0

	square := r == c
	w, h := DefaultWidth, DefaultHeight
	if leg.n > 0 {
		w, h = 8.5*vg.Inch, 5.5*vg.Inch // room for the key
	}
	f := newFigure(w, h, func(dc draw.Canvas) error {
		const barWidth = vg.Length(12)
		const gap = vg.Length(10)
		full := dc
		dc = leg.split(dc)
		// Width of the colour bar's axis, measured on a trial canvas.
		trial := dc
		inner := cb.DataCanvas(trial)
		axisW := inner.Min.X - trial.Min.X
		right := dc.Max.X - vg.Length(6)
		left := dc
		left.Max.X = right - barWidth - axisW - gap
		data := p.DataCanvas(left)
		if square {
			// Equal cell sizes: shrink the longer side of the data area.
			w, h := data.Max.X-data.Min.X, data.Max.Y-data.Min.Y
			if w > h {
				left.Max.X -= w - h
			} else {
				left.Min.Y += h - w
			}
			data = p.DataCanvas(left)
		}
		drawPlot(p, left)
		bar := dc
		bar.Min.X = data.Max.X + gap
		bar.Max.X = bar.Min.X + axisW + barWidth
		bar.Min.Y, bar.Max.Y = data.Min.Y, data.Max.Y
		in := cb.DataCanvas(bar)
		bar.Min.Y -= in.Min.Y - data.Min.Y
		bar.Max.Y += data.Max.Y - in.Max.Y
		drawPlot(cb, bar)
		for _, b := range blocks {
			x0 := data.Min.X + (data.Max.X-data.Min.X)*vg.Length(b.from)/vg.Length(c)
			x1 := data.Min.X + (data.Max.X-data.Min.X)*vg.Length(b.to)/vg.Length(c)
			y1 := data.Max.Y - (data.Max.Y-data.Min.Y)*vg.Length(b.from)/vg.Length(r)
			y0 := data.Max.Y - (data.Max.Y-data.Min.Y)*vg.Length(b.to)/vg.Length(r)
			ys, xs := data.Min.Y-vg.Points(1)-stripW, data.Min.X-vg.Points(1)-stripW
			dc.FillPolygon(b.c, []vg.Point{{X: x0, Y: ys}, {X: x1, Y: ys}, {X: x1, Y: ys + stripW}, {X: x0, Y: ys + stripW}})
			dc.FillPolygon(b.c, []vg.Point{{X: xs, Y: y0}, {X: xs + stripW, Y: y0}, {X: xs + stripW, Y: y1}, {X: xs, Y: y1}})
		}
		legAt := full
		legAt.Max.X = bar.Max.X + vg.Points(8)
		leg.draw(full, legAt, data.Max.Y)
		return nil
	})
	f.keys = leg.n
	return f, nil
}

// ColourRange is the colour scale of a heatmap whose values span [lo, hi]
// given the requested [min, max]: the request when set (min ≠ 0 or
// max ≠ 0), else the data's range, made symmetric about 0 (±max(|lo|, hi))
// when it straddles 0, so that 0 sits at the diverging map's centre. A
// constant or nearly constant range (width ≤ 1e-6·max(1, |min|, |max|),
// e.g. uniform attention, 1/16 everywhere up to rounding) is widened by
// max(1 % of |min|, 1e-6) each side: a colour map of zero width has no
// steps (gonum/plot panics when rounding steps past its maximum).
func ColourRange(lo, hi, min, max float64) (float64, float64) {
	if min == 0 && max == 0 {
		min, max = lo, hi
		if lo < 0 && hi > 0 {
			a := math.Max(-lo, hi)
			min, max = -a, a
		}
	}
	if scale := math.Max(1, math.Max(math.Abs(min), math.Abs(max))); max-min <= 1e-6*scale {
		d := math.Max(math.Abs(min)*0.01, 1e-6)
		min, max = min-d, max+d
	}
	return min, max
}

func identity(n int) []int {
	o := make([]int, n)
	for i := range o {
		o[i] = i
	}
	return o
}

// axisTicks returns the tick marker of a heatmap axis: none when a
// partition is given (its colour strip and key name the networks),
// per-token labels when there are few enough, else integer positions. On
// the flipped y axis, display position i sits at y = n−1−i.
func axisTicks(labels []string, order []int, partition []int, flip bool) plot.Ticker {
	n := len(order)
	pos := func(i float64) float64 {
		if flip {
			return float64(n-1) - i
		}
		return i
	}
	if partition != nil {
		return plot.ConstantTicks{}
	}
	if labels != nil && len(labels) <= maxTickLabels {
		ticks := make(plot.ConstantTicks, len(order))
		for i, o := range order {
			ticks[i] = plot.Tick{Value: pos(float64(i)), Label: labels[o]}
		}
		return ticks
	}
	return intTicks{n: 9, flip: flip, size: n}
}
