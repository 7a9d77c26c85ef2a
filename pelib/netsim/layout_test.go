package netsim

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
)

func TestGridPoints(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layout Layout
		want   [][]float64
	}{
		{"2x3", Grid2D(2, 3), [][]float64{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}}},
		{"2x2x2", Grid3D(2, 2, 2), [][]float64{
			{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1}, {1, 0, 0}, {1, 0, 1}, {1, 1, 0}, {1, 1, 1}}},
		{"line", Layout{Kind: Grid, Shape: []int{3}}, [][]float64{{0}, {1}, {2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.layout.Points()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d points, want %d", len(got), len(tc.want))
			}
			for i := range got {
				if !floats.Equal(got[i], tc.want[i]) {
					t.Errorf("point %d = %v, want %v", i, got[i], tc.want[i])
				}
			}
		})
	}
	// Row-major index of an 8×8 grid: node s at (s/8, s%8).
	pts, err := Grid2D(8, 8).Points()
	if err != nil {
		t.Fatal(err)
	}
	for s, p := range pts {
		if p[0] != float64(s/8) || p[1] != float64(s%8) {
			t.Fatalf("node %d at %v, want (%d, %d)", s, p, s/8, s%8)
		}
	}
}

func TestRandomBox(t *testing.T) {
	box := []float64{3, 5, 2}
	a, err := RandomPoints(200, box, 7).Points()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RandomPoints(200, box, 7).Points()
	c, _ := RandomPoints(200, box, 8).Points()
	same, differ := true, false
	for i := range a {
		for k, v := range a[i] {
			if v < 0 || v >= box[k] {
				t.Fatalf("point %d coordinate %d = %g outside [0, %g)", i, k, v, box[k])
			}
		}
		same = same && floats.Equal(a[i], b[i])
		differ = differ || !floats.Equal(a[i], c[i])
	}
	if !same {
		t.Error("same seed gave different points")
	}
	if !differ {
		t.Error("different seeds gave the same points")
	}
	// Uniform: the mean of each coordinate is near half the side
	// (SD of the mean = side/√(12·200) ≈ 0.02·side).
	for k, side := range box {
		var m float64
		for _, p := range a {
			m += p[k]
		}
		m /= float64(len(a))
		if math.Abs(m-side/2) > 0.1*side {
			t.Errorf("mean of coordinate %d = %g, want ≈ %g", k, m, side/2)
		}
	}
}

func TestGivenPointsCopied(t *testing.T) {
	in := [][]float64{{0, 0}, {1, 2}, {3, 1}}
	cfg := DefaultConfig()
	cfg.Layout = GivenPoints(in)
	cfg.Coupling.Radius = 3
	net, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	in[1][0] = 99
	got := net.Coords()
	if got[1][0] != 1 {
		t.Errorf("network coordinates follow a change to the caller's slice: %v", got)
	}
	if d := net.Dist().At(1, 2); math.Abs(d-math.Sqrt(5)) > 1e-15 {
		t.Errorf("distance between (1,2) and (3,1) = %g, want √5", d)
	}
}

func TestLayoutErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layout Layout
		want   string
	}{
		{"empty grid", Layout{Kind: Grid}, "empty Shape"},
		{"zero axis", Grid2D(8, 0), "Shape[1] = 0"},
		{"one node", Grid2D(1, 1), "want ≥ 2"},
		{"box no points", RandomPoints(0, []float64{1, 1}, 1), "N = 0"},
		{"box no sides", RandomPoints(5, nil, 1), "empty Box"},
		{"box bad side", RandomPoints(5, []float64{1, -1}, 1), "Box[1] = -1"},
		{"box NaN side", RandomPoints(5, []float64{math.NaN()}, 1), "Box[0] = NaN"},
		{"given empty", GivenPoints(nil), "0 points"},
		{"given ragged", GivenPoints([][]float64{{0, 0}, {1}}), "point 1 has 1 coordinates"},
		{"given NaN", GivenPoints([][]float64{{0, 0}, {1, math.NaN()}}), "point 1 coordinate 1 is NaN"},
		{"given no dims", GivenPoints([][]float64{{}, {}}), "no coordinates"},
		{"unknown", Layout{Kind: 9}, "unknown kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.layout.Points()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
