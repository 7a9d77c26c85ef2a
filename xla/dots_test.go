package xla

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// dotCase is one DotGeneral: operand dimensions and axes.
type dotCase struct {
	name       string
	l, r       []int
	lc, lb     []int
	rc, rb     []int
	standard   bool // left as it is: already [batch…, n, k]·[batch…, k, p], or a scalar result
	wantOutDim []int
}

var dotCases = []dotCase{
	{"matmul", []int{3, 4}, []int{4, 5}, []int{1}, nil, []int{0}, nil, true, []int{3, 5}},
	{"batched", []int{2, 3, 4}, []int{2, 4, 5}, []int{2}, []int{0}, []int{1}, []int{0}, true, []int{2, 3, 5}},
	{"x·Wᵀ (dx)", []int{2, 6, 5}, []int{2, 4, 5}, []int{2}, []int{0}, []int{2}, []int{0}, false, []int{2, 6, 4}},
	{"xᵀ·v (dW)", []int{2, 6, 4}, []int{2, 6, 5}, []int{1}, []int{0}, []int{1}, []int{0}, false, []int{2, 4, 5}},
	{"q·kᵀ", []int{3, 7, 4}, []int{3, 7, 4}, []int{2}, []int{0}, []int{2}, []int{0}, false, []int{3, 7, 7}},
	{"two batch axes", []int{2, 3, 5, 4}, []int{2, 3, 4, 6}, []int{3}, []int{0, 1}, []int{2}, []int{0, 1}, true, []int{2, 3, 5, 6}},
	{"batch last", []int{4, 5, 2}, []int{5, 3, 2}, []int{1}, []int{2}, []int{0}, []int{2}, false, []int{2, 4, 3}},
	{"batch order swapped", []int{2, 3, 4}, []int{3, 2, 4}, []int{2}, []int{0, 1}, []int{2}, []int{1, 0}, false, []int{2, 3}},
	{"two contracted axes", []int{2, 3, 4, 5}, []int{2, 4, 5, 6}, []int{2, 3}, []int{0}, []int{1, 2}, []int{0}, false, []int{2, 3, 6}},
	{"two free axes", []int{2, 3, 4, 5}, []int{2, 5, 6}, []int{3}, []int{0}, []int{1}, []int{0}, false, []int{2, 3, 4, 6}},
	{"vector dot", []int{5}, []int{5}, []int{0}, nil, []int{0}, nil, true, []int{}},
	{"outer product", []int{3}, []int{4}, nil, nil, nil, nil, false, []int{3, 4}},
	{"matrix·vector", []int{3, 4}, []int{4}, []int{1}, nil, []int{0}, nil, false, []int{3}},
}

func randTensor(r *rand.Rand, dims []int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return tensors.FromFlatDataAndDimensions(v, dims...)
}

// dotValue computes the case on b, and its gradient with respect to both
// operands (of Σ out²/2), as flat slices.
func dotValue(t *testing.T, b compute.Backend, c dotCase, l, r *tensors.Tensor) [][]float32 {
	t.Helper()
	outs, err := graph.CallOnceN(b, func(lp, rp *graph.Node) []*graph.Node {
		y := graph.DotGeneral(lp, c.lc, c.lb, rp, c.rc, c.rb)
		loss := graph.MulScalar(graph.ReduceAllSum(graph.Square(y)), 0.5)
		gr := graph.Gradient(loss, lp, rp)
		return []*graph.Node{y, gr[0], gr[1]}
	}, tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](l), c.l...),
		tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](r), c.r...))
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	res := make([][]float32, len(outs))
	for i, o := range outs {
		if i == 0 && !slices.Equal(o.Shape().Dimensions, c.wantOutDim) {
			t.Errorf("%s: output dims %v, want %v", c.name, o.Shape().Dimensions, c.wantOutDim)
		}
		res[i] = tensors.MustCopyFlatData[float32](o)
	}
	return res
}

// TestMatMulForm: every product, and its gradient, computed through
// MatMulForm on each backend that starts here equals the plain product on the
// pure Go backend (whose DotGeneral takes every layout). On ONNX Runtime the
// plain lowering is not a usable reference: it sends "two free axes"
// ([2,3,4,5]·[2,5,6]) to an ONNX MatMul whose batch axes do not broadcast.
func TestMatMulForm(t *testing.T) {
	ref := startBackend(t, "go")
	for _, cfg := range availableConfigs() {
		t.Run(cfg, func(t *testing.T) {
			wrapped := startBackend(t, cfg)
			if !IsMatMulForm(wrapped) {
				wrapped = MatMulForm(wrapped)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for _, dc := range dotCases {
				l, r := randTensor(rng, dc.l), randTensor(rng, dc.r)
				want := dotValue(t, ref, dc, l, r)
				got := dotValue(t, wrapped, dc, l, r)
				for i := range want {
					for j := range want[i] {
						if d := math.Abs(float64(got[i][j] - want[i][j])); d > 1e-4*(1+math.Abs(float64(want[i][j]))) {
							t.Fatalf("%s output %d [%d]: MatMulForm %g, plain %g", dc.name, i, j, got[i][j], want[i][j])
						}
					}
				}
			}
		})
	}
}

// TestMatMulFormPlan checks which layouts are rewritten and how.
func TestMatMulFormPlan(t *testing.T) {
	w := MatMulForm(startBackend(t, "go"))
	bl := w.Builder("plan").(*dotBuilder)
	f := bl.Main().(*dotFunction)
	for _, dc := range dotCases {
		p, err := f.planDot(mustParam(t, f, "l", dc.l...), dc.lc, dc.lb, mustParam(t, f, "r", dc.r...), dc.rc, dc.rb)
		if err != nil {
			t.Fatalf("%s: %v", dc.name, err)
		}
		if (p == nil) != dc.standard {
			t.Errorf("%s: rewritten = %v, want %v", dc.name, p != nil, !dc.standard)
		}
		if p != nil && !slices.Equal(p.outDims, dc.wantOutDim) {
			t.Errorf("%s: planned output %v, want %v", dc.name, p.outDims, dc.wantOutDim)
		}
	}
	// x·Wᵀ: only the weight is transposed (last two axes), nothing reshaped.
	p, _ := f.planDot(mustParam(t, f, "a", 2, 6, 5), []int{2}, []int{0}, mustParam(t, f, "b", 2, 4, 5), []int{2}, []int{0})
	if !slices.Equal(p.lhsPerm, []int{0, 1, 2}) || !slices.Equal(p.rhsPerm, []int{0, 2, 1}) {
		t.Errorf("x·Wᵀ permutations %v, %v; want identity and [0 2 1]", p.lhsPerm, p.rhsPerm)
	}
}

func mustParam(t *testing.T, f *dotFunction, name string, dims ...int) compute.Value {
	t.Helper()
	v, err := f.Parameter(name, shapes.Make(dtypes.Float32, dims...), nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestMatMulFormWhile: closures pass through the wrapper (pure Go backend,
// which has While).
func TestMatMulFormWhile(t *testing.T) {
	sum, err := whileSum(MatMulForm(startBackend(t, "go")))
	if err != nil || sum != 55 {
		t.Fatalf("While through MatMulForm: sum(1..10) = %d, err = %v; want 55", sum, err)
	}
}

// opRecorder is a compute.Function that records which of Transpose and
// Identity it was asked for.
type opRecorder struct {
	compute.Function
	ops []string
}

func (r *opRecorder) Transpose(x compute.Value, perm ...int) (compute.Value, error) {
	r.ops = append(r.ops, "Transpose")
	if r.Function == nil {
		return x, nil
	}
	return r.Function.Transpose(x, perm...)
}

func (r *opRecorder) Identity(x compute.Value) (compute.Value, error) {
	r.ops = append(r.ops, "Identity")
	if r.Function == nil {
		return x, nil
	}
	return r.Function.Identity(x)
}

func (r *opRecorder) DotGeneral(lhs compute.Value, lc, lb []int, rhs compute.Value, rc, rb []int, config compute.DotGeneralConfig) (compute.Value, error) {
	r.ops = append(r.ops, "DotGeneral")
	return r.Function.DotGeneral(lhs, lc, lb, rhs, rc, rb, config)
}

// TestTransposeIdentity checks that MatMulForm hands an identity
// permutation to the backend as Identity and any other as Transpose.
func TestTransposeIdentity(t *testing.T) {
	for _, tc := range []struct {
		perm []int
		want string
	}{
		{[]int{0}, "Identity"}, {[]int{0, 1, 2}, "Identity"}, {[]int{0, 2, 1}, "Transpose"}, {[]int{1, 0}, "Transpose"},
	} {
		rec := &opRecorder{}
		f := &dotFunction{Function: rec}
		if _, err := f.Transpose(nil, tc.perm...); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rec.ops, []string{tc.want}) {
			t.Errorf("perm %v: backend got %v, want [%s]", tc.perm, rec.ops, tc.want)
		}
	}
}

func TestSwapsFree(t *testing.T) {
	for _, tc := range []struct {
		perm        []int
		nb, na, nbb int
		want        bool
	}{
		{[]int{0, 2, 1}, 1, 1, 1, true},
		{[]int{1, 0}, 0, 1, 1, true},
		{[]int{0, 3, 1, 2}, 1, 2, 1, true},
		{[]int{0, 2, 3, 1}, 1, 1, 2, true},
		{[]int{0, 2, 1}, 1, 2, 0, false}, // no rhs free axis
		{[]int{0, 1, 2}, 1, 1, 1, false},
		{[]int{1, 0, 2}, 1, 1, 1, false}, // moves the batch axis
		{[]int{0, 2, 1, 3}, 1, 2, 1, false},
	} {
		if got := swapsFree(tc.perm, tc.nb, tc.na, tc.nbb); got != tc.want {
			t.Errorf("swapsFree(%v, %d, %d, %d) = %v, want %v", tc.perm, tc.nb, tc.na, tc.nbb, got, tc.want)
		}
	}
}

// TestTransposeOfProduct: a transpose that swaps a product's free axes
// reaches the backend as the swapped product (no Transpose), and equals the
// transposed product on the pure Go backend; one that contracts more than
// maxSwapK elements stays a Transpose.
func TestTransposeOfProduct(t *testing.T) {
	for _, k := range []int{16, maxSwapK + 1} {
		w := MatMulForm(startBackend(t, "go"))
		bl := w.Builder("swap").(*dotBuilder)
		f := bl.Main().(*dotFunction)
		rec := &opRecorder{Function: f.Function}
		f.Function = rec
		l, r := mustParam(t, f, "l", 3, k, 5), mustParam(t, f, "r", 3, k, 7) // contract k: [3, 5, 7]
		y, err := f.DotGeneral(l, []int{1}, []int{0}, r, []int{1}, []int{0}, compute.DotGeneralConfig{})
		if err != nil {
			t.Fatal(err)
		}
		before := len(rec.ops)
		if _, err := f.Transpose(y, 0, 2, 1); err != nil {
			t.Fatal(err)
		}
		after := rec.ops[before:]
		// The swapped product transposes its own operands (folded into the
		// product by ONNX Runtime); a Transpose of the result is the last op.
		swapped := slices.Contains(after, "DotGeneral") && after[len(after)-1] != "Transpose"
		if swapped != (k <= maxSwapK) {
			t.Errorf("k = %d: backend ops after the product %v; swapped = %v, want %v", k, after, swapped, k <= maxSwapK)
		}
	}
	// Values: Transpose(l·r) through MatMulForm equals it on the pure Go backend.
	ref := startBackend(t, "go")
	wrapped := MatMulForm(startBackend(t, "go"))
	rng := rand.New(rand.NewPCG(3, 4))
	l, r := randTensor(rng, []int{3, 16, 5}), randTensor(rng, []int{3, 16, 7})
	run := func(b compute.Backend) []float32 {
		out, err := graph.CallOnceN(b, func(lp, rp *graph.Node) []*graph.Node {
			return []*graph.Node{graph.TransposeAllAxes(graph.DotGeneral(lp, []int{1}, []int{0}, rp, []int{1}, []int{0}), 0, 2, 1)}
		}, tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](l), 3, 16, 5),
			tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](r), 3, 16, 7))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out[0].Shape().Dimensions, []int{3, 7, 5}) {
			t.Fatalf("dims %v, want [3 7 5]", out[0].Shape().Dimensions)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	want, got := run(ref), run(wrapped)
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("[%d]: MatMulForm %g, plain %g", i, got[i], want[i])
		}
	}
}
