package fmri

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/train"
)

// This file holds the controls of Experiment 3: the evaluation masks of
// the engine reproduced on the host (so that every baseline and the
// per-region error map see exactly the masked entries the models were
// scored on), the unmasked-mean baseline, and per-region errors.

// DefaultEvalBatch is the engine's default evaluation chunk
// (train.Config.EvalBatch when 0). The masks of an evaluation depend on it
// (one mask stream per chunk, see EvalMask).
const DefaultEvalBatch = 256

// TrainEvalSeed is the mask seed of the engine's periodic evaluations (the
// "test" set's final test_mse comes from the last of them): the zero
// train.EvalOptions.
const TrainEvalSeed = 0

// EvalMask returns the mask [N, S] that train.Run's evaluation draws for
// N samples of S tokens at ratio with seed, chunked by evalBatch
// (train.EvalMask); TestEvalMaskMatchesEngine checks it through the
// engine's own per-sample MSE.
func EvalMask(n, s int, ratio float64, seed int64, evalBatch int) ([]bool, error) {
	m, err := train.EvalMask(n, s, ratio, seed, evalBatch)
	if err != nil {
		return nil, fmt.Errorf("fmri: %w", err)
	}
	return m, nil
}

// MeanPredict predicts every masked token of window n as the mean of the
// unmasked tokens of that window at each time point:
//
//	x̂[n, i, t] = (1/|U_n|) Σ_{j ∈ U_n} x[n, j, t]   for masked i,
//
// U_n the unmasked regions of window n. It is the best prediction (in
// squared error) of a model that sees the unmasked regions but cannot tell
// the masked regions apart: one shared time course per window, the
// least-squares estimate of the masked regions' mean from the unmasked
// regions' mean when both share the global signal. Unmasked tokens are
// predicted as their own values (they do not enter MaskedMSE). Every window
// needs an unmasked region.
func MeanPredict(w *masked.Windows, mask []bool) ([]float32, error) {
	if err := checkMask(w, mask); err != nil {
		return nil, err
	}
	pred := make([]float32, len(w.X))
	copy(pred, w.X)
	mean := make([]float64, w.T)
	for n := range w.N {
		m := mask[n*w.S : (n+1)*w.S]
		clear(mean)
		cnt := 0
		for j := range w.S {
			if m[j] {
				continue
			}
			cnt++
			for t, v := range w.Token(n, j) {
				mean[t] += float64(v)
			}
		}
		if cnt == 0 {
			return nil, fmt.Errorf("fmri: mean baseline: window %d has every region masked", n)
		}
		for i := range w.S {
			if !m[i] {
				continue
			}
			dst := pred[(n*w.S+i)*w.T : (n*w.S+i+1)*w.T]
			for t := range dst {
				dst[t] = float32(mean[t] / float64(cnt))
			}
		}
	}
	return pred, nil
}

// MeanMSE is MaskedMSE of MeanPredict.
func MeanMSE(w *masked.Windows, mask []bool) (float64, error) {
	pred, err := MeanPredict(w, mask)
	if err != nil {
		return 0, err
	}
	return MaskedMSE(w, pred, mask)
}

// RegionMSE returns, per region s, the masked MSE of pred over the windows
// in which s is masked:
//
//	mse[s] = Σ_{n: mask[n,s]} Σ_t (pred[n,s,t] − x[n,s,t])² / (T · #{n: mask[n,s]}),
//
// and count[s] = #{n: mask[n,s]}; a region never masked gets NaN. Since
// every window masks the same number of regions, the count-weighted mean
// of mse is MaskedMSE.
func RegionMSE(w *masked.Windows, pred []float32, mask []bool) (mse []float64, count []int, err error) {
	if err := checkMask(w, mask); err != nil {
		return nil, nil, err
	}
	if len(pred) != len(w.X) {
		return nil, nil, fmt.Errorf("fmri: region MSE: prediction has %d values, windows %d", len(pred), len(w.X))
	}
	mse = make([]float64, w.S)
	count = make([]int, w.S)
	for i, m := range mask {
		if !m {
			continue
		}
		s := i % w.S
		for t := range w.T {
			d := float64(pred[i*w.T+t]) - float64(w.X[i*w.T+t])
			mse[s] += d * d
		}
		count[s]++
	}
	for s := range mse {
		if count[s] == 0 {
			mse[s] = math.NaN()
		} else {
			mse[s] /= float64(w.T * count[s])
		}
	}
	return mse, count, nil
}

// Predict returns model m's predictions [N, S, T] of the windows w with
// mask [N, S]: the model's input is, as in train (Masked objective), x with
// the masked tokens zeroed and the mask indicator appended as a last
// feature, and its per-token readout the prediction. It runs model.Forward
// with model m's parameters (read from run) on backend, in chunks of chunk
// windows (the last padded with copies of the first). The run's model must
// have a per-token readout of T outputs over T + 1 features.
func Predict(backend compute.Backend, run *train.Run, m int, w *masked.Windows, mask []bool, chunk int) ([]float32, error) {
	if backend == nil {
		return nil, errors.New("fmri: predict: no backend")
	}
	if err := checkMask(w, mask); err != nil {
		return nil, err
	}
	mc, err := run.Config().Model.Normalize()
	if err != nil {
		return nil, fmt.Errorf("fmri: predict: %w", err)
	}
	if mc.Tokens != w.S || mc.Features != w.T+1 || mc.Outputs != w.T || mc.Readout != model.ReadoutTokens {
		return nil, fmt.Errorf("fmri: predict: model of %d tokens × %d features → %d outputs (%s readout), windows %d × %d",
			mc.Tokens, mc.Features, mc.Outputs, mc.Readout, w.S, w.T)
	}
	chunk = max(1, min(chunk, w.N))
	specs := model.Specs(mc)
	params := make([]*tensors.Tensor, len(specs))
	defer func() {
		for _, p := range params {
			if p != nil {
				p.FinalizeAll()
			}
		}
	}()
	for i, s := range specs {
		v, shape, err := run.Param(m, s.Name)
		if err != nil {
			return nil, fmt.Errorf("fmri: predict: %w", err)
		}
		params[i] = model.FromFloat64(v, mc.DType, append([]int{1}, shape...)...)
	}
	ex, err := graph.NewExec(backend, func(in []*graph.Node) []*graph.Node {
		out, err := model.Forward(mc, in[:len(specs)], in[len(specs)], model.ForwardOptions{})
		if err != nil {
			panic(err)
		}
		return []*graph.Node{graph.ConvertDType(out.Out, dtypes.Float32)}
	})
	if err != nil {
		return nil, fmt.Errorf("fmri: predict: %w", err)
	}
	defer ex.Finalize()
	S, T, F := w.S, w.T, w.T+1
	pred := make([]float32, len(w.X))
	in := make([]float32, chunk*S*F)
	for start := 0; start < w.N; start += chunk {
		n := min(chunk, w.N-start)
		for b := range chunk {
			src := start + b
			if b >= n {
				src = 0
			}
			for s := range S {
				masked := mask[src*S+s]
				dst := in[(b*S+s)*F : (b*S+s+1)*F]
				if masked {
					clear(dst[:T])
					dst[T] = 1
				} else {
					copy(dst[:T], w.Token(src, s))
					dst[T] = 0
				}
			}
		}
		args := make([]any, 0, len(params)+1)
		for _, p := range params {
			args = append(args, p)
		}
		x := tensors.FromFlatDataAndDimensions(in, 1, chunk, S, F)
		args = append(args, x)
		outs, err := ex.Call(args...)
		x.FinalizeAll()
		if err != nil {
			return nil, fmt.Errorf("fmri: predict: %w", err)
		}
		y := tensors.MustCopyFlatData[float32](outs[0])
		copy(pred[start*S*T:(start+n)*S*T], y[:n*S*T])
		for _, o := range outs {
			o.FinalizeAll()
		}
	}
	return pred, nil
}
