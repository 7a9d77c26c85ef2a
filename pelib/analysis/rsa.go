package analysis

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// RSA returns the representational similarity between two symmetric (S, S)
// matrices a and b (similarity or distance matrices of the same tokens): the
// correlation, under method m, of their strict upper triangles.
func RSA(a, b mat.Matrix, m Method) (float64, error) {
	const fn = "RSA"
	ua, ub, err := rsaTriangles(fn, a, b)
	if err != nil {
		return 0, err
	}
	r, err := Correlate(ua, ub, m)
	if err != nil {
		return 0, fmt.Errorf("analysis: %s: %w", fn, err)
	}
	return r, nil
}

func rsaTriangles(fn string, a, b mat.Matrix) (ua, ub []float64, err error) {
	na, err := checkSymmetric(fn, "a", a)
	if err != nil {
		return nil, nil, err
	}
	nb, err := checkSymmetric(fn, "b", b)
	if err != nil {
		return nil, nil, err
	}
	if na != nb {
		return nil, nil, fmt.Errorf("analysis: %s: a is %d×%d, b is %d×%d: %w", fn, na, na, nb, nb, ErrShape)
	}
	return upper(a, na), upper(b, nb), nil
}

// Tail selects the alternative hypothesis of a permutation test.
type Tail int

const (
	// TwoSided counts permutations with |r_π| ≥ |r|.
	TwoSided Tail = iota
	// Greater counts permutations with r_π ≥ r (positive association).
	Greater
	// Less counts permutations with r_π ≤ r (negative association, as
	// expected between a similarity and a distance matrix).
	Less
)

// MantelConfig configures a Mantel test. The zero value is a two-sided
// Spearman test with 999 permutations and seed 0.
type MantelConfig struct {
	Method       Method // correlation of the upper triangles
	Permutations int    // number of random token permutations; 0 means 999
	Seed         uint64 // seed of the permutation generator
	Tail         Tail   // alternative hypothesis
}

// MantelResult is the outcome of a Mantel test.
type MantelResult struct {
	R            float64 // observed correlation of the upper triangles
	P            float64 // permutation p-value, (1 + #extreme) / (1 + Permutations)
	Permutations int     // permutations drawn
}

// Mantel tests the association of two symmetric (S, S) matrices by permuting
// the tokens of b (its rows and columns together) and recomputing the RSA
// correlation: p = (1 + #{r_π at least as extreme as r}) / (1 + N). The
// permutations come from a PCG generator seeded with cfg.Seed, so a result is
// reproducible. S must be at least 4 (3 tokens have only 6 permutations).
func Mantel(a, b mat.Matrix, cfg MantelConfig) (MantelResult, error) {
	const fn = "Mantel"
	ua, ub, err := rsaTriangles(fn, a, b)
	if err != nil {
		return MantelResult{}, err
	}
	n, _ := a.Dims()
	if n < 4 {
		return MantelResult{}, fmt.Errorf("analysis: %s: %d tokens, need at least 4 for a permutation test: %w", fn, n, ErrTooFew)
	}
	nperm := cfg.Permutations
	if nperm == 0 {
		nperm = 999
	}
	if nperm < 0 {
		return MantelResult{}, fmt.Errorf("analysis: %s: %d permutations: %w", fn, nperm, ErrInvalid)
	}
	if cfg.Tail < TwoSided || cfg.Tail > Less {
		return MantelResult{}, fmt.Errorf("analysis: %s: unknown tail %d: %w", fn, cfg.Tail, ErrInvalid)
	}
	r, err := Correlate(ua, ub, cfg.Method)
	if err != nil {
		return MantelResult{}, fmt.Errorf("analysis: %s: %w", fn, err)
	}
	// Transform once: Spearman permutes the ranks of b's entries (a token
	// permutation only rearranges them), Pearson and Kendall use raw values.
	bm := mat.DenseCopyOf(b)
	if cfg.Method == Spearman {
		ua = Ranks(ua)
		rb := Ranks(ub)
		k := 0
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				bm.Set(i, j, rb[k])
				bm.Set(j, i, rb[k])
				k++
			}
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed_3a7e1))
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	vb := make([]float64, len(ua))
	const eps = 1e-12
	extreme := 0
	for range nperm {
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		k := 0
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				vb[k] = bm.At(perm[i], perm[j])
				k++
			}
		}
		var rp float64
		if cfg.Method == Kendall {
			rp = kendallTauB(ua, vb)
		} else {
			rp = scaledPearson(ua, vb)
		}
		switch cfg.Tail {
		case TwoSided:
			if math.Abs(rp) >= math.Abs(r)-eps {
				extreme++
			}
		case Greater:
			if rp >= r-eps {
				extreme++
			}
		case Less:
			if rp <= r+eps {
				extreme++
			}
		}
	}
	return MantelResult{R: r, P: float64(1+extreme) / float64(1+nperm), Permutations: nperm}, nil
}

// BootstrapConfig configures a bootstrap interval. The zero value gives a
// 95 % percentile interval from 1000 resamples with seed 0 (and, for
// BootstrapRSA, the Spearman correlation).
type BootstrapConfig struct {
	Method  Method  // correlation used by BootstrapRSA
	Samples int     // number of resamples; 0 means 1000
	Level   float64 // confidence level in (0, 1); 0 means 0.95
	Seed    uint64  // seed of the resampling generator
}

// Interval is a point estimate with a bootstrap percentile interval.
type Interval struct {
	Estimate float64 // statistic on the original data
	Lo, Hi   float64 // percentile interval at the configured level
	Samples  int     // resamples that gave a defined statistic
}

func (cfg BootstrapConfig) resolve(fn string) (samples int, level float64, err error) {
	samples, level = cfg.Samples, cfg.Level
	if samples == 0 {
		samples = 1000
	}
	if level == 0 {
		level = 0.95
	}
	if samples < 10 {
		return 0, 0, fmt.Errorf("analysis: %s: %d bootstrap samples, need at least 10: %w", fn, samples, ErrInvalid)
	}
	if !(level > 0 && level < 1) {
		return 0, 0, fmt.Errorf("analysis: %s: confidence level %v not in (0, 1): %w", fn, level, ErrInvalid)
	}
	return samples, level, nil
}

// percentile returns the (1−level)/2 and (1+level)/2 empirical quantiles.
func percentile(vals []float64, level float64) (lo, hi float64) {
	slices.Sort(vals)
	lo = stat.Quantile((1-level)/2, stat.LinInterp, vals, nil)
	hi = stat.Quantile((1+level)/2, stat.LinInterp, vals, nil)
	return lo, hi
}

// BootstrapRSA returns the RSA correlation of a and b with a bootstrap
// percentile interval. Each resample draws S tokens with replacement and
// correlates the entries a[t_u, t_v], b[t_u, t_v] over the pairs u < v of
// the resample whose tokens differ (the diagonal is never used). Resamples
// whose entries are constant are skipped; more than half skipped is an error.
func BootstrapRSA(a, b mat.Matrix, cfg BootstrapConfig) (Interval, error) {
	const fn = "BootstrapRSA"
	samples, level, err := cfg.resolve(fn)
	if err != nil {
		return Interval{}, err
	}
	est, err := RSA(a, b, cfg.Method)
	if err != nil {
		return Interval{}, fmt.Errorf("analysis: %s: %w", fn, err)
	}
	n, _ := a.Dims()
	am, bm := mat.DenseCopyOf(a), mat.DenseCopyOf(b)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xb007_57a9))
	idx := make([]int, n)
	vals := make([]float64, 0, samples)
	var xa, xb []float64
	var pu, pv []int
	for range samples {
		for i := range idx {
			idx[i] = rng.IntN(n)
		}
		xa, xb, pu, pv = xa[:0], xb[:0], pu[:0], pv[:0]
		for u := 0; u < n; u++ {
			for v := u + 1; v < n; v++ {
				if idx[u] == idx[v] {
					continue
				}
				xa = append(xa, am.At(idx[u], idx[v]))
				xb = append(xb, bm.At(idx[u], idx[v]))
				pu, pv = append(pu, u), append(pv, v)
			}
		}
		r, err := comparePairs(xa, xb, pu, pv, n, cfg.Method)
		if errors.Is(err, ErrConstant) || errors.Is(err, ErrTooFew) {
			continue
		}
		if err != nil {
			return Interval{}, fmt.Errorf("analysis: %s: %w", fn, err)
		}
		vals = append(vals, r)
	}
	if 2*len(vals) < samples {
		return Interval{}, fmt.Errorf("analysis: %s: only %d of %d resamples gave a defined correlation: %w", fn, len(vals), samples, ErrConstant)
	}
	lo, hi := percentile(vals, level)
	return Interval{Estimate: est, Lo: lo, Hi: hi, Samples: len(vals)}, nil
}

// BootstrapMean returns the mean of x (for example a metric over seeds) with a
// bootstrap percentile interval from resampling x with replacement. x needs at
// least 2 finite values.
func BootstrapMean(x []float64, cfg BootstrapConfig) (Interval, error) {
	const fn = "BootstrapMean"
	samples, level, err := cfg.resolve(fn)
	if err != nil {
		return Interval{}, err
	}
	if len(x) < 2 {
		return Interval{}, fmt.Errorf("analysis: %s: %d values, need at least 2: %w", fn, len(x), ErrTooFew)
	}
	if err := checkFinite(fn, "x", x); err != nil {
		return Interval{}, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xb007_3ea1))
	vals := make([]float64, samples)
	for s := range vals {
		var sum float64
		for range x {
			sum += x[rng.IntN(len(x))]
		}
		vals[s] = sum / float64(len(x))
	}
	lo, hi := percentile(vals, level)
	return Interval{Estimate: stat.Mean(x, nil), Lo: lo, Hi: hi, Samples: samples}, nil
}
