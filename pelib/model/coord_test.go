package model

import (
	"math"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/pelib/pe"
)

// paramOf returns model 0's values of the named parameter of ps.
func paramOf(c Config, ps []*tensors.Tensor) func(string) ([]float64, error) {
	specs := Specs(c)
	return func(name string) ([]float64, error) {
		for i, s := range specs {
			if s.Name == name {
				return ToFloat64(ps[i])
			}
		}
		return nil, nil
	}
}

// TestCoordTableIsItsFunction: a coordlin or coordmlp model computes
// exactly what a learned-table model computes whose tables are the
// function's values at the tokens (pe.EvalFunction on the host), with every
// other weight equal — the PE is the table F[l, s] = f_l(γ(x̃_s)).
func TestCoordTableIsItsFunction(t *testing.T) {
	be := goBackend(t)
	for _, spec := range []string{"coordlin:0.7", "coordmlp:0.7,hidden=5,depth=2,fourier=1", "coordmlp:0.7,input"} {
		t.Run(spec, func(t *testing.T) {
			c := small(t, spec, dtypes.Float64, ReadoutTokens)
			ps, err := Init(c, members(t, c, 4))
			if err != nil {
				t.Fatal(err)
			}
			tab, err := FunctionTables(c, paramOf(c, ps))
			if err != nil {
				t.Fatal(err)
			}
			lc := c
			lc.PE = pe.Spec{Kind: pe.Learned, Placement: c.PE.Placement}.Normalize()
			lps, err := Init(lc, members(t, lc, 4))
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range Specs(lc) {
				if s.Name == "pe/table" {
					if len(tab) != s.Size() {
						t.Fatalf("%d table values, want %d", len(tab), s.Size())
					}
					lps[i] = tensors.FromFlatDataAndDimensions(slices.Clone(tab), append([]int{1}, s.Shape...)...)
				}
			}
			x := randInput(1, 2, 6, 3, 7)
			a := forward(t, be, c)(x, ps)
			b := forward(t, be, lc)(x, lps)
			d := 0.0
			for i := range a {
				d = math.Max(d, math.Abs(a[i]-b[i]))
			}
			if d > 1e-12 {
				t.Errorf("coordinate PE and its table differ by %g", d)
			}
			if norm := l2(tab); norm < 1e-3 {
				t.Errorf("table norm %g: the function is (nearly) zero, the test proves nothing", norm)
			}
		})
	}
}

func l2(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// TestDPBBias: in block 0, a dpb model's attention differs from the same
// model without a PE by exactly its bias: log A_dpb[q, k] − log A_none[q, k]
// = bias[h, q, k] + c_q (softmax's per-row constant), with bias the host
// evaluation of the MLP on the coordinate differences (FunctionBiases).
func TestDPBBias(t *testing.T) {
	be := goBackend(t)
	c := small(t, "dpb:0.8,hidden=6,fourier=1", dtypes.Float64, ReadoutMean)
	ps, err := Init(c, members(t, c, 2))
	if err != nil {
		t.Fatal(err)
	}
	bias, err := FunctionBiases(c, paramOf(c, ps)) // [L, H, S, S]
	if err != nil {
		t.Fatal(err)
	}
	nc := c
	nc.PE = pe.Spec{Kind: pe.None}
	nps, err := Init(nc, members(t, nc, 2))
	if err != nil {
		t.Fatal(err)
	}
	attn := func(c Config, ps []*tensors.Tensor) []float64 {
		ex := MustNewExec(be, func(in []*Node) *Node {
			out, err := Forward(c, in[1:], in[0], ForwardOptions{Attention: true})
			if err != nil {
				panic(err)
			}
			return out.Attention[0] // [1, B, H, S, S]
		})
		a := []any{randInput(1, 1, 6, 3, 3)}
		for _, p := range ps {
			a = append(a, p)
		}
		o, err := ex.Call(a...)
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float64](o[0])
	}
	ad, an := attn(c, ps), attn(nc, nps)
	H, S := c.Heads, c.Tokens
	worst, spread := 0.0, 0.0
	for h := range H {
		for q := range S {
			row := func(k int) float64 {
				i := (h*S+q)*S + k
				return math.Log(ad[i]) - math.Log(an[i]) - bias[(h*S+q)*S+k]
			}
			for k := range S {
				worst = math.Max(worst, math.Abs(row(k)-row(0)))
				spread = math.Max(spread, math.Abs(bias[(h*S+q)*S+k]-bias[(h*S+q)*S]))
			}
		}
	}
	if worst > 1e-10 {
		t.Errorf("attention log-ratio minus bias varies within a row by %g, want a per-row constant", worst)
	}
	if spread < 1e-3 {
		t.Errorf("bias varies by only %g within rows: the test proves nothing", spread)
	}
}

// TestCoordTokenOrderConsistent: shuffling the tokens in the inputs and in
// the layout together permutes a coordinate PE model's outputs and changes
// nothing else (the PE follows the coordinates, not the token index).
func TestCoordTokenOrderConsistent(t *testing.T) {
	be := goBackend(t)
	perm := []int{3, 0, 5, 1, 4, 2}
	for _, spec := range []string{"coordlin:0.5", "coordmlp:0.5,fourier=2", "dpb:0.5"} {
		c := small(t, spec, dtypes.Float64, ReadoutTokens)
		c.Outputs = 2
		ps, err := Init(c, members(t, c, 1))
		if err != nil {
			t.Fatal(err)
		}
		pc := c
		pc.Layout = pe.Layout{Coords: make([][]float64, 6)}
		for s := range 6 {
			pc.Layout.Coords[s] = c.Layout.Coords[perm[s]]
		}
		x := randInput(1, 2, 6, 3, 1)
		a := forward(t, be, c)(x, ps)
		b := forward(t, be, pc)(permuteTokens(x, perm), ps)
		d := 0.0
		for bt := range 2 {
			for s := range 6 {
				for o := range 2 {
					d = math.Max(d, math.Abs(b[(bt*6+s)*2+o]-a[(bt*6+perm[s])*2+o]))
				}
			}
		}
		if d > 1e-9 {
			t.Errorf("%s: shuffling tokens and coordinates together changed the outputs by %g", spec, d)
		}
	}
}

// TestCoordParamCounts checks the parameter counts the docs state: per
// function coordlin (C+1)·D, coordmlp (C+1)·Hd + (Depth−1)(Hd+1)·Hd +
// (Hd+1)·D, dpb the same with H for D; one function per block.
func TestCoordParamCounts(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want int // for the 2D network of width 16, 2 blocks, 1 head
	}{
		{"coordlin:0.1", 2 * (3 * 16)},
		{"coordmlp:0.1", 2 * (3*64 + 65*16)},
		{"coordmlp:0.1,depth=2,hidden=8,fourier=1", 2 * ((2*3+1)*8 + 9*8 + 9*16)},
		{"dpb:0.1", 2 * (3*32 + 33*1)},
		{"coordlin:0.1,input", 3 * 16},
	} {
		s, err := pe.Parse(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		c := Config{Tokens: 64, Features: 17, Width: 16, Blocks: 2, Heads: 1, Outputs: 16, Readout: ReadoutTokens, PE: s, Layout: pe.Grid(8, 8)}
		n := 0
		for _, p := range Specs(c) {
			if p.PE {
				n += p.Size()
			}
		}
		if n != tc.want {
			t.Errorf("%s: %d PE parameters, want %d", tc.spec, n, tc.want)
		}
	}
}
