package analysis

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func TestCorrelateKnown(t *testing.T) {
	// Worked by hand. x = [1, 2, 2, 3] ranks [1, 2.5, 2.5, 4]; y = [1, 3, 2, 4]
	// ranks [1, 3, 2, 4]. Centred: [−1.5, 0, 0, 1.5] and [−1.5, .5, −.5, 1.5];
	// Σ products 4.5, Σ squares 4.5 and 5, so ρ = 4.5/√22.5 = 3/√10.
	// Kendall: of the 6 pairs 5 are concordant, 0 discordant, 1 tied in x
	// only, so τ_b = 5/√((6−1)(6−0)) = 5/√30.
	x := []float64{1, 2, 2, 3}
	y := []float64{1, 3, 2, 4}
	tests := []struct {
		name string
		x, y []float64
		m    Method
		want float64
	}{
		{"spearman-ties", x, y, Spearman, 3 / math.Sqrt(10)},
		{"kendall-tau-b-ties", x, y, Kendall, 5 / math.Sqrt(30)},
		// Pearson of x, y: centred x [−1, 0, 0, 1], y [−1.5, .5, −.5, 1.5]:
		// 3 / √(2 · 5).
		{"pearson", x, y, Pearson, 3 / math.Sqrt(10)},
		// Spearman is rank-based: a monotone transform leaves it at 1.
		{"spearman-monotone", []float64{1, 2, 3, 4, 5}, []float64{1, 8, 27, 64, 125}, Spearman, 1},
		{"kendall-reversed", []float64{1, 2, 3, 4}, []float64{9, 7, 5, 1}, Kendall, -1},
		// Ties in both: x = [1,1,2,2], y = [1,2,1,2]: n_c = 1 (pair 0-3),
		// n_d = 1 (pair 1-2), so τ_b = 0; ranks are uncorrelated, ρ = 0.
		{"kendall-both-ties", []float64{1, 1, 2, 2}, []float64{1, 2, 1, 2}, Kendall, 0},
		{"spearman-both-ties", []float64{1, 1, 2, 2}, []float64{1, 2, 1, 2}, Spearman, 0},
	}
	for _, tc := range tests {
		got, err := Correlate(tc.x, tc.y, tc.m)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !near(got, tc.want, 1e-12) {
			t.Errorf("%s: got %.15g, want %.15g", tc.name, got, tc.want)
		}
	}
	if r := Ranks([]float64{10, 20, 20, 30, 20}); !near(r[1], 3, 0) || !near(r[4], 3, 0) || r[3] != 5 || r[0] != 1 {
		t.Errorf("Ranks with a triple tie: got %v, want [1 3 3 5 3]", r)
	}
}

// kendallBrute is the O(n²) definition of τ_b, to check the O(n log n) one.
func kendallBrute(x, y []float64) float64 {
	var nc, nd, tx, ty, n0 float64
	for i := range x {
		for j := i + 1; j < len(x); j++ {
			n0++
			dx, dy := x[i]-x[j], y[i]-y[j]
			if dx == 0 {
				tx++
			}
			if dy == 0 {
				ty++
			}
			switch {
			case dx*dy > 0:
				nc++
			case dx*dy < 0:
				nd++
			}
		}
	}
	return (nc - nd) / math.Sqrt((n0-tx)*(n0-ty))
}

func TestKendallMatchesDefinition(t *testing.T) {
	rng := newRNG(3)
	for trial := 0; trial < 20; trial++ {
		n := 5 + rng.IntN(200)
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			// Few distinct values, so ties are frequent in both.
			x[i] = float64(rng.IntN(7))
			y[i] = float64(rng.IntN(5)) + 0.3*x[i]
		}
		got, err := KendallTauB(x, y)
		if err != nil {
			t.Fatal(err)
		}
		if want := kendallBrute(x, y); !near(got, want, 1e-12) {
			t.Fatalf("trial %d (n=%d): fast τ_b %.15g, definition %.15g", trial, n, got, want)
		}
	}
}

func TestCorrelateBadInput(t *testing.T) {
	tests := []struct {
		name   string
		x, y   []float64
		m      Method
		target error
	}{
		{"constant-x", []float64{2, 2, 2, 2}, []float64{1, 2, 3, 4}, Spearman, ErrConstant},
		{"constant-y-pearson", []float64{1, 2, 3}, []float64{5, 5, 5}, Pearson, ErrConstant},
		{"constant-y-kendall", []float64{1, 2, 3}, []float64{5, 5, 5}, Kendall, ErrConstant},
		{"nan", []float64{1, math.NaN(), 3}, []float64{1, 2, 3}, Pearson, ErrNonFinite},
		{"inf", []float64{1, 2, 3}, []float64{1, math.Inf(1), 3}, Kendall, ErrNonFinite},
		{"mismatch", []float64{1, 2, 3}, []float64{1, 2}, Spearman, ErrShape},
		{"too-few", []float64{1, 2}, []float64{2, 1}, Spearman, ErrTooFew},
		{"unknown", []float64{1, 2, 3}, []float64{1, 2, 3}, Method(9), ErrInvalid},
	}
	for _, tc := range tests {
		_, err := Correlate(tc.x, tc.y, tc.m)
		wantErr(t, tc.name, err, tc.target)
	}
}

// randomDistances returns the Euclidean distance matrix of s random points
// in 2D.
func randomDistances(t *testing.T, seed uint64, s int) (*mat.Dense, *mat.SymDense) {
	t.Helper()
	x := randn(newRNG(seed), s, 2)
	d, err := EuclideanDistances(x)
	if err != nil {
		t.Fatal(err)
	}
	return x, d
}

func TestRSAKnown(t *testing.T) {
	a := mat.NewSymDense(4, []float64{0, 1, 2, 3, 1, 0, 4, 5, 2, 4, 0, 6, 3, 5, 6, 0})
	// b's upper triangle is the square of a's: Spearman 1, Pearson < 1.
	b := mat.NewSymDense(4, nil)
	for i := 0; i < 4; i++ {
		for j := i + 1; j < 4; j++ {
			b.SetSym(i, j, a.At(i, j)*a.At(i, j))
		}
	}
	rho, err := RSA(a, b, Spearman)
	if err != nil || !near(rho, 1, 1e-12) {
		t.Errorf("RSA Spearman of a and a²: %v, %v; want 1", rho, err)
	}
	r, err := RSA(a, b, Pearson)
	want := stat.Correlation([]float64{1, 2, 3, 4, 5, 6}, []float64{1, 4, 9, 16, 25, 36}, nil)
	if err != nil || !near(r, want, 1e-12) {
		t.Errorf("RSA Pearson: %v, %v; want %v", r, err, want)
	}
	ut, err := UpperTriangle(a)
	if err != nil || len(ut) != 6 || ut[0] != 1 || ut[5] != 6 {
		t.Errorf("UpperTriangle: %v, %v; want [1 2 3 4 5 6]", ut, err)
	}
}

func TestMantel(t *testing.T) {
	// Related: b is a noisy monotone transform of a's distances.
	const s = 12
	_, da := randomDistances(t, 1, s)
	db := mat.NewSymDense(s, nil)
	noise := newRNG(2)
	for i := 0; i < s; i++ {
		for j := i + 1; j < s; j++ {
			db.SetSym(i, j, math.Exp(-da.At(i, j))+0.05*noise.NormFloat64())
		}
	}
	for _, m := range []Method{Spearman, Pearson, Kendall} {
		res, err := Mantel(da, db, MantelConfig{Method: m, Permutations: 499, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		if res.R > -0.7 || res.P > 0.01 {
			t.Errorf("%v, related matrices: r = %.3f, p = %.4f; want strongly negative r and p ≤ 0.01", m, res.R, res.P)
		}
		one, _ := Mantel(da, db, MantelConfig{Method: m, Permutations: 499, Seed: 7, Tail: Less})
		if one.P > 0.01 {
			t.Errorf("%v, one-sided (Less): p = %.4f, want ≤ 0.01", m, one.P)
		}
		wrong, _ := Mantel(da, db, MantelConfig{Method: m, Permutations: 499, Seed: 7, Tail: Greater})
		if wrong.P < 0.9 {
			t.Errorf("%v, wrong-side (Greater): p = %.4f, want near 1", m, wrong.P)
		}
	}

	// Unrelated: independent layouts. Under the null, p is about uniform:
	// its mean over many pairs is near 0.5 and few pairs fall below 0.05.
	var sum float64
	small := 0
	const pairs = 30
	for k := 0; k < pairs; k++ {
		_, a := randomDistances(t, uint64(100+2*k), 10)
		_, b := randomDistances(t, uint64(101+2*k), 10)
		res, err := Mantel(a, b, MantelConfig{Permutations: 199, Seed: uint64(k)})
		if err != nil {
			t.Fatal(err)
		}
		sum += res.P
		if res.P < 0.05 {
			small++
		}
	}
	if mean := sum / pairs; mean < 0.35 || mean > 0.65 || small > 5 {
		t.Errorf("unrelated matrices: mean p = %.3f, %d of %d below 0.05; want mean ≈ 0.5 and few small", mean, small, pairs)
	}

	// Same seed, same p; the default permutation count is 999.
	r1, _ := Mantel(da, db, MantelConfig{Seed: 5})
	r2, _ := Mantel(da, db, MantelConfig{Seed: 5})
	if r1 != r2 || r1.Permutations != 999 {
		t.Errorf("Mantel not reproducible or wrong default: %+v vs %+v", r1, r2)
	}
}

func TestRSABadInput(t *testing.T) {
	_, d4 := randomDistances(t, 1, 4)
	_, d5 := randomDistances(t, 1, 5)
	d3 := mat.NewSymDense(3, []float64{0, 1, 2, 1, 0, 3, 2, 3, 0})
	constant := mat.NewSymDense(4, nil)
	asym := mat.NewDense(4, 4, nil)
	asym.Set(0, 1, 1)
	nan := mat.DenseCopyOf(d4)
	nan.Set(1, 2, math.NaN())
	nan.Set(2, 1, math.NaN())
	tests := []struct {
		name   string
		a, b   mat.Matrix
		target error
	}{
		{"size-mismatch", d4, d5, ErrShape},
		{"constant", d4, constant, ErrConstant},
		{"asymmetric", d4, asym, ErrInvalid},
		{"nan", d4, nan, ErrNonFinite},
		{"non-square", d4, mat.NewDense(4, 3, nil), ErrShape},
		{"two-tokens", mat.NewSymDense(2, nil), mat.NewSymDense(2, nil), ErrTooFew},
	}
	for _, tc := range tests {
		_, err := RSA(tc.a, tc.b, Spearman)
		wantErr(t, "RSA "+tc.name, err, tc.target)
		_, err = Mantel(tc.a, tc.b, MantelConfig{Permutations: 9})
		wantErr(t, "Mantel "+tc.name, err, tc.target)
		_, err = BootstrapRSA(tc.a, tc.b, BootstrapConfig{Samples: 20})
		wantErr(t, "BootstrapRSA "+tc.name, err, tc.target)
	}
	_, err := Mantel(d3, d3, MantelConfig{})
	wantErr(t, "Mantel 3 tokens", err, ErrTooFew)
	_, err = Mantel(d4, d4, MantelConfig{Permutations: -1})
	wantErr(t, "Mantel negative permutations", err, ErrInvalid)
	_, err = BootstrapRSA(d4, d4, BootstrapConfig{Level: 1.5})
	wantErr(t, "bootstrap level", err, ErrInvalid)
}

func TestBootstrap(t *testing.T) {
	const s = 15
	_, da := randomDistances(t, 11, s)
	db := mat.NewSymDense(s, nil)
	noise := newRNG(12)
	for i := 0; i < s; i++ {
		for j := i + 1; j < s; j++ {
			db.SetSym(i, j, da.At(i, j)+0.3*noise.NormFloat64())
		}
	}
	cfg := BootstrapConfig{Samples: 400, Seed: 1}
	iv, err := BootstrapRSA(da, db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	est, _ := RSA(da, db, Spearman)
	if iv.Estimate != est || !(iv.Lo < est && est < iv.Hi) || iv.Lo < 0.3 || iv.Hi > 1 {
		t.Errorf("BootstrapRSA: %+v; want Lo < %.3f < Hi, Lo > 0.3", iv, est)
	}
	again, _ := BootstrapRSA(da, db, cfg)
	other, _ := BootstrapRSA(da, db, BootstrapConfig{Samples: 400, Seed: 2})
	if again != iv || other == iv {
		t.Errorf("BootstrapRSA seeding: same seed %+v vs %+v, other seed %+v", iv, again, other)
	}

	// Mean of n normal values: the 95 % interval is close to x̄ ± 1.96 s/√n.
	x := make([]float64, 200)
	rng := newRNG(4)
	for i := range x {
		x[i] = 10 + 2*rng.NormFloat64()
	}
	bm, err := BootstrapMean(x, BootstrapConfig{Samples: 4000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	mean, sd := stat.MeanStdDev(x, nil)
	half := 1.96 * sd / math.Sqrt(float64(len(x)))
	if !near(bm.Estimate, mean, 1e-12) || !near(bm.Hi-bm.Lo, 2*half, 0.15*2*half) || !near((bm.Lo+bm.Hi)/2, mean, 0.2*half) {
		t.Errorf("BootstrapMean: %+v; want about %.3f ± %.3f", bm, mean, half)
	}
	_, err = BootstrapMean([]float64{1}, BootstrapConfig{})
	wantErr(t, "BootstrapMean one value", err, ErrTooFew)
	_, err = BootstrapMean([]float64{1, math.NaN()}, BootstrapConfig{})
	wantErr(t, "BootstrapMean NaN", err, ErrNonFinite)
}
