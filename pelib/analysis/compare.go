package analysis

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// CosineOf returns x·y/(‖x‖‖y‖), the uncentred cosine of two vectors (the
// RDMCosine comparator). x and y must be finite, of equal length n ≥ 3, and
// neither may be all zeros. Both are rescaled by a power of two first, so
// the result holds at any finite scale.
func CosineOf(x, y []float64) (float64, error) {
	const fn = "CosineOf"
	if err := checkPair(fn, x, y, minTokens); err != nil {
		return 0, err
	}
	nx, ny := norm2(x), norm2(y)
	if nx == 0 || ny == 0 {
		return 0, fmt.Errorf("analysis: %s: a vector is all zeros: %w", fn, ErrConstant)
	}
	ex, ey := pow2Exp(maxAbsOf(x)), pow2Exp(maxAbsOf(y))
	var dot float64
	for i := range x {
		dot += math.Ldexp(x[i], -ex) * math.Ldexp(y[i], -ey)
	}
	c := dot / (math.Ldexp(nx, -ex) * math.Ldexp(ny, -ey))
	return math.Max(-1, math.Min(1, c)), nil
}

// WhitenedCosineOf returns the RDMWhitenedCosine comparator of two full
// strict upper triangles x, y of S×S RDMs (S(S−1)/2 values each, S ≥ 3, in
// UpperTriangle's order): xᵀV⁻¹y/√(xᵀV⁻¹x · yᵀV⁻¹y) with V = (CCᵀ)∘(CCᵀ),
// C the pairwise contrast matrix (row p = e_i − e_j for pair p = (i, j)).
//
// V has 4 on its diagonal, 1 where two pairs share one token and 0
// elsewhere, so V = 2I + AAᵀ with A the unsigned incidence matrix (row p has
// ones at i and j), and V⁻¹ follows from Woodbury's identity through one
// S×S solve: V⁻¹x = ½x − ¼A(I_S + ½AᵀA)⁻¹Aᵀx — O(S²) memory for the 64,620
// pairs of 360 brain regions, where V itself would be 64,620².
func WhitenedCosineOf(x, y []float64) (float64, error) {
	const fn = "WhitenedCosineOf"
	if err := checkPair(fn, x, y, minTokens); err != nil {
		return 0, err
	}
	S := int(math.Round((1 + math.Sqrt(1+8*float64(len(x)))) / 2))
	if S*(S-1)/2 != len(x) {
		return 0, fmt.Errorf("analysis: %s: %d values is not S(S−1)/2 for any S: want a full upper triangle: %w", fn, len(x), ErrShape)
	}
	pu, pv := trianglePairs(S)
	return whitenedCosine(fn, x, y, pu, pv, S)
}

// trianglePairs lists the pairs (i, j), i < j, of S tokens in
// UpperTriangle's order.
func trianglePairs(S int) (pu, pv []int) {
	for i := range S {
		for j := i + 1; j < S; j++ {
			pu, pv = append(pu, i), append(pv, j)
		}
	}
	return pu, pv
}

// whitenedCosine is the whitened cosine of x and y given over the pairs
// (pu[k], pv[k]) of S positions (any subset of the pairs of S positions, so
// that a bootstrap resample that drops pairs of duplicated tokens uses the
// principal submatrix of V, as rsatoolbox does).
func whitenedCosine(fn string, x, y []float64, pu, pv []int, S int) (float64, error) {
	// M = I + ½AᵀA: AᵀA has each position's pair count on the diagonal and
	// 1 at (i, j) for each pair.
	m := mat.NewSymDense(S, nil)
	for i := range S {
		m.SetSym(i, i, 1)
	}
	for k := range pu {
		i, j := pu[k], pv[k]
		m.SetSym(i, i, m.At(i, i)+0.5)
		m.SetSym(j, j, m.At(j, j)+0.5)
		m.SetSym(i, j, m.At(i, j)+0.5)
	}
	var ch mat.Cholesky
	if !ch.Factorize(m) {
		return 0, fmt.Errorf("analysis: %s: I + ½AᵀA is not positive definite: %w", fn, ErrInvalid)
	}
	ex, ey := pow2Exp(maxAbsOf(x)), pow2Exp(maxAbsOf(y))
	xs, ys := make([]float64, len(x)), make([]float64, len(y))
	for k := range x {
		xs[k], ys[k] = math.Ldexp(x[k], -ex), math.Ldexp(y[k], -ey)
	}
	vinv := func(v []float64) ([]float64, error) {
		a := mat.NewVecDense(S, nil)
		for k := range v {
			a.SetVec(pu[k], a.AtVec(pu[k])+v[k])
			a.SetVec(pv[k], a.AtVec(pv[k])+v[k])
		}
		var z mat.VecDense
		if err := ch.SolveVecTo(&z, a); err != nil {
			return nil, err
		}
		out := make([]float64, len(v))
		for k := range v {
			out[k] = 0.5*v[k] - 0.25*(z.AtVec(pu[k])+z.AtVec(pv[k]))
		}
		return out, nil
	}
	wx, err := vinv(xs)
	if err != nil {
		return 0, fmt.Errorf("analysis: %s: %w", fn, err)
	}
	wy, err := vinv(ys)
	if err != nil {
		return 0, fmt.Errorf("analysis: %s: %w", fn, err)
	}
	var xy, xx, yy float64
	for k := range xs {
		xy += xs[k] * wy[k]
		xx += xs[k] * wx[k]
		yy += ys[k] * wy[k]
	}
	if xx <= 0 || yy <= 0 {
		return 0, fmt.Errorf("analysis: %s: a vector is all zeros: %w", fn, ErrConstant)
	}
	return math.Max(-1, math.Min(1, xy/math.Sqrt(xx*yy))), nil
}

// comparePairs applies m to x, y given over the pairs (pu, pv) of S
// positions (the whitened cosine needs them; the others do not).
func comparePairs(x, y []float64, pu, pv []int, S int, m Method) (float64, error) {
	if m == RDMWhitenedCosine {
		if err := checkPair("RDMWhitenedCosine", x, y, minTokens); err != nil {
			return 0, err
		}
		return whitenedCosine("RDMWhitenedCosine", x, y, pu, pv, S)
	}
	return Correlate(x, y, m)
}

// NoiseCeiling is the range of values a model RDM can be expected to reach
// when compared, under one method, with RDMs measured in N subjects (Nili
// et al. 2014; rsatoolbox's boot_noise_ceiling):
//
//	Upper = (1/N) Σ_s compare(pool(all N), D_s)
//	Lower = (1/N) Σ_s compare(pool(all but s), D_s)
//
// where pool averages the subjects' upper triangles after putting each on
// the method's own scale (ranks for Spearman and Kendall, z-scores for
// Pearson, division by the root mean square for the cosines): the pooled
// RDM is the best single prediction of the group under that method, so no
// model can be expected above Upper, and Lower is what the group's own
// structure reaches on a subject it did not see.
type NoiseCeiling struct {
	Lower, Upper float64
	Subjects     int
}

// NoiseCeilingOf computes the NoiseCeiling of the data RDMs (N ≥ 2
// symmetric S×S matrices of the same tokens, S ≥ 3) under m.
func NoiseCeilingOf(data []mat.Matrix, m Method) (NoiseCeiling, error) {
	const fn = "NoiseCeilingOf"
	if len(data) < 2 {
		return NoiseCeiling{}, fmt.Errorf("analysis: %s: %d data RDMs, need at least 2: %w", fn, len(data), ErrTooFew)
	}
	vecs := make([][]float64, len(data))
	S := 0
	for i, d := range data {
		n, err := checkSymmetric(fn, fmt.Sprintf("data[%d]", i), d)
		if err != nil {
			return NoiseCeiling{}, err
		}
		if i > 0 && n != S {
			return NoiseCeiling{}, fmt.Errorf("analysis: %s: data[%d] is %d×%d, data[0] %d×%d: %w", fn, i, n, n, S, S, ErrShape)
		}
		S = n
		vecs[i] = upper(d, n)
	}
	scaled := make([][]float64, len(vecs))
	for i, v := range vecs {
		s, err := poolScale(v, m)
		if err != nil {
			return NoiseCeiling{}, fmt.Errorf("analysis: %s: data[%d]: %w", fn, i, err)
		}
		scaled[i] = s
	}
	pool := func(skip int) []float64 {
		out := make([]float64, len(scaled[0]))
		n := 0
		for i, s := range scaled {
			if i == skip {
				continue
			}
			for k, v := range s {
				out[k] += v
			}
			n++
		}
		for k := range out {
			out[k] /= float64(n)
		}
		return out
	}
	pu, pv := trianglePairs(S)
	all := pool(-1)
	var nc NoiseCeiling
	for s, v := range vecs {
		up, err := comparePairs(all, v, pu, pv, S, m)
		if err != nil {
			return NoiseCeiling{}, fmt.Errorf("analysis: %s: subject %d against the pool: %w", fn, s, err)
		}
		lo, err := comparePairs(pool(s), v, pu, pv, S, m)
		if err != nil {
			return NoiseCeiling{}, fmt.Errorf("analysis: %s: subject %d against the others: %w", fn, s, err)
		}
		nc.Upper += up
		nc.Lower += lo
	}
	nc.Subjects = len(vecs)
	nc.Upper /= float64(nc.Subjects)
	nc.Lower /= float64(nc.Subjects)
	return nc, nil
}

// poolScale puts one RDM's values on m's scale before pooling.
func poolScale(v []float64, m Method) ([]float64, error) {
	switch m {
	case Spearman, Kendall, KendallTauA:
		return Ranks(v), nil
	case Pearson:
		d, ok := centredScaled(v)
		if !ok {
			return nil, fmt.Errorf("constant RDM: %w", ErrConstant)
		}
		sd := norm2(d) / math.Sqrt(float64(len(d)))
		for i := range d {
			d[i] /= sd
		}
		return d, nil
	case RDMCosine, RDMWhitenedCosine:
		rms := norm2(v) / math.Sqrt(float64(len(v)))
		if rms == 0 {
			return nil, fmt.Errorf("all-zero RDM: %w", ErrConstant)
		}
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = x / rms
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown method %v: %w", m, ErrInvalid)
}

// BootstrapRSASeeds returns the mean over models (e.g. the seeds of one
// condition) of the comparison, under cfg.Method, of each model's S×S
// matrix with ref, with a two-level bootstrap percentile interval: each
// resample draws the models with replacement and, shared by all of them,
// S tokens with replacement, and averages over the drawn models the
// comparison on the pairs of drawn tokens that differ (the diagonal is
// never used). It answers "how precisely is this condition's RSA known,
// given finitely many seeds and tokens?" — both sources of variation, as
// rsatoolbox's bootstrap over patterns and subjects. At least 2 models.
func BootstrapRSASeeds(models []mat.Matrix, ref mat.Matrix, cfg BootstrapConfig) (Interval, error) {
	const fn = "BootstrapRSASeeds"
	samples, level, err := cfg.resolve(fn)
	if err != nil {
		return Interval{}, err
	}
	if len(models) < 2 {
		return Interval{}, fmt.Errorf("analysis: %s: %d models, need at least 2: %w", fn, len(models), ErrTooFew)
	}
	S, err := checkSymmetric(fn, "ref", ref)
	if err != nil {
		return Interval{}, err
	}
	ms := make([]*mat.Dense, len(models))
	pu, pv := trianglePairs(S)
	refU := upper(ref, S)
	est := 0.0
	for i, m := range models {
		n, err := checkSymmetric(fn, fmt.Sprintf("models[%d]", i), m)
		if err != nil {
			return Interval{}, err
		}
		if n != S {
			return Interval{}, fmt.Errorf("analysis: %s: models[%d] is %d×%d, ref %d×%d: %w", fn, i, n, n, S, S, ErrShape)
		}
		ms[i] = mat.DenseCopyOf(m)
		r, err := comparePairs(upper(m, n), refU, pu, pv, S, cfg.Method)
		if err != nil {
			return Interval{}, fmt.Errorf("analysis: %s: model %d: %w", fn, i, err)
		}
		est += r
	}
	est /= float64(len(models))
	refD := mat.DenseCopyOf(ref)
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xb007_5eed))
	idx := make([]int, S)
	vals := make([]float64, 0, samples)
	var xa, xb []float64
	var qu, qv []int
	for range samples {
		for i := range idx {
			idx[i] = rng.IntN(S)
		}
		xb, qu, qv = xb[:0], qu[:0], qv[:0]
		for u := range S {
			for v := u + 1; v < S; v++ {
				if idx[u] != idx[v] {
					xb = append(xb, refD.At(idx[u], idx[v]))
					qu, qv = append(qu, u), append(qv, v)
				}
			}
		}
		sum, ok := 0.0, true
		for range models {
			m := ms[rng.IntN(len(ms))]
			xa = xa[:0]
			for k := range qu {
				xa = append(xa, m.At(idx[qu[k]], idx[qv[k]]))
			}
			r, err := comparePairs(xa, xb, qu, qv, S, cfg.Method)
			if errors.Is(err, ErrConstant) || errors.Is(err, ErrTooFew) {
				ok = false
				break
			}
			if err != nil {
				return Interval{}, fmt.Errorf("analysis: %s: %w", fn, err)
			}
			sum += r
		}
		if ok {
			vals = append(vals, sum/float64(len(models)))
		}
	}
	if 2*len(vals) < samples {
		return Interval{}, fmt.Errorf("analysis: %s: only %d of %d resamples gave a defined comparison: %w", fn, len(vals), samples, ErrConstant)
	}
	lo, hi := percentile(vals, level)
	return Interval{Estimate: est, Lo: lo, Hi: hi, Samples: len(vals)}, nil
}
