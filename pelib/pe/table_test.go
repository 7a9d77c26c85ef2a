package pe

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

func mustParse(t *testing.T, s string) Spec {
	t.Helper()
	spec, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

func TestTableNormal(t *testing.T) {
	const S, D = 200, 200 // 40000 draws: the std of the sample std is σ/√(2N) ≈ 0.35 % of σ
	for _, sigma := range []float64{0.02, 0.2, 2} {
		spec := Spec{Kind: Learned, Init: Normal, Sigma: sigma}
		tab, err := Table(spec, Line(S), D, newRNG(7))
		if err != nil {
			t.Fatal(err)
		}
		mean, std := stat.MeanStdDev(tab, nil)
		if math.Abs(std/sigma-1) > 0.02 {
			t.Errorf("σ %v: sample std %v, want within 2 %%", sigma, std)
		}
		if math.Abs(mean) > 4*sigma/math.Sqrt(S*D) {
			t.Errorf("σ %v: sample mean %v, want within 4 standard errors of 0", sigma, mean)
		}
	}
}

func TestTableDeterminism(t *testing.T) {
	for _, str := range []string{"learn:0.2", "learn:uniform:-1:1", "learn:xavier", "random"} {
		spec := mustParse(t, str)
		a, err := Table(spec, Grid(4, 4), 32, newRNG(42))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Table(spec, Grid(4, 4), 32, newRNG(42))
		c, _ := Table(spec, Grid(4, 4), 32, newRNG(43))
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two tables from seed 42 differ", str)
		}
		if reflect.DeepEqual(a, c) {
			t.Errorf("%s: seeds 42 and 43 give the same table", str)
		}
	}
}

func TestInitTable(t *testing.T) {
	const rows, cols = 100, 300
	u, err := InitTable(mustParse(t, "learn:uniform:-0.5:1.5"), rows, cols, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	if lo, hi := floats.Min(u), floats.Max(u); lo < -0.5 || hi >= 1.5 || lo > -0.49 || hi < 1.49 {
		t.Errorf("uniform(-0.5, 1.5): range [%v, %v], want to fill [-0.5, 1.5)", lo, hi)
	}
	if m := stat.Mean(u, nil); math.Abs(m-0.5) > 0.02 {
		t.Errorf("uniform(-0.5, 1.5): mean %v, want 0.5", m)
	}

	// Xavier on (rows, cols): bound √(6/(rows+cols)) = √(6/400), variance b²/3.
	x, err := InitTable(mustParse(t, "shaw:xavier"), rows, cols, newRNG(2))
	if err != nil {
		t.Fatal(err)
	}
	b := math.Sqrt(6.0 / 400)
	if got := XavierBound(rows, cols); got != b {
		t.Errorf("XavierBound(%d, %d) = %v, want %v", rows, cols, got, b)
	}
	if lo, hi := floats.Min(x), floats.Max(x); lo < -b || hi > b || hi < 0.99*b || lo > -0.99*b {
		t.Errorf("xavier: range [%v, %v], want to fill [−%v, %v]", lo, hi, b, b)
	}
	if v := stat.Variance(x, nil); math.Abs(v/(b*b/3)-1) > 0.03 {
		t.Errorf("xavier: variance %v, want b²/3 = %v", v, b*b/3)
	}

	z, err := InitTable(mustParse(t, "t5"), 3, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if floats.Norm(z, 1) != 0 || len(z) != 12 {
		t.Errorf("t5 zeros init = %v", z)
	}

	fn := Spec{Kind: Learned, Init: Func, InitFunc: func(_ *rand.Rand, s, d int) float64 { return float64(10*s + d) }}
	f, err := InitTable(fn, 2, 3, newRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 1, 2, 10, 11, 12}; !reflect.DeepEqual(f, want) {
		t.Errorf("func init = %v, want %v", f, want)
	}
	nan := Spec{Kind: Learned, Init: Func, InitFunc: func(*rand.Rand, int, int) float64 { return math.NaN() }}
	for _, tt := range []struct {
		name string
		spec Spec
		r, c int
		rng  *rand.Rand
		want string
	}{
		{"NaN func", nan, 2, 2, newRNG(1), "want a finite number"},
		{"nil rng", mustParse(t, "learn:0.2"), 2, 2, nil, "nil rng"},
		{"not trainable", mustParse(t, "sin2d"), 2, 2, newRNG(1), "no trainable parameters"},
		{"bad shape", mustParse(t, "learn"), 0, 2, newRNG(1), "must be positive"},
		{"invalid spec", Spec{Kind: Learned, Init: Normal, Sigma: -1}, 2, 2, newRNG(1), "σ ≥ 0"},
	} {
		if _, err := InitTable(tt.spec, tt.r, tt.c, tt.rng); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestTableKinds(t *testing.T) {
	const D = 16
	g := Grid(4, 4)
	tab := func(str string, l Layout) []float64 {
		t.Helper()
		out, err := Table(mustParse(t, str), l, D, newRNG(5))
		if err != nil {
			t.Fatalf("Table(%s): %v", str, err)
		}
		if len(out) != l.S()*D {
			t.Fatalf("Table(%s): %d values, want %d", str, len(out), l.S()*D)
		}
		return out
	}
	if !reflect.DeepEqual(tab("sin1d", g), Sinusoid1D(16, D, 10000)) {
		t.Error("sin1d on a 4×4 grid is not Sinusoid1D of the token index")
	}
	if !reflect.DeepEqual(tab("sin2d", g), Sinusoid2D(4, 4, D, 10000)) {
		t.Error("sin2d is not Sinusoid2D")
	}
	if !reflect.DeepEqual(tab("sin2d,base=100", g), Sinusoid2D(4, 4, D, 100)) {
		t.Error("sin2d,base=100 is not Sinusoid2D with base 100")
	}
	if !reflect.DeepEqual(tab("sinnd", g), Sinusoid2D(4, 4, D, 10000)) {
		t.Error("sinnd on a 4×4 grid is not Sinusoid2D")
	}
	if floats.Norm(tab("none", g), 1) != 0 {
		t.Error("none is not a zero table")
	}
	if floats.Norm(tab("learn:zeros", g), 1) != 0 {
		t.Error("learn:zeros is not a zero table")
	}
	big, err := Table(mustParse(t, "random"), Line(100), 100, newRNG(9))
	if err != nil {
		t.Fatal(err)
	}
	if std := stat.StdDev(big, nil); math.Abs(std-1) > 0.03 {
		t.Errorf("random: std %v, want 1", std)
	}

	pts, _ := Points([][]float64{{0, 0, 0}, {1, 2, 3}})
	for _, tt := range []struct {
		spec string
		l    Layout
		D    int
		want string
	}{
		{"sin2d", Line(16), 16, "needs a two-dimensional grid"},
		{"sin2d", Grid(2, 2, 4), 16, "needs a two-dimensional grid"},
		{"sin2d", pts, 16, "needs a two-dimensional grid"},
		{"sin2d", g, 18, "divisible by 4"},
		{"sinnd", pts, 16, "divisible by the 3 coordinates"},
		{"learn", g, 0, "must be > 0"},
		{"learn", Layout{}, 16, "no tokens"},
		{"rope2d", g, 16, "not an additive kind"},
		{"shaw", g, 16, "not an additive kind"},
		{"alibi", g, 16, "not an additive kind"},
	} {
		_, err := Table(mustParse(t, tt.spec), tt.l, tt.D, newRNG(1))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Table(%s, S %d c %d, D %d): error %v, want one containing %q", tt.spec, tt.l.S(), tt.l.Dim(), tt.D, err, tt.want)
		}
	}
	if _, err := Table(mustParse(t, "random"), g, D, nil); err == nil {
		t.Error("random with nil rng: no error")
	}
	if _, err := Table(Spec{Kind: "sin3d"}, g, D, nil); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Errorf("unknown kind: error %v", err)
	}
}

func TestTables(t *testing.T) {
	const D, blocks = 8, 4
	g := Grid(4, 4)
	n := g.S() * D
	for _, tt := range []struct {
		spec     string
		L        int
		distinct bool // each block its own draw
	}{
		{"learn:0.2", blocks, true},
		{"learn:0.2,input", 1, false},
		{"random", blocks, true},
		{"sin2d", blocks, false},
		{"sin2d,input", 1, false},
		{"none", 1, false},
	} {
		spec := mustParse(t, tt.spec)
		if got := spec.NumTables(blocks); got != tt.L {
			t.Errorf("%s: NumTables(%d) = %d, want %d", tt.spec, blocks, got, tt.L)
		}
		all, err := Tables(spec, g, D, blocks, newRNG(11))
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != tt.L*n {
			t.Fatalf("%s: %d values, want %d", tt.spec, len(all), tt.L*n)
		}
		first, _ := Table(spec, g, D, newRNG(11))
		if !reflect.DeepEqual(all[:n], first) {
			t.Errorf("%s: block 0 differs from Table with the same seed", tt.spec)
		}
		for l := 1; l < tt.L; l++ {
			same := reflect.DeepEqual(all[l*n:(l+1)*n], first)
			if same == tt.distinct {
				t.Errorf("%s: block %d equal to block 0 is %t, want %t", tt.spec, l, same, !tt.distinct)
			}
		}
	}
	if got := mustParse(t, "rope1d").NumTables(blocks); got != 0 {
		t.Errorf("rope1d: NumTables = %d, want 0", got)
	}
	if _, err := Tables(mustParse(t, "learn"), g, D, 0, newRNG(1)); err == nil {
		t.Error("Tables with 0 blocks: no error")
	}
}
