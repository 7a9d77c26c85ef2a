package fmri

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/sweep"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// NetworkNames maps each network key of p to its name.
func (p *Partition) NetworkNames() map[int]string {
	out := map[int]string{}
	for _, n := range p.Networks {
		out[n.Key] = n.Name
	}
	return out
}

// NetworkColours returns each region's network colour (grey for a key the
// partition does not name).
func (p *Partition) NetworkColours() []color.Color {
	out := make([]color.Color, len(p.Regions))
	for i, r := range p.Regions {
		out[i] = color.RGBA{0x88, 0x88, 0x88, 0xff}
		if n, ok := p.Network(r.Network); ok {
			out[i] = n.Color
		}
	}
	return out
}

// NetworkKey returns the colour key of the partition's networks (name and
// colour, in key order), for BrainViews of regions coloured by
// NetworkColours.
func (p *Partition) NetworkKey() []plots.KeyEntry {
	out := make([]plots.KeyEntry, len(p.Networks))
	for i, n := range p.Networks {
		out[i] = plots.KeyEntry{Name: n.Name, Color: n.Color}
	}
	return out
}

// networkColourMap maps each network key to its colour.
func (p *Partition) networkColourMap() map[int]color.Color {
	out := map[int]color.Color{}
	for _, n := range p.Networks {
		out[n.Key] = n.Color
	}
	return out
}

// NetworkHeatmap draws a square (S, S) matrix — the FC, or a PE's
// similarity — with regions grouped by network and the network boundaries
// drawn, and a strip of network colours (the partition's own, as in
// BrainViews) along both axes with a key. The diagonal is drawn as it is (1
// for a correlation or cosine similarity), as in every similarity map of
// pelab. The colour scale is fixed at ±1 (and the colour bar
// says so), so that an FC and a PE similarity drawn with it can be compared
// colour for colour; values beyond ±1 take the end colours.
func NetworkHeatmap(m mat.Matrix, p *Partition, title, colorLabel string) (*plots.Figure, error) {
	if p == nil {
		return nil, fmt.Errorf("fmri: heatmap %q: no partition", title)
	}
	r, c := m.Dims()
	if r != c {
		return nil, fmt.Errorf("fmri: heatmap %q: matrix is %d × %d, want square", title, r, c)
	}
	return plots.Heatmap(m, plots.HeatmapOptions{Title: title, Partition: p.Keys(), PartitionNames: p.NetworkNames(),
		PartitionColors: p.networkColourMap(), ColorLabel: strings.TrimSpace(colorLabel + " (scale fixed at ±1)"), Min: -1, Max: 1})
}

// MeanPE returns the mean over blocks of a PE table [L, S, D] (flat, as
// sweep.ReadArtifact returns it with its shape): the (S, D) table whose
// principal components PCColours and the brain views colour by.
func MeanPE(table []float64, shape []int) (*mat.Dense, error) {
	if len(shape) != 3 || shape[0] < 1 || len(table) != shape[0]*shape[1]*shape[2] {
		return nil, fmt.Errorf("fmri: PE table of %d values and shape %v, want [L, S, D]", len(table), shape)
	}
	L, S, D := shape[0], shape[1], shape[2]
	mean := mat.NewDense(S, D, nil)
	for l := range L {
		mean.Add(mean, mat.NewDense(S, D, table[l*S*D:(l+1)*S*D]))
	}
	mean.Scale(1/float64(L), mean)
	return mean, nil
}

// PCColours colours each row of an (S, D) table by its scores on the
// first three principal components: red, green and blue are the scores on
// PCs 1, 2, 3, each mapped linearly from its range onto [0, 1] (with fewer
// than 3 components the missing channels are 0.5).
func PCColours(table mat.Matrix) ([]color.Color, error) {
	pca, err := analysis.PrincipalComponents(table)
	if err != nil {
		return nil, fmt.Errorf("fmri: PC colours: %w", err)
	}
	S, k := pca.Scores.Dims()
	out := make([]color.Color, S)
	ch := make([][]float64, 3)
	for c := range 3 {
		ch[c] = make([]float64, S)
		if c >= k {
			for i := range ch[c] {
				ch[c][i] = 0.5
			}
			continue
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range S {
			v := pca.Scores.At(i, c)
			lo, hi = min(lo, v), max(hi, v)
		}
		for i := range S {
			ch[c][i] = 0.5
			if hi > lo {
				ch[c][i] = (pca.Scores.At(i, c) - lo) / (hi - lo)
			}
		}
	}
	for i := range out {
		out[i] = color.RGBA{uint8(255 * ch[0][i]), uint8(255 * ch[1][i]), uint8(255 * ch[2][i]), 0xff}
	}
	return out, nil
}

// brainTextPoints is the size of BrainViews' title and key text: a
// 14-inch figure shown at a notebook's width is scaled to about half, where
// the default 12 pt came out about 7 px high.
const brainTextPoints = 20

// BrainViews draws the regions' MNI centroids (mm) in three orthogonal
// views — axial (x–y, seen from above), sagittal (y–z, seen from the left)
// and coronal (x–z, seen from behind) — each point in its own colour, and
// returns the figure as PNG bytes. When the colours are categories (e.g.
// NetworkColours), pass their key (Partition.NetworkKey): it is drawn as a
// legend right of the views.
func BrainViews(centroids [][3]float64, colours []color.Color, title string, key ...plots.KeyEntry) ([]byte, error) {
	if len(centroids) == 0 || len(colours) != len(centroids) {
		return nil, fmt.Errorf("fmri: brain views: %d centroids, %d colours; want the same number ≥ 1", len(centroids), len(colours))
	}
	for i, c := range centroids {
		for _, v := range c {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("fmri: brain views: centroid %d is %v", i, c)
			}
		}
	}
	views := []struct {
		name   string
		a, b   int
		la, lb string
	}{{"axial", 0, 1, "x (mm, left → right)", "y (mm, posterior → anterior)"},
		{"sagittal", 1, 2, "y (mm, posterior → anterior)", "z (mm)"},
		{"coronal", 0, 2, "x (mm, left → right)", "z (mm)"}}
	ps := make([]*plot.Plot, len(views))
	for k, v := range views {
		p := plot.New()
		p.Title.Text = v.name
		p.X.Label.Text, p.Y.Label.Text = v.la, v.lb
		p.X.Tick.Marker, p.Y.Tick.Marker = plots.NumberTicks{}, plots.NumberTicks{}
		xy := make(plotter.XYs, len(centroids))
		for i, c := range centroids {
			xy[i] = plotter.XY{X: c[v.a], Y: c[v.b]}
		}
		sc, err := plotter.NewScatter(xy)
		if err != nil {
			return nil, fmt.Errorf("fmri: brain views: %w", err)
		}
		sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
			return draw.GlyphStyle{Color: colours[i], Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}
		}
		p.Add(sc)
		// Equal units on both axes: pad the shorter range.
		ra, rb := p.X.Max-p.X.Min, p.Y.Max-p.Y.Min
		if ra > rb {
			mid := (p.Y.Max + p.Y.Min) / 2
			p.Y.Min, p.Y.Max = mid-ra/2, mid+ra/2
		} else {
			mid := (p.X.Max + p.X.Min) / 2
			p.X.Min, p.X.Max = mid-rb/2, mid+rb/2
		}
		ps[k] = p
	}
	w, h := 12*vg.Inch, 4.4*vg.Inch
	if len(key) > 0 {
		w = 14 * vg.Inch // room for the key
	}
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(plots.DefaultDPI))
	c := draw.New(img)
	c.FillPolygon(color.White, []vg.Point{{X: 0, Y: 0}, {X: w, Y: 0}, {X: w, Y: h}, {X: 0, Y: h}})
	if title != "" {
		sty := ps[0].Title.TextStyle
		sty.Font.Size = vg.Points(brainTextPoints)
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		c.FillText(sty, vg.Point{X: w / 2, Y: h - 4}, title)
		c.Max.Y -= sty.Height(title) + 8
	}
	var legend plot.Legend
	if len(key) > 0 {
		legend = plot.NewLegend()
		legend.Top, legend.Left = true, true
		legend.TextStyle.Font.Size = vg.Points(brainTextPoints)
		legend.ThumbnailWidth = vg.Points(brainTextPoints)
		legend.Padding = vg.Points(3)
		for _, k := range key {
			if k.Name == "" || k.Color == nil {
				return nil, fmt.Errorf("fmri: brain views: key entry %q has no name or colour", k.Name)
			}
			legend.Add(k.Name, swatch{k.Color})
		}
		r := legend.Rectangle(c)
		lc := c
		lc.Max.X -= vg.Points(10)                                 // the key's text must not touch the edge
		lc.Min.X = lc.Max.X - (r.Max.X - r.Min.X) - vg.Points(24) // room for the measured width's shortfall at this size
		lc.Max.Y -= vg.Points(8)
		legend.Draw(lc)
		c.Max.X = lc.Min.X - vg.Points(10)
	}
	tiles := draw.Tiles{Rows: 1, Cols: 3, PadX: vg.Points(18), PadTop: 4, PadBottom: 4, PadLeft: 4, PadRight: 4}
	var drawErr error
	func() {
		defer func() {
			if r := recover(); r != nil {
				drawErr = fmt.Errorf("fmri: brain views: drawing failed: %v", r)
			}
		}()
		for i, p := range ps {
			tc := tiles.At(c, i, 0)
			// Square data area for equal units.
			side := min(tc.Max.X-tc.Min.X, tc.Max.Y-tc.Min.Y)
			tc.Max.X = tc.Min.X + side
			tc.Max.Y = tc.Min.Y + side
			p.Draw(tc)
		}
	}()
	if drawErr != nil {
		return nil, drawErr
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("fmri: brain views: %w", err)
	}
	return buf.Bytes(), nil
}

// MSEFigure draws the held-out MSE of the learned-σ conditions against σ
// (log axis; mean over seeds with a ± SD band, within [0, ∞)) in two
// panels on one y scale, 50 % and 90 % of the regions masked: each panel
// has every other condition at that ratio as a horizontal line in its
// style (plots.ConditionStyle: none red, random orange, sin3d dashed
// black, …) and the baselines at that ratio (predict 0, FC neighbour:
// dotted grey, their values in the legend), so a control that beats the
// learned PEs at either ratio is seen.
func MSEFigure(rep *ReportData) (*plots.Figure, error) {
	panels, err := msePanels(rep)
	if err != nil {
		return nil, err
	}
	var figs []*plots.Figure
	for _, pn := range panels {
		f, err := plots.Lines(pn.series, plots.LinesOptions{Title: "Held-out subjects, " + pn.ratio + " of regions masked",
			XLabel: "σ of the learned PE's N(0, σ²) initialisation (log scale)",
			YLabel: "MSE on masked regions (z-scored signal)", LogX: true, XTicksAtData: true,
			Levels: pn.levels, Bounds: [2]float64{0, math.Inf(1)}, YRange: pn.yrange})
		if err != nil {
			return nil, fmt.Errorf("fmri: MSE figure, %s: %w", pn.ratio, err)
		}
		figs = append(figs, f)
	}
	return plots.Row(figs...)
}

// msePanel is one panel of MSEFigure: one masking ratio.
type msePanel struct {
	ratio  string
	series []plots.Series
	levels []plots.Level
	yrange [2]float64 // shared by the panels
}

// msePanels returns MSEFigure's panels: those with data, on one y range.
func msePanels(rep *ReportData) ([]msePanel, error) {
	var sig []float64
	for _, s := range rep.Summaries {
		if v, ok := sweep.SigmaOf(s.Group); ok {
			sig = append(sig, v)
		}
	}
	if len(sig) == 0 {
		return nil, fmt.Errorf("fmri: MSE figure: no learned-σ conditions")
	}
	span := []float64{sig[0], sig[len(sig)-1]}
	if span[0] == span[1] {
		span = []float64{span[0] / 2, span[0] * 2}
	}
	type panel struct{ metric, ratio, zero, nbr string }
	panels := []panel{{"test_mse", "50 %", "zero_test_mse", "nbr_test_mse"}, {"test90_mse", "90 %", "zero_test90_mse", "nbr_test90_mse"}}
	all := make([][]plots.Series, len(panels))
	var levels [][]plots.Level
	yr := [2]float64{math.Inf(1), math.Inf(-1)}
	widen := func(vs ...float64) {
		for _, v := range vs {
			yr[0], yr[1] = min(yr[0], v), max(yr[1], v)
		}
	}
	for pi, pn := range panels {
		learned := plots.Series{Name: "learned PE (mean ± SD)", Condition: "learned"}
		hasSD := true
		for _, sm := range rep.Summaries {
			v, ok := sweep.SigmaOf(sm.Group)
			m, ok2 := sm.Mean[pn.metric]
			if !ok || !ok2 {
				continue
			}
			sd, ok3 := sm.SD[pn.metric]
			hasSD = hasSD && ok3
			learned.X, learned.Mean, learned.SD = append(learned.X, v), append(learned.Mean, m), append(learned.SD, sd)
			widen(m-sd, m+sd)
		}
		if !hasSD {
			learned.SD, learned.Name = nil, "learned PE (mean)"
		}
		var series []plots.Series
		if len(learned.X) > 0 {
			series = append(series, learned)
		}
		for _, sm := range rep.Summaries {
			if _, ok := sweep.SigmaOf(sm.Group); ok {
				continue
			}
			if v, ok := sm.Mean[pn.metric]; ok {
				series = append(series, plots.Series{Name: fmt.Sprintf("%s (n = %d)", sm.Group, sm.N), Condition: sm.Group, X: span, Mean: []float64{v, v}})
				widen(v)
			}
		}
		var lv []plots.Level
		for _, b := range []struct{ key, name string }{{pn.zero, "baseline: predict 0"}, {pn.nbr, "baseline: FC neighbour"}} {
			if v, ok := rep.Baselines[b.key]; ok {
				lv = append(lv, plots.Level{Name: fmt.Sprintf("%s (%.3f)", b.name, v), Y: v})
				widen(v)
			}
		}
		all[pi], levels = series, append(levels, lv)
	}
	pad := 0.04 * (yr[1] - yr[0])
	yr = [2]float64{max(yr[0]-pad, 0), yr[1] + pad}
	var out []msePanel
	for pi, pn := range panels {
		if len(all[pi]) > 0 {
			out = append(out, msePanel{ratio: pn.ratio, series: all[pi], levels: levels[pi], yrange: yr})
		}
	}
	return out, nil
}

// swatch is a legend thumbnail: a disc of one colour, as the regions are
// drawn.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	r := min(c.Max.X-c.Min.X, c.Max.Y-c.Min.Y) / 2
	c.DrawGlyph(draw.GlyphStyle{Color: s.c, Radius: r * 0.8, Shape: draw.CircleGlyph{}},
		vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: (c.Min.Y + c.Max.Y) / 2})
}
