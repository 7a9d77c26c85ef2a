package analysis

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func scaled(x []float64, c float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = v * c
	}
	return out
}

// TestScaleEdges checks the formulas that square their inputs at magnitudes
// where a plain sum of squares overflows (≥ 1e154) or underflows (≤ 1e-162):
// each is invariant under a positive scale c, so the answer must equal the
// one at c = 1, worked by hand below.
func TestScaleEdges(t *testing.T) {
	// Pearson of x = [1,2,3,5], y = [1,2,4,3]: centred x [−1.75, −.75, .25,
	// 2.25], y [−1.5, −.5, 1.5, .5]; Σ products 4.5, Σ squares 8.75 and 5,
	// so r = 4.5/√43.75 = 9/√175 ≈ 0.680336.
	x, y := []float64{1, 2, 3, 5}, []float64{1, 2, 4, 3}
	wantR := 9 / math.Sqrt(175)
	// Cosine of rows p = [3, 4], q = [4, 3]: 24/25; Euclidean distance
	// between them √2.
	p, q := []float64{3, 4}, []float64{4, 3}
	for _, c := range []float64{1, 1e160, 1e300, 1e-170, 1e-300, 1e-310} {
		if got, err := PearsonR(scaled(x, c), y); err != nil || !near(got, wantR, 1e-12) {
			t.Errorf("PearsonR(x·%g, y) = %v, %v; want %.6f", c, got, err, wantR)
		}
		if got, err := PearsonR(scaled(x, c), scaled(y, c)); err != nil || !near(got, wantR, 1e-12) {
			t.Errorf("PearsonR(x·%g, y·%g) = %v, %v; want %.6f", c, c, got, err, wantR)
		}
		if got, err := SpearmanRho(scaled(x, c), y); err != nil || !near(got, 0.8, 1e-12) {
			// ranks [1,2,3,4] and [1,2,4,3]: 1 − 6·2/(4·15) = 0.8
			t.Errorf("SpearmanRho(x·%g, y) = %v, %v; want 0.8", c, got, err)
		}
		pe := mat.NewDense(3, 2, append(append(scaled(p, c), scaled(q, c)...), scaled([]float64{1, 0}, c)...))
		sim, err := Similarity(pe, Cosine)
		if err != nil || !near(sim.At(0, 1), 24.0/25, 1e-12) || !near(sim.At(0, 2), 3.0/5, 1e-12) {
			t.Errorf("cosine similarity at scale %g: S01 = %v, S02 = %v, %v; want 24/25, 3/5", c, sim.At(0, 1), sim.At(0, 2), err)
		}
		got, err := MapCosine(mat.NewDense(1, 2, scaled(p, c)), mat.NewDense(1, 2, q))
		if err != nil || !near(got, 24.0/25, 1e-12) {
			t.Errorf("MapCosine at scale %g = %v, %v; want 24/25", c, got, err)
		}
		if c >= 1e-300 && c <= 1e300 { // √2·c itself is representable
			d, err := EuclideanDistances(mat.NewDense(3, 2, pe.RawMatrix().Data))
			if err != nil || !near(d.At(0, 1)/c, math.Sqrt2, 1e-12) {
				t.Errorf("EuclideanDistances at scale %g: %v, %v; want √2·%g", c, d.At(0, 1), err, c)
			}
		}
		// RSA between two 4×4 symmetric matrices whose upper triangles are
		// x·c ∪ [7, 11] and y ∪ [7, 11]: the same data as a Pearson test.
		if c != 1e-310 {
			a := symFromUpper(4, append(scaled(x, c), 7*c, 11*c))
			b := symFromUpper(4, append(append([]float64(nil), y...), 7, 11))
			want, _ := PearsonR(append(append([]float64(nil), x...), 7, 11), append(append([]float64(nil), y...), 7, 11))
			if got, err := RSA(a, b, Pearson); err != nil || !near(got, want, 1e-12) {
				t.Errorf("RSA at scale %g = %v, %v; want %v", c, got, err, want)
			}
			mr, err := Mantel(a, b, MantelConfig{Method: Pearson, Permutations: 50, Seed: 1})
			if err != nil || !near(mr.R, want, 1e-12) || mr.P <= 0 || mr.P > 1 {
				t.Errorf("Mantel at scale %g = %+v, %v; want r %v", c, mr, err, want)
			}
		}
	}
}

// symFromUpper builds an n×n symmetric matrix with the given strict upper
// triangle (row by row) and zero diagonal.
func symFromUpper(n int, upper []float64) *mat.SymDense {
	m := mat.NewSymDense(n, nil)
	k := 0
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			m.SetSym(i, j, upper[k])
			k++
		}
	}
	return m
}
