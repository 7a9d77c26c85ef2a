package pe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestNormalizedCoordsUnitFree: the same tokens in millimetres and in
// centimetres, shifted, give the same normalised coordinates, in [−1, 1]
// with the extreme at ±1, and one scale for every axis.
func TestNormalizedCoordsUnitFree(t *testing.T) {
	mm := [][]float64{{-30, 10, 5}, {12, -40, 0}, {50, 20, -25}, {0, 0, 0}}
	cm := make([][]float64, len(mm))
	for s, p := range mm {
		cm[s] = []float64{p[0]/10 + 7, p[1]/10 - 3, p[2] / 10}
	}
	a, ra, err := NormalizedCoords(Layout{Coords: mm})
	if err != nil {
		t.Fatal(err)
	}
	b, rb, err := NormalizedCoords(Layout{Coords: cm})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ra/rb-10) > 1e-12 {
		t.Errorf("half-extents %g mm and %g cm, want a ratio of 10", ra, rb)
	}
	maxAbs := 0.0
	for s := range a {
		for j := range a[s] {
			if math.Abs(a[s][j]-b[s][j]) > 1e-12 {
				t.Errorf("token %d coordinate %d: %g in mm, %g in cm", s, j, a[s][j], b[s][j])
			}
			maxAbs = math.Max(maxAbs, math.Abs(a[s][j]))
		}
	}
	if math.Abs(maxAbs-1) > 1e-15 {
		t.Errorf("largest |x̃| = %g, want 1", maxAbs)
	}
	// Mean of x: (−30+12+50+0)/4 = 8; largest deviation 50−8 = 42 along x
	// (y: −40−(−2.5) = −37.5; z: −25−(−5) = −20), so r = 42 for every axis.
	if math.Abs(ra-42) > 1e-12 || math.Abs(a[0][1]-(10+2.5)/42) > 1e-15 {
		t.Errorf("r = %g, x̃[0][1] = %g; want 42 and %g", ra, a[0][1], 12.5/42)
	}
	if _, _, err := NormalizedCoords(Layout{Coords: [][]float64{{1, 2}, {1, 2}}}); err == nil {
		t.Error("two tokens at one point: no error")
	}
}

// TestFunctionFeatures checks γ by hand on a two-token line and dpb's pair
// order.
func TestFunctionFeatures(t *testing.T) {
	l := Layout{Coords: [][]float64{{0}, {4}}} // x̃ = −1, +1
	f, C, err := FunctionFeatures(Spec{Kind: CoordMLP, Fourier: 2}, l)
	if err != nil {
		t.Fatal(err)
	}
	if C != 5 {
		t.Fatalf("C = %d, want 1·(1+2·2) = 5", C)
	}
	want := []float64{-1, math.Sin(-math.Pi), math.Cos(-math.Pi), math.Sin(-2 * math.Pi), math.Cos(-2 * math.Pi),
		1, math.Sin(math.Pi), math.Cos(math.Pi), math.Sin(2 * math.Pi), math.Cos(2 * math.Pi)}
	for i := range want {
		if math.Abs(f[i]-want[i]) > 1e-15 {
			t.Errorf("feature %d = %g, want %g", i, f[i], want[i])
		}
	}
	d, C, err := FunctionFeatures(Spec{Kind: DPB}, l)
	if err != nil {
		t.Fatal(err)
	}
	// Pairs (q, k) row-major: (x̃_q − x̃_k)/2 = 0, −1, 1, 0.
	if C != 1 || len(d) != 4 || d[0] != 0 || d[1] != -1 || d[2] != 1 || d[3] != 0 {
		t.Errorf("dpb features %v (C %d), want [0 −1 1 0] (C 1)", d, C)
	}
	if _, _, err := FunctionFeatures(Spec{Kind: Learned}, l); err == nil {
		t.Error("learn: no error")
	}
}

// TestEvalFunction: coordlin is γ·W + b exactly; a coordmlp with one
// hidden unit is the GELU chain computed by hand; shapes and counts.
func TestEvalFunction(t *testing.T) {
	lin := Spec{Kind: CoordLin}
	if got := lin.Layers(3, 4); len(got) != 1 || got[0] != [2]int{3, 4} {
		t.Errorf("coordlin layers %v", got)
	}
	out, err := EvalFunction(lin, [][]float64{{1, 2, 3, 4, 5, 6}, {0.5, -0.5}}, []float64{1, -1, 2, 0}, 3, 2)
	if err == nil {
		t.Errorf("features not a multiple of C: got %v, no error", out)
	}
	out, err = EvalFunction(lin, [][]float64{{1, 2, 3, 4, 5, 6}, {0.5, -0.5}}, []float64{1, -1, 2}, 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	// [1 −1 2]·[[1 2] [3 4] [5 6]] + [0.5 −0.5] = [1−3+10+0.5, 2−4+12−0.5]
	if out[0] != 8.5 || out[1] != 9.5 {
		t.Errorf("coordlin = %v, want [8.5 9.5]", out)
	}
	mlp := Spec{Kind: CoordMLP, Hidden: 1, Depth: 1}
	gelu := func(v float64) float64 { return 0.5 * v * (1 + math.Erf(v/math.Sqrt2)) }
	out, err = EvalFunction(mlp, [][]float64{{2}, {-0.5}, {3}, {1}}, []float64{0.7}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if w := gelu(2*0.7-0.5)*3 + 1; math.Abs(out[0]-w) > 1e-15 {
		t.Errorf("coordmlp = %g, want %g", out[0], w)
	}
	// Initial parameters: hidden Xavier within its bound, output Normal(0, σ²),
	// biases zero; equal seeds give equal values.
	spec := Spec{Kind: CoordMLP, Init: Normal, Sigma: 0.1, Hidden: 64, Depth: 2}
	p1, err := InitFunction(spec, 3, 100, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := InitFunction(spec, 3, 100, rand.New(rand.NewPCG(1, 2)))
	if len(p1) != 6 || len(p1[0]) != 3*64 || len(p1[2]) != 64*64 || len(p1[4]) != 64*100 || len(p1[5]) != 100 {
		t.Fatalf("parameter sizes wrong: %d tensors", len(p1))
	}
	b := XavierBound(3, 64)
	for _, v := range p1[0] {
		if math.Abs(v) > b {
			t.Fatalf("hidden weight %g outside ±%g", v, b)
		}
	}
	ss := 0.0
	for i, v := range p1[4] {
		ss += v * v
		if v != p2[4][i] {
			t.Fatal("equal seeds, different output weights")
		}
	}
	if sd := math.Sqrt(ss / float64(len(p1[4]))); math.Abs(sd-0.1) > 0.01 {
		t.Errorf("output weight SD %g, want ≈ σ 0.1", sd)
	}
	for _, v := range p1[5] {
		if v != 0 {
			t.Fatal("output bias not zero")
		}
	}
}
