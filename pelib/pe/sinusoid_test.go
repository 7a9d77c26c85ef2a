package pe

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestSinusoid1D(t *testing.T) {
	// S = 3, D = 4, base 10000: ω_0 = 1, ω_1 = 10000^(−1/2) = 0.01.
	got := Sinusoid1D(3, 4, 10000)
	want := []float64{
		0, 1, 0, 1, // p = 0
		math.Sin(1), math.Cos(1), math.Sin(0.01), math.Cos(0.01),
		0.9092974268256817, -0.4161468365471424, 0.01999866669333308, 0.9998000066665778, // p = 2
	}
	if len(got) != len(want) {
		t.Fatalf("len = %d, want %d", len(got), len(want))
	}
	for i := range want {
		if !near(got[i], want[i], 1e-15) {
			t.Errorf("entry %d (p %d, ch %d) = %v, want %v", i, i/4, i%4, got[i], want[i])
		}
	}
	// Odd D: the last channel is a sine with ω = base^(−2k/D).
	odd := Sinusoid1D(2, 3, 100)
	if w := math.Sin(math.Pow(100, -2.0/3)); !near(odd[3+2], w, 1e-15) {
		t.Errorf("odd D: entry (1, 2) = %v, want %v", odd[5], w)
	}
	for _, bad := range []struct {
		S, D int
		base float64
	}{{0, 4, 10}, {4, 0, 10}, {-1, 4, 10}, {4, 4, 0}, {4, 4, -10}, {4, 4, math.NaN()}, {4, 4, math.Inf(1)}} {
		if got := Sinusoid1D(bad.S, bad.D, bad.base); got != nil {
			t.Errorf("Sinusoid1D(%d, %d, %v) = %v, want nil", bad.S, bad.D, bad.base, got)
		}
	}
}

// paper2D writes the paper's 2d-fixed formula channel by channel, with the
// frequencies as exp(2k·(−ln 10000/half)) as in the reference code.
func paper2D(row, col, ch, D int) float64 {
	half := D / 2
	block, c := ch/half, ch%half
	k := c / 2
	w := math.Exp(float64(2*k) * (-math.Log(10000) / float64(half)))
	pos := float64(col)
	if block == 1 {
		pos = float64(row)
	}
	if c%2 == 0 {
		return math.Sin(pos * w)
	}
	return math.Cos(pos * w)
}

func TestSinusoid2D(t *testing.T) {
	const D = 160
	got := Sinusoid2D(4, 4, D, 10000)
	if len(got) != 16*D {
		t.Fatalf("len = %d, want %d", len(got), 16*D)
	}
	// Hand-computed entries of token 6 = (row 1, col 2); ω_1 = 10^(−0.1).
	hand := []struct {
		ch   int
		want float64
	}{
		{0, 0.9092974268256817},   // sin(2·ω_0) = sin 2
		{1, -0.4161468365471424},  // cos 2
		{2, 0.9998405118917851},   // sin(2·ω_1)
		{3, -0.01785919315011569}, // cos(2·ω_1)
		{80, 0.8414709848078965},  // sin(1·ω_0) = sin 1
		{81, 0.5403023058681398},  // cos 1
		{82, 0.7133930169093736},  // sin(ω_1)
		{83, 0.7007641567781148},  // cos(ω_1)
	}
	for _, h := range hand {
		if g := got[6*D+h.ch]; !near(g, h.want, 1e-14) {
			t.Errorf("token 6 channel %d = %v, want %v", h.ch, g, h.want)
		}
	}
	// Every entry against the paper's formula.
	for r := range 4 {
		for c := range 4 {
			for ch := range D {
				if g, w := got[(4*r+c)*D+ch], paper2D(r, c, ch, D); !near(g, w, 1e-12) {
					t.Fatalf("(row %d, col %d) channel %d = %v, want %v", r, c, ch, g, w)
				}
			}
		}
	}
	// Non-square grid: token t = row·cols + col.
	rect := Sinusoid2D(2, 3, 8, 10000)
	if g, w := rect[(1*3+2)*8+0], math.Sin(2); !near(g, w, 1e-15) {
		t.Errorf("2×3 grid, (1, 2) ch 0 = %v, want sin 2 = %v", g, w)
	}
	if g, w := rect[(1*3+2)*8+4], math.Sin(1); !near(g, w, 1e-15) {
		t.Errorf("2×3 grid, (1, 2) ch 4 = %v, want sin 1 = %v", g, w)
	}
	for _, D := range []int{0, 6, 162, -4} {
		if got := Sinusoid2D(4, 4, D, 10000); got != nil {
			t.Errorf("Sinusoid2D(4, 4, %d) = %d values, want nil", D, len(got))
		}
	}
}

func TestSinusoidND(t *testing.T) {
	// On an integer 2D grid it equals Sinusoid2D.
	for _, tt := range []struct{ rows, cols, D int }{{4, 4, 160}, {4, 4, 8}, {3, 5, 12}} {
		nd, err := SinusoidND(Grid(tt.rows, tt.cols).Coords, tt.D, 10000)
		if err != nil {
			t.Fatal(err)
		}
		d2 := Sinusoid2D(tt.rows, tt.cols, tt.D, 10000)
		for i := range d2 {
			if nd[i] != d2[i] {
				t.Fatalf("%d×%d D %d: entry %d: SinusoidND %v, Sinusoid2D %v", tt.rows, tt.cols, tt.D, i, nd[i], d2[i])
			}
		}
	}
	// On a line it equals Sinusoid1D.
	nd, err := SinusoidND(Line(7).Coords, 10, 100)
	if err != nil {
		t.Fatal(err)
	}
	d1 := Sinusoid1D(7, 10, 100)
	for i := range d1 {
		if nd[i] != d1[i] {
			t.Fatalf("line: entry %d: SinusoidND %v, Sinusoid1D %v", i, nd[i], d1[i])
		}
	}
	// Real-valued 3D point, D = 6: blocks of 2 for z, y, x: (sin, cos) of each.
	p := []float64{0.5, -1.25, 2}
	got, err := SinusoidND([][]float64{p}, 6, 10000)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{math.Sin(2), math.Cos(2), math.Sin(-1.25), math.Cos(-1.25), math.Sin(0.5), math.Cos(0.5)}
	for i := range want {
		if !near(got[i], want[i], 1e-15) {
			t.Errorf("3D point channel %d = %v, want %v", i, got[i], want[i])
		}
	}
	for _, bad := range []struct {
		name   string
		coords [][]float64
		D      int
		base   float64
	}{
		{"no points", nil, 6, 10},
		{"D not divisible", [][]float64{{1, 2}}, 5, 10},
		{"D zero", [][]float64{{1, 2}}, 0, 10},
		{"ragged", [][]float64{{1, 2}, {1}}, 4, 10},
		{"NaN", [][]float64{{1, math.NaN()}}, 4, 10},
		{"no coordinates", [][]float64{{}}, 4, 10},
		{"bad base", [][]float64{{1}}, 4, 0},
	} {
		if _, err := SinusoidND(bad.coords, bad.D, bad.base); err == nil {
			t.Errorf("%s: no error", bad.name)
		}
	}
}

func TestLayout(t *testing.T) {
	g := Grid(2, 3)
	if g.S() != 6 || g.Dim() != 2 {
		t.Fatalf("Grid(2, 3): S %d Dim %d, want 6 2", g.S(), g.Dim())
	}
	want := [][]float64{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}}
	for s := range want {
		if g.Coords[s][0] != want[s][0] || g.Coords[s][1] != want[s][1] {
			t.Errorf("Grid(2, 3) token %d at %v, want %v", s, g.Coords[s], want[s])
		}
	}
	if l := Line(3); l.S() != 3 || l.Dim() != 1 || l.Coords[2][0] != 2 || len(l.Grid) != 1 {
		t.Errorf("Line(3) = %+v", l)
	}
	for _, l := range []Layout{Line(0), Grid(), Grid(3, 0)} {
		if l.S() != 0 || l.check() == nil {
			t.Errorf("%+v: want an empty layout that check rejects", l)
		}
	}
	pts := [][]float64{{1.5, 2}, {3, -4}}
	l, err := Points(pts)
	if err != nil {
		t.Fatal(err)
	}
	pts[0][0] = 99
	if l.Coords[0][0] != 1.5 || l.Grid != nil {
		t.Errorf("Points does not copy its input or sets a grid: %+v", l)
	}
	if sc := l.Scaled(2); sc.Coords[1][1] != -8 || l.Coords[1][1] != -4 {
		t.Errorf("Scaled(2) = %v (original %v)", sc.Coords, l.Coords)
	}
	for _, bad := range [][][]float64{nil, {{}}, {{1}, {1, 2}}, {{math.Inf(1)}}} {
		if _, err := Points(bad); err == nil {
			t.Errorf("Points(%v): no error", bad)
		}
	}
	if err := (Layout{Coords: Grid(4, 4).Coords, Grid: []int{4, 5}}).check(); err == nil {
		t.Error("grid sizes that do not match S: no error")
	}
}
