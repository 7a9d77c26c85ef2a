package netsim

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// Experiment is the experiment name written into every result record.
const Experiment = "netsim"

// EvalG is the name of the evaluation set simulated at global coupling g
// (the held-out seeds with only g changed), e.g. "g3.4".
func EvalG(g float64) string { return "g" + strconv.FormatFloat(g, 'g', -1, 64) }

// Protocol is a training protocol of Experiment 2: the masked-token
// model, optimiser and windows (masked.Protocol) and how much simulated
// data it sees.
type Protocol struct {
	masked.Protocol
	// TrainRuns and TestRuns are the numbers of simulated runs (each of
	// netsim's default 128 recorded points) in the training and held-out
	// sets.
	TrainRuns, TestRuns int
	// TestG are the other global couplings of the coupling test sets.
	TestG []float64
	// DataSeed is the base seed of the run seeds (SplitSeeds).
	DataSeed uint64
}

// Paper is the full protocol: masked.Paper's model and training (4 blocks
// of width 64, 66 in 3D; Adam lr 1e-3, batch 64, 200 epochs evaluated
// every 20; 15 seeds; windows of 16 points) on 2,048 training windows (256
// runs cut every 16 points: 8 windows each) and 64 held-out runs;
// couplings 3.4 and 4.2 beside the training 3.9.
func Paper() Protocol {
	return Protocol{Protocol: masked.Paper(), TrainRuns: 256, TestRuns: 64, TestG: []float64{3.4, 4.2}, DataSeed: 1}
}

// Quick is a protocol small enough for a 2-core CPU in about a minute per
// layout that still separates small from large σ in the learned PE's
// geometry (the package's TestQuickGeometry asserts it; the numbers are in
// its comment): masked.Quick's model and training (width 16, 18 in 3D, 2
// blocks, Adam lr 1e-2, batch 32, 50 epochs evaluated every 10, 3 seeds)
// on 256 windows (32 runs; 400 steps) and 16 held-out runs. At width 32,
// 4 blocks, lr 3e-3 and 160 steps the learned tables were still
// indistinguishable from random ones.
func Quick() Protocol {
	p := Paper()
	p.Protocol = masked.Quick()
	p.TrainRuns, p.TestRuns = 32, 16
	return p
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
			"sigmas":       sweep.SigmaNames(masked.PaperSigmas()),
			"quick-sigmas": sweep.SigmaNames(masked.QuickSigmas()),
			"all":          append([]string{"sinnd", "ropend", "shaw", "none", "random"}, sweep.SigmaNames(masked.PaperSigmas())...),
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
// and scores the MSE on masked tokens). Evaluation sets: masked.EvalTest (held-out
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
	test := toData(masked.EvalTest, sp.Test)
	// Per held-out run, named as Export names its file: "test_mse_@test-003".
	runs := make([]string, len(sp.Test.Seeds))
	for i := range runs {
		runs[i] = fmt.Sprintf("test-%03d", i)
	}
	test.Groups = masked.UnitGroups(runs, sp.Test.Run)
	evals := []*train.Data{test}
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
