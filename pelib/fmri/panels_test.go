package fmri

import (
	"image/color"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/results"
)

// TestSimilarityPanels checks the calls behind notebook 03's similarity
// cell: the FC read back as written, two panels, and a summary that names
// the metrics in words.
func TestSimilarityPanels(t *testing.T) {
	p := &Partition{Regions: []Region{{Network: 1}, {Network: 1}, {Network: 2}, {Network: 2}},
		Networks: []Network{{Key: 1, Name: "A", Color: color.RGBA{0, 0, 255, 255}}, {Key: 2, Name: "B", Color: color.RGBA{255, 0, 0, 255}}}}
	fc := mat.NewDense(4, 4, []float64{1, .5, .1, 0, .5, 1, .2, .1, .1, .2, 1, .6, 0, .1, .6, 1})
	path := filepath.Join(t.TempDir(), "fc.npy")
	if err := masked.WriteNPY(path, fc); err != nil {
		t.Fatal(err)
	}
	back, err := ReadMatrix(path)
	if err != nil || !mat.Equal(back, fc) {
		t.Fatalf("read back %v, %v", back, err)
	}
	table := make([]float64, 2*4*3)
	for i := range table {
		table[i] = float64(i%5) - 2 + 0.1*float64(i)
	}
	rec := results.Record{Condition: "learn-0.1", Seed: 3, Final: map[string]float64{"fc_rsa": 0.4, "decode_r2": 0.9}}
	figs, err := SimilarityPanels(back, table, []int{2, 4, 3}, p, rec)
	if err != nil || len(figs) != 2 {
		t.Fatalf("%d panels, %v", len(figs), err)
	}
	if s := PESummary(rec); !strings.Contains(s, "learn-0.1 (seed 3)") || !strings.Contains(s, "ρ(PE, FC) 0.400") {
		t.Errorf("summary %q", s)
	}
}
