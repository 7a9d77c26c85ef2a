package sweep

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/train"
)

// Training is what the training protocol of every experiment states the
// same way: the encoder's size, Adam's learning rate, the objective, the
// batch and schedule, the seeds and the models per compiled group. Each
// experiment's Protocol embeds it (so p.Width, p.Seeds … are the
// protocol's own fields) and adds its data (windows, runs, subjects);
// Validate and Plan are then the one check and the one translation into a
// sweep plan of every experiment.
type Training struct {
	Name string
	// Width, Blocks and Heads size the encoder (an experiment may round
	// the width up for its PEs, e.g. netsim.Protocol.WidthFor).
	Width, Blocks, Heads int
	// LR is Adam's learning rate (train.PaperAdam: β 0.9, 0.999, ε 1e-8,
	// no decay, no schedule).
	LR float64
	// Objective is train.Classify (MaskRatio and TestMaskRatio 0) or
	// train.Masked: MaskRatio is then the fraction of tokens masked in
	// training (and in the "test" evaluation), TestMaskRatio that of the
	// harder held-out test ("test90").
	Objective                train.Objective
	MaskRatio, TestMaskRatio float64
	Batch, Epochs, EvalEvery int
	Seeds                    []int64
	MaxM                     int // models per compiled group (0: all of a PE structure)
}

// Base returns t itself: through an embedding Protocol, the protocol's
// Training (see experiment.Setup).
func (t *Training) Base() *Training { return t }

// Validate reports the first problem with t; experiment names the
// experiment in the message ("netsim: protocol \"quick\": …").
func (t Training) Validate(experiment string) error {
	if t.Name == "" {
		return fmt.Errorf("%s: protocol has no name", experiment)
	}
	errf := func(format string, args ...any) error {
		return fmt.Errorf("%s: protocol %q: %s", experiment, t.Name, fmt.Sprintf(format, args...))
	}
	switch {
	case t.Width < 1 || t.Blocks < 1 || t.Heads < 1:
		return errf("width %d, blocks %d, heads %d: want all ≥ 1", t.Width, t.Blocks, t.Heads)
	case !(t.LR > 0) || math.IsInf(t.LR, 0):
		return errf("learning rate %g, want a finite number > 0", t.LR)
	case t.Batch < 1 || t.Epochs < 0 || t.EvalEvery < 0 || t.MaxM < 0:
		return errf("batch %d, epochs %d, eval every %d, max models %d: want batch ≥ 1, the others ≥ 0", t.Batch, t.Epochs, t.EvalEvery, t.MaxM)
	case len(t.Seeds) == 0:
		return errf("no seeds")
	}
	if err := CheckSeeds(t.Seeds); err != nil {
		return errf("%v", err)
	}
	switch t.Objective {
	case train.Classify:
		if t.MaskRatio != 0 || t.TestMaskRatio != 0 {
			return errf("mask ratios %g (train) and %g (test) in a classification protocol, want none", t.MaskRatio, t.TestMaskRatio)
		}
	case train.Masked:
		if !(t.MaskRatio > 0 && t.MaskRatio < 1) || !(t.TestMaskRatio > 0 && t.TestMaskRatio < 1) {
			return errf("mask ratios %g (train) and %g (test), want each in (0, 1)", t.MaskRatio, t.TestMaskRatio)
		}
	default:
		return errf("objective %q, want %q or %q", t.Objective, train.Classify, train.Masked)
	}
	return nil
}

// ErrNoMaskRatio is the error of a masking ratio given to a
// classification protocol.
var ErrNoMaskRatio = errors.New("a classification task has no mask ratio")

// SetMaskRatio sets the training masking ratio r > 0 (0 keeps the
// protocol's); a classification protocol has none (ErrNoMaskRatio).
func (t *Training) SetMaskRatio(r float64) error {
	switch {
	case r <= 0:
		return nil
	case t.Objective != train.Masked:
		return ErrNoMaskRatio
	}
	t.MaskRatio = r
	return nil
}

// Plan is the sweep of t over conds on task, experiment's, with the
// encoder m (the experiment's model at t's size): Adam (train.PaperAdam)
// at t.LR, t's objective, mask ratio, batch, epochs and evaluation
// interval, t's seeds and MaxM. It does not validate t.
func (t Training) Plan(experiment string, task *Task, m model.Config, conds []Condition) *Plan {
	opt := train.PaperAdam()
	opt.LR = t.LR
	return &Plan{
		Experiment: experiment, Protocol: t.Name, Task: task,
		Train: train.Config{Model: m, Optimizer: opt, Objective: t.Objective, MaskRatio: t.MaskRatio,
			BatchSize: t.Batch, Epochs: t.Epochs, EvalEvery: t.EvalEvery},
		Conditions: conds, Seeds: t.Seeds, MaxM: t.MaxM,
	}
}

// Label names the protocol t as run trained it, for figure titles: "quick
// protocol" when run (a plan's train.Config after its overrides, e.g.
// -epochs) trains as t states, else what changed after it, e.g. "quick
// protocol, 300 epochs" or "quick protocol, 300 epochs, lr 0.001, batch 8,
// 30 % masked" — never the bare name of a protocol the run did not follow.
// extra are the experiment's own changes (e.g. "windows of 8 points"),
// appended in order.
func (t Training) Label(run train.Config, extra ...string) string {
	var ch []string
	if run.Epochs != t.Epochs {
		ch = append(ch, fmt.Sprintf("%d epochs", run.Epochs))
	}
	if run.Optimizer.LR != t.LR {
		ch = append(ch, fmt.Sprintf("lr %g", run.Optimizer.LR))
	}
	if run.BatchSize != t.Batch {
		ch = append(ch, fmt.Sprintf("batch %d", run.BatchSize))
	}
	if run.MaskRatio != t.MaskRatio {
		ch = append(ch, fmt.Sprintf("%g %% masked", 100*run.MaskRatio))
	}
	if run.LastBatch == train.LastBatchKeep {
		ch = append(ch, "last batch kept")
	}
	return strings.Join(append([]string{t.Name + " protocol"}, append(ch, extra...)...), ", ")
}
