package sweep_test

import (
	"errors"
	"github.com/pelab/pelab/pelib/results"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// toyData is a learnable classification task on a 2×3 grid of tokens: the
// label is the argmax feature of token 0.
func toyData(name string, n int, seed uint64) *train.Data {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &train.Data{Name: name, N: n, S: 6, F: 3, X: make([]float32, n*6*3), Labels: make([]int32, n)}
	for i := range n {
		for j := range 18 {
			d.X[i*18+j] = float32(r.NormFloat64())
		}
		best := 0
		for f := 1; f < 3; f++ {
			if d.X[i*18+f] > d.X[i*18+best] {
				best = f
			}
		}
		d.Labels[i] = int32(best)
	}
	return d
}

func mustSpec(s string) pe.Spec {
	p, err := pe.Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

// tinyPlan is a 1-block width-8 sweep over two learned σ and the 2D
// sinusoid (two PE structures) × 3 seeds on 64 toy samples.
//
// The model config is normalised: Plan.Cells hashes the config as given
// while the trained run's records hash the normalised one, so an
// unnormalised config gives "record ID differs from the planned".
func tinyPlan(t testing.TB, epochs int) *sweep.Plan {
	mc, err := model.Config{Tokens: 6, Features: 3, Width: 8, Blocks: 1, Heads: 1, MLPRatio: 2, Outputs: 3,
		Readout: model.ReadoutToken, ReadoutToken: 5, GELUAfterMLP: true, LNEps: 1e-5, Layout: pe.Grid(2, 3),
		PE: mustSpec("none")}.Normalize()
	if err != nil {
		panic(err)
	}
	return &sweep.Plan{
		Experiment: "tiny", Protocol: "tiny",
		Task: &sweep.Task{Name: "toy", Train: toyData("train", 64, 1), Evals: []*train.Data{toyData("test", 32, 2)},
			Layout: pe.Grid(2, 3), Params: map[string]any{"n": 64}},
		Train: train.Config{
			Model:     mc,
			Optimizer: train.Optimizer{Kind: "adam", LR: 1e-2}, Objective: train.Classify,
			BatchSize: 16, Epochs: epochs, EvalEvery: epochs,
		},
		Conditions: []sweep.Condition{
			{Name: "learn-0.1", PE: mustSpec("learn:normal:0.1")},
			{Name: "learn-1", PE: mustSpec("learn:normal:1")},
			{Name: "sin2d", PE: mustSpec("sin2d")},
		},
		Seeds: []int64{1, 2, 3},
	}
}

// replaceFirstSHA replaces the record checksum of a store file's text with
// a different, well-formed one.
func replaceFirstSHA(t *testing.T, s string) string {
	t.Helper()
	const key = `"sha256": "`
	i := strings.Index(s, key)
	if i < 0 {
		t.Fatalf("no checksum in %q", s[:min(len(s), 200)])
	}
	i += len(key)
	c := byte('0')
	if s[i] == '0' {
		c = '1'
	}
	return s[:i] + string(c) + s[i+1:]
}

func asCorrupt(err error, ce **results.CorruptError) bool { return errors.As(err, ce) }
