package plots

import (
	"bytes"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// vgimgCanvas is a 6×4.5 in image canvas.
func vgimgCanvas(t *testing.T) vg.CanvasSizer {
	t.Helper()
	return vgimg.New(DefaultWidth, DefaultHeight)
}

// figureFixtures returns one small figure of each kind the package makes,
// with the number of legend or key entries each must show.
func figureFixtures(t *testing.T) []struct {
	name string
	fig  func() (*Figure, error)
	keys int
} {
	rng := rand.New(rand.NewPCG(1, 2))
	// 360 regions in 12 networks of uneven size, some tiny (the fMRI case
	// whose network names overprinted).
	sizes := []int{54, 2, 38, 56, 6, 23, 77, 8, 20, 50, 4, 22}
	names := []string{"Visual1", "Visual2", "Somatomotor", "Cingulo-Opercular", "Dorsal-Attention", "Language",
		"Frontoparietal", "Auditory", "Default", "Posterior-Multimodal", "Ventral-Multimodal", "Orbito-Affective"}
	var part []int
	partNames := map[int]string{}
	for k, s := range sizes {
		partNames[k+1] = names[k]
		for range s {
			part = append(part, k+1)
		}
	}
	n := len(part)
	fc := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			v := 0.1 * rng.NormFloat64()
			if part[i] == part[j] {
				v += 0.4
			}
			fc.Set(i, j, v)
		}
	}
	sweep23 := []float64{0.01, 0.05}
	for i := 1; i <= 20; i++ {
		sweep23 = append(sweep23, float64(i)/10)
	}
	sweep23 = append(sweep23, 3)
	ramp23 := make([]float64, len(sweep23))
	for i := range ramp23 {
		ramp23[i] = 90 - 3*float64(i)
	}
	cells := mat.NewDense(16, 16, nil)
	labels := make([]string, 16)
	for i := range 16 {
		labels[i] = strconv.Itoa(i/4) + "," + strconv.Itoa(i%4)
		for j := range 16 {
			cells.Set(i, j, rng.Float64()/8)
		}
	}
	sigma := []float64{0.1, 0.5, 1, 2}
	var dist, corr []float64
	for i := range 64 {
		for j := i + 1; j < 64; j++ {
			d := math.Hypot(float64(i%8-j%8), float64(i/8-j/8))
			dist, corr = append(dist, d), append(corr, math.Exp(-d)+0.05*rng.NormFloat64())
		}
	}
	// A 4×4 layout on a tiny range (3.0 to 3.9): the sinnd panel whose
	// ticks read "3, 3, 3".
	small := mat.NewDense(16, 2, nil)
	rows := make([]int, 16)
	for i := range 16 {
		small.Set(i, 0, 3+0.3*float64(i%4))
		small.Set(i, 1, 3.2+0.25*float64(i/4))
		rows[i] = i / 4
	}
	// A 4×4×4 grid coloured by x₁: the x₂–x₃ view puts the four layers on
	// the same spots.
	grid3 := mat.NewDense(64, 3, nil)
	layers := make([]int, 64)
	for i := range 64 {
		grid3.Set(i, 0, float64(i/16))
		grid3.Set(i, 1, float64(i/4%4))
		grid3.Set(i, 2, float64(i%4))
		layers[i] = i / 16
	}
	return []struct {
		name string
		fig  func() (*Figure, error)
		keys int
	}{
		{"heatmap-networks", func() (*Figure, error) {
			return Heatmap(fc, HeatmapOptions{Title: "Group FC", Partition: part, PartitionNames: partNames, ColorLabel: "Pearson r"})
		}, 12},
		{"heatmap-cells", func() (*Figure, error) {
			return Heatmap(cells, HeatmapOptions{Title: "attention", RowLabels: labels, ColLabels: labels, ColorLabel: "weight", Min: 0, Max: 0.125})
		}, 0},
		{"heatmap-unlabelled", func() (*Figure, error) {
			return Heatmap(mat.NewDense(3, 50, nil), HeatmapOptions{Title: "zeros"})
		}, 0},
		{"lines-log-sigma", func() (*Figure, error) {
			return Lines([]Series{
				{Name: "learned", X: sigma, Mean: []float64{0.8, 0.82, 0.85, 0.9}, SD: []float64{0.01, 0.02, 0.01, 0.01}},
				{Name: "sinnd", X: []float64{0.1, 2}, Mean: []float64{0.88, 0.88}, Reference: true},
			}, LinesOptions{Title: "held-out MSE against σ", XLabel: "σ", YLabel: "MSE", LogX: true, XTicksAtData: true})
		}, 2},
		{"lines-chance", func() (*Figure, error) {
			return Lines([]Series{
				{Name: "pelab", X: sigma, Mean: []float64{26, 25, 25.5, 24}, SD: []float64{1, 1, 1, 1}},
				{Name: "paper", X: sigma, Mean: []float64{92, 94, 89, 37}, Reference: true},
			}, LinesOptions{Title: "accuracy", XLabel: "σ", YLabel: "%", XTicksAtData: true, Levels: []Level{{Name: "chance (25 %)", Y: 25}}})
		}, 3},
		{"lines-23-sigmas", func() (*Figure, error) {
			// The paper's σ sweep on a linear axis: labels once overprinted.
			return Lines([]Series{{Name: "learned", X: sweep23, Mean: ramp23}, {Name: "paper", X: sweep23, Mean: ramp23, Reference: true}},
				LinesOptions{Title: "accuracy against σ", XLabel: "σ", YLabel: "%", XTicksAtData: true})
		}, 2},
		{"lines-23-sigmas-log", func() (*Figure, error) {
			return Lines([]Series{{Name: "learned", X: sweep23, Mean: ramp23}},
				LinesOptions{Title: "RSA against σ", XLabel: "σ", YLabel: "ρ", LogX: true, XTicksAtData: true})
		}, 1},
		{"scatter-fit-many", func() (*Figure, error) {
			return ScatterFit(dist, corr, FitOptions{Title: "correlation against distance", XLabel: "distance", YLabel: "r"})
		}, 2},
		{"scatter-fit-few", func() (*Figure, error) {
			return ScatterFit([]float64{0.1, 0.4, 0.5, 0.9}, []float64{1, 3, 2, 5}, FitOptions{PointLabels: []string{"a", "b", "c", "d"}})
		}, 2},
		{"embedding-2d-small-range", func() (*Figure, error) {
			return Embedding2D(small, EmbeddingOptions{Title: "sinnd", Groups: rows})
		}, 4},
		{"embedding-2d-collapsed", func() (*Figure, error) {
			// A PE aligned to the grid with a fitted scale near 0 (the 2D
			// sinusoid): every point at (3.5, 3.5) to 1e-12 — the axes once
			// read "3.5000000000" at every tick.
			c := mat.NewDense(16, 2, nil)
			for i := range 16 {
				c.Set(i, 0, 3.5+1e-12*float64(i))
				c.Set(i, 1, 3.5)
			}
			return Embedding2D(c, EmbeddingOptions{Title: "collapsed", Groups: rows})
		}, 4},
		{"embedding-2d-framed", func() (*Figure, error) {
			c := mat.NewDense(16, 2, nil)
			frame := mat.NewDense(16, 2, nil)
			for i := range 16 {
				c.Set(i, 0, 1.5+0.01*float64(i%4))
				c.Set(i, 1, 1.5+0.01*float64(i/4))
				frame.Set(i, 0, float64(i%4))
				frame.Set(i, 1, float64(i/4))
			}
			return Embedding2D(c, EmbeddingOptions{Title: "framed by the grid", Groups: rows, Frame: frame})
		}, 4},
		{"embedding-3d-grid", func() (*Figure, error) {
			return Embedding3D(grid3, EmbeddingOptions{Title: "layout", Groups: layers})
		}, 4},
	}
}

// tickBox is the extent of one tick label along its axis, in points.
type tickBox struct {
	label  string
	lo, hi vg.Length
}

// axisBoxes returns the tick labels of a drawn axis and their extents
// along the axis, from the ticker (for the axis's final range) and the
// label style's font metrics.
func axisBoxes(a *plot.Axis, dc draw.Canvas, vertical bool) []tickBox {
	var out []tickBox
	sty := a.Tick.Label
	for _, tk := range a.Tick.Marker.Ticks(a.Min, a.Max) {
		if tk.Label == "" || tk.Value < a.Min || tk.Value > a.Max {
			continue
		}
		w, h := sty.Width(tk.Label), sty.Height(tk.Label)
		if math.Abs(math.Sin(sty.Rotation)) > 0.5 {
			w, h = h, w
		}
		var at, size vg.Length
		if vertical {
			at, size = dc.Y(a.Norm(tk.Value)), h
		} else {
			at, size = dc.X(a.Norm(tk.Value)), w
		}
		out = append(out, tickBox{tk.Label, at - size/2, at + size/2})
	}
	slices.SortFunc(out, func(a, b tickBox) int { return int(a.lo - b.lo) })
	return out
}

// TestFigures renders every kind of figure on small fixtures and checks
// what makes it readable: the PNG's size, a legend or key where there are
// categories, and on every axis distinct tick labels whose text boxes do
// not overlap. With PELAB_FIGURE_DIR set, the PNGs are also written there
// (to look at).
func TestFigures(t *testing.T) {
	dir := os.Getenv("PELAB_FIGURE_DIR")
	for _, tc := range figureFixtures(t) {
		t.Run(tc.name, func(t *testing.T) {
			type drawn struct {
				p *plot.Plot
				c draw.Canvas
			}
			var plots []drawn
			drawHook = func(p *plot.Plot, c draw.Canvas) { plots = append(plots, drawn{p, c}) }
			defer func() { drawHook = nil }()
			f, err := tc.fig()
			if err != nil {
				t.Fatal(err)
			}
			data, err := f.PNG(0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if dir != "" {
				if err := os.WriteFile(filepath.Join(dir, tc.name+".png"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			wantW := int(math.Round(float64(f.Width/vg.Inch) * float64(f.DPI)))
			wantH := int(math.Round(float64(f.Height/vg.Inch) * float64(f.DPI)))
			if b := img.Bounds(); b.Dx() != wantW || b.Dy() != wantH {
				t.Errorf("image is %d×%d px, want %d×%d", b.Dx(), b.Dy(), wantW, wantH)
			}
			if f.keys != tc.keys {
				t.Errorf("legend or key has %d entries, want %d", f.keys, tc.keys)
			}
			if len(plots) == 0 {
				t.Fatal("no plot was drawn")
			}
			for k, d := range plots {
				dc := d.p.DataCanvas(d.c)
				for _, ax := range []struct {
					name     string
					a        *plot.Axis
					vertical bool
				}{{"x", &d.p.X, false}, {"y", &d.p.Y, true}} {
					boxes := axisBoxes(ax.a, dc, ax.vertical)
					seen := map[string]bool{}
					for i, b := range boxes {
						if seen[b.label] {
							t.Errorf("plot %d, %s axis: tick label %q appears twice", k, ax.name, b.label)
						}
						seen[b.label] = true
						if i > 0 && boxes[i-1].hi > b.lo {
							t.Errorf("plot %d, %s axis: tick labels %q and %q overlap", k, ax.name, boxes[i-1].label, b.label)
						}
					}
				}
			}
		})
	}
}

// TestNumberTicks checks NumberTicks' labels: one precision per axis, the
// fewest decimals that read back as the values, no "-0".
func TestNumberTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []string
	}{
		{-100, 80, []string{"-80", "0", "80"}},
		{-0.5, 3.5, []string{"-0.5", "0.5", "1.5", "2.5", "3.5"}},
		{2.9, 4.0, []string{"3.0", "3.5", "4.0"}},
		{0, 1, []string{"0.0", "0.5", "1.0"}},
	} {
		var got []string
		for _, tk := range (NumberTicks{}).Ticks(tc.lo, tc.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("NumberTicks(%g, %g) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}

// TestFormatP checks that p-values are written as bounds below 0.001.
func TestFormatP(t *testing.T) {
	for _, tc := range []struct {
		p    float64
		want string
	}{{0, "p < 0.001"}, {1e-30, "p < 0.001"}, {0.00099, "p < 0.001"}, {0.001, "p = 0.001"}, {0.0312, "p = 0.031"}, {0.5, "p = 0.5"}, {1, "p = 1"}, {math.NaN(), "p = n/a"}} {
		if got := FormatP(tc.p); got != tc.want {
			t.Errorf("FormatP(%g) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// TestScatterFitTrendFollowsData checks that, for a curved relation, the
// trend line leaves about half of the points on either side (a straight
// least-squares line ran below most of them).
func TestScatterFitTrendFollowsData(t *testing.T) {
	var x, y []float64
	for i := range 400 {
		d := 1 + float64(i%10)
		x, y = append(x, d), append(y, math.Exp(-d)+0.01*float64(i%7-3))
	}
	line, _ := fitLine(x, y)
	at := func(v float64) float64 { // piecewise-linear trend at v
		for k := 1; k < len(line); k++ {
			if v <= line[k].X {
				f := (v - line[k-1].X) / (line[k].X - line[k-1].X)
				return line[k-1].Y + f*(line[k].Y-line[k-1].Y)
			}
		}
		return line[len(line)-1].Y
	}
	above := 0
	for i := range x {
		if y[i] > at(x[i]) {
			above++
		}
	}
	if frac := float64(above) / float64(len(x)); frac < 0.3 || frac > 0.7 {
		t.Errorf("%.0f %% of points above the trend, want 30–70 %%", 100*frac)
	}
}

// TestAxisBoxesSeeOverlap checks the overlap test itself: network names at
// the centres of small blocks (what the heat maps drew before) overlap.
func TestAxisBoxesSeeOverlap(t *testing.T) {
	p := newPlot("", "", "")
	p.X.Min, p.X.Max = 0, 360
	p.X.Tick.Marker = plot.ConstantTicks{{Value: 100, Label: "Dorsal-Attention"}, {Value: 106, Label: "Language"}}
	c := draw.New(vgimgCanvas(t))
	boxes := axisBoxes(&p.X, p.DataCanvas(c), false)
	if len(boxes) != 2 || boxes[0].hi <= boxes[1].lo {
		t.Errorf("boxes %v: want two overlapping", boxes)
	}
}
