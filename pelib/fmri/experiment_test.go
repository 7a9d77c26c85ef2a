package fmri

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"gonum.org/v1/gonum/mat"
)

func TestPECondition(t *testing.T) {
	for _, c := range []struct {
		name  string
		kind  pe.Kind
		sigma float64
		canon string // the canonical name; "": name
	}{
		{"learn-0.2", pe.Learned, 0.2, ""},
		{"learn-2", pe.Learned, 2, ""},
		{"sin3d", pe.SinND, 0, ""},
		{"sinnd", pe.SinND, 0, "sin3d"},
		{"rope3d", pe.RoPEND, 0, ""},
		{"relative", pe.Shaw, 0, "shaw"},
		{"none", pe.None, 0, ""},
		{"nope", pe.None, 0, "none"},
		{"random", pe.Random, 0, ""},
		{"sinnd,base=100", pe.SinND, 0, ""},
	} {
		if c.canon == "" {
			c.canon = c.name
		}
		cond, err := PECondition(c.name)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if cond.Name != c.canon || cond.PE.Kind != c.kind || (c.kind == pe.Learned && cond.PE.Sigma != c.sigma) {
			t.Errorf("%s: got %q %s σ %g, want kind %s σ %g", c.name, cond.Name, cond.PE.Kind, cond.PE.Sigma, c.kind, c.sigma)
		}
		if c.name == "relative" && cond.PE.Causal {
			t.Errorf("relative must be bidirectional (regions have no order)")
		}
	}
	for _, bad := range []string{"learn-x", "learn-0", "learn--1", "bogus", ""} {
		if _, err := PECondition(bad); err == nil {
			t.Errorf("PECondition(%q) gave no error", bad)
		}
	}
}

func TestPEConditions(t *testing.T) {
	for _, c := range []struct {
		list string
		n    int
	}{
		{"paper", len(PaperSigmas()) + 5},
		{"sigmas", len(PaperSigmas())},
		{QuickConditions, 7},
		{"learn-0.1; none", 2},
	} {
		cs, err := PEConditions(c.list)
		if err != nil || len(cs) != c.n {
			t.Errorf("PEConditions(%q): %d conditions, err %v; want %d", c.list, len(cs), err, c.n)
		}
	}
	if _, err := PEConditions(" , "); err == nil {
		t.Error("empty list gave no error")
	}
	if _, err := PEConditions("learn-0.1,bogus"); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("bad name: err %v, want one naming it", err)
	}
}

func TestProtocols(t *testing.T) {
	for _, name := range []string{"quick", "paper"} {
		p, err := protocols.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		mc, err := p.ModelConfig().Normalize()
		if err != nil {
			t.Errorf("%s: model: %v", name, err)
		}
		// The 3D PEs need D divisible by 3 (sinnd) and dh/2 by 3 (ropend).
		if mc.Width%3 != 0 || (mc.Width/mc.Heads/2)%3 != 0 {
			t.Errorf("%s: width %d with %d heads does not suit the 3D PEs", name, mc.Width, mc.Heads)
		}
		if mc.Tokens != NumRegions || mc.Features != p.T+1 || mc.Outputs != p.T {
			t.Errorf("%s: tokens, features, outputs = %d, %d, %d", name, mc.Tokens, mc.Features, mc.Outputs)
		}
	}
	if _, err := protocols.ByName("slow"); err == nil {
		t.Error("unknown protocol accepted")
	}
	for i, mut := range []func(*Protocol){
		func(p *Protocol) { p.TestSubjects = 0 },
		func(p *Protocol) { p.TestSubjects = p.Subjects },
		func(p *Protocol) { p.MaskRatio = 1 },
		func(p *Protocol) { p.TestMaskRatio = 0 },
		func(p *Protocol) { p.T = 0 },
		func(p *Protocol) { p.Permutations = 0 },
		func(p *Protocol) { p.Seeds = nil },
		func(p *Protocol) { p.TrainWindows = -1 },
	} {
		p := Quick()
		mut(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("bad protocol %d accepted", i)
		}
	}
}

func TestSelectWindows(t *testing.T) {
	w := &masked.Windows{N: 5, S: 1, T: 2, X: []float32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, Source: []int{0, 0, 0, 1, 1}, Start: []int{0, 2, 4, 0, 2}}
	got := SelectWindows(w, 2) // windows ⌊0·5/2⌋ = 0 and ⌊1·5/2⌋ = 2
	if got.N != 2 || !slices.Equal(got.X, []float32{0, 0, 2, 2}) || !slices.Equal(got.Source, []int{0, 0}) || !slices.Equal(got.Start, []int{0, 4}) {
		t.Errorf("SelectWindows(5 → 2) = %+v", got)
	}
	got = SelectWindows(w, 3) // 0, 1, 3
	if !slices.Equal(got.X, []float32{0, 0, 1, 1, 3, 3}) || !slices.Equal(got.Source, []int{0, 0, 1}) {
		t.Errorf("SelectWindows(5 → 3) = %+v", got)
	}
	for _, n := range []int{0, 5, 9} {
		if SelectWindows(w, n) != w {
			t.Errorf("SelectWindows(5 → %d) should return the windows themselves", n)
		}
	}
}

// blockData is a small synthetic data set: S = 8 regions, left 0–3 and
// right 4–7, networks [1 1 2 2 | 1 1 2 2] (homotopic regions share a
// network), network 1 near x = 0 and network 2 near x = 100 mm.
func blockData() (*Data, *mat.SymDense) {
	keys := []int{1, 1, 2, 2, 1, 1, 2, 2}
	S := len(keys)
	p := &Partition{Networks: []Network{{Key: 1}, {Key: 2}}}
	d := &Data{Partition: p}
	for i, k := range keys {
		p.Regions = append(p.Regions, Region{Network: k})
		d.Centroids = append(d.Centroids, [3]float64{100 * float64(k-1), float64(i), float64(i % 3)})
	}
	sim := mat.NewSymDense(S, nil)
	for i := range S {
		for j := i; j < S; j++ {
			if keys[i] == keys[j] {
				sim.SetSym(i, j, 1)
			}
		}
	}
	d.TrainFC = sim
	return d, sim
}

func TestSimilarityMetricsKnown(t *testing.T) {
	d, sim := blockData()
	ref, err := NewReference(d, 999, 1)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ref.SimilarityMetrics(sim, false)
	if err != nil {
		t.Fatal(err)
	}
	// Within 1, between 0: segregation 1. Degrees 3, 2m = 24, each network
	// holds degree 12: Q = (24 − 2·12²/24)/24 = 1/2. Homotopic pairs all
	// within (1), all 28 pairs: 12 within → hemi_sym = 1 − 12/28 = 4/7.
	want := map[string]float64{"seg": 1, "mod_q": 0.5, "hemi_sym": 4.0 / 7, "fc_rsa": 1}
	for k, v := range want {
		if math.Abs(m[k]-v) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	// 2·4!·4! of the 8! relabellings keep the networks: p ≈ 0.03.
	if m["fc_p"] > 0.1 || m["dist_rsa"] < 0.8 || m["dist_p"] > 0.1 {
		t.Errorf("fc_p %v, dist_rsa %v, dist_p %v: want a clear association", m["fc_p"], m["dist_rsa"], m["dist_p"])
	}
	if m["mod_pct"] < 0.9 || m["seg_pct"] < 0.9 || !(m["mod_z"] > 1.5) {
		t.Errorf("mod_pct %v, seg_pct %v, mod_z %v: want the true partition above the relabellings", m["mod_pct"], m["seg_pct"], m["mod_z"])
	}
	// The FC described as data has no fc_rsa of its own.
	dm, err := ref.DataMetrics()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := dm["data_fc_rsa"]; ok || dm["data_seg"] != 1 {
		t.Errorf("DataMetrics = %v", dm)
	}
	// A similarity with no positive entry has no modularity or
	// segregation, and that is not an error.
	neg := mat.NewSymDense(8, nil)
	for i := range 8 {
		for j := i + 1; j < 8; j++ {
			neg.SetSym(i, j, -float64(i+j+1)/20)
		}
	}
	m, err = ref.SimilarityMetrics(neg, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m["mod_q"]; ok {
		t.Errorf("mod_q of an all-negative similarity: %v", m["mod_q"])
	}
	if _, err := ref.SimilarityMetrics(mat.NewSymDense(5, nil), false); err == nil {
		t.Error("a 5 × 5 similarity against 8 regions gave no error")
	}
}

func TestNewReferenceErrors(t *testing.T) {
	d, _ := blockData()
	if _, err := NewReference(d, 0, 1); err == nil {
		t.Error("0 permutations accepted")
	}
	d.Centroids = d.Centroids[:7]
	if _, err := NewReference(d, 9, 1); err == nil {
		t.Error("7 centroids for 8 regions accepted")
	}
	if _, err := NewReference(&Data{}, 9, 1); err == nil {
		t.Error("empty data accepted")
	}
}

// TestPEMetricsLinear decodes centroids from a PE that is a linear function
// of them: R² 1 and error 0 mm.
func TestPEMetricsLinear(t *testing.T) {
	const S, L, D = 40, 2, 6
	keys := make([]int, S)
	p := &Partition{}
	d := &Data{Partition: p, TrainFC: mat.NewSymDense(S, nil)}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range S {
		keys[i] = 1 + i%4
		p.Regions = append(p.Regions, Region{Network: keys[i]})
		d.Centroids = append(d.Centroids, [3]float64{60 * (r.Float64() - 0.5), 80 * (r.Float64() - 0.5), 50 * (r.Float64() - 0.5)})
		for j := range i {
			d.TrainFC.SetSym(i, j, r.Float64()-0.3)
		}
		d.TrainFC.SetSym(i, i, 1)
	}
	ref, err := NewReference(d, 19, 1)
	if err != nil {
		t.Fatal(err)
	}
	table := make([]float64, L*S*D)
	for l := range L {
		for s := range S {
			c := d.Centroids[s]
			row := table[(l*S+s)*D : (l*S+s+1)*D]
			copy(row, []float64{c[0] / 10, c[1] / 10, c[2] / 10, 1 + c[0]/50 - c[1]/70, 2 - c[2]/30, 0.5})
		}
	}
	m, err := ref.PEMetrics(table, L, S, D)
	if err != nil {
		t.Fatal(err)
	}
	if m["decode_r2"] < 1-1e-9 || m["decode_err_mm"] > 1e-6 {
		t.Errorf("decode_r2 %v, decode_err_mm %v: want 1 and 0 for a linear code", m["decode_r2"], m["decode_err_mm"])
	}
	if !(m["eff_dim"] >= 1 && m["eff_dim"] <= 3+1e-9) {
		t.Errorf("eff_dim %v of a rank-3 table, want in [1, 3]", m["eff_dim"])
	}
	if _, err := ref.PEMetrics(table[:len(table)-1], L, S, D); err == nil {
		t.Error("a short table gave no error")
	}
}

func TestBaselinesKnown(t *testing.T) {
	// Every value is 2: predicting 0 costs 4; the best neighbour (r = 0.5
	// everywhere) predicts 0.5·2 = 1, costing 1, and its copy and the
	// unmasked mean cost 0.
	const N, S, T = 3, 10, 4
	w := &masked.Windows{N: N, S: S, T: T, X: make([]float32, N*S*T)}
	for i := range w.X {
		w.X[i] = 2
	}
	fc := mat.NewSymDense(S, nil)
	for i := range S {
		for j := i; j < S; j++ {
			fc.SetSym(i, j, 0.5)
		}
	}
	sets, err := HeldOutSets(N, S, 0.5, 0.9, DefaultEvalBatch)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Baselines(w, fc, sets)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"zero_test_mse": 4, "zero_test90_mse": 4, "nbr_test_mse": 1, "nbr_test90_mse": 1,
		"nbrcopy_test_mse": 0, "nbrcopy_test90_mse": 0, "mean_test_mse": 0, "mean_test90_mse": 0}
	for k, v := range want {
		if math.Abs(m[k]-v) > 1e-9 {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	if len(m) != len(want) {
		t.Errorf("%d metrics %v, want %d", len(m), m, len(want))
	}
	if _, err := HeldOutSets(N, S, 0.5, 1, DefaultEvalBatch); err == nil {
		t.Error("mask ratio 1 accepted")
	}
	if _, err := Baselines(w, fc, []EvalSet{{"test", make([]bool, 5)}}); err == nil {
		t.Error("a mask of the wrong size accepted")
	}
}

func TestReport(t *testing.T) {
	var recs []results.Record
	cfg, _ := json.Marshal(map[string]any{"protocol": "quick"})
	sigmas := []float64{0.1, 0.5, 1, 2}
	for i, s := range sigmas {
		for seed := range int64(2) {
			recs = append(recs, results.Record{
				ID: fmt.Sprintf("r%d-%d", i, seed), Experiment: Experiment, Condition: fmt.Sprintf("learn-%g", s), Seed: seed,
				Config: cfg, Status: results.StatusOK,
				Final: map[string]float64{"test_mse": 0.6 + s/10, "test90_mse": 0.8 + s/10 + float64(seed)/100, "train_mse": 0.5,
					"fc_rsa": 0.3 - s/10, "mod_q": 0.2 / s, "zero_test_mse": 1.01, "zero_test90_mse": 0.99, "nbr_test_mse": 0.8,
					"nbr_test90_mse": 0.85, "nbrcopy_test_mse": 1.1, "nbrcopy_test90_mse": 1.2, "data_mod_q": 0.3},
			})
		}
	}
	recs = append(recs, results.Record{ID: "n0", Experiment: Experiment, Condition: "none", Config: cfg, Status: results.StatusOK,
		Final: map[string]float64{"test_mse": 0.95, "test90_mse": 0.98}})
	recs = append(recs, results.Record{ID: "x0", Experiment: "lst", Condition: "learn-0.1", Config: cfg, Status: results.StatusOK})
	rep, err := Report(recs, "quick")
	if err != nil {
		t.Fatal(err)
	}
	var groups []string
	for _, s := range rep.Summaries {
		groups = append(groups, s.Group)
	}
	if !slices.Equal(groups, []string{"learn-0.1", "learn-0.5", "learn-1", "learn-2", "none"}) {
		t.Errorf("groups %v, want learned by σ then none", groups)
	}
	for k, want := range map[string]float64{"fc_rsa~sigma": -1, "mod_q~sigma": -1, "test90_mse~sigma": 1, "fc_rsa~test90_mse": -1} {
		if got, ok := rep.Correlations[k]; !ok || math.Abs(got.Rho-want) > 1e-12 {
			t.Errorf("ρ %s = %v (present %t), want %v", k, got.Rho, ok, want)
		}
	}
	if math.Abs(rep.Baselines["zero_test_mse"]-1.01) > 1e-12 {
		t.Errorf("zero baseline %v, want 1.01", rep.Baselines["zero_test_mse"])
	}
	for _, s := range []string{"| baseline: predict 0 | 1 | 1.01 | 0.99 |", "| baseline: FC neighbour, scaled | 1 | 0.8 | 0.85 |",
		"| learn-0.1 | 2 |", "| none | 1 |", "predate the unmasked-mean baseline", "fc_rsa_test",
		"**Controls missing:** no records of random", HCPAcknowledgment} {
		if !strings.Contains(rep.Markdown, s) {
			t.Errorf("report lacks %q:\n%s", s, rep.Markdown)
		}
	}
	if strings.Contains(rep.Markdown, "unmasked regions |") {
		t.Errorf("a mean-baseline row without its metrics:\n%s", rep.Markdown)
	}
	// With the mean baseline and both controls: their rows, no warning.
	for i := range recs {
		if recs[i].Experiment == Experiment && recs[i].Final != nil {
			recs[i].Final["mean_test_mse"], recs[i].Final["mean_test90_mse"] = 0.9, 0.95
		}
	}
	recs = append(recs, results.Record{ID: "rnd0", Experiment: Experiment, Condition: "random", Config: cfg, Status: results.StatusOK,
		Final: map[string]float64{"test_mse": 0.97, "test90_mse": 0.99}})
	rep, err = Report(recs, "quick")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| baseline: mean of unmasked regions | 1 | 0.9 | 0.95 |", "| random | 1 | 0.97 |", "| none | 1 | 0.95 |",
		"the engine's evaluation masks"} {
		if !strings.Contains(rep.Markdown, s) {
			t.Errorf("report lacks %q:\n%s", s, rep.Markdown)
		}
	}
	if strings.Contains(rep.Markdown, "Controls missing") {
		t.Errorf("controls reported missing:\n%s", rep.Markdown)
	}
	if got := rep.WithSection("\nREGIONS\n"); !strings.HasSuffix(got, "REGIONS\n\n"+HCPAcknowledgment+"\n") {
		t.Errorf("WithSection does not keep the acknowledgment last:\n%s", got)
	}
	if _, err := Report(recs, "paper"); err == nil {
		t.Error("a report of a protocol without records gave no error")
	}
}

func TestFindDirErrors(t *testing.T) {
	empty := t.TempDir()
	_, err := FindDir(empty)
	if err == nil || !strings.Contains(err.Error(), "pelab data fetch hcp-glasser360 --accept-terms") {
		t.Errorf("FindDir(empty) error %v, want one naming the fetch command", err)
	}
	// A folder without time series is not the data set either.
	for _, p := range []string{AtlasFile, "cabnp/" + NetworkAssignFile, "cabnp/" + PartitionLabelKey} {
		full := filepath.Join(empty, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := FindDir(empty); err == nil || !strings.Contains(err.Error(), "rest") {
		t.Errorf("FindDir(no rest/) error %v, want one naming rest/", err)
	}
	// A data set laid out (empty files: FindDir only looks), and folders a
	// new user points -data at. A folder of .h5 files, or rest/ itself,
	// was told to run pelab data fetch … --dir <that folder>, which would
	// download into the wrong place.
	ds := t.TempDir()
	for _, p := range []string{AtlasFile, "cabnp/" + NetworkAssignFile, "cabnp/" + PartitionLabelKey, "rest/sub-01.h5"} {
		full := filepath.Join(ds, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	own := t.TempDir()
	for _, n := range []string{"a.h5", "b.h5"} {
		if err := os.WriteFile(filepath.Join(own, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rest := filepath.Join(ds, "rest")
	for _, c := range []struct {
		name, dir   string
		want, never []string
	}{
		{"the data set", ds, nil, nil},
		{"empty", t.TempDir(), []string{"must hold rest/", "pelab data fetch hcp-glasser360 --accept-terms --dir"}, nil},
		{"absent", filepath.Join(own, "new"), []string{"must hold rest/", "--dir " + filepath.Join(own, "new")}, nil},
		{"rest/ itself", rest, []string{rest + " is the data set's rest/ folder", "did you mean -data " + ds + "?"}, []string{"--dir"}},
		{"a folder of .h5 files", own, []string{own + " holds 2 time-series files itself", "must hold rest/", "-test-data"}, []string{"--dir " + own}},
	} {
		got, err := FindDir(c.dir)
		if c.want == nil {
			if err != nil || got != c.dir {
				t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.dir)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q\nwant it to contain %q", c.name, err, w)
			}
		}
		for _, w := range c.never {
			if strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q\nsuggests %q", c.name, err, w)
			}
		}
	}
	// Nowhere to look: the shared folder and the cache are both absent.
	t.Setenv(shared.EnvVar, t.TempDir())
	t.Setenv("PELAB_DATA", t.TempDir())
	if _, err := FindDir(""); err == nil || !strings.Contains(err.Error(), "--accept-terms") {
		t.Errorf("FindDir(\"\") without data: %v", err)
	}
}

// TestNewTaskQuick builds the quick protocol's task on the shared data.
func TestNewTaskQuick(t *testing.T) {
	dir := shared.TestData(t, DatasetName)
	p := Quick()
	p.Stride = 8 // overlapping training windows; held-out ones must not overlap
	task, err := NewTask(p, TaskOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	d := task.Data
	if len(d.TrainSubjects) != p.Subjects-p.TestSubjects || len(d.TestSubjects) != p.TestSubjects {
		t.Fatalf("subjects %v / %v", d.TrainSubjects, d.TestSubjects)
	}
	all := append(slices.Clone(d.TrainSubjects), d.TestSubjects...)
	slices.Sort(all)
	if !slices.Equal(all, []string{"100206", "100408", "108020", "108222", "117930", "118124"}) {
		t.Errorf("subjects %v, want the first 6 in sorted order", all)
	}
	if task.Train.N != p.TrainWindows || task.Test.N != p.TestWindows || task.TrainEval.N != p.TrainEval {
		t.Errorf("windows %d / %d / %d, want %d / %d / %d", task.Train.N, task.Test.N, task.TrainEval.N, p.TrainWindows, p.TestWindows, p.TrainEval)
	}
	// 1195 points in windows of 16: 74 non-overlapping per held-out subject.
	if d.Test.N != 2*74 {
		t.Errorf("%d held-out windows before selection, want 148 (stride T)", d.Test.N)
	}
	for i := 1; i < d.Test.N; i++ {
		if d.Test.Source[i] == d.Test.Source[i-1] && d.Test.Start[i]-d.Test.Start[i-1] != p.T {
			t.Fatalf("held-out windows %d and %d overlap (starts %d, %d)", i-1, i, d.Test.Start[i-1], d.Test.Start[i])
		}
	}
	if len(task.Evals) != 2 || task.Evals[0].Name != EvalTest || task.Evals[1].Name != EvalTrain {
		t.Errorf("evaluation sets %v", task.Evals)
	}
	// Layout: centroids in units of 10 mm; L_V1 ≈ (−10.99, −84.36, 0.14) mm.
	v1 := task.Layout.Coords[0]
	if math.Abs(v1[0]+1.099) > 0.01 || math.Abs(v1[1]+8.436) > 0.01 || math.Abs(v1[2]-0.014) > 0.01 {
		t.Errorf("layout of region 0 %v, want ≈ (−1.099, −8.436, 0.014)", v1)
	}
	if task.Params["test_subjects"] != strings.Join(d.TestSubjects, ",") {
		t.Errorf("params %v", task.Params)
	}
	if _, err := NewTask(Protocol{Training: sweep.Training{Name: "bad"}}, TaskOptions{Dir: dir}); err == nil {
		t.Error("invalid protocol accepted")
	}
	p = Quick()
	p.Subjects = 50
	if _, err := NewTask(p, TaskOptions{Dir: dir}); err == nil || !strings.Contains(err.Error(), "50 subjects") {
		t.Errorf("50 subjects: %v", err)
	}
}

// TestNewTaskTestDir: held-out subjects in a folder of their own
// (TaskOptions.TestDir, -test-data) beside the data set; -test-subjects
// looked only in the data set's rest/. Every subject of the folder is held
// out; the training subjects come from rest/.
func TestNewTaskTestDir(t *testing.T) {
	dir := shared.TestData(t, DatasetName)
	held := t.TempDir()
	for _, id := range []string{"100206", "100408"} {
		name := "HCP_example_restrun1_subj" + id + "_data.h5"
		if err := os.Symlink(filepath.Join(dir, RestDir, name), filepath.Join(held, name)); err != nil {
			t.Fatal(err)
		}
	}
	p := Quick()
	p.Stride = 8 // the held-out windows are read again (testWindows), from the folder
	task, err := NewTask(p, TaskOptions{Dir: dir, TestDir: held, Subjects: []string{"108020", "108222", "117930", "118124"}})
	if err != nil {
		t.Fatal(err)
	}
	d := task.Data
	if !slices.Equal(d.TestSubjects, []string{"100206", "100408"}) || !slices.Equal(d.TrainSubjects, []string{"108020", "108222", "117930", "118124"}) {
		t.Errorf("subjects %v / %v, want the folder's two held out", d.TrainSubjects, d.TestSubjects)
	}
	if d.Test.N != 2*74 || task.Params["test_data"] != held || task.Params["split"] != "named" {
		t.Errorf("%d held-out windows (want 148), params %v", d.Test.N, task.Params)
	}
	if _, err := NewTask(p, TaskOptions{Dir: dir, TestDir: held, TestSubjects: []string{"108020"}}); err == nil || !strings.Contains(err.Error(), "held-out subject 108020 has no time series in "+held) {
		t.Errorf("a held-out subject not in the folder: %v", err)
	}
}
