package analysis

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Method selects a correlation coefficient.
type Method int

const (
	// Spearman is the Pearson correlation of average ranks (tie-aware ρ).
	Spearman Method = iota
	// Pearson is the product-moment correlation.
	Pearson
	// Kendall is Kendall's τ_b, which corrects for ties in either variable.
	Kendall
	// KendallTauA is Kendall's τ_a = (n_c − n_d)/(n(n−1)/2): ties count as
	// neither concordant nor discordant and are not corrected for
	// (rsatoolbox's recommended comparator for models that predict ties).
	KendallTauA
	// RDMCosine is x·y/(‖x‖‖y‖), not centred: meaningful for dissimilarities
	// (RDMs: distances, 1 − similarity), whose zero is meaningful, as in
	// rsatoolbox's "cosine".
	RDMCosine
	// RDMWhitenedCosine is xᵀV⁻¹y/√(xᵀV⁻¹x · yᵀV⁻¹y) for x, y the strict
	// upper triangles of two S×S RDMs, V = (CCᵀ)∘(CCᵀ) the covariance of
	// the dissimilarity estimates under i.i.d. pattern noise (C: one row
	// e_i − e_j per pair), as rsatoolbox's "cosine_cov" (Diedrichsen et al.
	// 2021). Its inputs must be full upper triangles (S(S−1)/2 values in
	// UpperTriangle's order).
	RDMWhitenedCosine
)

// String returns the name of the method.
func (m Method) String() string {
	switch m {
	case Spearman:
		return "spearman"
	case Pearson:
		return "pearson"
	case Kendall:
		return "kendall"
	case KendallTauA:
		return "kendall-tau-a"
	case RDMCosine:
		return "cosine"
	case RDMWhitenedCosine:
		return "whitened-cosine"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// Correlate returns the correlation of x and y under method m. x and y must be
// finite, of equal length n ≥ 3, and neither may be constant.
func Correlate(x, y []float64, m Method) (float64, error) {
	switch m {
	case Spearman:
		return SpearmanRho(x, y)
	case Pearson:
		return PearsonR(x, y)
	case Kendall:
		return KendallTauB(x, y)
	case KendallTauA:
		return KendallTauAOf(x, y)
	case RDMCosine:
		return CosineOf(x, y)
	case RDMWhitenedCosine:
		return WhitenedCosineOf(x, y)
	}
	return 0, fmt.Errorf("analysis: Correlate: unknown method %v: %w", m, ErrInvalid)
}

// PearsonR returns the Pearson correlation
// r = Σ(x_i − x̄)(y_i − ȳ) / √(Σ(x_i − x̄)² Σ(y_i − ȳ)²).
// x and y must be finite, of equal length n ≥ 3, and neither may be
// constant. The centred vectors are rescaled by a power of two before
// squaring, so r is exact to rounding at any magnitude (for example
// PearsonR([1,2,3,5]·1e160, [1,2,4,3]) = 9/√175 ≈ 0.680336).
func PearsonR(x, y []float64) (float64, error) {
	const fn = "PearsonR"
	if err := checkPair(fn, x, y, minTokens); err != nil {
		return 0, err
	}
	return pearson(fn, x, y)
}

// pearson computes r for checked input.
func pearson(fn string, x, y []float64) (float64, error) {
	if isConstant(x) {
		return 0, fmt.Errorf("analysis: %s: x is constant: %w", fn, ErrConstant)
	}
	if isConstant(y) {
		return 0, fmt.Errorf("analysis: %s: y is constant: %w", fn, ErrConstant)
	}
	r := scaledPearson(x, y)
	if math.IsNaN(r) {
		return 0, fmt.Errorf("analysis: %s: correlation undefined (variance underflow): %w", fn, ErrConstant)
	}
	return r, nil
}

func isConstant(x []float64) bool {
	for _, v := range x[1:] {
		if v != x[0] {
			return false
		}
	}
	return true
}

// SpearmanRho returns Spearman's rank correlation: the Pearson correlation of
// the average ranks of x and y (see Ranks), which is the textbook tie-aware ρ.
func SpearmanRho(x, y []float64) (float64, error) {
	const fn = "SpearmanRho"
	if err := checkPair(fn, x, y, minTokens); err != nil {
		return 0, err
	}
	return pearson(fn, Ranks(x), Ranks(y))
}

// Ranks returns the 1-based ranks of x, giving tied values the average of the
// ranks they span (so [10, 20, 20, 30] ranks as [1, 2.5, 2.5, 4]).
func Ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && x[idx[j]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // mean of 1-based ranks i+1 … j
		for k := i; k < j; k++ {
			r[idx[k]] = avg
		}
		i = j
	}
	return r
}

// KendallTauB returns Kendall's τ_b = (n_c − n_d) / √((n_0 − n_1)(n_0 − n_2)),
// where n_c and n_d count concordant and discordant pairs, n_0 = n(n−1)/2,
// and n_1, n_2 count the pairs tied in x and in y. It uses Knight's
// O(n log n) algorithm, so it is usable on the tens of thousands of pairs of
// a large similarity matrix.
func KendallTauB(x, y []float64) (float64, error) {
	if err := checkKendall("KendallTauB", x, y); err != nil {
		return 0, err
	}
	return kendallTauB(x, y), nil
}

// checkKendall checks the inputs of Kendall's τ: finite, of equal length
// n ≥ 3, neither constant.
func checkKendall(fn string, x, y []float64) error {
	if err := checkPair(fn, x, y, minTokens); err != nil {
		return err
	}
	if isConstant(x) {
		return fmt.Errorf("analysis: %s: x is constant: %w", fn, ErrConstant)
	}
	if isConstant(y) {
		return fmt.Errorf("analysis: %s: y is constant: %w", fn, ErrConstant)
	}
	return nil
}

// KendallTauAOf returns Kendall's τ_a = (n_c − n_d)/n_0, n_0 = n(n−1)/2,
// counting ties as neither concordant nor discordant (so a model with ties
// cannot reach 1). Same preconditions and algorithm as KendallTauB.
func KendallTauAOf(x, y []float64) (float64, error) {
	if err := checkKendall("KendallTauAOf", x, y); err != nil {
		return 0, err
	}
	k := kendallCounts(x, y)
	return math.Max(-1, math.Min(1, (k.nc-k.nd)/k.n0)), nil
}

func kendallTauB(x, y []float64) float64 {
	k := kendallCounts(x, y)
	tau := (k.nc - k.nd) / math.Sqrt((k.n0-k.n1)*(k.n0-k.n2))
	return math.Max(-1, math.Min(1, tau))
}

// kendall holds the pair counts of Kendall's τ: n0 = n(n−1)/2 pairs, n1
// tied in x, n2 tied in y, nc concordant and nd discordant.
type kendall struct{ n0, n1, n2, nc, nd float64 }

func kendallCounts(x, y []float64) kendall {
	n := len(x)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp.Compare(x[a], x[b]); c != 0 {
			return c
		}
		return cmp.Compare(y[a], y[b])
	})
	pairs := func(t int) float64 { return float64(t) * float64(t-1) / 2 }
	// Ties in x (n1) and joint ties in x and y (n3).
	var n1, n3 float64
	for i := 0; i < n; {
		j := i + 1
		for j < n && x[idx[j]] == x[idx[i]] {
			j++
		}
		n1 += pairs(j - i)
		for k := i; k < j; {
			l := k + 1
			for l < j && y[idx[l]] == y[idx[k]] {
				l++
			}
			n3 += pairs(l - k)
			k = l
		}
		i = j
	}
	// Discordant pairs are the strict inversions of y in this order.
	ys := make([]float64, n)
	for i, k := range idx {
		ys[i] = y[k]
	}
	nd := float64(mergeCountInversions(ys, make([]float64, n)))
	// ys is now sorted: ties in y (n2).
	var n2 float64
	for i := 0; i < n; {
		j := i + 1
		for j < n && ys[j] == ys[i] {
			j++
		}
		n2 += pairs(j - i)
		i = j
	}
	n0 := pairs(n)
	nc := n0 - n1 - n2 + n3 - nd
	return kendall{n0: n0, n1: n1, n2: n2, nc: nc, nd: nd}
}

// mergeCountInversions sorts a ascending and returns the number of pairs
// i < j with a[i] > a[j] (equal values are not inversions).
func mergeCountInversions(a, buf []float64) int64 {
	n := len(a)
	if n < 2 {
		return 0
	}
	m := n / 2
	inv := mergeCountInversions(a[:m], buf[:m]) + mergeCountInversions(a[m:], buf[m:])
	i, j, k := 0, m, 0
	for i < m && j < n {
		if a[j] < a[i] {
			buf[k] = a[j]
			inv += int64(m - i)
			j++
		} else {
			buf[k] = a[i]
			i++
		}
		k++
	}
	k += copy(buf[k:], a[i:m])
	copy(buf[k:], a[j:n])
	copy(a, buf[:n])
	return inv
}

// UpperTriangle returns the strict upper triangle of the square matrix m in
// row-major order: m[0,1], m[0,2], …, m[0,S−1], m[1,2], …; S(S−1)/2 values.
func UpperTriangle(m mat.Matrix) ([]float64, error) {
	n, err := checkSquare("UpperTriangle", "matrix", m)
	if err != nil {
		return nil, err
	}
	return upper(m, n), nil
}

func upper(m mat.Matrix, n int) []float64 {
	out := make([]float64, 0, n*(n-1)/2)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			out = append(out, m.At(i, j))
		}
	}
	return out
}
