package pe

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Layout gives the positions of the S tokens of a sequence.
type Layout struct {
	// Coords[s] are the c coordinates of token s, [S][c].
	Coords [][]float64
	// Grid holds the sizes of a grid whose tokens are numbered row-major
	// (e.g. [4, 4]: token t = 4·row + col at Coords[t] = (row, col)); nil when
	// the tokens are not a grid.
	Grid []int
}

// Line returns S tokens on a line: Coords[s] = (s), Grid = [S]. S ≤ 0 gives
// an empty layout.
func Line(S int) Layout {
	if S <= 0 {
		return Layout{}
	}
	return Grid(S)
}

// Grid returns the tokens of a grid with the given sizes, numbered row-major
// (the last coordinate varies fastest); Coords[t] holds the integer index of
// token t along each size, in the order of the sizes. No sizes, or a size
// ≤ 0, gives an empty layout.
func Grid(dims ...int) Layout {
	if len(dims) == 0 {
		return Layout{}
	}
	S := 1
	for _, d := range dims {
		if d <= 0 {
			return Layout{}
		}
		S *= d
	}
	c := len(dims)
	flat := make([]float64, S*c)
	coords := make([][]float64, S)
	for t := range S {
		row := flat[t*c : (t+1)*c : (t+1)*c]
		rem := t
		for j := c - 1; j >= 0; j-- {
			row[j] = float64(rem % dims[j])
			rem /= dims[j]
		}
		coords[t] = row
	}
	return Layout{Coords: coords, Grid: append([]int(nil), dims...)}
}

// Points returns a layout of arbitrary points: a copy of coords, [S][c]. It
// needs at least one point, c ≥ 1 coordinates for every point and only
// finite values.
func Points(coords [][]float64) (Layout, error) {
	l := Layout{Coords: make([][]float64, len(coords))}
	for s, p := range coords {
		l.Coords[s] = append([]float64(nil), p...)
	}
	if err := l.check(); err != nil {
		return Layout{}, fmt.Errorf("pe: Points: %w", err)
	}
	return l, nil
}

// S returns the number of tokens.
func (l Layout) S() int { return len(l.Coords) }

// Dim returns the number of coordinates per token, c (0 for an empty layout).
func (l Layout) Dim() int {
	if len(l.Coords) == 0 {
		return 0
	}
	return len(l.Coords[0])
}

// Scaled returns a copy of l with every coordinate multiplied by f (the grid
// sizes are kept). Use it to choose the units the N-D kinds see, e.g. so
// that neighbouring tokens are about 1 apart as on an integer grid.
func (l Layout) Scaled(f float64) Layout {
	out := Layout{Coords: make([][]float64, len(l.Coords)), Grid: append([]int(nil), l.Grid...)}
	for s, p := range l.Coords {
		out.Coords[s] = make([]float64, len(p))
		for j, x := range p {
			out.Coords[s][j] = f * x
		}
	}
	return out
}

// NearestNeighbourSpacing returns the median, over the S tokens, of each
// token's distance to its nearest other token,
//
//	d = median_s min_{t≠s} ‖x_s − x_t‖₂ (in the layout's units),
//
// the typical spacing of neighbouring tokens: 1 for an integer grid (Grid),
// ≈ 10.5 mm for the Glasser regions' MNI centroids. Dividing a layout's
// coordinates by it (Scaled(1/d)) puts neighbouring tokens about one unit
// apart, as the cells of an integer grid are — the scale pe.SinusoidND's
// frequencies assume — whatever unit the coordinates came in. The median
// of an even number of distances is the mean of the middle two. It needs
// at least 2 tokens of finite coordinates; when more than half of the
// tokens share their position with another, d = 0 and it is an error.
// O(S²·c) time.
func (l Layout) NearestNeighbourSpacing() (float64, error) {
	if err := l.check(); err != nil {
		return 0, fmt.Errorf("pe: nearest-neighbour spacing: %w", err)
	}
	S := l.S()
	if S < 2 {
		return 0, fmt.Errorf("pe: nearest-neighbour spacing: %d token, want at least 2", S)
	}
	nn := make([]float64, S)
	for s, p := range l.Coords {
		best := math.Inf(1)
		for t, q := range l.Coords {
			if t != s {
				best = min(best, distance(p, q))
			}
		}
		nn[s] = best
	}
	slices.Sort(nn)
	d := nn[S/2]
	if S%2 == 0 {
		d = nn[S/2-1]/2 + nn[S/2]/2
	}
	if !(d > 0) || math.IsInf(d, 0) {
		return 0, fmt.Errorf("pe: nearest-neighbour spacing: the median distance from a token to its nearest neighbour is %g, want a finite distance > 0 (more than half of the %d tokens share their position with another)", d, S)
	}
	return d, nil
}

// distance is the Euclidean distance ‖p − q‖₂, computed without overflow
// or underflow for any finite coordinates (as math.Hypot: the largest
// difference times the norm of the differences divided by it).
func distance(p, q []float64) float64 {
	big := 0.0
	for j := range p {
		big = max(big, math.Abs(p[j]-q[j]))
	}
	if big == 0 || math.IsInf(big, 0) {
		return big
	}
	sum := 0.0
	for j := range p {
		r := (p[j] - q[j]) / big
		sum += r * r
	}
	return big * math.Sqrt(sum)
}

// check reports whether l is a usable layout: at least one token, the same
// c ≥ 1 for every token, finite coordinates, and grid sizes (if any) whose
// product is S and whose count is c.
func (l Layout) check() error {
	if len(l.Coords) == 0 {
		return errors.New("layout has no tokens")
	}
	c := len(l.Coords[0])
	if c == 0 {
		return errors.New("layout token 0 has no coordinates")
	}
	for s, p := range l.Coords {
		if len(p) != c {
			return fmt.Errorf("layout token %d has %d coordinates, token 0 has %d", s, len(p), c)
		}
		for j, x := range p {
			if !finite(x) {
				return fmt.Errorf("layout token %d coordinate %d is %v, want a finite number", s, j, x)
			}
		}
	}
	if l.Grid != nil {
		prod := 1
		for _, d := range l.Grid {
			if d <= 0 {
				return fmt.Errorf("layout grid %v has a size ≤ 0", l.Grid)
			}
			prod *= d
		}
		if len(l.Grid) != c || prod != len(l.Coords) {
			return fmt.Errorf("layout grid %v does not match %d tokens of %d coordinates", l.Grid, len(l.Coords), c)
		}
	}
	return nil
}
