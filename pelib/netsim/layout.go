package netsim

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// LayoutKind selects how node positions are made.
type LayoutKind int

const (
	// Grid places nodes on a regular grid with unit spacing.
	Grid LayoutKind = iota
	// RandomBox draws nodes uniformly in an axis-aligned box, seeded.
	RandomBox
	// Given takes the coordinates from the caller.
	Given
)

func (k LayoutKind) String() string {
	switch k {
	case Grid:
		return "grid"
	case RandomBox:
		return "random-box"
	case Given:
		return "given"
	}
	return fmt.Sprintf("LayoutKind(%d)", int(k))
}

// Layout says where the nodes of the network sit. Only the fields of its
// Kind are read.
//
// Node order, which is also token order in the task data: for a Grid the
// node index is row-major over Shape with the last axis fastest, so node
// s of a Shape {n0, n1} grid sits at (s / n1, s % n1); for RandomBox it is
// the order of the draws; for Given it is the order of Coords.
type Layout struct {
	Kind LayoutKind

	// Shape is the number of grid points along each axis (Grid), e.g.
	// {8, 8} or {4, 4, 4}. The coordinate dimension c is len(Shape); the
	// spacing is 1 and the first point is at the origin.
	Shape []int

	// N is the number of nodes (RandomBox).
	N int
	// Box holds the side lengths of the box [0, Box[0]) × … (RandomBox);
	// c is len(Box).
	Box []float64
	// Seed seeds the draw of the positions (RandomBox). The network is
	// one fixed object shared by every run, so this seed is separate from
	// the run seeds.
	Seed uint64

	// Coords are the positions, [S][c] (Given).
	Coords [][]float64
}

// Grid2D returns the layout of an nx × ny grid (2 coordinates, unit spacing).
func Grid2D(nx, ny int) Layout { return Layout{Kind: Grid, Shape: []int{nx, ny}} }

// Grid3D returns the layout of an nx × ny × nz grid.
func Grid3D(nx, ny, nz int) Layout { return Layout{Kind: Grid, Shape: []int{nx, ny, nz}} }

// RandomPoints returns the layout of n points drawn uniformly in a box with
// the given side lengths, from seed.
func RandomPoints(n int, box []float64, seed uint64) Layout {
	return Layout{Kind: RandomBox, N: n, Box: box, Seed: seed}
}

// GivenPoints returns the layout with the caller's coordinates, [S][c].
func GivenPoints(coords [][]float64) Layout { return Layout{Kind: Given, Coords: coords} }

// Points returns the node coordinates, shaped [S][c] (a fresh copy), or an
// error naming what is wrong with the layout.
func (l Layout) Points() ([][]float64, error) {
	switch l.Kind {
	case Grid:
		return gridPoints(l.Shape)
	case RandomBox:
		return boxPoints(l.N, l.Box, l.Seed)
	case Given:
		return givenPoints(l.Coords)
	}
	return nil, fmt.Errorf("netsim: layout: unknown kind %d", int(l.Kind))
}

func gridPoints(shape []int) ([][]float64, error) {
	if len(shape) == 0 {
		return nil, fmt.Errorf("netsim: grid layout: empty Shape (want the number of points per axis, e.g. {8, 8})")
	}
	n := 1
	for a, k := range shape {
		if k < 1 {
			return nil, fmt.Errorf("netsim: grid layout: Shape[%d] = %d, want ≥ 1", a, k)
		}
		if n > math.MaxInt32/k {
			return nil, fmt.Errorf("netsim: grid layout: Shape %v has too many points", shape)
		}
		n *= k
	}
	if n < 2 {
		return nil, fmt.Errorf("netsim: grid layout: Shape %v has %d node, want ≥ 2", shape, n)
	}
	c := len(shape)
	pts := make([][]float64, n)
	flat := make([]float64, n*c)
	for s := range pts {
		p := flat[s*c : (s+1)*c : (s+1)*c]
		r := s
		for a := c - 1; a >= 0; a-- {
			p[a] = float64(r % shape[a])
			r /= shape[a]
		}
		pts[s] = p
	}
	return pts, nil
}

func boxPoints(n int, box []float64, seed uint64) ([][]float64, error) {
	if n < 2 {
		return nil, fmt.Errorf("netsim: random-box layout: N = %d, want ≥ 2", n)
	}
	if len(box) == 0 {
		return nil, fmt.Errorf("netsim: random-box layout: empty Box (want the side lengths, e.g. {8, 8})")
	}
	for a, b := range box {
		if !(b > 0) || math.IsInf(b, 0) {
			return nil, fmt.Errorf("netsim: random-box layout: Box[%d] = %g, want a finite side > 0", a, b)
		}
	}
	rng := rand.New(rand.NewPCG(seed, streamLayout))
	c := len(box)
	pts := make([][]float64, n)
	flat := make([]float64, n*c)
	for s := range pts {
		p := flat[s*c : (s+1)*c : (s+1)*c]
		for a := range p {
			p[a] = rng.Float64() * box[a]
		}
		pts[s] = p
	}
	return pts, nil
}

func givenPoints(coords [][]float64) ([][]float64, error) {
	if len(coords) < 2 {
		return nil, fmt.Errorf("netsim: given layout: %d points, want ≥ 2", len(coords))
	}
	c := len(coords[0])
	if c == 0 {
		return nil, fmt.Errorf("netsim: given layout: point 0 has no coordinates")
	}
	pts := make([][]float64, len(coords))
	flat := make([]float64, len(coords)*c)
	for s, q := range coords {
		if len(q) != c {
			return nil, fmt.Errorf("netsim: given layout: point %d has %d coordinates, point 0 has %d", s, len(q), c)
		}
		p := flat[s*c : (s+1)*c : (s+1)*c]
		for a, v := range q {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("netsim: given layout: point %d coordinate %d is %g, want a finite number", s, a, v)
			}
			p[a] = v
		}
		pts[s] = p
	}
	return pts, nil
}
