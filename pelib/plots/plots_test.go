package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pelab/pelab/pelib/analysis"
)

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// sinusoid2D is the LST ground-truth PE: a fixed 2D sinusoid of width d over
// the 4×4 grid (column channels first, then row channels).
func sinusoid2D(d int) *mat.Dense {
	half := d / 2
	pe := mat.NewDense(16, d, nil)
	for t := 0; t < 16; t++ {
		row, col := float64(t/4), float64(t%4)
		for k := 0; k < half/2; k++ {
			w := math.Pow(10000, -2*float64(k)/float64(half))
			pe.Set(t, 2*k, math.Sin(col*w))
			pe.Set(t, 2*k+1, math.Cos(col*w))
			pe.Set(t, half+2*k, math.Sin(row*w))
			pe.Set(t, half+2*k+1, math.Cos(row*w))
		}
	}
	return pe
}

func tokenNames() []string {
	names := make([]string, 16)
	for t := range names {
		names[t] = fmt.Sprintf("r%dc%d", t/4, t%4)
	}
	return names
}

// partitioned returns an n×n similarity with nets networks (interleaved
// token order) and the partition.
func partitioned(n, nets int) (*mat.SymDense, []int) {
	rng := rand.New(rand.NewPCG(1, 2))
	labels := make([]int, n)
	for i := range labels {
		labels[i] = (i * 7) % nets
	}
	w := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		w.SetSym(i, i, 1)
		for j := i + 1; j < n; j++ {
			v := 0.1 * rng.NormFloat64()
			if labels[i] == labels[j] {
				v += 0.6
			}
			w.SetSym(i, j, v)
		}
	}
	return w, labels
}

// gallery builds one figure of each kind.
func gallery(t *testing.T) map[string]*Figure {
	t.Helper()
	pe := sinusoid2D(160)
	sim, err := analysis.Similarity(pe, analysis.Cosine)
	if err != nil {
		t.Fatal(err)
	}
	w, labels := partitioned(60, 4)
	pca, err := analysis.PrincipalComponents(pe)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]int, 16)
	for i := range rows {
		rows[i] = i / 4
	}
	cube := mat.NewDense(27, 3, nil)
	cubeGroups := make([]int, 27)
	for i := 0; i < 27; i++ {
		x, y, z := float64(i/9), float64(i/3%3), float64(i%3)
		cube.SetRow(i, []float64{x + 0.2*z, y + 0.15*x, z - 0.1*y}) // a sheared cube
		cubeGroups[i] = i / 9
	}
	sigma := []float64{0.1, 0.2, 0.5, 1, 1.4, 2}
	runsA := [][]float64{{95, 96, 94, 88, 66, 38}, {93, 97, 95, 90, 60, 35}, {97, 94, 96, 87, 70, 42}}
	runsB := [][]float64{{98, 98, 98, 97, 92, 84}, {99, 98, 99, 98, 93, 86}}
	sa, err := SeriesOverSeeds("validation", sigma, runsA, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := SeriesOverSeeds("test (900)", sigma, runsB, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	ref := Series{Name: "2d-fixed", X: []float64{0.1, 2}, Mean: []float64{97.65, 97.65}, Reference: true}
	dist := []float64{2.1, 2.4, 3.0, 4.2, 6.5, 9.0, 10.1}
	acc := []float64{95, 96, 93, 89, 66, 40, 37}

	figs := map[string]*Figure{}
	add := func(name string, f *Figure, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		figs[name] = f
	}
	f, err := Heatmap(sim, HeatmapOptions{Title: "2d-fixed PE: cosine similarity", XLabel: "token", YLabel: "token",
		RowLabels: tokenNames(), ColLabels: tokenNames(), ColorLabel: "cosine"})
	add("heatmap_tokens", f, err)
	f, err = Heatmap(w, HeatmapOptions{Title: "similarity ordered by network", Partition: labels,
		PartitionNames: map[int]string{0: "visual", 1: "motor", 2: "DMN", 3: "FPN"}, ColorLabel: "similarity"})
	add("heatmap_partition", f, err)
	f, err = Heatmap(pe, HeatmapOptions{Title: "PE table", XLabel: "channel", YLabel: "token"})
	add("heatmap_table", f, err)
	names := map[int]string{0: "row 0", 1: "row 1", 2: "row 2", 3: "row 3"}
	f, err = Embedding2D(pca.Scores, EmbeddingOptions{Title: "2d-fixed PE: top-2 principal axes",
		AxisLabels: []string{"PC 1", "PC 2"}, Groups: rows, GroupNames: names, PointLabels: tokenNames()})
	add("embedding2d", f, err)
	f, err = Embedding3D(cube, EmbeddingOptions{Title: "3×3×3 layout", Groups: cubeGroups})
	add("embedding3d", f, err)
	f, err = Lines([]Series{sa, sb, ref}, LinesOptions{Title: "accuracy vs init σ", XLabel: "σ", YLabel: "accuracy (%)"})
	add("lines", f, err)
	f, err = ScatterFit(dist, acc, FitOptions{Title: "Procrustes distance predicts generalisation",
		XLabel: "Procrustes distance to 2d-fixed", YLabel: "validation accuracy (%)",
		PointLabels: []string{"0.1", "0.2", "0.5", "1.0", "1.4", "1.8", "2.0"}})
	add("scatter_fit", f, err)
	return figs
}

func TestRenderPNGAndSVG(t *testing.T) {
	for name, f := range gallery(t) {
		png, err := f.PNG(0, 0)
		if err != nil {
			t.Fatalf("%s PNG: %v", name, err)
		}
		if len(png) < 1000 || !bytes.HasPrefix(png, pngMagic) {
			t.Errorf("%s: PNG of %d bytes, header %q", name, len(png), png[:min(8, len(png))])
		}
		svg, err := f.SVG(0, 0)
		if err != nil {
			t.Fatalf("%s SVG: %v", name, err)
		}
		if len(svg) < 1000 || !bytes.Contains(svg[:min(200, len(svg))], []byte("<svg")) || !bytes.HasSuffix(bytes.TrimSpace(svg), []byte("</svg>")) {
			t.Errorf("%s: SVG of %d bytes does not look like SVG", name, len(svg))
		}
		// Rendering twice gives the same bytes (no state kept between renders).
		again, _ := f.PNG(0, 0)
		if !bytes.Equal(png, again) {
			t.Errorf("%s: second PNG render differs", name)
		}
	}
	// Size and DPI set the PNG's pixel size: 3in × 2in at 100 DPI.
	f := gallery(t)["lines"]
	f.DPI = 100
	png, err := f.PNG(216, 144)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := pngSize(png); w != 300 || h != 200 {
		t.Errorf("PNG size %d×%d, want 300×200", w, h)
	}
}

// pngSize reads the width and height from a PNG's IHDR chunk.
func pngSize(b []byte) (w, h int) {
	be := func(x []byte) int { return int(x[0])<<24 | int(x[1])<<16 | int(x[2])<<8 | int(x[3]) }
	return be(b[16:20]), be(b[20:24])
}

func TestSave(t *testing.T) {
	dir := t.TempDir()
	f := gallery(t)["scatter_fit"]
	for _, name := range []string{"a.png", "b.svg", "c.pdf"} {
		path := filepath.Join(dir, name)
		if err := f.Save(path); err != nil {
			t.Fatalf("Save %s: %v", name, err)
		}
		b, err := os.ReadFile(path)
		if err != nil || len(b) < 1000 {
			t.Errorf("Save %s: %d bytes, %v", name, len(b), err)
		}
	}
	if err := f.Save(filepath.Join(dir, "d.bmp")); err == nil || !strings.Contains(err.Error(), "unknown format") {
		t.Errorf("Save .bmp: %v, want unknown format", err)
	}
	if err := f.Save(filepath.Join(dir, "missing", "e.png")); err == nil {
		t.Error("Save into a missing folder succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("folder holds %d entries after saves, want 3 (no temp files left)", len(entries))
	}
}

func TestBadInput(t *testing.T) {
	nan := mat.NewDense(3, 3, []float64{1, 0, 0, 0, math.NaN(), 0, 0, 0, 1})
	sq := mat.NewDense(3, 3, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1})
	rect := mat.NewDense(3, 2, nil)
	s := Series{Name: "s", X: []float64{1, 2}, Mean: []float64{1, 2}}
	tests := []struct {
		name string
		err  func() error
	}{
		{"heatmap-nan", func() error { _, err := Heatmap(nan, HeatmapOptions{}); return err }},
		{"heatmap-nil", func() error { _, err := Heatmap(nil, HeatmapOptions{}); return err }},
		{"heatmap-row-labels", func() error { _, err := Heatmap(sq, HeatmapOptions{RowLabels: []string{"a"}}); return err }},
		{"heatmap-partition-size", func() error { _, err := Heatmap(sq, HeatmapOptions{Partition: []int{0, 1}}); return err }},
		{"heatmap-partition-rect", func() error { _, err := Heatmap(rect, HeatmapOptions{Partition: []int{0, 1, 1}}); return err }},
		{"heatmap-range", func() error { _, err := Heatmap(sq, HeatmapOptions{Min: 1, Max: -1}); return err }},
		{"embed2d-one-column", func() error { _, err := Embedding2D(mat.NewDense(3, 1, nil), EmbeddingOptions{}); return err }},
		{"embed3d-two-columns", func() error { _, err := Embedding3D(rect, EmbeddingOptions{}); return err }},
		{"embed-groups", func() error { _, err := Embedding2D(rect, EmbeddingOptions{Groups: []int{1}}); return err }},
		{"embed-labels", func() error { _, err := Embedding2D(rect, EmbeddingOptions{PointLabels: []string{"a"}}); return err }},
		{"embed-nan", func() error { _, err := Embedding2D(nan, EmbeddingOptions{}); return err }},
		{"lines-none", func() error { _, err := Lines(nil, LinesOptions{}); return err }},
		{"lines-mismatch", func() error {
			_, err := Lines([]Series{{Name: "x", X: []float64{1, 2}, Mean: []float64{1}}}, LinesOptions{})
			return err
		}},
		{"lines-nan", func() error {
			_, err := Lines([]Series{{Name: "x", X: []float64{1, 2}, Mean: []float64{1, math.NaN()}}}, LinesOptions{})
			return err
		}},
		{"lines-negative-sd", func() error {
			_, err := Lines([]Series{{Name: "x", X: []float64{1, 2}, Mean: []float64{1, 2}, SD: []float64{1, -1}}}, LinesOptions{})
			return err
		}},
		{"lines-logx-zero", func() error {
			_, err := Lines([]Series{{Name: "x", X: []float64{0, 2}, Mean: []float64{1, 2}}}, LinesOptions{LogX: true})
			return err
		}},
		{"seeds-ragged", func() error {
			_, err := SeriesOverSeeds("x", []float64{1, 2}, [][]float64{{1, 2}, {1}}, math.Inf(-1), math.Inf(1))
			return err
		}},
		{"seeds-none", func() error {
			_, err := SeriesOverSeeds("x", []float64{1, 2}, nil, math.Inf(-1), math.Inf(1))
			return err
		}},
		{"fit-constant", func() error { _, err := ScatterFit([]float64{1, 2, 3}, []float64{4, 4, 4}, FitOptions{}); return err }},
		{"fit-two-points", func() error { _, err := ScatterFit([]float64{1, 2}, []float64{1, 2}, FitOptions{}); return err }},
		{"fit-labels", func() error {
			_, err := ScatterFit([]float64{1, 2, 3}, []float64{1, 3, 2}, FitOptions{PointLabels: []string{"a"}})
			return err
		}},
		{"render-format", func() error {
			f, _ := Lines([]Series{s}, LinesOptions{})
			_, err := f.Render("gif", 0, 0)
			return err
		}},
		{"render-size", func() error {
			f, _ := Lines([]Series{s}, LinesOptions{})
			_, err := f.PNG(-1, 10)
			return err
		}},
		{"render-nil", func() error { var f *Figure; _, err := f.PNG(0, 0); return err }},
	}
	for _, tc := range tests {
		if err := tc.err(); err == nil {
			t.Errorf("%s: no error", tc.name)
		} else if !strings.HasPrefix(err.Error(), "plots: ") {
			t.Errorf("%s: error %q lacks the package prefix", tc.name, err)
		}
	}
	// A constant matrix still renders (the colour range is widened).
	f, err := Heatmap(mat.NewDense(3, 3, nil), HeatmapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.PNG(0, 0); err != nil {
		t.Errorf("constant heatmap: %v", err)
	}
}

// TestWriteGallery writes every gallery figure as PNG and SVG into the
// folder named by $PELAB_PLOTS_DIR, for looking at them; it is skipped when
// the variable is unset.
func TestWriteGallery(t *testing.T) {
	dir := os.Getenv("PELAB_PLOTS_DIR")
	if dir == "" {
		t.Skip("set PELAB_PLOTS_DIR to write the figure gallery")
	}
	for name, f := range gallery(t) {
		for _, ext := range []string{".png", ".svg"} {
			if err := f.Save(filepath.Join(dir, name+ext)); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestHeatmapNearlyConstant: a matrix equal to 1/16 up to rounding (uniform
// attention) once made gonum/plot's palette panic.
func TestHeatmapNearlyConstant(t *testing.T) {
	m := mat.NewDense(16, 16, nil)
	for i := range 16 {
		for j := range 16 {
			m.Set(i, j, 1.0/16+float64((i*16+j)%3)*1e-17)
		}
	}
	fig, err := Heatmap(m, HeatmapOptions{Title: "uniform"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fig.PNG(0, 0); err != nil {
		t.Fatal(err)
	}
	// A range whose palette steps once rounded past the maximum (a real
	// attention map: nearly 0 to nearly 1).
	m.Set(0, 0, 7.6956712607372745e-11)
	m.Set(1, 1, 0.99962785508897567)
	if _, err := Heatmap(m, HeatmapOptions{Title: "attention"}); err != nil {
		t.Fatal(err)
	}
}

// TestLabelPNG checks that a labelled figure is the figure with a banner of
// the label's colour above it: taller, the same width, the figure's pixels
// unchanged below the banner and dark red text pixels in it.
func TestLabelPNG(t *testing.T) {
	f, err := Lines([]Series{{Name: "a", X: []float64{0, 1}, Mean: []float64{0, 1}}}, LinesOptions{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.PNG(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	l, err := LabelPNG(p, "SMOKE RUN — not results: a label long enough to wrap onto a second line in a figure of this width, and more words")
	if err != nil {
		t.Fatal(err)
	}
	src, _ := png.Decode(bytes.NewReader(p))
	out, err := png.Decode(bytes.NewReader(l))
	if err != nil {
		t.Fatal(err)
	}
	sb, ob := src.Bounds(), out.Bounds()
	if ob.Dx() != sb.Dx() || ob.Dy() <= sb.Dy()+20 {
		t.Fatalf("labelled %v, figure %v: want the same width and a banner of ≥ 20 px above", ob, sb)
	}
	off := ob.Dy() - sb.Dy()
	for _, pt := range []image.Point{{sb.Dx() / 2, sb.Dy() / 2}, {10, 10}, {sb.Dx() - 5, sb.Dy() - 5}} {
		r1, g1, b1, _ := src.At(pt.X, pt.Y).RGBA()
		r2, g2, b2, _ := out.At(pt.X, pt.Y+off).RGBA()
		if r1 != r2 || g1 != g2 || b1 != b2 {
			t.Errorf("pixel %v changed under the banner", pt)
		}
	}
	red := 0
	for y := 0; y < off; y++ {
		for x := 0; x < ob.Dx(); x++ {
			r, g, b, _ := out.At(x, y).RGBA()
			if r>>8 > 0x80 && g>>8 < 0x60 && b>>8 < 0x60 {
				red++
			}
		}
	}
	if red < 200 {
		t.Errorf("%d dark red pixels in the banner: the label is not drawn", red)
	}
}
