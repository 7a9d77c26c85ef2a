package sweep

import (
	"fmt"
	"time"

	"github.com/pelab/pelab/pelib/train"
)

// ModelSteps is the optimisation steps one model of p takes:
// Epochs × ⌊N/B⌋ (the engine drops the last partial batch).
func (p *Plan) ModelSteps() int {
	if p.Task == nil || p.Task.Train == nil || p.Train.BatchSize < 1 {
		return 0
	}
	return p.Train.Epochs * (p.Task.Train.N / p.Train.BatchSize)
}

// Cost is an estimate of the training time of a set of groups.
type Cost struct {
	Groups     int     // model-axis groups (one compile each)
	Models     int     // models to train
	ModelSteps int     // Σ over models of their optimisation steps
	Seconds    float64 // ModelSteps / throughput + Groups × compile time
}

// EstimateCost estimates the time to train groups of plan p at a measured
// throughput (model-steps per second, all models of a group together) and
// per-group compile time. Evaluation and analysis time are not counted.
func EstimateCost(p *Plan, groups [][]Cell, modelStepsPerSec float64, compile time.Duration) (Cost, error) {
	if !(modelStepsPerSec > 0) {
		return Cost{}, fmt.Errorf("sweep: throughput %g model-steps/s: want > 0", modelStepsPerSec)
	}
	c := Cost{Groups: len(groups)}
	for _, g := range groups {
		c.Models += len(g)
	}
	c.ModelSteps = c.Models * p.ModelSteps()
	c.Seconds = float64(c.ModelSteps)/modelStepsPerSec + float64(c.Groups)*compile.Seconds()
	return c, nil
}

// analysisSquares is the number of S×S float64 matrices an experiment's
// analysis holds at once: the data's correlation (FC), a PE's similarity,
// the tokens' distances and −distances, and the rank and permutation
// copies of the RSA and Mantel tests.
const analysisSquares = 8

// Memory estimates the peak resident memory of training and analysing the
// largest of groups (each trained as one train.Run with its own PE, so
// Shaw's relative attention counts where a group has it):
// train.EstimateMemory of that group on the task's data, plus the
// analysis's S×S matrices, 8 · analysisSquares · S² bytes. groups nil:
// the plan's own (Groups of its cells, at most MaxM models each).
func (p *Plan) Memory(groups [][]Cell) (train.Memory, error) {
	if groups == nil {
		cells, err := p.Cells()
		if err != nil {
			return train.Memory{}, err
		}
		groups = Groups(cells, p.MaxM)
	}
	data := append([]*train.Data{p.Task.Train}, p.Task.Evals...)
	var best train.Memory
	for _, g := range groups {
		cfg := p.trainConfig()
		cfg.Model.PE = g[0].Condition.PE
		est := train.EstimateMemory(cfg, len(g), data...)
		if len(best.Terms) == 0 || est.Total() > best.Total() {
			best = est
		}
	}
	if len(best.Terms) == 0 { // nothing to train: the data and runtime still count
		best = train.EstimateMemory(p.trainConfig(), 0, data...)
	}
	S := float64(p.Train.Model.Tokens)
	best.Add("S×S matrices of the analysis (data FC, PE similarity, distances, RSA and Mantel copies)",
		fmt.Sprintf("S = %d tokens", p.Train.Model.Tokens), 8*analysisSquares*S*S)
	return best, nil
}

// FitMemory checks the plan's memory estimate (Memory) against budget b
// before anything is allocated. When its largest group does not fit but
// groups of fewer models would, it lowers p.MaxM to the most models that
// fit and says so in note (models are independent, so the grouping
// changes no model's numbers, only how many train at once). It returns the
// estimate of the groups it will train, or a *train.MemoryError naming
// the largest term when even one model per group does not fit.
func (p *Plan) FitMemory(b train.MemoryBudget) (est train.Memory, note string, err error) {
	cells, err := p.Cells()
	if err != nil {
		return train.Memory{}, "", err
	}
	biggest := 0
	for _, g := range Groups(cells, p.MaxM) {
		biggest = max(biggest, len(g))
	}
	top := max(biggest, 1)
	estimate := func(m int) (train.Memory, error) { return p.Memory(Groups(cells, m)) }
	full, err := estimate(top)
	if err != nil || !b.OK || full.Total() <= b.Bytes {
		return full, "", err
	}
	// The estimate grows with the models per group: the largest m that
	// fits is found by bisection (a spec of 20,000 cells regrouped once per
	// m took minutes).
	fit, fitM := train.Memory{}, 0
	for lo, hi := 1, top-1; lo <= hi; {
		mid := (lo + hi) / 2
		est, err := estimate(mid)
		if err != nil {
			return est, "", err
		}
		if est.Total() <= b.Bytes {
			fit, fitM, lo = est, mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	if fitM > 0 {
		p.MaxM = fitM
		note = fmt.Sprintf("memory: %d models per group would need %s, more than the %s available (%s): training at most %d model(s) per group (as -max-m %d would)",
			biggest, train.FormatBytes(full.Total()), train.FormatBytes(b.Bytes), b.Source, fitM, fitM)
		return fit, note, nil
	}
	one := full
	if top > 1 {
		if one, err = estimate(1); err != nil {
			return one, "", err
		}
	}
	return one, "", train.CheckMemory(fmt.Sprintf("%s/%s with 1 model per group", p.Experiment, p.Protocol), one, b)
}
