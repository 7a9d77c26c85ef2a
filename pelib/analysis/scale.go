package analysis

import "math"

// Sums of squares overflow for values beyond about 1e154 and underflow to
// zero below about 1e-162, so every formula of this package that squares its
// inputs first divides them by a power of two near their largest magnitude
// (an exact operation): Pearson r, cosine similarity, norms and the
// participation ratio are all invariant under a common positive scale.

// pow2Exp returns the e with m·2^−e in [0.5, 1), so that math.Ldexp(v, −e)
// scales exactly (2^−e itself overflows for subnormal m, hence Ldexp rather
// than a product); 0 for m = 0 or a non-finite m.
func pow2Exp(m float64) int {
	if m == 0 || math.IsInf(m, 0) || math.IsNaN(m) {
		return 0
	}
	_, e := math.Frexp(m)
	return e
}

// maxAbsOf returns max_i |x_i| (0 for an empty slice).
func maxAbsOf(x []float64) float64 {
	var m float64
	for _, v := range x {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// centredScaled returns d_i = (x_i − x̄)·c for the power of two c that puts
// max_i |d_i| in [0.5, 1), computing the mean on x scaled the same way so
// that neither the sum nor the squares of d overflow or underflow. It
// returns false when every d_i is zero (x constant up to rounding).
func centredScaled(x []float64) ([]float64, bool) {
	e := pow2Exp(maxAbsOf(x))
	d := make([]float64, len(x))
	var mean float64
	for i, v := range x {
		d[i] = math.Ldexp(v, -e)
		mean += d[i]
	}
	mean /= float64(len(x))
	for i := range d {
		d[i] -= mean
	}
	m := maxAbsOf(d)
	if m == 0 {
		return nil, false
	}
	c := pow2Exp(m)
	for i := range d {
		d[i] = math.Ldexp(d[i], -c)
	}
	return d, true
}

// scaledPearson returns r = Σ d_x,i d_y,i / √(Σ d_x,i² Σ d_y,i²) of the
// centred, rescaled vectors of centredScaled, which equals Pearson's r of x
// and y for any finite input of equal length ≥ 2; NaN when either is
// constant.
func scaledPearson(x, y []float64) float64 {
	dx, okx := centredScaled(x)
	dy, oky := centredScaled(y)
	if !okx || !oky {
		return math.NaN()
	}
	var sxy, sxx, syy float64
	for i := range dx {
		sxy += dx[i] * dy[i]
		sxx += dx[i] * dx[i]
		syy += dy[i] * dy[i]
	}
	return math.Max(-1, math.Min(1, sxy/math.Sqrt(sxx*syy)))
}

// norm2 returns the Euclidean norm ‖x‖₂ = m·√(Σ (x_i/m)²) with m a power of
// two near max |x_i|, which neither overflows nor underflows for finite x.
func norm2(x []float64) float64 {
	m := maxAbsOf(x)
	if m == 0 {
		return 0
	}
	e := pow2Exp(m)
	var ss float64
	for _, v := range x {
		v = math.Ldexp(v, -e)
		ss += v * v
	}
	return math.Ldexp(math.Sqrt(ss), e)
}
