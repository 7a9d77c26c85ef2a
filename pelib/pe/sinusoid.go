package pe

import (
	"fmt"
	"math"
)

// sinusoidBlock writes the w channels of a 1D sinusoid of the coordinate x
// into dst[0:w]: channel 2k is sin(x·ω_k) and channel 2k+1 is cos(x·ω_k),
// with ω_k = base^(−2k/w); for odd w the last channel is a sine only.
func sinusoidBlock(dst []float64, x float64, w int, base float64) {
	for k := 0; 2*k < w; k++ {
		a := x * math.Pow(base, -float64(2*k)/float64(w))
		dst[2*k] = math.Sin(a)
		if 2*k+1 < w {
			dst[2*k+1] = math.Cos(a)
		}
	}
}

func validBase(base float64) bool { return finite(base) && base > 0 }

// Sinusoid1D returns the fixed sinusoidal PE of Vaswani et al. for positions
// p = 0…S−1, [S, D] row-major: entry (p, 2k) = sin(p·ω_k) and
// (p, 2k+1) = cos(p·ω_k), with ω_k = base^(−2k/D), k = 0…⌈D/2⌉−1 (for odd D
// the last channel is a sine). It returns nil unless S, D > 0 and base is a
// finite number > 0 (DefaultBase is the usual 10000).
func Sinusoid1D(S, D int, base float64) []float64 {
	if S <= 0 || D <= 0 || !validBase(base) {
		return nil
	}
	out := make([]float64, S*D)
	for p := range S {
		sinusoidBlock(out[p*D:(p+1)*D], float64(p), D, base)
	}
	return out
}

// Sinusoid2D returns the paper's 2d-fixed PE of a rows × cols grid with
// tokens numbered row-major (t = row·cols + col), [rows·cols, D]. With
// half = D/2 and ω_k = base^(−2k/half), k = 0…half/2−1, token (row, col)
// has channel 2k = sin(col·ω_k), 2k+1 = cos(col·ω_k), half+2k = sin(row·ω_k)
// and half+2k+1 = cos(row·ω_k): the column code first, then the row code. It
// returns nil unless rows, cols > 0, D > 0 is divisible by 4 (as in the
// reference code) and base is a finite number > 0.
func Sinusoid2D(rows, cols, D int, base float64) []float64 {
	if rows <= 0 || cols <= 0 || D <= 0 || D%4 != 0 || !validBase(base) {
		return nil
	}
	half := D / 2
	out := make([]float64, rows*cols*D)
	for r := range rows {
		for c := range cols {
			row := out[(r*cols+c)*D : (r*cols+c+1)*D]
			sinusoidBlock(row[:half], float64(c), half, base)
			sinusoidBlock(row[half:], float64(r), half, base)
		}
	}
	return out
}

// SinusoidND returns a fixed sinusoidal PE of real-valued points, [S, D] for
// coords [S][c]: the D channels are split into c blocks of w = D/c, and block
// j is the 1D sinusoid of Sinusoid1D (width w, ω_k = base^(−2k/w)) of
// coordinate c−1−j, i.e. the last coordinate comes first. That order makes
// the PE of an integer grid (Grid(rows, cols), coordinates (row, col)) equal
// to Sinusoid2D whenever D is divisible by 4. The coordinates are used as
// they are, without scaling: the wavelengths run from 2π to 2π·base in the
// coordinates' units, so give coordinates whose neighbouring tokens differ by
// about 1 (see Layout.Scaled). It needs S ≥ 1 points with the same c ≥ 1
// finite coordinates, D > 0 divisible by c and a finite base > 0.
func SinusoidND(coords [][]float64, D int, base float64) ([]float64, error) {
	out, err := sinusoidND(coords, D, base)
	if err != nil {
		return nil, fmt.Errorf("pe: SinusoidND: %w", err)
	}
	return out, nil
}

func sinusoidND(coords [][]float64, D int, base float64) ([]float64, error) {
	l := Layout{Coords: coords}
	if err := l.check(); err != nil {
		return nil, err
	}
	c := l.Dim()
	if D <= 0 || D%c != 0 {
		return nil, fmt.Errorf("width D = %d must be > 0 and divisible by the %d coordinates", D, c)
	}
	if !validBase(base) {
		return nil, fmt.Errorf("base %v must be a finite number > 0", base)
	}
	w := D / c
	out := make([]float64, len(coords)*D)
	for s, p := range coords {
		row := out[s*D : (s+1)*D]
		for j := range c {
			sinusoidBlock(row[j*w:(j+1)*w], p[c-1-j], w, base)
		}
	}
	return out, nil
}
