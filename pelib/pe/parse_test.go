package pe

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in    string
		want  Spec
		canon string
	}{
		{"none", Spec{Kind: None}, "none"},
		{"NoPE", Spec{Kind: None}, "none"},
		{"random", Spec{Kind: Random, Placement: Every}, "random"},
		{"random,input", Spec{Kind: Random, Placement: Input}, "random,input"},
		{"learn", Spec{Kind: Learned, Init: Normal, Sigma: 0.2, Placement: Every}, "learn:normal:0.2"},
		{"learn:normal:0.2", Spec{Kind: Learned, Init: Normal, Sigma: 0.2, Placement: Every}, "learn:normal:0.2"},
		{"learn:0.2", Spec{Kind: Learned, Init: Normal, Sigma: 0.2, Placement: Every}, "learn:normal:0.2"},
		{"learn-0.2", Spec{Kind: Learned, Init: Normal, Sigma: 0.2, Placement: Every}, "learn:normal:0.2"},
		{" Learn : Normal : 1.5 ", Spec{Kind: Learned, Init: Normal, Sigma: 1.5, Placement: Every}, "learn:normal:1.5"},
		{"learn:normal:0", Spec{Kind: Learned, Init: Normal, Placement: Every}, "learn:normal:0"},
		{"learn:uniform:0:1", Spec{Kind: Learned, Init: Uniform, High: 1, Placement: Every}, "learn:uniform:0:1"},
		{"uniform", Spec{Kind: Learned, Init: Uniform, High: 1, Placement: Every}, "learn:uniform:0:1"},
		{"learn:uniform:-0.5:0.25", Spec{Kind: Learned, Init: Uniform, Low: -0.5, High: 0.25, Placement: Every}, "learn:uniform:-0.5:0.25"},
		{"learn:xavier", Spec{Kind: Learned, Init: Xavier, Placement: Every}, "learn:xavier"},
		{"learn:zeros", Spec{Kind: Learned, Init: Zeros, Placement: Every}, "learn:zeros"},
		{"learn:normal:0.2,wd=0.01", Spec{Kind: Learned, Init: Normal, Sigma: 0.2, WeightDecay: 0.01, Placement: Every}, "learn:normal:0.2,wd=0.01"},
		{"learn:0.5,input", Spec{Kind: Learned, Init: Normal, Sigma: 0.5, Placement: Input}, "learn:normal:0.5,input"},
		{"learn:0.5,every", Spec{Kind: Learned, Init: Normal, Sigma: 0.5, Placement: Every}, "learn:normal:0.5"},
		{"learn-0.2, input, wd=1e-4", Spec{Kind: Learned, Init: Normal, Sigma: 0.2, WeightDecay: 1e-4, Placement: Input}, "learn:normal:0.2,wd=0.0001,input"},
		{"sin1d", Spec{Kind: Sin1D, Placement: Every, Base: 10000}, "sin1d"},
		{"1d-fixed", Spec{Kind: Sin1D, Placement: Every, Base: 10000}, "sin1d"},
		{"sin2d", Spec{Kind: Sin2D, Placement: Every, Base: 10000}, "sin2d"},
		{"2D-Fixed", Spec{Kind: Sin2D, Placement: Every, Base: 10000}, "sin2d"},
		{"sin2d,base=10000", Spec{Kind: Sin2D, Placement: Every, Base: 10000}, "sin2d"},
		{"sin2d,base=100,input", Spec{Kind: Sin2D, Placement: Input, Base: 100}, "sin2d,input,base=100"},
		{"sinnd", Spec{Kind: SinND, Placement: Every, Base: 10000}, "sinnd"},
		{"rope1d", Spec{Kind: RoPE1D, Base: 10000}, "rope1d"},
		{"rope", Spec{Kind: RoPE1D, Base: 10000}, "rope1d"},
		{"rope2d", Spec{Kind: RoPE2D, Base: 10000}, "rope2d"},
		{"ropend,base=500", Spec{Kind: RoPEND, Base: 500}, "ropend,base=500"},
		{"shaw", Spec{Kind: Shaw, Init: Normal, Sigma: 1}, "shaw:normal:1"},
		{"shaw,causal", Spec{Kind: Shaw, Init: Normal, Sigma: 1, Causal: true}, "shaw:normal:1,causal"},
		{"relative", Spec{Kind: Shaw, Init: Normal, Sigma: 1, Causal: true, NoOutProj: true}, "shaw:normal:1,causal,noout"},
		{"shaw,noout,causal", Spec{Kind: Shaw, Init: Normal, Sigma: 1, Causal: true, NoOutProj: true}, "shaw:normal:1,causal,noout"},
		{"relative,maxdist=8", Spec{Kind: Shaw, Init: Normal, Sigma: 1, Causal: true, NoOutProj: true, MaxDist: 8}, "shaw:normal:1,causal,noout,maxdist=8"},
		{"learn-0.5,noout,wd=0.1", Spec{Kind: Learned, Init: Normal, Sigma: 0.5, WeightDecay: 0.1, Placement: Every, NoOutProj: true}, "learn:normal:0.5,wd=0.1,noout"},
		{"sin2d, NoOut", Spec{Kind: Sin2D, Placement: Every, Base: 10000, NoOutProj: true}, "sin2d,noout"},
		{"none,noout", Spec{Kind: None, NoOutProj: true}, "none,noout"},
		{"shaw,maxdist=8", Spec{Kind: Shaw, Init: Normal, Sigma: 1, MaxDist: 8}, "shaw:normal:1,maxdist=8"},
		{"shaw:0.3,wd=0.1", Spec{Kind: Shaw, Init: Normal, Sigma: 0.3, WeightDecay: 0.1}, "shaw:normal:0.3,wd=0.1"},
		{"t5", Spec{Kind: T5, Init: Zeros, Buckets: 32, MaxDist: 128}, "t5:zeros"},
		{"t5,buckets=32,maxdist=128", Spec{Kind: T5, Init: Zeros, Buckets: 32, MaxDist: 128}, "t5:zeros"},
		{"t5:normal:0.1,buckets=8,maxdist=16,causal", Spec{Kind: T5, Init: Normal, Sigma: 0.1, Buckets: 8, MaxDist: 16, Causal: true}, "t5:normal:0.1,causal,maxdist=16,buckets=8"},
		{"alibi", Spec{Kind: ALiBi}, "alibi"},
		{"alibi,causal", Spec{Kind: ALiBi, Causal: true}, "alibi,causal"},
		{"alibind", Spec{Kind: ALiBiND}, "alibind"},
		{"coordlin", Spec{Kind: CoordLin, Init: Normal, Sigma: 0.2, Placement: Every}, "coordlin:normal:0.2"},
		{"coordlin-0.1", Spec{Kind: CoordLin, Init: Normal, Sigma: 0.1, Placement: Every}, "coordlin:normal:0.1"},
		{"coordlin:2,input,fourier=4", Spec{Kind: CoordLin, Init: Normal, Sigma: 2, Placement: Input, Fourier: 4}, "coordlin:normal:2,input,fourier=4"},
		{"coordmlp-0.5", Spec{Kind: CoordMLP, Init: Normal, Sigma: 0.5, Placement: Every, Hidden: 64, Depth: 1}, "coordmlp:normal:0.5"},
		{"coordmlp:xavier,hidden=16,depth=2,wd=0.1", Spec{Kind: CoordMLP, Init: Xavier, Placement: Every, Hidden: 16, Depth: 2, WeightDecay: 0.1}, "coordmlp:xavier,wd=0.1,hidden=16,depth=2"},
		{"dpb-2", Spec{Kind: DPB, Init: Normal, Sigma: 2, Placement: Every, Hidden: 32, Depth: 1}, "dpb:normal:2"},
		{"dpb:0.1,hidden=64,input", Spec{Kind: DPB, Init: Normal, Sigma: 0.1, Placement: Input, Hidden: 64, Depth: 1}, "dpb:normal:0.1,input,hidden=64"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.canon {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, s, tt.canon)
		}
		back, err := Parse(got.String())
		if err != nil || !reflect.DeepEqual(back, got) {
			t.Errorf("round trip of %q: Parse(%q) = %#v, %v; want %#v", tt.in, got.String(), back, err, got)
		}
	}
}

// TestRoundTrip checks Parse(s.String()) == s.Normalize() for hand-built
// specs, zero fields included.
func TestRoundTrip(t *testing.T) {
	specs := []Spec{
		{Kind: None}, {Kind: Random}, {Kind: Learned}, {Kind: Learned, Sigma: 1.4},
		{Kind: Learned, Init: Normal, Sigma: 1e-7}, {Kind: Learned, Low: 2, High: 3},
		{Kind: Learned, Init: Uniform}, {Kind: Learned, Init: Xavier, WeightDecay: 0.5, Placement: Input},
		{Kind: Sin1D, Base: 0.5}, {Kind: Sin2D}, {Kind: SinND, Placement: Input}, {Kind: RoPE1D},
		{Kind: RoPE2D, Base: 1e6}, {Kind: RoPEND}, {Kind: Shaw}, {Kind: Shaw, Init: Xavier, Causal: true, MaxDist: 3},
		{Kind: T5}, {Kind: T5, Buckets: 6, Causal: true, MaxDist: 7}, {Kind: T5, MaxDist: 128, Buckets: 64},
		{Kind: ALiBi}, {Kind: ALiBiND, Causal: true},
		{Kind: CoordLin}, {Kind: CoordMLP, Hidden: 8, Fourier: 3}, {Kind: DPB, Depth: 3, Placement: Input},
	}
	for _, s := range specs {
		if err := s.Validate(); err != nil {
			t.Errorf("%#v.Validate(): %v", s, err)
			continue
		}
		got, err := Parse(s.String())
		if err != nil || !reflect.DeepEqual(got, s.Normalize()) {
			t.Errorf("Parse(%q) = %#v, %v; want %#v", s.String(), got, err, s.Normalize())
		}
	}
	// Every σ of a sweep round-trips exactly.
	sigmas, err := SigmaRange(0.01, 3, 0.01)
	if err != nil {
		t.Fatal(err)
	}
	for _, sigma := range sigmas {
		s := Spec{Kind: Learned, Init: Normal, Sigma: sigma, Placement: Every}
		if got, err := Parse(s.String()); err != nil || !reflect.DeepEqual(got, s) {
			t.Errorf("Parse(%q) = %v, %v; want σ %v", s.String(), got, err, sigma)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty kind"},
		{"learn:normal:-1", "σ must be ≥ 0"},
		{"learn:-0.5", "σ must be ≥ 0"},
		{"learn-abc", `σ "abc" is not a finite number`},
		{"learn:normal:nan", "not a finite number"},
		{"learn:normal:inf", "not a finite number"},
		{"learn:foo", `unknown init "foo"`},
		{"learn:normal", "takes 1 ':' argument(s), got 0"},
		{"learn:uniform:1", "takes 2 ':' argument(s), got 1"},
		{"learn:uniform:1:0", "needs low < high"},
		{"learn:xavier:1", "takes 0 ':' argument(s)"},
		{"learn:func", "cannot be written as a string"},
		{"sin3d", `unknown kind "sin3d"`},
		{"transformer", `unknown kind "transformer"`},
		{"sin2d:0.2", "takes no ':' arguments"},
		{"learn,foo=1", `unknown option "foo"`},
		{"learn,", "empty option"},
		{"learn,wd=-1", "wd must be ≥ 0"},
		{"learn,wd", "not a finite number"},
		{"learn,input,every", `option "placement" given twice`},
		{"learn,wd=1,wd=2", `option "wd" given twice`},
		{"learn,causal", "causal applies to shaw, t5, alibi and alibind only"},
		{"learn,causal=1", `option "causal" takes no value`},
		{"shaw,noout=1", `option "noout" takes no value`},
		{"relative,noout,noout", `option "noout" given twice`},
		{"sin2d,wd=0.1", "no weight decay"},
		{"rope1d,input", "placement applies to learn, random, sin*, coordlin, coordmlp and dpb only"},
		{"coordlin,hidden=8", "hidden and depth apply to coordmlp and dpb only"},
		{"sinnd,fourier=2", "fourier applies to coordlin, coordmlp and dpb only"},
		{"coordmlp,fourier=21", "fourier must be between 0 and 20"},
		{"dpb,depth=0", "want an integer > 0"},
		{"coordlin-x", `σ "x" is not a finite number`},
		{"shaw,maxdist=-1", "want an integer > 0"},
		{"shaw,maxdist=x", "want an integer > 0"},
		{"shaw,buckets=8", "buckets applies to t5 only"},
		{"t5,buckets=7", "buckets must be an even number"},
		{"t5,buckets=32,maxdist=8", "maxdist must exceed the 8 exact buckets"},
		{"alibi,base=2", "base applies to sin* and rope* only"},
		{"sin1d,base=-2", "base must be > 0"},
		{"learn,maxdist=3", "maxdist applies to shaw and t5 only"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q): no error, want one containing %q", tt.in, tt.want)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.want) {
			t.Errorf("Parse(%q) error %q does not contain %q", tt.in, msg, tt.want)
		}
		if !strings.Contains(msg, "valid forms: "+Syntax) {
			t.Errorf("Parse(%q) error %q does not list the valid forms", tt.in, msg)
		}
		if !strings.Contains(msg, `"`+tt.in+`"`) {
			t.Errorf("Parse(%q) error %q does not quote the input", tt.in, msg)
		}
	}
}

func TestValidate(t *testing.T) {
	fn := func(*rand.Rand, int, int) float64 { return 0 }
	tests := []struct {
		s    Spec
		want string // "" = valid
	}{
		{Spec{Kind: Learned, Init: Func, InitFunc: fn}, ""},
		{Spec{Kind: Learned, Init: Func}, "InitFunc must be set exactly when Init is func"},
		{Spec{Kind: Learned, InitFunc: fn}, "InitFunc must be set exactly when Init is func"},
		{Spec{Kind: "lern"}, `unknown kind "lern"`},
		{Spec{}, `unknown kind ""`},
		{Spec{Kind: Learned, Init: "gauss"}, `unknown init "gauss"`},
		{Spec{Kind: Learned, Init: Normal, Sigma: -1}, "σ ≥ 0"},
		{Spec{Kind: Learned, Init: Uniform, Sigma: 1, High: 2}, "Sigma applies to normal init"},
		{Spec{Kind: Learned, Init: Normal, Sigma: 1, High: 2}, "Low/High apply to uniform init"},
		{Spec{Kind: Learned, Init: Xavier, Sigma: 1}, "do not apply to xavier init"},
		{Spec{Kind: Learned, Placement: "middle"}, `unknown placement "middle"`},
		{Spec{Kind: Sin2D, Sigma: 0.2}, "no init"},
		{Spec{Kind: None, Placement: Every}, "placement applies to"},
		{Spec{Kind: RoPE2D, Causal: true}, "causal applies to"},
		{Spec{Kind: Sin1D, Base: -1}, "base must be"},
		{Spec{Kind: T5, Buckets: 2}, "buckets must be an even number"},
		{Spec{Kind: T5, Buckets: 2, Causal: true, MaxDist: 2}, ""},
	}
	for _, tt := range tests {
		err := tt.s.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%#v.Validate() = %v, want nil", tt.s, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%#v.Validate() = %v, want an error containing %q", tt.s, err, tt.want)
		}
	}
}

func TestPredicates(t *testing.T) {
	// additive, rotary, bias, relative, trainable
	tests := []struct {
		k                 Kind
		a, r, b, rel, trn bool
	}{
		{None, true, false, false, false, false},
		{Random, true, false, false, false, false},
		{Learned, true, false, false, false, true},
		{Sin1D, true, false, false, false, false},
		{Sin2D, true, false, false, false, false},
		{SinND, true, false, false, false, false},
		{RoPE1D, false, true, false, false, false},
		{RoPE2D, false, true, false, false, false},
		{RoPEND, false, true, false, false, false},
		{Shaw, false, false, false, true, true},
		{T5, false, false, true, false, true},
		{ALiBi, false, false, true, false, false},
		{ALiBiND, false, false, true, false, false},
		{CoordLin, true, false, false, false, true},
		{CoordMLP, true, false, false, false, true},
		{DPB, false, false, false, false, true},
	}
	if len(tests) != len(Kinds()) {
		t.Fatalf("table covers %d kinds, Kinds() has %d", len(tests), len(Kinds()))
	}
	for _, tt := range tests {
		s := Spec{Kind: tt.k}
		got := [5]bool{s.Additive(), s.Rotary(), s.Bias(), s.Relative(), s.Trainable()}
		if want := [5]bool{tt.a, tt.r, tt.b, tt.rel, tt.trn}; got != want {
			t.Errorf("%s: additive, rotary, bias, relative, trainable = %v, want %v", tt.k, got, want)
		}
		if err := s.Validate(); err != nil {
			t.Errorf("Spec{Kind: %s}.Validate() = %v", tt.k, err)
		}
	}
}

func TestStructureKey(t *testing.T) {
	groups := [][]string{
		{"learn:normal:0.2", "learn:normal:2.0", "learn:xavier", "learn:uniform:0:1", "learn-1.4", "learn:zeros"},
		{"learn:0.2,wd=0.01", "learn:1,wd=0.01"},
		{"learn:0.2,input", "learn:xavier,input"},
		{"shaw", "shaw:zeros", "shaw:normal:0.1"},
		{"shaw,causal,noout", "relative", "shaw:zeros,noout,causal"},
		{"shaw,causal"},
		{"learn:0.1,noout", "learn:2,noout"},
		{"sin2d,noout"},
		{"t5", "t5:normal:0.1", "t5,buckets=32"},
		{"sin2d", "2d-fixed", "sin2d,base=10000"},
		{"sin1d"}, {"random"}, {"none"}, {"rope1d"}, {"rope2d"}, {"ropend"}, {"alibi"}, {"alibind"},
		{"sin2d,base=100"}, {"shaw,maxdist=3"}, {"t5,buckets=16"},
	}
	keys := make(map[string]int)
	for g, group := range groups {
		for _, str := range group {
			s, err := Parse(str)
			if err != nil {
				t.Fatal(err)
			}
			k := s.StructureKey()
			if prev, ok := keys[k]; ok && prev != g {
				t.Errorf("%q has key %q, shared with group %d %v, want group %d only", str, k, prev, groups[prev], g)
			}
			keys[k] = g
		}
	}
	if len(keys) != len(groups) {
		t.Errorf("%d distinct keys for %d groups: %v", len(keys), len(groups), keys)
	}
	fn := func(*rand.Rand, int, int) float64 { return 1 }
	if got, want := (Spec{Kind: Learned, Init: Func, InitFunc: fn}).StructureKey(), "learn"; got != want {
		t.Errorf("func init key = %q, want %q", got, want)
	}
}

func TestParseList(t *testing.T) {
	got, err := ParseList("learn:0.1; learn-0.2 ;2d-fixed;")
	if err != nil {
		t.Fatal(err)
	}
	var strs []string
	for _, s := range got {
		strs = append(strs, s.String())
	}
	if want := []string{"learn:normal:0.1", "learn:normal:0.2", "sin2d"}; !reflect.DeepEqual(strs, want) {
		t.Errorf("ParseList = %v, want %v", strs, want)
	}

	got, err = ParseList("learn:0.1..0.5/0.1,wd=0.01;sin2d;learn:normal:1..2/0.5,input")
	if err != nil {
		t.Fatal(err)
	}
	strs = strs[:0]
	for _, s := range got {
		strs = append(strs, s.String())
	}
	want := []string{
		"learn:normal:0.1,wd=0.01", "learn:normal:0.2,wd=0.01", "learn:normal:0.3,wd=0.01",
		"learn:normal:0.4,wd=0.01", "learn:normal:0.5,wd=0.01", "sin2d",
		"learn:normal:1,input", "learn:normal:1.5,input", "learn:normal:2,input",
	}
	if !reflect.DeepEqual(strs, want) {
		t.Errorf("ParseList sweep = %v, want %v", strs, want)
	}

	for _, tt := range []struct{ in, want string }{
		{"", "holds no spec"},
		{" ; ;", "holds no spec"},
		{"sin2d;learn:foo", "element 2"},
		{"shaw:0.1..0.2/0.1", "only learn σ sweeps"},
		{"learn:0.1..0.2", "no step"},
		{"learn:0.5..0.1/0.1", "want finite 0 ≤ from ≤ to"},
		{"learn:0.1..x/0.1", `"x" is not a finite number`},
	} {
		if _, err := ParseList(tt.in); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseList(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestSigmaRange(t *testing.T) {
	got, err := SigmaRange(0.1, 2.0, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SigmaRange(0.1, 2, 0.1) = %v, want %v", got, want)
	}
	if got, _ := SigmaRange(0.5, 0.5, 1); !reflect.DeepEqual(got, []float64{0.5}) {
		t.Errorf("SigmaRange(0.5, 0.5, 1) = %v, want [0.5]", got)
	}
	if got, _ := SigmaRange(0, 1, 0.3); !reflect.DeepEqual(got, []float64{0, 0.3, 0.6, 0.9}) {
		t.Errorf("SigmaRange(0, 1, 0.3) = %v, want [0 0.3 0.6 0.9]", got)
	}
	for _, bad := range [][3]float64{{1, 0, 0.1}, {0, 1, 0}, {0, 1, -1}, {-1, 1, 0.5}, {0, 1e9, 1e-9}} {
		if _, err := SigmaRange(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("SigmaRange%v: no error", bad)
		}
	}
}

func TestSpecJSON(t *testing.T) {
	for _, str := range []string{"learn:uniform:-1:2,wd=0.1,input", "t5:normal:0.1,causal,buckets=8,maxdist=16", "sin2d,base=100", "none", "relative"} {
		s := mustParse(t, str)
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Spec
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, s) {
			t.Errorf("%s: JSON %s reads back as %#v, want %#v", str, b, back, s)
		}
	}
}
