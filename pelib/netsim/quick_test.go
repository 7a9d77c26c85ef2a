package netsim

import (
	"context"
	"testing"
	"time"

	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// Thresholds of TestQuickGeometry, from measured runs of the quick
// protocol (ONNX Runtime on the 2-core CPU; block-averaged RSA; "paper
// seeds" are the protocol's 2235, 6312, 6068, the others 100–103):
//
//	        learn-0.1                              learn-0.5          learn-2
//	2D   0.48 0.57 0.54 | 0.72 0.84 0.54          0.55 0.51 0.66     0.06 0.02 0.09 | 0.12 0.12 0.05
//	3D   0.16 0.60 0.41 | 0.29 0.54 0.40 0.36     0.47 0.53 0.37     0.01 0.06 0.05 | 0.02 0.03 0.10 0.03
//
// (paper seeds | seeds 100–10x). No σ = 2 model reached 0.13, and no
// learn-0.5 model fell below 0.37. learn-0.1 separates too, but in 3D
// one of the paper seeds is still leaving its initial state after the
// quick protocol's 400 steps (0.16: with Adam the smallest σ starts
// slowest, as the paper notes), so the test uses σ = 0.5 as its small σ
// and asks for a mean RSA ≥ 0.3, a gap ≥ 0.25 between the means, and every
// small-σ model above every σ = 2 model: a failure means the finding
// broke, not that a seed was unlucky. The held-out error follows (mean
// test MSE, paper seeds: 2D 0.82 against 0.90, 3D 0.86 against 0.89), and
// the test asks for the small-σ mean to be the lower.
const (
	quickSmall, quickLarge = "learn-0.5", "learn-2"
	quickMinGap            = 0.25
	quickMinRSA            = 0.3 // mean RSA of the small-σ models
)

// TestQuickGeometry trains a small and the largest σ of the quick protocol
// (learn-0.5 and learn-2, its 3 seeds, one model-axis group per layout) on
// the 2D and the 3D network and checks the paper's finding: with small σ
// the learned PE's similarity follows the true node distances clearly
// better than with σ = 2.0. It also checks that every record carries the
// evaluation sets and the geometry metrics, and that the report builds.
func TestQuickGeometry(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: trains the quick protocol (about a minute per layout on ONNX Runtime); not in -short")
	}
	be := testbackend.Get(t)
	if name := testbackend.Name(t); name == "go" {
		t.Skip("skipping on the pure Go backend (about ten times slower than ONNX Runtime): run with PELAB_BACKEND=onnx and -tags onnx")
	}
	for _, layout := range []string{"2d", "3d"} {
		t.Run(layout, func(t *testing.T) {
			start := time.Now()
			p := Quick()
			opt, err := p.TaskOptions(layout)
			if err != nil {
				t.Fatal(err)
			}
			task, _, err := NewTask(opt)
			if err != nil {
				t.Fatal(err)
			}
			conds, err := PEConditions(quickSmall + "," + quickLarge)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := NewPlan(p, task, conds)
			if err != nil {
				t.Fatal(err)
			}
			an, err := NewAnalyzer(task, p.TestMaskRatio)
			if err != nil {
				t.Fatal(err)
			}
			store, err := results.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			sum, err := sweep.Run(context.Background(), plan, sweep.Options{Backend: be, BackendName: testbackend.Name(t), Store: store, Analyze: an.Analyze})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Trained != 2*len(p.Seeds) || sum.Diverged != 0 {
				t.Fatalf("trained %d models (%d diverged), want %d", sum.Trained, sum.Diverged, 2*len(p.Seeds))
			}
			rsa, mse := map[string][]float64{}, map[string][]float64{}
			for _, r := range sum.Records {
				for _, k := range []string{"train_mse", "test_mse", "test90_mse", "g3.4_mse", "g4.2_mse", masked.MetricRSA, masked.MetricMantelP, masked.MetricAlignErr, masked.MetricDecodeR2, masked.MetricEffDim} {
					if _, ok := r.Final[k]; !ok {
						t.Errorf("%s seed %d: no %s", r.Condition, r.Seed, k)
					}
				}
				f := r.Final
				t.Logf("%s seed %d: rsa %.3f (Mantel p %.3f), align err %.2f, decode R² %.2f, eff. dim %.1f; mse train %.3f, test %.3f, test90 %.3f, g3.4 %.3f, g4.2 %.3f",
					r.Condition, r.Seed, f[masked.MetricRSA], f[masked.MetricMantelP], f[masked.MetricAlignErr], f[masked.MetricDecodeR2], f[masked.MetricEffDim],
					f["train_mse"], f["test_mse"], f["test90_mse"], f["g3.4_mse"], f["g4.2_mse"])
				rsa[r.Condition] = append(rsa[r.Condition], f[masked.MetricRSA])
				mse[r.Condition] = append(mse[r.Condition], f["test_mse"])
			}
			small, large := rsa[quickSmall], rsa[quickLarge]
			ms, _ := results.MeanSD(small)
			ml, _ := results.MeanSD(large)
			es, _ := results.MeanSD(mse[quickSmall])
			el, _ := results.MeanSD(mse[quickLarge])
			t.Logf("%s: mean rsa %s %.3f, %s %.3f; mean test mse %.3f, %.3f (%v)",
				layout, quickSmall, ms, quickLarge, ml, es, el, time.Since(start).Round(time.Second))
			if ms < quickMinRSA || ms-ml < quickMinGap {
				t.Errorf("%s: mean RSA %s %.3f, %s %.3f: want ≥ %g and a gap ≥ %g", layout, quickSmall, ms, quickLarge, ml, quickMinRSA, quickMinGap)
			}
			for _, a := range small {
				for _, b := range large {
					if a <= b {
						t.Errorf("%s: a %s model's RSA %.3f ≤ a %s model's %.3f", layout, quickSmall, a, quickLarge, b)
					}
				}
			}
			if !(es < el) {
				t.Errorf("%s: mean held-out MSE %s %.3f, %s %.3f: want the small σ lower", layout, quickSmall, es, quickLarge, el)
			}
			all, _, err := store.All()
			if err != nil {
				t.Fatal(err)
			}
			rep, err := Report(all, p.Name, layout)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Summaries) != 2 {
				t.Errorf("report has %d conditions, want 2", len(rep.Summaries))
			}
		})
	}
}
