package lst

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/npy"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"gonum.org/v1/gonum/mat"
)

// TestAttentionFigures checks that saved attention maps become one panel
// per record with the artifact, on one colour scale, and that bad inputs
// are errors naming the record.
func TestAttentionFigures(t *testing.T) {
	store, err := results.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const L, H = 2, 1
	write := func(id string, v float64, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float64, n)
		for i := range data {
			data[i] = v * float64(i%Tokens) / Tokens
		}
		p := sweep.ArtifactPath(store, id, "attn")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := npy.Write(p, data, shape...); err != nil {
			t.Fatal(err)
		}
	}
	write("a", 1, L, H, Tokens, Tokens)
	write("b", 0.5, L, H, Tokens, Tokens)
	write("bad", 1, L, H, Tokens, 8)
	recs := []results.Record{{ID: "a", Condition: "learn-0.1", Seed: 1}, {ID: "none", Condition: "none", Seed: 1}, {ID: "b", Condition: "learn-2", Seed: 1}}
	figs, err := AttentionFigures(store, recs, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != 2 {
		t.Fatalf("%d figures, want 2 (one record has no maps)", len(figs))
	}
	for _, f := range figs {
		if _, err := f.PNG(0, 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		recs []results.Record
		b    int
		want string
	}{
		{[]results.Record{{ID: "none"}}, -1, "none of 1 records has saved attention maps"},
		{[]results.Record{{ID: "bad"}}, -1, "attention of bad: shape [2 1 16 8]"},
		{[]results.Record{{ID: "a"}}, 2, "attention of a: block 2 of 2"},
	} {
		if _, err := AttentionFigures(store, tc.recs, tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
}

// TestAttentionHeatmapShowsDeparture checks that a nearly uniform
// attention map (weights 1/16 ± 0.003, as a quick model's) is drawn with
// contrast: on the old scale from 0 to the largest weight its cells took
// almost one colour (the black squares); as the departure from
// 1/16 its lowest and highest cells take opposite ends of the scale.
func TestAttentionHeatmapShowsDeparture(t *testing.T) {
	m := mat.NewDense(Tokens, Tokens, nil)
	for i := range Tokens {
		for j := range Tokens {
			m.Set(i, j, 1.0/Tokens+0.003*math.Sin(float64(i*Tokens+j)))
		}
	}
	f, err := attentionHeatmap(m, attentionDeviation(m), "t", "one scale")
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.PNG(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	// The reddest and the bluest pixel: both ends of the diverging scale.
	red, blue := 0, 0
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			r, _, bl, _ := img.At(x, y).RGBA()
			red, blue = max(red, int(r>>8)-int(bl>>8)), max(blue, int(bl>>8)-int(r>>8))
		}
	}
	if red < 100 || blue < 100 {
		t.Errorf("strongest red %d, blue %d: the map has no contrast", red, blue)
	}
}
