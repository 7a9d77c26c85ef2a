package tokens

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
)

// Experiment is the experiment name in result records.
const Experiment = "tokens"

// A task's evaluation sets: masked.EvalTest holds the held-out
// recordings' windows at the training mask ratio and EvalTrain the
// training windows at the same ratio (the engine's evaluations every
// EvalEvery epochs: test_loss, test_mse, train_loss, train_mse in every
// history point); Analyzer adds masked.EvalTest90 (the held-out windows at
// Protocol.TestMaskRatio) and the final train_mse (the training windows
// with evaluation seed 2, as netsim's; it replaces the last history
// point's train_mse among the final metrics).

// EvalTrain is the evaluation set of the training windows: the training
// loss along training ("train_loss", "train_mse" in the history). Only the
// tokens experiment has it; netsim's and fmri's records are unchanged.
const EvalTrain = "train"

// CoordUnitFrom is the task parameter "coord_unit_from" of a unit taken
// from the data (-coord-unit auto): the median nearest-neighbour distance.
const CoordUnitFrom = "median_nn"

// Protocol is a training protocol of the tokens experiment: the
// masked-token model, optimiser, windows and mask ratios (masked.Protocol;
// the width is rounded up to a multiple of 2c·Heads for c coordinates,
// masked.Protocol.WidthFor, so that sinnd and ropend exist for any c ≥ 1)
// and the held-out split.
type Protocol struct {
	masked.Protocol
	// TestRecordings is the number of held-out recordings drawn with
	// SplitSeed when none are named (0: a fifth, at least 1).
	TestRecordings int
	SplitSeed      uint64
	// Permutations of the partition nulls (mod_z, seg_z) and of the
	// PE–FC Mantel test.
	Permutations int
}

// Quick is masked.Quick's model and training (width 16, 2 blocks, Adam lr
// 1e-2, batch 32, 50 epochs, 3 seeds, windows of 16 points, 50 % / 90 %
// masking) with 199 permutations.
func Quick() Protocol { return Protocol{Protocol: masked.Quick(), SplitSeed: 1, Permutations: 199} }

// Paper is masked.Paper's (4 blocks of width 64, lr 1e-3, batch 64, 200
// epochs, 15 seeds) with 999 permutations.
func Paper() Protocol { return Protocol{Protocol: masked.Paper(), SplitSeed: 1, Permutations: 999} }

// Label names p as a run trained it (sweep.Training.Label) against the
// named protocol def it started from: "quick protocol", or what flags
// changed, e.g. "quick protocol, 300 epochs, windows of 8 points"; run is
// the plan's training configuration after its overrides.
func (p Protocol) Label(def Protocol, run train.Config) string {
	var extra []string
	if p.Window != def.Window {
		extra = append(extra, fmt.Sprintf("windows of %d points", p.Window))
	}
	if p.Stride != def.Stride && p.Stride != p.Window {
		extra = append(extra, fmt.Sprintf("stride %d", p.Stride))
	}
	if p.TestMaskRatio != def.TestMaskRatio {
		extra = append(extra, fmt.Sprintf("test90 at %g %% masked", 100*p.TestMaskRatio))
	}
	return def.Training.Label(run, extra...)
}

// Validate reports the first problem with p.
func (p Protocol) Validate() error {
	if err := p.Training.Validate(Experiment); err != nil {
		return err
	}
	switch {
	case p.Window < 2 || p.Stride < 0:
		return fmt.Errorf("tokens: protocol %q: window %d, stride %d: want window ≥ 2, stride ≥ 0", p.Name, p.Window, p.Stride)
	case p.TestRecordings < 0 || p.Permutations < 1:
		return fmt.Errorf("tokens: protocol %q: %d held-out recordings, %d permutations: want ≥ 0 and ≥ 1", p.Name, p.TestRecordings, p.Permutations)
	}
	return nil
}

// Input says where a task's data are.
type Input struct {
	// Name names the data set in records and reports (default: the name of
	// the coordinates file's folder).
	Name string
	// Coords is the coordinates file (see ReadTokens), with Tokens' names
	// and partition.
	Coords string
	Tokens TokenOptions
	// Signals is the folder of recordings (see ReadSignals).
	Signals string
	Dataset string // HDF5 dataset path (default DefaultDataset)
	Split   Split  // Split.Count and Split.Seed 0: the protocol's
	// CoordUnit divides the coordinates before the PEs of coordinates
	// (sinnd, ropend, alibind; coordlin, coordmlp and dpb rescale them
	// anyway) and the geometry see them, so that neighbouring tokens are
	// about one unit apart, as the cells of an integer grid are (the scale
	// of pe.SinusoidND's frequencies). 0 (`-coord-unit auto`) takes it
	// from the data: the median distance from a token to its nearest
	// neighbour (pe.Layout.NearestNeighbourSpacing), so the same tokens in
	// mm or in cm give the same layout; a number > 0 is used as given.
	CoordUnit float64
	// MaxOutlierZ is the plausibility bound of the recordings
	// (masked.ReadOptions.MaxOutlierZ: 0 the default, +Inf off).
	MaxOutlierZ float64
}

// Task is a tokens task: the sweep task (training windows, the held-out
// evaluation set, the tokens' layout in coordinate units) and the data
// behind it.
type Task struct {
	*sweep.Task
	Tokens      *Tokens
	Train, Test []string // recording names
	// trainZ are the z-scored training recordings (S × L each), kept for
	// TrainFC.
	trainZ []*mat.Dense
	// TestWindows are the held-out windows, X[N, S, T].
	TestWindows *masked.Windows
}

// NewTask reads and validates in, z-scores every recording per token
// (ZScore), cuts it into windows of p.Window points every p.Stride, and
// returns the task: training windows in recording order then window
// order, the held-out recordings' windows as EvalTest (and the training
// windows again as EvalTrain, so that the training loss enters every
// record's history), and the token coordinates divided by the coordinate
// unit as the layout (in.CoordUnit, or, when 0, the median nearest-
// neighbour distance; the unit is the task's "coord_unit" parameter, with
// "coord_unit_from": "median_nn" when it was taken from the data). Its
// Inputs hold the
// SHA-256 of every file read — "coords/<file>", "names/<file>" and
// "partition/<file>" where read, "signals/<file>" for every recording,
// held-out ones included (results.Inputs) — and enter every record's
// config and cell ID, so that records of other data never share an ID.
func NewTask(p Protocol, in Input) (*Task, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if in.Coords == "" || in.Signals == "" {
		return nil, fmt.Errorf("tokens: want a coordinates file and a signals folder (got %q and %q)", in.Coords, in.Signals)
	}
	if !(in.CoordUnit >= 0) || math.IsInf(in.CoordUnit, 0) {
		return nil, fmt.Errorf("tokens: -coord-unit %g, want auto (0) or a finite number > 0", in.CoordUnit)
	}
	tok, err := ReadTokens(in.Coords, in.Tokens)
	if err != nil {
		return nil, err
	}
	unit, err := tok.Unit(in.CoordUnit)
	if err != nil {
		return nil, err
	}
	var own []string
	for _, f := range tok.Files {
		own = append(own, f)
	}
	recs, err := ReadSignals(in.Signals, tok.S(), in.Coords, SignalOptions{Dataset: in.Dataset, MinTimes: p.Window, MaxOutlierZ: in.MaxOutlierZ, Names: tok.Names, Skip: own})
	if err != nil {
		return nil, err
	}
	files := map[string]string{}
	for role, path := range tok.Files {
		files[role+"/"+filepath.Base(path)] = path
	}
	for _, r := range recs {
		files["signals/"+filepath.Base(r.Path)] = r.Path
	}
	inputs, err := results.HashFiles(files)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	names := make([]string, len(recs))
	byName := map[string]*Recording{}
	for i, r := range recs {
		names[i], byName[r.Name] = r.Name, r
	}
	sp := in.Split
	if sp.Count == 0 {
		sp.Count = p.TestRecordings
	}
	if sp.Seed == 0 {
		sp.Seed = p.SplitSeed
	}
	trainNames, testNames, err := sp.Resolve(in.Signals, names)
	if err != nil {
		return nil, err
	}
	zs := func(ns []string) ([]*mat.Dense, error) {
		out := make([]*mat.Dense, len(ns))
		for i, n := range ns {
			if out[i], err = ZScore(byName[n], tok.Names); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	trz, err := zs(trainNames)
	if err != nil {
		return nil, err
	}
	tez, err := zs(testNames)
	if err != nil {
		return nil, err
	}
	trw, err := masked.MakeWindows(trz, p.Window, p.Stride)
	if err != nil {
		return nil, fmt.Errorf("tokens: training windows: %w", err)
	}
	tew, err := masked.MakeWindows(tez, p.Window, p.Stride)
	if err != nil {
		return nil, fmt.Errorf("tokens: held-out windows: %w", err)
	}
	if trw.N < p.Batch {
		return nil, fmt.Errorf("tokens: %d training windows of %d points (recordings %s), fewer than the batch size %d: add recordings or shorten the window",
			trw.N, p.Window, strings.Join(trainNames, ", "), p.Batch)
	}
	lay, err := tok.Layout(unit)
	if err != nil {
		return nil, err
	}
	name := in.Name
	if name == "" {
		name = filepath.Base(filepath.Dir(filepath.Clean(in.Coords)))
	}
	stride := p.Stride
	if stride == 0 {
		stride = p.Window
	}
	params := map[string]any{
		"data": name, "tokens": tok.S(), "dim": tok.Dim(), "axes": strings.Join(tok.Axes, ","),
		"window": p.Window, "stride": stride, "zscore": "recording-token",
		"train_recordings": strings.Join(trainNames, ","), "test_recordings": strings.Join(testNames, ","),
		"train_n": trw.N, "test_n": tew.N, "coord_unit": unit, "test_mask_ratio": p.TestMaskRatio,
	}
	if in.CoordUnit == 0 {
		params["coord_unit_from"] = CoordUnitFrom
	}
	if len(in.Split.Test) == 0 {
		params["split_seed"] = sp.Seed
	}
	if tok.Partition != nil {
		params["networks"] = len(tok.Networks)
	}
	t := &Task{Tokens: tok, Train: trainNames, Test: testNames, trainZ: trz, TestWindows: tew}
	t.Task = &sweep.Task{
		Name:  Experiment,
		Train: &train.Data{Name: "train", X: trw.X, N: trw.N, S: trw.S, F: trw.T},
		Evals: []*train.Data{{Name: masked.EvalTest, X: tew.X, N: tew.N, S: tew.S, F: tew.T, Groups: masked.UnitGroups(testNames, tew.Source)},
			{Name: EvalTrain, X: trw.X, N: trw.N, S: trw.S, F: trw.T}},
		Layout: lay,
		Params: params,
		Inputs: inputs,
	}
	return t, nil
}

// TrainFC is the training recordings' mean correlation matrix [S, S]
// (masked.GroupFC of the z-scored recordings): the data's own correlation
// structure a PE's similarity is compared with. It is computed on each
// call, not by NewTask, so that a command checks its memory estimate
// (S×S matrices are its analysis's; see sweep.Plan.Memory) before the
// first one is made.
func (t *Task) TrainFC() (*mat.SymDense, error) {
	fc, err := masked.GroupFC(t.trainZ)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return fc, nil
}

// NewPlan builds the sweep of protocol p over conditions on task: the
// masked-token objective (train.Masked: masked tokens are zeroed and
// flagged, the loss is the MSE on them) and netsim's model
// (netsim.Protocol.ModelConfig: per-token readout of the T values, width
// rounded for the task's c coordinates).
func NewPlan(p Protocol, task *Task, conds []sweep.Condition) (*sweep.Plan, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if task == nil || task.Task == nil || task.Train == nil {
		return nil, fmt.Errorf("tokens: NewPlan: no task")
	}
	return p.Plan(Experiment, task.Task, p.ModelConfig(task.Task), conds), nil
}

// Unit is the coordinate unit of the task's layout (its "coord_unit"
// parameter): one unit of the layout is Unit of the coordinates file's.
func (t *Task) Unit() float64 {
	u, _ := t.Params["coord_unit"].(float64)
	return u
}

// UnitString says in words what one unit of the layout is, e.g.
// "coordinate unit 10.47 (-coord-unit auto: the median distance from a
// token to its nearest neighbour)" or "coordinate unit 10 (-coord-unit)".
func (t *Task) UnitString() string {
	return unitString(t.Unit(), t.Params["coord_unit_from"] == CoordUnitFrom)
}

// unitString is Task.UnitString of a unit and whether it was taken from
// the data.
func unitString(u float64, auto bool) string {
	if auto {
		return fmt.Sprintf("coordinate unit %.4g of your coordinates (-coord-unit auto: the median distance from a token to its nearest neighbour)", u)
	}
	return fmt.Sprintf("coordinate unit %.4g of your coordinates (-coord-unit)", u)
}

// DataName is the name of the task's data set (its "data" parameter), as
// records carry it (DataOf).
func (t *Task) DataName() string {
	s, _ := t.Params["data"].(string)
	return s
}

// String describes the task in one sentence: its tokens (number,
// dimensions and axes, networks) and its recordings (training and held
// out, with their windows).
func (t *Task) String() string {
	return fmt.Sprintf("%d tokens in %d dimensions (%s), %d networks; training recordings %v (%d windows), held out %v (%d windows)",
		t.Tokens.S(), t.Tokens.Dim(), strings.Join(t.Tokens.Axes, ", "), len(t.Tokens.Networks),
		t.Train, t.Task.Train.N, t.Test, t.TestWindows.N)
}
