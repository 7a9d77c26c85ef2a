package pe

import (
	"fmt"
	"math"
)

// RoPE returns the rotary tables of spec (rope1d, rope2d or ropend) for the
// tokens of l and head width dh: cos and sin, each [S, dh], with the
// pair (2i, 2i+1) of token s rotated by the angle θ_{s,i}:
// cos[s, 2i] = cos[s, 2i+1] = cos θ_{s,i}, likewise sin. A query (or key) q
// of token s becomes
//
//	q' = q⊙cos[s] + rotatePair(q)⊙sin[s],
//
// with rotatePair(q)_{2i} = −q_{2i+1} and rotatePair(q)_{2i+1} = q_{2i}
// (= q·R, R = RotatePairMatrix(dh)), so q'·k' of tokens s and s' depends on
// their positions only through the offset. The angles:
//
//   - rope1d: θ_{s,i} = s·ω_i with ω_i = base^(−2i/dh), i = 0…dh/2−1, for
//     the token index s whatever the layout;
//   - ropend: the dh/2 pairs are split into c equal groups of n = dh/(2c)
//     pairs, and group j rotates by coordinate j of l.Coords:
//     θ_{s,jn+i} = x_{s,j}·base^(−i/n), i = 0…n−1 (coordinates unscaled);
//   - rope2d: ropend on a two-dimensional grid (axial RoPE): the first half
//     of the pairs by the row, the second half by the column.
//
// It needs dh > 0 even, and for rope2d and ropend dh/2 divisible by c.
func RoPE(spec Spec, l Layout, dh int) (cos, sin []float64, err error) {
	if err := spec.Validate(); err != nil {
		return nil, nil, err
	}
	s := spec.Normalize()
	if !s.Rotary() {
		return nil, nil, fmt.Errorf("pe: RoPE(%s): not a rotary kind (want rope1d, rope2d or ropend)", s)
	}
	if err := l.check(); err != nil {
		return nil, nil, fmt.Errorf("pe: RoPE(%s): %w", s, err)
	}
	if dh <= 0 || dh%2 != 0 {
		return nil, nil, fmt.Errorf("pe: RoPE(%s): head width dh = %d must be even and > 0", s, dh)
	}
	S := l.S()
	coords := l.Coords
	switch s.Kind {
	case RoPE1D:
		coords = Line(S).Coords
	case RoPE2D:
		if len(l.Grid) != 2 {
			return nil, nil, fmt.Errorf("pe: RoPE(%s): needs a two-dimensional grid layout, got grid %v with %d coordinates per token (use ropend for other layouts)", s, l.Grid, l.Dim())
		}
	}
	c := len(coords[0])
	pairs := dh / 2
	if pairs%c != 0 {
		return nil, nil, fmt.Errorf("pe: RoPE(%s): head width dh = %d gives %d rotation pairs, not divisible by the %d coordinates", s, dh, pairs, c)
	}
	n := pairs / c
	omega := make([]float64, n)
	for i := range omega {
		omega[i] = math.Pow(s.Base, -float64(i)/float64(n))
	}
	cos = make([]float64, S*dh)
	sin = make([]float64, S*dh)
	for t, p := range coords {
		for j := range c {
			for i, w := range omega {
				sn, cs := math.Sincos(p[j] * w)
				at := t*dh + 2*(j*n+i)
				cos[at], cos[at+1] = cs, cs
				sin[at], sin[at+1] = sn, sn
			}
		}
	}
	return cos, sin, nil
}

// RotatePairMatrix returns R, [dh, dh] row-major, with q·R = rotatePair(q)
// for a row vector q: R[2i+1, 2i] = −1 and R[2i, 2i+1] = 1, all else 0, so
// the graph applies RoPE with one matrix product. It returns nil unless dh
// is even and > 0.
func RotatePairMatrix(dh int) []float64 {
	if dh <= 0 || dh%2 != 0 {
		return nil
	}
	r := make([]float64, dh*dh)
	for i := 0; i < dh; i += 2 {
		r[(i+1)*dh+i] = -1
		r[i*dh+i+1] = 1
	}
	return r
}
