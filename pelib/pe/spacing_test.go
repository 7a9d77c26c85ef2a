package pe

import (
	"math"
	"strings"
	"testing"
)

// TestNearestNeighbourSpacing: the median nearest-neighbour distance is 1
// on integer grids of any dimension, scales with the coordinates, takes the
// mean of the middle two for an even count, needs no squares of large or
// tiny numbers, and is an error when most tokens share a position.
func TestNearestNeighbourSpacing(t *testing.T) {
	pts := func(c ...[]float64) Layout { return Layout{Coords: c} }
	for _, c := range []struct {
		name   string
		layout Layout
		want   float64
		err    string
	}{
		{"line of 5", Line(5), 1, ""},
		{"4 × 4 grid", Grid(4, 4), 1, ""},
		{"3 × 3 × 3 grid", Grid(3, 3, 3), 1, ""},
		{"4 × 4 grid in mm (×7.5)", Grid(4, 4).Scaled(7.5), 7.5, ""},
		// nearest distances 1, 1, 2, 3 (sorted 1, 1, 2, 3): median (1 + 2)/2
		{"even count", pts([]float64{0}, []float64{1}, []float64{3}, []float64{6}), 1.5, ""},
		// nearest distances 3, 3, 4, 100: median (3 + 4)/2
		{"3-4-5 and a far point", pts([]float64{0, 0}, []float64{3, 0}, []float64{3, 4}, []float64{103, 4}), 3.5, ""},
		{"coordinates of 1e300", Grid(2, 3).Scaled(1e300), 1e300, ""},
		{"coordinates of 1e-300", Grid(2, 3).Scaled(1e-300), 1e-300, ""},
		{"most tokens share a position", pts([]float64{0}, []float64{0}, []float64{0}, []float64{5}), 0, "median distance from a token to its nearest neighbour is 0"},
		{"one token", pts([]float64{1, 2}), 0, "1 token, want at least 2"},
		{"not finite", pts([]float64{math.NaN()}, []float64{1}), 0, "want a finite number"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.layout.NearestNeighbourSpacing()
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("got %g, %v; want an error containing %q", got, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got-c.want) > 1e-15*c.want {
				t.Errorf("spacing %g, want %g", got, c.want)
			}
		})
	}
}
