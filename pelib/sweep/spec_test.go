package sweep_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/pelab/pelab/pelib/sweep"
)

const exampleSpec = `
# a reduced LST sweep
experiment = "lst"
protocol   = "quick"
conditions = ["2d-fixed", "learn-0.1"]   # names with # inside "strings # ok"
sigmas     = [0.1, 2,
              0.5]                        # learn-0.1 is listed once
seeds      = [2235, 6312]
out        = "out/demo"

[grid]
width  = [8, 16]
blocks = 1

[overrides]
epochs = 2
eval_every = 1
lr = 3e-3
max_m = 4

[task]
subset = 64
data = "a \"quoted\" dir"
`

func TestParseSpec(t *testing.T) {
	s, err := sweep.ParseSpec("example.toml", exampleSpec)
	if err != nil {
		t.Fatal(err)
	}
	want := &sweep.Spec{
		File: "example.toml", Experiment: "lst", Protocol: "quick",
		Conditions: []string{"2d-fixed", "learn-0.1"}, Sigmas: []float64{0.1, 2, 0.5},
		Seeds: []int64{2235, 6312}, Out: "out/demo",
		Grid:      sweep.Grid{Width: []int{8, 16}, Blocks: []int{1}},
		Overrides: sweep.Overrides{Epochs: 2, EvalEvery: 1, LR: 3e-3, MaxM: 4},
		Task:      map[string]any{"subset": int64(64), "data": `a "quoted" dir`},
		Lines: map[string]map[string]int{
			"":          {"experiment": 3, "protocol": 4, "conditions": 5, "sigmas": 6, "seeds": 8, "out": 9},
			"grid":      {"width": 12, "blocks": 13},
			"overrides": {"epochs": 16, "eval_every": 17, "lr": 18, "max_m": 19},
			"task":      {"subset": 22, "data": 23},
		},
	}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got  %+v\nwant %+v", s, want)
	}
	if got, w := s.ConditionList(), []string{"2d-fixed", "learn-0.1", "learn-2", "learn-0.5"}; !reflect.DeepEqual(got, w) {
		t.Errorf("ConditionList = %v, want %v", got, w)
	}
	vs := s.Variants()
	if got, w := len(vs), 2; got != w {
		t.Fatalf("%d variants, want %d", got, w)
	}
	if got, w := vs[1].Name(), "w16-b1"; got != w {
		t.Errorf("variant name %q, want %q", got, w)
	}
	if n, err := s.TaskInt("subset", 0); err != nil || n != 64 {
		t.Errorf("TaskInt(subset) = %d, %v; want 64", n, err)
	}
	if _, err := s.TaskString("subset", ""); err == nil {
		t.Error("TaskString of an integer: no error")
	}
	if err := s.CheckTask("subset"); err == nil || !strings.Contains(err.Error(), `"data"`) {
		t.Errorf("CheckTask: %v, want an error naming data", err)
	}
}

func TestSeedCount(t *testing.T) {
	s, err := sweep.ParseSpec("s", "experiment = \"lst\"\nconditions = \"learn-1\"\nseeds = 2\n")
	if err != nil {
		t.Fatal(err)
	}
	// A count takes the experiment's first seeds, even beyond the
	// protocol's default list.
	got, err := s.SeedsFrom([]int64{5}, []int64{5, 6, 7})
	if err != nil || !reflect.DeepEqual(got, []int64{5, 6}) {
		t.Errorf("SeedsFrom = %v, %v; want [5 6]", got, err)
	}
	if _, err := s.SeedsFrom([]int64{5}, []int64{5}); err == nil || !strings.Contains(err.Error(), "s line 3: seeds = 2: seed count 2: the experiment lists only 1 seeds (5)") {
		t.Errorf("seeds = 2 of a 1-seed experiment: %v", err)
	}
}

func TestParseSpecErrors(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"no experiment", `conditions = ["a"]`, "no experiment"},
		{"no conditions", `experiment = "lst"`, "no conditions"},
		{"unknown key", "experiment = \"lst\"\nconditions = [\"a\"]\ncondition = 1", `unknown key "condition"`},
		{"unknown table", "[grids]\nwidth = [1]", "unknown table [grids]"},
		{"bad width", "experiment = \"lst\"\nconditions = [\"a\"]\n[grid]\nwidth = [0]", "line 4: [grid] width = [0]: item 1 (0): want an integer 1 … 4096"},
		{"bad mask", "experiment = \"lst\"\nconditions = [\"a\"]\n[grid]\nmask_ratio = [1.5]", "line 4: [grid] mask_ratio = [1.5]: item 1 (1.5): want a number in (0, 1)"},
		{"string width", "experiment = \"lst\"\nconditions = [\"a\"]\n[grid]\nwidth = [\"8\"]", "list of integers"},
		{"unterminated", `experiment = "lst`, "line 1"},
		{"unclosed array", "experiment = \"lst\"\nconditions = [\"a\",", "line 2"},
		{"no equals", "experiment", "line 1"},
		{"duplicate", "experiment = \"a\"\nexperiment = \"b\"", "set twice"},
		{"nan", "experiment = \"lst\"\nconditions = [\"a\"]\nsigmas = [nan]", "want a"},
		{"negative sigma", "experiment = \"lst\"\nconditions = [\"a\"]\nsigmas = [-1]", "line 3: sigmas = [-1]: item 1 (-1): want a finite σ in (0, 1000]"},
		{"negative epochs", "experiment = \"lst\"\nconditions = [\"a\"]\n[overrides]\nepochs = -1", "line 4: [overrides] epochs = -1: want an integer 0 … 100000 (0 keeps the protocol's number of epochs)"},
		{"negative eval_every", "experiment = \"lst\"\nconditions = [\"a\"]\n[overrides]\neval_every = -5", "line 4: [overrides] eval_every = -5: want an integer 0 … 100000"},
		{"negative lr", "experiment = \"lst\"\nconditions = [\"a\"]\n[overrides]\n\nlr = -1", "line 5: [overrides] lr = -1: want 0 (the protocol's learning rate) or a number float32 holds"},
		{"negative max_m", "experiment = \"lst\"\nconditions = [\"a\"]\n[overrides]\nmax_m = -1", "line 4: [overrides] max_m = -1: want an integer 0 … 1024"},
		{"negative k", "experiment = \"lst\"\nconditions = [\"a\"]\n[overrides]\nk = -2", "line 4: [overrides] k = -2: want an integer 0 … 1024"},
		{"inf lr", "experiment = \"lst\"\nconditions = [\"a\"]\n[overrides]\nlr = 1e999", "line 4: key \"lr\": value \"1e999\""},
		{"zero seeds", "experiment = \"lst\"\nconditions = [\"a\"]\nseeds = 0", "line 3: seeds = 0: want a count ≥ 1"},
		{"duplicate seeds", "experiment = \"lst\"\nconditions = [\"a\"]\nseeds = [1, 1]", "line 3: seeds = [1 1]: seed 1 appears twice (positions 1 and 2)"},
		{"empty seeds", "experiment = \"lst\"\nconditions = [\"a\"]\nseeds = []", "line 3: seeds = []: want a count ≥ 1 or a non-empty list"},
		{"duplicate condition", "experiment = \"lst\"\nconditions = [\"a\", \"b\",\n \"a\"]", "line 2: conditions: \"a\" appears twice (items 1 and 3)"},
		{"duplicate width", "experiment = \"lst\"\nconditions = [\"a\"]\n[grid]\nwidth = [8, 16, 8]", "line 4: [grid] width = [8 16 8]: 8 appears twice (items 1 and 3)"},
		{"negative subset", "experiment = \"lst\"\nconditions = [\"a\"]\n[task]\nsubset = -5", "line 4: [task] subset = -5: want an integer ≥ 0 (0: every training puzzle)"},
		{"float subset", "experiment = \"lst\"\nconditions = [\"a\"]\n[task]\nsubset = 0.5", "line 4: [task] subset = 0.5: want an integer"},
		{"negative train_runs", "experiment = \"netsim\"\nconditions = [\"a\"]\n[task]\ntrain_runs = -1", "line 4: [task] train_runs = -1: want an integer 0 … 65536"},
		{"negative train_windows", "experiment = \"fmri\"\nconditions = [\"a\"]\n[task]\ntrain_windows = -3", "line 4: [task] train_windows = -3: want an integer ≥ 0"},
		{"unknown key line", "experiment = \"lst\"\nconditions = [\"a\"]\n[grid]\nwidht = [1]", "line 4: [grid] unknown key \"widht\""},
		{"string epochs", "experiment = \"lst\"\nconditions = [\"a\"]\n[overrides]\nepochs = \"2\"", "line 4: [overrides] epochs = 2: want an integer"},
		{"bad matmul", "experiment = \"lst\"\nconditions = [\"a\"]\n[overrides]\nmatmul = \"f16\"", "line 4: [overrides] matmul = \"f16\": model: matmul dtype"},
		{"unknown override", "experiment = \"lst\"\nconditions = [\"a\"]\n[overrides]\nepoch = 2", "line 4: [overrides] unknown key \"epoch\" at the table (want one of epochs,"},
		{"inline table", "experiment = \"lst\"\nconditions = [\"a\"]\n[task]\nx = {a = 1}", "line 4: [task] key \"x\": nested tables are not supported"},
		{"nested", "experiment = \"lst\"\nconditions = [[\"a\"]]", "nested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sweep.ParseSpec("bad.toml", tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "bad.toml") {
				t.Errorf("error %v, want one naming bad.toml and containing %q", err, tc.want)
			}
		})
	}
}

// TestPlans checks that Plans calls the builder once per variant and
// applies the width, blocks and overrides, with variant-suffixed protocols.
func TestPlans(t *testing.T) {
	s, err := sweep.ParseSpec("p.toml", exampleSpec)
	if err != nil {
		t.Fatal(err)
	}
	var seen []sweep.Variant
	plans, err := s.Plans(func(s *sweep.Spec, v sweep.Variant) (*sweep.Plan, error) {
		seen = append(seen, v)
		p := tinyPlan(t, 10)
		p.Train.EvalEvery = 5
		return p, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 2 || len(seen) != 2 {
		t.Fatalf("%d plans from %d builder calls, want 2 and 2", len(plans), len(seen))
	}
	for i, p := range plans {
		w := []int{8, 16}[i]
		if p.Train.Model.Width != w || p.Train.Model.Blocks != 1 || p.Train.Epochs != 2 || p.Train.EvalEvery != 1 ||
			p.Train.Optimizer.LR != 3e-3 || p.MaxM != 4 {
			t.Errorf("plan %d: width %d blocks %d epochs %d eval %d lr %g maxM %d; want %d 1 2 1 0.003 4", i,
				p.Train.Model.Width, p.Train.Model.Blocks, p.Train.Epochs, p.Train.EvalEvery, p.Train.Optimizer.LR, p.MaxM, w)
		}
		if want := "tiny-w" + []string{"8", "16"}[i] + "-b1"; p.Protocol != want {
			t.Errorf("plan %d: protocol %q, want %q", i, p.Protocol, want)
		}
	}
	// Different widths give different record IDs.
	c0, _ := plans[0].Cells()
	c1, _ := plans[1].Cells()
	if c0[0].ID == c1[0].ID {
		t.Error("two widths gave the same cell ID")
	}
	// A builder error names the variant.
	_, err = s.Plans(func(*sweep.Spec, sweep.Variant) (*sweep.Plan, error) { return nil, errors.New("boom") })
	if err == nil || !strings.Contains(err.Error(), "w8-b1") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("builder error: %v", err)
	}
}

// TestOverridesMatmul checks that [overrides] matmul reaches the plan
// through Overrides.Apply, as pelab's -matmul flag does.
func TestOverridesMatmul(t *testing.T) {
	s, err := sweep.ParseSpec("m.toml", "experiment = \"lst\"\nconditions = [\"a\"]\n[overrides]\nmatmul = \"bf16\"\nk = 3\n")
	if err != nil {
		t.Fatal(err)
	}
	p := tinyPlan(t, 2)
	s.Overrides.Apply(p)
	if p.Train.Model.MatmulDType != dtypes.BFloat16 || p.Train.StepsPerCall != 3 {
		t.Errorf("matmul %v, k %d; want bfloat16 and 3", p.Train.Model.MatmulDType, p.Train.StepsPerCall)
	}
	q := tinyPlan(t, 2)
	sweep.Overrides{}.Apply(q)
	if q.Train.Model.MatmulDType != dtypes.InvalidDType || q.Train.StepsPerCall != 0 {
		t.Errorf("zero overrides changed the plan: matmul %v, k %d", q.Train.Model.MatmulDType, q.Train.StepsPerCall)
	}
}

func TestEstimateCost(t *testing.T) {
	p := tinyPlan(t, 10) // N 64, batch 16: 4 steps per epoch, 40 per model
	cells, err := p.Cells()
	if err != nil {
		t.Fatal(err)
	}
	groups := sweep.Groups(cells, 0)
	c, err := sweep.EstimateCost(p, groups, 20, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c.Models != len(cells) || c.Groups != 2 || c.ModelSteps != 40*len(cells) || c.Seconds != float64(40*len(cells))/20 {
		t.Errorf("cost %+v, want %d models, 2 groups, %d model-steps, %g s", c, len(cells), 40*len(cells), float64(40*len(cells))/20)
	}
	if _, err := sweep.EstimateCost(p, groups, 0, 0); err == nil {
		t.Error("zero throughput: no error")
	}
}

// TestSpecBounds checks the upper bounds of the grid, the overrides, the
// seeds and the sigmas: a value past its bound is an error naming the
// file, line and key, before any plan is built (width = [65536] passed
// and crashed sweep run; blocks = [1000000] took 4 GiB).
func TestSpecBounds(t *testing.T) {
	const head = "experiment = \"lst\"\nconditions = [\"a\"]\n"
	manySeeds := make([]string, sweep.MaxSeeds+1)
	for i := range manySeeds {
		manySeeds[i] = fmt.Sprint(i)
	}
	for _, tc := range []struct{ name, src, want string }{
		{"width", head + "[grid]\nwidth = [8, 65536]", "bad.toml line 4: [grid] width = [8 65536]: item 2 (65536): want an integer 1 … 4096"},
		{"blocks", head + "[grid]\nblocks = [1000000]", "bad.toml line 4: [grid] blocks = [1000000]: item 1 (1000000): want an integer 1 … 64"},
		{"epochs", head + "[overrides]\nepochs = 1000000", "bad.toml line 4: [overrides] epochs = 1000000: want an integer 0 … 100000 (0 keeps the protocol's number of epochs)"},
		{"eval_every", head + "[overrides]\neval_every = 100001", "bad.toml line 4: [overrides] eval_every = 100001: want an integer 0 … 100000"},
		{"k", head + "[overrides]\nk = 5000", "bad.toml line 4: [overrides] k = 5000: want an integer 0 … 1024"},
		{"max_m", head + "[overrides]\nmax_m = 5000", "bad.toml line 4: [overrides] max_m = 5000: want an integer 0 … 1024"},
		{"seed count", head + "seeds = 5000", "bad.toml line 3: seeds = 5000: want a count 1 … 1000"},
		{"seed list", head + "seeds = [" + strings.Join(manySeeds, ",") + "]", "bad.toml line 3: seeds = ["},
		{"sigma", head + "sigmas = [0.5, 1e6]", "bad.toml line 3: sigmas = [0.5 1e+06]: item 2 (1e+06): want a finite σ in (0, 1000]"},
		{"train_runs", "experiment = \"netsim\"\nconditions = [\"a\"]\n[task]\ntrain_runs = 1000000", "bad.toml line 4: [task] train_runs = 1000000: want an integer 0 … 65536"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sweep.ParseSpec("bad.toml", tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// The bounds themselves are valid.
	src := head + "seeds = 1000\nsigmas = [1000]\n[grid]\nwidth = [4096]\nblocks = [64]\n[overrides]\nepochs = 100000\neval_every = 100000\nk = 1024\nmax_m = 1024\n"
	if _, err := sweep.ParseSpec("ok.toml", src); err != nil {
		t.Errorf("the bounds: %v", err)
	}
}

// TestSpecDepth checks that deeply nested arrays and inline tables are
// refused by a scan before the TOML decoder sees them, quickly, naming the
// line: a 40 KB spec of depth 10,000 took 4 GB and 30 s in the decoder.
func TestSpecDepth(t *testing.T) {
	deep := func(open, close string, n int) string {
		return "experiment = \"lst\"\nconditions = " + strings.Repeat(open, n) + "1" + strings.Repeat(close, n) + "\n"
	}
	for _, tc := range []struct{ name, src, want string }{
		{"arrays", deep("[", "]", 10000), "bad.toml line 2: nesting deeper than 16"},
		{"inline tables", "experiment = \"lst\"\nconditions = " + strings.Repeat("{a = ", 10000) + "1" + strings.Repeat("}", 10000), "bad.toml line 2: nesting deeper than 16"},
		{"unclosed", "experiment = \"lst\"\n\nconditions = " + strings.Repeat("[{a=", 5000), "bad.toml line 3: nesting deeper than 16"},
		{"bounded but nested", deep("[", "]", 16), "nested arrays are not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := sweep.ParseSpec("bad.toml", tc.src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
	// Brackets in strings and comments do not count; nor do table headers.
	src := "experiment = \"[[[[[[[[[[[[[[[[[[[[\"\nconditions = ['{{{{{{{{{{{{{{{{{{{{{', \"\"\"\n]]]]]]]]]]]]]]]]]]]]]\"\"\"] # [[[[[[[[[[[[[[[[[[[[[[[[\n[grid]\nwidth = [8]\n"
	if _, err := sweep.ParseSpec("ok.toml", src); err != nil {
		t.Errorf("brackets in strings and comments: %v", err)
	}
	big := "experiment = \"lst\"\nconditions = [\"a\"]\n#" + strings.Repeat("x", sweep.MaxSpecBytes) + "\n"
	if _, err := sweep.ParseSpec("big.toml", big); err == nil || !strings.Contains(err.Error(), "big.toml: ") || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a spec over MaxSpecBytes: %v", err)
	}
}
