package train

import (
	"fmt"
	"os"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // graph code reads best unqualified
)

// stepsPerCall is the number of optimisation steps one call of the compiled
// program runs: Config.StepsPerCall where the backend has an in-graph While
// loop, else 1 (the host then makes one call per step, with the same
// results).
func (r *Run) stepsPerCall() int {
	k := r.cfg.StepsPerCall
	if k <= 1 || !supportsWhile(r.backend) {
		return 1
	}
	return k
}

// supportsWhile is xla.SupportsWhile (kept here so that train does not
// import the package that registers every backend) — closures and the While
// op — minus the pure Go backend: with compute v0.1.2 it lists While but
// fails to run a gradient inside a While body ("input 1 for node Sub not
// computed yet": a reshaped constant in the closure is never computed), so
// there the steps run one call each.
//
// $PELAB_INGRAPH_LOOP overrides this: "on" uses the loop on any backend with
// closures (e.g. XLA, where go-xla v0.4.1 runs While without listing it —
// scripts/device-run.sh checks there that K steps per call equal K calls),
// "off" never uses it.
func supportsWhile(b compute.Backend) bool {
	c := b.Capabilities()
	switch os.Getenv(EnvInGraphLoop) {
	case "on":
		return c.Functions
	case "off":
		return false
	}
	if b.Name() == goBackendName {
		return false
	}
	return c.Functions && c.Operations[compute.OpTypeWhile]
}

// EnvInGraphLoop names the variable that overrides the choice of the
// in-graph loop: "on", "off", or unset/"auto".
const EnvInGraphLoop = "PELAB_INGRAPH_LOOP"

// goBackendName is the Name() of compute's pure Go backend.
const goBackendName = "Go Backend"

// StepsPerCall is the number of optimisation steps each call of the compiled
// program actually runs: Config.StepsPerCall on a backend with an in-graph
// loop, 1 elsewhere.
func (r *Run) StepsPerCall() int { return r.stepsPerCall() }

// loopGraph builds up to K = Config.StepsPerCall optimisation steps of all M
// models as one While loop, so parameters, optimiser state and the training
// set stay on the device and the host is reached once per K steps.
//
// Inputs, in order: P params, S states, X, Y, idx [K, M, B] int32,
// mask [K, M, B, S] (Masked only), weight [K, M, B] (only when the last
// batch is kept, see stepGraph), lr [K], bc1 [K], bc2 [K], alive [M] bool,
// n (int32 scalar, the steps to run, 1 ≤ n ≤ K), rng [K, 3] (dropout only).
// Step i reads row i of every [K, …] input.
// Outputs: the trainable params, S states (as stepGraph), loss [K, M] float32 and ok [K, M] bool (rows
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
	var maskK, weightK *Node
	if c.Objective == Masked {
		maskK = in[i]
		i++
	}
	if r.keepLast() {
		weightK = in[i]
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
		// Row it of a [K, …] input. (Gather rather than DynamicSlice, which
		// the pure Go backend lacks.)
		row := func(x *Node) *Node { return Gather(x, Reshape(it, 1)) }
		// at[k] = (k == it), to write row it of a [K, M] history.
		at := Equal(Iota(g, shapes.Make(dtypes.Int32, K), 0), it)
		put := func(hist, v *Node) *Node {
			cond := BroadcastToDims(Reshape(at, K, 1), K, M)
			return Where(cond, BroadcastToDims(Reshape(v, 1, M), K, M), hist)
		}
		s := stepIn{
			params: ps[1 : 1+P], states: ps[1+P : 1+P+nS],
			X: X, Y: Y, idx: row(idxK),
			lr: row(lrK), bc1: row(bc1K), bc2: row(bc2K), alive: ps[1+P+nS],
		}
		if maskK != nil {
			s.mask = row(maskK)
		}
		if weightK != nil {
			s.weight = row(weightK)
		}
		if rngK != nil {
			s.rng = row(rngK)
		}
		lossHist, okHist := ps[2+P+nS], ps[3+P+nS]
		np, ns, lossM, ok := r.stepCore(s)
		out := []*Node{Add(it, Scalar(g, dtypes.Int32, 1))}
		out = append(out, np...)
		out = append(out, ns...)
		out = append(out, And(s.alive, ok), put(lossHist, ConvertDType(lossM, dtypes.Float32)), put(okHist, ok))
		return out
	})
	res := While(cond, body, init...)
	outs := make([]*Node, 0, P+nS+2)
	outs = append(outs, r.trainableOnly(res[1:1+P])...)
	outs = append(outs, res[1+P:1+P+nS]...)
	return append(outs, res[2+P+nS], res[3+P+nS])
}
