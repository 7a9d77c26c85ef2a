package fmri

import (
	"bytes"
	"image/color"
	"image/png"
	stdpng "image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"gonum.org/v1/gonum/mat"
)

func TestPCColours(t *testing.T) {
	// Points on a line: PC 1 orders them, so red runs 0 → 255 (or back) and
	// the other channels carry no variance beyond rounding.
	x := mat.NewDense(3, 2, []float64{0, 0, 1, 2, 2, 4})
	cols, err := PCColours(x)
	if err != nil {
		t.Fatal(err)
	}
	r0, _, _, _ := cols[0].RGBA()
	r1, _, _, _ := cols[1].RGBA()
	r2, _, _, _ := cols[2].RGBA()
	if !((r0 < r1 && r1 < r2) || (r0 > r1 && r1 > r2)) || min(r0, r2)>>8 != 0 || max(r0, r2)>>8 != 255 {
		t.Errorf("red channel %d %d %d, want a monotone 0…255 ramp", r0>>8, r1>>8, r2>>8)
	}
	if _, err := PCColours(mat.NewDense(3, 2, []float64{1, 1, 1, 1, 1, 1})); err == nil {
		t.Error("a constant table gave no error")
	}
}

func TestFigures(t *testing.T) {
	cent := [][3]float64{{-40, -80, 0}, {40, -80, 0}, {0, 50, 30}, {-20, 10, 60}}
	cols := []color.Color{color.Black, color.White, color.Black, color.White}
	png, err := BrainViews(cent, cols, "test")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Error("BrainViews did not return a PNG")
	}
	if _, err := BrainViews(cent, cols[:3], ""); err == nil {
		t.Error("3 colours for 4 centroids accepted")
	}
	p := &Partition{Regions: []Region{{Network: 1}, {Network: 2}, {Network: 1}, {Network: 9}},
		Networks: []Network{{Key: 1, Name: "A", Color: color.RGBA{1, 2, 3, 255}}, {Key: 2, Name: "B"}}}
	if c := p.NetworkColours(); c[0] != (color.RGBA{1, 2, 3, 255}) || c[3] != (color.RGBA{0x88, 0x88, 0x88, 0xff}) {
		t.Errorf("network colours %v", c)
	}
	if _, err := NetworkHeatmap(mat.NewDense(4, 3, nil), p, "x", ""); err == nil {
		t.Error("a 4 × 3 heatmap accepted")
	}
	sim := mat.NewSymDense(4, []float64{1, 0.5, 0.2, 0, 0.5, 1, 0, 0.1, 0.2, 0, 1, 0.3, 0, 0.1, 0.3, 1})
	if _, err := NetworkHeatmap(sim, p, "x", "r"); err != nil {
		t.Error(err)
	}
	if _, err := masked.Similarity(make([]float64, 8), []int{2, 4}); err == nil {
		t.Error("a PE of shape [2, 4] accepted")
	}
	rep := &ReportData{Baselines: map[string]float64{"zero_test90_mse": 1, "nbr_test90_mse": 0.8}, Summaries: []results.Summary{
		{Group: "learn-0.1", Mean: map[string]float64{"test_mse": 0.9, "test90_mse": 0.95}},
		{Group: "learn-1", Mean: map[string]float64{"test_mse": 0.95, "test90_mse": 0.97}},
		{Group: "none", Mean: map[string]float64{"test90_mse": 0.96}}}}
	fig, err := MSEFigure(rep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fig.PNG(0, 0); err != nil {
		t.Error(err)
	}
	if _, err := MSEFigure(&ReportData{}); err == nil {
		t.Error("a report without learned σ gave a figure")
	}
}

// TestMSEFigureShowsEveryControlAtBothRatios checks the panels of
// MSEFigure: a control is drawn at 50 % as at 90 % masked (before, none was
// drawn at 90 % only, hiding that it beat every learned PE at 50 %), in
// its condition's style, on one y range for both panels.
func TestMSEFigureShowsEveryControlAtBothRatios(t *testing.T) {
	rep := &ReportData{Baselines: map[string]float64{"zero_test_mse": 1, "zero_test90_mse": 1, "nbr_test90_mse": 0.8}, Summaries: []results.Summary{
		{Group: "learn-0.1", N: 2, Mean: map[string]float64{"test_mse": 0.903, "test90_mse": 0.95}},
		{Group: "learn-1", N: 2, Mean: map[string]float64{"test_mse": 0.986, "test90_mse": 0.97}},
		{Group: "none", N: 2, Mean: map[string]float64{"test_mse": 0.897, "test90_mse": 0.96}}}}
	panels, err := msePanels(rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(panels) != 2 {
		t.Fatalf("%d panels, want 50 %% and 90 %%", len(panels))
	}
	for _, pn := range panels {
		found := false
		for _, s := range pn.series {
			if s.Condition == "none" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s panel: no none line", pn.ratio)
		}
		if pn.yrange != panels[0].yrange || pn.yrange[0] > 0.897 || pn.yrange[1] < 1 {
			t.Errorf("%s panel: y range %v, want one range holding every line", pn.ratio, pn.yrange)
		}
	}
}

// TestBrainViewsKey renders the brain views with and without a colour key
// (regions coloured by network need one) and checks the image sizes; with
// PELAB_FIGURE_DIR set the PNGs are written there to look at.
func TestBrainViewsKey(t *testing.T) {
	p := &Partition{Networks: []Network{{Key: 1, Name: "Visual1", Color: color.RGBA{0, 0, 255, 255}},
		{Key: 2, Name: "Somatomotor", Color: color.RGBA{0, 255, 255, 255}}, {Key: 3, Name: "Default", Color: color.RGBA{255, 0, 0, 255}}}}
	var cent [][3]float64
	for i := range 60 {
		p.Regions = append(p.Regions, Region{Network: 1 + i%3})
		cent = append(cent, [3]float64{-70 + 140*float64(i%7)/6, -100 + 170*float64(i%11)/10, -40 + 110*float64(i%5)/4})
	}
	for _, tc := range []struct {
		name    string
		key     []plots.KeyEntry
		wantW   int // px at plots.DefaultDPI
		wantErr bool
	}{
		{"no-key", nil, 12 * plots.DefaultDPI, false},
		{"network-key", p.NetworkKey(), 14 * plots.DefaultDPI, false},
		{"unnamed-entry", []plots.KeyEntry{{Color: color.Black}}, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := BrainViews(cent, p.NetworkColours(), "regions by network", tc.key...)
			if tc.wantErr {
				if err == nil {
					t.Error("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if w := img.Bounds().Dx(); w != tc.wantW {
				t.Errorf("width %d px, want %d", w, tc.wantW)
			}
			if dir := os.Getenv("PELAB_FIGURE_DIR"); dir != "" {
				if err := os.WriteFile(filepath.Join(dir, "brain-"+tc.name+".png"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	if k := p.NetworkKey(); len(k) != 3 || k[2].Name != "Default" {
		t.Errorf("NetworkKey() = %v", k)
	}
}

func TestMeanPE(t *testing.T) {
	m, err := MeanPE([]float64{1, 2, 3, 4, 3, 4, 5, 6}, []int{2, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	if m.At(0, 0) != 2 || m.At(1, 1) != 5 {
		t.Errorf("mean %v", mat.Formatted(m))
	}
	if _, err := MeanPE([]float64{1, 2, 3}, []int{2, 2, 2}); err == nil {
		t.Errorf("a short table: no error")
	}
}

// TestNetworkHeatmapDrawsTheDiagonal checks that the diagonal of a
// similarity map is drawn as it is (1: the reddest colour), as in every
// other similarity map of pelab; before, 03's maps drew it as 0 (white)
// and the others as 1.
func TestNetworkHeatmapDrawsTheDiagonal(t *testing.T) {
	p := &Partition{Regions: []Region{{Network: 1}, {Network: 1}, {Network: 2}, {Network: 2}},
		Networks: []Network{{Key: 1, Name: "A", Color: color.RGBA{0, 0, 0, 255}}, {Key: 2, Name: "B", Color: color.RGBA{0, 0, 0, 255}}}}
	id := mat.NewDense(4, 4, []float64{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1})
	f, err := NetworkHeatmap(id, p, "identity", "cosine")
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.PNG(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	img, err := stdpng.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// Pixels as red as the top of the scale, beyond the key's own swatch:
	// the four diagonal cells are large; the colour bar alone is thin.
	reds := 0
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 150 && g>>8 < 60 && bl>>8 < 60 {
				reds++
			}
		}
	}
	if reds < bd.Dx()*bd.Dy()/100 {
		t.Errorf("%d deep red pixels of %d: the diagonal is not drawn as 1", reds, bd.Dx()*bd.Dy())
	}
}
