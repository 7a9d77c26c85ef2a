package analysis

import (
	"math"
	"testing"
)

// TestPairedTest checks known answers: differences 1, 2, 3 (mean 2, SD 1,
// t₀.₉₇₅(2) = 4.302652729749464) and the exact sign-flip p — of the 8 sign
// assignments only +++ and −−− reach |Σ| = 6, so p = 0.25, the smallest three
// pairs allow; differences 1, −1, 2, −2 sum to 0, so every assignment
// reaches it: p = 1.
func TestPairedTest(t *testing.T) {
	r, err := PairedTest([]float64{2, 4, 6}, []float64{1, 2, 3}, 0)
	if err != nil {
		t.Fatal(err)
	}
	half := 4.302652729749464 / math.Sqrt(3)
	if r.N != 3 || r.Mean != 2 || math.Abs(r.Lo-(2-half)) > 1e-12 || math.Abs(r.Hi-(2+half)) > 1e-12 || r.P != 0.25 || !r.Exact {
		t.Errorf("PairedTest(1, 2, 3 differences) = %+v, want mean 2, CI 2 ∓ %.6f, p 0.25 exact", r, half)
	}
	r, err = PairedTest([]float64{1, -1, 2, -2}, []float64{0, 0, 0, 0}, 0)
	if err != nil || r.P != 1 {
		t.Errorf("differences summing to 0: %+v, %v; want p = 1", r, err)
	}
	// Many pairs: random flips, p small for a clear shift.
	x, y := make([]float64, 30), make([]float64, 30)
	for i := range x {
		x[i], y[i] = float64(i%7)+1, float64(i%7)
	}
	r, err = PairedTest(x, y, 1)
	if err != nil || r.Exact || r.P > 0.001 || r.P <= 0 {
		t.Errorf("30 pairs shifted by 1: %+v, %v; want a Monte Carlo p ≤ 0.001", r, err)
	}
	if _, err := PairedTest([]float64{1}, []float64{2}, 0); err == nil {
		t.Error("one pair: want an error")
	}
}
