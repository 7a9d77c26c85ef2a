package fmri

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/fetch"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
)

// This file is Experiment 3 of Ito et al. (2024) as a pelab sweep:
// masked-region prediction on resting-state fMRI, tokens = the 360 Glasser
// regions, token features = a window of T z-scored time points.
//
// Design choices (the paper gives the outline only, see paper-notes.md):
//
//   - Task. For every window, round(0.5·360) = 180 regions are masked in
//     training: their features are zeroed and a mask indicator appended
//     (train.Masked), and the model predicts their T values; the loss is
//     the mean squared error over masked regions only. Generalisation is
//     measured on held-out subjects (no window of theirs is seen in
//     training) at 50 % masking (every evaluation) and at 90 % masking
//     (after training, Analyzer), beside the trivial baselines of
//     baseline.go on the same windows and with the same masking ratio.
//   - Model. The paper's block (post-LN, PE added at every block, GELU
//     after both MLP layers, 1 head) with a per-token linear readout to T
//     outputs; only the width and the number of blocks change between
//     protocols.
//   - Anatomical PEs. sinnd and ropend read the regions' MNI centroids in
//     units of CoordUnit = 10 mm (Layout.Scaled(1/CoordUnit)): the median
//     distance from a region's centroid to its nearest neighbour is 10.5 mm
//     (3.7–19.8 mm), so neighbouring regions are about one unit apart, as
//     the cells of an integer grid are in Experiment 1, and the cortex spans
//     about 13 × 16 × 12 units (x −66…64, y −92…68, z −46…74 mm). With the
//     default base 10000 the sinusoid of width w per coordinate has
//     wavelengths 2π·10000^(2k/w) units: the fastest (≈ 6 units, 63 mm)
//     separates regions a few neighbours apart, the next few span the
//     brain, and the slowest channels are nearly constant over it, as for
//     the 4 × 4 grid of Experiment 1. Raw millimetres would instead make
//     the fastest channels alias between neighbours (wavelength 6.3 mm).
//   - Relative PE. shaw learns one key embedding per index offset k − q;
//     with S = 360 that is 2·359 + 1 = 719 offsets, and the offsets of the
//     Glasser order carry little anatomy beyond ±180 (the homologous region
//     of the other hemisphere). Its one-hot offset map is S × 719 × S
//     (93 M entries), which makes it by far the most expensive condition;
//     it is left out of the quick protocol's default conditions.

// Experiment is the experiment name in result records.
const Experiment = "fmri"

// CoordUnit is the length, in mm, of one coordinate unit of the anatomical
// PEs (see the package notes above): about the distance between
// neighbouring regions' centroids.
const CoordUnit = 10.0

// paperSeeds are the seeds of the paper protocol: the first 5 of
// Experiment 1's reference code (sweep.ReferenceSeeds; Experiment 3's are
// not known), and the list a seed count takes from.
func paperSeeds() []int64 { return sweep.ReferenceSeeds()[:5] }

// Protocol is a training protocol of Experiment 3: which data, which model,
// how long.
type Protocol struct {
	// Training: the masked-region encoder (ModelConfig), Adam, MaskRatio
	// the fraction of regions masked in training (and in the "test"
	// evaluation), TestMaskRatio the harder held-out test's ("test90").
	sweep.Training
	// Subjects > 0 uses the first Subjects subjects of the data set in
	// sorted order (0: all). TestSubjects of them, drawn with SplitSeed
	// (SplitSubjects), are held out.
	Subjects, TestSubjects int
	SplitSeed              uint64
	// T is the window length in time points (the token features), Stride
	// the step between training windows (0: T, no overlap). Held-out windows
	// never overlap.
	T, Stride int
	// TrainWindows and TestWindows > 0 keep that many evenly spaced windows
	// of each part (0: all). TrainEval is the number of training windows
	// (evenly spaced) evaluated as "train" to report the training MSE.
	TrainWindows, TestWindows, TrainEval int

	// Permutations is the number of token permutations of each Mantel test
	// and of partition shuffles for the modularity z-scores.
	Permutations int
}

// Quick is a protocol small enough for a 2-core CPU in minutes: 6 subjects
// (2 held out), windows of T = 16 time points (11.5 s), 240 training
// windows, 4 blocks of width 24 (divisible by 3 for the 3D PEs, and giving
// rope3d 4 rotation pairs per coordinate), Adam lr 3e-3, batch 16, 4 epochs
// (60 steps), 2 seeds. One model step costs about 0.5–1 s of CPU on ONNX
// Runtime (attention over 360 tokens); after 60 steps a learned PE with
// σ = 0.1 predicts held-out masked regions better than zero (0.90 against
// 0.99) but not yet as well as the FC-neighbour baseline (0.80).
func Quick() Protocol {
	return Protocol{Training: sweep.Training{Name: "quick", Width: 24, Blocks: 4, Heads: 1, LR: 3e-3,
		Objective: train.Masked, MaskRatio: 0.5, TestMaskRatio: 0.9, Batch: 16, Epochs: 4, EvalEvery: 2, Seeds: paperSeeds()[:2]},
		Subjects: 6, TestSubjects: 2, SplitSeed: 1, T: 16, Stride: 16,
		TrainWindows: 240, TestWindows: 64, TrainEval: 64, Permutations: 99}
}

// Paper is the full protocol: all 20 subjects (4 held out), windows of
// T = 32 time points (23 s; 1195 points give 37 non-overlapping windows per
// subject) with stride 8 for training (4× overlap, 146 windows per subject,
// 2,336 in all) and none for the 148 held-out windows; 4 blocks of width 96
// (the paper's 1 head; 96 = 3·32 for the 3D sinusoid, 16 rotation pairs per
// coordinate for rope3d); Adam lr 1e-3, batch 32, 40 epochs (2,920 steps),
// evaluated every 5; 5 seeds.
func Paper() Protocol {
	return Protocol{Training: sweep.Training{Name: "paper", Width: 96, Blocks: 4, Heads: 1, LR: 1e-3,
		Objective: train.Masked, MaskRatio: 0.5, TestMaskRatio: 0.9, Batch: 32, Epochs: 40, EvalEvery: 5, Seeds: paperSeeds()},
		Subjects: 0, TestSubjects: 4, SplitSeed: 1, T: 32, Stride: 8, TrainEval: 148, Permutations: 999}
}

// Validate reports the first problem with p.
func (p Protocol) Validate() error {
	if err := p.Training.Validate(Experiment); err != nil {
		return err
	}
	switch {
	case p.Subjects < 0 || p.TestSubjects < 1 || (p.Subjects > 0 && p.TestSubjects >= p.Subjects):
		return fmt.Errorf("fmri: protocol %q: %d subjects, %d held out: want ≥ 1 held out and ≥ 1 for training", p.Name, p.Subjects, p.TestSubjects)
	case p.T < 1 || p.Stride < 0:
		return fmt.Errorf("fmri: protocol %q: window T %d, stride %d: want T ≥ 1, stride ≥ 0", p.Name, p.T, p.Stride)
	case p.TrainWindows < 0 || p.TestWindows < 0 || p.TrainEval < 0:
		return fmt.Errorf("fmri: protocol %q: window counts %d, %d, %d must be ≥ 0", p.Name, p.TrainWindows, p.TestWindows, p.TrainEval)
	case p.Permutations < 1:
		return fmt.Errorf("fmri: protocol %q: %d permutations, want ≥ 1", p.Name, p.Permutations)
	}
	return nil
}

// PaperSigmas are the learned-PE σ values of the paper protocol's sweep.
func PaperSigmas() []float64 { return []float64{0.01, 0.05, 0.1, 0.2, 0.5, 1, 1.5, 2} }

// Vocabulary is Experiment 3's condition language: learn-<σ>, sin3d (3D
// sinusoid of the MNI centroids, the anatomical PE), rope3d (3D rotary PE of
// the centroids), shaw (bidirectional Shaw attention over the region-index
// offset, with the output projection: regions have no causal order), none
// (nope), random, or any PE spec; "sigmas" and "paper" expand in lists.
// "relative" is kept as a deprecated alias of shaw for commands and
// records that used it; it is not lst's relative (the reference's causal
// Shaw without output projection, shaw,causal,noout), so lists say shaw.
func Vocabulary() sweep.Vocabulary {
	return sweep.Vocabulary{
		Experiment: "fmri",
		Aliases: map[string]string{
			"sin3d": "sinnd", "rope3d": "ropend", "shaw": "shaw", "relative": "shaw", "nope": "none", "none": "none", "random": "random",
		},
		Lists: map[string][]string{"sigmas": sweep.SigmaNames(PaperSigmas()), "paper": PaperConditionNames()},
	}
}

// PECondition returns the condition called name (see Vocabulary).
func PECondition(name string) (sweep.Condition, error) { return Vocabulary().Condition(name) }

// PEConditions parses a comma- or semicolon-separated list of conditions
// (see Vocabulary).
func PEConditions(list string) ([]sweep.Condition, error) { return Vocabulary().Parse(list) }

// PaperConditionNames lists every condition of Experiment 3.
func PaperConditionNames() []string {
	return append(sweep.SigmaNames(PaperSigmas()), "sin3d", "rope3d", "shaw", "none", "random")
}

// QuickConditions is the default condition list of the quick protocol
// (shaw is left out for its cost, see the notes above).
const QuickConditions = "learn-0.1,learn-1,learn-2,sin3d,rope3d,none,random"

// QuickTestConditions are the conditions of the CI test of the quick
// protocol: a small and a large σ (one compiled group) and no PE.
const QuickTestConditions = "learn-0.1,learn-2,none"

// Evaluation set names.
const (
	EvalTest  = "test"  // held-out subjects' windows
	EvalTrain = "train" // a subset of the training windows
)

// FindDir returns the hcp-glasser360 folder: dir when non-empty, else the
// project's shared folder (../shared/data/hcp-glasser360, see
// internal/shared), else the fetch cache (fetch.DefaultDir). A folder counts
// when it holds the atlas, the partition and at least one time series; the
// error says to run `pelab data fetch hcp-glasser360 --accept-terms` when
// none does. (Use `pelab data verify` to check the files' checksums.)
func FindDir(dir string) (string, error) {
	if dir != "" {
		if err := looksLikeDataset(dir); err != nil {
			return "", notDataset(dir, err)
		}
		return dir, nil
	}
	var tried []error
	if d, err := shared.Data(DatasetName); err != nil {
		tried = append(tried, err)
	} else if err := looksLikeDataset(d); err != nil {
		tried = append(tried, fmt.Errorf("%s: %w", d, err))
	} else {
		return d, nil
	}
	if d, err := fetch.DefaultDir(DatasetName); err != nil {
		tried = append(tried, err)
	} else if err := looksLikeDataset(d); err != nil {
		tried = append(tried, fmt.Errorf("%s: %w", d, err))
	} else {
		return d, nil
	}
	return "", fmt.Errorf("fmri: data set %s not found; run: pelab data fetch %s --accept-terms\n(looked in: %w)",
		DatasetName, DatasetName, errors.Join(tried...))
}

// notDataset explains why dir, given as the data set folder, is not one
// (err, from looksLikeDataset). The folder must hold rest/, cabnp/ and
// atlas/; downloading into it (pelab data fetch … --dir) is suggested only
// when that is where the data set belongs: a folder that does not exist, is
// empty, or already holds part of the layout. A folder of time-series files
// (the user's own, or rest/ itself) is not: for rest/ the error suggests
// its parent, else it says how to lay the files out.
func notDataset(dir string, err error) error {
	layout := fmt.Sprintf("the data set folder must hold %s/ (the subjects' time series), %s/ and %s", RestDir, CabnpDir, AtlasFile)
	entries, rerr := os.ReadDir(dir)
	partial := false
	series := 0
	for _, e := range entries {
		switch n := e.Name(); {
		case n == RestDir || n == CabnpDir || n == filepath.Dir(AtlasFile):
			partial = true
		case !e.IsDir() && isSeriesFile(n):
			series++
		}
	}
	switch {
	case rerr != nil || len(entries) == 0 || partial:
		return fmt.Errorf("fmri: %s: %w: %s (to download it there, run: pelab data fetch %s --accept-terms --dir %s)", dir, err, layout, DatasetName, dir)
	case filepath.Base(filepath.Clean(dir)) == RestDir && looksLikeDataset(filepath.Dir(filepath.Clean(dir))) == nil:
		return fmt.Errorf("fmri: %s is the data set's %s/ folder: %s; did you mean -data %s?", dir, RestDir, layout, filepath.Dir(filepath.Clean(dir)))
	case series > 0:
		return fmt.Errorf("fmri: %s holds %d time-series files itself, not the data set's layout: %s; put the subjects' files in a %s/ folder beside %s/ and atlas/ (pelab data fetch %s --accept-terms --dir <new folder> downloads all three), or give held-out subjects with -test-data",
			dir, series, layout, RestDir, CabnpDir, DatasetName)
	}
	return fmt.Errorf("fmri: %s: %w: %s", dir, err, layout)
}

// isSeriesFile reports whether a file name has a time-series extension
// (.h5, .hdf5, .csv, .npy) and is not hidden.
func isSeriesFile(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".h5", ".hdf5", ".csv", ".npy":
		return true
	}
	return false
}

func looksLikeDataset(dir string) error {
	for _, p := range []string{AtlasFile, filepath.Join(CabnpDir, NetworkAssignFile), filepath.Join(CabnpDir, PartitionLabelKey)} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
			return fmt.Errorf("missing %s", p)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, RestDir))
	if err != nil {
		return fmt.Errorf("no %s/ folder", RestDir)
	}
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".h5", ".hdf5", ".csv", ".npy":
			return nil
		}
	}
	return fmt.Errorf("no time series in %s/", RestDir)
}

// TaskOptions select the data of a task.
type TaskOptions struct {
	// Dir is the data set folder; "" finds it (FindDir).
	Dir string
	// Subjects, when set, overrides the protocol's first-n subject choice:
	// the pool the held-out subjects are drawn from, or, with TestSubjects,
	// the training subjects exactly.
	Subjects []string
	// TestSubjects, when set, names the held-out subjects instead of
	// drawing Protocol.TestSubjects of them with SplitSeed. Without
	// Subjects, the training subjects are then the first n of the data set
	// in sorted order that are not held out, n = Protocol.Subjects −
	// Protocol.TestSubjects (all the others when Protocol.Subjects is 0).
	// Every ID must have a time series in the data set, none may be listed
	// twice, and none may be a training subject. The records' task
	// parameters then carry split = "named" beside the subject lists.
	TestSubjects []string
	// TestDir, when set, is a folder of held-out subjects' time-series
	// files (named and read as in rest/, see ReadDir), kept apart from the
	// data set: TestSubjects name subjects in it, and without TestSubjects
	// every subject in it is held out. The training subjects still come
	// from the data set's rest/.
	TestDir string
	// MaxOutlierZ is the plausibility bound of every series read
	// (ReadOptions.MaxOutlierZ: 0 the default, +Inf off).
	MaxOutlierZ float64
}

// Task is Experiment 3's task: the sweep task (training windows; the
// held-out and training evaluation sets; the anatomical layout) and the
// loaded data it came from, for baselines and analysis.
type Task struct {
	*sweep.Task
	Data *Data
	// Test and TrainEval are the windows behind the evaluation sets
	// EvalTest and EvalTrain.
	Test, TrainEval *masked.Windows
}

// NewTask loads the data for protocol p and returns the task: training
// windows (Protocol.TrainWindows of them, evenly spaced), the held-out
// subjects' non-overlapping windows (EvalTest) and a subset of training
// windows (EvalTrain), each as X[N, S=360, T] with the targets equal to X,
// and the regions' centroids in units of CoordUnit as the layout.
func NewTask(p Protocol, opt TaskOptions) (*Task, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	dir, err := FindDir(opt.Dir)
	if err != nil {
		return nil, err
	}
	subjects := opt.Subjects
	testDir := filepath.Join(dir, RestDir)
	if opt.TestDir != "" {
		testDir = opt.TestDir
		if len(opt.TestSubjects) == 0 {
			if opt.TestSubjects, err = listSubjects(testDir); err != nil {
				return nil, err
			}
			if len(opt.TestSubjects) == 0 {
				return nil, fmt.Errorf("fmri: held-out folder %s: no .h5, .hdf5, .csv or .npy files", testDir)
			}
		}
	}
	if len(opt.TestSubjects) > 0 {
		if subjects, err = namedSplit(p, dir, testDir, opt.Subjects, opt.TestSubjects); err != nil {
			return nil, err
		}
	} else if len(subjects) == 0 && p.Subjects > 0 {
		series, err := listSubjects(filepath.Join(dir, RestDir))
		if err != nil {
			return nil, err
		}
		if len(series) < p.Subjects {
			return nil, fmt.Errorf("fmri: protocol %s wants %d subjects, %s has %d", p.Name, p.Subjects, dir, len(series))
		}
		subjects = series[:p.Subjects]
	}
	d, err := Load(Config{Dir: dir, Subjects: subjects, TestSubjects: p.TestSubjects, Seed: p.SplitSeed, T: p.T, Stride: p.Stride,
		HeldOut: opt.TestSubjects, HeldOutDir: opt.TestDir, MaxOutlierZ: opt.MaxOutlierZ})
	if err != nil {
		return nil, err
	}
	if p.Stride != 0 && p.Stride != p.T {
		// Held-out windows never overlap: cut them again with stride T.
		test, err := testWindows(testDir, d.TestSubjects, p.T, opt.MaxOutlierZ)
		if err != nil {
			return nil, err
		}
		d.Test = test
	}
	tr := SelectWindows(d.Train, p.TrainWindows)
	te := SelectWindows(d.Test, p.TestWindows)
	trEval := SelectWindows(d.Train, min(max(p.TrainEval, 1), d.Train.N))
	if tr.N < p.Batch {
		return nil, fmt.Errorf("fmri: protocol %s: %d training windows, fewer than the batch size %d", p.Name, tr.N, p.Batch)
	}
	coords := make([][]float64, len(d.Centroids))
	for i, c := range d.Centroids {
		coords[i] = []float64{c[0], c[1], c[2]}
	}
	layout, err := pe.Points(coords)
	if err != nil {
		return nil, fmt.Errorf("fmri: centroids: %w", err)
	}
	inputs, err := InputFiles(dir, append(slices.Clone(d.TrainSubjects), d.TestSubjects...))
	if err != nil {
		return nil, err
	}
	t := &Task{Data: d, Test: te, TrainEval: trEval}
	testData := toData(EvalTest, te)
	testData.Groups = masked.UnitGroups(d.TestSubjects, te.Source) // per held-out subject: "test_mse_@<subject>"
	t.Task = &sweep.Task{
		Name:   Experiment,
		Train:  toData("train", tr),
		Evals:  []*train.Data{testData, toData(EvalTrain, trEval)},
		Layout: layout.Scaled(1 / CoordUnit),
		Params: map[string]any{
			"train_subjects": strings.Join(d.TrainSubjects, ","),
			"test_subjects":  strings.Join(d.TestSubjects, ","),
			"split_seed":     p.SplitSeed,
			"T":              p.T, "stride": p.Stride,
			"train_windows": tr.N, "test_windows": te.N, "train_eval_windows": trEval.N,
			"coord_unit_mm":   CoordUnit,
			"test_mask_ratio": p.TestMaskRatio,
		},
		Inputs: inputs,
	}
	if len(opt.TestSubjects) > 0 {
		// Only named splits carry the key, so that the records (and cell
		// IDs) of drawn splits stay what they were.
		t.Params["split"] = "named"
	}
	if opt.TestDir != "" {
		t.Params["test_data"] = opt.TestDir
	}
	return t, nil
}

// InputFiles returns the content fingerprint (results.Inputs) of the files
// a task of the data set folder dir reads: each listed subject's time
// series ("rest/<file>"), the partition's three files ("cabnp/<file>") and
// the atlas (AtlasFile), by their paths relative to dir, each hashed once.
// NewTask records it in every record's config, so the cell IDs depend on
// every byte of them: a run on damaged or other data is another cell.
func InputFiles(dir string, subjects []string) (results.Inputs, error) {
	rest := filepath.Join(dir, RestDir)
	byID, err := subjectFiles(rest)
	if err != nil {
		return nil, err
	}
	files := map[string]string{AtlasFile: filepath.Join(dir, filepath.FromSlash(AtlasFile))}
	for _, f := range []string{NetworkLabelFile, NetworkAssignFile, PartitionLabelKey} {
		files[CabnpDir+"/"+f] = filepath.Join(dir, CabnpDir, f)
	}
	for _, id := range subjects {
		p, ok := byID[id]
		if !ok {
			return nil, fmt.Errorf("fmri: %s: no file for subject %s", rest, id)
		}
		files[RestDir+"/"+filepath.Base(p)] = p
	}
	in, err := results.HashFiles(files)
	if err != nil {
		return nil, fmt.Errorf("fmri: %w", err)
	}
	return in, nil
}

// SubjectError is a problem with one subject of a named split (see
// TaskOptions.TestSubjects): HeldOut says which list names it.
type SubjectError struct {
	ID      string
	HeldOut bool
	Problem string // e.g. "is listed twice"
}

func (e *SubjectError) Error() string {
	which := "training"
	if e.HeldOut {
		which = "held-out"
	}
	return fmt.Sprintf("fmri: %s subject %s %s", which, e.ID, e.Problem)
}

// namedSplit checks the held-out subjects test against the folder testDir
// (the data set's rest/ or TaskOptions.TestDir) and the training subjects
// train, when given, against the data set in dir, and returns the training
// subjects: train itself, or the first Subjects − TestSubjects of the data
// set in sorted order that are not held out (all others when p.Subjects is
// 0).
func namedSplit(p Protocol, dir, testDir string, train, test []string) ([]string, error) {
	all, err := listSubjects(filepath.Join(dir, RestDir))
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, id := range all {
		have[id] = true
	}
	if err := checkNamedSplit(train, test); err != nil {
		return nil, err
	}
	heldHave := have
	if testDir != filepath.Join(dir, RestDir) {
		ids, err := listSubjects(testDir)
		if err != nil {
			return nil, err
		}
		heldHave = map[string]bool{}
		for _, id := range ids {
			heldHave[id] = true
		}
	}
	for _, id := range test {
		if !heldHave[id] {
			return nil, &SubjectError{ID: id, HeldOut: true, Problem: "has no time series in " + testDir}
		}
	}
	for _, id := range train {
		if !have[id] {
			return nil, &SubjectError{ID: id, Problem: "has no time series in " + filepath.Join(dir, RestDir)}
		}
	}
	if len(train) > 0 {
		return train, nil
	}
	held := map[string]bool{}
	for _, id := range test {
		held[id] = true
	}
	n := len(all) - len(test)
	if p.Subjects > 0 {
		n = p.Subjects - p.TestSubjects
	}
	for _, id := range all {
		if len(train) == n {
			break
		}
		if !held[id] {
			train = append(train, id)
		}
	}
	if len(train) < max(n, 1) {
		return nil, fmt.Errorf("fmri: protocol %s wants %d training subjects besides the %d held out, %s has %d",
			p.Name, max(n, 1), len(test), dir, len(train))
	}
	return train, nil
}

// listSubjects returns the sorted subject IDs of the time-series files in
// dir, the files ReadDir reads (see subjectFiles): a hidden file or a stray
// notes.csv beside HCP-named files is not a subject.
func listSubjects(dir string) ([]string, error) {
	files, err := subjectFiles(dir)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(files))
	for id := range files {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// testWindows reads and z-scores the held-out subjects in the folder dir
// (plausibility bound maxZ, see ReadOptions) and cuts them into
// non-overlapping windows of T points.
func testWindows(dir string, subjects []string, T int, maxZ float64) (*masked.Windows, error) {
	series, err := ReadDir(dir, masked.ReadOptions{Regions: NumRegions, MinTimes: T, MaxOutlierZ: maxZ}, subjects...)
	if err != nil {
		return nil, err
	}
	zs := make([]*mat.Dense, len(series))
	for i, s := range series {
		if zs[i], err = masked.ZScore(s.Data); err != nil {
			return nil, fmt.Errorf("fmri: subject %s: %w", s.Name, err)
		}
	}
	return masked.MakeWindows(zs, T, T)
}

// SelectWindows returns n windows of w evenly spaced over its order
// (window ⌊i·N/n⌋ for i = 0…n−1), so that every subject keeps its share; n
// ≤ 0 or n ≥ N returns w itself.
func SelectWindows(w *masked.Windows, n int) *masked.Windows {
	if n <= 0 || n >= w.N {
		return w
	}
	out := &masked.Windows{S: w.S, T: w.T, N: n, X: make([]float32, 0, n*w.S*w.T)}
	st := w.S * w.T
	for i := range n {
		k := i * w.N / n
		out.X = append(out.X, w.X[k*st:(k+1)*st]...)
		out.Source = append(out.Source, w.Source[k])
		out.Start = append(out.Start, w.Start[k])
	}
	return out
}

func toData(name string, w *masked.Windows) *train.Data {
	return &train.Data{Name: name, X: w.X, N: w.N, S: w.S, F: w.T}
}

// ModelConfig is the masked-region model of protocol p: the paper's block
// at the protocol's size, 360 tokens of T features plus the mask indicator,
// and a per-token linear readout of T values.
func (p Protocol) ModelConfig() model.Config {
	return model.Config{
		Tokens: NumRegions, Features: p.T + 1, Width: p.Width, Blocks: p.Blocks, Heads: max(p.Heads, 1), MLPRatio: 4,
		Outputs: p.T, Readout: model.ReadoutTokens,
		GELUAfterMLP: true, LNEps: 1e-5, DType: dtypes.Float32, PE: pe.Spec{Kind: pe.None},
	}
}

// NewPlan builds the sweep of protocol p over conditions on task.
func NewPlan(p Protocol, task *Task, conds []sweep.Condition) *sweep.Plan {
	return p.Plan(Experiment, task.Task, p.ModelConfig(), conds)
}
