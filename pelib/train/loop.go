package train

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // graph code reads best unqualified
	"github.com/pelab/pelab/xla"
)

// stepsPerCall is the number of optimisation steps one call of the compiled
// program runs: Config.StepsPerCall where the backend has an in-graph While
// loop, else 1 (the host then makes one call per step, with the same
// results).
func (r *Run) stepsPerCall() int {
	k := r.cfg.StepsPerCall
	if k <= 1 || !xla.SupportsWhile(r.backend) {
		return 1
	}
	return k
}

// StepsPerCall is the number of optimisation steps each call of the compiled
// program actually runs: Config.StepsPerCall on a backend with an in-graph
// loop, 1 elsewhere.
func (r *Run) StepsPerCall() int { return r.stepsPerCall() }

// loopGraph builds up to K = Config.StepsPerCall optimisation steps of all M
// models as one While loop, so parameters, optimiser state and the training
// set stay on the device and the host is reached once per K steps.
//
// Inputs, in order: P params, S states, X, Y, idx [K, M, B] int32,
// mask [K, M, B, S] (Masked only), lr [K], bc1 [K], bc2 [K], alive [M] bool,
// n (int32 scalar, the steps to run, 1 ≤ n ≤ K), rng [K, 3] (dropout only).
// Step i reads row i of every [K, …] input.
// Outputs: P params, S states, loss [K, M] float32 and ok [K, M] bool (rows
// ≥ n are zero/false). alive is updated inside the loop (alive ∧ ok), so a
// model whose step i is not finite is frozen from step i on, exactly as with
// one call per step.
func (r *Run) loopGraph(in []*Node) []*Node {
	c := r.cfg
	P := len(r.specs)
	nS := r.statesPerParam() * r.nTrainable
	params, states := in[:P], in[P:P+nS]
	i := P + nS
	X, Y, idxK := in[i], in[i+1], in[i+2]
	i += 3
	var maskK *Node
	if c.Objective == Masked {
		maskK = in[i]
		i++
	}
	lrK, bc1K, bc2K, alive, n := in[i], in[i+1], in[i+2], in[i+3], in[i+4]
	i += 5
	var rngK *Node
	if r.needsRNG() {
		rngK = in[i]
	}
	g := X.Graph()
	K := idxK.Shape().Dimensions[0]
	M := r.M

	// Loop state: counter, params, states, alive, loss history, ok history.
	init := []*Node{Scalar(g, dtypes.Int32, 0)}
	init = append(init, params...)
	init = append(init, states...)
	init = append(init, alive, Zeros(g, shapes.Make(dtypes.Float32, K, M)), Zeros(g, shapes.Make(dtypes.Bool, K, M)))
	stateParams := func(g *Graph) []*Node {
		ps := make([]*Node, len(init))
		for j, v := range init {
			ps[j] = Parameter(g, fmt.Sprintf("loop%d", j), v.Shape())
		}
		return ps
	}
	cond := NewClosure(g, func(g *Graph) []*Node {
		ps := stateParams(g)
		return []*Node{LessThan(ps[0], n)}
	})
	body := NewClosure(g, func(g *Graph) []*Node {
		ps := stateParams(g)
		it := ps[0]
		zero := Scalar(g, dtypes.Int32, 0)
		row := func(x *Node) *Node { // x[it] of a [K, …] input
			dims := x.Shape().Dimensions
			start := make([]*Node, len(dims))
			start[0] = it
			for a := 1; a < len(dims); a++ {
				start[a] = zero
			}
			size := append([]int{1}, dims[1:]...)
			return Reshape(DynamicSlice(x, start, size), dims[1:]...)
		}
		s := stepIn{
			params: ps[1 : 1+P], states: ps[1+P : 1+P+nS],
			X: X, Y: Y, idx: row(idxK),
			lr: row(lrK), bc1: row(bc1K), bc2: row(bc2K), alive: ps[1+P+nS],
		}
		if maskK != nil {
			s.mask = row(maskK)
		}
		if rngK != nil {
			s.rng = row(rngK)
		}
		lossHist, okHist := ps[2+P+nS], ps[3+P+nS]
		np, ns, lossM, ok := r.stepCore(s)
		out := []*Node{Add(it, Scalar(g, dtypes.Int32, 1))}
		out = append(out, np...)
		out = append(out, ns...)
		out = append(out, And(s.alive, ok),
			DynamicUpdateSlice(lossHist, Reshape(ConvertDType(lossM, dtypes.Float32), 1, M), []*Node{it, zero}),
			DynamicUpdateSlice(okHist, Reshape(ok, 1, M), []*Node{it, zero}))
		return out
	})
	res := While(cond, body, init...)
	outs := make([]*Node, 0, P+nS+2)
	outs = append(outs, res[1:1+P+nS]...)
	return append(outs, res[2+P+nS], res[3+P+nS])
}
