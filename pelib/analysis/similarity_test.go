package analysis

import (
	"errors"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestSimilarityKnown(t *testing.T) {
	h := 1 / math.Sqrt2
	r := 3 * math.Sqrt(3.0/28) // corr([1,2,3], [1,2,4]) worked by hand
	tests := []struct {
		name string
		pe   *mat.Dense
		m    Measure
		want *mat.SymDense
	}{
		{"cosine", mat.NewDense(3, 2, []float64{1, 0, 0, 2, 3, 3}), Cosine,
			mat.NewSymDense(3, []float64{1, 0, h, 0, 1, h, h, h, 1})},
		{"correlation", mat.NewDense(3, 3, []float64{1, 2, 3, 3, 2, 1, 1, 2, 4}), Correlation,
			mat.NewSymDense(3, []float64{1, -1, r, -1, 1, -r, r, -r, 1})},
		{"cosine-negative", mat.NewDense(3, 2, []float64{1, 1, -2, -2, 1, -1}), Cosine,
			mat.NewSymDense(3, []float64{1, -1, 0, -1, 1, 0, 0, 0, 1})},
	}
	for _, tc := range tests {
		got, err := Similarity(tc.pe, tc.m)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !matNear(got, tc.want, 1e-12) {
			t.Errorf("%s: got\n%v\nwant\n%v", tc.name, mat.Formatted(got), mat.Formatted(tc.want))
		}
	}
}

func TestSimilarityBadInput(t *testing.T) {
	tests := []struct {
		name   string
		pe     mat.Matrix
		m      Measure
		target error
	}{
		{"zero-row", mat.NewDense(3, 2, []float64{1, 0, 0, 0, 1, 1}), Cosine, ErrConstant},
		{"constant-row", mat.NewDense(3, 3, []float64{1, 2, 3, 5, 5, 5, 1, 0, 0}), Correlation, ErrConstant},
		{"one-channel-corr", mat.NewDense(3, 1, []float64{1, 2, 3}), Correlation, ErrShape},
		{"nan", nanMatrix(), Cosine, ErrNonFinite},
		{"two-tokens", mat.NewDense(2, 2, []float64{1, 0, 0, 1}), Cosine, ErrTooFew},
		{"unknown-measure", mat.NewDense(3, 2, []float64{1, 0, 0, 1, 1, 1}), Measure(7), ErrInvalid},
		{"nil", nil, Cosine, ErrShape},
	}
	for _, tc := range tests {
		_, err := Similarity(tc.pe, tc.m)
		wantErr(t, tc.name, err, tc.target)
	}
}

func TestBlockSimilarity(t *testing.T) {
	// Two blocks of 3 tokens × 2 channels, row-major [L, S, D].
	flat := []float64{
		1, 0, 0, 1, 1, 1, // block 0
		1, 0, 1, 0, 0, 1, // block 1
	}
	blocks, err := Blocks(flat, 2, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	per, mean, err := BlockSimilarity(blocks, Cosine)
	if err != nil {
		t.Fatal(err)
	}
	h := 1 / math.Sqrt2
	want0 := mat.NewSymDense(3, []float64{1, 0, h, 0, 1, h, h, h, 1})
	want1 := mat.NewSymDense(3, []float64{1, 1, 0, 1, 1, 0, 0, 0, 1})
	wantMean := mat.NewSymDense(3, []float64{1, 0.5, h / 2, 0.5, 1, h / 2, h / 2, h / 2, 1})
	if !matNear(per[0], want0, 1e-12) || !matNear(per[1], want1, 1e-12) {
		t.Errorf("per-block similarity wrong:\n%v\n%v", mat.Formatted(per[0]), mat.Formatted(per[1]))
	}
	if !matNear(mean, wantMean, 1e-12) {
		t.Errorf("mean similarity: got\n%v\nwant\n%v", mat.Formatted(mean), mat.Formatted(wantMean))
	}

	if _, err := Blocks(flat, 2, 3, 3); err == nil {
		t.Error("Blocks: wrong length accepted")
	}
	if _, err := Blocks(flat, 0, 3, 2); err == nil {
		t.Error("Blocks: zero axis accepted")
	}
	_, _, err = BlockSimilarity([]*mat.Dense{blocks[0], mat.NewDense(3, 3, nil)}, Cosine)
	wantErr(t, "mismatched blocks", err, ErrShape)
	_, _, err = BlockSimilarity(nil, Cosine)
	wantErr(t, "no blocks", err, ErrTooFew)
}

func TestDistancesKnown(t *testing.T) {
	grid, err := GridCoords(2, 2) // tokens (0,0) (0,1) (1,0) (1,1)
	if err != nil {
		t.Fatal(err)
	}
	r2 := math.Sqrt2
	eu, err := EuclideanDistances(grid)
	if err != nil {
		t.Fatal(err)
	}
	wantEu := mat.NewSymDense(4, []float64{0, 1, 1, r2, 1, 0, r2, 1, 1, r2, 0, 1, r2, 1, 1, 0})
	if !matNear(eu, wantEu, 1e-12) {
		t.Errorf("Euclidean: got\n%v", mat.Formatted(eu))
	}
	mh, err := ManhattanDistances(grid)
	if err != nil {
		t.Fatal(err)
	}
	wantMh := mat.NewSymDense(4, []float64{0, 1, 1, 2, 1, 0, 2, 1, 1, 2, 0, 1, 2, 1, 1, 0})
	if !matNear(mh, wantMh, 1e-12) {
		t.Errorf("Manhattan: got\n%v", mat.Formatted(mh))
	}

	// Path 0 –1– 1 –2– 2, plus a long edge 0 –5– 2 and 2 –1– 3.
	w := mat.NewSymDense(4, []float64{
		0, 1, 5, 0,
		1, 0, 2, 0,
		5, 2, 0, 1,
		0, 0, 1, 0,
	})
	gd, err := GraphDistances(w)
	if err != nil {
		t.Fatal(err)
	}
	wantGd := mat.NewSymDense(4, []float64{0, 1, 3, 4, 1, 0, 2, 3, 3, 2, 0, 1, 4, 3, 1, 0})
	if !matNear(gd, wantGd, 1e-12) {
		t.Errorf("GraphDistances: got\n%v", mat.Formatted(gd))
	}
}

func TestDistancesBadInput(t *testing.T) {
	disconnected := mat.NewSymDense(4, []float64{0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0})
	negative := mat.NewSymDense(3, []float64{0, -1, 1, -1, 0, 1, 1, 1, 0})
	asym := mat.NewDense(3, 3, []float64{0, 1, 1, 2, 0, 1, 1, 1, 0})
	_, err := GraphDistances(disconnected)
	wantErr(t, "disconnected", err, ErrInvalid)
	_, err = GraphDistances(negative)
	wantErr(t, "negative", err, ErrInvalid)
	_, err = GraphDistances(asym)
	wantErr(t, "asymmetric", err, ErrInvalid)
	_, err = EuclideanDistances(nanMatrix())
	wantErr(t, "nan", err, ErrNonFinite)
	_, err = ManhattanDistances(mat.NewDense(2, 2, nil))
	wantErr(t, "two tokens", err, ErrTooFew)
	_, err = GridCoords(0, 4)
	wantErr(t, "empty grid", err, ErrShape)
}

// TestMeanBlockSimilarity checks that the similarity of a flat [L, S, D]
// PE is the mean of its blocks' similarities: two blocks of 3 tokens whose
// cosine similarities are known (block 0: tokens 0 and 1 equal, 2
// orthogonal to both; block 1: token 1 opposite to 0, 2 orthogonal).
func TestMeanBlockSimilarity(t *testing.T) {
	flat := []float64{
		1, 0, 1, 0, 0, 1, // block 0: (1,0), (1,0), (0,1)
		2, 0, -3, 0, 0, 5, // block 1: (2,0), (−3,0), (0,5)
	}
	got, err := MeanBlockSimilarity(flat, 2, 3, 2, Cosine)
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewSymDense(3, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}) // (1 + −1)/2 = 0 for tokens 0, 1
	if !matNear(got, want, 1e-12) {
		t.Errorf("mean similarity\n%v\nwant\n%v", mat.Formatted(got), mat.Formatted(want))
	}
	if _, err := MeanBlockSimilarity(flat, 2, 3, 3, Cosine); !errors.Is(err, ErrShape) {
		t.Errorf("wrong shape: err = %v, want ErrShape", err)
	}
}
