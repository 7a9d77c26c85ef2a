package pe

import (
	"fmt"
	"math"
)

// ALiBiSlopes returns the H head slopes of ALiBi (Press et al. 2022). For H a
// power of two they are the geometric sequence m_h = 2^(−8h/H), h = 1…H. For
// other H, with P the largest power of two below H, they are the P slopes of
// P heads followed by the first H−P of the odd-numbered slopes of 2P heads,
// 2^(−8(2i−1)/(2P)), i = 1…H−P (the rule of the ALiBi paper). It returns
// nil unless H > 0.
func ALiBiSlopes(H int) []float64 {
	if H <= 0 {
		return nil
	}
	P := 1
	for 2*P <= H {
		P *= 2
	}
	out := make([]float64, 0, H)
	for h := 1; h <= P; h++ {
		out = append(out, math.Exp2(-8*float64(h)/float64(P)))
	}
	for i := 1; len(out) < H; i++ {
		out = append(out, math.Exp2(-8*float64(2*i-1)/float64(2*P)))
	}
	return out
}

// ALiBiBias returns the ALiBi attention biases of spec (alibi or alibind) for
// the tokens of l and H heads, [H, S, S]: entry (h, q, k) = −m_h·dist(q, k)
// with m = ALiBiSlopes(H), dist = |q−k| of the token indices for alibi and
// the Euclidean distance between l.Coords[q] and l.Coords[k] (unscaled) for
// alibind. When spec is causal the bias already holds the causal mask:
// MaskValue where k > q.
func ALiBiBias(spec Spec, l Layout, H int) ([]float64, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	s := spec.Normalize()
	if s.Kind != ALiBi && s.Kind != ALiBiND {
		return nil, fmt.Errorf("pe: ALiBiBias(%s): not an ALiBi kind (want alibi or alibind)", s)
	}
	if err := l.check(); err != nil {
		return nil, fmt.Errorf("pe: ALiBiBias(%s): %w", s, err)
	}
	if H <= 0 {
		return nil, fmt.Errorf("pe: ALiBiBias(%s): heads H = %d must be > 0", s, H)
	}
	S := l.S()
	dist := make([]float64, S*S)
	for q := range S {
		for k := range S {
			if s.Kind == ALiBi {
				dist[q*S+k] = math.Abs(float64(k - q))
				continue
			}
			var ss float64
			for j, x := range l.Coords[q] {
				d := l.Coords[k][j] - x
				ss += d * d
			}
			dist[q*S+k] = math.Sqrt(ss)
		}
	}
	out := make([]float64, H*S*S)
	for h, m := range ALiBiSlopes(H) {
		for i, d := range dist {
			q, k := i/S, i%S
			if s.Causal && k > q {
				out[h*S*S+i] = MaskValue
			} else {
				out[h*S*S+i] = -m * d
			}
		}
	}
	return out, nil
}
