package train

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
)

// TestStepsPerCallEqualsOne trains the same models with one step per call
// and with K steps per call (an in-graph loop where the backend has one,
// else K host calls): parameters, losses and frozen models must be equal —
// bit for bit where the backend runs one call per step, within 1e-5 where
// the loop is compiled (XLA may fuse the loop body differently). The step count is not a multiple of K and crosses epochs;
// one model diverges inside a call; the masked case also checks masks, and
// dropout checks the per-step RNG.
func TestStepsPerCallEqualsOne(t *testing.T) {
	be := testbackend.Get(t)
	masked := func() (Config, *Data) {
		mc := tinyModel("learn:0.2", dtypes.Float32)
		mc.Features, mc.Outputs, mc.Readout = 4, 3, model.ReadoutTokens
		d := toyData(40, 21)
		d.Labels = nil
		return Config{Model: mc, Objective: Masked, MaskRatio: 0.5, Optimizer: Optimizer{LR: 1e-2}, BatchSize: 8}, d
	}
	dropout := func() (Config, *Data) {
		mc := tinyModel("learn:0.2", dtypes.Float32)
		mc.Dropout = 0.1
		return Config{Model: mc, Optimizer: Optimizer{Kind: "adamw", LR: 1e-2, WeightDecay: 0.01}, BatchSize: 8}, toyData(40, 22)
	}
	classify := func() (Config, *Data) {
		return Config{Model: tinyModel("learn:0.2", dtypes.Float32), Optimizer: Optimizer{LR: 1e-2, Schedule: "cosine", WarmupSteps: 3}, BatchSize: 8}, toyData(40, 23)
	}
	cases := []struct {
		name  string
		setup func() (Config, *Data)
		bad   bool // add a model that diverges
	}{
		{"classify", classify, true},
		{"masked", masked, false},
		{"dropout", dropout, false},
	}
	const steps, K = 13, 4 // 5 steps per epoch: crosses two epoch boundaries
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, data := tc.setup()
			cfg.Epochs = 3
			members := []MemberState{
				{Member: model.Member{Seed: 1, PE: sigmaSpec(t, "learn:0.2")}},
				{Member: model.Member{Seed: 2, PE: sigmaSpec(t, "learn:1")}},
			}
			if tc.bad {
				members = append(members, MemberState{Member: model.Member{Seed: 3, PE: sigmaSpec(t, "learn:1e38")}})
			}
			run := func(k int) *Run {
				c := cfg
				c.StepsPerCall = k
				r, err := New(be, c, members, data)
				if err != nil {
					t.Fatal(err)
				}
				if err := r.Steps(steps); err != nil {
					t.Fatal(err)
				}
				return r
			}
			one, many := run(1), run(K)
			t.Logf("backend %s: %d steps per call", testbackend.Name(t), many.StepsPerCall())
			tol := 0.0
			if many.StepsPerCall() > 1 {
				tol = 1e-5
			}
			if many.Step() != steps || many.Epoch() != one.Epoch() {
				t.Errorf("K=%d: step %d epoch %d; K=1: step %d epoch %d", K, many.Step(), many.Epoch(), one.Step(), one.Epoch())
			}
			for m := range members {
				if d := maxAbsDiff(allParams(t, one, m), allParams(t, many, m)); d > tol {
					t.Errorf("model %d: K=%d parameters differ from K=1 by %g", m, K, d)
				}
				a, b := one.Members()[m], many.Members()[m]
				if a.Alive != b.Alive || a.Stopped != b.Stopped {
					t.Errorf("model %d: K=1 alive=%v %q; K=%d alive=%v %q", m, a.Alive, a.Stopped, K, b.Alive, b.Stopped)
				}
				if math.Abs(float64(one.lastLoss[m]-many.lastLoss[m])) > tol {
					t.Errorf("model %d: last loss %v (K=1) vs %v (K=%d)", m, one.lastLoss[m], many.lastLoss[m], K)
				}
			}
			if tc.bad && one.Members()[2].Alive {
				t.Error("the diverging model was not frozen")
			}
			// Training went on after the models were frozen and did move
			// the healthy ones.
			fresh, _ := New(be, cfg, members[:1], data)
			if d := maxAbsDiff(allParams(t, many, 0), allParams(t, fresh, 0)); d < 1e-3 {
				t.Errorf("K=%d training changed model 0 by only %g", K, d)
			}
		})
	}
}

// TestStepsPerCallTrain checks that Train with K steps per call (epochs
// that end in a short call, evaluations between) equals Train with one step
// per call.
func TestStepsPerCallTrain(t *testing.T) {
	be := testbackend.Get(t)
	data := toyData(48, 3)
	eval := toyData(20, 4)
	eval.Name = "val"
	members := []MemberState{{Member: model.Member{Seed: 11, PE: sigmaSpec(t, "learn:0.2")}}}
	base := Config{Model: tinyModel("learn:0.2", dtypes.Float32), Optimizer: Optimizer{LR: 5e-3}, BatchSize: 16, Epochs: 3, EvalEvery: 1}
	one, err := New(be, base, members, data, eval)
	if err != nil {
		t.Fatal(err)
	}
	if err := one.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	kc := base
	kc.StepsPerCall = 2 // 3 steps per epoch: each epoch ends with a short call
	many, err := New(be, kc, members, data, eval)
	if err != nil {
		t.Fatal(err)
	}
	if err := many.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	tol := 0.0
	if many.StepsPerCall() > 1 {
		tol = 1e-5
	}
	if d := maxAbsDiff(allParams(t, one, 0), allParams(t, many, 0)); d > tol {
		t.Errorf("K=2 parameters differ from K=1 by %g", d)
	}
	h1, hk := one.Members()[0].History, many.Members()[0].History
	for i := range h1 {
		if math.Abs(h1[i].Metrics["val_loss"]-hk[i].Metrics["val_loss"]) > tol {
			t.Errorf("eval %d: val loss %v (K=1) vs %v (K=2)", i, h1[i].Metrics["val_loss"], hk[i].Metrics["val_loss"])
		}
	}
	bad := base
	bad.StepsPerCall = -1
	if _, err := New(be, bad, members, data); err == nil {
		t.Error("StepsPerCall −1 was accepted")
	}
}

// TestLoopGraphBuilds builds and compiles the K-steps-per-call loop graph
// on the test backend for each objective, whatever the backend's own
// StepsPerCall (the pure Go backend compiles it but cannot run a gradient
// inside a loop; ONNX Runtime has no loop at all and is skipped).
func TestLoopGraphBuilds(t *testing.T) {
	be := testbackend.Get(t)
	if !be.Capabilities().Functions {
		t.Skipf("backend %s has no closures: it runs one step per call", testbackend.Name(t))
	}
	cfg, data := Config{Model: tinyModel("learn:0.2", dtypes.Float32), Optimizer: Optimizer{LR: 1e-2}, BatchSize: 8, Epochs: 1}, toyData(40, 1)
	mc := tinyModel("learn:0.2", dtypes.Float32)
	mc.Features, mc.Outputs, mc.Readout, mc.Dropout = 4, 3, model.ReadoutTokens, 0.1
	mdata := toyData(40, 2)
	mdata.Labels = nil
	mcfg := Config{Model: mc, Objective: Masked, MaskRatio: 0.5, Optimizer: Optimizer{Kind: "sgd", LR: 1e-2, Momentum: 0.9}, BatchSize: 8, Epochs: 1}
	for _, tc := range []struct {
		name string
		cfg  Config
		data *Data
	}{{"classify", cfg, data}, {"masked+dropout", mcfg, mdata}} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(be, tc.cfg, []MemberState{{Member: model.Member{Seed: 1, PE: sigmaSpec(t, "learn:0.2")}}, {Member: model.Member{Seed: 2, PE: sigmaSpec(t, "learn:1")}}}, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			r.noDonate = true
			var tmp temps
			defer tmp.release()
			args, err := r.loopArgs(5, 3, &tmp)
			if err != nil {
				t.Fatal(err)
			}
			shs := make([]shapes.Shape, len(args))
			for i, a := range args {
				shs[i] = a.(*tensors.Tensor).Shape()
			}
			ex, err := graph.NewExec(be, r.loopGraph)
			if err != nil {
				t.Fatal(err)
			}
			g, err := ex.Compile(shs...)
			if err != nil {
				t.Fatalf("loop graph: %v", err)
			}
			if n, want := g.NumParameters(), len(args); n != want {
				t.Errorf("loop graph has %d parameters, want %d", n, want)
			}
		})
	}
}

// TestMatmulBF16Accuracy trains the toy task with float32 products and with
// bfloat16 products (float32 accumulation, parameters and Adam state): the
// mean validation accuracy over 4 seeds must agree within seed noise.
func TestMatmulBF16Accuracy(t *testing.T) {
	be := testbackend.Get(t)
	if strings.HasPrefix(testbackend.Name(t), "onnx") {
		t.Skipf("backend %s removes the bf16 casts (see model.TestMatmulBF16): nothing to compare", testbackend.Name(t))
	}
	data, val := toyData(256, 9), toyData(128, 10)
	val.Name = "val"
	var members []MemberState
	for s := range int64(4) {
		members = append(members, MemberState{Member: model.Member{Seed: 100 + s, PE: sigmaSpec(t, "learn:0.1")}})
	}
	accs := map[string][]float64{}
	for _, name := range []string{"f32", "bf16"} {
		mc := tinyModel("learn:0.1", dtypes.Float32)
		if name == "bf16" {
			mc.MatmulDType = dtypes.BFloat16
		}
		cfg := Config{Model: mc, Optimizer: Optimizer{LR: 1e-2}, BatchSize: 32, Epochs: 15, EvalEvery: 15}
		r, err := New(be, cfg, members, data, val)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Train(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, m := range r.Members() {
			accs[name] = append(accs[name], m.History[len(m.History)-1].Metrics["val_acc"])
		}
	}
	m32, sd32 := results.MeanSD(accs["f32"])
	m16, sd16 := results.MeanSD(accs["bf16"])
	t.Logf("val accuracy over 4 seeds: f32 %.3f ± %.3f, bf16 %.3f ± %.3f", m32, sd32, m16, sd16)
	if m32 < 0.6 {
		t.Fatalf("f32 models did not learn the toy task (%.3f)", m32)
	}
	// Seed noise of a 4-seed mean difference, with a floor of 3 points.
	if tol := math.Max(0.03, 2*math.Sqrt((sd32*sd32+sd16*sd16)/4)); math.Abs(m16-m32) > tol {
		t.Errorf("bf16 mean accuracy %.3f differs from f32 %.3f by more than %.3f", m16, m32, tol)
	}
}

// BenchmarkPaperLSTStep times one optimisation step of M paper LST models
// (B128) on the test backend; it reports model-steps/s and TFLOP/s.
// Run: go test -run - -bench PaperLST -benchtime 5x ./pelib/train
func BenchmarkPaperLSTStep(b *testing.B) {
	be := testbackend.Get(b)
	spec, err := pe.Parse("learn:0.2")
	if err != nil {
		b.Fatal(err)
	}
	for _, M := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("M=%d", M), func(b *testing.B) {
			cfg := Config{Model: model.PaperLST(spec), Optimizer: PaperAdam(), BatchSize: 128}
			res, err := BenchWith(be, cfg, BenchOptions{M: M, Steps: b.N})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(res.ModelStepsSec, "model-steps/s")
			b.ReportMetric(res.TFLOPS, "TFLOP/s")
			b.ReportMetric(float64(res.PerStep.Nanoseconds())/float64(M), "ns/model-step")
		})
	}
}
