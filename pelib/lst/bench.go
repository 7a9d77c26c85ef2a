package lst

import (
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/fetch"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

var (
	_ experiment.Benchmarked = Exp{}
	_ experiment.WithData    = Exp{}
)

// Dataset implements experiment.WithData.
func (Exp) Dataset() fetch.Dataset { return Dataset() }

// The paper's LST protocol, for the per-epoch and whole-sweep columns of
// pelab bench: 8,100 training puzzles in batches of 128 (63 steps per
// epoch); 21 conditions × 15 seeds × 4,000 epochs.
const (
	paperTrainPuzzles = 8100
	paperSweepModels  = 21 * 15
	paperSweepEpochs  = 4000
)

// SpeedModel implements experiment.Benchmarked: the paper's model
// (model.PaperLST) and optimiser at batch size batch.
func (Exp) SpeedModel(spec pe.Spec, batch int) (experiment.BenchModel, error) {
	return experiment.BenchModel{
		Config:        train.Config{Model: model.PaperLST(spec), Optimizer: train.PaperAdam(), BatchSize: batch},
		StepsPerEpoch: paperTrainPuzzles / 128, SweepModels: paperSweepModels, SweepEpochs: paperSweepEpochs,
	}, nil
}

// SoakModel implements experiment.Benchmarked: the quick protocol's model
// and training, evaluated on 900 puzzles (the test set's size) every
// EvalEvery epochs.
func (Exp) SoakModel() (experiment.BenchModel, error) {
	p := Quick()
	lay := pe.Grid(Side, Side)
	cfg := NewPlan(p, &sweep.Task{Layout: lay}, nil).Train
	cfg.Model.Layout = lay
	var err error
	if cfg.Model.PE, err = pe.Parse("learn-0.5"); err != nil {
		return experiment.BenchModel{}, err
	}
	return experiment.BenchModel{Config: cfg, EvalN: 900, EvalEvery: p.EvalEvery * (paperTrainPuzzles / p.Batch)}, nil
}
