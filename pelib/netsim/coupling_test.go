package netsim

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// spectralRadius returns max |eigenvalue| of a square matrix.
func spectralRadius(t *testing.T, w mat.Matrix) float64 {
	t.Helper()
	var eig mat.Eigen
	if !eig.Factorize(w, mat.EigenNone) {
		t.Fatal("eigen-decomposition failed")
	}
	rho := 0.0
	for _, v := range eig.Values(nil) {
		rho = math.Max(rho, math.Hypot(real(v), imag(v)))
	}
	return rho
}

func TestCouplingProperties(t *testing.T) {
	layouts := map[string]Layout{
		"grid2D": Grid2D(5, 4),
		"grid3D": Grid3D(3, 3, 3),
		"random": RandomPoints(30, []float64{5, 5}, 3),
	}
	for lname, layout := range layouts {
		for _, kernel := range []Kernel{Exponential, Gaussian} {
			for _, sp := range []Sparsify{SparsifyNone, SparsifyKNearest, SparsifyRadius} {
				for _, norm := range []Normalize{NormNone, NormRowSum, NormSpectral, NormSymmetric} {
					c := Coupling{Kernel: kernel, Lambda: 1.3, Sparsify: sp, K: 6, Radius: 2.5, Normalize: norm, G: 1}
					t.Run(fmt.Sprintf("%s/%v/%v/%v", lname, kernel, sp, norm), func(t *testing.T) {
						checkCoupling(t, layout, c)
					})
				}
			}
		}
	}
}

func checkCoupling(t *testing.T, layout Layout, c Coupling) {
	cfg := DefaultConfig()
	cfg.Layout, cfg.Coupling = layout, c
	net, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w, dist := net.W(), net.Dist()
	S := net.Nodes()
	for i := 0; i < S; i++ {
		if w.At(i, i) != 0 {
			t.Fatalf("W[%d,%d] = %g, want 0", i, i, w.At(i, i))
		}
		for j := 0; j < S; j++ {
			if w.At(i, j) < 0 {
				t.Fatalf("W[%d,%d] = %g < 0", i, j, w.At(i, j))
			}
			// The sparsity pattern is symmetric whatever the normalisation.
			if (w.At(i, j) == 0) != (w.At(j, i) == 0) {
				t.Fatalf("W[%d,%d] = %g but W[%d,%d] = %g", i, j, w.At(i, j), j, i, w.At(j, i))
			}
			if i != j && c.Sparsify == SparsifyRadius && (w.At(i, j) != 0) != (dist.At(i, j) <= c.Radius+1e-12) {
				t.Fatalf("pair (%d,%d) at distance %g: W = %g with radius %g", i, j, dist.At(i, j), w.At(i, j), c.Radius)
			}
		}
	}
	// Symmetry: exact for every normalisation but the row sum, which is
	// asymmetric by design (its pattern is checked above).
	if c.Normalize != NormRowSum {
		if !mat.EqualApprox(w, w.T(), 1e-14) {
			t.Error("W is not symmetric")
		}
	}
	// Decay with distance: within a row, a nearer kept node never gets a
	// smaller weight (all normalisations but the symmetric one scale a
	// row by one number).
	if c.Normalize != NormSymmetric {
		for i := 0; i < S; i++ {
			for j := 0; j < S; j++ {
				for k := 0; k < S; k++ {
					if j == i || k == i || w.At(i, j) == 0 || w.At(i, k) == 0 {
						continue
					}
					if dist.At(i, j) < dist.At(i, k)-1e-12 && w.At(i, j) < w.At(i, k) {
						t.Fatalf("row %d: d=%g gets %g < d=%g gets %g", i, dist.At(i, j), w.At(i, j), dist.At(i, k), w.At(i, k))
					}
				}
			}
		}
	}
	switch c.Normalize {
	case NormNone:
		// Known values of the kernel on kept pairs.
		for i := 0; i < S; i++ {
			for j := 0; j < S; j++ {
				if i == j || w.At(i, j) == 0 {
					continue
				}
				d := dist.At(i, j)
				want := math.Exp(-d / c.Lambda)
				if c.Kernel == Gaussian {
					want = math.Exp(-d * d / (2 * c.Lambda * c.Lambda))
				}
				if math.Abs(w.At(i, j)-want) > 1e-15 {
					t.Fatalf("W[%d,%d] = %g at d = %g, want %g", i, j, w.At(i, j), d, want)
				}
			}
		}
	case NormRowSum:
		for i := 0; i < S; i++ {
			if s := floats.Sum(w.RawRowView(i)); math.Abs(s-1) > 1e-14 {
				t.Fatalf("row %d sums to %.17g, want 1", i, s)
			}
		}
		fallthrough
	case NormSpectral, NormSymmetric:
		if rho := spectralRadius(t, w); math.Abs(rho-1) > 1e-10 {
			t.Errorf("spectral radius %.12g, want 1", rho)
		}
	}
}

func TestKNearestGrid(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Layout = Grid2D(8, 8)
	cfg.Coupling = Coupling{Lambda: 1, Sparsify: SparsifyKNearest, K: 4, G: 1}
	net, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := net.W()
	// Interior node (4,4): exactly its 4 grid neighbours.
	s := 4*8 + 4
	var nb []int
	for j := 0; j < 64; j++ {
		if w.At(s, j) != 0 {
			nb = append(nb, j)
		}
	}
	if fmt.Sprint(nb) != fmt.Sprint([]int{3*8 + 4, 4*8 + 3, 4*8 + 5, 5*8 + 4}) {
		t.Errorf("neighbours of node %d: %v", s, nb)
	}
	// Corner node 0: two at distance 1, then the K-th (4th) nearest is at
	// distance 2 and ties are all kept: (0,2), (2,0); (1,1) at √2 too.
	var corner []int
	for j := 0; j < 64; j++ {
		if w.At(0, j) != 0 {
			corner = append(corner, j)
		}
	}
	if fmt.Sprint(corner) != fmt.Sprint([]int{1, 2, 8, 9, 16}) {
		t.Errorf("neighbours of the corner: %v", corner)
	}
}

func TestOperator(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Coupling.Self = 0.7
	net, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	S := net.Nodes()
	x := make([]float64, S)
	for i := range x {
		x[i] = math.Sin(float64(i))
	}
	got := make([]float64, S)
	net.op.mulVec(got, x)
	// A = g·W + s·I.
	var a mat.Dense
	a.Scale(cfg.Coupling.G, net.W())
	for i := 0; i < S; i++ {
		a.Set(i, i, a.At(i, i)+cfg.Coupling.Self)
	}
	want := mat.NewVecDense(S, nil)
	want.MulVec(&a, mat.NewVecDense(S, x))
	if !floats.EqualApprox(got, want.RawVector().Data, 1e-13) {
		t.Errorf("A·x differs from the dense product")
	}
	if nnz := net.NonZeros(); nnz >= S*S/2 {
		t.Errorf("%d non-zeros of %d: radius sparsification did not sparsify", nnz, S*S)
	}
}

func TestCouplingErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Coupling)
		want string
	}{
		{"lambda zero", func(c *Coupling) { c.Lambda = 0 }, "Lambda = 0"},
		{"lambda negative", func(c *Coupling) { c.Lambda = -1 }, "Lambda = -1"},
		{"lambda NaN", func(c *Coupling) { c.Lambda = math.NaN() }, "Lambda = NaN"},
		{"K zero", func(c *Coupling) { c.Sparsify, c.K = SparsifyKNearest, 0 }, "K = 0"},
		{"radius zero", func(c *Coupling) { c.Radius = 0 }, "Radius = 0"},
		{"isolated", func(c *Coupling) { c.Radius = 0.5 }, "node 0 has no coupling left"},
		{"underflow", func(c *Coupling) { c.Lambda = 1e-4; c.Kernel = Gaussian }, "no coupling left"},
		{"G NaN", func(c *Coupling) { c.G = math.NaN() }, "G = NaN"},
		{"Self Inf", func(c *Coupling) { c.Self = math.Inf(1) }, "Self = +Inf"},
		{"kernel", func(c *Coupling) { c.Kernel = 7 }, "unknown Kernel"},
		{"normalize", func(c *Coupling) { c.Normalize = 7 }, "unknown Normalize"},
		{"sparsify", func(c *Coupling) { c.Sparsify = 7 }, "unknown Sparsify"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.edit(&cfg.Coupling)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
