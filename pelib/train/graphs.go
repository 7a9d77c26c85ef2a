package train

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // graph code reads best unqualified
	"github.com/pelab/pelab/pelib/model"
)

// batchInputs turns a gathered batch into the model input and the loss
// ingredients. xb is [M, B, S, F]; mask (Masked only) is [M, B, S].
func (r *Run) modelInput(xb, mask *Node) *Node {
	if r.cfg.Objective != Masked {
		return xb
	}
	dt := xb.DType()
	mk := ExpandAxes(ConvertDType(mask, dt), -1) // [M, B, S, 1]
	keep := Sub(ScalarOne(xb.Graph(), dt), mk)
	return Concatenate([]*Node{Mul(xb, keep), mk}, -1)
}

// perSample computes, from the model output and the batch targets, the
// per-sample loss [M, B] and per-sample metric [M, B] (correct 0/1 for
// Classify, masked MSE for Masked).
func (r *Run) perSample(out, yb, mask *Node) (loss, metric *Node) {
	g := out.Graph()
	dt := out.DType()
	switch r.cfg.Objective {
	case Classify:
		C := out.Shape().Dimensions[2]
		oh := OneHot(yb, C, dt)                  // [M, B, C]
		logp := LogSoftmax(out, -1)              // [M, B, C]
		loss = Neg(ReduceSum(Mul(oh, logp), -1)) // [M, B]
		// Correct when the true class's logit is the largest (ties count
		// as correct; with float logits they do not happen in practice).
		ly := ReduceSum(Mul(oh, out), -1)
		correct := GreaterOrEqual(ly, ReduceMax(out, -1))
		metric = ConvertDType(correct, dt)
		return loss, metric
	default: // Masked
		mk := ConvertDType(mask, dt)                                // [M, B, S]
		se := ReduceSum(Square(Sub(out, ConvertDType(yb, dt))), -1) // [M, B, S]
		T := float64(out.Shape().Dimensions[3])
		den := Mul(ReduceSum(mk, -1), Scalar(g, dt, T))
		loss = Div(ReduceSum(Mul(se, mk), -1), den) // [M, B]
		return loss, loss
	}
}

// stepGraph builds one optimisation step of all M models.
//
// Inputs, in order: P params, S optimiser-state tensors (2 per trainable
// param for Adam/AdamW, 1 for SGD), X [N,S,F], Y, idx [M,B] int32,
// mask [M,B,S] (Masked only), weight [M,B] float32 (only when the last
// batch is kept, Config.LastBatch), lr, bias-correction 1 (1−β1ᵗ),
// bias-correction 2 (1−β2ᵗ) as scalars, alive [M] bool, rng state (dropout
// only).
// Outputs: the trainable params (in spec order), S states, loss [M], ok [M]
// (finite loss and gradient). Fixed parameters are not returned: a backend
// may hand an unchanged input back as an output buffer of its own (a copy
// nobody would free) or as the input itself (which must not be freed).
func (r *Run) stepGraph(in []*Node) []*Node {
	c := r.cfg
	P := len(r.specs)
	nS := r.statesPerParam() * r.nTrainable
	var s stepIn
	s.params, s.states = in[:P], in[P:P+nS]
	i := P + nS
	s.X, s.Y, s.idx = in[i], in[i+1], in[i+2]
	i += 3
	if c.Objective == Masked {
		s.mask = in[i]
		i++
	}
	if r.keepLast() {
		s.weight = in[i]
		i++
	}
	s.lr, s.bc1, s.bc2, s.alive = in[i], in[i+1], in[i+2], in[i+3]
	i += 4
	if r.needsRNG() {
		s.rng = in[i]
	}
	params, states, lossM, ok := r.stepCore(s)
	outs := make([]*Node, 0, len(params)+len(states)+2)
	outs = append(outs, r.trainableOnly(params)...)
	outs = append(outs, states...)
	return append(outs, ConvertDType(lossM, dtypes.Float32), ok)
}

// trainableOnly keeps the nodes of the trainable parameters, in spec order.
func (r *Run) trainableOnly(params []*Node) []*Node {
	out := make([]*Node, 0, r.nTrainable)
	for k, sp := range r.specs {
		if sp.Trainable {
			out = append(out, params[k])
		}
	}
	return out
}

// stepIn are the nodes one optimisation step reads: the parameters and
// optimiser state, the training set X, Y, this step's indices idx [M, B]
// (and mask [M, B, S]; weight [M, B] when the last batch is kept), the
// scalars lr, bc1 = 1−β1ᵗ, bc2 = 1−β2ᵗ, alive [M] and, with dropout, an
// RNG state.
type stepIn struct {
	params, states                       []*Node
	X, Y, idx, mask, lr, bc1, bc2, alive *Node
	weight, rng                          *Node
}

// stepCore builds one optimisation step of all M models from s and returns
// the updated parameters and states, the loss [M] (in the model dtype) and
// ok [M] (the loss and every gradient of model m are finite). Models with
// alive false, or not ok, keep their parameters and state. It is used both
// as the whole step graph and as the body of the in-graph loop.
func (r *Run) stepCore(s stepIn) (newParams, newStates []*Node, lossM, ok *Node) {
	c := r.cfg
	specs := r.specs
	params, states := s.params, s.states
	dt := c.Model.DType

	idx3 := ExpandAxes(s.idx, -1) // [M, B, 1]
	xb := ConvertDType(Gather(s.X, idx3), dt)
	yb := Gather(s.Y, idx3)
	outp, err := model.Forward(c.Model, params, r.modelInput(xb, s.mask), model.ForwardOptions{Train: true, RNG: s.rng})
	if err != nil {
		panic(err)
	}
	lossMB, _ := r.perSample(outp.Out, yb, s.mask)
	if s.weight != nil {
		// The weighted mean Σ_b w_b·ℓ_b / Σ_b w_b: the mean over the
		// batch's own samples (padding rows have w 0).
		w := ConvertDType(s.weight, dt)
		lossM = Div(ReduceSum(Mul(lossMB, w), 1), ReduceSum(w, 1))
	} else {
		lossM = ReduceMean(lossMB, 1) // [M]
	}
	// Frozen models contribute nothing (their gradient is zero).
	lossM = Where(s.alive, lossM, ZerosLike(lossM))
	total := ReduceAllSum(lossM)

	var trainable []*Node
	for k, sp := range specs {
		if sp.Trainable {
			trainable = append(trainable, params[k])
		}
	}
	grads := Gradient(total, trainable...)

	// ok[m]: the loss and every gradient of model m are finite. (A sum of
	// finite values is finite unless it overflows, and a sum with a NaN or
	// ±Inf is not: one pass over each gradient.)
	ok = isFinite(lossM)
	for _, gr := range grads {
		axes := make([]int, gr.Rank()-1)
		for a := range axes {
			axes[a] = a + 1
		}
		ok = And(ok, isFinite(ReduceSum(gr, axes...)))
	}
	upd := And(ok, s.alive)

	lr, bc1, bc2 := ConvertDType(s.lr, dt), ConvertDType(s.bc1, dt), ConvertDType(s.bc2, dt)
	u := newUpdate(c.Optimizer, upd, lr, bc1, bc2)

	newParams = make([]*Node, 0, len(params))
	newStates = make([]*Node, 0, len(states))
	ti := 0
	for k, sp := range specs {
		p := params[k]
		if !sp.Trainable {
			newParams = append(newParams, p)
			continue
		}
		wd, decoupled := c.Optimizer.WeightDecay, c.Optimizer.Kind != "adam"
		if sp.PE && r.peWD > 0 {
			wd, decoupled = r.peWD, true
		}
		n := r.statesPerParam()
		np, ns := u.apply(p, grads[ti], states[n*ti:n*ti+n], wd, decoupled)
		newParams = append(newParams, np)
		newStates = append(newStates, ns...)
		ti++
	}
	return newParams, newStates, lossM, ok
}

// isFinite is |x| ≤ MaxFloat, false for NaN and ±Inf. (ONNX Runtime's
// backend lacks IsFinite.)
func isFinite(x *Node) *Node {
	big := math.MaxFloat32
	if x.DType() == dtypes.Float64 {
		big = math.MaxFloat64
	}
	return LessOrEqual(Abs(x), Scalar(x.Graph(), x.DType(), big))
}

// evalGraph evaluates all M models on one chunk of a dataset that every model
// sees alike. Inputs: P params, X, Y, idx [B] int32, weight [B] (1 for real
// samples, 0 for padding), mask [B,S] (Masked only), standard-normal noise
// [M,B,S,D] (noise only).
// Outputs: per-sample loss [M,B], per-sample metric [M,B], and, when
// attention is asked for, the weight-summed attention maps [M, L, H, S, S].
func (r *Run) evalGraph(noise float64, attention bool) func(in []*Node) []*Node {
	return func(in []*Node) []*Node {
		c := r.cfg
		P := len(r.specs)
		params := in[:P]
		X, Y, idx, weight := in[P], in[P+1], in[P+2], in[P+3]
		i := P + 4
		var mask *Node
		if c.Objective == Masked {
			mask = in[i]
			i++
		}
		var z *Node
		if noise > 0 {
			z = in[i]
		}
		dt := c.Model.DType
		M := r.M
		idx2 := ExpandAxes(idx, -1)
		xb := ConvertDType(Gather(X, idx2), dt) // [B, S, F]
		yb := Gather(Y, idx2)
		bcast := func(n *Node) *Node {
			d := append([]int{M}, n.Shape().Dimensions...)
			return BroadcastToDims(ExpandAxes(n, 0), d...)
		}
		var mk *Node
		if mask != nil {
			mk = bcast(mask)
		}
		outp, err := model.Forward(c.Model, params, r.modelInput(bcast(xb), mk),
			model.ForwardOptions{EmbedNoise: noise, Noise: z, Attention: attention})
		if err != nil {
			panic(err)
		}
		loss, metric := r.perSample(outp.Out, bcast(yb), mk)
		outs := []*Node{ConvertDType(loss, dtypes.Float32), ConvertDType(metric, dtypes.Float32)}
		if attention {
			w := ConvertDType(weight, dt)
			maps := make([]*Node, len(outp.Attention))
			for l, a := range outp.Attention { // [M, B, H, S, S]
				maps[l] = Einsum("mbhqk,b->mhqk", a, w)
			}
			outs = append(outs, ConvertDType(Stack(maps, 1), dtypes.Float32))
		}
		return outs
	}
}

func (r *Run) statesPerParam() int {
	if r.cfg.Optimizer.Kind == "sgd" {
		return 1
	}
	return 2
}

func (r *Run) needsRNG() bool { return r.cfg.Model.Dropout > 0 }

var errNoMembers = fmt.Errorf("train: no members to train")
