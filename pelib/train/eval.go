package train

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
)

// EvalOptions modify an evaluation.
type EvalOptions struct {
	// EmbedNoise adds N(0, EmbedNoise²) to the token embeddings (robustness).
	EmbedNoise float64
	// MaskRatio overrides the training mask ratio (Masked objective), e.g.
	// 0.9 for the harder generalisation test.
	MaskRatio float64
	// Seed fixes the evaluation masks (every model sees the same) and the
	// noise (each model's drawn from this seed and its own seed, so it does
	// not depend on which models share its group).
	Seed int64
}

// Metrics maps a metric name to its value for one model.
type Metrics map[string]float64

// Evaluate runs all M models over every sample of d and returns, per model,
// "loss" and "acc" (Classify) or "mse" (Masked), averaged over samples, plus
// the same per group ("acc_<group>") when d has Groups.
func (r *Run) Evaluate(d *Data, opt EvalOptions) ([]Metrics, error) {
	return r.evaluate(context.Background(), d, opt)
}

// evaluate is Evaluate, abandoned between chunks when ctx is cancelled.
func (r *Run) evaluate(ctx context.Context, d *Data, opt EvalOptions) ([]Metrics, error) {
	loss, metric, _, err := r.evalPass(ctx, d, opt, false)
	if err != nil {
		return nil, err
	}
	name := r.primaryMetric()
	out := make([]Metrics, r.M)
	groups := d.groups()
	for m := range out {
		ms := Metrics{}
		ms["loss"] = mean(loss[m], nil, "")
		ms[name] = mean(metric[m], nil, "")
		for _, g := range groups {
			ms[name+"_"+g] = mean(metric[m], d.Groups, g)
		}
		out[m] = ms
	}
	return out, nil
}

// PerSample returns, per model, each sample's metric (correct 0/1 or masked
// MSE) over d, in sample order.
func (r *Run) PerSample(d *Data, opt EvalOptions) ([][]float64, error) {
	_, metric, _, err := r.evalPass(context.Background(), d, opt, false)
	return metric, err
}

// Attention returns, per model, the attention maps averaged over the samples
// of d, flat [L, H, S, S].
func (r *Run) Attention(d *Data) ([][]float64, error) {
	_, _, att, err := r.evalPass(context.Background(), d, EvalOptions{}, true)
	return att, err
}

func mean(v []float64, groups []string, g string) float64 {
	sum, n := 0.0, 0
	for i, x := range v {
		if groups == nil || groups[i] == g {
			sum += x
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func (r *Run) evalPass(ctx context.Context, d *Data, opt EvalOptions, attention bool) (loss, metric, att [][]float64, err error) {
	if err := r.checkData(d); err != nil {
		return nil, nil, nil, err
	}
	key := evalKey{noise: opt.EmbedNoise, attention: attention}
	ex, ok := r.evalExec[key]
	if !ok {
		ex, err = graph.NewExec(r.backend, r.evalGraph(opt.EmbedNoise, attention))
		if err != nil {
			return nil, nil, nil, err
		}
		ex.SetMaxCache(4)
		r.evalExec[key] = ex
	}
	X, Y := d.tensors(r.cfg.Objective)
	B := min(r.cfg.EvalBatch, d.N)
	S := r.cfg.Model.Tokens
	ratio := r.cfg.MaskRatio
	if opt.MaskRatio > 0 {
		ratio = opt.MaskRatio
	}
	loss = make([][]float64, r.M)
	metric = make([][]float64, r.M)
	for m := range loss {
		loss[m] = make([]float64, 0, d.N)
		metric[m] = make([]float64, 0, d.N)
	}
	var attSum []float64
	idx := make([]int32, B)
	w := make([]float32, B)
	var mask []float32
	if r.cfg.Objective == Masked {
		mask = make([]float32, B*S)
	}
	for start, chunk := 0, 0; start < d.N; start, chunk = start+B, chunk+1 {
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, err
		}
		n := min(B, d.N-start)
		for j := range B {
			if j < n {
				idx[j], w[j] = int32(start+j), 1
			} else {
				idx[j], w[j] = 0, 0
			}
		}
		args := make([]any, 0, len(r.params)+6)
		for _, p := range r.params {
			args = append(args, p)
		}
		var tmp temps
		args = append(args, X, Y, tmp.add(tensors.FromFlatDataAndDimensions(idx, B)), tmp.add(tensors.FromFlatDataAndDimensions(w, B)))
		if mask != nil {
			fillMask(mask, B, S, ratio, opt.Seed, evalMaskStream, uint64(chunk))
			args = append(args, tmp.add(tensors.FromFlatDataAndDimensions(mask, B, S)))
		}
		if opt.EmbedNoise > 0 {
			args = append(args, tmp.add(r.evalNoise(B, opt.Seed, chunk)))
		}
		outs, err := ex.Call(args...)
		tmp.release()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("train: evaluating %q: %w", d.Name, err)
		}
		l := tensors.MustCopyFlatData[float32](outs[0])
		mt := tensors.MustCopyFlatData[float32](outs[1])
		for m := range r.M {
			for j := range n {
				loss[m] = append(loss[m], float64(l[m*B+j]))
				metric[m] = append(metric[m], float64(mt[m*B+j]))
			}
		}
		if attention {
			a := tensors.MustCopyFlatData[float32](outs[2])
			if attSum == nil {
				attSum = make([]float64, len(a))
			}
			for i, v := range a {
				attSum[i] += float64(v)
			}
		}
		for _, o := range outs {
			o.FinalizeAll()
		}
	}
	if attention {
		per := len(attSum) / r.M
		att = make([][]float64, r.M)
		for m := range att {
			att[m] = make([]float64, per)
			for i := range per {
				att[m][i] = attSum[m*per+i] / float64(d.N)
			}
		}
	}
	return loss, metric, att, nil
}

// EvalMask returns the mask [N, S] (true = masked) that an evaluation of
// the Masked objective draws for N samples of S tokens at ratio with seed
// (EvalOptions.Seed) and chunk size evalBatch (Config.EvalBatch): chunk c
// (samples c·B … c·B+B−1, B = min(evalBatch, N)) gets B rows of
// k = clamp(round(ratio·S), 1, S−1) masked tokens each, from the stream of
// (seed, c); rows of the last chunk past N are drawn and dropped. Every
// model of every group sees these masks, so a baseline scored on them is
// scored on exactly the entries the models were.
func EvalMask(n, s int, ratio float64, seed int64, evalBatch int) ([]bool, error) {
	if n < 1 || s < 2 || evalBatch < 1 {
		return nil, fmt.Errorf("train: eval mask: %d samples × %d tokens, chunk %d: want ≥ 1 × ≥ 2, chunk ≥ 1", n, s, evalBatch)
	}
	if !(ratio > 0 && ratio < 1) {
		return nil, fmt.Errorf("train: eval mask: ratio %v, want 0 < ratio < 1", ratio)
	}
	B := min(evalBatch, n)
	out := make([]bool, n*s)
	buf := make([]float32, B*s)
	for start, chunk := 0, 0; start < n; start, chunk = start+B, chunk+1 {
		fillMask(buf, B, s, ratio, seed, evalMaskStream, uint64(chunk))
		for i, v := range buf[:min(B, n-start)*s] {
			out[start*s+i] = v == 1
		}
	}
	return out, nil
}

// evalMaskStream separates the evaluation masks' random stream from the
// training masks'.
const evalMaskStream = 0xe7a1

// Param returns model m's copy of the named parameter (e.g. "pe/table",
// shaped [L, S, D]) as float64, with its per-model shape.
func (r *Run) Param(m int, name string) ([]float64, []int, error) {
	if m < 0 || m >= r.M {
		return nil, nil, fmt.Errorf("train: model %d outside [0, %d)", m, r.M)
	}
	for i, s := range r.specs {
		if s.Name != name {
			continue
		}
		all, err := model.ToFloat64(r.params[i])
		if err != nil {
			return nil, nil, err
		}
		n := s.Size()
		return all[m*n : (m+1)*n], append([]int(nil), s.Shape...), nil
	}
	return nil, nil, fmt.Errorf("train: no parameter %q (the PE %s may have none)", name, r.cfg.Model.PE.String())
}

// PETable returns model m's additive PE table [L, S, D] (learned or random
// PEs; for coordlin and coordmlp the function's values at the tokens'
// coordinates, model.FunctionTables) — or, for fixed sinusoids, the fixed
// table — as float64 and its shape.
func (r *Run) PETable(m int) ([]float64, []int, error) {
	if v, sh, err := r.Param(m, "pe/table"); err == nil {
		return v, sh, nil
	}
	mc := r.cfg.Model
	if mc.PE.FunctionTable() { // coordlin, coordmlp: the function at the tokens
		t, err := model.FunctionTables(mc, r.paramOf(m))
		if err != nil {
			return nil, nil, err
		}
		return t, []int{mc.PE.NumFunctions(mc.Blocks), mc.Tokens, mc.Width}, nil
	}
	if mc.PE.Additive() {
		t, err := pe.Table(mc.PE, mc.Layout, mc.Width, nil)
		if err == nil {
			return t, []int{1, mc.Tokens, mc.Width}, nil
		}
		return nil, nil, err
	}
	return nil, nil, fmt.Errorf("train: PE %s has no additive table", mc.PE.String())
}

// PEBias returns model m's dpb attention-score biases [L, H, S, S]
// (model.FunctionBiases) and their shape.
func (r *Run) PEBias(m int) ([]float64, []int, error) {
	mc := r.cfg.Model
	if mc.PE.Kind != pe.DPB {
		return nil, nil, fmt.Errorf("train: PE %s has no learned bias function", mc.PE.String())
	}
	b, err := model.FunctionBiases(mc, r.paramOf(m))
	if err != nil {
		return nil, nil, err
	}
	return b, []int{mc.PE.NumFunctions(mc.Blocks), mc.Heads, mc.Tokens, mc.Tokens}, nil
}

func (r *Run) paramOf(m int) func(string) ([]float64, error) {
	return func(name string) ([]float64, error) {
		v, _, err := r.Param(m, name)
		return v, err
	}
}

// evalNoise draws standard-normal embedding noise [M, B, S, D] for one
// evaluation chunk: model m's from (its seed, seed, chunk) alone.
func (r *Run) evalNoise(B int, seed int64, chunk int) *tensors.Tensor {
	S, D := r.cfg.Model.Tokens, r.cfg.Model.Width
	n := B * S * D
	z := make([]float64, r.M*n)
	for m, mem := range r.members {
		rng := rand.New(rand.NewPCG(mix64(uint64(mem.Seed))^mix64(uint64(seed)^0x401e), mix64(uint64(chunk))))
		for i := range n {
			z[m*n+i] = rng.NormFloat64()
		}
	}
	return model.FromFloat64(z, r.cfg.Model.DType, r.M, B, S, D)
}

// EvaluateWith evaluates d as Evaluate does, with the named parameter of
// model m replaced by values[m] (its per-model size, as Param returns it;
// nil keeps model m's own), and restores every model's parameter
// afterwards. It is how a trained model is probed with an altered part —
// e.g. its PE table removed or its rows permuted (package intervene) —
// without a copy of the run: only the one parameter tensor is rebuilt.
func (r *Run) EvaluateWith(d *Data, opt EvalOptions, name string, values [][]float64) ([]Metrics, error) {
	if len(values) != r.M {
		return nil, fmt.Errorf("train: EvaluateWith: %d replacement values for %d models", len(values), r.M)
	}
	for i, s := range r.specs {
		if s.Name != name {
			continue
		}
		n := s.Size()
		all, err := model.ToFloat64(r.params[i])
		if err != nil {
			return nil, err
		}
		for m, v := range values {
			if v == nil {
				continue
			}
			if len(v) != n {
				return nil, fmt.Errorf("train: EvaluateWith: model %d: %d values for %q, want %d", m, len(v), name, n)
			}
			copy(all[m*n:(m+1)*n], v)
		}
		orig := r.params[i]
		dims := append([]int{r.M}, s.Shape...)
		r.params[i] = model.FromFloat64(all, r.cfg.Model.DType, dims...)
		defer func() {
			r.params[i].FinalizeAll()
			r.params[i] = orig
		}()
		return r.Evaluate(d, opt)
	}
	return nil, fmt.Errorf("train: EvaluateWith: no parameter %q (the PE %s may have none)", name, r.cfg.Model.PE.String())
}
