package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// ExactMaxN is the largest sample size for which SpearmanTest enumerates all
// n! permutations; larger samples use the t approximation.
const ExactMaxN = 9

// RankTest is the result of SpearmanTest.
type RankTest struct {
	Rho   float64 // Spearman's ρ (tie-aware)
	P     float64 // two-sided p-value
	N     int     // number of pairs
	Exact bool    // true: P from complete enumeration; false: t approximation
}

// SpearmanTest returns Spearman's ρ between x (for example a PE metric per
// sweep condition) and y (for example generalisation accuracy) and a
// two-sided p-value for ρ = 0. For n ≤ ExactMaxN the p-value is exact: the
// fraction of all n! pairings of the ranks of y with those of x whose |ρ| is
// at least the observed |ρ| (ties are kept as they are). For larger n it
// uses t = ρ √((n−2)/(1−ρ²)) on n−2 degrees of freedom (p = 0 when |ρ| = 1).
func SpearmanTest(x, y []float64) (RankTest, error) {
	const fn = "SpearmanTest"
	rho, err := SpearmanRho(x, y)
	if err != nil {
		return RankTest{}, fmt.Errorf("analysis: %s: %w", fn, err)
	}
	n := len(x)
	if n <= ExactMaxN {
		return RankTest{Rho: rho, P: exactSpearmanP(Ranks(x), Ranks(y)), N: n, Exact: true}, nil
	}
	return RankTest{Rho: rho, P: spearmanTP(rho, n), N: n}, nil
}

// spearmanTP is the two-sided p-value of ρ from the t approximation.
func spearmanTP(rho float64, n int) float64 {
	if math.Abs(rho) >= 1 {
		return 0
	}
	df := float64(n - 2)
	t := math.Abs(rho) * math.Sqrt(df/(1-rho*rho))
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(t)
}

// exactSpearmanP enumerates all permutations of ry (Heap's algorithm) and
// returns the fraction with |Σ (rx_i − r̄)(ry_π(i) − r̄)| at least the observed.
func exactSpearmanP(rx, ry []float64) float64 {
	n := len(rx)
	mean := float64(n+1) / 2
	cx := make([]float64, n)
	cy := make([]float64, n)
	for i := range rx {
		cx[i] = rx[i] - mean
		cy[i] = ry[i] - mean
	}
	stat := func() float64 {
		var s float64
		for i := range cx {
			s += cx[i] * cy[i]
		}
		return math.Abs(s)
	}
	obs := stat() - 1e-9
	count, total := 0, 0
	c := make([]int, n)
	visit := func() {
		total++
		if stat() >= obs {
			count++
		}
	}
	visit()
	for i := 0; i < n; {
		if c[i] < i {
			if i%2 == 0 {
				cy[0], cy[i] = cy[i], cy[0]
			} else {
				cy[c[i]], cy[i] = cy[i], cy[c[i]]
			}
			visit()
			c[i]++
			i = 0
		} else {
			c[i] = 0
			i++
		}
	}
	return float64(count) / float64(total)
}
