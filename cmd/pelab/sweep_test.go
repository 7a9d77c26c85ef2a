package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/fetch"
	"github.com/pelab/pelab/pelib/sweep"
)

// specPlans builds the plans of spec src through the registry, as pelab
// sweep does.
func specPlans(t *testing.T, src string) ([]*sweep.Plan, map[*sweep.Plan]*experiment.Built, error) {
	t.Helper()
	s, err := sweep.ParseSpec("s.toml", src)
	if err != nil {
		t.Fatal(err)
	}
	e, err := experiment.Get(s.Experiment)
	if err != nil {
		t.Fatal(err)
	}
	built := map[*sweep.Plan]*experiment.Built{}
	plans, err := s.Plans(specBuilder(e, built))
	return plans, built, err
}

// TestSpecBuilder checks the sweep builder of the registry on netsim (no
// data files needed): [task] options, the grid's mask ratio, conditions,
// seeds and overrides reach the plan, and every plan keeps its Built.
func TestSpecBuilder(t *testing.T) {
	plans, built, err := specPlans(t, `experiment = "netsim"
conditions = ["sinnd", "relative"]
sigmas = [0.5]
seeds = 2
[grid]
mask_ratio = [0.5, 0.7]
[overrides]
epochs = 1
k = 2
[task]
layout = "3d"
train_runs = 4
test_runs = 2
`)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) != 2 {
		t.Fatalf("%d plans, want 2", len(plans))
	}
	for i, p := range plans {
		if built[p] == nil || built[p].Options == nil || built[p].Summary == nil {
			t.Errorf("plan %d: no Built", i)
		}
		if got, want := p.Train.MaskRatio, []float64{0.5, 0.7}[i]; got != want {
			t.Errorf("plan %d: mask ratio %g, want %g", i, got, want)
		}
		if p.Task.Params["layout"] != "3d" || p.Task.Params["train_runs"] != 4 || p.Task.Params["test_runs"] != 2 {
			t.Errorf("plan %d: task params %v", i, p.Task.Params)
		}
		if p.Train.Epochs != 1 || p.Train.StepsPerCall != 2 || len(p.Seeds) != 2 || len(p.Conditions) != 3 {
			t.Errorf("plan %d: epochs %d k %d seeds %v conditions %d", i, p.Train.Epochs, p.Train.StepsPerCall, p.Seeds, len(p.Conditions))
		}
		if p.Conditions[1].Name != "shaw" || p.Conditions[1].PE.String() != "shaw:normal:1" {
			t.Errorf("netsim relative (a deprecated alias) = %s %s, want shaw (its canonical name) shaw:normal:1", p.Conditions[1].Name, p.Conditions[1].PE)
		}
	}
	for _, tc := range []struct{ src, want string }{
		{"experiment = \"netsim\"\nconditions = [\"sinnd\"]\n[task]\nlayout = \"4d\"", `variant "": line 4: [task] netsim: unknown layout "4d"`},
		{"experiment = \"netsim\"\nconditions = [\"sinnd\"]\n[task]\nlayuot = \"3d\"", `line 4: [task] unknown option "layuot" for experiment netsim`},
		{"experiment = \"netsim\"\nprotocol = \"full\"\nconditions = [\"sinnd\"]", `line 2: netsim: unknown protocol "full" (want quick or paper)`},
		{"experiment = \"netsim\"\nconditions = [\"learn-0\"]", `line 2: item 1: netsim: condition "learn-0"`},
		{"experiment = \"netsim\"\nconditions = [\"sinnd\"]\nseeds = 16", `line 3: seed count 16: the experiment lists only 15 seeds`},
		{"experiment = \"lst\"\nconditions = [\"2d-fixed\"]\n[grid]\nmask_ratio = [0.5]", `line 4: [grid] lst: a classification task has no mask ratio`},
		{"experiment = \"netsim\"\nconditions = [\"sinnd\"]\n[task]\nlayout = 3", `line 4: [task] layout = 3: want a string`},
	} {
		if _, _, err := specPlans(t, tc.src); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one containing %q", tc.src, err, tc.want)
		}
	}
}

// TestRegistry checks that pelab registers one command per experiment and
// that every experiment's defaults parse in its vocabulary.
func TestRegistry(t *testing.T) {
	if got := strings.Join(experiment.Names(), ","); got != "fmri,lst,netsim,tokens" {
		t.Errorf("experiments %s, want fmri,lst,netsim,tokens", got)
	}
	for _, e := range experiment.All() {
		if _, ok := commands[e.Name()]; !ok {
			t.Errorf("no command %s", e.Name())
		}
		for _, p := range e.Protocols() {
			if _, err := e.Vocabulary().Parse(e.DefaultConditions(p)); err != nil {
				t.Errorf("%s/%s: default conditions: %v", e.Name(), p, err)
			}
		}
	}
}

// TestSpecBoundsRefused checks that sweep plan and sweep run refuse a
// grid value past its bound, naming the spec file, line and key, before
// any data is read (width = [65536] passed plan and crashed run).
func TestSpecBoundsRefused(t *testing.T) {
	// No data: were a bound lost, the command fails on the data instead
	// of training a model of that size.
	t.Setenv(shared.EnvVar, t.TempDir())
	t.Setenv(fetch.EnvVar, t.TempDir())
	dir := t.TempDir()
	for _, tc := range []struct{ name, grid, want string }{
		{"width", "width = [16, 65536]", "line 4: [grid] width = [16 65536]: item 2 (65536): want an integer 1 … 4096"},
		{"blocks", "blocks = [1000000]", "line 4: [grid] blocks = [1000000]: item 1 (1000000): want an integer 1 … 64"},
	} {
		spec := filepath.Join(dir, tc.name+".toml")
		src := "experiment = \"lst\"\nconditions = [\"learn-1\"]\n[grid]\n" + tc.grid + "\n"
		if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, sub := range []string{"plan", "run"} {
			args := []string{"sweep", sub, spec, "-out", filepath.Join(dir, "out"), "-bench-steps", "0"}
			var out, errOut bytes.Buffer
			code := runMain(args, &out, &errOut)
			if want := "pelab sweep: sweep: " + spec + " " + tc.want; code != 1 || !strings.Contains(errOut.String(), want) {
				t.Errorf("pelab %s: exit %d, stderr %q; want exit 1 and %q", strings.Join(args, " "), code, errOut.String(), want)
			}
		}
	}
}
