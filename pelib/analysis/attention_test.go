package analysis

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestMeanAttention(t *testing.T) {
	// n = 2 items, L = 2 layers, S = 3: item 0 attends to itself (identity),
	// item 1 uniformly, in layer 0; layer 1 is the reverse.
	id := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	u := []float64{1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3, 1. / 3}
	var flat []float64
	flat = append(flat, id...)
	flat = append(flat, u...)
	flat = append(flat, u...)
	flat = append(flat, id...)
	maps, err := MeanAttention(flat, 2, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(3, 3, nil)
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			want.Set(i, j, (id[3*i+j]+u[3*i+j])/2)
		}
	}
	if len(maps) != 2 || !matNear(maps[0], want, 1e-15) || !matNear(maps[1], want, 1e-15) {
		t.Errorf("MeanAttention: got %v", maps)
	}
	// Streaming in two batches gives the same mean.
	acc, _ := NewAttentionMean(2, 3)
	if err := acc.Add(flat[:18], 1); err != nil {
		t.Fatal(err)
	}
	if err := acc.Add(flat[18:], 1); err != nil {
		t.Fatal(err)
	}
	streamed, _ := acc.Mean()
	if acc.Count() != 2 || !matNear(streamed[0], maps[0], 1e-15) {
		t.Error("streamed mean differs from one-shot mean")
	}

	// Cosine of identity and uniform maps: ⟨I, U⟩ = 1, ‖I‖ = √3, ‖U‖ = 1,
	// so cos = 1/√3.
	idm, um := mat.NewDense(3, 3, id), mat.NewDense(3, 3, u)
	c, err := MapCosine(idm, um)
	if err != nil || !near(c, 1/math.Sqrt(3), 1e-12) {
		t.Errorf("MapCosine(I, U) = %v, %v; want 1/√3", c, err)
	}
	per, all, err := AttentionCosine([]*mat.Dense{idm, um}, []*mat.Dense{idm, idm})
	// Overall: ⟨·⟩ = 3 + 1 = 4, ‖a‖² = 3 + 1, ‖b‖² = 6: 4/√24.
	if err != nil || !near(per[0], 1, 1e-12) || !near(per[1], 1/math.Sqrt(3), 1e-12) || !near(all, 4/math.Sqrt(24), 1e-12) {
		t.Errorf("AttentionCosine: %v, %v, %v", per, all, err)
	}
}

func TestAttentionBadInput(t *testing.T) {
	_, err := MeanAttention(make([]float64, 17), 1, 2, 3)
	wantErr(t, "length", err, ErrShape)
	_, err = MeanAttention(make([]float64, 8), 2, 1, 2)
	wantErr(t, "two tokens", err, ErrTooFew)
	bad := make([]float64, 9)
	bad[4] = math.Inf(1)
	_, err = MeanAttention(bad, 1, 1, 3)
	wantErr(t, "inf", err, ErrNonFinite)
	acc, _ := NewAttentionMean(1, 3)
	_, err = acc.Mean()
	wantErr(t, "empty mean", err, ErrTooFew)
	_, err = MapCosine(mat.NewDense(3, 3, nil), eye(3))
	wantErr(t, "zero map", err, ErrConstant)
	_, err = MapCosine(eye(3), eye(4))
	wantErr(t, "shape", err, ErrShape)
	_, _, err = AttentionCosine([]*mat.Dense{eye(3)}, []*mat.Dense{eye(3), eye(3)})
	wantErr(t, "layers", err, ErrShape)
}
