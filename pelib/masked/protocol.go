package masked

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// Names of a masked-token task's evaluation sets. A set's metrics appear
// in records as "<name>_mse".
const (
	// EvalTest holds the held-out windows (new runs, recordings or
	// subjects), masked at the training ratio and evaluated every
	// EvalEvery epochs by the engine.
	EvalTest = "test"
	// EvalTest90 is EvalTest masked at Protocol.TestMaskRatio (the harder
	// test; 90 % by default), evaluated once at the end (HeldOutMetrics).
	EvalTest90 = "test90"
)

// Protocol is the masked-token training protocol every masked-token
// experiment shares: the encoder's size and the optimiser (Training) and
// how a recording becomes tokens (Window, Stride). Experiments embed it
// and add how much data they see.
type Protocol struct {
	// Training: the encoder (post-LN, MLP ratio 4, GELU after both MLP
	// layers, PE added at every block: Experiment 1's architecture; the
	// width is rounded up to a multiple of 2c for c coordinates, see
	// WidthFor), Adam, masked-token training at MaskRatio (also EvalTest's
	// ratio; TestMaskRatio is EvalTest90's).
	sweep.Training
	// Window is the number of recorded points per token (the token
	// features, T) and Stride the step between window starts (0: Window).
	Window, Stride int
}

// Paper is the paper's masked-token model and training: 4 blocks of width
// 64 (66 for 3 coordinates, see WidthFor), 1 head; Adam lr 1e-3, batch 64,
// 200 epochs evaluated every 20; masking 50 % of the tokens in training,
// 90 % in EvalTest90; windows of 16 points; the 15 seeds of Experiment 1's
// reference code (sweep.ReferenceSeeds), so the experiments share seeds.
// The paper gives only "4 layers, d = 64"; everything else is this
// package's choice.
func Paper() Protocol {
	return Protocol{Training: sweep.Training{Name: "paper", Width: 64, Blocks: 4, Heads: 1, LR: 1e-3,
		Objective: train.Masked, MaskRatio: 0.5, TestMaskRatio: 0.9,
		Batch: 64, Epochs: 200, EvalEvery: 20, Seeds: sweep.ReferenceSeeds()},
		Window: 16}
}

// Quick is Paper made small enough for a 2-core CPU: width 16 (18 for 3
// coordinates), 2 blocks, 1 head, Adam lr 1e-2, batch 32, 50 epochs
// evaluated every 10, the first 3 seeds. Halving the depth and quartering
// the width cut a step's time about sevenfold (train.Bench, 6 models,
// batch 32, ONNX Runtime on 2 cores); the tenfold learning rate lets a
// small-σ table move far from its initial values in a few hundred steps
// (netsim's TestQuickGeometry asserts that it still separates small from
// large σ).
func Quick() Protocol {
	p := Paper()
	p.Name, p.Width, p.Blocks, p.LR = "quick", 16, 2, 1e-2
	p.Batch, p.Epochs, p.EvalEvery = 32, 50, 10
	p.Seeds = p.Seeds[:3:3]
	return p
}

// BenchSpeedModel is the masked-token speed model of pelab bench: S
// tokens of T features (the mask indicator appended, input T+1), width 64,
// 4 blocks, 1 head — the paper's Experiment 2/3 size — with the paper's
// optimiser, masking half the tokens. netsim uses S 64, T 16; fmri S 360,
// T 32.
func BenchSpeedModel(S, T int, layout pe.Layout, spec pe.Spec, batch int) experiment.BenchModel {
	mc := model.Config{Tokens: S, Features: T + 1, Width: 64, Blocks: 4, Heads: 1, MLPRatio: 4,
		Outputs: T, Readout: model.ReadoutTokens, GELUAfterMLP: true, LNEps: 1e-5, PE: spec, Layout: layout}
	return experiment.BenchModel{Config: train.Config{Model: mc, Optimizer: train.PaperAdam(),
		Objective: train.Masked, MaskRatio: 0.5, BatchSize: batch}}
}

// WidthFor returns the model width for a c-dimensional layout: Width
// rounded up to a multiple of 2c·Heads, so that the N-D sinusoid (D/c
// channels per coordinate, in sin–cos pairs) and N-D RoPE (dh/2 rotation
// pairs split evenly over c coordinates) exist. In 2D the paper's 64
// stays 64; in 3D it becomes 66. Every condition of a layout uses this
// width, so the conditions stay comparable.
func (p Protocol) WidthFor(c int) int {
	h := max(p.Heads, 1)
	q := 2 * c * h
	if c < 1 {
		q = 2 * h
	}
	return (p.Width + q - 1) / q * q
}

// PaperSigmas is the σ sweep of the learned PE (netsim's and tokens'): Experiment 1's values
// from 0.1 to 2.0, every 0.1 to 0.5 and every 0.5 above.
func PaperSigmas() []float64 { return []float64{0.1, 0.2, 0.3, 0.5, 1.0, 1.5, 2.0} }

// QuickSigmas is the σ sweep of the quick protocol (netsim's and tokens').
func QuickSigmas() []float64 { return []float64{0.1, 0.5, 1.0, 2.0} }

// ModelConfig is the masked-token encoder for task at the protocol's size:
// per-token readout of the T window values, input features T+1 (the
// engine appends the mask indicator), width WidthFor(c).
func (p Protocol) ModelConfig(task *sweep.Task) model.Config {
	T := task.Train.F
	return model.Config{
		Tokens: task.Train.S, Features: T + 1, Width: p.WidthFor(task.Layout.Dim()),
		Blocks: p.Blocks, Heads: p.Heads, MLPRatio: 4,
		Outputs: T, Readout: model.ReadoutTokens,
		GELUAfterMLP: true, LNEps: 1e-5, DType: dtypes.Float32,
	}
}
