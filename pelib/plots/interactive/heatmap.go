package interactive

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/plots"
)

// HeatmapOptions configures Heatmap. All fields are optional.
type HeatmapOptions struct {
	// Title is Plotly pseudo-HTML (<br> breaks a line).
	Title string
	// Labels names the rows, and the columns too when the matrix is
	// square: names are shown on hover (and as ticks when at most 40);
	// groups (a square matrix only) order rows and columns by group, with
	// the boundaries drawn, a strip of group colours along the top and
	// left edges and a legend of the groups.
	Labels Labels
	// ColNames names the columns of a matrix that is not square.
	ColNames []string
	// Min and Max fix the colour range; both zero means automatic: ±max|v|
	// for data of both signs (a diverging blue–white–red scale centred on
	// 0), the data's range otherwise (a sequential scale), as
	// plots.Heatmap.
	Min, Max float64
	// ColorLabel titles the colour bar and names the value on hover;
	// default "value".
	ColorLabel string
	// ZeroDiagonal draws a square matrix's diagonal as 0 (for an FC or a
	// similarity, whose diagonal of ones would take the colour range).
	ZeroDiagonal bool
}

// maxTicks is the most names an axis shows as ticks.
const maxTicks = 40

// Heatmap draws the matrix m (an RSM, an FC, attention weights) with row 0
// at the top and equal cell sizes. Hover shows a cell's row and column
// names (with their groups) and its value to 4 significant digits; the
// colour range is stated (opt.Min, opt.Max) or computed as plots.Heatmap
// computes it, and fixed: zooming does not rescale it.
func Heatmap(m mat.Matrix, opt HeatmapOptions) (*Figure, error) {
	const fn = "Heatmap"
	if m == nil {
		return nil, fmt.Errorf("interactive: %s: no matrix", fn)
	}
	r, c := m.Dims()
	if r == 0 || c == 0 {
		return nil, fmt.Errorf("interactive: %s: empty matrix", fn)
	}
	lab := opt.Labels
	if err := lab.check(fn, r); err != nil {
		return nil, err
	}
	square := r == c
	if lab.Groups != nil && !square {
		return nil, fmt.Errorf("interactive: %s: groups need a square matrix, have %d×%d", fn, r, c)
	}
	if opt.ColNames != nil && len(opt.ColNames) != c {
		return nil, fmt.Errorf("interactive: %s: %d column names for %d columns", fn, len(opt.ColNames), c)
	}
	if opt.Min > opt.Max || !finite(opt.Min) || !finite(opt.Max) {
		return nil, fmt.Errorf("interactive: %s: colour range [%v, %v] is not a finite interval", fn, opt.Min, opt.Max)
	}
	colName := func(j int) string {
		switch {
		case opt.ColNames != nil:
			return opt.ColNames[j]
		case square:
			return lab.name(j)
		}
		return "column " + strconv.Itoa(j)
	}
	order := make([]int, r)
	for i := range order {
		order[i] = i
	}
	if lab.Groups != nil {
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(lab.Groups[a], lab.Groups[b]) })
	}
	colOrder := order
	if !square {
		colOrder = make([]int, c)
		for j := range colOrder {
			colOrder[j] = j
		}
	}
	z := make([][]float64, r)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, ri := range order {
		z[i] = make([]float64, c)
		for j, cj := range colOrder {
			v := m.At(ri, cj)
			if !finite(v) {
				return nil, fmt.Errorf("interactive: %s: m[%d,%d] = %v, want a finite value", fn, ri, cj, v)
			}
			if opt.ZeroDiagonal && square && ri == cj {
				v = 0
			}
			z[i][j] = round5(v)
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	opt.Min, opt.Max = plots.ColourRange(lo, hi, opt.Min, opt.Max)
	value := opt.ColorLabel
	if value == "" {
		value = "value"
	}
	// Hover names: "name · group" on each axis, as customdata would cost a
	// string per cell (130 000 for 360 regions); the axes are categorical,
	// so names must be distinct.
	rowNames := make([]string, r)
	for i, ri := range order {
		rowNames[i] = esc(lab.name(ri))
		if lab.Groups != nil {
			rowNames[i] += " · " + esc(lab.groupName(lab.Groups[ri]))
		}
	}
	colNames := make([]string, c)
	for j, cj := range colOrder {
		if square && opt.ColNames == nil {
			colNames[j] = rowNames[j]
		} else {
			colNames[j] = esc(colName(cj))
		}
	}
	rowNames, colNames = distinct(rowNames), distinct(colNames)
	h := &HeatmapTrace{Type: "heatmap", Z: z, ZMin: opt.Min, ZMax: opt.Max, ColorScale: colourScale(opt.Min, opt.Max),
		ColorBar:      &ColorBar{Title: &Title{Text: esc(opt.ColorLabel)}, Len: 0.9},
		HoverTemplate: "row %{y}<br>column %{x}<br>" + esc(value) + " = %{z:.4~g}<extra></extra>"}
	h.X, h.Y = colNames, rowNames
	f := &Figure{Data: []Trace{h}, Config: defaultConfig()}
	f.Layout = Layout{Height: 640, HoverMode: "closest", PlotBG: "#ffffff", Margin: &Margin{L: 80, R: 20, T: 70, B: 80}}
	if opt.Title != "" {
		f.Layout.Title = &Title{Text: opt.Title}
	}
	xa := &Axis{AutoRange: true, ShowGrid: ptr(false), ZeroLine: ptr(false), Constrain: "domain", TickAngle: ptr(-90)}
	ya := &Axis{AutoRange: "reversed", ShowGrid: ptr(false), ZeroLine: ptr(false), Constrain: "domain"}
	if square {
		ya.ScaleAnchor, ya.ScaleRatio = "x", 1
	}
	ticks := func(a *Axis, n int, name func(int) string, ord []int) {
		if n > maxTicks {
			a.ShowTickLabels = ptr(false)
			return
		}
		a.TickMode = "array"
		for i := range n {
			a.TickVals = append(a.TickVals, float64(i))
			a.TickText = append(a.TickText, esc(name(ord[i])))
		}
	}
	ticks(xa, c, colName, colOrder)
	ticks(ya, r, lab.name, order)
	f.Layout.XAxis, f.Layout.YAxis = xa, ya
	if lab.Groups != nil {
		addGroupStrips(f, lab, order)
	} else {
		f.Layout.ShowLegend = ptr(false)
	}
	return f, nil
}

// distinct makes names unique by appending " #<i>" to repeats.
func distinct(names []string) []string {
	seen := map[string]bool{}
	for i, n := range names {
		if seen[n] {
			names[i] = n + " #" + strconv.Itoa(i)
		}
		seen[names[i]] = true
	}
	return names
}

// addGroupStrips draws the group boundaries of a grouped square heatmap,
// a strip of group colours above it and left of it (in data units, just
// outside the cells, so that it zooms with them), and a legend entry per
// group (a trace with no data).
func addGroupStrips(f *Figure, lab Labels, order []int) {
	n := len(order)
	colours := lab.colours()
	edge := -0.5
	gap, w := math.Max(0.2, 0.006*float64(n)), math.Max(0.6, 0.025*float64(n))
	end := float64(n) - 0.5
	for k := 0; k < n; {
		j := k
		for j < n && lab.Groups[order[j]] == lab.Groups[order[k]] {
			j++
		}
		col := colours[lab.Groups[order[k]]]
		lo, hi := float64(k)-0.5, float64(j)-0.5
		f.Layout.Shapes = append(f.Layout.Shapes,
			Shape{Type: "rect", XRef: "x", YRef: "y", X0: lo, X1: hi, Y0: edge - gap - w, Y1: edge - gap, FillColor: col, Line: &Line{Color: col, Width: 0.5}},
			Shape{Type: "rect", XRef: "x", YRef: "y", X0: edge - gap - w, X1: edge - gap, Y0: lo, Y1: hi, FillColor: col, Line: &Line{Color: col, Width: 0.5}})
		if k > 0 {
			f.Layout.Shapes = append(f.Layout.Shapes,
				Shape{Type: "line", XRef: "x", YRef: "y", X0: lo, X1: lo, Y0: edge, Y1: end, Line: &Line{Color: "#000000", Width: 1}, Layer: "above"},
				Shape{Type: "line", XRef: "x", YRef: "y", X0: edge, X1: end, Y0: lo, Y1: lo, Line: &Line{Color: "#000000", Width: 1}, Layer: "above"})
		}
		k = j
	}
	for _, k := range lab.keys() {
		f.Data = append(f.Data, &ScatterTrace{Type: "scatter", Mode: "markers", Name: esc(lab.groupName(k)),
			X: Numbers{math.NaN()}, Y: Numbers{math.NaN()}, HoverInfo: "skip", ShowLegend: ptr(true),
			Marker: &Marker{Color: colours[k], Size: 12, Symbol: "square"}})
	}
	// Above the plot, under the title: below it, the legend covered the
	// x tick labels (turned −90°, of any length); right of it, the colour
	// bar.
	f.Layout.Legend = &Legend{Title: &Title{Text: esc(lab.groupTitle())}, Orientation: "h",
		X: ptr(0.0), Y: ptr(1.0), XAnchor: "left", YAnchor: "bottom"}
	f.Layout.Margin.T = max(f.Layout.Margin.T, 70+22*legendRows(lab))
}

// legendRows estimates the rows a horizontal group legend takes on a
// 640-px-wide view: about 7 px per character and 40 px per entry.
func legendRows(lab Labels) int {
	width := 0.0
	for _, k := range lab.keys() {
		width += 40 + 7*float64(len([]rune(lab.groupName(k))))
	}
	return int(math.Ceil(width / 600))
}

// colourScale samples the static heatmaps' colour maps (moreland's
// blue–red for a range across 0, its extended black body otherwise) at 11
// stops.
func colourScale(lo, hi float64) ColorScale {
	var cm palette.ColorMap
	if lo < 0 && hi > 0 {
		cm = moreland.SmoothBlueRed()
	} else {
		cm = moreland.ExtendedBlackBody()
	}
	cm.SetMin(0)
	cm.SetMax(1)
	const n = 11
	out := make(ColorScale, n)
	for i := range n {
		at := float64(i) / (n - 1)
		c, err := cm.At(math.Min(at, 1-1e-12))
		if err != nil { // cannot happen inside [0, 1]
			c = color.Gray{0x80}
		}
		out[i] = ColorStop{At: at, Color: hexColour(c)}
	}
	return out
}

// round5 rounds v to 5 significant digits (the JSON of a 360×360 matrix
// is then about 1 MB instead of 2.5).
func round5(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 5, 64), 64)
	return r
}

// RSM draws the cosine similarity of the tokens' PE vectors: block b of
// the PE table [L, S, D] (flat, with its shape, as sweep.ReadArtifact
// returns them), or with b < 0 the mean over blocks of each block's
// similarity (what masked.Similarity draws). The colour range is fixed at
// [−1, 1], so that every model's view can be compared with every other's.
func RSM(table []float64, shape []int, b int, lab Labels, title string) (*Figure, error) {
	const fn = "RSM"
	if len(shape) != 3 {
		return nil, fmt.Errorf("interactive: %s: PE table of shape %v, want [L, S, D]", fn, shape)
	}
	blocks, err := analysis.Blocks(table, shape[0], shape[1], shape[2])
	if err != nil {
		return nil, fmt.Errorf("interactive: %s: %w", fn, err)
	}
	if b >= len(blocks) {
		return nil, fmt.Errorf("interactive: %s: block %d outside [0, %d)", fn, b, len(blocks))
	}
	var sim *mat.SymDense
	label := "cosine similarity"
	if b < 0 {
		_, sim, err = analysis.BlockSimilarity(blocks, analysis.Cosine)
		label = "cosine similarity, mean over blocks"
	} else {
		sim, err = analysis.Similarity(blocks[b], analysis.Cosine)
	}
	if err != nil {
		return nil, fmt.Errorf("interactive: %s: %w", fn, err)
	}
	return Heatmap(sim, HeatmapOptions{Title: title, Labels: lab, Min: -1, Max: 1, ColorLabel: label})
}
