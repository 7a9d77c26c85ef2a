package analysis

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestProcrustesRecoversOrthogonal(t *testing.T) {
	tests := []struct {
		name   string
		s, d   int
		unique bool // S ≥ D: the rotation itself is identifiable
	}{
		{"tall-20x5", 20, 5, true},
		{"square-8x8", 8, 8, true},
		{"pe-16x160", 16, 160, false},
	}
	for _, tc := range tests {
		rng := newRNG(uint64(tc.s*1000 + tc.d))
		p := randn(rng, tc.s, tc.d)
		q := randOrthonormal(rng, tc.d, tc.d)
		var g mat.Dense
		g.Mul(p, q)
		res, err := Procrustes(p, &g)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if res.Distance > 1e-9 || res.Disparity > 1e-12 {
			t.Errorf("%s: distance %g, disparity %g; want 0", tc.name, res.Distance, res.Disparity)
		}
		if tc.unique && !matNear(res.Rotation, q, 1e-10) {
			t.Errorf("%s: rotation not recovered", tc.name)
		}
		var rtr mat.Dense
		rtr.Mul(res.Rotation.T(), res.Rotation)
		if !matNear(&rtr, eye(tc.d), 1e-10) {
			t.Errorf("%s: RᵀR ≠ I", tc.name)
		}
	}
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}

func TestProcrustesDisparityKnown(t *testing.T) {
	// Scaling and translation change the raw distance but not the disparity.
	rng := newRNG(9)
	p := randn(rng, 10, 3)
	q := randOrthonormal(rng, 3, 3)
	var g mat.Dense
	g.Mul(p, q)
	g.Scale(3, &g)
	for i := 0; i < 10; i++ {
		g.Set(i, 0, g.At(i, 0)+5)
	}
	res, err := Procrustes(p, &g)
	if err != nil {
		t.Fatal(err)
	}
	if res.Disparity > 1e-12 || res.Distance < 1 {
		t.Errorf("scaled+shifted: disparity %g (want 0), distance %g (want > 0)", res.Disparity, res.Distance)
	}
	// Worked by hand: P = three collinear points (0,0),(1,0),(2,0) and G the
	// triangle (0,0),(1,0),(0,1). Centred and unit-scaled, P̃ᵀG̃ has one
	// non-zero singular value √(3/8), so the disparity is 1 − 3/8 = 5/8.
	pl := mat.NewDense(3, 2, []float64{0, 0, 1, 0, 2, 0})
	tri := mat.NewDense(3, 2, []float64{0, 0, 1, 0, 0, 1})
	res, err = Procrustes(pl, tri)
	if err != nil {
		t.Fatal(err)
	}
	if !near(res.Disparity, 5.0/8, 1e-12) {
		t.Errorf("line vs triangle: disparity %.15g, want 0.625", res.Disparity)
	}
	back, _ := Procrustes(tri, pl)
	if !near(back.Disparity, res.Disparity, 1e-12) {
		t.Errorf("disparity not symmetric: %g vs %g", back.Disparity, res.Disparity)
	}
}

func TestProcrustesBadInput(t *testing.T) {
	ok := mat.NewDense(3, 2, []float64{0, 0, 1, 0, 0, 1})
	same := mat.NewDense(3, 2, []float64{1, 2, 1, 2, 1, 2})
	tests := []struct {
		name   string
		p, g   mat.Matrix
		target error
	}{
		{"shape", ok, mat.NewDense(3, 3, nil), ErrShape},
		{"rows", ok, mat.NewDense(4, 2, nil), ErrShape},
		{"nan", nanMatrix(), nanMatrix(), ErrNonFinite},
		{"constant-P", same, ok, ErrConstant},
		{"two-tokens", mat.NewDense(2, 2, nil), mat.NewDense(2, 2, nil), ErrTooFew},
	}
	for _, tc := range tests {
		_, err := Procrustes(tc.p, tc.g)
		wantErr(t, tc.name, err, tc.target)
	}
}

// embed maps (S, k) coordinates into D dimensions: scale · coords · Qᵀ + offset,
// Q a random (D, k) orthonormal matrix.
func embed(seed uint64, coords *mat.Dense, d int, scale float64) *mat.Dense {
	rng := newRNG(seed)
	s, k := coords.Dims()
	q := randOrthonormal(rng, d, k)
	var pe mat.Dense
	pe.Mul(coords, q.T())
	pe.Scale(scale, &pe)
	for j := 0; j < d; j++ {
		off := rng.NormFloat64()
		for i := 0; i < s; i++ {
			pe.Set(i, j, pe.At(i, j)+off)
		}
	}
	return &pe
}

func TestAlignToCoordsRecoversGrid(t *testing.T) {
	grid, _ := GridCoords(4, 4)
	cube := mat.NewDense(18, 3, nil) // 3×3×2 grid in 3D
	for i := 0; i < 18; i++ {
		cube.Set(i, 0, float64(i/6))
		cube.Set(i, 1, float64(i/2%3))
		cube.Set(i, 2, float64(i%2))
	}
	tests := []struct {
		name    string
		coords  *mat.Dense
		scale   float64
		cfg     AlignConfig
		wantErr float64 // expected mean error (0 for an exact embedding)
	}{
		{"grid-160D-scaled", grid, 0.37, AlignConfig{}, 0},
		{"cube-64D", cube, 2.5, AlignConfig{}, 0},
		{"grid-noscale-unit", grid, 1, AlignConfig{NoScale: true}, 0},
	}
	for _, tc := range tests {
		pe := embed(5, tc.coords, 160, tc.scale)
		al, err := AlignToCoords(pe, tc.coords, tc.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !near(al.MeanError, tc.wantErr, 1e-9) || !near(al.Explained, 1, 1e-9) {
			t.Errorf("%s: mean error %g, explained %g; want %g, 1", tc.name, al.MeanError, al.Explained, tc.wantErr)
		}
		if !tc.cfg.NoScale && !near(al.Scale, 1/tc.scale, 1e-9) {
			t.Errorf("%s: scale %g, want %g", tc.name, al.Scale, 1/tc.scale)
		}
		if !matNear(al.Aligned, tc.coords, 1e-9) {
			t.Errorf("%s: aligned positions differ from the coordinates", tc.name)
		}
	}

	// Without scale, a PE at half the grid's scale sits half-way to the
	// centroid: each token's error is half its distance from the centre
	// (1.5, 1.5), whose mean over the 4×4 grid is (4·√0.5 + 8·√2.5 + 4·√4.5)/16/2.
	pe := embed(6, grid, 160, 0.5)
	al, err := AlignToCoords(pe, grid, AlignConfig{NoScale: true})
	if err != nil {
		t.Fatal(err)
	}
	want := (4*math.Sqrt(0.5) + 8*math.Sqrt(2.5) + 4*math.Sqrt(4.5)) / 16 / 2
	if !near(al.MeanError, want, 1e-9) {
		t.Errorf("half-scale, no scale fit: mean error %.12g, want %.12g", al.MeanError, want)
	}

	// Noise moves tokens off the grid: a positive error well under a cell.
	noisy := embed(7, grid, 160, 1)
	rng := newRNG(8)
	for i := 0; i < 16; i++ {
		for j := 0; j < 160; j++ {
			noisy.Set(i, j, noisy.At(i, j)+0.01*rng.NormFloat64())
		}
	}
	al, err = AlignToCoords(noisy, grid, AlignConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if al.MeanError < 1e-4 || al.MeanError > 0.5 {
		t.Errorf("noisy grid: mean error %g, want small but positive", al.MeanError)
	}
}

func TestAlignToCoordsBadInput(t *testing.T) {
	grid, _ := GridCoords(4, 4)
	line := mat.NewDense(16, 160, nil) // rank-1 PE: tokens on a line
	for i := 0; i < 16; i++ {
		line.Set(i, 0, float64(i))
	}
	pe := embed(1, grid, 160, 1)
	tests := []struct {
		name      string
		pe, coord mat.Matrix
		target    error
	}{
		{"rank-deficient", line, grid, ErrConstant},
		{"token-mismatch", pe, mat.NewDense(15, 2, nil), ErrShape},
		{"k-too-large", mat.NewDense(3, 5, []float64{1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0}), mat.NewDense(3, 3, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}), ErrShape},
		{"constant-coords", pe, mat.NewDense(16, 2, nil), ErrConstant},
		{"nan", nanMatrix(), mat.NewDense(4, 1, []float64{1, 2, 3, 4}), ErrNonFinite},
	}
	for _, tc := range tests {
		_, err := AlignToCoords(tc.pe, tc.coord, AlignConfig{})
		wantErr(t, tc.name, err, tc.target)
	}
}

func TestDecode(t *testing.T) {
	grid, _ := GridCoords(4, 4)
	linear := embed(3, grid, 160, 0.2)
	// A random layout of 40 tokens and a PE of pure noise.
	rng := newRNG(4)
	layout := randn(rng, 40, 2)
	noise := randn(rng, 40, 160)
	tests := []struct {
		name   string
		pe     *mat.Dense
		coords *mat.Dense
		cfg    DecodeConfig
		lo, hi float64 // bounds on every coordinate's R²
	}{
		{"linear-lstsq-4fold", linear, grid, DecodeConfig{Folds: 4, Seed: 1}, 0.999999, 1},
		{"linear-ridge-loo", linear, grid, DecodeConfig{Folds: 16, Ridge: 1e-6}, 0.999, 1},
		{"noise-lstsq", noise, layout, DecodeConfig{Seed: 2}, -2, 0.2},
		{"noise-ridge", noise, layout, DecodeConfig{Ridge: 10, Seed: 2}, -2, 0.2},
	}
	for _, tc := range tests {
		dec, err := Decode(tc.pe, tc.coords, tc.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for c, r2 := range dec.R2 {
			if r2 < tc.lo || r2 > tc.hi {
				t.Errorf("%s: coordinate %d R² = %.6f, want in [%g, %g]", tc.name, c, r2, tc.lo, tc.hi)
			}
		}
		if !near(dec.MeanR2, (dec.R2[0]+dec.R2[1])/2, 1e-15) {
			t.Errorf("%s: MeanR2 %g is not the mean of %v", tc.name, dec.MeanR2, dec.R2)
		}
	}

	_, err := Decode(linear, grid, DecodeConfig{Folds: 17})
	wantErr(t, "too many folds", err, ErrInvalid)
	_, err = Decode(linear, grid, DecodeConfig{Folds: 1})
	wantErr(t, "one fold", err, ErrInvalid)
	_, err = Decode(linear, grid, DecodeConfig{Ridge: -1})
	wantErr(t, "negative ridge", err, ErrInvalid)
	_, err = Decode(linear, mat.NewDense(16, 1, nil), DecodeConfig{})
	wantErr(t, "constant coordinate", err, ErrConstant)
	_, err = Decode(linear, mat.NewDense(15, 2, nil), DecodeConfig{})
	wantErr(t, "token mismatch", err, ErrShape)
	_, err = Decode(mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6}), mat.NewDense(3, 1, []float64{1, 2, 3}), DecodeConfig{Folds: 3})
	if err != nil {
		t.Errorf("3 tokens, leave-one-out: %v", err)
	}
}

// TestAlignmentSpread checks Spread and Collapsed: about 1 for a PE that
// holds the grid, about 0 for one that holds position only through even
// functions (x²: uncorrelated with x on a centred grid), which aligned
// draws every token on the centroid.
func TestAlignmentSpread(t *testing.T) {
	coords := mat.NewDense(16, 2, nil)
	for i := range 16 {
		coords.Set(i, 0, float64(i/4))
		coords.Set(i, 1, float64(i%4))
	}
	cases := []struct {
		name      string
		row       func(x, y float64) []float64
		collapsed bool
	}{
		{"linear", func(x, y float64) []float64 { return []float64{2*x + y, y - x, 0.1 * x * y} }, false},
		{"even", func(x, y float64) []float64 { return []float64{x * x, y * y, x * x * y * y} }, true},
		// A weak trace of the layout under larger variation (an untrained
		// learned PE): a cloud, drawn as one, not collapsed.
		{"weak", func(x, y float64) []float64 {
			return []float64{0.1*x + 6*math.Sin(7*x+3*y), 0.1*y + 6*math.Cos(5*x-2*y), 6 * math.Sin(11*x*y+1)}
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pe := mat.NewDense(16, 3, nil)
			for i := range 16 {
				pe.SetRow(i, c.row(coords.At(i, 0)-1.5, coords.At(i, 1)-1.5))
			}
			al, err := AlignToCoords(pe, coords, AlignConfig{})
			if err != nil {
				t.Fatal(err)
			}
			if al.Collapsed() != c.collapsed {
				t.Errorf("spread %g: collapsed %v, want %v", al.Spread, al.Collapsed(), c.collapsed)
			}
			t.Logf("%s: spread %.3f", c.name, al.Spread)
			if c.name == "linear" && math.Abs(al.Spread-1) > 0.2 {
				t.Errorf("spread %g, want about 1", al.Spread)
			}
		})
	}
	// The threshold: an untrained learned PE of 64 tokens aligns to about
	// a tenth of the layout (notebook 04's quick run: 8–9 %) and must stay
	// a cloud; only a near-zero spread (sinnd's 10⁻¹⁵) is one dot.
	for _, c := range []struct {
		spread    float64
		collapsed bool
	}{{0.09, false}, {0.05, false}, {0.01, true}, {1e-15, true}} {
		if got := (&Alignment{Spread: c.spread}).Collapsed(); got != c.collapsed {
			t.Errorf("spread %g: collapsed %v, want %v", c.spread, got, c.collapsed)
		}
	}
}
