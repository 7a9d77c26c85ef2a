package fmri

import (
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/fetch"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
)

var (
	_ experiment.Benchmarked = Exp{}
	_ experiment.WithData    = Exp{}
)

// Dataset implements experiment.WithData.
func (Exp) Dataset() fetch.Dataset { return Dataset() }

// SpeedModel implements experiment.Benchmarked: 360 regions, windows of
// 32 points, width 64, 4 blocks (BenchSpeedModel).
func (Exp) SpeedModel(spec pe.Spec, batch int) (experiment.BenchModel, error) {
	return masked.BenchSpeedModel(NumRegions, 32, pe.Line(NumRegions), spec, batch), nil
}

// SoakModel implements experiment.Benchmarked: the quick protocol's model
// and training, evaluated on its held-out windows every EvalEvery epochs.
func (Exp) SoakModel() (experiment.BenchModel, error) {
	p := Quick()
	lay := pe.Line(NumRegions)
	cfg := NewPlan(p, &Task{Task: &sweep.Task{Layout: lay}}, nil).Train
	cfg.Model.Layout = lay
	var err error
	if cfg.Model.PE, err = pe.Parse("learn-0.5"); err != nil {
		return experiment.BenchModel{}, err
	}
	return experiment.BenchModel{Config: cfg, EvalN: p.TestWindows, EvalEvery: p.EvalEvery * (p.TrainWindows / p.Batch)}, nil
}
