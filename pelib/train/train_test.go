package train

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
)

// tinyModel is a small classifier over a 2×3 grid of tokens.
func tinyModel(spec string, dt dtypes.DType) model.Config {
	s, err := pe.Parse(spec)
	if err != nil {
		panic(err)
	}
	return model.Config{
		Tokens: 6, Features: 3, Width: 8, Blocks: 2, Heads: 2, MLPRatio: 2,
		Outputs: 3, Readout: model.ReadoutToken, ReadoutToken: 5,
		GELUAfterMLP: true, LNEps: 1e-5, PE: s, Layout: pe.Grid(2, 3), DType: dt,
	}
}

// toyData is a learnable task: the label is the argmax feature of token 0.
func toyData(n int, seed uint64) *Data {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &Data{Name: "toy", N: n, S: 6, F: 3, X: make([]float32, n*6*3), Labels: make([]int32, n), Groups: make([]string, n)}
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
		d.Groups[i] = []string{"a", "b"}[i%2]
	}
	return d
}

func sigmaSpec(t *testing.T, s string) pe.Spec {
	t.Helper()
	p, err := pe.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func allParams(t *testing.T, r *Run, m int) []float64 {
	t.Helper()
	var out []float64
	for _, s := range r.specs {
		v, _, err := r.Param(m, s.Name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v...)
	}
	return out
}

func maxAbsDiff(a, b []float64) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(a[i]-b[i]))
	}
	return d
}

// TestModelAxisEqualsSingles trains three models together and each alone:
// their parameters must agree to float tolerance.
func TestModelAxisEqualsSingles(t *testing.T) {
	be := testbackend.Get(t)
	data := toyData(64, 7)
	// Float64 with Adam makes the comparison tight. ONNX Runtime has no
	// float64 Erf, so there the models run in float32; Adam's division by
	// √v amplifies float32 rounding in near-zero gradients, so there the
	// check uses SGD, whose update is linear in the gradient.
	dt, tol, opt := dtypes.Float64, 1e-9, Optimizer{Kind: "adam", LR: 1e-2}
	if !strings.HasPrefix(testbackend.Name(t), "go") {
		dt, tol, opt = dtypes.Float32, 1e-5, Optimizer{Kind: "sgd", LR: 0.05, Momentum: 0.9}
	}
	cfg := Config{Model: tinyModel("learn:0.5", dt), Optimizer: opt, BatchSize: 16, Epochs: 2}
	members := []MemberState{
		{Member: model.Member{Seed: 1, PE: sigmaSpec(t, "learn:0.1")}},
		{Member: model.Member{Seed: 2, PE: sigmaSpec(t, "learn:0.5")}},
		{Member: model.Member{Seed: 3, PE: sigmaSpec(t, "learn:2")}},
	}
	group, err := New(be, cfg, members, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := group.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	for m := range members {
		solo, err := New(be, cfg, members[m:m+1], data)
		if err != nil {
			t.Fatal(err)
		}
		if err := solo.Train(context.Background()); err != nil {
			t.Fatal(err)
		}
		a, b := allParams(t, group, m), allParams(t, solo, 0)
		if d := maxAbsDiff(a, b); d > tol {
			t.Errorf("model %d: group and solo parameters differ by %g", m, d)
		}
		// And training moved them: compare with a fresh init.
		fresh, _ := New(be, cfg, members[m:m+1], data)
		if d := maxAbsDiff(b, allParams(t, fresh, 0)); d < 1e-3 {
			t.Errorf("model %d: training changed parameters by only %g", m, d)
		}
	}
}

// TestResumeEqualsUninterrupted checkpoints halfway, resumes in a new Run
// and compares with a run that never stopped.
func TestResumeEqualsUninterrupted(t *testing.T) {
	be := testbackend.Get(t)
	data := toyData(48, 3)
	eval := toyData(20, 4)
	eval.Name = "val"
	members := []MemberState{
		{Member: model.Member{Seed: 11, PE: sigmaSpec(t, "learn:0.2")}},
		{Member: model.Member{Seed: 12, PE: sigmaSpec(t, "learn:1")}},
	}
	base := Config{Model: tinyModel("learn:0.2", dtypes.Float32), Optimizer: Optimizer{Kind: "adamw", LR: 5e-3, WeightDecay: 0.01}, BatchSize: 16, Epochs: 4, EvalEvery: 1}
	straight, err := New(be, base, members, data, eval)
	if err != nil {
		t.Fatal(err)
	}
	if err := straight.Train(context.Background()); err != nil {
		t.Fatal(err)
	}

	ck := filepath.Join(t.TempDir(), "run.ckpt")
	half := base
	half.Epochs, half.Checkpoint = 2, ck
	first, err := New(be, half, members, data, eval)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	rest := base
	rest.Checkpoint = ck
	second, err := New(be, rest, members, data, eval)
	if err != nil {
		t.Fatal(err)
	}
	if second.Epoch() != 2 {
		t.Fatalf("resumed at epoch %d, want 2", second.Epoch())
	}
	if err := second.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	for m := range members {
		if d := maxAbsDiff(allParams(t, straight, m), allParams(t, second, m)); d != 0 {
			t.Errorf("model %d: resumed parameters differ from uninterrupted by %g", m, d)
		}
		hs, hr := straight.Members()[m].History, second.Members()[m].History
		if len(hs) != 4 || len(hr) != 4 {
			t.Fatalf("histories have %d and %d points, want 4", len(hs), len(hr))
		}
		for i := range hs {
			if hs[i].Metrics["val_acc"] != hr[i].Metrics["val_acc"] || hs[i].Step != hr[i].Step {
				t.Errorf("model %d point %d: %v vs %v", m, i, hs[i], hr[i])
			}
		}
	}
	// A checkpoint of another run is refused with a clear error.
	other := rest
	other.BatchSize = 8
	if _, err := New(be, other, members, data, eval); err == nil {
		t.Error("a checkpoint of a different run was accepted")
	}
}

// TestNaNFreezesOnlyThatModel makes one model diverge (a huge learning-rate
// scale through a huge PE init) and checks the others are untouched.
func TestNaNFreezesOnlyThatModel(t *testing.T) {
	be := testbackend.Get(t)
	data := toyData(32, 5)
	cfg := Config{Model: tinyModel("learn:0.2", dtypes.Float32), Optimizer: Optimizer{Kind: "adam", LR: 1e-2}, BatchSize: 16, Epochs: 1}
	good := MemberState{Member: model.Member{Seed: 1, PE: sigmaSpec(t, "learn:0.2")}}
	bad := MemberState{Member: model.Member{Seed: 2, PE: sigmaSpec(t, "learn:1e38")}}
	r, err := New(be, cfg, []MemberState{good, bad}, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	ms := r.Members()
	if !ms[0].Alive {
		t.Errorf("the healthy model was frozen: %s", ms[0].Stopped)
	}
	if ms[1].Alive || ms[1].Stopped == "" {
		t.Errorf("the diverging model was not frozen (alive=%v, %q)", ms[1].Alive, ms[1].Stopped)
	}
	// A run with a frozen model still checkpoints and resumes.
	if err := r.SaveCheckpoint(filepath.Join(t.TempDir(), "nan.ckpt")); err != nil {
		t.Errorf("checkpoint with a diverged model: %v", err)
	}
	solo, _ := New(be, cfg, []MemberState{good}, data)
	if err := solo.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(allParams(t, r, 0), allParams(t, solo, 0)); d > 2e-3 {
		t.Errorf("the healthy model's parameters differ from its solo run by %g", d)
	}
	recs, err := r.Records(RecordInfo{Experiment: "test"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if recs[1].Status != "diverged" || recs[0].Status != "ok" {
		t.Errorf("statuses %q, %q; want ok, diverged", recs[0].Status, recs[1].Status)
	}
}

// TestLearnsToyTask checks the engine actually learns, for each optimiser.
func TestLearnsToyTask(t *testing.T) {
	be := testbackend.Get(t)
	data := toyData(256, 9)
	val := toyData(128, 10)
	val.Name = "val"
	for _, o := range []Optimizer{{Kind: "adam", LR: 1e-2}, {Kind: "adamw", LR: 1e-2, WeightDecay: 0.01, Schedule: "cosine", WarmupSteps: 4}, {Kind: "sgd", LR: 0.1, Momentum: 0.9}} {
		t.Run(o.Kind, func(t *testing.T) {
			cfg := Config{Model: tinyModel("learn:0.1", dtypes.Float32), Optimizer: o, BatchSize: 32, Epochs: 15, EvalEvery: 15}
			r, err := New(be, cfg, []MemberState{{Member: model.Member{Seed: 1, PE: sigmaSpec(t, "learn:0.1")}}}, data, val)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Train(context.Background()); err != nil {
				t.Fatal(err)
			}
			h := r.Members()[0].History
			acc := h[len(h)-1].Metrics["val_acc"]
			if acc < 0.6 {
				t.Errorf("val accuracy %.3f after training, want ≥ 0.6 (chance 0.33)", acc)
			}
			if _, ok := h[len(h)-1].Metrics["val_acc_a"]; !ok {
				t.Errorf("no per-group metric in %v", h[len(h)-1].Metrics)
			}
		})
	}
}

// TestMaskedObjective trains a masked-token regressor on sequences whose
// tokens copy one another, so masked values are predictable.
func TestMaskedObjective(t *testing.T) {
	be := testbackend.Get(t)
	r0 := rand.New(rand.NewPCG(3, 3))
	mk := func(n int, name string) *Data {
		d := &Data{Name: name, N: n, S: 6, F: 2, X: make([]float32, n*12)}
		for i := range n {
			a, b := float32(r0.NormFloat64()), float32(r0.NormFloat64())
			for s := range 6 {
				d.X[i*12+s*2], d.X[i*12+s*2+1] = a, b
			}
		}
		return d
	}
	mc := tinyModel("learn:0.2", dtypes.Float32)
	mc.Features, mc.Outputs, mc.Readout = 3, 2, model.ReadoutTokens
	cfg := Config{Model: mc, Objective: Masked, MaskRatio: 0.5, Optimizer: Optimizer{LR: 1e-2}, BatchSize: 32, Epochs: 20, EvalEvery: 20}
	val := mk(64, "val")
	r, err := New(be, cfg, []MemberState{{Member: model.Member{Seed: 4, PE: sigmaSpec(t, "learn:0.2")}}}, mk(256, "train"), val)
	if err != nil {
		t.Fatal(err)
	}
	before, err := r.Evaluate(val, EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	after, _ := r.Evaluate(val, EvalOptions{})
	hard, _ := r.Evaluate(val, EvalOptions{MaskRatio: 0.9})
	t.Logf("mse before %.3f after %.3f (90%% masked: %.3f)", before[0]["mse"], after[0]["mse"], hard[0]["mse"])
	if !(after[0]["mse"] < 0.5*before[0]["mse"]) {
		t.Errorf("masked mse %.3f → %.3f: training did not halve it", before[0]["mse"], after[0]["mse"])
	}
}

func TestBadInput(t *testing.T) {
	be := testbackend.Get(t)
	data := toyData(32, 1)
	good := Config{Model: tinyModel("learn:0.2", dtypes.Float32), Optimizer: Optimizer{LR: 1e-3}, BatchSize: 8, Epochs: 1}
	mem := []MemberState{{Member: model.Member{Seed: 1, PE: sigmaSpec(t, "learn:0.2")}}}
	cases := map[string]func() (Config, []MemberState, *Data){
		"batch larger than data": func() (Config, []MemberState, *Data) { c := good; c.BatchSize = 64; return c, mem, data },
		"bad optimizer":          func() (Config, []MemberState, *Data) { c := good; c.Optimizer.Kind = "lion"; return c, mem, data },
		"zero lr":                func() (Config, []MemberState, *Data) { c := good; c.Optimizer.LR = 0; return c, mem, data },
		"no members":             func() (Config, []MemberState, *Data) { return good, nil, data },
		"label out of range": func() (Config, []MemberState, *Data) {
			d := toyData(32, 1)
			d.Labels[3] = 7
			return good, mem, d
		},
		"wrong feature count": func() (Config, []MemberState, *Data) {
			c := good
			c.Model.Features = 4
			return c, mem, data
		},
		"structurally different member": func() (Config, []MemberState, *Data) {
			return good, []MemberState{{Member: model.Member{Seed: 1, PE: sigmaSpec(t, "sin2d")}}}, data
		},
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			c, m, d := mk()
			if _, err := New(be, c, m, d); err == nil {
				t.Error("no error")
			} else {
				t.Log(err)
			}
		})
	}
}

// TestFixedParamsStayFixed trains a model whose PE is a fixed random table
// (a non-trainable parameter): the table must not change and training must
// stay finite (a donated pass-through buffer once corrupted it on ONNX).
func TestFixedParamsStayFixed(t *testing.T) {
	be := testbackend.Get(t)
	data := toyData(64, 3)
	cfg := Config{Model: tinyModel("random", dtypes.Float32), Optimizer: Optimizer{LR: 1e-2}, BatchSize: 16, Epochs: 3}
	members := []MemberState{{Member: model.Member{Seed: 1, PE: sigmaSpec(t, "random")}}, {Member: model.Member{Seed: 2, PE: sigmaSpec(t, "random")}}}
	r, err := New(be, cfg, members, data)
	if err != nil {
		t.Fatal(err)
	}
	before0, _, _ := r.Param(0, "pe/table")
	if err := r.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	for m, ms := range r.Members() {
		if !ms.Alive {
			t.Errorf("model %d diverged: %s", m, ms.Stopped)
		}
	}
	after0, _, err := r.Param(0, "pe/table")
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(before0, after0); d != 0 {
		t.Errorf("the fixed random PE table changed by %g", d)
	}
}

// TestNoiseEvalIndependentOfGroup: a model's noisy evaluation is the same
// whether it is evaluated alone or in a group.
func TestNoiseEvalIndependentOfGroup(t *testing.T) {
	be := testbackend.Get(t)
	data := toyData(40, 8)
	cfg := Config{Model: tinyModel("learn:0.3", dtypes.Float32), Optimizer: Optimizer{LR: 1e-2}, BatchSize: 8, Epochs: 1}
	a := MemberState{Member: model.Member{Seed: 5, PE: sigmaSpec(t, "learn:0.3")}}
	b := MemberState{Member: model.Member{Seed: 6, PE: sigmaSpec(t, "learn:0.3")}}
	group, err := New(be, cfg, []MemberState{b, a}, data)
	if err != nil {
		t.Fatal(err)
	}
	solo, err := New(be, cfg, []MemberState{a}, data)
	if err != nil {
		t.Fatal(err)
	}
	opt := EvalOptions{EmbedNoise: 0.5, Seed: 3}
	g, err := group.PerSample(data, opt)
	if err != nil {
		t.Fatal(err)
	}
	s, err := solo.PerSample(data, opt)
	if err != nil {
		t.Fatal(err)
	}
	gl, _ := group.Evaluate(data, opt)
	sl, _ := solo.Evaluate(data, opt)
	if d := math.Abs(gl[1]["loss"] - sl[0]["loss"]); d > 1e-5 {
		t.Errorf("noisy loss of the same model: %g in a group, %g alone", gl[1]["loss"], sl[0]["loss"])
	}
	if len(g[1]) != len(s[0]) {
		t.Fatal("lengths differ")
	}
	clean, _ := solo.Evaluate(data, EvalOptions{})
	if clean[0]["loss"] == sl[0]["loss"] {
		t.Error("noise changed nothing")
	}
}

// TestKeptLastBatch checks Config.LastBatch "keep" against a known answer:
// three samples trained with B = 4 and the last batch kept (one batch of 3,
// padded with a row of weight 0 that repeats one of them, so an unweighted
// mean would count it twice) must train exactly as the same three samples
// with B = 3 (one full batch): same steps per epoch, same
// parameters after three epochs. It also checks the step counts of both
// modes and that dropping stays the default.
func TestKeptLastBatch(t *testing.T) {
	be := testbackend.Get(t)
	dt, tol, opt := dtypes.Float64, 1e-9, Optimizer{Kind: "adam", LR: 1e-2}
	if !strings.HasPrefix(testbackend.Name(t), "go") {
		dt, tol, opt = dtypes.Float32, 1e-5, Optimizer{Kind: "sgd", LR: 0.05}
	}
	members := []MemberState{
		{Member: model.Member{Seed: 1, PE: sigmaSpec(t, "learn:0.1")}},
		{Member: model.Member{Seed: 2, PE: sigmaSpec(t, "learn:2")}},
	}
	two := toyData(3, 5)
	kept := Config{Model: tinyModel("learn:0.5", dt), Optimizer: opt, BatchSize: 4, LastBatch: LastBatchKeep, Epochs: 3}
	full := kept
	full.BatchSize, full.LastBatch = 3, ""
	looped := kept // K steps per call: the in-graph loop where the backend has one
	looped.StepsPerCall = 2
	a, err := New(be, kept, members, two)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(be, full, members, two)
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(be, looped, members, two)
	if err != nil {
		t.Fatal(err)
	}
	if a.StepsPerEpoch() != 1 || b.StepsPerEpoch() != 1 {
		t.Fatalf("steps per epoch: kept %d, full %d; want 1 and 1", a.StepsPerEpoch(), b.StepsPerEpoch())
	}
	for _, r := range []*Run{a, b, l} {
		if err := r.Train(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for m := range members {
		pa, pb, pl := allParams(t, a, m), allParams(t, b, m), allParams(t, l, m)
		if d := maxAbsDiff(pa, pb); d > tol {
			t.Errorf("model %d: B 4 with the last batch (of 3) kept and B 3 differ by %g after 3 epochs", m, d)
		}
		if d := maxAbsDiff(pl, pb); d > tol {
			t.Errorf("model %d: the kept last batch in the in-graph loop (K 2) and B 3 differ by %g after 3 epochs", m, d)
		}
		fresh, _ := New(be, full, members[m:m+1], two)
		if d := maxAbsDiff(pb, allParams(t, fresh, 0)); d < 1e-4 {
			t.Errorf("model %d: training changed parameters by only %g", m, d)
		}
	}

	// Step counts: 10 samples at B 4 are 2 steps dropping the remainder, 3
	// keeping it; 8 samples are 2 either way (no weights then).
	cases := []struct {
		n     int
		last  string
		steps int
	}{{10, "", 2}, {10, LastBatchDrop, 2}, {10, LastBatchKeep, 3}, {8, LastBatchKeep, 2}}
	for _, c := range cases {
		cfg := kept
		cfg.LastBatch = c.last
		r, err := New(be, cfg, members[:1], toyData(c.n, 9))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.StepsPerEpoch(); got != c.steps {
			t.Errorf("N %d, B 4, last batch %q: %d steps per epoch, want %d", c.n, c.last, got, c.steps)
		}
		r.Close()
	}
	// Fewer samples than a batch is an error unless the last batch is kept.
	if _, err := New(be, full, members[:1], toyData(2, 3)); err == nil || !strings.Contains(err.Error(), "fewer than the batch size") {
		t.Errorf("N 2 < B 3 without keeping the last batch: error %v, want one about the batch size", err)
	}
	bad := kept
	bad.LastBatch = "sometimes"
	if _, err := New(be, bad, members[:1], two); err == nil || !strings.Contains(err.Error(), "LastBatch") {
		t.Errorf("LastBatch %q: error %v, want one naming LastBatch", bad.LastBatch, err)
	}
}

// TestKeptLastBatchPadding checks the inputs of the kept last batch: real
// rows carry weight 1 and the epoch's last samples in permutation order,
// padding rows weight 0.
func TestKeptLastBatchPadding(t *testing.T) {
	be := testbackend.Get(t)
	cfg := Config{Model: tinyModel("learn:0.5", dtypes.Float32), Optimizer: Optimizer{Kind: "sgd", LR: 0.01}, BatchSize: 4, LastBatch: LastBatchKeep, Epochs: 1}
	r, err := New(be, cfg, []MemberState{{Member: model.Member{Seed: 4, PE: sigmaSpec(t, "learn:0.1")}}}, toyData(10, 2))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	perm := permutation(4, 0, 10)
	idx, w := make([]int32, 4), make([]float32, 4)
	r.stepInputs(2, idx, nil, w) // step 2 of epoch 0: samples 8, 9 of the permutation
	for j := range 4 {
		wantW := float32(0)
		if j < 2 {
			wantW = 1
			if idx[j] != int32(perm[8+j]) {
				t.Errorf("row %d: sample %d, want %d (position %d of the epoch's permutation)", j, idx[j], perm[8+j], 8+j)
			}
		}
		if w[j] != wantW {
			t.Errorf("row %d: weight %g, want %g", j, w[j], wantW)
		}
	}
}
