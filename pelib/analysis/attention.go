package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// AttentionMean accumulates per-layer (S, S) attention maps over a data set
// that arrives in batches, and returns their mean. Batches use the row-major
// flat layout [n, L, S, S] of a GoMLX tensor: item i, layer l, query q, key k
// is at ((i·L + l)·S + q)·S + k. Use NewAttentionMean.
type AttentionMean struct {
	l, s, n int
	sum     []float64
}

// NewAttentionMean returns an empty accumulator for L layers of (S, S) maps.
func NewAttentionMean(l, s int) (*AttentionMean, error) {
	if l < 1 {
		return nil, fmt.Errorf("analysis: NewAttentionMean: %d layers: %w", l, ErrShape)
	}
	if s < minTokens {
		return nil, fmt.Errorf("analysis: NewAttentionMean: %d tokens, need at least %d: %w", s, minTokens, ErrTooFew)
	}
	return &AttentionMean{l: l, s: s, sum: make([]float64, l*s*s)}, nil
}

// Add adds a batch of n items in the flat [n, L, S, S] layout.
func (a *AttentionMean) Add(flat []float64, n int) error {
	const fn = "AttentionMean.Add"
	per := a.l * a.s * a.s
	if n < 1 || len(flat) != n*per {
		return fmt.Errorf("analysis: %s: %d values for [%d, %d, %d, %d] (= %d): %w", fn, len(flat), n, a.l, a.s, a.s, n*per, ErrShape)
	}
	if err := checkFinite(fn, "attention", flat); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		item := flat[i*per : (i+1)*per]
		for k, v := range item {
			a.sum[k] += v
		}
	}
	a.n += n
	return nil
}

// Count returns the number of items added.
func (a *AttentionMean) Count() int { return a.n }

// Mean returns the L mean (S, S) maps, rows = queries, columns = keys.
func (a *AttentionMean) Mean() ([]*mat.Dense, error) {
	if a.n == 0 {
		return nil, fmt.Errorf("analysis: AttentionMean.Mean: no items added: %w", ErrTooFew)
	}
	out := make([]*mat.Dense, a.l)
	ss := a.s * a.s
	for l := range out {
		data := make([]float64, ss)
		for k := range data {
			data[k] = a.sum[l*ss+k] / float64(a.n)
		}
		out[l] = mat.NewDense(a.s, a.s, data)
	}
	return out, nil
}

// MeanAttention returns the per-layer mean over n items of attention maps
// given in the flat [n, L, S, S] layout of AttentionMean.
func MeanAttention(flat []float64, n, l, s int) ([]*mat.Dense, error) {
	acc, err := NewAttentionMean(l, s)
	if err != nil {
		return nil, err
	}
	if err := acc.Add(flat, n); err != nil {
		return nil, err
	}
	return acc.Mean()
}

// MapCosine returns the cosine similarity ⟨A, B⟩_F / (‖A‖_F ‖B‖_F) of two
// maps of the same shape, treated as flat vectors.
func MapCosine(a, b mat.Matrix) (float64, error) {
	c, err := mapsCosine("MapCosine", []mat.Matrix{a}, []mat.Matrix{b})
	return c, err
}

// AttentionCosine compares two models' per-layer maps: perLayer[l] is the
// MapCosine of layer l, and overall is the cosine of all layers' maps
// concatenated into one vector. Both models need the same number of layers
// and map shapes.
func AttentionCosine(a, b []*mat.Dense) (perLayer []float64, overall float64, err error) {
	const fn = "AttentionCosine"
	if len(a) == 0 || len(a) != len(b) {
		return nil, 0, fmt.Errorf("analysis: %s: %d and %d layers, want equal and non-zero: %w", fn, len(a), len(b), ErrShape)
	}
	am, bm := make([]mat.Matrix, len(a)), make([]mat.Matrix, len(b))
	perLayer = make([]float64, len(a))
	for l := range a {
		if a[l] == nil || b[l] == nil {
			return nil, 0, fmt.Errorf("analysis: %s: layer %d map is nil: %w", fn, l, ErrShape)
		}
		am[l], bm[l] = a[l], b[l]
		if perLayer[l], err = mapsCosine(fn, am[l:l+1], bm[l:l+1]); err != nil {
			return nil, 0, fmt.Errorf("analysis: %s: layer %d: %w", fn, l, err)
		}
	}
	overall, err = mapsCosine(fn, am, bm)
	return perLayer, overall, err
}

func mapsCosine(fn string, a, b []mat.Matrix) (float64, error) {
	var dot, na, nb float64
	for l := range a {
		if a[l] == nil || b[l] == nil {
			return 0, fmt.Errorf("analysis: %s: map is nil: %w", fn, ErrShape)
		}
		ra, ca := a[l].Dims()
		rb, cb := b[l].Dims()
		if ra != rb || ca != cb {
			return 0, fmt.Errorf("analysis: %s: maps are %d×%d and %d×%d: %w", fn, ra, ca, rb, cb, ErrShape)
		}
		if err := checkMatFinite(fn, "a", a[l]); err != nil {
			return 0, err
		}
		if err := checkMatFinite(fn, "b", b[l]); err != nil {
			return 0, err
		}
	}
	// Rescale each side by a power of two near its largest magnitude (the
	// cosine is invariant under positive scales) so that x² cannot overflow
	// or underflow.
	var ma, mb float64
	for l := range a {
		ra, ca := a[l].Dims()
		for i := 0; i < ra; i++ {
			for j := 0; j < ca; j++ {
				ma = math.Max(ma, math.Abs(a[l].At(i, j)))
				mb = math.Max(mb, math.Abs(b[l].At(i, j)))
			}
		}
	}
	ea, eb := pow2Exp(ma), pow2Exp(mb)
	for l := range a {
		ra, ca := a[l].Dims()
		for i := 0; i < ra; i++ {
			for j := 0; j < ca; j++ {
				x, y := math.Ldexp(a[l].At(i, j), -ea), math.Ldexp(b[l].At(i, j), -eb)
				dot += x * y
				na += x * x
				nb += y * y
			}
		}
	}
	if na == 0 || nb == 0 {
		return 0, fmt.Errorf("analysis: %s: a map is all zeros: %w", fn, ErrConstant)
	}
	return math.Max(-1, math.Min(1, dot/math.Sqrt(na*nb))), nil
}
