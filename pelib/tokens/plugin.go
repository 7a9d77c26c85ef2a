package tokens

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

func init() { experiment.Register(Plugin()) }

// Exp is the tokens experiment as an experiment.Experiment (registered as
// "tokens"): the paper's question asked of a researcher's own tokens and
// geometry.
type Exp struct{ experiment.About }

// Plugin returns the experiment as it is registered.
func Plugin() Exp {
	return Exp{experiment.About{
		ID:       Experiment,
		Desc:     "your own tokens: masked-token prediction on your recordings, PE geometry against your coordinates",
		Protos:   protocols.Names(),
		Vocab:    Vocabulary,
		Defaults: map[string]string{"": "quick-sigmas,sinnd,ropend,none,random", "paper": "all"},
		Help: "Conditions: learn-<σ>, sinnd (N-D sinusoid of your coordinates), ropend (N-D RoPE of them), shaw, none, random,\n" +
			"any PE spec; 'sigmas', 'quick-sigmas', 'all'.\n\n" +
			"Input: -coords (CSV with a header: a name column, one column per coordinate; or NPY [S, c]), -signals (a folder\n" +
			"of recordings, tokens × time: .npy, .csv without header, or .h5/.hdf5 with -dataset), optionally -partition\n" +
			"(a column of -coords or a CSV file name,network). Held-out recordings: -test (names or patterns such as 'test-*'),\n" +
			"or -test-count drawn with -split-seed.",
		Opts: []experiment.Option{
			{Key: "coords", Kind: experiment.String, Usage: "token coordinates: CSV with a header (name column optional, every other column a coordinate) or NPY [S, c]"},
			{Key: "signals", Kind: experiment.String, Usage: "folder of recordings, one file each, tokens × time (.npy, .csv without header, .h5/.hdf5)"},
			{Key: "names", Kind: experiment.String, Usage: "token names for NPY coordinates: CSV with a header and a name column"},
			{Key: "partition", Kind: experiment.String, Usage: "the tokens' networks: a column of -coords, or a CSV file with columns name,network (or network alone)"},
			{Key: "dataset", Kind: experiment.String, Usage: "path of the tokens × time dataset inside HDF5 files (default " + DefaultDataset + ")"},
			{Key: "name", Kind: experiment.String, Usage: "name of the data set in records and reports (default: the folder of -coords)"},
			{Key: "coord_unit", Kind: experiment.String, Usage: "divide the coordinates by this before the PEs of coordinates (sinnd, ropend, alibind) and the geometry: 'auto' (default) the median distance from a token to its nearest neighbour, so neighbouring tokens are about one unit apart in any unit (mm or cm alike); or a number in the coordinates' unit"},
			{Key: "test", Kind: experiment.Strings, Item: "recording", Usage: "held-out recordings: names or path patterns (e.g. 'test-*')"},
			{Key: "train", Kind: experiment.Strings, Item: "recording", Usage: "training recordings (default: every recording not held out)"},
			{Key: "test_count", Kind: experiment.Int, Usage: "without -test: hold out this many recordings, drawn with -split-seed (0: a fifth, at least 1)"},
			{Key: "split_seed", Kind: experiment.Int, Usage: "seed of the held-out draw (0: the protocol's, 1)"},
			{Key: "window", Kind: experiment.Int, Usage: "time points per window, the token features T (0: the protocol's, 16)"},
			{Key: "stride", Kind: experiment.Int, Usage: "step between window starts (0: the window)"},
			{Key: "test_mask_ratio", Kind: experiment.String, Usage: "fraction of tokens masked in the harder held-out test, test90 (default 0.9)"},
			masked.MaxOutlierZOption,
		},
	}}
}

var _ experiment.Sectioner = Plugin()

var protocols = sweep.Protocols[Protocol]{Experiment: Experiment, List: []sweep.Named[Protocol]{
	{Name: "quick", New: Quick}, {Name: "paper", New: Paper},
}}

// Vocabulary is the tokens experiment's condition language: learn-<σ>,
// sinnd (N-D sinusoid of the given coordinates), ropend (N-D RoPE of
// them), shaw (bidirectional Shaw attention over the token-index offset,
// with the output projection), none (nope), random, or any PE spec. Lists:
// "sigmas" (netsim's paper σ sweep), "quick-sigmas", "all" (the paper σ
// sweep and every reference condition). Unlike netsim and fmri it has no
// "relative" alias: "relative" is the PE spec's (lst's) meaning.
func Vocabulary() sweep.Vocabulary {
	return sweep.Vocabulary{
		Experiment: Experiment,
		Aliases: map[string]string{
			"sinnd": "sinnd", "ropend": "ropend", "shaw": "shaw", "none": "none", "nope": "none", "random": "random",
		},
		First: []string{"sinnd", "ropend"},
		Lists: map[string][]string{
			"sigmas":       sweep.SigmaNames(masked.PaperSigmas()),
			"quick-sigmas": sweep.SigmaNames(masked.QuickSigmas()),
			"all":          append([]string{"sinnd", "ropend", "shaw", "none", "random"}, sweep.SigmaNames(masked.PaperSigmas())...),
		},
	}
}

// floatOption parses option key as a number in (lo, hi) (def when
// absent or empty).
func floatOption(req experiment.Request, key string, def, lo, hi float64) (float64, error) {
	s, err := req.String(key, "")
	if err != nil || strings.TrimSpace(s) == "" {
		return def, err
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(v > lo && v < hi) || math.IsInf(v, 0) {
		return 0, experiment.BadValue(key, s, "want a number in (%g, %g)", lo, hi)
	}
	return v, nil
}

// coordUnitOption parses option coord_unit: "auto" (or absent, empty) is
// 0, the unit taken from the data (Input.CoordUnit); otherwise a finite
// number > 0.
func coordUnitOption(req experiment.Request) (float64, error) {
	s, err := req.String("coord_unit", "")
	if err != nil || strings.TrimSpace(s) == "" || strings.EqualFold(strings.TrimSpace(s), "auto") {
		return 0, err
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, experiment.BadValue("coord_unit", s, "want auto (the median nearest-neighbour distance) or a finite number > 0 in the coordinates' unit")
	}
	return v, nil
}

// nonNegative returns option key as an integer ≥ 0 (def when absent).
func nonNegative(req experiment.Request, key string, def int) (int, error) {
	n, err := req.Int(key, def)
	if err == nil && n < 0 {
		err = experiment.BadValue(key, n, "want an integer ≥ 0")
	}
	return n, err
}

// Build implements experiment.Experiment.
func (e Exp) Build(req experiment.Request) (*experiment.Built, error) {
	proto, conds, err := experiment.Setup(e, req, protocols, nil)
	if err != nil {
		return nil, err
	}
	if proto.TestMaskRatio, err = floatOption(req, "test_mask_ratio", proto.TestMaskRatio, 0, 1); err != nil {
		return nil, err
	}
	var in Input
	str := func(key string, dst *string) {
		if err == nil {
			*dst, err = req.String(key, "")
		}
	}
	str("coords", &in.Coords)
	str("signals", &in.Signals)
	str("names", &in.Tokens.Names)
	str("partition", &in.Tokens.Partition)
	str("dataset", &in.Dataset)
	str("name", &in.Name)
	if err != nil {
		return nil, err
	}
	if in.Coords == "" {
		return nil, experiment.Fieldf("coords", "tokens: no coordinates file: give -coords (a sweep spec: [task] coords)")
	}
	if in.Signals == "" {
		return nil, experiment.Fieldf("signals", "tokens: no signals folder: give -signals (a sweep spec: [task] signals)")
	}
	if in.CoordUnit, err = coordUnitOption(req); err != nil {
		return nil, err
	}
	if in.MaxOutlierZ, err = masked.MaxOutlierZOf(req); err != nil {
		return nil, err
	}
	if in.Split.Test, err = req.Strings("test"); err != nil {
		return nil, err
	}
	if in.Split.Train, err = req.Strings("train"); err != nil {
		return nil, err
	}
	if in.Split.Count, err = nonNegative(req, "test_count", 0); err != nil {
		return nil, err
	}
	seed, err := nonNegative(req, "split_seed", 0)
	if err != nil {
		return nil, err
	}
	in.Split.Seed = uint64(seed)
	if w, err := nonNegative(req, "window", 0); err != nil {
		return nil, err
	} else if w == 1 {
		return nil, experiment.BadValue("window", w, "want 0 (the protocol's) or an integer ≥ 2 (a window is the tokens' features; one time point has no variance)")
	} else if w > 0 {
		proto.Window = w
	}
	if proto.Stride, err = nonNegative(req, "stride", proto.Stride); err != nil {
		return nil, err
	}
	task, err := NewTask(proto, in)
	if err != nil {
		return nil, err
	}
	plan, err := NewPlan(proto, task, conds)
	if err != nil {
		return nil, err
	}
	var an *Analyzer // made by Options, before training; by Summary when it was not
	data := task.Params["data"].(string)
	part := "no partition"
	if task.Tokens.Partition != nil {
		part = fmt.Sprintf("%d networks", len(task.Tokens.Networks))
	}
	return &experiment.Built{
		Plan: plan,
		Info: fmt.Sprintf("tokens %s: %d tokens in %d dimensions (%s); %s; training recordings %s (%d windows of %d points), held out %s (%d windows); model width %d",
			data, task.Tokens.S(), task.Tokens.Dim(), part, task.UnitString(), strings.Join(task.Train, ","), task.Task.Train.N, proto.Window,
			strings.Join(task.Test, ","), task.TestWindows.N, plan.Train.Model.Width),
		Options: func(*results.Store, compute.Backend) (sweep.Options, error) {
			if an, err = NewAnalyzer(task, proto); err != nil {
				return sweep.Options{}, err
			}
			return experiment.TrackLayout(an.Analyze, task.Layout)
		},
		SummaryName: "summary-" + safeName(data) + ".md",
		Summary: func(st *results.Store, recs []results.Record, w io.Writer) (string, error) {
			rep, err := Report(recs, proto.Name, data)
			if err != nil {
				return "", err
			}
			if an == nil {
				if an, err = NewAnalyzer(task, proto); err != nil {
					return "", err
				}
			}
			def, err := protocols.ByName(proto.Name)
			if err != nil {
				return "", err
			}
			dir := filepath.Join(st.Dir, FiguresDir)
			if err := WriteRunFigures(an, st, recs, proto.Name, proto.Label(def, plan.Train), dir, w); err != nil {
				fmt.Fprintf(w, "warning: %v\n", err) // the summary is written all the same
			}
			return rep.Markdown, nil
		},
	}, nil
}

// safeName replaces characters that do not belong in a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r == ' ' || r < 32 {
			return '_'
		}
		return r
	}, s)
}

// Headline implements experiment.Experiment.
func (Exp) Headline() experiment.Headline {
	return experiment.Headline{Gen: "test_mse", Interp: masked.MetricRSA,
		CI: []string{"train_mse", "test_mse", "test90_mse", masked.MetricRSA, masked.MetricDecodeR2, masked.MetricFCRSA}}
}

// SectionKey implements experiment.Sectioner: one section per data set.
func (Exp) SectionKey(r results.Record) string { return DataOf(r) }

// Report implements experiment.Experiment: key is the data set.
func (Exp) Report(rs []results.Record, protocol, data string) (experiment.ReportPart, error) {
	r, err := Report(rs, protocol, data)
	if err != nil {
		return experiment.ReportPart{}, err
	}
	var labels map[string]string
	if sel := SelectRecords(rs, protocol, data); len(sel) > 0 {
		m := metaOf(sel[0])
		labels = MetricLabels(m.MaskRatio, m.TestMaskRatio)
	}
	return masked.MSEPart(rs, r.Markdown, r.Summaries, labels), nil
}

// FiguresDir is the folder, inside a run's output folder, of the figures
// `pelab tokens` writes at the end of a run (WriteRunFigures).
const FiguresDir = "figures"

// WriteRunFigures writes the analyzer's RunFigures of recs (protocol, its
// label as run) as PNG files into dir and tells w where they went, which
// could not be drawn and why, and that `pelab report` makes the full
// report of the run's folder.
func WriteRunFigures(an *Analyzer, st *results.Store, recs []results.Record, protocol, label, dir string, w io.Writer) error {
	files, figs, skipped, err := an.RunFigures(st, recs, protocol, label)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("tokens: figures: %w", err)
	}
	for i, f := range files {
		if err := figs[i].Save(filepath.Join(dir, f)); err != nil {
			return fmt.Errorf("tokens: figure %s: %w", filepath.Join(dir, f), err)
		}
	}
	fmt.Fprintf(w, "figures (%s): %d written to %s: %s\n", label, len(files), dir, strings.Join(files, ", "))
	for _, s := range skipped {
		fmt.Fprintf(w, "  not drawn: %s\n", s)
	}
	fmt.Fprintf(w, "the full report (tables, geometry over training, every figure): pelab report %s\n", st.Dir)
	return nil
}
