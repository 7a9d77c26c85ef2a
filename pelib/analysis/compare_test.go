package analysis

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The fixed inputs of scripts/rsa-oracle.py: a model RDM (with ties) and
// four subjects' RDMs of 6 tokens, as strict upper triangles.
var (
	oracleModel    = []float64{1, 2, 2, 3, 4, 1.5, 2.5, 3, 3.5, 1, 2, 2.5, 1, 1.5, 0.5}
	oracleSubjects = [][]float64{
		{1.1, 2.3, 1.9, 3.2, 3.8, 1.2, 2.9, 2.7, 3.6, 1.4, 1.8, 2.2, 1.3, 1.2, 0.9},
		{0.9, 1.8, 2.4, 2.7, 4.1, 1.9, 2.2, 3.4, 3.1, 0.8, 2.5, 2.9, 0.7, 1.9, 0.6},
		{1.3, 2.0, 2.1, 3.5, 3.6, 1.4, 2.6, 3.1, 3.9, 1.2, 1.7, 2.4, 1.2, 1.1, 0.4},
		{0.8, 2.6, 1.7, 2.9, 4.4, 1.6, 2.4, 2.8, 3.3, 1.1, 2.2, 2.6, 1.0, 1.7, 0.8},
	}
)

// fromTriangle is the symmetric S×S matrix with upper triangle u and zero
// diagonal.
func fromTriangle(u []float64) *mat.SymDense {
	S := int(math.Round((1 + math.Sqrt(1+8*float64(len(u)))) / 2))
	m := mat.NewSymDense(S, nil)
	k := 0
	for i := range S {
		for j := i + 1; j < S; j++ {
			m.SetSym(i, j, u[k])
			k++
		}
	}
	return m
}

// TestComparatorsAgainstOracle checks every comparator and the noise
// ceiling against scripts/rsa-oracle.py (numpy 1.24.2, scipy 1.10.1 from
// Debian; the definitions rsatoolbox documents, computed independently:
// τ_a pair by pair, the whitened cosine with V built densely and solved).
func TestComparatorsAgainstOracle(t *testing.T) {
	want := []struct {
		m                  Method
		compare, low, high float64
	}{
		{Spearman, 0.938666389399097, 0.917025208966760, 0.950841738228727},
		{Pearson, 0.959437028996990, 0.933497838135946, 0.962738117531669},
		{Kendall, 0.840672807476708, 0.781001933197860, 0.849140359906435},
		{KendallTauA, 0.800000000000000, 0.771428571428571, 0.842857142857143},
		{RDMCosine, 0.992568035395336, 0.988109780275964, 0.993316346226200},
		{RDMWhitenedCosine, 0.976680808318289, 0.965233268291654, 0.980511521475246},
	}
	data := make([]mat.Matrix, len(oracleSubjects))
	for i, s := range oracleSubjects {
		data[i] = fromTriangle(s)
	}
	for _, w := range want {
		got, err := RSA(fromTriangle(oracleModel), data[0], w.m)
		if err != nil || math.Abs(got-w.compare) > 1e-12 {
			t.Errorf("%v: compare = %.15f, %v; oracle %.15f", w.m, got, err, w.compare)
		}
		nc, err := NoiseCeilingOf(data, w.m)
		if err != nil || math.Abs(nc.Lower-w.low) > 1e-12 || math.Abs(nc.Upper-w.high) > 1e-12 || nc.Subjects != 4 {
			t.Errorf("%v: noise ceiling %+v, %v; oracle lower %.15f upper %.15f", w.m, nc, err, w.low, w.high)
		}
	}
}

// denseWhitened is the whitened cosine with V = (CCᵀ)∘(CCᵀ) built for the
// given pairs and solved densely: the definition, to check the Woodbury
// form against.
func denseWhitened(t *testing.T, x, y []float64, pu, pv []int) float64 {
	t.Helper()
	n := len(pu)
	v := mat.NewDense(n, n, nil)
	for p := range n {
		for q := range n {
			d := 0.0
			for _, a := range [2][2]int{{pu[p], 1}, {pv[p], -1}} {
				for _, b := range [2][2]int{{pu[q], 1}, {pv[q], -1}} {
					if a[0] == b[0] {
						d += float64(a[1] * b[1])
					}
				}
			}
			v.Set(p, q, d*d)
		}
	}
	var wx, wy mat.VecDense
	if err := wx.SolveVec(v, mat.NewVecDense(n, x)); err != nil {
		t.Fatal(err)
	}
	if err := wy.SolveVec(v, mat.NewVecDense(n, y)); err != nil {
		t.Fatal(err)
	}
	xv, yv := mat.NewVecDense(n, x), mat.NewVecDense(n, y)
	return mat.Dot(xv, &wy) / math.Sqrt(mat.Dot(xv, &wx)*mat.Dot(yv, &wy))
}

// TestWhitenedCosineWoodbury checks the O(S²) form against the dense
// definition on random RDMs, for full triangles and for the pair subsets a
// token bootstrap uses (pairs of duplicated tokens left out), and that it
// holds at extreme scales.
func TestWhitenedCosineWoodbury(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, S := range []int{3, 5, 9} {
		pu, pv := trianglePairs(S)
		x, y := make([]float64, len(pu)), make([]float64, len(pu))
		for k := range x {
			x[k], y[k] = rng.Float64()*3, rng.Float64()*3
		}
		got, err := WhitenedCosineOf(x, y)
		if want := denseWhitened(t, x, y, pu, pv); err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("S %d: %v, %v; dense %v", S, got, err, want)
		}
		big := make([]float64, len(x))
		for k := range x {
			big[k] = x[k] * 1e200
		}
		if g2, err := WhitenedCosineOf(big, y); err != nil || math.Abs(g2-got) > 1e-12 {
			t.Errorf("S %d: ×1e200 gives %v, %v; want %v", S, g2, err, got)
		}
		// A subset of pairs: drop every pair touching position 0 but one.
		var qu, qv []int
		var xs, ys []float64
		for k := range pu {
			if pu[k] == 0 && pv[k] != 1 {
				continue
			}
			qu, qv, xs, ys = append(qu, pu[k]), append(qv, pv[k]), append(xs, x[k]), append(ys, y[k])
		}
		if len(qu) >= 3 {
			got, err := whitenedCosine("test", xs, ys, qu, qv, S)
			if want := denseWhitened(t, xs, ys, qu, qv); err != nil || math.Abs(got-want) > 1e-12 {
				t.Errorf("S %d, %d of %d pairs: %v, %v; dense %v", S, len(qu), len(pu), got, err, want)
			}
		}
	}
	if _, err := WhitenedCosineOf(make([]float64, 7), make([]float64, 7)); !errors.Is(err, ErrShape) {
		t.Errorf("7 values (no S): %v, want ErrShape", err)
	}
}

// TestBootstrapRSASeeds checks the two-level bootstrap: its estimate is the
// mean over models, its interval lies within [−1, 1], and bad input is
// refused.
func TestBootstrapRSASeeds(t *testing.T) {
	ref := fromTriangle(oracleModel)
	agree := []mat.Matrix{fromTriangle(oracleSubjects[0]), fromTriangle(oracleSubjects[2])}
	for _, m := range []Method{Spearman, KendallTauA, RDMCosine, RDMWhitenedCosine} {
		cfg := BootstrapConfig{Method: m, Samples: 400, Seed: 1}
		iv, err := BootstrapRSASeeds(agree, ref, cfg)
		if err != nil {
			t.Fatalf("%v: %v", m, err)
		}
		r0, _ := RSA(agree[0], ref, m)
		r1, _ := RSA(agree[1], ref, m)
		if math.Abs(iv.Estimate-(r0+r1)/2) > 1e-12 || !(iv.Lo < iv.Hi) || iv.Lo < -1 || iv.Hi > 1 || iv.Samples < 200 {
			t.Errorf("%v: %+v, want estimate %v (the mean over models) and an interval within [−1, 1]", m, iv, (r0+r1)/2)
		}
	}
	if _, err := BootstrapRSASeeds(agree[:1], ref, BootstrapConfig{}); !errors.Is(err, ErrTooFew) {
		t.Errorf("one model: %v, want ErrTooFew", err)
	}
	if _, err := BootstrapRSASeeds([]mat.Matrix{ref, mat.NewSymDense(3, nil)}, ref, BootstrapConfig{}); !errors.Is(err, ErrShape) {
		t.Errorf("a 3×3 model against a 6×6 ref: %v, want ErrShape", err)
	}
}
