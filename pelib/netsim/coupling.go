package netsim

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Kernel is the shape of the coupling's fall-off with distance.
type Kernel int

const (
	// Exponential is k(d) = exp(−d/λ).
	Exponential Kernel = iota
	// Gaussian is k(d) = exp(−d²/(2λ²)).
	Gaussian
)

func (k Kernel) String() string {
	switch k {
	case Exponential:
		return "exponential"
	case Gaussian:
		return "gaussian"
	}
	return fmt.Sprintf("Kernel(%d)", int(k))
}

// Sparsify selects which pairs keep their coupling.
type Sparsify int

const (
	// SparsifyNone keeps every pair (a dense W).
	SparsifyNone Sparsify = iota
	// SparsifyKNearest keeps, for each node i, the nodes no farther than
	// its K-th nearest neighbour (ties at that distance are all kept, so a
	// grid stays isotropic), then symmetrises by union: W_ij survives when
	// j is among i's nearest or i among j's.
	SparsifyKNearest
	// SparsifyRadius keeps the pairs with d_ij ≤ Radius, which for a
	// decreasing kernel is the threshold k(d_ij) ≥ k(Radius).
	SparsifyRadius
)

func (s Sparsify) String() string {
	switch s {
	case SparsifyNone:
		return "none"
	case SparsifyKNearest:
		return "k-nearest"
	case SparsifyRadius:
		return "radius"
	}
	return fmt.Sprintf("Sparsify(%d)", int(s))
}

// Normalize selects how the sparsified kernel matrix K is scaled into W.
type Normalize int

const (
	// NormNone uses W = K.
	NormNone Normalize = iota
	// NormRowSum uses W_ij = K_ij / Σ_j K_ij: each node's input is a
	// weighted mean of the others, so in a uniform state every node, at
	// the edge of the layout or in its middle, gets the same drive. W is
	// then not symmetric (K is); its spectral radius is 1.
	NormRowSum
	// NormSpectral uses W = K / ρ(K), ρ the spectral radius; W stays
	// symmetric.
	NormSpectral
	// NormSymmetric uses W = D^{-1/2} K D^{-1/2}, D = diag(Σ_j K_ij); W
	// stays symmetric and has spectral radius 1 (it is similar to the
	// row-sum form).
	NormSymmetric
)

func (n Normalize) String() string {
	switch n {
	case NormNone:
		return "none"
	case NormRowSum:
		return "row-sum"
	case NormSpectral:
		return "spectral"
	case NormSymmetric:
		return "symmetric"
	}
	return fmt.Sprintf("Normalize(%d)", int(n))
}

// Coupling says how strongly node j drives node i:
//
//	W_ij = normalise(sparsify(k(d_ij)))  for i ≠ j,  W_ii = 0,
//
// and the recurrent input of the dynamics is G·W·x + Self·x.
type Coupling struct {
	Kernel Kernel
	// Lambda is the length scale λ of the kernel, in coordinate units
	// (grid spacing 1). It must be > 0.
	Lambda float64

	Sparsify Sparsify
	// K is the neighbour count of SparsifyKNearest (≥ 1).
	K int
	// Radius is the cut-off distance of SparsifyRadius (> 0).
	Radius float64

	Normalize Normalize

	// G is the global coupling g that multiplies W in the dynamics.
	G float64
	// Self is the self-coupling s: node i's own activity enters its
	// input as s·x_i.
	Self float64
}

func (c Coupling) validate() error {
	if !(c.Lambda > 0) || math.IsInf(c.Lambda, 0) {
		return fmt.Errorf("netsim: coupling: Lambda = %g, want a finite length scale > 0", c.Lambda)
	}
	switch c.Kernel {
	case Exponential, Gaussian:
	default:
		return fmt.Errorf("netsim: coupling: unknown Kernel %d", int(c.Kernel))
	}
	switch c.Sparsify {
	case SparsifyNone:
	case SparsifyKNearest:
		if c.K < 1 {
			return fmt.Errorf("netsim: coupling: k-nearest sparsification with K = %d, want ≥ 1", c.K)
		}
	case SparsifyRadius:
		if !(c.Radius > 0) || math.IsInf(c.Radius, 0) {
			return fmt.Errorf("netsim: coupling: radius sparsification with Radius = %g, want a finite distance > 0", c.Radius)
		}
	default:
		return fmt.Errorf("netsim: coupling: unknown Sparsify %d", int(c.Sparsify))
	}
	switch c.Normalize {
	case NormNone, NormRowSum, NormSpectral, NormSymmetric:
	default:
		return fmt.Errorf("netsim: coupling: unknown Normalize %d", int(c.Normalize))
	}
	if !finite(c.G) {
		return fmt.Errorf("netsim: coupling: G = %g, want a finite number", c.G)
	}
	if !finite(c.Self) {
		return fmt.Errorf("netsim: coupling: Self = %g, want a finite number", c.Self)
	}
	return nil
}

// distances returns the Euclidean distance matrix of pts, [S, S].
func distances(pts [][]float64) *mat.SymDense {
	n := len(pts)
	d := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			d.SetSym(i, j, floats.Distance(pts[i], pts[j], 2))
		}
	}
	return d
}

// kernel evaluates k(d).
func (c Coupling) kernel(d float64) float64 {
	if c.Kernel == Gaussian {
		return math.Exp(-d * d / (2 * c.Lambda * c.Lambda))
	}
	return math.Exp(-d / c.Lambda)
}

// matrix builds W, [S, S], from the distance matrix.
func (c Coupling) matrix(dist *mat.SymDense) (*mat.Dense, error) {
	n, _ := dist.Dims()
	keep := c.keepMask(dist)
	w := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j && keep[i*n+j] {
				w.Set(i, j, c.kernel(dist.At(i, j)))
			}
		}
	}
	if c.Normalize == NormNone {
		return w, nil
	}
	rowSum := make([]float64, n)
	for i := range rowSum {
		rowSum[i] = floats.Sum(w.RawRowView(i))
		if c.Normalize != NormSpectral && !(rowSum[i] > 0) {
			return nil, fmt.Errorf("netsim: coupling: node %d has no coupling left (its row of K sums to %g) after %v sparsification with λ = %g: cannot %v-normalise; raise Lambda, K or Radius",
				i, rowSum[i], c.Sparsify, c.Lambda, c.Normalize)
		}
	}
	switch c.Normalize {
	case NormRowSum:
		for i := 0; i < n; i++ {
			floats.Scale(1/rowSum[i], w.RawRowView(i))
		}
	case NormSymmetric:
		for i := 0; i < n; i++ {
			row := w.RawRowView(i)
			for j := range row {
				if row[j] != 0 {
					row[j] /= math.Sqrt(rowSum[i]) * math.Sqrt(rowSum[j])
				}
			}
		}
	case NormSpectral:
		var eig mat.EigenSym
		if !eig.Factorize(mat.NewSymDense(n, w.RawMatrix().Data), false) {
			return nil, fmt.Errorf("netsim: coupling: eigen-decomposition of the %d×%d kernel matrix failed", n, n)
		}
		rho := 0.0
		for _, v := range eig.Values(nil) {
			rho = math.Max(rho, math.Abs(v))
		}
		if !(rho > 0) {
			return nil, fmt.Errorf("netsim: coupling: kernel matrix is zero after %v sparsification with λ = %g: cannot spectral-normalise", c.Sparsify, c.Lambda)
		}
		w.Scale(1/rho, w)
	}
	return w, nil
}

// keepMask returns, [S·S] row-major, which pairs survive sparsification.
// The mask is symmetric.
func (c Coupling) keepMask(dist *mat.SymDense) []bool {
	n, _ := dist.Dims()
	keep := make([]bool, n*n)
	switch c.Sparsify {
	case SparsifyNone:
		for i := range keep {
			keep[i] = true
		}
	case SparsifyRadius:
		// A relative tolerance keeps points that sit at exactly Radius on a
		// grid despite rounding in the distance.
		lim := c.Radius * (1 + 1e-9)
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				keep[i*n+j] = dist.At(i, j) <= lim
			}
		}
	case SparsifyKNearest:
		k := min(c.K, n-1)
		row := make([]float64, 0, n)
		for i := 0; i < n; i++ {
			row = row[:0]
			for j := 0; j < n; j++ {
				if j != i {
					row = append(row, dist.At(i, j))
				}
			}
			sort.Float64s(row)
			lim := row[k-1] * (1 + 1e-9)
			for j := 0; j < n; j++ {
				if j != i && dist.At(i, j) <= lim {
					keep[i*n+j] = true
					keep[j*n+i] = true
				}
			}
		}
	}
	return keep
}
