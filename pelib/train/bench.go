package train

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/pelib/model"
)

// BenchResult is the measured training speed of M models per compiled step.
type BenchResult struct {
	M             int
	Steps         int           // timed steps (after the first, compiling one)
	Compile       time.Duration // the first step: graph build, compile and one run
	PerStep       time.Duration // mean wall time of one step of all M models
	ModelStepsSec float64       // M / PerStep
}

// Bench trains M copies of cfg.Model on random data shaped like the model's
// input and times steps optimisation steps after a first, compiling step.
// Each model gets its own seed; the PE spec is cfg.Model.PE for all.
func Bench(backend compute.Backend, cfg Config, M, steps int) (BenchResult, error) {
	mc, err := cfg.Model.Normalize()
	if err != nil {
		return BenchResult{}, err
	}
	N := max(cfg.BatchSize*4, 512)
	r := rand.New(rand.NewPCG(1, 1))
	d := &Data{Name: "bench", N: N, S: mc.Tokens, F: mc.Features, X: make([]float32, N*mc.Tokens*mc.Features)}
	if cfg.Objective == Masked {
		d.F--
		d.X = d.X[:N*mc.Tokens*d.F]
		d.Targets, d.T = make([]float32, N*mc.Tokens*mc.Outputs), mc.Outputs
	} else {
		d.Labels = make([]int32, N)
		for i := range d.Labels {
			d.Labels[i] = int32(r.IntN(mc.Outputs))
		}
	}
	for i := range d.X {
		d.X[i] = float32(r.NormFloat64())
	}
	members := make([]MemberState, M)
	for m := range members {
		members[m] = MemberState{Member: model.Member{Seed: int64(m + 1), PE: mc.PE}}
	}
	cfg.Epochs, cfg.Checkpoint, cfg.Progress = 1, "", nil
	run, err := New(backend, cfg, members, d)
	if err != nil {
		return BenchResult{}, err
	}
	t0 := time.Now()
	if err := run.Steps(1); err != nil {
		return BenchResult{}, err
	}
	compile := time.Since(t0)
	t1 := time.Now()
	if err := run.Steps(steps); err != nil {
		return BenchResult{}, err
	}
	per := time.Since(t1) / time.Duration(max(steps, 1))
	return BenchResult{M: M, Steps: steps, Compile: compile, PerStep: per,
		ModelStepsSec: float64(M) / per.Seconds()}, nil
}

// String formats one row of a bench table.
func (b BenchResult) String() string {
	return fmt.Sprintf("M=%-5d %8.1f ms/step  %9.2f ms/model-step  %9.1f model-steps/s  (first step %.1f s, %d timed)",
		b.M, ms(b.PerStep), ms(b.PerStep)/float64(b.M), b.ModelStepsSec, b.Compile.Seconds(), b.Steps)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
