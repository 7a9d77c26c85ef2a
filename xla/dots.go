package xla

import (
	"fmt"
	"reflect"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/shapes"
)

// MatMulForm wraps b so that every DotGeneral it builds reaches b in the
// standard batched-matrix-product layout
//
//	lhs [batch…, n, k] · rhs [batch…, k, p] → [batch…, n, p],
//
// with explicit Transposes and Reshapes around it where the requested layout
// differs. The result is the same product: DotGeneral(lhs, rhs) with output
// [batch…, lhs free…, rhs free…] equals
//
//	Reshape(MatMul(Reshape(Transpose(lhs, batch…, free…, contracted…), batch…, n, k),
//	               Reshape(Transpose(rhs, batch…, contracted…, free…), batch…, k, p)),
//	        batch…, lhs free…, rhs free…),
//
// where n, k and p are the products of the free and contracted dimensions.
//
// Why: the ONNX Runtime backend lowers the standard layout to ONNX MatMul
// (MLAS GEMM) and everything else to ONNX Einsum, which ONNX Runtime runs
// 1.5–2.2× slower for the same shapes — and reverse-mode autodiff turns each
// x·W of a forward pass into two products in non-standard layouts (v·Wᵀ and
// xᵀ·v). ONNX Runtime's graph optimiser folds a Transpose of the last two
// axes into the MatMul that consumes it (FusedMatMul), so the Transposes
// added here usually cost nothing. Measured with bench/ort_profile.js on the
// paper's LST training step (see docs/performance.md).
//
// Ops that take functions (Call, Sort, While, If) are passed the wrapped
// backend's own functions, so closures keep working.
func MatMulForm(b compute.Backend) compute.Backend { return &dotBackend{Backend: b} }

// IsMatMulForm reports whether b was wrapped by MatMulForm.
func IsMatMulForm(b compute.Backend) bool {
	_, ok := b.(*dotBackend)
	return ok
}

// dotBackend wraps a backend; its buffers and executables are wrapped too,
// so that every buffer GoMLX sees names dotBackend as its backend (GoMLX
// checks a tensor's backend by identity).
type dotBackend struct{ compute.Backend }

func (b *dotBackend) Builder(name string) compute.Builder {
	return &dotBuilder{Builder: b.Backend.Builder(name), be: b}
}

func (b *dotBackend) BufferFromFlatData(deviceNum compute.DeviceNum, flat any, shape shapes.Shape) (compute.Buffer, error) {
	buf, err := b.Backend.BufferFromFlatData(deviceNum, flat, shape)
	return b.wrap(buf), err
}

func (b *dotBackend) NewSharedBuffer(deviceNum compute.DeviceNum, shape shapes.Shape) (compute.Buffer, any, error) {
	buf, flat, err := b.Backend.NewSharedBuffer(deviceNum, shape)
	return b.wrap(buf), flat, err
}

func (b *dotBackend) wrap(buf compute.Buffer) compute.Buffer {
	if buf == nil {
		return nil
	}
	return &dotBuffer{Buffer: buf, be: b}
}

// dotBuffer is a buffer of the wrapped backend.
type dotBuffer struct {
	compute.Buffer
	be *dotBackend
}

func (d *dotBuffer) Backend() compute.Backend { return d.be }

func (d *dotBuffer) CopyToDevice(deviceNum compute.DeviceNum) (compute.Buffer, error) {
	buf, err := d.Buffer.CopyToDevice(deviceNum)
	return d.be.wrap(buf), err
}

func unwrapBuffer(buf compute.Buffer) compute.Buffer {
	if d, ok := buf.(*dotBuffer); ok {
		return d.Buffer
	}
	return buf
}

// dotExecutable runs the wrapped backend's executable on unwrapped buffers.
type dotExecutable struct {
	compute.Executable
	be *dotBackend
}

func (e *dotExecutable) Execute(inputs []compute.Buffer, donate []bool, defaultDevice compute.DeviceNum) ([]compute.Buffer, error) {
	in := make([]compute.Buffer, len(inputs))
	for i, b := range inputs {
		in[i] = unwrapBuffer(b)
	}
	out, err := e.Executable.Execute(in, donate, defaultDevice)
	for i, b := range out {
		out[i] = e.be.wrap(b)
	}
	return out, err
}

type dotBuilder struct {
	compute.Builder
	be   *dotBackend
	main *dotFunction
}

func (b *dotBuilder) Compile() (compute.Executable, error) {
	e, err := b.Builder.Compile()
	if err != nil {
		return nil, err
	}
	return &dotExecutable{Executable: e, be: b.be}, nil
}

func (b *dotBuilder) Main() compute.Function {
	if b.main == nil {
		b.main = &dotFunction{Function: b.Builder.Main(), b: b}
	}
	return b.main
}

func (b *dotBuilder) NewFunction(name string) (compute.Function, error) {
	f, err := b.Builder.NewFunction(name)
	if err != nil {
		return nil, err
	}
	return &dotFunction{Function: f, b: b}, nil
}

type dotFunction struct {
	compute.Function
	b      *dotBuilder
	parent *dotFunction
	// dots remembers the products built here, by result, for Transpose.
	dots map[compute.Value]*dotCall
}

// dotCall is one DotGeneral as it was asked for.
type dotCall struct {
	lhs, rhs       compute.Value
	lc, lb, rc, rb []int
	config         compute.DotGeneralConfig
	nl, nr         int // free axes of lhs and rhs: the result is [batch…, lhs free…, rhs free…]
	k              int // the contracted size
}

// maxSwapK is the largest contracted size for which Transpose builds a
// swapped product instead of a Transpose: at 2·k multiply-adds per result
// element such a product costs about what a transpose of the result does, so
// even when the first product is still read elsewhere (and both are
// computed) nothing much is lost.
const maxSwapK = 64

// remember records the product whose result is y (when y can be a map key).
func (f *dotFunction) remember(y compute.Value, c *dotCall) {
	if y == nil || !reflect.TypeOf(y).Comparable() {
		return
	}
	if f.dots == nil {
		f.dots = map[compute.Value]*dotCall{}
	}
	f.dots[y] = c
}

// swapsFree reports whether perm turns [batch (nb)…, a (na)…, b (nbb)…]
// into [batch…, b…, a…].
func swapsFree(perm []int, nb, na, nbb int) bool {
	if na == 0 || nbb == 0 || len(perm) != nb+na+nbb {
		return false
	}
	want := concat(iota(nb), rangeFrom(nb+na, nbb), rangeFrom(nb, na))
	return slices.Equal(perm, want)
}

func rangeFrom(start, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + i
	}
	return out
}

func (f *dotFunction) Builder() compute.Builder { return f.b }

func (f *dotFunction) Parent() compute.Function {
	if f.parent == nil {
		return nil
	}
	return f.parent
}

func (f *dotFunction) Closure() (compute.Function, error) {
	c, err := f.Function.Closure()
	if err != nil {
		return nil, err
	}
	return &dotFunction{Function: c, b: f.b, parent: f}, nil
}

// inner returns the wrapped backend's function behind fn.
func inner(fn compute.Function) compute.Function {
	if d, ok := fn.(*dotFunction); ok {
		return d.Function
	}
	return fn
}

func (f *dotFunction) Call(fn compute.Function, inputs ...compute.Value) ([]compute.Value, error) {
	return f.Function.Call(inner(fn), inputs...)
}

func (f *dotFunction) Sort(comparator compute.Function, axis int, isStable bool, inputs ...compute.Value) ([]compute.Value, error) {
	return f.Function.Sort(inner(comparator), axis, isStable, inputs...)
}

func (f *dotFunction) While(cond, body compute.Function, initialState ...compute.Value) ([]compute.Value, error) {
	return f.Function.While(inner(cond), inner(body), initialState...)
}

func (f *dotFunction) If(pred compute.Value, trueBranch, falseBranch compute.Function) ([]compute.Value, error) {
	return f.Function.If(pred, inner(trueBranch), inner(falseBranch))
}

// DotGeneral rewrites the product into the standard layout; see MatMulForm.
func (f *dotFunction) DotGeneral(lhs compute.Value, lhsContracting, lhsBatch []int,
	rhs compute.Value, rhsContracting, rhsBatch []int, config compute.DotGeneralConfig) (compute.Value, error) {
	y, err := f.dotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch, config)
	if err == nil {
		c := &dotCall{lhs: lhs, rhs: rhs, lc: lhsContracting, lb: lhsBatch, rc: rhsContracting, rb: rhsBatch, config: config}
		if ls, e1 := f.b.OpShape(lhs); e1 == nil {
			c.nl = ls.Rank() - len(lhsContracting) - len(lhsBatch)
			c.k = 1
			for _, a := range lhsContracting {
				c.k *= ls.Dimensions[a]
			}
		}
		if rs, e2 := f.b.OpShape(rhs); e2 == nil {
			c.nr = rs.Rank() - len(rhsContracting) - len(rhsBatch)
		}
		f.remember(y, c)
	}
	return y, err
}

func (f *dotFunction) dotGeneral(lhs compute.Value, lhsContracting, lhsBatch []int,
	rhs compute.Value, rhsContracting, rhsBatch []int, config compute.DotGeneralConfig) (compute.Value, error) {
	plan, err := f.planDot(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch)
	if err != nil || plan == nil {
		// Standard already, or something the backend itself should judge.
		return f.Function.DotGeneral(lhs, lhsContracting, lhsBatch, rhs, rhsContracting, rhsBatch, config)
	}
	l, err := f.permuteReshape(lhs, plan.lhsPerm, plan.lhsDims)
	if err != nil {
		return nil, fmt.Errorf("xla: MatMulForm lhs: %w", err)
	}
	r, err := f.permuteReshape(rhs, plan.rhsPerm, plan.rhsDims)
	if err != nil {
		return nil, fmt.Errorf("xla: MatMulForm rhs: %w", err)
	}
	nb := len(lhsBatch)
	batch := iota(nb)
	y, err := f.Function.DotGeneral(l, []int{nb + 1}, batch, r, []int{nb}, batch, config)
	if err != nil {
		return nil, err
	}
	if slices.Equal(plan.mmDims, plan.outDims) {
		return y, nil
	}
	return f.Function.Reshape(y, plan.outDims...)
}

// Transpose passes an identity permutation on as Identity, which ONNX
// Runtime removes from the graph, instead of as a Transpose, which it runs
// as a full copy: GoMLX's gradients of products emit such permutations
// (three of [128, 16, 160] per block of the paper's LST step, ≈ 1 ms each
// in ONNX Runtime's profile of the step).
//
// A permutation of a product's result that swaps its two groups of free
// axes, [batch…, lhs free…, rhs free…] → [batch…, rhs free…, lhs free…], is
// built as the product with its operands swapped, whose result comes in that
// order: GoMLX's gradient of a product whose contracted axis is not last
// (the rhs of attention's A·V, [n, k, d] with k contracted) computes
// [n, d, k] and transposes it, and ONNX Runtime's Transpose of
// [128, 160, 16] cost ≈ 1.4 ms in its profile of an LST step, against
// ≈ 0.3 ms for the product itself. The first product stays in the graph,
// unused when nothing else reads it (ONNX Runtime still runs it); only
// products that contract at most maxSwapK elements are swapped.
func (f *dotFunction) Transpose(x compute.Value, permutation ...int) (compute.Value, error) {
	if slices.Equal(permutation, iota(len(permutation))) {
		return f.Function.Identity(x)
	}
	if c := f.lookup(x); c != nil && c.k <= maxSwapK && swapsFree(permutation, len(c.lb), c.nl, c.nr) {
		return f.DotGeneral(c.rhs, c.rc, c.rb, c.lhs, c.lc, c.lb, c.config)
	}
	return f.Function.Transpose(x, permutation...)
}

// lookup returns the product whose result is x, or nil.
func (f *dotFunction) lookup(x compute.Value) *dotCall {
	if f.dots == nil || x == nil || !reflect.TypeOf(x).Comparable() {
		return nil
	}
	return f.dots[x]
}

// dotPlan is the layout change of one DotGeneral.
type dotPlan struct {
	lhsPerm, rhsPerm []int // nil: no Transpose needed
	lhsDims, rhsDims []int // [batch…, n, k] and [batch…, k, p]
	mmDims, outDims  []int // [batch…, n, p] and [batch…, lhs free…, rhs free…]
}

// planDot returns nil when the product is already standard, or has a scalar
// result (some backends mishandle a reshape to rank 0).
func (f *dotFunction) planDot(lhs compute.Value, lc, lb []int, rhs compute.Value, rc, rb []int) (*dotPlan, error) {
	ls, err := f.b.OpShape(lhs)
	if err != nil {
		return nil, err
	}
	rs, err := f.b.OpShape(rhs)
	if err != nil {
		return nil, err
	}
	lr, rr := ls.Rank(), rs.Rank()
	if len(lb) != len(rb) || len(lc) != len(rc) {
		return nil, fmt.Errorf("xla: MatMulForm: mismatched axes")
	}
	if slices.Equal(lb, rb) && len(lc) == 1 && lc[0] == lr-1 && len(rc) == 1 && rc[0] == rr-2 &&
		slices.Equal(lb, iota(len(lb))) && lr == len(lb)+2 && rr == len(rb)+2 {
		return nil, nil // [batch…, n, k] · [batch…, k, p]
	}
	lFree, rFree := freeAxes(lr, lc, lb), freeAxes(rr, rc, rb)
	if len(lb)+len(lFree)+len(rFree) == 0 {
		return nil, nil // a scalar result (a dot of vectors): left as it is
	}
	ld, rd := ls.Dimensions, rs.Dimensions
	prod := func(d []int, axes []int) int {
		p := 1
		for _, a := range axes {
			p *= d[a]
		}
		return p
	}
	p := &dotPlan{}
	var batchDims []int
	for _, a := range lb {
		batchDims = append(batchDims, ld[a])
	}
	n, k, q := prod(ld, lFree), prod(ld, lc), prod(rd, rFree)
	p.lhsPerm = concat(lb, lFree, lc)
	p.rhsPerm = concat(rb, rc, rFree)
	p.lhsDims = concat(batchDims, []int{n, k})
	p.rhsDims = concat(batchDims, []int{k, q})
	p.mmDims = concat(batchDims, []int{n, q})
	p.outDims = slices.Clone(batchDims)
	for _, a := range lFree {
		p.outDims = append(p.outDims, ld[a])
	}
	for _, a := range rFree {
		p.outDims = append(p.outDims, rd[a])
	}
	return p, nil
}

// permuteReshape transposes x by perm (skipped when it is the identity) and
// reshapes it to dims (skipped when the shape already is dims).
func (f *dotFunction) permuteReshape(x compute.Value, perm, dims []int) (compute.Value, error) {
	s, err := f.b.OpShape(x)
	if err != nil {
		return nil, err
	}
	cur := s.Dimensions
	if !slices.Equal(perm, iota(len(perm))) {
		if x, err = f.Function.Transpose(x, perm...); err != nil {
			return nil, err
		}
		cur = make([]int, len(perm))
		for i, a := range perm {
			cur[i] = s.Dimensions[a]
		}
	}
	if slices.Equal(cur, dims) {
		return x, nil
	}
	return f.Function.Reshape(x, dims...)
}

// freeAxes are the axes of a rank-r operand that are neither contracted nor
// batch, in order.
func freeAxes(r int, contracting, batch []int) []int {
	var out []int
	for a := range r {
		if !slices.Contains(contracting, a) && !slices.Contains(batch, a) {
			out = append(out, a)
		}
	}
	return out
}

func iota(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func concat(parts ...[]int) []int {
	var out []int
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Unwrap returns the backend MatMulForm wrapped.
func (b *dotBackend) Unwrap() compute.Backend { return b.Backend }

// Unwrap returns the wrapped backend's executable.
func (e *dotExecutable) Unwrap() compute.Executable { return e.Executable }
