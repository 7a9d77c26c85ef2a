package analysis

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

// randn returns an r×c matrix of standard normal values.
func randn(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, rng.NormFloat64())
		}
	}
	return m
}

// randOrthonormal returns an n×k matrix with orthonormal columns (k ≤ n),
// the Q factor of a Gaussian matrix; with k = n it is a random orthogonal
// matrix.
func randOrthonormal(rng *rand.Rand, n, k int) *mat.Dense {
	var qr mat.QR
	qr.Factorize(randn(rng, n, k))
	var q mat.Dense
	qr.QTo(&q)
	return mat.DenseCopyOf(q.Slice(0, n, 0, k))
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func matNear(a, b mat.Matrix, tol float64) bool { return mat.EqualApprox(a, b, tol) }

// wantErr checks that err wraps target.
func wantErr(t *testing.T, name string, err, target error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got no error, want %v", name, target)
		return
	}
	if !errors.Is(err, target) {
		t.Errorf("%s: got error %q, want one wrapping %v", name, err, target)
	}
}

func nanMatrix() *mat.Dense {
	m := mat.NewDense(4, 3, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3})
	m.Set(2, 1, math.NaN())
	return m
}
