package analysis

import (
	"math"
	"testing"
)

func TestSpearmanTestExact(t *testing.T) {
	tests := []struct {
		name    string
		x, y    []float64
		rho, p  float64
		isExact bool
	}{
		// n = 4, perfectly monotone: of 24 pairings only the identity and
		// the reversal reach |ρ| = 1, so p = 2/24.
		{"n4-increasing", []float64{1, 2, 3, 4}, []float64{10, 20, 25, 90}, 1, 2.0 / 24, true},
		{"n4-decreasing", []float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}, -1, 2.0 / 24, true},
		// n = 5: 2 of 120.
		{"n5", []float64{0.1, 0.2, 0.3, 0.4, 0.5}, []float64{5, 6, 7, 8, 9}, 1, 2.0 / 120, true},
		// n = 3, ρ = 0.5 (ranks [1,2,3] vs [1,3,2]): permutations have
		// ρ ∈ {1, .5, .5, −.5, −.5, −1}, all with |ρ| ≥ .5, so p = 1.
		{"n3", []float64{1, 2, 3}, []float64{1, 3, 2}, 0.5, 1, true},
	}
	for _, tc := range tests {
		got, err := SpearmanTest(tc.x, tc.y)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !near(got.Rho, tc.rho, 1e-12) || !near(got.P, tc.p, 1e-12) || got.Exact != tc.isExact || got.N != len(tc.x) {
			t.Errorf("%s: got %+v, want ρ %v, p %v", tc.name, got, tc.rho, tc.p)
		}
	}
}

func TestSpearmanTestTApprox(t *testing.T) {
	// Textbook table value: the two-sided 5 % critical t on 8 degrees of
	// freedom is 2.306004, so ρ = t/√(t² + 8) at n = 10 has p = 0.05.
	const tc = 2.306004135
	rho := tc / math.Sqrt(tc*tc+8)
	if p := spearmanTP(rho, 10); !near(p, 0.05, 1e-6) {
		t.Errorf("t approximation at the 5%% critical value: p = %.8f, want 0.05", p)
	}
	if p := spearmanTP(0, 20); !near(p, 1, 1e-12) {
		t.Errorf("ρ = 0: p = %v, want 1", p)
	}
	// n = 12 uses the approximation; a perfect relation has p = 0.
	x := make([]float64, 12)
	y := make([]float64, 12)
	for i := range x {
		x[i] = float64(i)
		y[i] = -math.Exp(float64(i))
	}
	got, err := SpearmanTest(x, y)
	if err != nil || got.Exact || got.Rho != -1 || got.P != 0 {
		t.Errorf("n = 12 perfect: %+v, %v", got, err)
	}
	// At n = 9 the exact and approximate p agree roughly for moderate ρ.
	x9 := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	y9 := []float64{2, 1, 4, 3, 7, 5, 6, 9, 8}
	ex, err := SpearmanTest(x9, y9)
	if err != nil {
		t.Fatal(err)
	}
	if ap := spearmanTP(ex.Rho, 9); !ex.Exact || math.Abs(ap-ex.P) > 0.01 {
		t.Errorf("n = 9, ρ = %.3f: exact p %.5f vs t-approximation %.5f", ex.Rho, ex.P, ap)
	}
}

func TestSpearmanTestBadInput(t *testing.T) {
	_, err := SpearmanTest([]float64{1, 2, 3}, []float64{1, 1, 1})
	wantErr(t, "constant", err, ErrConstant)
	_, err = SpearmanTest([]float64{1, 2}, []float64{1, 2})
	wantErr(t, "two points", err, ErrTooFew)
	_, err = SpearmanTest([]float64{1, 2, math.NaN()}, []float64{1, 2, 3})
	wantErr(t, "nan", err, ErrNonFinite)
	_, err = SpearmanTest([]float64{1, 2, 3}, []float64{1, 2, 3, 4})
	wantErr(t, "mismatch", err, ErrShape)
}
