package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/mds"
)

// PCA is a principal component analysis of an (S, D) table whose rows are
// observations (tokens). r = min(S, D) components are kept, in decreasing
// order of variance.
type PCA struct {
	Mean      []float64  // (D) column means removed before the analysis
	Axes      *mat.Dense // (D, r) unit principal axes, one per column
	Scores    *mat.Dense // (S, r) centred rows projected on the axes
	Variances []float64  // (r) variance of each score column (divisor S−1)
	Ratios    []float64  // (r) explained-variance ratios, summing to 1
}

// PrincipalComponents returns the PCA of the (S, D) table x (gonum/stat.PC,
// computed by SVD of the centred table). A table whose rows are all equal
// has no variance to explain and gives an error wrapping ErrConstant.
func PrincipalComponents(x mat.Matrix) (*PCA, error) {
	const fn = "PrincipalComponents"
	if _, _, err := checkTable(fn, "table", x); err != nil {
		return nil, err
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		return nil, fmt.Errorf("analysis: %s: SVD did not converge: %w", fn, ErrInvalid)
	}
	var axes mat.Dense
	pc.VectorsTo(&axes)
	vars := pc.VarsTo(nil)
	var total float64
	for _, v := range vars {
		total += v
	}
	if total == 0 || vars[0] == 0 {
		return nil, fmt.Errorf("analysis: %s: every row is the same (zero variance): %w", fn, ErrConstant)
	}
	ratios := make([]float64, len(vars))
	for i, v := range vars {
		ratios[i] = v / total
	}
	xc, means := centre(x)
	var scores mat.Dense
	scores.Mul(xc, &axes)
	return &PCA{Mean: means, Axes: &axes, Scores: &scores, Variances: vars, Ratios: ratios}, nil
}

// ParticipationRatio returns (Σλ)² / Σλ² of non-negative eigenvalues λ (for
// example covariance eigenvalues): the effective number of dimensions, k for k
// equal eigenvalues and 1 when one dominates. Negative values (beyond
// rounding, which is clipped to zero) and an all-zero spectrum are errors.
// The eigenvalues are rescaled before squaring, so any finite magnitude works
// (k equal eigenvalues give k whether they are 1e-300 or 1e300).
func ParticipationRatio(eig []float64) (float64, error) {
	const fn = "ParticipationRatio"
	if len(eig) == 0 {
		return 0, fmt.Errorf("analysis: %s: no eigenvalues: %w", fn, ErrTooFew)
	}
	if err := checkFinite(fn, "eigenvalues", eig); err != nil {
		return 0, err
	}
	var top float64
	for _, v := range eig {
		top = math.Max(top, math.Abs(v))
	}
	// The ratio is invariant under a common scale: divide by a power of two
	// near the largest magnitude so that v² neither overflows nor underflows.
	e := pow2Exp(top)
	var s, s2 float64
	for i, v := range eig {
		if v < 0 {
			if v < -1e-10*top {
				return 0, fmt.Errorf("analysis: %s: eigenvalue %d is %g < 0: %w", fn, i, v, ErrInvalid)
			}
			continue
		}
		v = math.Ldexp(v, -e)
		s += v
		s2 += v * v
	}
	if s2 == 0 {
		return 0, fmt.Errorf("analysis: %s: all eigenvalues are zero: %w", fn, ErrConstant)
	}
	return s * s / s2, nil
}

// EffectiveDimension returns the participation ratio (Σλ)²/Σλ² of the
// eigenvalues λ of the (D, D) covariance of the rows of the (S, D) table x:
// about k when the tokens spread evenly over k dimensions. It is at most
// min(S−1, D).
func EffectiveDimension(x mat.Matrix) (float64, error) {
	pca, err := PrincipalComponents(x)
	if err != nil {
		return 0, fmt.Errorf("analysis: EffectiveDimension: %w", err)
	}
	return ParticipationRatio(pca.Variances)
}

// ClassicalMDS embeds S points in k dimensions from their (S, S) distance
// matrix by classical (Torgerson) scaling (gonum/stat/mds): the top k
// eigenvectors of B = −½ J D⁽²⁾ J, J = I − 11ᵀ/S, scaled by √λ. For
// Euclidean distances it recovers the configuration up to rotation,
// reflection and translation. It also returns all S eigenvalues of B in
// decreasing order; negative ones reveal non-Euclidean distances. The distance
// matrix must have a zero diagonal and non-negative entries, and B must have
// at least k positive eigenvalues.
func ClassicalMDS(dist mat.Symmetric, k int) (coords *mat.Dense, eig []float64, err error) {
	const fn = "ClassicalMDS"
	if dist == nil {
		return nil, nil, fmt.Errorf("analysis: %s: distance matrix is nil: %w", fn, ErrShape)
	}
	n, err := checkSquare(fn, "distance matrix", dist)
	if err != nil {
		return nil, nil, err
	}
	anyPositive := false
	for i := 0; i < n; i++ {
		if dist.At(i, i) != 0 {
			return nil, nil, fmt.Errorf("analysis: %s: diagonal entry [%d,%d] = %g, want 0: %w", fn, i, i, dist.At(i, i), ErrInvalid)
		}
		for j := i + 1; j < n; j++ {
			if dist.At(i, j) < 0 {
				return nil, nil, fmt.Errorf("analysis: %s: distance [%d,%d] = %g is negative: %w", fn, i, j, dist.At(i, j), ErrInvalid)
			}
			anyPositive = anyPositive || dist.At(i, j) > 0
		}
	}
	if !anyPositive {
		return nil, nil, fmt.Errorf("analysis: %s: all distances are zero: %w", fn, ErrConstant)
	}
	if k < 1 || k > n-1 {
		return nil, nil, fmt.Errorf("analysis: %s: k = %d, want 1 ≤ k ≤ S−1 = %d: %w", fn, k, n-1, ErrInvalid)
	}
	var full mat.Dense
	eig = make([]float64, n)
	kpos, _ := mds.TorgersonScaling(&full, eig, dist)
	if kpos == 0 || eig[0] <= 0 {
		return nil, nil, fmt.Errorf("analysis: %s: no positive eigenvalue (all distances zero, or eigendecomposition failed): %w", fn, ErrConstant)
	}
	// Eigenvalues at rounding level are not dimensions of the configuration.
	tol := 1e-9 * eig[0]
	npos := 0
	for _, v := range eig {
		if v > tol {
			npos++
		}
	}
	if npos < k {
		return nil, nil, fmt.Errorf("analysis: %s: only %d positive eigenvalues, asked for k = %d: %w", fn, npos, k, ErrInvalid)
	}
	coords = mat.DenseCopyOf(full.Slice(0, n, 0, k))
	return coords, eig, nil
}
