package all_test

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/netsim"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/tokens"
)

// runBuilt runs a built plan into a fresh store and returns its records.
func runBuilt(t *testing.T, b *experiment.Built) []results.Record {
	t.Helper()
	be := testbackend.Get(t)
	st, err := results.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	opt, err := b.Options(st, be)
	if err != nil {
		t.Fatal(err)
	}
	opt.Backend, opt.BackendName, opt.Store = be, testbackend.Name(t), st
	sum, err := sweep.Run(context.Background(), b.Plan, opt)
	if err != nil {
		t.Fatal(err)
	}
	return sum.Records
}

// TestReproducesNetsim exports a simulated network with `netsim export`'s
// library function and checks that the tokens experiment on those files
// gives netsim's records for the same seeds and settings: the same
// windows (z-scored per run and node in float64 in the same order of
// operations, cut at the same starts, in run order), the same split (the
// held-out runs named "test-*"), the same model, masks and initialisation
// — so every metric the two records share is equal bit for bit, along
// training (train loss, held-out MSE, the geometry tracker's geo_*) and at
// the end (train_mse, test90_mse and netsim's PE geometry metrics). The
// records differ only in what one experiment has and the other has not:
// netsim's held-out sets at other couplings (g<g>_mse), and tokens' PE–FC
// and partition metrics and the data's own (fc_*, mod_*, seg_*, data_*)
// and its training loss along training (train_loss, train_mse in the
// history; train_loss among the final metrics). The exported grid's
// nearest-neighbour distance is exactly 1, so -coord-unit auto gives
// netsim's layout.
// Small on purpose (4 training runs, 2 held out, 3 epochs, one seed) so
// that it runs on the pure Go backend in about a minute.
func TestReproducesNetsim(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping: trains 2 × 5 small models; not in -short")
	}
	const conds = "learn-0.5,sinnd,ropend,none,random"
	p := netsim.Quick()
	p.TrainRuns, p.TestRuns = 4, 2
	opt, err := p.TaskOptions("2d")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ex, err := netsim.Export(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	ov := sweep.Overrides{Epochs: 3, EvalEvery: 1}
	seeds := []int64{p.Seeds[0]}
	nb, err := experiment.Build(netsim.Plugin(), experiment.Request{Conditions: conds, Seeds: seeds, Overrides: ov,
		Options: map[string]any{"train_runs": p.TrainRuns, "test_runs": p.TestRuns}})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := experiment.Build(tokens.Plugin(), experiment.Request{Conditions: conds, Seeds: seeds, Overrides: ov,
		Options: map[string]any{"coords": dir + "/coords.csv", "partition": dir + "/partition.csv", "signals": dir + "/signals",
			"test": []string{"test-*"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(tb.Info)
	if got, want := tb.Plan.Task.Train.N, nb.Plan.Task.Train.N; got != want {
		t.Fatalf("tokens has %d training windows, netsim %d", got, want)
	}
	if !slices.Equal(tb.Plan.Task.Train.X, nb.Plan.Task.Train.X) {
		t.Fatal("training windows differ")
	}
	if !slices.Equal(tb.Plan.Task.Evals[0].X, nb.Plan.Task.Evals[0].X) {
		t.Fatal("held-out windows differ")
	}
	if len(ex.Train) != p.TrainRuns || len(ex.Test) != p.TestRuns {
		t.Fatalf("exported %d + %d runs, want %d + %d", len(ex.Train), len(ex.Test), p.TrainRuns, p.TestRuns)
	}
	nr, tr := runBuilt(t, nb), runBuilt(t, tb)
	if len(nr) != len(tr) || len(nr) != 5 {
		t.Fatalf("%d netsim and %d tokens records, want 5 each", len(nr), len(tr))
	}
	byCell := map[string]results.Record{}
	for _, r := range tr {
		byCell[r.Condition] = r
	}
	// netsim's coupling sets: g3.4_mse, g4.2_loss, …
	onlyNetsim := func(k string) bool { return len(k) > 1 && k[0] == 'g' && k[1] >= '0' && k[1] <= '9' }
	onlyTokens := func(k string) bool {
		// The data's FC and partition, the interventions that permute
		// within or across the partition's networks (netsim has none), and
		// the training loss of tokens' evaluation set "train" (its
		// train_mse among the final metrics is the analyzer's, as netsim's).
		if k == tokens.EvalTrain+"_loss" {
			return true
		}
		for _, p := range []string{"fc_", "mod_", "seg", "data_", "iv_within", "iv_dwithin", "iv_across", "iv_dacross"} {
			if strings.HasPrefix(k, p) {
				return true
			}
		}
		return false
	}
	compared := 0
	for _, n := range nr {
		k, ok := byCell[n.Condition]
		if !ok {
			t.Errorf("tokens has no record of %s", n.Condition)
			continue
		}
		if n.Status != results.StatusOK || k.Status != results.StatusOK {
			t.Errorf("%s: status netsim %s, tokens %s", n.Condition, n.Status, k.Status)
		}
		if len(n.History) != len(k.History) {
			t.Errorf("%s: %d netsim history points, tokens %d", n.Condition, len(n.History), len(k.History))
			continue
		}
		for i := range n.History {
			a, b := n.History[i], k.History[i]
			if a.Step != b.Step || a.Epoch != b.Epoch {
				t.Errorf("%s: history point %d at step %d / %d", n.Condition, i, a.Step, b.Step)
			}
			for _, m := range slices.Sorted(maps.Keys(a.Metrics)) {
				v, ok := b.Metrics[m]
				switch {
				case !ok && !onlyNetsim(m):
					t.Errorf("%s: history point %d: tokens has no %s", n.Condition, i, m)
				case ok && v != a.Metrics[m]:
					t.Errorf("%s: history point %d: %s netsim %v, tokens %v", n.Condition, i, m, a.Metrics[m], v)
				case ok:
					compared++
				}
			}
		}
		for i, p := range k.History {
			_, loss := p.Metrics[tokens.EvalTrain+"_loss"]
			_, mse := p.Metrics[tokens.EvalTrain+"_mse"]
			if _, eval := p.Metrics["test_mse"]; eval && (!loss || !mse) {
				t.Errorf("%s: tokens history point %d has test_mse but no train_loss and train_mse: %v", k.Condition, i, slices.Sorted(maps.Keys(p.Metrics)))
			}
		}
		for _, m := range slices.Sorted(maps.Keys(n.Final)) {
			v, ok := k.Final[m]
			switch {
			case !ok && !onlyNetsim(m):
				t.Errorf("%s: tokens has no final %s", n.Condition, m)
			case ok && v != n.Final[m]:
				t.Errorf("%s: final %s netsim %v, tokens %v", n.Condition, m, n.Final[m], v)
			case ok:
				compared++
			}
		}
		for m := range k.Final {
			if _, ok := n.Final[m]; !ok && !onlyTokens(m) {
				t.Errorf("%s: tokens has final %s, netsim has not", n.Condition, m)
			}
		}
		if _, ok := k.Final[masked.MetricModQ]; n.Condition == "learn-0.5" && !ok {
			t.Errorf("learn-0.5: tokens has no %s (partition from partition.csv)", masked.MetricModQ)
		}
	}
	t.Logf("%d metric values compared, all equal bit for bit (%s)", compared, testbackend.Name(t))
	rep, err := tokens.Report(tr, "quick", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Markdown, "fc_rsa") {
		t.Errorf("report has no fc_rsa column:\n%s", rep.Markdown)
	}
}
