package sweep

import (
	"testing"

	"github.com/pelab/pelab/pelib/train"
)

// TestTrainingLabel: a figure names the protocol as the run trained it —
// the bare name only when no flag changed it.
func TestTrainingLabel(t *testing.T) {
	p := Training{Name: "quick", LR: 1e-2, Objective: train.Masked, MaskRatio: 0.5, TestMaskRatio: 0.9, Batch: 32, Epochs: 50, EvalEvery: 10}
	run := func(change func(*train.Config)) train.Config {
		c := train.Config{Optimizer: train.PaperAdam(), MaskRatio: 0.5, BatchSize: 32, Epochs: 50, EvalEvery: 10}
		c.Optimizer.LR = 1e-2
		if change != nil {
			change(&c)
		}
		return c
	}
	for _, c := range []struct {
		name  string
		run   train.Config
		extra []string
		want  string
	}{
		{"as stated", run(nil), nil, "quick protocol"},
		{"evaluated more often", run(func(c *train.Config) { c.EvalEvery = 1 }), nil, "quick protocol"},
		{"-epochs 300", run(func(c *train.Config) { c.Epochs = 300 }), nil, "quick protocol, 300 epochs"},
		{"several flags", run(func(c *train.Config) { c.Epochs, c.Optimizer.LR, c.BatchSize, c.MaskRatio = 300, 1e-3, 8, 0.3 }), nil,
			"quick protocol, 300 epochs, lr 0.001, batch 8, 30 % masked"},
		{"last batch kept", run(func(c *train.Config) { c.LastBatch = train.LastBatchKeep }), nil, "quick protocol, last batch kept"},
		{"the experiment's own", run(func(c *train.Config) { c.Epochs = 3 }), []string{"windows of 8 points"}, "quick protocol, 3 epochs, windows of 8 points"},
	} {
		if got := p.Label(c.run, c.extra...); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
