package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/pelib/pe"
)

// ParamSpec describes one parameter tensor of a single model; in the graph
// and on the device it carries a leading model axis: [M, Shape...].
type ParamSpec struct {
	Name      string
	Shape     []int // per model, without the leading M
	Trainable bool  // false: fixed per model (e.g. the "random" PE table)
	PE        bool  // part of the positional encoding (gets the PE's own weight decay)
	init      func(r *rand.Rand, spec pe.Spec, out []float64) error
}

// Size is the number of elements of one model's copy.
func (p ParamSpec) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Member is what distinguishes one model of a model-axis group: its seed
// and its PE spec (same structure as the group's, e.g. a different σ).
type Member struct {
	Seed int64
	PE   pe.Spec
}

func uniform(bound float64) func(*rand.Rand, pe.Spec, []float64) error {
	return func(r *rand.Rand, _ pe.Spec, out []float64) error {
		for i := range out {
			out[i] = (2*r.Float64() - 1) * bound
		}
		return nil
	}
}

func constant(v float64) func(*rand.Rand, pe.Spec, []float64) error {
	return func(_ *rand.Rand, _ pe.Spec, out []float64) error {
		for i := range out {
			out[i] = v
		}
		return nil
	}
}

// peInit draws a trainable PE parameter of rows×cols with the PE's own
// initialiser (pe.InitTable: Normal(0,σ²), uniform, Xavier, zeros, …).
func peInit(rows, cols int) func(*rand.Rand, pe.Spec, []float64) error {
	return func(r *rand.Rand, spec pe.Spec, out []float64) error {
		t, err := pe.InitTable(spec, rows, cols, r)
		if err != nil {
			return err
		}
		copy(out, t)
		return nil
	}
}

// Specs lists the parameters of c in a fixed order: embed/w [F, D], embed/b
// [D]; per block l, blockl/attn/{wq,bq,wk,bk,wv,bv} ([D, D], [D] each),
// blockl/attn/{wo,bo} ([D, D], [D]; absent when !c.AttnOutProj()),
// blockl/ln1/{g,b} [D], blockl/mlp1/{w,b} ([D, R], [R]), blockl/mlp2/{w,b}
// ([R, D], [D]), blockl/ln2/{g,b} [D] and the block's relative PE
// (blockl/pe/rel [n, D/H] for shaw, blockl/pe/bias [H, n] for a trainable
// bias); then, for a coordinate-function PE (coordlin, coordmlp, dpb),
// pe/fn/l<i>/{w,b} ([F, in_i, out_i], [F, out_i] for each layer i of
// pe.Spec.Layers, F = pe.Spec.NumFunctions(Blocks) functions); then
// pe/table [L, S, D] (learned or random additive tables) and head/{w,b}
// ([D, Outputs], [Outputs]). R = MLPRatio·D.
func Specs(c Config) []ParamSpec {
	c = c.withDefaults()
	D, F, S := c.Width, c.Features, c.Tokens
	R := c.MLPRatio * D
	lin := func(name string, in, out int) []ParamSpec {
		b := 1 / math.Sqrt(float64(in))
		return []ParamSpec{
			{Name: name + "/w", Shape: []int{in, out}, Trainable: true, init: uniform(b)},
			{Name: name + "/b", Shape: []int{out}, Trainable: true, init: uniform(b)},
		}
	}
	var ps []ParamSpec
	ps = append(ps, lin("embed", F, D)...)
	xav := math.Sqrt(6 / float64(D+3*D)) // Xavier-uniform on the stacked [3D, D] in-projection
	for l := range c.Blocks {
		p := fmt.Sprintf("block%d/", l)
		for _, n := range []string{"q", "k", "v"} {
			ps = append(ps,
				ParamSpec{Name: p + "attn/w" + n, Shape: []int{D, D}, Trainable: true, init: uniform(xav)},
				ParamSpec{Name: p + "attn/b" + n, Shape: []int{D}, Trainable: true, init: constant(0)})
		}
		if c.AttnOutProj() {
			ps = append(ps,
				ParamSpec{Name: p + "attn/wo", Shape: []int{D, D}, Trainable: true, init: uniform(1 / math.Sqrt(float64(D)))},
				ParamSpec{Name: p + "attn/bo", Shape: []int{D}, Trainable: true, init: constant(0)})
		}
		ps = append(ps,
			ParamSpec{Name: p + "ln1/g", Shape: []int{D}, Trainable: true, init: constant(1)},
			ParamSpec{Name: p + "ln1/b", Shape: []int{D}, Trainable: true, init: constant(0)})
		ps = append(ps, lin(p+"mlp1", D, R)...)
		ps = append(ps, lin(p+"mlp2", R, D)...)
		ps = append(ps,
			ParamSpec{Name: p + "ln2/g", Shape: []int{D}, Trainable: true, init: constant(1)},
			ParamSpec{Name: p + "ln2/b", Shape: []int{D}, Trainable: true, init: constant(0)})
		switch {
		case c.PE.Relative():
			_, n := pe.ShawIndex(c.PE, S)
			ps = append(ps, ParamSpec{Name: p + "pe/rel", Shape: []int{n, c.headWidth()}, Trainable: true, PE: true, init: peInit(n, c.headWidth())})
		case c.PE.Bias() && c.PE.Trainable():
			_, n := pe.T5Index(c.PE, S)
			ps = append(ps, ParamSpec{Name: p + "pe/bias", Shape: []int{c.Heads, n}, Trainable: true, PE: true, init: peInit(c.Heads, n)})
		}
	}
	ps = append(ps, functionSpecs(c)...)
	if c.PE.Kind == pe.Learned || c.PE.Kind == pe.Random {
		L := c.peBlocks()
		ps = append(ps, ParamSpec{
			Name: "pe/table", Shape: []int{L, S, D}, Trainable: c.PE.Trainable(), PE: true,
			init: func(r *rand.Rand, spec pe.Spec, out []float64) error {
				t, err := pe.Tables(spec, c.Layout, D, L, r) // one draw per block
				if err != nil {
					return err
				}
				if len(t) != len(out) {
					return fmt.Errorf("model: PE tables have %d values, want %d×%d×%d", len(t), L, S, D)
				}
				copy(out, t)
				return nil
			},
		})
	}
	ps = append(ps, lin("head", D, c.Outputs)...)
	return ps
}

// Init draws the parameters of M = len(members) models and returns one
// tensor per ParamSpec, shaped [M, Shape...] in c.DType.
//
// Model m's values depend only on its own Member: the non-PE weights come
// from a PCG stream seeded by Seed, the PE's from a second stream of the same
// seed, so two members with one seed and different σ share every non-PE
// initial weight. A model's initial parameters are therefore the same
// whether it is initialised alone or in a group.
func Init(c Config, members []Member) ([]*tensors.Tensor, error) {
	c, err := c.Normalize()
	if err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, fmt.Errorf("model: Init needs at least one member")
	}
	specs := Specs(c)
	M := len(members)
	vals := make([][]float64, len(specs))
	for i, p := range specs {
		vals[i] = make([]float64, M*p.Size())
	}
	for m, mem := range members {
		if mem.PE.StructureKey() != c.PE.StructureKey() {
			return nil, fmt.Errorf("model: member %d has PE %q, structurally different from the group's %q",
				m, mem.PE.String(), c.PE.String())
		}
		wr := rand.New(rand.NewPCG(uint64(mem.Seed), 0x5eed0001))
		pr := rand.New(rand.NewPCG(uint64(mem.Seed), 0x5eed0002))
		for i, p := range specs {
			r := wr
			if p.PE {
				r = pr
			}
			n := p.Size()
			if err := p.init(r, mem.PE, vals[i][m*n:(m+1)*n]); err != nil {
				return nil, fmt.Errorf("model: init %s of member %d: %w", p.Name, m, err)
			}
		}
	}
	out := make([]*tensors.Tensor, len(specs))
	for i, p := range specs {
		dims := append([]int{M}, p.Shape...)
		out[i] = FromFloat64(vals[i], c.DType, dims...)
	}
	return out, nil
}

// FromFloat64 makes a tensor of the given dtype (Float32 or Float64) from
// float64 values.
func FromFloat64(v []float64, dt dtypes.DType, dims ...int) *tensors.Tensor {
	if dt == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(append([]float64(nil), v...), dims...)
	}
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

// ToFloat64 copies a Float32 or Float64 tensor's values into a new slice.
func ToFloat64(t *tensors.Tensor) ([]float64, error) {
	var out []float64
	err := t.ConstFlatData(func(flat any) {
		switch v := flat.(type) {
		case []float32:
			out = make([]float64, len(v))
			for i, x := range v {
				out[i] = float64(x)
			}
		case []float64:
			out = append([]float64(nil), v...)
		}
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, fmt.Errorf("model: tensor of dtype %s is not float", t.DType())
	}
	return out, nil
}

// FunctionShape returns the number of input features C of c's
// coordinate-function PE and its output width O (Width for coordlin and
// coordmlp, Heads for dpb), or 0, 0 for other PEs.
func (c Config) FunctionShape() (C, O int) {
	if !c.PE.Function() {
		return 0, 0
	}
	O = c.Width
	if c.PE.Kind == pe.DPB {
		O = c.Heads
	}
	return c.PE.FunctionInputs(c.Layout.Dim()), O
}

// functionSpecs lists the parameters of a coordinate-function PE: for each
// layer i of pe.Spec.Layers(C, O) the weight pe/fn/l<i>/w [F, in, out] and
// bias pe/fn/l<i>/b [F, out], F = NumFunctions(Blocks). Hidden weights are
// drawn Xavier-uniform, the output weight from the PE's init (σ), biases
// are zero (pe.InitFunction).
func functionSpecs(c Config) []ParamSpec {
	if !c.PE.Function() {
		return nil
	}
	C, O := c.FunctionShape()
	F := c.PE.NumFunctions(c.Blocks)
	layers := c.PE.Layers(C, O)
	var ps []ParamSpec
	for i, io := range layers {
		in, out, output := io[0], io[1], i == len(layers)-1
		name := fmt.Sprintf("pe/fn/l%d/", i)
		ps = append(ps,
			ParamSpec{Name: name + "w", Shape: []int{F, in, out}, Trainable: true, PE: true,
				init: func(r *rand.Rand, spec pe.Spec, dst []float64) error {
					for f := range F {
						w, err := pe.InitFunctionLayer(spec, in, out, output, r)
						if err != nil {
							return err
						}
						copy(dst[f*in*out:], w)
					}
					return nil
				}},
			ParamSpec{Name: name + "b", Shape: []int{F, out}, Trainable: true, PE: true, init: constant(0)})
	}
	return ps
}

// FunctionParams splits one model's coordinate-function parameters, given
// by name as Run.Param returns them (per model, [F, in, out] and [F, out]),
// into function f's tensors in pe.InitFunction's order.
func FunctionParams(c Config, param func(name string) ([]float64, error), f int) ([][]float64, error) {
	C, O := c.FunctionShape()
	if C == 0 {
		return nil, fmt.Errorf("model: PE %s is not a coordinate function", c.PE.String())
	}
	var out [][]float64
	for i, io := range c.PE.Layers(C, O) {
		w, err := param(fmt.Sprintf("pe/fn/l%d/w", i))
		if err != nil {
			return nil, err
		}
		b, err := param(fmt.Sprintf("pe/fn/l%d/b", i))
		if err != nil {
			return nil, err
		}
		n, o := io[0]*io[1], io[1]
		if len(w) < (f+1)*n || len(b) < (f+1)*o {
			return nil, fmt.Errorf("model: function %d of layer %d outside its parameters", f, i)
		}
		out = append(out, w[f*n:(f+1)*n], b[f*o:(f+1)*o])
	}
	return out, nil
}

// FunctionTables evaluates a coordlin or coordmlp PE at the tokens'
// coordinates on the host: the tables it adds, [F, S, D] with
// F = NumFunctions(Blocks) (one per block, or one for input placement),
// from one model's parameters (param returns a parameter's per-model
// values by name, as train.Run.Param does).
func FunctionTables(c Config, param func(name string) ([]float64, error)) ([]float64, error) {
	return functionValues(c, param, pe.CoordLin, pe.CoordMLP)
}

// FunctionBiases evaluates a dpb PE on every pair of tokens on the host:
// the attention-score biases it adds, [F, H, S, S] (bias[f, h, q, k] for
// query q and key k), from one model's parameters.
func FunctionBiases(c Config, param func(name string) ([]float64, error)) ([]float64, error) {
	v, err := functionValues(c, param, pe.DPB)
	if err != nil {
		return nil, err
	}
	F, H, S := c.PE.NumFunctions(c.Blocks), c.Heads, c.Tokens
	out := make([]float64, len(v))
	for f := range F { // [F, S·S, H] → [F, H, S, S]
		for p := range S * S {
			for h := range H {
				out[(f*H+h)*S*S+p] = v[(f*S*S+p)*H+h]
			}
		}
	}
	return out, nil
}

func functionValues(c Config, param func(name string) ([]float64, error), kinds ...pe.Kind) ([]float64, error) {
	c = c.withDefaults()
	if !slices.Contains(kinds, c.PE.Kind) {
		return nil, fmt.Errorf("model: PE %s: want %v", c.PE.String(), kinds)
	}
	feats, C, err := pe.FunctionFeatures(c.PE, c.Layout)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	_, O := c.FunctionShape()
	var out []float64
	for f := range c.PE.NumFunctions(c.Blocks) {
		ps, err := FunctionParams(c, param, f)
		if err != nil {
			return nil, err
		}
		v, err := pe.EvalFunction(c.PE, ps, feats, C, O)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		out = append(out, v...)
	}
	return out, nil
}
