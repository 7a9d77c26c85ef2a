package netsim

import (
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

var _ experiment.Benchmarked = Exp{}

// SpeedModel implements experiment.Benchmarked: 64 nodes on the 8×8 grid,
// windows of 16 points, width 64, 4 blocks.
func (Exp) SpeedModel(spec pe.Spec, batch int) (experiment.BenchModel, error) {
	return masked.BenchSpeedModel(64, 16, pe.Grid(8, 8), spec, batch), nil
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
