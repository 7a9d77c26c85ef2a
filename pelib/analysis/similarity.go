package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Measure selects how two token vectors are compared.
type Measure int

const (
	// Cosine is p_i·p_j / (‖p_i‖ ‖p_j‖).
	Cosine Measure = iota
	// Correlation is the Pearson correlation of p_i and p_j across the D
	// channels: the cosine of the two vectors after each is centred on its
	// own mean.
	Correlation
)

// String returns the name of the measure.
func (m Measure) String() string {
	switch m {
	case Cosine:
		return "cosine"
	case Correlation:
		return "correlation"
	}
	return fmt.Sprintf("Measure(%d)", int(m))
}

// Similarity returns the (S, S) similarity matrix of the rows (tokens) of the
// (S, D) table pe under measure m. A token whose vector has zero norm (for
// Correlation: is constant across channels) makes the result undefined and
// gives an error wrapping ErrConstant naming the token.
func Similarity(pe mat.Matrix, m Measure) (*mat.SymDense, error) {
	const fn = "Similarity"
	s, d, err := checkTable(fn, "PE table", pe)
	if err != nil {
		return nil, err
	}
	if m != Cosine && m != Correlation {
		return nil, fmt.Errorf("analysis: %s: unknown measure %v: %w", fn, m, ErrInvalid)
	}
	if m == Correlation && d < 2 {
		return nil, fmt.Errorf("analysis: %s: correlation needs at least 2 channels, have %d: %w", fn, d, ErrShape)
	}
	// Unit-normalise each (centred) row; the Gram matrix is then the result.
	u := mat.DenseCopyOf(pe)
	for i := 0; i < s; i++ {
		row := u.RawRowView(i)
		if m == Correlation {
			var mean float64
			for _, v := range row {
				mean += v
			}
			mean /= float64(d)
			for j := range row {
				row[j] -= mean
			}
		}
		nrm := norm2(row) // rescaled: no overflow or underflow of v²
		if nrm == 0 || nrm < 1e-12*maxAbs(pe, i) {
			what := "has zero norm"
			if m == Correlation {
				what = "is constant across channels"
			}
			return nil, fmt.Errorf("analysis: %s (%v): token %d %s: %w", fn, m, i, what, ErrConstant)
		}
		for j := range row {
			row[j] /= nrm
		}
	}
	out := mat.NewSymDense(s, nil)
	out.SymOuterK(1, u)
	// Clamp rounding excursions outside [-1, 1] and pin the diagonal.
	for i := 0; i < s; i++ {
		out.SetSym(i, i, 1)
		for j := i + 1; j < s; j++ {
			out.SetSym(i, j, math.Max(-1, math.Min(1, out.At(i, j))))
		}
	}
	return out, nil
}

// maxAbs returns the largest absolute value in row i of m.
func maxAbs(m mat.Matrix, i int) float64 {
	_, c := m.Dims()
	var a float64
	for j := 0; j < c; j++ {
		a = math.Max(a, math.Abs(m.At(i, j)))
	}
	return a
}

// BlockSimilarity returns the similarity matrix of each block's (S, D) table
// and their element-wise mean over the L blocks. All blocks must have the
// same shape.
func BlockSimilarity(blocks []*mat.Dense, m Measure) (perBlock []*mat.SymDense, mean *mat.SymDense, err error) {
	const fn = "BlockSimilarity"
	if len(blocks) == 0 {
		return nil, nil, fmt.Errorf("analysis: %s: no blocks: %w", fn, ErrTooFew)
	}
	s0, d0 := 0, 0
	for l, b := range blocks {
		if b == nil {
			return nil, nil, fmt.Errorf("analysis: %s: block %d is nil: %w", fn, l, ErrShape)
		}
		s, d := b.Dims()
		if l == 0 {
			s0, d0 = s, d
		} else if s != s0 || d != d0 {
			return nil, nil, fmt.Errorf("analysis: %s: block %d is %d×%d, block 0 is %d×%d: %w", fn, l, s, d, s0, d0, ErrShape)
		}
		sim, err := Similarity(b, m)
		if err != nil {
			return nil, nil, fmt.Errorf("analysis: %s: block %d: %w", fn, l, err)
		}
		perBlock = append(perBlock, sim)
	}
	mean = mat.NewSymDense(s0, nil)
	for _, sim := range perBlock {
		mean.AddSym(mean, sim)
	}
	mean.ScaleSym(1/float64(len(perBlock)), mean)
	return perBlock, mean, nil
}

// MeanBlockSimilarity is the element-wise mean over the L blocks of the
// similarity matrices (S, S) of a row-major flat PE of shape [L, S, D] —
// Blocks, then BlockSimilarity's mean: the one similarity of a PE with a
// table per block.
func MeanBlockSimilarity(flat []float64, l, s, d int, m Measure) (*mat.SymDense, error) {
	blocks, err := Blocks(flat, l, s, d)
	if err != nil {
		return nil, err
	}
	_, mean, err := BlockSimilarity(blocks, m)
	return mean, err
}

// Blocks splits a row-major flat PE of shape [L, S, D] (the layout of a
// GoMLX tensor's flat data) into L (S, D) tables. The tables copy the data.
func Blocks(flat []float64, l, s, d int) ([]*mat.Dense, error) {
	const fn = "Blocks"
	if l < 1 || s < 1 || d < 1 {
		return nil, fmt.Errorf("analysis: %s: shape [%d, %d, %d] has a non-positive axis: %w", fn, l, s, d, ErrShape)
	}
	if len(flat) != l*s*d {
		return nil, fmt.Errorf("analysis: %s: %d values for shape [%d, %d, %d] (= %d): %w", fn, len(flat), l, s, d, l*s*d, ErrShape)
	}
	if err := checkFinite(fn, "flat", flat); err != nil {
		return nil, err
	}
	out := make([]*mat.Dense, l)
	for i := range out {
		data := make([]float64, s*d)
		copy(data, flat[i*s*d:(i+1)*s*d])
		out[i] = mat.NewDense(s, d, data)
	}
	return out, nil
}
