package analysis

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/graph/path"
	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/mat"
)

// EuclideanDistances returns the (S, S) matrix of Euclidean distances
// ‖x_i − x_j‖₂ between the rows of the (S, c) coordinate matrix coords.
func EuclideanDistances(coords mat.Matrix) (*mat.SymDense, error) {
	return pairwise("EuclideanDistances", coords, func(a, b []float64) float64 {
		// Rescaled by a power of two near max |a_k − b_k| before squaring,
		// so that large or tiny coordinates neither overflow nor underflow.
		var m float64
		for k := range a {
			m = math.Max(m, math.Abs(a[k]-b[k]))
		}
		if m == 0 {
			return 0
		}
		e := pow2Exp(m)
		var s float64
		for k := range a {
			d := math.Ldexp(a[k]-b[k], -e)
			s += d * d
		}
		return math.Ldexp(math.Sqrt(s), e)
	})
}

// ManhattanDistances returns the (S, S) matrix of Manhattan (city-block)
// distances Σ_c |x_ic − x_jc| between the rows of coords. On a grid with unit
// spacing this is the number of steps between cells.
func ManhattanDistances(coords mat.Matrix) (*mat.SymDense, error) {
	return pairwise("ManhattanDistances", coords, func(a, b []float64) float64 {
		var s float64
		for k := range a {
			s += math.Abs(a[k] - b[k])
		}
		return s
	})
}

func pairwise(fn string, coords mat.Matrix, dist func(a, b []float64) float64) (*mat.SymDense, error) {
	s, _, err := checkTable(fn, "coordinates", coords)
	if err != nil {
		return nil, err
	}
	x := mat.DenseCopyOf(coords)
	out := mat.NewSymDense(s, nil)
	for i := 0; i < s; i++ {
		for j := i + 1; j < s; j++ {
			out.SetSym(i, j, dist(x.RawRowView(i), x.RawRowView(j)))
		}
	}
	return out, nil
}

// GraphDistances returns the (S, S) matrix of shortest-path lengths on the
// undirected weighted graph whose symmetric adjacency matrix w holds edge
// lengths: w_ij > 0 is an edge of length w_ij between tokens i and j, and
// w_ij = 0 means no edge. The diagonal is ignored. Negative lengths and a
// disconnected graph (some distance infinite) are errors. Paths are found
// with Dijkstra's algorithm (gonum/graph/path).
//
// To use similarities or coupling strengths as edges, convert them to lengths
// first (for example 1/w_ij).
func GraphDistances(w mat.Matrix) (*mat.SymDense, error) {
	const fn = "GraphDistances"
	n, err := checkSymmetric(fn, "adjacency", w)
	if err != nil {
		return nil, err
	}
	g := simple.NewWeightedUndirectedGraph(0, math.Inf(1))
	for i := 0; i < n; i++ {
		g.AddNode(simple.Node(i))
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := w.At(i, j)
			switch {
			case v < 0:
				return nil, fmt.Errorf("analysis: %s: edge length w[%d,%d] = %g is negative: %w", fn, i, j, v, ErrInvalid)
			case v > 0:
				g.SetWeightedEdge(g.NewWeightedEdge(simple.Node(i), simple.Node(j), v))
			}
		}
	}
	out := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		sp := path.DijkstraFrom(simple.Node(i), g)
		for j := i + 1; j < n; j++ {
			d := sp.WeightTo(int64(j))
			if math.IsInf(d, 0) {
				return nil, fmt.Errorf("analysis: %s: tokens %d and %d are not connected: %w", fn, i, j, ErrInvalid)
			}
			out.SetSym(i, j, d)
		}
	}
	return out, nil
}

// GridCoords returns the (rows·cols, 2) coordinates (row, col) of the cells of
// a rows×cols grid in row-major token order: token t = cols·row + col. For the
// 4×4 Latin square task, GridCoords(4, 4).
func GridCoords(rows, cols int) (*mat.Dense, error) {
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf("analysis: GridCoords: %d×%d grid has a non-positive side: %w", rows, cols, ErrShape)
	}
	out := mat.NewDense(rows*cols, 2, nil)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			out.Set(cols*r+c, 0, float64(r))
			out.Set(cols*r+c, 1, float64(c))
		}
	}
	return out, nil
}
