package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/fmri"
	"github.com/pelab/pelab/pelib/lst"
	"github.com/pelab/pelab/pelib/netsim"
	"github.com/pelab/pelab/pelib/sweep"
)

// TestFlagValidation runs pelab with bad flag values and stray arguments:
// each must fail before any data is read or model trained, with exit status
// 2 and a message naming the flag and what it wants.
func TestFlagValidation(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.toml")
	if err := os.WriteFile(spec, []byte("experiment = \"lst\"\nconditions = [\"learn-1\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const epochs = `-epochs -1: want an integer 0 … 100000 (0 keeps the protocol's number of epochs)`
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"lst", "-epochs", "-1"}, "pelab lst: " + epochs},
		{[]string{"netsim", "-epochs", "-1"}, "pelab netsim: " + epochs},
		{[]string{"fmri", "-epochs", "-1"}, "pelab fmri: " + epochs},
		{[]string{"lst", "-lr", "NaN"}, "pelab lst: -lr NaN: want 0 (the protocol's learning rate) or a number float32 holds, 1.2e-38 … 3.4e38"},
		{[]string{"lst", "-lr", "-1"}, "pelab lst: -lr -1: want 0 (the protocol's learning rate) or a number float32 holds"},
		{[]string{"lst", "-lr", "Inf"}, "pelab lst: -lr +Inf: want 0 (the protocol's learning rate) or a number float32 holds"},
		// Finite in float64, but 0 or +Inf in float32 training.
		{[]string{"lst", "-lr", "1e-300"}, "pelab lst: -lr 1e-300: want 0 (the protocol's learning rate) or a number float32 holds"},
		{[]string{"lst", "-lr", "1e39"}, "pelab lst: -lr 1e+39: want 0 (the protocol's learning rate) or a number float32 holds"},
		{[]string{"lst", "-epochs", "1000000"}, "pelab lst: -epochs 1000000: want an integer 0 … 100000"},
		{[]string{"lst", "-max-m", "5000"}, "pelab lst: -max-m 5000: want an integer 0 … 1024"},
		{[]string{"lst", "-eval-every", "-5"}, "pelab lst: -eval-every -5: want an integer 0 … 100000 (0 keeps the protocol's evaluation interval)"},
		{[]string{"lst", "-max-m", "-1"}, "pelab lst: -max-m -1: want an integer 0 … 1024 (0 keeps the protocol's models per compiled step)"},
		{[]string{"lst", "-subset", "-5"}, "pelab lst: -subset -5: want an integer ≥ 0 (0: every training puzzle)"},
		{[]string{"lst", "-k", "-1"}, "pelab lst: -k -1: want an integer 0 … 1024 (0: one step per device call)"},
		{[]string{"netsim", "-train-runs", "-1"}, "pelab netsim: -train-runs -1: want an integer 0 … 65536"},
		{[]string{"netsim", "-test-runs", "-2"}, "pelab netsim: -test-runs -2: want an integer 0 … 65536"},
		{[]string{"netsim", "-train-runs", "2", "-out", filepath.Join(dir, "ns")}, "pelab netsim: -train-runs 2: 16 training windows (8 per run), fewer than the batch size 32: want at least 4 runs (0: the protocol's, 32)"},
		{[]string{"fmri", "-train-windows", "-3"}, "pelab fmri: -train-windows -3: want an integer ≥ 0 (0: every training window)"},
		{[]string{"fmri", "-subjects", "100206,100307,100206"}, "pelab fmri: -subjects: subject 100206 appears twice"},
		{[]string{"fmri", "-test-subjects", "100206,100206"}, "pelab fmri: -test-subjects: subject 100206 appears twice"},
		{[]string{"fmri", "-subjects", "100206,100307", "-test-subjects", "100408,100307"}, "pelab fmri: -test-subjects: fmri: held-out subject 100307 is also a training subject"},
		{[]string{"sweep", "plan", spec, "-shards", "0"}, "pelab sweep: -shards 0: want an integer 1 … 100000"},
		{[]string{"sweep", "plan", "-throughput", "NaN", spec}, "pelab sweep: -throughput NaN: want a finite number ≥ 0 (0: measure it)"},
		{[]string{"sweep", "plan", spec, "-bench-steps", "-1"}, "pelab sweep: -bench-steps -1: want an integer 0 … 10000 (0: no estimate)"},
		{[]string{"lst", "-matmul", "f16"}, "pelab lst: -matmul"},
		{[]string{"lst", "-protocol", "full"}, "pelab lst: -protocol"},
		{[]string{"lst", "-shard", "3/3"}, `pelab lst: -shard "3/3": want i/n with 0 ≤ i < n`},

		// Seeds.
		{[]string{"lst", "-seeds", "0"}, "pelab lst: -seeds 0: seed count 0: want a count ≥ 1"},
		{[]string{"lst", "-seeds", "-2"}, "pelab lst: -seeds -2: seed count -2: want a count ≥ 1"},
		{[]string{"lst", "-seeds", "16"}, "pelab lst: -seeds 16: seed count 16: the experiment lists only 15 seeds (2235,6312,"},
		{[]string{"fmri", "-seeds", "6"}, "pelab fmri: -seeds 6: seed count 6: the experiment lists only 5 seeds"},
		{[]string{"lst", "-seeds", "3,7,11"}, `pelab lst: -seeds "3,7,11": want a count n ≥ 1 (the experiment's first n seeds); for the seeds themselves use -seed-list 3,7,11`},
		{[]string{"lst", "-seeds", "x"}, `pelab lst: -seeds "x": want a count n ≥ 1`},
		{[]string{"lst", "-seed-list", "1,1"}, "pelab lst: -seed-list 1,1: seed 1 appears twice (positions 1 and 2); each seed is one model"},
		{[]string{"lst", "-seed-list", "1,x"}, `pelab lst: -seed-list "1,x": item 2 ("x") is not an integer`},
		{[]string{"lst", "-seeds", "2", "-seed-list", "3"}, "pelab lst: -seeds 2 and -seed-list 3: give one"},

		// Conditions.
		{[]string{"lst", "-pe", "learn-0.1,learn-0.10"}, `pelab lst: -pe: lst: conditions "learn-0.1" at item 1 and "learn-0.10" at item 2 are the same PE, learn:normal:0.1: give it once`},
		{[]string{"lst", "-pe", "relative,shaw,causal,noout"}, `conditions "relative" at item 1 and "shaw,causal,noout" at item 2 are the same PE`},
		{[]string{"netsim", "-pe", "sigmas,learn-0.5"}, `"learn-0.5" (from list "sigmas") at item 1 and "learn-0.5" at item 2`},
		{[]string{"lst", "-pe", "learn-0.1,bogus"}, `pelab lst: -pe: item 2: lst: condition "bogus"`},

		// Blank values (an empty shell variable) are not the default.
		{[]string{"lst", "-pe", ""}, `pelab lst: -pe "": empty (leave -pe out for the protocol's default)`},
		{[]string{"netsim", "-seed-list", " "}, `pelab netsim: -seed-list " ": empty`},
		{[]string{"fmri", "-out", ""}, `pelab fmri: -out "": empty`},

		// Stray arguments.
		{[]string{"lst", "learn-0.1", "-epochs", "1", "-out", filepath.Join(dir, "x")}, `pelab lst: unexpected argument "learn-0.1" (flags come as -name value, and none are read after an argument that is not one; did you mean -pe learn-0.1?)`},
		{[]string{"netsim", "-epochs", "1", "sin2d"}, `pelab netsim: unexpected argument "sin2d" (flags come as -name value, and none are read after an argument that is not one; did you mean -pe sin2d?)`},
		{[]string{"fmri", "extra"}, `pelab fmri: unexpected argument "extra" (flags come as -name value, and none are read after an argument that is not one)`},
		{[]string{"env", "extra"}, `pelab env: unexpected argument "extra"`},
		{[]string{"report", dir, "more"}, "pelab report: want one results directory, got 2 arguments"},
		{[]string{"sweep", "run", spec, "more"}, "pelab sweep: want one spec file, got 2 arguments"},
		{[]string{"sweep", "walk", spec}, `pelab sweep: unknown subcommand "walk"`},
		{[]string{"data", "list", "x"}, `pelab data: list takes no arguments, got "x"`},
		{[]string{"help", "foo"}, `pelab help: unknown command "foo"`},
		{[]string{"help", "lst", "extra"}, "pelab help: want at most one command, got 2 arguments (lst extra)"},
		{[]string{"lst", "-bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"lst", "-epochs", "two"}, `invalid value "two" for flag -epochs`},
	} {
		var out, errOut bytes.Buffer
		code := runMain(tc.args, &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("pelab %s: exit %d, stderr %q;\nwant exit 2 and %q", strings.Join(tc.args, " "), code, errOut.String(), tc.want)
		}
	}
}

// TestOutChecked checks that an -out that cannot hold results fails before
// any data is read (the -data folder given does not exist, so reaching it
// would give another error).
func TestOutChecked(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "s.toml")
	if err := os.WriteFile(spec, []byte("experiment = \"lst\"\nconditions = [\"learn-1\"]\n[task]\ndata = \"/nonexistent\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noData := filepath.Join(dir, "nodata")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"lst", "-data", noData, "-out", file}, "pelab lst: -out: results: " + file + " is a file, not a directory"},
		{[]string{"lst", "-data", noData, "-out", filepath.Join(file, "sub")}, "pelab lst: -out: results: cannot create directory " + filepath.Join(file, "sub")},
		{[]string{"netsim", "-out", file}, "pelab netsim: -out: results: " + file + " is a file"},
		{[]string{"fmri", "-data", noData, "-out", file}, "pelab fmri: -out: results: " + file + " is a file"},
		{[]string{"sweep", "run", spec, "-out", file}, "pelab sweep: -out: results: " + file + " is a file"},
		{[]string{"sweep", "plan", spec, "-out", file}, "pelab sweep: -out: results: " + file + " is a file"},
		{[]string{"report", dir, "-o", file}, "pelab report: -o: results: " + file + " is a file"},
		{[]string{"data", "fetch", "lst", "--dir", file}, "pelab data: --dir: results: " + file + " is a file"},
	} {
		var out, errOut bytes.Buffer
		code := runMain(tc.args, &out, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("pelab %s: exit %d, stderr %q;\nwant exit 1 and %q", strings.Join(tc.args, " "), code, errOut.String(), tc.want)
		}
	}
	if os.Geteuid() == 0 {
		t.Log("running as root, which writes through permissions: read-only -out not checked")
	} else {
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		code := runMain([]string{"lst", "-data", noData, "-out", ro}, &out, &errOut)
		if want := "pelab lst: -out: results: directory " + ro + " is not writable"; code != 1 || !strings.Contains(errOut.String(), want) {
			t.Errorf("read-only -out: exit %d, stderr %q; want 1 and %q", code, errOut.String(), want)
		}
	}
}

func TestResolveSeeds(t *testing.T) {
	all := []int64{10, 20, 30, 40}
	def := all[:2]
	for _, tc := range []struct {
		seeds, list string
		want        []int64
		err         string
	}{
		{"", "", def, ""},
		{"1", "", []int64{10}, ""},
		{"3", "", []int64{10, 20, 30}, ""}, // beyond the protocol's default, within the experiment's list
		{" 4 ", "", all, ""},
		{"5", "", nil, "-seeds 5: seed count 5: the experiment lists only 4 seeds (10,20,30,40); give the seeds themselves for more"},
		{"0", "", nil, "-seeds 0: seed count 0: want a count ≥ 1"},
		{"", "5", []int64{5}, ""}, // one explicit seed
		{"", "7, 3,11", []int64{7, 3, 11}, ""},
		{"", "-1,0", []int64{-1, 0}, ""},
		{"", "3,3", nil, "-seed-list 3,3: seed 3 appears twice"},
		{"", "3,", nil, `-seed-list "3,": item 2 ("") is not an integer`},
		{"1", "2", nil, "give one"},
	} {
		f := expFlags{seeds: tc.seeds, seedList: tc.list}
		got, err := resolveSeeds(&f, def, all)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !isUsage(err) {
				t.Errorf("-seeds %q -seed-list %q: %v, %v; want a usage error containing %q", tc.seeds, tc.list, got, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("-seeds %q -seed-list %q = %v, %v; want %v", tc.seeds, tc.list, got, err, tc.want)
		}
	}
	// Every experiment's default seeds are a prefix of its list, so a count
	// up to the default means the same seeds as before.
	for name, p := range map[string]struct{ def, all []int64 }{
		"lst quick": {lst.Quick().Seeds, sweep.ReferenceSeeds()}, "lst paper": {lst.Paper().Seeds, sweep.ReferenceSeeds()},
		"netsim quick": {netsim.Quick().Seeds, sweep.ReferenceSeeds()}, "fmri quick": {fmri.Quick().Seeds, fmri.Paper().Seeds},
	} {
		if !reflect.DeepEqual(p.def, p.all[:len(p.def)]) {
			t.Errorf("%s: default seeds %v are not a prefix of %v", name, p.def, p.all)
		}
	}
}

// resolveSeeds is the seeds of -seeds and -seed-list as a command resolves
// them: seedRequest, then Request.SeedsOf with the protocol's seeds def
// and the experiment's list all, errors named by flag.
func resolveSeeds(f *expFlags, def, all []int64) ([]int64, error) {
	seeds, n, err := f.seedRequest()
	if err != nil {
		return nil, err
	}
	got, err := experiment.Request{Seeds: seeds, SeedCount: n}.SeedsOf(def, all)
	if err != nil {
		return nil, f.flagError(err)
	}
	return got, nil
}

// TestCheckFlags checks the shared flag validation directly: set flags are
// checked against their limits, defaults (sentinels such as -1) are not.
func TestCheckFlags(t *testing.T) {
	newFS := func() *flag.FlagSet {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(new(bytes.Buffer))
		fs.Int("epochs", 0, "")
		fs.Int("train-windows", -1, "")
		fs.Float64("lr", 0, "")
		fs.String("seeds", "", "")
		fs.Int("other", 0, "")
		fs.String("pe", "", "")
		return fs
	}
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{nil, ""}, // the -1 default of -train-windows is not checked
		{[]string{"-epochs", "3", "-lr", "1e-3", "-train-windows", "0", "-seeds", "x", "-other", "-7"}, ""},
		{[]string{"-train-windows", "-1"}, "-train-windows -1: want an integer ≥ 0"},
		{[]string{"-lr", "-0.5"}, "-lr -0.5: want 0 (the protocol's learning rate) or a number float32 holds"},
		{[]string{"-lr", "1e999"}, `invalid value "1e999" for flag -lr`},
		{[]string{"-lr", "-Inf"}, "-lr -Inf: want 0 (the protocol's learning rate) or a number float32 holds"},
		{[]string{"-epochs", "1", "x"}, `unexpected argument "x"`},
		{[]string{"learn-2", "-epochs", "1"}, `unexpected argument "learn-2" (flags come as -name value, and none are read after an argument that is not one; did you mean -pe learn-2?)`},
		{[]string{"-epochs", "1", "--", "-lr"}, `unexpected argument "-lr"`},
	} {
		err := parseFlags(newFS(), tc.args)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.args, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !isUsage(err)):
			t.Errorf("%q: %v; want a usage error containing %q", tc.args, err, tc.err)
		}
	}
}

// TestPEFlag checks -pe lists: specs with commas, every experiment's named
// lists without a duplicate PE.
func TestPEFlag(t *testing.T) {
	cs, err := lst.PEConditions("learn-0.1,shaw,causal,t5,buckets=6;2d-fixed")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Name+"="+c.PE.String())
	}
	// Names are canonical (sweep.Vocabulary.CanonicalName): a spec no alias names is its pe.Spec.String().
	want := []string{"learn-0.1=learn:normal:0.1", "shaw:normal:1,causal=shaw:normal:1,causal", "t5:zeros,buckets=6=t5:zeros,buckets=6", "2d-fixed=sin2d"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("lst -pe with commas in specs: %q, want %q", got, want)
	}
	for _, tc := range []struct {
		name  string
		parse func(string) (int, error)
		lists []string
	}{
		{"lst", func(s string) (int, error) { c, err := lst.PEConditions(s); return len(c), err }, []string{"paper", "sigmas", "2d-fixed,learn-0.1,learn-0.5,learn-1,learn-2"}},
		{"netsim", func(s string) (int, error) { c, err := netsim.PEConditions(s); return len(c), err }, []string{"all", "sigmas", "quick-sigmas,sinnd,ropend,shaw,none,random"}},
		{"fmri", func(s string) (int, error) { c, err := fmri.PEConditions(s); return len(c), err }, []string{"paper", "sigmas", fmri.QuickConditions}},
	} {
		for _, l := range tc.lists {
			if n, err := tc.parse(l); err != nil || n == 0 {
				t.Errorf("%s -pe %s: %d conditions, %v", tc.name, l, n, err)
			}
		}
	}
}

// TestSubsetBelowBatch checks that an LST subset smaller than one batch is
// refused before training, on the command line and in a spec.
func TestSubsetBelowBatch(t *testing.T) {
	data := shared.TestData(t, "lst")
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	code := runMain([]string{"lst", "-data", data, "-subset", "32", "-out", dir}, &out, &errOut)
	if want := "pelab lst: -subset 32: want 0 (all puzzles) or at least the batch size, 128"; code != 2 || !strings.Contains(errOut.String(), want) {
		t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut.String(), want)
	}
	spec := filepath.Join(dir, "s.toml")
	src := "experiment = \"lst\"\nconditions = [\"learn-1\"]\n[task]\nsubset = 32\ndata = \"" + data + "\"\n"
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errOut.Reset()
	code = runMain([]string{"sweep", "plan", spec, "-bench-steps", "0", "-out", dir}, &out, &errOut)
	if want := `sweep: ` + spec + `: variant "": line 4: [task] subset = 32: want 0 (all puzzles) or at least the batch size, 128`; code != 1 || !strings.Contains(errOut.String(), want) {
		t.Errorf("spec: exit %d, stderr %q; want 1 and %q", code, errOut.String(), want)
	}
}

// TestTestSubjectsUnknown: a held-out or training subject the data set
// does not hold is a usage error naming the flag and the ID, before any
// data is read.
func TestTestSubjectsUnknown(t *testing.T) {
	data := shared.TestData(t, fmri.DatasetName)
	out := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-test-subjects", "100206,999999"}, "pelab fmri: -test-subjects: fmri: held-out subject 999999 has no time series in"},
		{[]string{"-test-subjects", "100206", "-subjects", "888888,100408"}, "pelab fmri: -subjects: fmri: training subject 888888 has no time series in"},
		{[]string{"-test-data", filepath.Join(out, "none")}, "-test-data"},
		{[]string{"-test-data", out, "-test-subjects", "100206"}, "pelab fmri: -test-subjects: fmri: held-out subject 100206 has no time series in " + out},
	} {
		args := append([]string{"fmri", "-data", data, "-out", out, "-backend", "go"}, tc.args...)
		var stdout, stderr bytes.Buffer
		code := runMain(args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("pelab %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(args, " "), code, stderr.String(), tc.want)
		}
	}
}
