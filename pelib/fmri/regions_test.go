package fmri

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	stdpng "image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

func TestQuickConditionsHaveControls(t *testing.T) {
	conds, err := PEConditions(QuickConditions)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, c := range conds {
		have[c.Name] = true
	}
	for _, want := range []string{"none", "random", "learn-0.1", "learn-2"} {
		if !have[want] {
			t.Errorf("QuickConditions %q lacks %s", QuickConditions, want)
		}
	}
}

func TestNetworkDeltaKnown(t *testing.T) {
	part := &Partition{Networks: []Network{{Key: 1, Name: "A"}, {Key: 2, Name: "B"}, {Key: 3, Name: "C"}},
		Regions: []Region{{Network: 1}, {Network: 1}, {Network: 2}, {Network: 2}}}
	got := NetworkDelta([]float64{-1, -3, 0.5, math.NaN()}, part)
	if got[1] != -2 || got[2] != 0.5 || !math.IsNaN(got[3]) {
		t.Errorf("NetworkDelta = %v, want A −2, B 0.5 (NaN skipped), C NaN (no regions)", got)
	}
}

func TestDeltaColours(t *testing.T) {
	c := DeltaColours([]float64{-2, 0, 1, math.NaN()}, 0) // scale 2
	for i, want := range []color.RGBA{{0, 0, 0xff, 0xff}, {0xff, 0xff, 0xff, 0xff}, {0xff, 128, 128, 0xff}, {0x88, 0x88, 0x88, 0xff}} {
		if c[i] != want {
			t.Errorf("colour %d = %v, want %v", i, c[i], want)
		}
	}
}

// TestReadRegionMaps writes region maps for none (2 seeds) and learn-0.1
// (1 seed) and checks the averages, the differences and the summary.
func TestReadRegionMaps(t *testing.T) {
	store, err := results.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	part := &Partition{Networks: []Network{{Key: 1, Name: "Visual1"}, {Key: 2, Name: "Default"}},
		Regions: []Region{{Name: "L_V1_ROI", Network: 1}, {Name: "L_V2_ROI", Network: 1}, {Name: "L_PCC_ROI", Network: 2}}}
	cfg, _ := json.Marshal(map[string]any{"protocol": "quick"})
	var recs []results.Record
	put := func(cond string, seed int64, rows []float64) {
		id := fmt.Sprintf("%s-%d", cond, seed)
		recs = append(recs, results.Record{ID: id, Experiment: Experiment, Condition: cond, Seed: seed, Config: cfg, Status: results.StatusOK})
		if rows != nil {
			if err := sweep.WriteArtifact(store, id, RegionArtifact, rows, 2, 3); err != nil {
				t.Fatal(err)
			}
		}
	}
	put("none", 1, []float64{1, 1, 1, 2, 2, 2})
	put("none", 2, []float64{1, 1, 1, 2, 2, 4})
	put("learn-0.1", 1, []float64{0.5, 1, 1, 1, 2, 2})
	put("random", 1, nil) // an older record without a map
	maps, err := ReadRegionMaps(store, recs, "quick", part)
	if err != nil {
		t.Fatal(err)
	}
	if maps.Seeds["none"] != 2 || maps.Seeds["learn-0.1"] != 1 || len(maps.MSE) != 2 {
		t.Errorf("seeds %v, maps of %d conditions", maps.Seeds, len(maps.MSE))
	}
	want := [][]float64{{-0.5, 0, 0}, {-1, 0, -1}} // none's test90 map averages to 2, 2, 3
	d := maps.Delta["learn-0.1"]
	for i := range want {
		for s := range want[i] {
			if math.Abs(d[i][s]-want[i][s]) > 1e-12 {
				t.Errorf("Delta[%d][%d] = %v, want %v", i, s, d[i][s], want[i][s])
			}
		}
	}
	for _, s := range []string{"| Visual1 | 2 | -0.2500 |", "| Default | 1 | -1.0000 |", "| Visual1 | 2 | -0.5000 |",
		"- learn-0.1 (1 seeds): L_V1_ROI (Visual1) -1.000, L_PCC_ROI (Default) -1.000"} {
		if !strings.Contains(maps.Markdown, s) {
			t.Errorf("summary lacks %q:\n%s", s, maps.Markdown)
		}
	}
	if _, ok := maps.Delta["none"]; ok {
		t.Error("none compared with itself")
	}
	// Without none: maps but no differences, and a note saying why.
	maps, err = ReadRegionMaps(store, recs[2:], "quick", part)
	if err != nil || len(maps.Delta) != 0 || !strings.Contains(maps.Markdown, "not none") {
		t.Errorf("without none: %v, %d deltas, %q", err, len(maps.Delta), maps.Markdown)
	}
	// A map of the wrong shape is an error naming the record.
	if err := sweep.WriteArtifact(store, "random-1", RegionArtifact, []float64{1, 2}, 1, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRegionMaps(store, recs, "quick", part); err == nil || !strings.Contains(err.Error(), "random seed 1") {
		t.Errorf("wrong shape: %v", err)
	}
	if _, err := RegionDeltaFigure([][3]float64{{0, 0, 0}}, []float64{1, 2}, 0, "x"); err == nil {
		t.Error("a figure of 2 values for 1 region gave no error")
	}
	// The map has a key of its colour scale: the figure is drawn at the
	// width BrainViews gives a key (14 in, against 12 without).
	png, err := RegionDeltaFigure([][3]float64{{-60, -80, 0}, {60, 40, 50}, {0, 0, -40}}, []float64{-0.2, 0.05, 0}, 0, "x")
	if err != nil {
		t.Fatal(err)
	}
	withKey, err := stdpng.DecodeConfig(bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	noKey, err := BrainViews([][3]float64{{-60, -80, 0}, {60, 40, 50}, {0, 0, -40}}, DeltaColours([]float64{-0.2, 0.05, 0}, 0), "x")
	if err != nil {
		t.Fatal(err)
	}
	without, err := stdpng.DecodeConfig(bytes.NewReader(noKey))
	if err != nil {
		t.Fatal(err)
	}
	if withKey.Width <= without.Width {
		t.Errorf("region map %d px wide, a brain view without key %d: want the key's extra width", withKey.Width, without.Width)
	}
}

// TestRegionFiguresShareOneScale checks that the brain maps of the
// conditions are drawn on one colour scale, the largest |delta| of all
// (before, each map had its own: ±0.378 beside ±0.195, not comparable),
// and that the Markdown states it.
func TestRegionFiguresShareOneScale(t *testing.T) {
	cents := [][3]float64{{-60, -80, 0}, {60, 40, 50}, {0, 0, -40}}
	maps := &RegionMaps{Sets: []string{"test", "test90"}, Reference: "none", Delta: map[string][][]float64{
		"learn-0.1": {{0, 0, 0}, {-0.378, 0.1, 0}},
		"random":    {{0, 0, 0}, {0.195, -0.05, 0}},
	}}
	dir := t.TempDir()
	var warn strings.Builder
	md := regionFigures(dir, maps, cents, &warn)
	if warn.Len() > 0 {
		t.Fatal(warn.String())
	}
	if !strings.Contains(md, "one colour scale for every map, ±0.378") {
		t.Errorf("markdown %q does not state the shared scale", md)
	}
	// The same scale: the random map drawn with it is the file written,
	// and differs from the map drawn on its own scale.
	shared, err := RegionDeltaFigure(cents, maps.Delta["random"][1], 0.378, "random: held-out MSE minus none's, test90")
	if err != nil {
		t.Fatal(err)
	}
	own, err := RegionDeltaFigure(cents, maps.Delta["random"][1], 0, "random: held-out MSE minus none's, test90")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "region_delta_random.png"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, shared) || bytes.Equal(got, own) {
		t.Error("region_delta_random.png is not drawn on the shared scale")
	}
}
