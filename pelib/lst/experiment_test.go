package lst

import (
	"context"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

func TestPECondition(t *testing.T) {
	for name, want := range map[string]string{
		"learn-0.2":      "learn:normal:0.2",
		"learn-0.2-wd":   "learn:normal:0.2,wd=0.01",
		"2d-fixed":       "sin2d",
		"1d-fixed":       "sin1d",
		"relative":       "shaw:normal:1,causal,noout",
		"relative-bidir": "shaw:normal:1,noout",
		"nope":           "none",
		"uniform":        "learn:uniform:0:1",
		"rope2d":         "rope2d",
		"learn:xavier":   "learn:xavier",
	} {
		c, err := PECondition(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		wantName := name
		if name == "nope" {
			wantName = "none" // the canonical name (sweep.Vocabulary.CanonicalName)
		}
		if got := c.PE.String(); got != want || c.Name != wantName {
			t.Errorf("%s → %s (%s), want %s (%s)", name, got, c.Name, want, wantName)
		}
	}
	for _, bad := range []string{"learn-", "learn--1", "learn-x", "bogus", "learn-0-wd"} {
		if _, err := PECondition(bad); err == nil {
			t.Errorf("%q: no error", bad)
		} else if !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: error does not name the condition: %v", bad, err)
		}
	}
	cs, err := PEConditions("paper")
	if err != nil || len(cs) != len(PaperConditionNames()) || cs[0].PE.Kind != pe.Sin2D {
		t.Errorf("paper conditions: %d, %v", len(cs), err)
	}
}

func TestNewTask(t *testing.T) {
	dir := shared.TestData(t, "lst")
	task, err := NewTask(TaskOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if task.Train.N != 8100 || task.Evals[0].N != 900 || task.Evals[1].N != 108 {
		t.Errorf("sizes %d/%d/%d, want 8100/900/108", task.Train.N, task.Evals[0].N, task.Evals[1].N)
	}
	n := map[string]int{}
	for _, g := range task.Evals[1].Groups {
		n[g]++
	}
	if n["1vec"] != 36 || n["2vec"] != 36 || n["3vec"] != 36 {
		t.Errorf("original groups %v, want 36 each", n)
	}
	sub, err := NewTask(TaskOptions{Dir: dir, Subset: 300})
	if err != nil || sub.Train.N != 300 {
		t.Fatalf("subset: %v", err)
	}
}

// TestQuickShowsPaperDirection trains the quick protocol for σ = 0.1 and
// σ = 2.0 over two seeds (one model-axis group of four models) and checks
// the paper's finding at CI scale: the small-σ PE generalises to the 108
// original puzzles clearly better, and the Procrustes distance to the 2D
// sinusoid rank-correlates negatively with that accuracy.
func TestQuickShowsPaperDirection(t *testing.T) {
	dir := shared.TestData(t, "lst")
	be := testbackend.Get(t)
	if name := testbackend.Name(t); name == "go" || testing.Short() {
		t.Skipf("skipping: the quick protocol takes ~3 min on ONNX Runtime and ~10× that on the pure Go backend (%s); run with PELAB_BACKEND=onnx", name)
	}
	task, err := NewTask(TaskOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	p := Quick()
	p.Seeds = p.Seeds[:2]
	conds, err := PEConditions("learn-0.1,learn-2")
	if err != nil {
		t.Fatal(err)
	}
	plan := NewPlan(p, task, conds)
	store, err := results.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	an := NewAnalyzer(task)
	sum, err := sweep.Run(context.Background(), plan, sweep.Options{Backend: be, BackendName: testbackend.Name(t), Store: store, Analyze: an.Analyze})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Trained != 4 {
		t.Fatalf("trained %d models, want 4", sum.Trained)
	}
	acc := map[string]float64{}
	var proc, val []float64
	for _, r := range sum.Records {
		t.Logf("%s seed %d: val %.3f test %.3f train %.3f procrustes %.2f rsa_grid %.3f",
			r.Condition, r.Seed, r.Final["val_acc"], r.Final["test_acc"], r.Final["train_acc"], r.Final["procrustes"], r.Final["rsa_grid"])
		acc[r.Condition] += r.Final["val_acc"] / 2
		proc = append(proc, r.Final["procrustes"])
		val = append(val, r.Final["val_acc"])
	}
	if d := acc["learn-0.1"] - acc["learn-2"]; d < 0.10 {
		t.Errorf("σ=0.1 beats σ=2 on the original puzzles by %.1f points (%.3f vs %.3f), want ≥ 10", 100*d, acc["learn-0.1"], acc["learn-2"])
	}
	rt, err := analysis.SpearmanTest(proc, val)
	if err != nil {
		t.Fatal(err)
	}
	if rt.Rho >= 0 {
		t.Errorf("Spearman ρ(Procrustes distance, val accuracy) = %.2f, want < 0", rt.Rho)
	}
	rep, err := Report(sum.Records, "quick")
	if err != nil || !strings.Contains(rep.Markdown, "learn-0.1") {
		t.Errorf("report: %v", err)
	}
}
