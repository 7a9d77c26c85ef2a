package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// ProcrustesResult is the orthogonal Procrustes alignment of a table P to a
// target G of the same shape (S, D).
type ProcrustesResult struct {
	// Rotation is the (D, D) orthogonal matrix R* = UVᵀ, UΣVᵀ = SVD(PᵀG),
	// that minimises ‖PR − G‖_F over RᵀR = I (reflections included). P and
	// G are used as given: neither centred nor scaled.
	Rotation *mat.Dense
	// Distance is the raw Procrustes distance ‖PR* − G‖_F.
	Distance float64
	// Disparity is the standardised distance in [0, 1]: P and G are each
	// centred (column means removed) and scaled to unit Frobenius norm,
	// then aligned by rotation and the optimal scale, leaving the squared
	// residual 1 − (Σσ_i)², σ_i the singular values of P̃ᵀG̃. It equals
	// the disparity of scipy.spatial.procrustes and is symmetric in P, G.
	Disparity float64
}

// Procrustes aligns the (S, D) table p to the (S, D) target g by an orthogonal
// transform; see ProcrustesResult. When S ≥ D and p has full column rank,
// Rotation is unique; otherwise (as for a 16×160 PE) it is one of many
// minimisers and only Distance and Disparity are meaningful. A p or g whose
// centred form is zero (every token the same) gives an error wrapping
// ErrConstant.
func Procrustes(p, g mat.Matrix) (*ProcrustesResult, error) {
	const fn = "Procrustes"
	sp, dp, err := checkTable(fn, "P", p)
	if err != nil {
		return nil, err
	}
	sg, dg, err := checkTable(fn, "G", g)
	if err != nil {
		return nil, err
	}
	if sp != sg || dp != dg {
		return nil, fmt.Errorf("analysis: %s: P is %d×%d, G is %d×%d, want equal shapes: %w", fn, sp, dp, sg, dg, ErrShape)
	}
	pd, gd := mat.DenseCopyOf(p), mat.DenseCopyOf(g)
	r, _, err := orthoAlign(fn, pd, gd)
	if err != nil {
		return nil, err
	}
	var res mat.Dense
	res.Mul(pd, r)
	res.Sub(&res, gd)
	dist := mat.Norm(&res, 2)

	pc, err := standardise(fn, "P", pd)
	if err != nil {
		return nil, err
	}
	gc, err := standardise(fn, "G", gd)
	if err != nil {
		return nil, err
	}
	_, sv, err := orthoAlign(fn, pc, gc)
	if err != nil {
		return nil, err
	}
	t := floats.Sum(sv)
	disp := math.Max(0, math.Min(1, 1-t*t))
	return &ProcrustesResult{Rotation: r, Distance: dist, Disparity: disp}, nil
}

// orthoAlign returns R = UVᵀ with UΣVᵀ = SVD(xᵀy) and the singular values.
// x is (S, a), y is (S, b); R is (a, b).
func orthoAlign(fn string, x, y *mat.Dense) (*mat.Dense, []float64, error) {
	var m mat.Dense
	m.Mul(x.T(), y)
	var svd mat.SVD
	if !svd.Factorize(&m, mat.SVDThin) {
		return nil, nil, fmt.Errorf("analysis: %s: SVD of the cross-product did not converge: %w", fn, ErrInvalid)
	}
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	var r mat.Dense
	r.Mul(&u, v.T())
	return &r, svd.Values(nil), nil
}

// centre returns a copy of x with column means removed, and the means.
func centre(x mat.Matrix) (*mat.Dense, []float64) {
	c := mat.DenseCopyOf(x)
	s, d := c.Dims()
	means := make([]float64, d)
	for j := 0; j < d; j++ {
		var m float64
		for i := 0; i < s; i++ {
			m += c.At(i, j)
		}
		m /= float64(s)
		means[j] = m
		for i := 0; i < s; i++ {
			c.Set(i, j, c.At(i, j)-m)
		}
	}
	return c, means
}

// standardise centres x and scales it to unit Frobenius norm.
func standardise(fn, name string, x *mat.Dense) (*mat.Dense, error) {
	c, _ := centre(x)
	nrm := mat.Norm(c, 2)
	if nrm == 0 || nrm < 1e-12*mat.Norm(x, math.Inf(1)) {
		return nil, fmt.Errorf("analysis: %s: %s is the same for every token (zero after centring): %w", fn, name, ErrConstant)
	}
	c.Scale(1/nrm, c)
	return c, nil
}

// AlignConfig configures AlignToCoords. The zero value fits a scale.
type AlignConfig struct {
	// NoScale fixes the scale at 1: the PE scores are only rotated (or
	// reflected) onto the coordinates, so errors mix PE and target units.
	NoScale bool
}

// Alignment is a PE mapped into a k-D coordinate frame.
type Alignment struct {
	// Aligned holds the (S, k) positions of the tokens read from the PE:
	// s·X·R + ȳ, X the PE's scores on its top k principal axes.
	Aligned *mat.Dense
	// Errors[i] = ‖Aligned_i − y_i‖, in the target's units.
	Errors []float64
	// MeanError is the mean of Errors; RMSE is √(mean Errors²).
	MeanError, RMSE float64
	// Scale is the fitted s = Σσ_i / ‖X‖²_F (1 with NoScale).
	Scale float64
	// Rotation is the (k, k) orthogonal map R from PE scores to coordinates.
	Rotation *mat.Dense
	// Explained is the fraction of the PE's variance on the top k axes.
	Explained float64
	// Spread is the root-mean-square distance of the aligned positions
	// from their centroid over that of the coordinates: 1 when the PE's
	// top k axes hold the layout at its size, near 0 when the fitted scale
	// shrinks every token onto the centroid (the layout is not linear in
	// those axes, e.g. a sinusoid that wraps around): see Collapsed.
	Spread float64
}

// CollapsedSpread is the Spread below which an alignment draws the tokens
// as one dot: under a fiftieth of the layout's size. A PE that does not
// hold the layout but varies (an untrained learned PE, at a tenth of the
// size) still draws as a visible cloud, which is what it is.
const CollapsedSpread = 0.02

// Collapsed reports whether the aligned positions are too close together
// to be drawn as a layout (Spread < CollapsedSpread): a figure of them
// would show one point, whatever the PE holds.
func (a *Alignment) Collapsed() bool { return a.Spread < CollapsedSpread }

// AlignToCoords asks how well a PE table holds a lower-dimensional layout: it
// projects the (S, D) table pe on its top k principal axes (k = number of
// columns of coords), aligns the scores to the centred (S, k) coordinates by
// orthogonal Procrustes with an optional least-squares scale, and reports
// the per-token position error in the coordinates' units (for a grid, in
// cells; for brain regions, in mm). The PE must have at least k principal
// axes with non-zero variance, so k ≤ min(S−1, D).
func AlignToCoords(pe, coords mat.Matrix, cfg AlignConfig) (*Alignment, error) {
	const fn = "AlignToCoords"
	s, d, err := checkTable(fn, "PE table", pe)
	if err != nil {
		return nil, err
	}
	sc, k, err := checkTable(fn, "coordinates", coords)
	if err != nil {
		return nil, err
	}
	if sc != s {
		return nil, fmt.Errorf("analysis: %s: PE has %d tokens, coordinates have %d: %w", fn, s, sc, ErrShape)
	}
	if k > d || k > s-1 {
		return nil, fmt.Errorf("analysis: %s: %d-D target needs k ≤ min(S−1, D) = %d: %w", fn, k, min(s-1, d), ErrShape)
	}
	pca, err := PrincipalComponents(pe)
	if err != nil {
		return nil, fmt.Errorf("analysis: %s: %w", fn, err)
	}
	if pca.Variances[k-1] <= 1e-12*pca.Variances[0] {
		return nil, fmt.Errorf("analysis: %s: PE spans fewer than %d dimensions (variance on axis %d is %g): %w",
			fn, k, k, pca.Variances[k-1], ErrConstant)
	}
	x := mat.DenseCopyOf(pca.Scores.Slice(0, s, 0, k))
	y, ymean := centre(coords)
	if mat.Norm(y, 2) == 0 {
		return nil, fmt.Errorf("analysis: %s: coordinates are the same for every token: %w", fn, ErrConstant)
	}
	r, sv, err := orthoAlign(fn, x, y)
	if err != nil {
		return nil, err
	}
	scale := 1.0
	if !cfg.NoScale {
		xn := mat.Norm(x, 2)
		scale = floats.Sum(sv) / (xn * xn)
	}
	var al mat.Dense
	al.Mul(x, r)
	al.Scale(scale, &al)
	errs := make([]float64, s)
	var sum, sum2 float64
	for i := 0; i < s; i++ {
		var e float64
		for j := 0; j < k; j++ {
			al.Set(i, j, al.At(i, j)+ymean[j])
			dv := al.At(i, j) - coords.At(i, j)
			e += dv * dv
		}
		errs[i] = math.Sqrt(e)
		sum += errs[i]
		sum2 += e
	}
	return &Alignment{
		Aligned:   &al,
		Errors:    errs,
		MeanError: sum / float64(s),
		RMSE:      math.Sqrt(sum2 / float64(s)),
		Scale:     scale,
		Rotation:  r,
		Explained: floats.Sum(pca.Ratios[:k]),
		Spread:    scale * mat.Norm(x, 2) / mat.Norm(y, 2),
	}, nil
}
