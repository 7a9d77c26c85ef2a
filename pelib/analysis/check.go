package analysis

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Sentinel errors wrapped by every error this package returns.
var (
	// ErrShape reports mismatched or unusable sizes.
	ErrShape = errors.New("bad shape")
	// ErrNonFinite reports a NaN or infinite input value.
	ErrNonFinite = errors.New("NaN or infinite value")
	// ErrTooFew reports fewer items (tokens, pairs, points) than a method needs.
	ErrTooFew = errors.New("too few items")
	// ErrConstant reports a constant or zero-norm input where a
	// correlation, cosine or normalisation needs variation.
	ErrConstant = errors.New("constant or zero-norm input")
	// ErrInvalid reports an invalid parameter or structurally invalid input
	// (negative weights, unknown method, disconnected graph, ...).
	ErrInvalid = errors.New("invalid input")
)

// minTokens is the smallest number of tokens any matrix analysis accepts.
const minTokens = 3

// checkTable checks that m is a non-empty, finite matrix with at least
// minTokens rows and returns its dimensions.
func checkTable(fn, name string, m mat.Matrix) (r, c int, err error) {
	if m == nil {
		return 0, 0, fmt.Errorf("analysis: %s: %s is nil: %w", fn, name, ErrShape)
	}
	r, c = m.Dims()
	if r < minTokens {
		return r, c, fmt.Errorf("analysis: %s: %s has %d rows (tokens), need at least %d: %w", fn, name, r, minTokens, ErrTooFew)
	}
	if c < 1 {
		return r, c, fmt.Errorf("analysis: %s: %s has no columns: %w", fn, name, ErrShape)
	}
	if err := checkMatFinite(fn, name, m); err != nil {
		return r, c, err
	}
	return r, c, nil
}

// checkSquare checks that m is a finite square matrix with at least
// minTokens rows and returns its size.
func checkSquare(fn, name string, m mat.Matrix) (int, error) {
	r, c, err := checkTable(fn, name, m)
	if err != nil {
		return 0, err
	}
	if r != c {
		return 0, fmt.Errorf("analysis: %s: %s is %d×%d, want square: %w", fn, name, r, c, ErrShape)
	}
	return r, nil
}

// checkSymmetric checks that m is finite, square, has at least minTokens rows
// and is symmetric to within a relative tolerance.
func checkSymmetric(fn, name string, m mat.Matrix) (int, error) {
	n, err := checkSquare(fn, name, m)
	if err != nil {
		return 0, err
	}
	if _, ok := m.(mat.Symmetric); ok {
		return n, nil
	}
	scale := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			scale = math.Max(scale, math.Abs(m.At(i, j)))
		}
	}
	tol := 1e-9 * math.Max(scale, 1e-300)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if math.Abs(m.At(i, j)-m.At(j, i)) > tol {
				return 0, fmt.Errorf("analysis: %s: %s is not symmetric: [%d,%d]=%g but [%d,%d]=%g: %w",
					fn, name, i, j, m.At(i, j), j, i, m.At(j, i), ErrInvalid)
			}
		}
	}
	return n, nil
}

func checkMatFinite(fn, name string, m mat.Matrix) error {
	r, c := m.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := m.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("analysis: %s: %s[%d,%d] = %v: %w", fn, name, i, j, v, ErrNonFinite)
			}
		}
	}
	return nil
}

func checkFinite(fn, name string, x []float64) error {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("analysis: %s: %s[%d] = %v: %w", fn, name, i, v, ErrNonFinite)
		}
	}
	return nil
}

// checkPair checks that x and y are finite, equally long and hold at least
// minN values.
func checkPair(fn string, x, y []float64, minN int) error {
	if len(x) != len(y) {
		return fmt.Errorf("analysis: %s: x has %d values, y has %d: %w", fn, len(x), len(y), ErrShape)
	}
	if len(x) < minN {
		return fmt.Errorf("analysis: %s: %d values, need at least %d: %w", fn, len(x), minN, ErrTooFew)
	}
	if err := checkFinite(fn, "x", x); err != nil {
		return err
	}
	return checkFinite(fn, "y", y)
}

// checkLabels checks that a partition has one label per token.
func checkLabels(fn string, labels []int, n int) error {
	if len(labels) != n {
		return fmt.Errorf("analysis: %s: partition has %d labels for %d tokens: %w", fn, len(labels), n, ErrShape)
	}
	return nil
}

// rowNorm returns the Euclidean norm of row i of m.
func rowNorm(m mat.Matrix, i int) float64 {
	_, c := m.Dims()
	row := make([]float64, c)
	for j := range row {
		row[j] = m.At(i, j)
	}
	return norm2(row)
}
