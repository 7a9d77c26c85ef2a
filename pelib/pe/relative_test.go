package pe

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestCausalMask(t *testing.T) {
	const m = MaskValue
	want := []float64{
		0, m, m,
		0, 0, m,
		0, 0, 0,
	}
	if got := CausalMask(3); !reflect.DeepEqual(got, want) {
		t.Errorf("CausalMask(3) = %v, want %v", got, want)
	}
	if CausalMask(0) != nil {
		t.Error("CausalMask(0) not nil")
	}
	if e := math.Exp(float64(float32(MaskValue))); e != 0 {
		t.Errorf("exp(MaskValue) = %v in float32 range, want 0", e)
	}
}

func TestShawIndex(t *testing.T) {
	tests := []struct {
		spec  string
		S     int
		n     int
		want  []int
		about string
	}{
		{"shaw", 4, 7, []int{
			3, 4, 5, 6,
			2, 3, 4, 5,
			1, 2, 3, 4,
			0, 1, 2, 3,
		}, "bidirectional, MaxDist S−1 = 3: idx = k−q+3"},
		{"shaw,maxdist=1", 4, 3, []int{
			1, 2, 2, 2,
			0, 1, 2, 2,
			0, 0, 1, 2,
			0, 0, 0, 1,
		}, "bidirectional, clipped at ±1"},
		{"shaw,causal", 4, 4, []int{
			3, 3, 3, 3,
			2, 3, 3, 3,
			1, 2, 3, 3,
			0, 1, 2, 3,
		}, "causal: k > q shares offset 0 (masked)"},
		{"relative,maxdist=1", 4, 2, []int{
			1, 1, 1, 1,
			0, 1, 1, 1,
			0, 0, 1, 1,
			0, 0, 0, 1,
		}, "causal, clipped at 1"},
		{"shaw", 1, 1, []int{0}, "one token"},
	}
	for _, tt := range tests {
		idx, n := ShawIndex(mustParse(t, tt.spec), tt.S)
		if n != tt.n || !reflect.DeepEqual(idx, tt.want) {
			t.Errorf("ShawIndex(%s, %d) [%s] = %v, n %d; want %v, n %d", tt.spec, tt.S, tt.about, idx, n, tt.want, tt.n)
		}
	}
	if idx, n := ShawIndex(mustParse(t, "t5"), 4); idx != nil || n != 0 {
		t.Error("ShawIndex of a t5 spec: want nil, 0")
	}
	if idx, n := ShawIndex(mustParse(t, "shaw"), 0); idx != nil || n != 0 {
		t.Error("ShawIndex with S = 0: want nil, 0")
	}
}

func TestT5Index(t *testing.T) {
	// Default: 32 buckets, bidirectional: 16 per direction, 8 exact. For
	// S = 4 every offset is exact: k < q → q−k, k > q → 16 + (k−q).
	idx, n := T5Index(mustParse(t, "t5"), 4)
	want := []int{
		0, 17, 18, 19,
		1, 0, 17, 18,
		2, 1, 0, 17,
		3, 2, 1, 0,
	}
	if n != 32 || !reflect.DeepEqual(idx, want) {
		t.Errorf("T5Index(t5, 4) = %v, n %d; want %v, n 32", idx, n, want)
	}
	idx, n = T5Index(mustParse(t, "t5,causal"), 3)
	want = []int{
		0, 0, 0,
		1, 0, 0,
		2, 1, 0,
	}
	if n != 32 || !reflect.DeepEqual(idx, want) {
		t.Errorf("T5Index(t5,causal, 3) = %v, n %d; want %v, n 32", idx, n, want)
	}

	// Log buckets. buckets=8, maxdist=16, bidirectional: 4 per direction, 2
	// exact; a ≥ 2 → 2 + ⌊log(a/2)/log 8 · 2⌋, capped at 3: a = 2…5 → 2
	// (a = 4: ⌊2/3⌋ = 0), a = 6 → 3 (⌊log₈3·2⌋ = ⌊1.06⌋), a ≥ 16 → 3.
	const S = 20
	idx, n = T5Index(mustParse(t, "t5,buckets=8,maxdist=16"), S)
	fwd := []int{0, 5, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}  // q = 0, k = 0…19
	back := []int{0, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3} // k = 0, q = 0…19
	for a := range S {
		if idx[a] != fwd[a] || idx[a*S] != back[a] {
			t.Errorf("buckets=8 maxdist=16, |offset| %d: forward %d backward %d, want %d %d", a, idx[a], idx[a*S], fwd[a], back[a])
		}
	}
	if n != 8 {
		t.Errorf("n = %d, want 8", n)
	}
	// Causal, buckets=8, maxdist=16: 8 buckets, 4 exact; a ≥ 4 →
	// 4 + ⌊log(a/4)/log 4 · 4⌋: a = 5 → 4, 6 → 5, 8 → 6 (exactly 2: the
	// boundary), 12 → 7, 16 → 8 capped at 7.
	idx, _ = T5Index(mustParse(t, "t5,buckets=8,maxdist=16,causal"), S)
	back = []int{0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7}
	for a := range S {
		if idx[a*S] != back[a] || idx[a] != 0 {
			t.Errorf("causal, offset −%d: bucket %d (future %d), want %d (0)", a, idx[a*S], idx[a], back[a])
		}
	}
	// Default buckets at log-spaced offsets: 16 + (8 + ⌊log₁₆(a/8)·8⌋).
	idx, _ = T5Index(mustParse(t, "t5"), 201)
	for a, b := range map[int]int{8: 24, 11: 24, 12: 25, 16: 26, 20: 26, 32: 28, 64: 30, 100: 31, 127: 31, 128: 31, 200: 31} {
		if idx[a] != b {
			t.Errorf("t5 default, offset +%d: bucket %d, want %d", a, idx[a], b)
		}
	}
	if idx, n := T5Index(mustParse(t, "shaw"), 4); idx != nil || n != 0 {
		t.Error("T5Index of a shaw spec: want nil, 0")
	}
}

func TestALiBiSlopes(t *testing.T) {
	tests := []struct {
		H    int
		want []float64
	}{
		{8, []float64{1. / 2, 1. / 4, 1. / 8, 1. / 16, 1. / 32, 1. / 64, 1. / 128, 1. / 256}},
		{1, []float64{1. / 256}},
		{2, []float64{1. / 16, 1. / 256}},
		{4, []float64{1. / 4, 1. / 16, 1. / 64, 1. / 256}},
		// Not a power of two: the 4-head slopes, then 2^−1, 2^−3 of the 8-head ones.
		{6, []float64{1. / 4, 1. / 16, 1. / 64, 1. / 256, 1. / 2, 1. / 8}},
		{3, []float64{1. / 16, 1. / 256, 1. / 4}},
		{12, []float64{1. / 2, 1. / 4, 1. / 8, 1. / 16, 1. / 32, 1. / 64, 1. / 128, 1. / 256,
			math.Exp2(-0.5), math.Exp2(-1.5), math.Exp2(-2.5), math.Exp2(-3.5)}},
	}
	for _, tt := range tests {
		if got := ALiBiSlopes(tt.H); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ALiBiSlopes(%d) = %v, want %v", tt.H, got, tt.want)
		}
	}
	if ALiBiSlopes(0) != nil {
		t.Error("ALiBiSlopes(0) not nil")
	}
}

func TestALiBiBias(t *testing.T) {
	// alibi, S = 3, H = 2: slopes 1/16, 1/256; bias −m·|q−k|.
	got, err := ALiBiBias(mustParse(t, "alibi"), Line(3), 2)
	if err != nil {
		t.Fatal(err)
	}
	a, b := 1.0/16, 1.0/256
	want := []float64{
		0, -a, -2 * a,
		-a, 0, -a,
		-2 * a, -a, 0,
		0, -b, -2 * b,
		-b, 0, -b,
		-2 * b, -b, 0,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ALiBiBias(alibi, 3, 2) = %v, want %v", got, want)
	}
	// Causal: the mask is included.
	got, err = ALiBiBias(mustParse(t, "alibi,causal"), Line(3), 1)
	if err != nil {
		t.Fatal(err)
	}
	c := 1.0 / 256
	if want := []float64{0, MaskValue, MaskValue, -c, 0, MaskValue, -2 * c, -c, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("ALiBiBias(alibi,causal, 3, 1) = %v, want %v", got, want)
	}
	// alibind on a 2×2 grid: Euclidean distances 1 and √2; alibi on the same
	// grid uses the token index instead.
	got, err = ALiBiBias(mustParse(t, "alibind"), Grid(2, 2), 1)
	if err != nil {
		t.Fatal(err)
	}
	r := math.Sqrt2
	if want := []float64{0, -c, -c, -r * c, -c, 0, -r * c, -c, -c, -r * c, 0, -c, -r * c, -c, -c, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("ALiBiBias(alibind, 2×2, 1) = %v, want %v", got, want)
	}
	got, _ = ALiBiBias(mustParse(t, "alibi"), Grid(2, 2), 1)
	if got[3] != -3*c {
		t.Errorf("alibi on a grid, (0, 3) = %v, want −3/256", got[3])
	}
	for _, tt := range []struct {
		spec string
		l    Layout
		H    int
		want string
	}{
		{"alibi", Line(3), 0, "must be > 0"},
		{"alibind", Layout{}, 2, "no tokens"},
		{"t5", Line(3), 2, "not an ALiBi kind"},
	} {
		if _, err := ALiBiBias(mustParse(t, tt.spec), tt.l, tt.H); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ALiBiBias(%s, H %d): error %v, want one containing %q", tt.spec, tt.H, err, tt.want)
		}
	}
}
