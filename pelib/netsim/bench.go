package netsim

import (
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

var _ experiment.Benchmarked = Exp{}

// benchSpeedModel is a masked-token model of S tokens of T features (the
// mask indicator appended), width 64, 4 blocks, 1 head — the paper's
// Experiment 2/3 size — with the paper's optimiser.
func benchSpeedModel(S, T int, layout pe.Layout, spec pe.Spec, batch int) experiment.BenchModel {
	mc := model.Config{Tokens: S, Features: T + 1, Width: 64, Blocks: 4, Heads: 1, MLPRatio: 4,
		Outputs: T, Readout: model.ReadoutTokens, GELUAfterMLP: true, LNEps: 1e-5, PE: spec, Layout: layout}
	return experiment.BenchModel{Config: train.Config{Model: mc, Optimizer: train.PaperAdam(),
		Objective: train.Masked, MaskRatio: 0.5, BatchSize: batch}}
}

// BenchSpeedModel is the masked-token speed model of S tokens of T
// features used by pelab bench for netsim (S 64, T 16) and fmri (S 360,
// T 32).
func BenchSpeedModel(S, T int, layout pe.Layout, spec pe.Spec, batch int) experiment.BenchModel {
	return benchSpeedModel(S, T, layout, spec, batch)
}

// SpeedModel implements experiment.Benchmarked: 64 nodes on the 8×8 grid,
// windows of 16 points, width 64, 4 blocks.
func (Exp) SpeedModel(spec pe.Spec, batch int) (experiment.BenchModel, error) {
	return benchSpeedModel(64, 16, pe.Grid(8, 8), spec, batch), nil
}

// SoakModel implements experiment.Benchmarked: the quick protocol's model
// and training on the 2D layout, evaluated on its held-out windows every
// EvalEvery epochs.
func (Exp) SoakModel() (experiment.BenchModel, error) {
	p := Quick()
	task := &sweep.Task{Train: &train.Data{S: 64, F: p.Window}, Layout: pe.Grid(8, 8)}
	plan, err := NewPlan(p, task, nil)
	if err != nil {
		return experiment.BenchModel{}, err
	}
	cfg := plan.Train
	cfg.Model.Layout = task.Layout
	if cfg.Model.PE, err = pe.Parse("learn-0.5"); err != nil {
		return experiment.BenchModel{}, err
	}
	perRun := DefaultConfig().Dynamics.Record / p.Window // windows per simulated run
	return experiment.BenchModel{Config: cfg, EvalN: p.TestRuns * perRun,
		EvalEvery: p.EvalEvery * (p.TrainRuns * perRun / p.Batch)}, nil
}
