package fmri

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// NetworkFC returns the mean of FC[i, j] over region pairs i < j in the same
// network (within) and in different networks (between), for network keys
// given per region.
func NetworkFC(fc mat.Symmetric, keys []int) (within, between float64, err error) {
	n := fc.SymmetricDim()
	if len(keys) != n {
		return 0, 0, fmt.Errorf("fmri: network FC: %d network keys for %d regions", len(keys), n)
	}
	var sw, sb float64
	var nw, nb int
	for i := range n {
		for j := i + 1; j < n; j++ {
			if keys[i] == keys[j] {
				sw += fc.At(i, j)
				nw++
			} else {
				sb += fc.At(i, j)
				nb++
			}
		}
	}
	if nw == 0 || nb == 0 {
		return 0, 0, fmt.Errorf("fmri: network FC: %d within and %d between pairs, want both > 0", nw, nb)
	}
	return sw / float64(nw), sb / float64(nb), nil
}

// HomotopicFC returns the mean FC of homotopic pairs (i, i + S/2), region i
// of the left hemisphere with its right counterpart, and the mean over all
// pairs i < j. S must be even (left regions first, then right, in the same
// order).
func HomotopicFC(fc mat.Symmetric) (homotopic, all float64, err error) {
	n := fc.SymmetricDim()
	if n < 2 || n%2 != 0 {
		return 0, 0, fmt.Errorf("fmri: homotopic FC: %d regions, want an even number (left then right)", n)
	}
	h := n / 2
	for i := range h {
		homotopic += fc.At(i, i+h)
	}
	homotopic /= float64(h)
	for i := range n {
		for j := i + 1; j < n; j++ {
			all += fc.At(i, j)
		}
	}
	all /= float64(n * (n - 1) / 2)
	return homotopic, all, nil
}

// DistanceCorrelation returns the Pearson correlation, over region pairs
// i < j, between FC[i, j] and the Euclidean distance between the regions'
// centroids.
func DistanceCorrelation(fc mat.Symmetric, centroids [][3]float64) (float64, error) {
	n := fc.SymmetricDim()
	if len(centroids) != n {
		return 0, fmt.Errorf("fmri: distance correlation: %d centroids for %d regions", len(centroids), n)
	}
	var f, d []float64
	for i := range n {
		for j := i + 1; j < n; j++ {
			f = append(f, fc.At(i, j))
			d = append(d, math.Sqrt(sq(centroids[i][0]-centroids[j][0])+sq(centroids[i][1]-centroids[j][1])+sq(centroids[i][2]-centroids[j][2])))
		}
	}
	if len(f) < 2 {
		return 0, fmt.Errorf("fmri: distance correlation: %d pairs, want ≥ 2", len(f))
	}
	return stat.Correlation(f, d, nil), nil
}

func sq(x float64) float64 { return x * x }
