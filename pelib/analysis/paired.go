package analysis

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// PairedResult compares two conditions measured on the same units (seeds,
// held-out subjects, puzzles): the differences d_i = x_i − y_i.
type PairedResult struct {
	N    int     // pairs
	Mean float64 // d̄ = Σ d_i / N
	// Lo, Hi is the Student-t 95 % interval of the mean difference,
	// d̄ ∓ t₀.₉₇₅(N−1)·SD(d)/√N.
	Lo, Hi float64
	// P is the two-sided sign-flip permutation p-value of d̄ = 0: the
	// fraction of the 2^N sign assignments s with |Σ s_i d_i| ≥ |Σ d_i|
	// (exact for N ≤ 16, else from Samples random flips, counting the
	// observed one: (1 + #)/(1 + Samples)). With N pairs it cannot fall
	// below 2/2^N: three seeds never give p < 0.25.
	P     float64
	Exact bool
}

// PairedTest compares x and y paired by position (x_i, y_i measured on the
// same unit): see PairedResult. It needs N ≥ 2 finite pairs; seed seeds
// the random flips when N > 16.
func PairedTest(x, y []float64, seed uint64) (PairedResult, error) {
	const fn = "PairedTest"
	if err := checkPair(fn, x, y, 2); err != nil {
		return PairedResult{}, err
	}
	n := len(x)
	d := make([]float64, n)
	for i := range x {
		d[i] = x[i] - y[i]
	}
	mean, sd := stat.MeanStdDev(d, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	half := t * sd / math.Sqrt(float64(n))
	res := PairedResult{N: n, Mean: mean, Lo: mean - half, Hi: mean + half}
	obs := math.Abs(mean * float64(n))
	tol := 1e-12 * (1 + obs)
	count := func(signs func(i int) float64) bool {
		s := 0.0
		for i, v := range d {
			s += signs(i) * v
		}
		return math.Abs(s) >= obs-tol
	}
	if n <= 16 {
		hits := 0
		for mask := 0; mask < 1<<n; mask++ {
			if count(func(i int) float64 {
				if mask>>i&1 == 1 {
					return -1
				}
				return 1
			}) {
				hits++
			}
		}
		res.P, res.Exact = float64(hits)/float64(int(1)<<n), true
		return res, nil
	}
	const samples = 9999
	rng := rand.New(rand.NewPCG(seed, 0x5167))
	hits := 0
	for range samples {
		if count(func(int) float64 { return float64(1 - 2*rng.IntN(2)) }) {
			hits++
		}
	}
	res.P = float64(1+hits) / float64(1+samples)
	return res, nil
}
