package analysis

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestPCAKnown(t *testing.T) {
	// Points (±1, 0), (0, ±2): column variances (divisor n−1 = 3) are 2/3
	// and 8/3, so the axes are y then x with ratios 0.8 and 0.2, and the
	// participation ratio is (10/3)² / ((8/3)² + (2/3)²) = 100/68.
	x := mat.NewDense(4, 2, []float64{1, 0, -1, 0, 0, 2, 0, -2})
	pca, err := PrincipalComponents(x)
	if err != nil {
		t.Fatal(err)
	}
	if !near(pca.Variances[0], 8.0/3, 1e-12) || !near(pca.Variances[1], 2.0/3, 1e-12) {
		t.Errorf("variances %v, want [8/3 2/3]", pca.Variances)
	}
	if !near(pca.Ratios[0], 0.8, 1e-12) || !near(pca.Ratios[1], 0.2, 1e-12) {
		t.Errorf("ratios %v, want [0.8 0.2]", pca.Ratios)
	}
	if !near(math.Abs(pca.Axes.At(1, 0)), 1, 1e-12) {
		t.Errorf("first axis %v, want ±(0, 1)", mat.Col(nil, 0, pca.Axes))
	}
	if !near(math.Abs(pca.Scores.At(2, 0)), 2, 1e-12) {
		t.Errorf("score of (0, 2) on axis 1: %g, want ±2", pca.Scores.At(2, 0))
	}
	ed, err := EffectiveDimension(x)
	if err != nil || !near(ed, 100.0/68, 1e-12) {
		t.Errorf("EffectiveDimension %v, %v; want %v", ed, err, 100.0/68)
	}
}

func TestEffectiveDimensionIsotropic(t *testing.T) {
	for _, k := range []int{1, 2, 3, 5, 8} {
		// Exact: the 2k points ±e_i have covariance ∝ I_k; embedded by a
		// random rotation into 20 dimensions, the participation ratio is k.
		pts := mat.NewDense(2*k, k, nil)
		for i := 0; i < k; i++ {
			pts.Set(2*i, i, 1)
			pts.Set(2*i+1, i, -1)
		}
		if 2*k < minTokens {
			pts = mat.NewDense(4, 1, []float64{1, -1, 1, -1})
		}
		pe := embed(uint64(k), pts, 20, 1)
		ed, err := EffectiveDimension(pe)
		if err != nil || !near(ed, float64(k), 1e-9) {
			t.Errorf("k = %d, exact: ED %v, %v", k, ed, err)
		}
		// Sampled: 4000 Gaussian points in k of 30 dimensions.
		g := embed(uint64(10+k), randn(newRNG(uint64(k)), 4000, k), 30, 1)
		ed, err = EffectiveDimension(g)
		if err != nil || !near(ed, float64(k), 0.05*float64(k)) {
			t.Errorf("k = %d, sampled: ED %v, %v; want ≈ %d", k, ed, err, k)
		}
	}
	for _, tc := range []struct {
		eig  []float64
		want float64
	}{
		{[]float64{1, 1, 1, 1}, 4},
		{[]float64{5, 0, 0}, 1},
		{[]float64{3, 1}, 16.0 / 10},
		{[]float64{2, 1, -1e-14}, 9.0 / 5},
		// Scale invariance at the edges of float64: (Σλ)²/Σλ² of k equal
		// values is k, of (3c, c) is 16/10, whatever c.
		{[]float64{1e200, 1e200}, 2},
		{[]float64{1e-300, 1e-300}, 2},
		{[]float64{3e300, 1e300}, 16.0 / 10},
		{[]float64{3e-310, 1e-310}, 16.0 / 10}, // subnormal
		{[]float64{math.MaxFloat64, math.MaxFloat64, math.MaxFloat64}, 3},
	} {
		got, err := ParticipationRatio(tc.eig)
		if err != nil || !near(got, tc.want, 1e-12) {
			t.Errorf("ParticipationRatio(%v) = %v, %v; want %v", tc.eig, got, err, tc.want)
		}
	}
	_, err := ParticipationRatio([]float64{1, -0.5})
	wantErr(t, "negative eigenvalue", err, ErrInvalid)
	_, err = ParticipationRatio([]float64{0, 0})
	wantErr(t, "zero spectrum", err, ErrConstant)
	_, err = EffectiveDimension(mat.NewDense(4, 3, []float64{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}))
	wantErr(t, "identical rows", err, ErrConstant)
	_, err = PrincipalComponents(nanMatrix())
	wantErr(t, "nan", err, ErrNonFinite)
}

func TestClassicalMDSRecoversConfiguration(t *testing.T) {
	for _, k := range []int{2, 3} {
		x := randn(newRNG(uint64(k)), 12, k)
		d, err := EuclideanDistances(x)
		if err != nil {
			t.Fatal(err)
		}
		y, eig, err := ClassicalMDS(d, k)
		if err != nil {
			t.Fatal(err)
		}
		xc, _ := centre(x)
		res, err := Procrustes(y, xc)
		if err != nil {
			t.Fatal(err)
		}
		if res.Distance > 1e-9 {
			t.Errorf("k = %d: Procrustes distance of MDS to the centred truth %g, want 0", k, res.Distance)
		}
		if len(eig) != 12 || eig[k] > 1e-9*eig[0] {
			t.Errorf("k = %d: eigenvalues %v, want %d positive then ≈ 0", k, eig, k)
		}
	}
	// Manhattan distances on a grid are not Euclidean: negative eigenvalues.
	grid, _ := GridCoords(3, 3)
	dm, _ := ManhattanDistances(grid)
	_, eig, err := ClassicalMDS(dm, 2)
	if err != nil {
		t.Fatal(err)
	}
	if eig[len(eig)-1] >= -1e-9 {
		t.Errorf("Manhattan grid: smallest eigenvalue %g, want negative", eig[len(eig)-1])
	}
}

func TestClassicalMDSBadInput(t *testing.T) {
	planar := randn(newRNG(1), 6, 2)
	d, _ := EuclideanDistances(planar)
	diag := mat.NewSymDense(3, []float64{1, 1, 1, 1, 0, 1, 1, 1, 0})
	neg := mat.NewSymDense(3, []float64{0, -1, 1, -1, 0, 1, 1, 1, 0})
	tests := []struct {
		name   string
		d      mat.Symmetric
		k      int
		target error
	}{
		{"k-beyond-rank", d, 3, ErrInvalid},
		{"k-zero", d, 0, ErrInvalid},
		{"nonzero-diagonal", diag, 1, ErrInvalid},
		{"negative", neg, 1, ErrInvalid},
		{"all-zero", mat.NewSymDense(4, nil), 1, ErrConstant},
		{"two-tokens", mat.NewSymDense(2, []float64{0, 1, 1, 0}), 1, ErrTooFew},
		{"nil", nil, 1, ErrShape},
	}
	for _, tc := range tests {
		_, _, err := ClassicalMDS(tc.d, tc.k)
		wantErr(t, tc.name, err, tc.target)
	}
}
