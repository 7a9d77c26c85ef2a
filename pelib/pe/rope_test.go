package pe

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// rotate applies RoPE to the row vector v at token s with the tables and
// RotatePairMatrix, the way the graph does: v⊙cos[s] + (v·R)⊙sin[s].
func rotate(v []float64, s int, cos, sin []float64) []float64 {
	dh := len(v)
	R := mat.NewDense(dh, dh, RotatePairMatrix(dh))
	var vr mat.Dense
	vr.Mul(mat.NewDense(1, dh, v), R)
	out := make([]float64, dh)
	for i := range out {
		out[i] = v[i]*cos[s*dh+i] + vr.At(0, i)*sin[s*dh+i]
	}
	return out
}

func randVec(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

func TestRotatePairMatrix(t *testing.T) {
	q := []float64{1, 2, 3, 4}
	var got mat.Dense
	got.Mul(mat.NewDense(1, 4, q), mat.NewDense(4, 4, RotatePairMatrix(4)))
	if want := []float64{-2, 1, -4, 3}; !reflect.DeepEqual(got.RawRowView(0), want) {
		t.Errorf("q·R = %v, want rotatePair(q) = %v", got.RawRowView(0), want)
	}
	for _, dh := range []int{0, 3, -2} {
		if RotatePairMatrix(dh) != nil {
			t.Errorf("RotatePairMatrix(%d) not nil", dh)
		}
	}
}

func TestRoPETables(t *testing.T) {
	// rope1d, dh = 4, token 3: pair 0 angle 3·1, pair 1 angle 3·10000^(−2/4) = 0.03.
	cos, sin, err := RoPE(mustParse(t, "rope1d"), Line(4), 4)
	if err != nil {
		t.Fatal(err)
	}
	wantCos := []float64{-0.9899924966004454, -0.9899924966004454, 0.9995500337489875, 0.9995500337489875}
	wantSin := []float64{0.1411200080598672, 0.1411200080598672, 0.02999550020249566, 0.02999550020249566}
	for i := range 4 {
		if !near(cos[12+i], wantCos[i], 1e-15) || !near(sin[12+i], wantSin[i], 1e-15) {
			t.Errorf("token 3 channel %d: cos %v sin %v, want %v %v", i, cos[12+i], sin[12+i], wantCos[i], wantSin[i])
		}
	}
	// rope2d, dh = 8, token (row 2, col 3) of a 4×4 grid: pairs 0, 1 by the row
	// with ω = 1, 10000^(−1/2); pairs 2, 3 by the column likewise.
	cos, sin, err = RoPE(mustParse(t, "rope2d"), Grid(4, 4), 8)
	if err != nil {
		t.Fatal(err)
	}
	s := 2*4 + 3
	angles := []float64{2, 2 * 0.01, 3, 3 * 0.01}
	for i, a := range angles {
		for _, ch := range []int{2 * i, 2*i + 1} {
			if !near(cos[s*8+ch], math.Cos(a), 1e-15) || !near(sin[s*8+ch], math.Sin(a), 1e-15) {
				t.Errorf("rope2d token (2, 3) channel %d: cos %v sin %v, want angle %v", ch, cos[s*8+ch], sin[s*8+ch], a)
			}
		}
	}
}

// TestRoPERelative checks that q'·k' depends on the positions only through
// their offset, for 1D, axial 2D and N-D positions.
func TestRoPERelative(t *testing.T) {
	const dh = 16
	rng := newRNG(3)
	q, k := randVec(rng, dh), randVec(rng, dh)
	pts, err := Points([][]float64{{0.5, -1, 2}, {1.75, 0.5, -0.5}, {3, 1.25, 7}, {4.25, 2.75, 4.5}, {0, 0, 0}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		spec   string
		l      Layout
		dh     int
		sameA  [2]int // token pairs (qs, ks) with the same offset
		sameB  [2]int
		differ [2]int // a pair with another offset
	}{
		{"rope1d", Line(16), dh, [2]int{5, 2}, [2]int{13, 10}, [2]int{13, 9}},
		{"rope1d,base=100", Line(16), dh, [2]int{0, 7}, [2]int{8, 15}, [2]int{8, 14}},
		// Grid 4×4: (0,0)→(1,2) and (2,1)→(3,3) share the offset (1,2); (1,0)→(1,3)
		// has the same token offset 3 as (0,1)→(1,0) but another 2D offset.
		{"rope2d", Grid(4, 4), dh, [2]int{0, 6}, [2]int{9, 15}, [2]int{4, 7}},
		{"ropend", Grid(4, 4), dh, [2]int{0, 6}, [2]int{9, 15}, [2]int{4, 7}},
		// 3D points: 1−0 and 3−2 share the offset (1.25, 1.5, −2.5).
		{"ropend", pts, 12, [2]int{0, 1}, [2]int{2, 3}, [2]int{4, 1}},
	} {
		cos, sin, err := RoPE(mustParse(t, tt.spec), tt.l, tt.dh)
		if err != nil {
			t.Fatalf("RoPE(%s): %v", tt.spec, err)
		}
		qq, kk := q[:tt.dh], k[:tt.dh]
		dot := func(p [2]int) float64 {
			return floats.Dot(rotate(qq, p[0], cos, sin), rotate(kk, p[1], cos, sin))
		}
		a, b, c := dot(tt.sameA), dot(tt.sameB), dot(tt.differ)
		if !near(a, b, 1e-12) {
			t.Errorf("%s: q'·k' %v at %v and %v at %v, want equal (same offset)", tt.spec, a, tt.sameA, b, tt.sameB)
		}
		if near(a, c, 1e-3) {
			t.Errorf("%s: q'·k' %v at %v and %v at %v, want different (another offset)", tt.spec, a, tt.sameA, c, tt.differ)
		}
		// A rotation keeps the norm, and equal positions give back q·k.
		if got, want := floats.Norm(rotate(qq, tt.sameA[0], cos, sin), 2), floats.Norm(qq, 2); !near(got, want, 1e-12) {
			t.Errorf("%s: |q'| = %v, want |q| = %v", tt.spec, got, want)
		}
		if got, want := dot([2]int{tt.sameA[0], tt.sameA[0]}), floats.Dot(qq, kk); !near(got, want, 1e-12) {
			t.Errorf("%s: q'·k' at one position = %v, want q·k = %v", tt.spec, got, want)
		}
	}
}

func TestRoPEErrors(t *testing.T) {
	pts, _ := Points([][]float64{{0, 0, 0}, {1, 1, 1}})
	for _, tt := range []struct {
		spec string
		l    Layout
		dh   int
		want string
	}{
		{"rope1d", Line(4), 7, "must be even"},
		{"rope1d", Line(4), 0, "must be even"},
		{"rope2d", Line(16), 8, "needs a two-dimensional grid"},
		{"rope2d", Grid(4, 4), 6, "not divisible by the 2 coordinates"},
		{"ropend", pts, 8, "not divisible by the 3 coordinates"},
		{"ropend", Layout{}, 8, "no tokens"},
		{"sin1d", Line(4), 8, "not a rotary kind"},
	} {
		_, _, err := RoPE(mustParse(t, tt.spec), tt.l, tt.dh)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("RoPE(%s, dh %d): error %v, want one containing %q", tt.spec, tt.dh, err, tt.want)
		}
	}
}
