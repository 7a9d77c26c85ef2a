package analysis_test

import (
	"fmt"
	"log"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/pelab/pelab/pelib/analysis"
)

// A toy "learned PE" for the 4×4 grid: each token's row and column written
// into 6 channels by a fixed linear map, plus a little deterministic wobble.
func toyPE() *mat.Dense {
	grid, err := analysis.GridCoords(4, 4)
	if err != nil {
		log.Fatal(err)
	}
	pe := mat.NewDense(16, 6, nil)
	for t := 0; t < 16; t++ {
		r, c := grid.At(t, 0), grid.At(t, 1)
		pe.SetRow(t, []float64{
			r + 0.5*c, c - 0.5*r, 0.3 * r, 0.2 * c, 1,
			0.05 * math.Sin(float64(7*t)),
		})
	}
	return pe
}

// Does the PE's similarity structure follow the grid? RSA correlates the
// PE's cosine similarities with the grid distances; the Mantel test asks
// whether that correlation could arise from an arbitrary token order.
func ExampleMantel() {
	pe := toyPE()
	sim, err := analysis.Similarity(pe, analysis.Cosine)
	if err != nil {
		log.Fatal(err)
	}
	grid, _ := analysis.GridCoords(4, 4)
	dist, err := analysis.ManhattanDistances(grid)
	if err != nil {
		log.Fatal(err)
	}
	res, err := analysis.Mantel(sim, dist, analysis.MantelConfig{
		Method: analysis.Spearman, Permutations: 999, Seed: 1, Tail: analysis.Less,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Spearman ρ(similarity, distance) = %.2f, p = %.3f\n", res.R, res.P)
	// Output:
	// Spearman ρ(similarity, distance) = -0.74, p = 0.001
}

// Orthogonal Procrustes aligns one table to another; a rotated copy aligns
// exactly.
func ExampleProcrustes() {
	p := mat.NewDense(4, 2, []float64{0, 0, 1, 0, 1, 1, 0, 1})
	// G = P rotated by 90°: (x, y) → (−y, x).
	g := mat.NewDense(4, 2, []float64{0, 0, 0, 1, -1, 1, -1, 0})
	res, err := analysis.Procrustes(p, g)
	if err != nil {
		log.Fatal(err)
	}
	r := res.Rotation
	for i := 0; i < 2; i++ {
		// Adding +0 turns a rounded −0 into 0.
		fmt.Printf("R row %d: [%2.0f %2.0f]\n", i, math.Round(r.At(i, 0))+0, math.Round(r.At(i, 1))+0)
	}
	fmt.Printf("distance %.3f, disparity %.3f\n", res.Distance, res.Disparity)
	// Output:
	// R row 0: [ 0  1]
	// R row 1: [-1  0]
	// distance 0.000, disparity 0.000
}

// AlignToCoords reads 2D positions out of a wide PE: top-2 principal axes,
// then Procrustes with scale onto the grid. The error is in grid cells.
func ExampleAlignToCoords() {
	pe := toyPE()
	grid, _ := analysis.GridCoords(4, 4)
	al, err := analysis.AlignToCoords(pe, grid, analysis.AlignConfig{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("mean error %.3f cells, top-2 axes hold %.0f%% of the variance\n", al.MeanError, 100*al.Explained)
	dec, err := analysis.Decode(pe, grid, analysis.DecodeConfig{Folds: 4, Ridge: 1e-3, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("decoding R²: row %.3f, col %.3f\n", dec.R2[0], dec.R2[1])
	// Output:
	// mean error 0.014 cells, top-2 axes hold 100% of the variance
	// decoding R²: row 1.000, col 1.000
}
