package fmri

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// TestQuickProtocol runs the quick protocol end to end on the shared data
// (two learned σ and the no-PE model, one seed): training, the Analyze hook,
// the records and the report. The learned small-σ model must beat the zero
// baseline on the held-out subjects at both masking ratios. It takes about
// a minute and a half on ONNX Runtime on two cores; it is skipped on the
// pure Go backend (about ten times slower) and with -short.
func TestQuickProtocol(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: trains transformers over 360 tokens (-short)")
	}
	dir := shared.TestData(t, DatasetName)
	backend := testbackend.Get(t)
	if name := testbackend.Name(t); name == "go" {
		t.Skip("skipping on the pure Go backend (about 10× slower than ONNX Runtime); run with PELAB_BACKEND=onnx and -tags onnx")
	}
	start := time.Now()
	p := Quick()
	p.Seeds = p.Seeds[:1]
	task, err := NewTask(p, TaskOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	conds, err := PEConditions(QuickTestConditions)
	if err != nil {
		t.Fatal(err)
	}
	plan := NewPlan(p, task, conds)
	an, err := NewAnalyzer(task, p)
	if err != nil {
		t.Fatal(err)
	}
	store, err := results.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	sum, err := sweep.Run(context.Background(), plan, sweep.Options{Backend: backend, BackendName: testbackend.Name(t),
		Store: store, Analyze: an.Analyze, Progress: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if sum.Trained != len(conds) || sum.Diverged != 0 {
		t.Fatalf("trained %d, diverged %d of %d\n%s", sum.Trained, sum.Diverged, len(conds), log.String())
	}
	recs, _, err := store.All()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Report(recs, p.Name)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("train subjects %v, held-out %v; %s\n%s", task.Data.TrainSubjects, task.Data.TestSubjects, time.Since(start), rep.Markdown)
	for _, r := range recs {
		f := r.Final
		for _, k := range []string{"test_mse", "test90_mse", "train_mse", "zero_test_mse", "nbr_test90_mse", "mean_test_mse", "mean_test90_mse"} {
			if _, ok := f[k]; !ok {
				t.Errorf("%s: no final %s", r.Condition, k)
			}
		}
		if _, ok := f["fc_rsa"]; ok != (r.Condition != "none") {
			t.Errorf("%s: PE metrics present %t", r.Condition, ok)
		}
		if r.Condition != "learn-0.1" {
			continue
		}
		if !(f["test_mse"] < f["zero_test_mse"]-0.02) || !(f["test90_mse"] < f["zero_test90_mse"]-0.01) {
			t.Errorf("learn-0.1: held-out MSE %.4f (50 %%) and %.4f (90 %%) do not beat predicting zero (%.4f, %.4f)",
				f["test_mse"], f["test90_mse"], f["zero_test_mse"], f["zero_test90_mse"])
		}
	}
}
