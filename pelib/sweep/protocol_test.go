package sweep

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/train"
)

func masked() Training {
	return Training{Name: "quick", Width: 16, Blocks: 2, Heads: 1, LR: 1e-2, Objective: train.Masked,
		MaskRatio: 0.5, TestMaskRatio: 0.9, Batch: 32, Epochs: 50, EvalEvery: 10, Seeds: ReferenceSeeds()[:3]}
}

// TestTrainingValidate checks the one validation of every experiment's
// training protocol: each field out of range is named in the message.
func TestTrainingValidate(t *testing.T) {
	if err := masked().Validate("netsim"); err != nil {
		t.Fatalf("valid protocol: %v", err)
	}
	cls := masked()
	cls.Objective, cls.MaskRatio, cls.TestMaskRatio = train.Classify, 0, 0
	if err := cls.Validate("lst"); err != nil {
		t.Fatalf("valid classification protocol: %v", err)
	}
	for _, tc := range []struct {
		mut  func(*Training)
		want string
	}{
		{func(p *Training) { p.Name = "" }, "netsim: protocol has no name"},
		{func(p *Training) { p.Heads = 0 }, `netsim: protocol "quick": width 16, blocks 2, heads 0`},
		{func(p *Training) { p.LR = math.Inf(1) }, "learning rate +Inf"},
		{func(p *Training) { p.LR = 0 }, "learning rate 0"},
		{func(p *Training) { p.Batch = 0 }, "batch 0"},
		{func(p *Training) { p.EvalEvery = -1 }, "eval every -1"},
		{func(p *Training) { p.MaxM = -1 }, "max models -1"},
		{func(p *Training) { p.Seeds = nil }, "no seeds"},
		{func(p *Training) { p.Seeds = []int64{1, 1} }, "seed 1 appears twice"},
		{func(p *Training) { p.MaskRatio = 1 }, "mask ratios 1 (train) and 0.9 (test)"},
		{func(p *Training) { p.TestMaskRatio = 0 }, "mask ratios 0.5 (train) and 0 (test)"},
		{func(p *Training) { p.Objective = train.Classify }, "in a classification protocol"},
		{func(p *Training) { p.Objective = "" }, `objective ""`},
	} {
		p := masked()
		tc.mut(&p)
		if err := p.Validate("netsim"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want one containing %q", p, err, tc.want)
		}
	}
}

func TestTrainingMaskRatioAndPlan(t *testing.T) {
	p := masked()
	if err := p.SetMaskRatio(0); err != nil || p.MaskRatio != 0.5 {
		t.Errorf("ratio 0: %v, mask %g; want the protocol's 0.5 kept", err, p.MaskRatio)
	}
	if err := p.SetMaskRatio(0.75); err != nil || p.MaskRatio != 0.75 {
		t.Errorf("ratio 0.75: %v, mask %g", err, p.MaskRatio)
	}
	cls := Training{Name: "quick", Objective: train.Classify}
	if err := cls.SetMaskRatio(0.5); !errors.Is(err, ErrNoMaskRatio) || cls.MaskRatio != 0 {
		t.Errorf("classification: %v, mask %g; want ErrNoMaskRatio", err, cls.MaskRatio)
	}
	p.MaxM = 4
	task := &Task{Name: "t"}
	conds := []Condition{{Name: "none"}}
	m := model.Config{Width: 16}
	plan := p.Plan("netsim", task, m, conds)
	want := train.Config{Model: m, Optimizer: train.PaperAdam(), Objective: train.Masked, MaskRatio: 0.75, BatchSize: 32, Epochs: 50, EvalEvery: 10}
	want.Optimizer.LR = 1e-2
	if plan.Experiment != "netsim" || plan.Protocol != "quick" || plan.Task != task || len(plan.Conditions) != 1 ||
		plan.MaxM != 4 || len(plan.Seeds) != 3 || plan.Train.Model.Width != 16 || plan.Train.Optimizer != want.Optimizer ||
		plan.Train.Objective != want.Objective || plan.Train.MaskRatio != want.MaskRatio || plan.Train.BatchSize != 32 ||
		plan.Train.Epochs != 50 || plan.Train.EvalEvery != 10 {
		t.Errorf("plan = %+v", plan)
	}
	var tp *Training = &p
	if tp.Base() != tp {
		t.Error("Base is not the training itself")
	}
}
