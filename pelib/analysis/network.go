package analysis

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// networks returns the sorted distinct labels and each token's network index.
func networks(labels []int) (names []int, index []int) {
	names = slices.Clone(labels)
	slices.Sort(names)
	names = slices.Compact(names)
	index = make([]int, len(labels))
	for i, l := range labels {
		index[i], _ = slices.BinarySearch(names, l)
	}
	return names, index
}

// Modularity returns Newman's modularity of the partition labels on the
// symmetric, non-negative weighted matrix w (for example a similarity matrix
// with negative entries set to zero):
//
//	Q = (1/2m) Σ_ij (w_ij − k_i k_j / 2m) δ(c_i, c_j),  k_i = Σ_j w_ij,  2m = Σ_ij w_ij.
//
// The diagonal of w is treated as zero (no self-loops); the sum runs over all
// i, j. Negative weights are an error (use SignedModularity), as is a matrix
// with no positive weight.
func Modularity(w mat.Matrix, labels []int) (float64, error) {
	const fn = "Modularity"
	n, err := checkSymmetric(fn, "weights", w)
	if err != nil {
		return 0, err
	}
	if err := checkLabels(fn, labels, n); err != nil {
		return 0, err
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			if v := w.At(i, j); v < 0 {
				return 0, fmt.Errorf("analysis: %s: weight [%d,%d] = %g is negative (use SignedModularity or clip): %w", fn, i, j, v, ErrInvalid)
			}
		}
	}
	q, v := modularityTerm(w, labels, 1)
	if v == 0 {
		return 0, fmt.Errorf("analysis: %s: no positive weight off the diagonal: %w", fn, ErrConstant)
	}
	return q / v, nil
}

// modularityTerm returns Σ_ij (w±_ij − k±_i k±_j / v±) δ(c_i, c_j) and
// v± = Σ_ij w±_ij, where w± keeps the off-diagonal weights of the given sign
// (+1 or −1) as magnitudes. When v± = 0 the term is 0.
func modularityTerm(w mat.Matrix, labels []int, sign float64) (term, v float64) {
	n := len(labels)
	names, idx := networks(labels)
	k := make([]float64, n)
	within := 0.0
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i == j {
				continue
			}
			x := sign * w.At(i, j)
			if x <= 0 {
				continue
			}
			k[i] += x
			v += x
			if idx[i] == idx[j] {
				within += x
			}
		}
	}
	if v == 0 {
		return 0, 0
	}
	deg := make([]float64, len(names))
	for i, ki := range k {
		deg[idx[i]] += ki
	}
	var expected float64
	for _, dc := range deg {
		expected += dc * dc
	}
	return within - expected/v, v
}

// SignedModularity returns the modularity of Rubinov and Sporns (2011) for a
// symmetric weighted matrix with positive and negative entries:
//
//	Q* = (1/v⁺) Σ_ij (w⁺_ij − k⁺_i k⁺_j / v⁺) δ_ij − (1/(v⁺ + v⁻)) Σ_ij (w⁻_ij − k⁻_i k⁻_j / v⁻) δ_ij,
//
// where w⁺ and w⁻ are the magnitudes of the positive and negative
// off-diagonal weights, k± their row sums and v± their totals. Negative
// weights inside networks lower Q*, negative weights between networks raise
// it, and positive weights count more than negative ones. Without negative
// weights Q* equals Modularity. A matrix with no positive weight is an error.
func SignedModularity(w mat.Matrix, labels []int) (float64, error) {
	const fn = "SignedModularity"
	n, err := checkSymmetric(fn, "weights", w)
	if err != nil {
		return 0, err
	}
	if err := checkLabels(fn, labels, n); err != nil {
		return 0, err
	}
	qp, vp := modularityTerm(w, labels, 1)
	if vp == 0 {
		return 0, fmt.Errorf("analysis: %s: no positive weight off the diagonal: %w", fn, ErrConstant)
	}
	qn, vn := modularityTerm(w, labels, -1)
	return qp/vp - qn/(vp+vn), nil
}

// NetworkMeans returns the (K, K) matrix of mean off-diagonal weights between
// the K networks of the partition (entry [a, b] averages w_ij over i in
// network names[a], j in names[b], i ≠ j), and the sorted network labels.
// An entry with no pairs (a single-token network on the diagonal) is 0 and
// flagged by counts[a][b] = 0.
func NetworkMeans(w mat.Matrix, labels []int) (means *mat.Dense, names []int, counts [][]int, err error) {
	const fn = "NetworkMeans"
	n, err := checkSquare(fn, "weights", w)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkLabels(fn, labels, n); err != nil {
		return nil, nil, nil, err
	}
	names, idx := networks(labels)
	kn := len(names)
	means = mat.NewDense(kn, kn, nil)
	counts = make([][]int, kn)
	for a := range counts {
		counts[a] = make([]int, kn)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i == j {
				continue
			}
			a, b := idx[i], idx[j]
			means.Set(a, b, means.At(a, b)+w.At(i, j))
			counts[a][b]++
		}
	}
	for a := 0; a < kn; a++ {
		for b := 0; b < kn; b++ {
			if counts[a][b] > 0 {
				means.Set(a, b, means.At(a, b)/float64(counts[a][b]))
			}
		}
	}
	return means, names, counts, nil
}

// WithinBetween returns the mean off-diagonal weight over pairs of tokens in
// the same network (within) and in different networks (between). The
// partition needs at least two networks and one within-network pair.
func WithinBetween(w mat.Matrix, labels []int) (within, between float64, err error) {
	const fn = "WithinBetween"
	n, err := checkSquare(fn, "weights", w)
	if err != nil {
		return 0, 0, err
	}
	if err := checkLabels(fn, labels, n); err != nil {
		return 0, 0, err
	}
	var nw, nb int
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i == j {
				continue
			}
			if labels[i] == labels[j] {
				within += w.At(i, j)
				nw++
			} else {
				between += w.At(i, j)
				nb++
			}
		}
	}
	if nb == 0 {
		return 0, 0, fmt.Errorf("analysis: %s: partition has a single network, no between pairs: %w", fn, ErrInvalid)
	}
	if nw == 0 {
		return 0, 0, fmt.Errorf("analysis: %s: every network has one token, no within pairs: %w", fn, ErrInvalid)
	}
	return within / float64(nw), between / float64(nb), nil
}

// Segregation returns the system segregation of Chan et al. (2014),
// (mean within − mean between) / mean within, from WithinBetween. Chan et al.
// apply it to Fisher-z connectivity with negative values set to zero; apply
// such transforms to w first if wanted. A mean within-network weight of zero
// is an error.
func Segregation(w mat.Matrix, labels []int) (float64, error) {
	within, between, err := WithinBetween(w, labels)
	if err != nil {
		return 0, fmt.Errorf("analysis: Segregation: %w", err)
	}
	if within == 0 {
		return 0, fmt.Errorf("analysis: Segregation: mean within-network weight is 0: %w", ErrConstant)
	}
	return (within - between) / within, nil
}
