// Package train is pelab's one training engine: it trains M independent
// transformer models (seeds × PE initialisations × …) as one compiled
// computation, evaluates them, checkpoints and resumes them, and turns them
// into result records.
//
// # The model axis
//
// Every parameter carries a leading axis m (see package model). The loss is
//
//	L = Σ_m mean_b ℓ(m, b)
//
// so ∂L/∂θ_m is exactly model m's own gradient, and the optimisers (Adam,
// AdamW, SGD with momentum) are element-wise: each model follows the
// trajectory it would follow trained alone. Each model reads its own batch —
// indices [M, B] into the training set, from a permutation seeded by its own
// seed and the epoch — and starts from parameters drawn from its own seed.
// A test checks that M models trained together equal the same models trained
// one at a time. Nothing couples models: a model whose loss or gradient
// becomes NaN/Inf is frozen (its parameters stop changing), reported, and the
// rest of the sweep runs on.
//
// # Steps, epochs, determinism
//
// An epoch is ⌊N/B⌋ steps over a fresh permutation (the remainder of the
// permutation is left for that epoch; every sample is seen across epochs).
// Permutations come from (seed, epoch) and masks from (seed, step), so a run
// resumed from a checkpoint continues exactly as an uninterrupted run would.
//
// # Objectives
//
//   - Classify: cross-entropy of the readout against integer labels; metrics
//     acc and loss.
//   - Masked: masked-token regression. For each sequence a fraction of
//     tokens is masked: their features are zeroed and a mask-indicator
//     feature (1 for masked tokens) is appended, so the model's Features is
//     F+1. The per-token readout predicts the targets (the unmasked features
//     by default) and the loss is the mean squared error over masked tokens
//     only. Metric mse.
package train

import (
	"fmt"
	"io"
	"math"

	"github.com/pelab/pelab/pelib/model"
)

// Objective is what a model is trained to do.
type Objective string

const (
	// Classify trains a token/mean readout with cross-entropy.
	Classify Objective = "classify"
	// Masked trains a per-token readout on masked-token regression.
	Masked Objective = "masked"
)

// Optimizer configures the update rule; the schedule is applied on the host
// so the learning rate can change without recompiling.
type Optimizer struct {
	Kind        string  // "adam" (default), "adamw", "sgd"
	LR          float64 // base learning rate
	Beta1       float64 // Adam β1 (0.9)
	Beta2       float64 // Adam β2 (0.999)
	Eps         float64 // Adam ε (1e-8)
	WeightDecay float64 // adam: L2 added to the gradient (PyTorch Adam); adamw/sgd: decoupled θ ← θ(1 − lr·wd)
	Momentum    float64 // sgd momentum (PyTorch form: buf ← μ·buf + g; θ ← θ − lr·buf)
	Schedule    string  // "constant" (default), "warmup" (linear warm-up then constant), "cosine" (warm-up then cosine to 0)
	WarmupSteps int
}

// PaperAdam is the paper's optimiser: Adam, lr 1e-4, betas (0.9, 0.999),
// eps 1e-8, no weight decay, no schedule.
func PaperAdam() Optimizer {
	return Optimizer{Kind: "adam", LR: 1e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Schedule: "constant"}
}

func (o Optimizer) withDefaults() Optimizer {
	if o.Kind == "" {
		o.Kind = "adam"
	}
	if o.Beta1 == 0 {
		o.Beta1 = 0.9
	}
	if o.Beta2 == 0 {
		o.Beta2 = 0.999
	}
	if o.Eps == 0 {
		o.Eps = 1e-8
	}
	if o.Schedule == "" {
		o.Schedule = "constant"
	}
	return o
}

// Validate reports the first problem with o.
func (o Optimizer) Validate() error {
	switch o.Kind {
	case "adam", "adamw", "sgd":
	default:
		return fmt.Errorf("train: optimizer %q, want adam, adamw or sgd", o.Kind)
	}
	switch o.Schedule {
	case "constant", "warmup", "cosine":
	default:
		return fmt.Errorf("train: schedule %q, want constant, warmup or cosine", o.Schedule)
	}
	if !(o.LR > 0) || math.IsInf(o.LR, 0) {
		return fmt.Errorf("train: learning rate %g, want > 0", o.LR)
	}
	if o.WeightDecay < 0 || o.Momentum < 0 || o.Momentum >= 1 || o.WarmupSteps < 0 {
		return fmt.Errorf("train: weight decay %g, momentum %g, warm-up %d: want wd ≥ 0, 0 ≤ momentum < 1, warm-up ≥ 0",
			o.WeightDecay, o.Momentum, o.WarmupSteps)
	}
	return nil
}

// LRAt is the learning rate of step t (0-based) of total steps.
func (o Optimizer) LRAt(t, total int) float64 {
	o = o.withDefaults()
	w := o.WarmupSteps
	if o.Schedule != "constant" && w > 0 && t < w {
		return o.LR * float64(t+1) / float64(w)
	}
	if o.Schedule == "cosine" && total > w {
		frac := float64(t-w) / float64(total-w)
		return o.LR * 0.5 * (1 + math.Cos(math.Pi*frac))
	}
	return o.LR
}

// The values of Config.LastBatch.
const (
	LastBatchDrop = "drop"
	LastBatchKeep = "keep"
)

// CheckLastBatch reports whether v is a value of Config.LastBatch: "",
// LastBatchDrop or LastBatchKeep.
func CheckLastBatch(v string) error {
	switch v {
	case "", LastBatchDrop, LastBatchKeep:
		return nil
	}
	return fmt.Errorf("%q, want %q (each epoch's last N mod B samples left out) or %q (trained as one smaller batch, as the paper's reference code does)", v, LastBatchDrop, LastBatchKeep)
}

// Config is one training protocol for a model-axis group.
type Config struct {
	Model     model.Config
	Optimizer Optimizer
	Objective Objective
	MaskRatio float64 // Masked: fraction of tokens masked in training (e.g. 0.5)

	BatchSize int
	// LastBatch says what an epoch does with the N mod B samples left after
	// its ⌊N/B⌋ full batches: LastBatchDrop ("" or "drop", the default)
	// leaves them out (⌊N/B⌋ steps per epoch, a different remainder each
	// epoch); LastBatchKeep ("keep") trains on them as one smaller batch at
	// the end of the epoch (⌈N/B⌉ steps, as PyTorch's DataLoader with
	// drop_last=False, which the paper's reference code uses: 8,100 LST
	// puzzles at B 128 are 63 batches of 128 and one of 36). A kept batch's
	// loss is the mean over its own samples, so its gradient is that of a
	// batch of N mod B; it is computed as a full-size batch whose padding
	// rows have weight 0.
	LastBatch string
	Epochs    int
	EvalEvery int // evaluate every this many epochs (0: at the end only)
	EvalBatch int // evaluation chunk size (0: EvalBatchFor(Model), 256 for every S ≤ 512)

	// StepsPerCall K > 1 runs up to K optimisation steps per call of the
	// compiled program, as a loop inside the graph, on backends that have one
	// (XLA, the pure Go backend); the batch indices (and masks) of the K steps
	// go to the device in one transfer and the losses come back once per call.
	// Elsewhere (ONNX Runtime) the steps run one call each. Results do not
	// depend on K. 0 or 1: one step per call.
	StepsPerCall int

	// Checkpoint, when set, is a file the run saves itself to every
	// CheckpointEvery epochs (default: every evaluation) and resumes from.
	Checkpoint      string
	CheckpointEvery int

	// Progress receives one line per evaluation and a bar while training;
	// nil is silent.
	Progress io.Writer

	// Track, when set, is called at every evaluation (and once before the
	// first step) with the run; the metrics it returns for each model are
	// added to that model's history point — e.g. the PE's geometry, so that
	// "geometry against epoch" comes from one run (see package geometry).
	// It may also save artifacts. It does not enter record IDs or
	// checkpoint identities: tracking does not change the trajectory.
	Track func(r *Run) ([]Metrics, error)
}

func (c Config) withDefaults() Config {
	c.Optimizer = c.Optimizer.withDefaults()
	if c.Objective == "" {
		c.Objective = Classify
	}
	if c.EvalBatch == 0 {
		c.EvalBatch = EvalBatchFor(c.Model)
	}
	if c.CheckpointEvery == 0 {
		c.CheckpointEvery = c.EvalEvery
	}
	return c
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	if _, err := c.Model.Normalize(); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := c.Optimizer.Validate(); err != nil {
		return err
	}
	switch c.Objective {
	case Classify:
		if c.Model.Readout == model.ReadoutTokens {
			return fmt.Errorf("train: objective classify needs a token or mean readout, not %q", c.Model.Readout)
		}
	case Masked:
		if c.Model.Readout != model.ReadoutTokens {
			return fmt.Errorf("train: objective masked needs readout %q, not %q", model.ReadoutTokens, c.Model.Readout)
		}
		if !(c.MaskRatio > 0 && c.MaskRatio < 1) {
			return fmt.Errorf("train: MaskRatio %g, want in (0, 1)", c.MaskRatio)
		}
	default:
		return fmt.Errorf("train: objective %q, want %q or %q", c.Objective, Classify, Masked)
	}
	if err := CheckLastBatch(c.LastBatch); err != nil {
		return fmt.Errorf("train: LastBatch: %w", err)
	}
	if c.StepsPerCall < 0 {
		return fmt.Errorf("train: StepsPerCall %d, want ≥ 0", c.StepsPerCall)
	}
	if c.BatchSize < 1 || c.Epochs < 0 || c.EvalEvery < 0 || c.EvalBatch < 1 {
		return fmt.Errorf("train: batch %d, epochs %d, eval every %d, eval batch %d: want batch ≥ 1, epochs ≥ 0, eval every ≥ 0",
			c.BatchSize, c.Epochs, c.EvalEvery, c.EvalBatch)
	}
	return nil
}
