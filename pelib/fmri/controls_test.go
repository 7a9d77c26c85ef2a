package fmri

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
)

// tinyWindows is N windows of S regions × T points with x[n, s, t] given by
// f.
func tinyWindows(N, S, T int, f func(n, s, t int) float32) *masked.Windows {
	w := &masked.Windows{N: N, S: S, T: T, X: make([]float32, N*S*T)}
	for n := range N {
		for s := range S {
			for t := range T {
				w.X[(n*S+s)*T+t] = f(n, s, t)
			}
		}
	}
	return w
}

func TestMeanPredictKnown(t *testing.T) {
	// 2 windows × 4 regions × 2 points, x[n, s, t] = 10n + s + 100t.
	// Window 0 masks regions 0, 1: unmasked 2, 3 average 2.5 (+100t), so
	// region 0 errs by 2.5 and region 1 by 1.5 at each t: MSE contributions
	// 6.25 and 2.25. Window 1 masks 3 only: unmasked 0, 1, 2 average
	// 11 (+100t), error 2 → 4. MSE = (2·6.25 + 2·2.25 + 2·4)/(3·2) = 25/6.
	w := tinyWindows(2, 4, 2, func(n, s, t int) float32 { return float32(10*n + s + 100*t) })
	mask := []bool{true, true, false, false, false, false, false, true}
	pred, err := MeanPredict(w, mask)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pred[0:2], []float32{2.5, 102.5}; !slices.Equal(got, want) {
		t.Errorf("window 0 region 0: %v, want %v", got, want)
	}
	if got, want := pred[(1*4+3)*2:(1*4+4)*2], []float32{11, 111}; !slices.Equal(got, want) {
		t.Errorf("window 1 region 3: %v, want %v", got, want)
	}
	if got, want := pred[(0*4+2)*2:(0*4+3)*2], w.Token(0, 2); !slices.Equal(got, want) {
		t.Errorf("unmasked token changed: %v, want %v", got, want)
	}
	mse, err := MeanMSE(w, mask)
	if err != nil || math.Abs(mse-25.0/6) > 1e-9 {
		t.Errorf("MeanMSE = %v, %v; want 25/6", mse, err)
	}
	// Per region: 0 → 6.25 (once), 1 → 2.25, 2 never masked, 3 → 4.
	rm, cnt, err := RegionMSE(w, pred, mask)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cnt, []int{1, 1, 0, 1}) || rm[0] != 6.25 || rm[1] != 2.25 || !math.IsNaN(rm[2]) || rm[3] != 4 {
		t.Errorf("RegionMSE = %v, counts %v; want [6.25 2.25 NaN 4], [1 1 0 1]", rm, cnt)
	}

	for _, tc := range []struct {
		name string
		mask []bool
	}{
		{"wrong size", make([]bool, 5)},
		{"all masked", []bool{true, true, true, true, false, false, false, true}},
	} {
		if _, err := MeanPredict(w, tc.mask); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, _, err := RegionMSE(w, pred[:3], mask); err == nil {
		t.Error("RegionMSE: a short prediction gave no error")
	}
}

// TestMeanBeatsZeroOnSharedSignal: when every region is one shared time
// course plus small independent noise, the unmasked mean predicts masked
// regions almost perfectly while predicting 0 costs the signal's power.
func TestMeanBeatsZeroOnSharedSignal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shared := make([]float32, 8*16)
	for i := range shared {
		shared[i] = float32(r.NormFloat64())
	}
	w := tinyWindows(8, 40, 16, func(n, s, t int) float32 { return shared[n*16+t] + 0.1*float32(r.NormFloat64()) })
	sets, err := HeldOutSets(w.N, w.S, 0.5, 0.9, DefaultEvalBatch)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range sets {
		mean, _ := MeanMSE(w, set.Mask)
		zero, _ := ZeroMSE(w, set.Mask)
		// Noise 0.01 per masked entry, plus the mean's own noise 0.01/|U|.
		if !(mean < 0.02) || !(zero > 0.5) {
			t.Errorf("%s: mean %v, zero %v; want mean ≈ 0.01 ≪ zero ≈ 1", set.Name, mean, zero)
		}
	}
}

func TestEvalMask(t *testing.T) {
	for _, tc := range []struct {
		n, s   int
		ratio  float64
		batch  int
		wantK  int
		differ bool // chunks of the same size draw different rows
	}{
		{5, 10, 0.5, 256, 5, false},
		{7, 10, 0.9, 3, 9, true},
		{4, 3, 0.01, 2, 1, true}, // round(0.03) = 0, clamped to 1
		{4, 3, 0.99, 2, 2, true}, // round(2.97) = 3 = S, clamped to S − 1
	} {
		m, err := EvalMask(tc.n, tc.s, tc.ratio, 7, tc.batch)
		if err != nil {
			t.Fatal(err)
		}
		for n := range tc.n {
			k := 0
			for _, v := range m[n*tc.s : (n+1)*tc.s] {
				if v {
					k++
				}
			}
			if k != tc.wantK {
				t.Errorf("%+v: window %d masks %d, want %d", tc, n, k, tc.wantK)
			}
		}
		again, _ := EvalMask(tc.n, tc.s, tc.ratio, 7, tc.batch)
		if !slices.Equal(m, again) {
			t.Errorf("%+v: not deterministic", tc)
		}
		// The engine starts every chunk's stream afresh: with one-row
		// chunks, every row is the first draw of a different counter.
		one, _ := EvalMask(tc.n, tc.s, tc.ratio, 7, 1)
		if !slices.Equal(one[:tc.s], m[:tc.s]) {
			t.Errorf("%+v: the first row depends on the chunk size", tc)
		}
	}
	for _, tc := range []struct {
		n, s  int
		ratio float64
		batch int
	}{{0, 10, 0.5, 1}, {3, 1, 0.5, 1}, {3, 10, 0, 1}, {3, 10, 1, 1}, {3, 10, 0.5, 0}} {
		if _, err := EvalMask(tc.n, tc.s, tc.ratio, 0, tc.batch); err == nil {
			t.Errorf("EvalMask(%+v) gave no error", tc)
		}
	}
}

// TestEvalMaskMatchesEngine trains nothing: it builds a small masked-region
// model with train and checks that Predict on the masks of EvalMask gives,
// window by window, the masked MSE that the engine's own evaluation reports
// (train.Run.PerSample) at both held-out ratios and seeds, across several
// evaluation chunks. Agreement means the masks are the engine's, entry for
// entry, and Predict is the engine's model; RegionMSE's count-weighted mean
// is that MSE too.
func TestEvalMaskMatchesEngine(t *testing.T) {
	be := testbackend.Get(t)
	const N, S, T = 11, 12, 3
	r := rand.New(rand.NewPCG(3, 4))
	w := tinyWindows(N, S, T, func(n, s, t int) float32 { return float32(r.NormFloat64()) })
	spec, err := pe.Parse("learn:0.5")
	if err != nil {
		t.Fatal(err)
	}
	mc := model.Config{Tokens: S, Features: T + 1, Width: 8, Blocks: 2, Heads: 1, MLPRatio: 2, Outputs: T,
		Readout: model.ReadoutTokens, GELUAfterMLP: true, LNEps: 1e-5, DType: dtypes.Float32, PE: spec, Layout: pe.Grid(3, 4)}
	cfg := train.Config{Model: mc, Objective: train.Masked, MaskRatio: 0.5, Optimizer: train.Optimizer{LR: 1e-2},
		BatchSize: 4, Epochs: 1, EvalBatch: 4}
	d := toData("test", w)
	run, err := train.New(be, cfg, []train.MemberState{{Member: model.Member{Seed: 5, PE: spec}}, {Member: model.Member{Seed: 6, PE: spec}}}, d, d)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	if err := run.Steps(2); err != nil { // move off the initialisation
		t.Fatal(err)
	}
	sets, err := HeldOutSets(N, S, 0.5, 0.9, cfg.EvalBatch)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range sets {
		opt := train.EvalOptions{Seed: TrainEvalSeed}
		if set.Name == EvalTest+"90" {
			opt = train.EvalOptions{MaskRatio: 0.9, Seed: EvalSeed}
		}
		engine, err := run.PerSample(d, opt)
		if err != nil {
			t.Fatal(err)
		}
		for m := range 2 {
			pred, err := Predict(be, run, m, w, set.Mask, 5) // another chunking than the engine's
			if err != nil {
				t.Fatal(err)
			}
			var total float64
			for n := range N {
				one := &masked.Windows{N: 1, S: S, T: T, X: w.X[n*S*T : (n+1)*S*T]}
				got, err := MaskedMSE(one, pred[n*S*T:(n+1)*S*T], set.Mask[n*S:(n+1)*S])
				if err != nil {
					t.Fatal(err)
				}
				total += got
				if math.Abs(got-engine[m][n]) > 1e-4*(1+engine[m][n]) {
					t.Errorf("%s model %d window %d: host MSE %.6f, engine %.6f", set.Name, m, n, got, engine[m][n])
				}
			}
			rm, cnt, err := RegionMSE(w, pred, set.Mask)
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			var c int
			for s := range S {
				if cnt[s] > 0 {
					sum += rm[s] * float64(cnt[s])
					c += cnt[s]
				}
			}
			if math.Abs(sum/float64(c)-total/N) > 1e-9*(1+total) {
				t.Errorf("%s model %d: count-weighted region MSE %v, mean window MSE %v", set.Name, m, sum/float64(c), total/N)
			}
		}
	}
	if _, err := Predict(nil, run, 0, w, sets[0].Mask, 4); err == nil {
		t.Error("Predict without a backend gave no error")
	}
	if _, err := Predict(be, run, 0, tinyWindows(1, S, T+1, func(int, int, int) float32 { return 0 }), make([]bool, S), 4); err == nil {
		t.Error("Predict of windows of the wrong length gave no error")
	}
}

// fakeRest makes a data folder whose rest/ holds empty files of the given
// subjects (enough for listing them).
func fakeRest(t *testing.T, ids ...string) string {
	t.Helper()
	dir := t.TempDir()
	rest := filepath.Join(dir, RestDir)
	if err := os.MkdirAll(rest, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := os.WriteFile(filepath.Join(rest, "HCP_example_restrun1_subj"+id+"_data.h5"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestNamedSplit(t *testing.T) {
	dir := fakeRest(t, "101", "102", "103", "104", "105", "106", "107")
	held := filepath.Join(fakeRest(t, "201", "202"), RestDir) // a held-out folder (-test-data)
	quick := Quick()                                          // 6 subjects, 2 held out: 4 for training
	paper := Paper()                                          // all subjects
	for _, tc := range []struct {
		name        string
		p           Protocol
		train, test []string
		want        []string
		wantErr     string // in the error; "" means none
		heldOut     bool   // the error is a SubjectError about a held-out subject
		testDir     string // the held-out subjects' folder; "": the data set's rest/
	}{
		{"quick, first not held out", quick, nil, []string{"102", "104"}, []string{"101", "103", "105", "106"}, "", false, ""},
		{"quick, held out beyond the pool", quick, nil, []string{"107"}, []string{"101", "102", "103", "104"}, "", false, ""},
		{"paper, all others", paper, nil, []string{"103"}, []string{"101", "102", "104", "105", "106", "107"}, "", false, ""},
		{"named training", quick, []string{"105", "101"}, []string{"102"}, []string{"105", "101"}, "", false, ""},
		{"unknown held out", quick, nil, []string{"102", "999"}, nil, "held-out subject 999 has no time series", true, ""},
		{"unknown training", quick, []string{"998"}, []string{"102"}, nil, "training subject 998 has no time series", false, ""},
		{"held out twice", quick, nil, []string{"102", "102"}, nil, "held-out subject 102 is listed twice", true, ""},
		{"training twice", quick, []string{"101", "101"}, []string{"102"}, nil, "training subject 101 is listed twice", false, ""},
		{"overlap", quick, []string{"101", "102"}, []string{"102"}, nil, "held-out subject 102 is also a training subject", true, ""},
		{"too few left", Protocol{Training: sweep.Training{Name: "big"}, Subjects: 9, TestSubjects: 1}, nil, []string{"101"}, nil, "wants 8 training subjects", false, ""},
		{"held-out folder", quick, nil, []string{"201", "202"}, []string{"101", "102", "103", "104"}, "", false, held},
		{"held-out folder, named training", quick, []string{"103"}, []string{"202"}, []string{"103"}, "", false, held},
		{"held-out folder lacks the subject", quick, nil, []string{"101"}, nil, "held-out subject 101 has no time series in " + held, true, held},
		{"training subject from the held-out folder", quick, []string{"201"}, []string{"202"}, nil, "training subject 201 has no time series", false, held},
	} {
		testDir := tc.testDir
		if testDir == "" {
			testDir = filepath.Join(dir, RestDir)
		}
		got, err := namedSplit(tc.p, dir, testDir, tc.train, tc.test)
		if tc.wantErr == "" {
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.wantErr)
			continue
		}
		var se *SubjectError
		if errors.As(err, &se) && se.HeldOut != tc.heldOut {
			t.Errorf("%s: SubjectError.HeldOut %t, want %t", tc.name, se.HeldOut, tc.heldOut)
		}
	}
}

// TestTaskNamedSubjects loads the shared data with named held-out subjects
// and checks the split and the records' task parameters.
func TestTaskNamedSubjects(t *testing.T) {
	dir := shared.TestData(t, DatasetName)
	p := Quick()
	task, err := NewTask(p, TaskOptions{Dir: dir, TestSubjects: []string{"212823", "100408"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := task.Data.TestSubjects; !slices.Equal(got, []string{"100408", "212823"}) {
		t.Errorf("held out %v", got)
	}
	if got := task.Data.TrainSubjects; !slices.Equal(got, []string{"100206", "108020", "108222", "117930"}) {
		t.Errorf("training %v", got)
	}
	if task.Params["test_subjects"] != "100408,212823" || task.Params["split"] != "named" {
		t.Errorf("params %v", task.Params)
	}
	if task.Data.TestFC == nil || task.Data.TestFC.SymmetricDim() != NumRegions {
		t.Error("no held-out FC")
	}
	drawn, err := NewTask(p, TaskOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := drawn.Params["split"]; ok {
		t.Error("a drawn split records split: its records' IDs would change")
	}
	_, err = NewTask(p, TaskOptions{Dir: dir, TestSubjects: []string{"1"}})
	var se *SubjectError
	if !errors.As(err, &se) || se.ID != "1" || !se.HeldOut {
		t.Errorf("unknown held-out subject: %v", err)
	}
}

func TestFCRSATest(t *testing.T) {
	d, sim := blockData()
	// Held-out FC: the same networks but with network 2 split in halves, so
	// that its correlation with the PE is positive but below 1.
	test := mat.NewSymDense(8, nil)
	keys := []int{1, 1, 2, 3, 1, 1, 2, 3}
	for i := range 8 {
		for j := i; j < 8; j++ {
			if keys[i] == keys[j] {
				test.SetSym(i, j, 1)
			}
		}
	}
	d.TestFC = test
	ref, err := NewReference(d, 199, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		sim      mat.Symmetric
		wantTest float64
	}{
		{"training FC", sim, -1}, // checked below: 0 < ρ < 1
		{"held-out FC", test, 1},
	} {
		m, err := ref.SimilarityMetrics(tc.sim, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := m["fc_rsa"]; !ok {
			t.Errorf("%s: fc_rsa missing", tc.name)
		}
		v, ok := m["fc_rsa_test"]
		if !ok {
			t.Fatalf("%s: fc_rsa_test missing: %v", tc.name, m)
		}
		if tc.wantTest >= 0 && math.Abs(v-tc.wantTest) > 1e-12 {
			t.Errorf("%s: fc_rsa_test %v, want %v", tc.name, v, tc.wantTest)
		}
		if tc.wantTest < 0 && !(v > 0 && v < 1) {
			t.Errorf("%s: fc_rsa_test %v, want in (0, 1)", tc.name, v)
		}
	}
	dm, err := ref.DataMetrics()
	if err != nil {
		t.Fatal(err)
	}
	if v := dm["data_fc_rsa_test"]; !(v > 0 && v < 1) {
		t.Errorf("data_fc_rsa_test %v, want in (0, 1)", v)
	}
	// Without a held-out FC there is no fc_rsa_test.
	d.TestFC = nil
	ref, _ = NewReference(d, 19, 1)
	if m, _ := ref.SimilarityMetrics(sim, false); m["fc_rsa"] != 1 {
		t.Errorf("fc_rsa %v", m["fc_rsa"])
	} else if _, ok := m["fc_rsa_test"]; ok {
		t.Error("fc_rsa_test without a held-out FC")
	}
}

// TestAnalyzeRegionMaps runs Analyzer.Analyze on a small synthetic task (8
// regions, blockData's anatomy) with a backend and a store: each model gets
// a region map whose count-weighted mean at the harder ratio is the
// engine's test90_mse, and every record the same baselines, computed on the
// engine's masks for the run's EvalBatch.
func TestAnalyzeRegionMaps(t *testing.T) {
	be := testbackend.Get(t)
	d, _ := blockData()
	const N, T = 9, 3
	S := len(d.Centroids)
	r := rand.New(rand.NewPCG(5, 6))
	w := tinyWindows(N, S, T, func(n, s, t int) float32 { return float32(r.NormFloat64()) })
	d.TestFC = d.TrainFC
	p := Quick()
	p.T, p.Permutations = T, 9
	test := toData(EvalTest, w)
	coords := make([][]float64, S)
	for i, c := range d.Centroids {
		coords[i] = c[:]
	}
	layout, err := pe.Points(coords)
	if err != nil {
		t.Fatal(err)
	}
	task := &Task{Data: d, Test: w, TrainEval: w, Task: &sweep.Task{Name: Experiment, Train: test, Evals: []*train.Data{test}}}
	an, err := NewAnalyzer(task, p)
	if err != nil {
		t.Fatal(err)
	}
	store, err := results.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	an.Backend, an.Store = be, store
	conds, err := PEConditions("learn-0.1,none")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range conds {
		mc := p.ModelConfig()
		mc.Tokens, mc.Width, mc.Blocks, mc.MLPRatio, mc.PE, mc.Layout = S, 6, 1, 2, c.PE, layout.Scaled(1/CoordUnit)
		cfg := train.Config{Model: mc, Objective: train.Masked, MaskRatio: p.MaskRatio, Optimizer: train.Optimizer{LR: 1e-2},
			BatchSize: 3, Epochs: 1, EvalBatch: 4}
		run, err := train.New(be, cfg, []train.MemberState{{Member: model.Member{Seed: 1, PE: c.PE}}}, test, test)
		if err != nil {
			t.Fatal(err)
		}
		cells := []sweep.Cell{{Condition: c, Seed: 1, ID: c.Name + "-1"}}
		ms, errs, err := an.Analyze(run, cells)
		run.Close()
		if err != nil || errs[0] != nil {
			t.Fatalf("%s: %v, %v", c.Name, err, errs)
		}
		sets, _ := HeldOutSets(N, S, p.MaskRatio, p.TestMaskRatio, 4)
		base, _ := Baselines(w, d.TrainFC, sets)
		for k, v := range base {
			if ms[0][k] != v {
				t.Errorf("%s: %s = %v, want %v (the engine's masks, EvalBatch 4)", c.Name, k, ms[0][k], v)
			}
		}
		v, shape, err := sweep.ReadArtifact(store, cells[0].ID, RegionArtifact)
		if err != nil || len(shape) != 2 || shape[0] != 2 || shape[1] != S {
			t.Fatalf("%s: region map %v, shape %v", c.Name, err, shape)
		}
		_, cnt, _ := RegionMSE(w, make([]float32, len(w.X)), sets[1].Mask)
		var sum float64
		var n int
		for s := range S {
			if cnt[s] > 0 {
				sum += v[S+s] * float64(cnt[s])
				n += cnt[s]
			}
		}
		if got := sum / float64(n); math.Abs(got-ms[0]["test90_mse"]) > 1e-4*(1+got) {
			t.Errorf("%s: region map's mean %v, test90_mse %v", c.Name, got, ms[0]["test90_mse"])
		}
		if _, ok := ms[0]["fc_rsa_test"]; ok != (c.Name != "none") {
			t.Errorf("%s: fc_rsa_test present %t", c.Name, ok)
		}
	}
}
