package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	_ "github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/pe"
)

var allSpecs = []string{"none", "random", "learn:0.3", "learn:0.3,input", "learn:uniform:0:1", "learn:xavier",
	"sin1d", "sin2d", "sinnd", "rope1d", "rope2d", "ropend", "shaw", "shaw,causal", "relative", "learn:0.3,noout", "t5", "alibi", "alibind", "alibi,causal",
	"coordlin:0.3", "coordlin:0.3,input,fourier=2", "coordmlp:0.3", "coordmlp:0.3,hidden=5,depth=2,input", "dpb:0.3", "dpb:0.3,fourier=1,input"}

func small(t testing.TB, spec string, dt dtypes.DType, readout Readout) Config {
	s, err := pe.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return Config{Tokens: 6, Features: 3, Width: 8, Blocks: 2, Heads: 2, MLPRatio: 2, Outputs: 3,
		Readout: readout, ReadoutToken: 5, GELUAfterMLP: true, LNEps: 1e-5,
		PE: s, Layout: pe.Grid(2, 3), DType: dt}
}

func randInput(M, B, S, F int, seed uint64) *tensors.Tensor {
	r := rand.New(rand.NewPCG(seed, 2))
	v := make([]float64, M*B*S*F)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(v, M, B, S, F)
}

func members(t testing.TB, c Config, seeds ...int64) []Member {
	var ms []Member
	for _, s := range seeds {
		ms = append(ms, Member{Seed: s, PE: c.PE})
	}
	return ms
}

// TestForwardEveryPE runs every PE through the chosen backend and checks
// shapes and that attention rows are distributions.
func TestForwardEveryPE(t *testing.T) {
	be := testbackend.Get(t)
	for _, spec := range allSpecs {
		t.Run(spec, func(t *testing.T) {
			c := small(t, spec, dtypes.Float32, ReadoutToken)
			ps, err := Init(c, members(t, c, 1, 2))
			if err != nil {
				t.Fatal(err)
			}
			x := randInput(2, 4, 6, 3, 1)
			ex := MustNewExec(be, func(in []*Node) []*Node {
				out, err := Forward(c, in[1:], ConvertDType(in[0], dtypes.Float32), ForwardOptions{Attention: true})
				if err != nil {
					panic(err)
				}
				return append([]*Node{out.Out}, out.Attention...)
			})
			args := []any{x}
			for _, p := range ps {
				args = append(args, p)
			}
			outs, err := ex.Call(args...)
			if err != nil {
				t.Fatal(err)
			}
			if d := outs[0].Shape().Dimensions; len(d) != 3 || d[0] != 2 || d[1] != 4 || d[2] != 3 {
				t.Fatalf("output shape %v, want [2 4 3]", d)
			}
			a := tensors.MustCopyFlatData[float32](outs[1])
			for row := 0; row+6 <= len(a); row += 6 {
				sum := 0.0
				for k := range 6 {
					sum += float64(a[row+k])
				}
				if math.Abs(sum-1) > 1e-4 {
					t.Fatalf("attention row sums to %g", sum)
				}
			}
			if c.PE.Causal { // query 0 may attend only to key 0
				if math.Abs(float64(a[0])-1) > 1e-5 {
					t.Errorf("causal: first query attends %g to itself, want 1", a[0])
				}
			}
		})
	}
}

// forward64 runs Forward in float64 on the pure Go backend and returns the
// scalar Σ out² and its gradients with respect to every parameter.
func goBackend(t testing.TB) compute.Backend {
	b, err := compute.NewWithConfig("go:ops_sequential") // see package xla on the nested-pool deadlock
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGradientFiniteDifference compares the graph gradient of
// f(θ) = Σ out·w (w fixed random) with central differences, for a sample of
// parameter entries, for every PE, through the training graph.
func TestGradientFiniteDifference(t *testing.T) {
	be := goBackend(t)
	for _, spec := range []string{"learn:0.3", "random", "sin2d", "rope2d", "shaw", "relative", "t5", "alibind", "none", "sin2d,noout",
		"coordlin:0.3", "coordmlp:0.3,hidden=5,depth=2,fourier=1", "coordmlp:0.3,input", "dpb:0.3,hidden=4", "dpb:0.5,input,fourier=1"} {
		t.Run(spec, func(t *testing.T) {
			c := small(t, spec, dtypes.Float64, ReadoutMean)
			c.PreLN = spec == "rope2d" // exercise both layer-norm placements
			specs := Specs(c)
			ps, err := Init(c, members(t, c, 3))
			if err != nil {
				t.Fatal(err)
			}
			x := randInput(1, 2, 6, 3, 5)
			wv := make([]float64, 2*3)
			for i := range wv {
				wv[i] = float64(i%3) - 0.7
			}
			wt := tensors.FromFlatDataAndDimensions(wv, 1, 2, 3)
			// The gradient is of the training graph (hand-written GELU and
			// layer-norm gradients); the values are of the evaluation graph.
			f := func(in []*Node, train bool) *Node {
				out, err := Forward(c, in[2:], in[0], ForwardOptions{Train: train})
				if err != nil {
					panic(err)
				}
				return ReduceAllSum(Mul(out.Out, in[1]))
			}
			val := MustNewExec(be, func(in []*Node) *Node { return f(in, false) })
			grad := MustNewExec(be, func(in []*Node) []*Node {
				var tr []*Node
				for i, s := range specs {
					if s.Trainable {
						tr = append(tr, in[2+i])
					}
				}
				return Gradient(f(in, true), tr...)
			})
			args := func(p []*tensors.Tensor) []any {
				a := []any{x, wt}
				for _, t := range p {
					a = append(a, t)
				}
				return a
			}
			gs, err := grad.Call(args(ps)...)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(9, 9))
			gi := 0
			checked := 0
			for i, s := range specs {
				if !s.Trainable {
					continue
				}
				g := tensors.MustCopyFlatData[float64](gs[gi])
				gi++
				base := tensors.MustCopyFlatData[float64](ps[i])
				for range 2 {
					j := r.IntN(len(base))
					const h = 1e-5
					eval := func(delta float64) float64 {
						v := append([]float64(nil), base...)
						v[j] += delta
						p2 := append([]*tensors.Tensor(nil), ps...)
						p2[i] = tensors.FromFlatDataAndDimensions(v, ps[i].Shape().Dimensions...)
						out, err := val.Call(args(p2)...)
						if err != nil {
							t.Fatal(err)
						}
						return tensors.MustCopyFlatData[float64](out[0])[0]
					}
					num := (eval(h) - eval(-h)) / (2 * h)
					if diff := math.Abs(num - g[j]); diff > 1e-6*math.Max(1, math.Abs(num)) {
						t.Errorf("%s[%d]: graph gradient %.9g, finite difference %.9g", s.Name, j, g[j], num)
					}
					checked++
				}
			}
			if checked < 20 {
				t.Errorf("checked only %d entries", checked)
			}
		})
	}
}

// TestNoPEIsPermutationEquivariant: without a PE, permuting the tokens
// leaves a mean readout unchanged; with the 2D sinusoid it does not.
func TestNoPEIsPermutationEquivariant(t *testing.T) {
	be := goBackend(t)
	perm := []int{3, 0, 5, 1, 4, 2}
	for _, tc := range []struct {
		spec      string
		invariant bool
	}{{"none", true}, {"sin2d", false}, {"rope2d", false}, {"learn:0.5", false}} {
		c := small(t, tc.spec, dtypes.Float64, ReadoutMean)
		ps, _ := Init(c, members(t, c, 1))
		x := randInput(1, 2, 6, 3, 1)
		run := forward(t, be, c)
		a, b := run(x, ps), run(permuteTokens(x, perm), ps)
		d := 0.0
		for i := range a {
			d = math.Max(d, math.Abs(a[i]-b[i]))
		}
		if tc.invariant && d > 1e-9 {
			t.Errorf("%s: permuting tokens changed the output by %g", tc.spec, d)
		}
		if !tc.invariant && d < 1e-6 {
			t.Errorf("%s: permuting tokens left the output unchanged (%g)", tc.spec, d)
		}
	}
}

// TestPyTorchInit checks the initial parameter distributions.
func TestPyTorchInit(t *testing.T) {
	c := PaperLST(pe.Spec{Kind: pe.Learned, Init: "normal", Sigma: 0.2})
	c, _ = c.Normalize()
	ps, err := Init(c, []Member{{Seed: 2235, PE: c.PE}})
	if err != nil {
		t.Fatal(err)
	}
	specs := Specs(c)
	for i, s := range specs {
		v, _ := ToFloat64(ps[i])
		maxAbs, sum2 := 0.0, 0.0
		for _, x := range v {
			maxAbs = math.Max(maxAbs, math.Abs(x))
			sum2 += x * x
		}
		sd := math.Sqrt(sum2 / float64(len(v)))
		switch s.Name {
		case "embed/w":
			if b := 1 / math.Sqrt(5); maxAbs > b || maxAbs < 0.9*b {
				t.Errorf("embed/w max |w| %g, want just under %g", maxAbs, b)
			}
		case "block0/attn/wq":
			if b := math.Sqrt(6.0 / 640); maxAbs > b || maxAbs < 0.95*b {
				t.Errorf("wq max %g, want just under xavier bound %g", maxAbs, b)
			}
		case "block0/attn/bq", "block0/ln1/b":
			if maxAbs != 0 {
				t.Errorf("%s not zero", s.Name)
			}
		case "block0/ln1/g":
			if v[0] != 1 {
				t.Errorf("ln gamma %g, want 1", v[0])
			}
		case "pe/table":
			if len(v) != 4*16*160 || math.Abs(sd-0.2) > 0.01 {
				t.Errorf("pe/table: %d values with sd %g, want 10240 with sd 0.2", len(v), sd)
			}
		}
	}
	// Same seed, different σ: identical non-PE weights.
	c2 := c
	c2.PE.Sigma = 1.4
	ps2, _ := Init(c2, []Member{{Seed: 2235, PE: c2.PE}})
	for i, s := range specs {
		a, _ := ToFloat64(ps[i])
		b, _ := ToFloat64(ps2[i])
		same := a[0] == b[0]
		if s.PE == same {
			t.Errorf("%s: PE=%v but same-seed values equal=%v", s.Name, s.PE, same)
		}
	}
	if n := len(specs); n != 2+4*16+1+2 {
		t.Errorf("%d parameter tensors", n)
	}
}

// TestNoOutProj checks the noout option (the reference's relative
// attention): its parameters are those of the same model with the output
// projection minus every blockl/attn/wo [D, D] and blockl/attn/bo [D], and
// its output equals that model's with W_o = I and b_o = 0 (the attention
// output is C = [A_1 V_1 | … | A_H V_H] itself), for one head and for two.
func TestNoOutProj(t *testing.T) {
	be := testbackend.Get(t)
	for _, tc := range []struct {
		spec  string
		heads int
	}{{"relative", 1}, {"relative", 2}, {"sin2d,noout", 2}, {"learn:0.3,noout", 1}} {
		t.Run(fmt.Sprintf("%s/H%d", tc.spec, tc.heads), func(t *testing.T) {
			// Float32 so that every backend runs it (ONNX Runtime has no
			// float64 Erf); W_o = I, b_o = 0 is exact in any dtype.
			c := small(t, tc.spec, dtypes.Float32, ReadoutToken)
			c.Heads = tc.heads
			if c.AttnOutProj() {
				t.Fatalf("%s: AttnOutProj() = true, want false", tc.spec)
			}
			full := c
			full.PE.NoOutProj = false
			if !full.AttnOutProj() {
				t.Fatal("without noout: AttnOutProj() = false")
			}
			ns, fs := Specs(c), Specs(full)
			var want []ParamSpec
			for _, s := range fs {
				if !strings.HasSuffix(s.Name, "/attn/wo") && !strings.HasSuffix(s.Name, "/attn/bo") {
					want = append(want, s)
				}
			}
			if len(fs)-len(want) != 2*c.Blocks || len(ns) != len(want) {
				t.Fatalf("%d parameters with noout, %d without (%d of them wo/bo), want %d and %d",
					len(ns), len(fs), len(fs)-len(want), len(fs)-2*c.Blocks, len(fs))
			}
			for i := range ns {
				if ns[i].Name != want[i].Name || !slices.Equal(ns[i].Shape, want[i].Shape) {
					t.Errorf("parameter %d: %s %v, want %s %v", i, ns[i].Name, ns[i].Shape, want[i].Name, want[i].Shape)
				}
			}
			ps, err := Init(c, members(t, c, 4))
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]*tensors.Tensor{}
			for i, s := range ns {
				byName[s.Name] = ps[i]
			}
			D := c.Width
			eye := make([]float64, D*D)
			for i := range D {
				eye[i*D+i] = 1
			}
			fp := make([]*tensors.Tensor, len(fs))
			for i, s := range fs {
				switch {
				case strings.HasSuffix(s.Name, "/attn/wo"):
					fp[i] = FromFloat64(eye, c.DType, 1, D, D)
				case strings.HasSuffix(s.Name, "/attn/bo"):
					fp[i] = FromFloat64(make([]float64, D), c.DType, 1, D)
				default:
					fp[i] = byName[s.Name]
				}
			}
			x := randInput(1, 3, 6, 3, 7)
			run := func(c Config, p []*tensors.Tensor) []float64 {
				ex := MustNewExec(be, func(in []*Node) *Node {
					out, err := Forward(c, in[1:], ConvertDType(in[0], c.DType), ForwardOptions{})
					if err != nil {
						panic(err)
					}
					return out.Out
				})
				a := []any{x}
				for _, t := range p {
					a = append(a, t)
				}
				o, err := ex.Call(a...)
				if err != nil {
					t.Fatal(err)
				}
				v, err := ToFloat64(o[0])
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			a, b := run(c, ps), run(full, fp)
			for i := range a {
				if math.Abs(a[i]-b[i]) > 1e-6*math.Max(1, math.Abs(b[i])) {
					t.Fatalf("output %d: %.17g with noout, %.17g with W_o = I, b_o = 0", i, a[i], b[i])
				}
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	good := small(t, "learn:0.2", dtypes.Float32, ReadoutToken)
	bad := map[string]func(c *Config){
		"heads":   func(c *Config) { c.Heads = 3 },
		"readout": func(c *Config) { c.ReadoutToken = 6 },
		"dropout": func(c *Config) { c.Dropout = 1 },
		"layout":  func(c *Config) { c.Layout = pe.Grid(3, 3) },
		"dtype":   func(c *Config) { c.DType = dtypes.Int32 },
		"kind":    func(c *Config) { c.Readout = "max" },
	}
	for name, f := range bad {
		c := good
		f(&c)
		if _, err := c.Normalize(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestTokenOrderConsistent checks that a model has no hidden dependence on
// the order of its tokens: shuffling the tokens of the input and the rows
// of the PE table by one permutation shuffles the per-token outputs
// (masked-token readout) by the same permutation and changes nothing else.
// It is the check behind the "token order" intervention: a model of pelab
// knows a token's position only through its PE.
func TestTokenOrderConsistent(t *testing.T) {
	be := goBackend(t)
	perm := []int{3, 0, 5, 1, 4, 2}
	for _, spec := range []string{"learn:0.5", "learn:0.5,input", "random", "none"} {
		c := small(t, spec, dtypes.Float64, ReadoutTokens)
		c.Outputs = 2
		ps, err := Init(c, members(t, c, 1))
		if err != nil {
			t.Fatal(err)
		}
		// The permuted PE table: rows of every block, [M=1, L, S, D].
		pp := slices.Clone(ps)
		for i, s := range Specs(c) {
			if s.Name != "pe/table" {
				continue
			}
			v := tensors.MustCopyFlatData[float64](ps[i])
			L, S, D := s.Shape[0], s.Shape[1], s.Shape[2]
			w := make([]float64, len(v))
			for l := range L {
				for r := range S {
					copy(w[(l*S+r)*D:(l*S+r+1)*D], v[(l*S+perm[r])*D:(l*S+perm[r]+1)*D])
				}
			}
			pp[i] = tensors.FromFlatDataAndDimensions(w, append([]int{1}, s.Shape...)...)
		}
		x := randInput(1, 2, 6, 3, 1)
		run := forward(t, be, c)
		a := run(x, ps)                      // [1, 2, 6, 2]
		b := run(permuteTokens(x, perm), pp) // token s of b is token perm[s] of a
		d := 0.0
		for bt := range 2 {
			for s := range 6 {
				for o := range 2 {
					d = math.Max(d, math.Abs(b[(bt*6+s)*2+o]-a[(bt*6+perm[s])*2+o]))
				}
			}
		}
		if d > 1e-9 {
			t.Errorf("%s: shuffling tokens and PE rows together changed the outputs by %g", spec, d)
		}
	}
}

// permuteTokens returns x [1, B, S, F] (float64) with the tokens of every
// sequence permuted: out[b, s] = x[b, perm[s]].
func permuteTokens(x *tensors.Tensor, perm []int) *tensors.Tensor {
	d := x.Shape().Dimensions
	B, S, F := d[1], d[2], d[3]
	xv := tensors.MustCopyFlatData[float64](x)
	pv := make([]float64, len(xv))
	for b := range B {
		for s := range S {
			copy(pv[(b*S+s)*F:(b*S+s+1)*F], xv[(b*S+perm[s])*F:(b*S+perm[s]+1)*F])
		}
	}
	return tensors.FromFlatDataAndDimensions(pv, d...)
}

// forward compiles the model of c on be and returns a function of the
// input and parameters giving the flat output.
func forward(t *testing.T, be compute.Backend, c Config) func(x *tensors.Tensor, params []*tensors.Tensor) []float64 {
	ex := MustNewExec(be, func(in []*Node) *Node {
		out, err := Forward(c, in[1:], in[0], ForwardOptions{})
		if err != nil {
			panic(err)
		}
		return out.Out
	})
	return func(x *tensors.Tensor, params []*tensors.Tensor) []float64 {
		a := []any{x}
		for _, p := range params {
			a = append(a, p)
		}
		o, err := ex.Call(a...)
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float64](o[0])
	}
}
