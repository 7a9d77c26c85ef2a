package netsim

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// Experiment is the experiment name written into every result record.
const Experiment = "netsim"

// Names of the evaluation sets of a task (see NewTask). A set's metrics
// appear in records as "<name>_mse"; Analyzer adds EvalTest90.
const (
	// EvalTest holds windows of held-out runs (new seeds: new noise,
	// inputs and initial states) of the training network, masked at the
	// training ratio.
	EvalTest = "test"
	// EvalTest90 is EvalTest masked at Protocol.TestMaskRatio (the
	// harder test; 90 % by default), evaluated by Analyzer.
	EvalTest90 = "test90"
)

// EvalG is the name of the evaluation set simulated at global coupling g
// (the held-out seeds with only g changed), e.g. "g3.4".
func EvalG(g float64) string { return "g" + strconv.FormatFloat(g, 'g', -1, 64) }

// Protocol is a training protocol of Experiment 2: the model's size, the
// optimiser, and how much simulated data it sees. The paper gives only
// "4 layers, d = 64"; everything else is this package's choice.
type Protocol struct {
	// Training: the encoder (post-LN, MLP ratio 4, GELU after both MLP
	// layers, PE added at every block: Experiment 1's architecture; the
	// width is rounded up to a multiple of 2c for a c-dimensional layout,
	// see WidthFor), Adam, masked-token training at MaskRatio (also the
	// EvalTest and coupling sets' ratio; TestMaskRatio is EvalTest90's).
	sweep.Training

	// Window is the number of recorded points per token (the token
	// features, T) and Stride the step between window starts (0: Window).
	Window, Stride int
	// TrainRuns and TestRuns are the numbers of simulated runs (each of
	// netsim's default 128 recorded points) in the training and held-out
	// sets.
	TrainRuns, TestRuns int
	// TestG are the other global couplings of the coupling test sets.
	TestG []float64
	// DataSeed is the base seed of the run seeds (SplitSeeds).
	DataSeed uint64
}

// Paper is the full protocol: the paper's 4 blocks of width 64 (66 in
// 3D, see WidthFor), 1 head; Adam lr 1e-3, batch 64, 200 epochs of 2,048
// windows of 16 points (256 runs cut every 16 points: 8 windows each),
// evaluated every 20; 15 seeds; 64 held-out runs; couplings 3.4 and 4.2
// beside the training 3.9. The seeds are the 15 of Experiment 1's
// reference code (sweep.ReferenceSeeds), so the experiments share seeds.
func Paper() Protocol {
	return Protocol{Training: sweep.Training{Name: "paper", Width: 64, Blocks: 4, Heads: 1, LR: 1e-3,
		Objective: train.Masked, MaskRatio: 0.5, TestMaskRatio: 0.9,
		Batch: 64, Epochs: 200, EvalEvery: 20, Seeds: sweep.ReferenceSeeds()},
		Window: 16, TrainRuns: 256, TestRuns: 64, TestG: []float64{3.4, 4.2}, DataSeed: 1}
}

// Quick is a protocol small enough for a 2-core CPU in about a minute per
// layout that still separates small from large σ in the learned PE's
// geometry (the package's TestQuickGeometry asserts it; the numbers are in
// its comment): width 16 (18 in 3D), 2 blocks, 1 head, Adam lr 1e-2,
// batch 32, 50 epochs of 256 windows (32 runs; 400 steps), evaluated every
// 10, 3 seeds, 16 held-out runs. Halving the depth and quartering the
// width of the paper protocol cut a step's time about sevenfold
// (train.Bench, 6 models, batch 32, ONNX Runtime on 2 cores); the tenfold
// learning rate lets a small-σ table move far from its initial values in
// 400 steps (at width 32, 4 blocks, lr 3e-3 and 160 steps the learned
// tables were still indistinguishable from random ones).
func Quick() Protocol {
	p := Paper()
	p.Name, p.Width, p.Blocks, p.LR = "quick", 16, 2, 1e-2
	p.Batch, p.Epochs, p.EvalEvery = 32, 50, 10
	p.TrainRuns, p.TestRuns, p.Seeds = 32, 16, p.Seeds[:3:3]
	return p
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

// Validate reports the first problem with p.
func (p Protocol) Validate() error {
	if err := p.Training.Validate(Experiment); err != nil {
		return err
	}
	switch {
	case p.Window < 1 || p.Stride < 0:
		return fmt.Errorf("netsim: protocol %q: window %d, stride %d: want window ≥ 1, stride ≥ 0", p.Name, p.Window, p.Stride)
	case p.TrainRuns < 1 || p.TestRuns < 1:
		return fmt.Errorf("netsim: protocol %q: %d training and %d test runs, want ≥ 1 each", p.Name, p.TrainRuns, p.TestRuns)
	}
	for _, g := range p.TestG {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			return fmt.Errorf("netsim: protocol %q: test coupling %g, want finite", p.Name, g)
		}
	}
	return nil
}

// LayoutConfig returns the network of a named layout: "2d", the 8×8 grid
// of DefaultConfig, or "3d", the 4×4×4 grid of Default3D (64 nodes each,
// so the two layouts differ only in geometry).
func LayoutConfig(name string) (Config, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "2d":
		return DefaultConfig(), nil
	case "3d":
		return Default3D(), nil
	}
	return Config{}, fmt.Errorf("netsim: unknown layout %q (want 2d or 3d)", name)
}

// PaperSigmas is the σ sweep of the learned PE: Experiment 1's values
// from 0.1 to 2.0, every 0.1 to 0.5 and every 0.5 above.
func PaperSigmas() []float64 { return []float64{0.1, 0.2, 0.3, 0.5, 1.0, 1.5, 2.0} }

// QuickSigmas is the σ sweep of the quick protocol.
func QuickSigmas() []float64 { return []float64{0.1, 0.5, 1.0, 2.0} }

// Vocabulary is Experiment 2's condition language: learn-<σ> (learned PE
// initialised N(0, σ²)), sinnd or nd-fixed (the oracle: N-D sinusoid of the
// true coordinates), ropend (N-D RoPE of the true coordinates), shaw
// (bidirectional Shaw attention over the node-index offset, with the
// output projection: causality means nothing for nodes), none (nope),
// random, or any PE spec. "relative" is kept as a deprecated alias of shaw
// for commands and records that used it; it is not lst's relative (the
// reference's causal Shaw without output projection, shaw,causal,noout),
// so new lists say shaw.
// In lists, "sigmas" expands to the paper protocol's σ sweep,
// "quick-sigmas" to the quick one's, and "all" to that sweep plus sinnd,
// ropend, shaw, none and random.
func Vocabulary() sweep.Vocabulary {
	return sweep.Vocabulary{
		Experiment: "netsim",
		Aliases: map[string]string{
			"sinnd": "sinnd", "nd-fixed": "sinnd", "ropend": "ropend", "relative": "shaw", "shaw": "shaw",
			"none": "none", "nope": "none", "random": "random",
		},
		First: []string{"sinnd", "nd-fixed", "ropend"},
		Lists: map[string][]string{
			"sigmas":       sweep.SigmaNames(PaperSigmas()),
			"quick-sigmas": sweep.SigmaNames(QuickSigmas()),
			"all":          append([]string{"sinnd", "ropend", "shaw", "none", "random"}, sweep.SigmaNames(PaperSigmas())...),
		},
	}
}

// PECondition returns the condition called name (see Vocabulary).
func PECondition(name string) (sweep.Condition, error) { return Vocabulary().Condition(name) }

// PEConditions parses a comma- or semicolon-separated list of conditions
// (see Vocabulary).
func PEConditions(list string) ([]sweep.Condition, error) { return Vocabulary().Parse(list) }

// TaskOptions select the data of a task.
type TaskOptions struct {
	// Layout names the layout in records and reports ("2d", "3d", or
	// the caller's name for Net's layout).
	Layout string
	// Net is the simulated network (LayoutConfig gives the defaults).
	Net     Config
	Windows Windows
	Split   Split
}

// TaskOptions returns the data options of protocol p on the named layout
// ("2d" or "3d"): the default network, windows of p.Window points with
// run-node z-scoring, and p's run counts, seed and test couplings.
func (p Protocol) TaskOptions(layout string) (TaskOptions, error) {
	cfg, err := LayoutConfig(layout)
	if err != nil {
		return TaskOptions{}, err
	}
	return TaskOptions{
		Layout:  strings.ToLower(strings.TrimSpace(layout)),
		Net:     cfg,
		Windows: Windows{T: p.Window, Stride: p.Stride, ZScore: ZRunNode},
		Split:   Split{Seed: p.DataSeed, Train: p.TrainRuns, Test: p.TestRuns, TestG: append([]float64(nil), p.TestG...)},
	}, nil
}

// NewTask simulates the runs of opt and returns Experiment 2's task and
// the splits behind it. The task: tokens are the S nodes, a sample is one
// window [S, T] (token features = the node's T z-scored values; node
// identity reaches the model only through its PE), trained by masked-node
// prediction (the engine zeroes masked tokens, appends a mask indicator,
// and scores the MSE on masked tokens). Evaluation sets: EvalTest (held-out
// runs) and one EvalG(g) per test coupling. The task's layout holds the
// true node coordinates (with the grid sizes for a grid, so sin2d and
// rope2d work too).
func NewTask(opt TaskOptions) (*sweep.Task, *Splits, error) {
	sp, err := BuildSplits(opt.Net, opt.Windows, opt.Split)
	if err != nil {
		return nil, nil, err
	}
	lay, err := peLayout(opt.Net.Layout, sp.Net.Coords())
	if err != nil {
		return nil, nil, err
	}
	evals := []*train.Data{toData(EvalTest, sp.Test)}
	for k, g := range opt.Split.TestG {
		evals = append(evals, toData(EvalG(g), sp.TestG[k]))
	}
	fp, err := configFingerprint(opt.Net)
	if err != nil {
		return nil, nil, err
	}
	stride := opt.Windows.Stride
	if stride == 0 {
		stride = opt.Windows.T
	}
	c := opt.Net.Coupling
	d := opt.Net.Dynamics
	task := &sweep.Task{
		Name:   Experiment,
		Train:  toData("train", sp.Train),
		Evals:  evals,
		Layout: lay,
		Params: map[string]any{
			"layout": opt.Layout, "nodes": sp.Net.Nodes(), "dim": lay.Dim(),
			"window": opt.Windows.T, "stride": stride, "zscore": opt.Windows.ZScore.String(),
			"train_runs": opt.Split.Train, "test_runs": opt.Split.Test, "split_seed": opt.Split.Seed,
			"test_g": opt.Split.TestG, "train_n": sp.Train.N,
			"g": c.G, "lambda": c.Lambda, "noise": d.Noise, "net_sha": fp,
		},
	}
	return task, sp, nil
}

// peLayout is the pe.Layout of the network's nodes.
func peLayout(l Layout, coords [][]float64) (pe.Layout, error) {
	lay, err := pe.Points(coords)
	if err != nil {
		return pe.Layout{}, fmt.Errorf("netsim: task layout: %w", err)
	}
	if l.Kind == Grid {
		lay.Grid = append([]int(nil), l.Shape...)
	}
	return lay, nil
}

// configFingerprint is a short hash of the whole network config, so that
// records of different networks never share an ID.
func configFingerprint(c Config) (string, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("netsim: task: encoding the network config: %w", err)
	}
	h := sha256.Sum256(b)
	return fmt.Sprintf("%x", h[:6]), nil
}

func toData(name string, d *Dataset) *train.Data {
	return &train.Data{Name: name, X: d.X, N: d.N, S: d.S, F: d.T}
}

// ModelConfig is Experiment 2's encoder for task at the protocol's size:
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

// NewPlan builds the sweep of protocol p over conditions on task.
func NewPlan(p Protocol, task *sweep.Task, conds []sweep.Condition) (*sweep.Plan, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if task == nil || task.Train == nil {
		return nil, fmt.Errorf("netsim: NewPlan: no task")
	}
	return p.Plan(Experiment, task, p.ModelConfig(task), conds), nil
}
