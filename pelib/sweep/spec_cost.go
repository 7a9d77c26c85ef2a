package sweep

import (
	"fmt"
	"time"
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
