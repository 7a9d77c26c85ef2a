package fmri

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

func init() { experiment.Register(Plugin()) }

// Exp is Experiment 3 as an experiment.Experiment (registered as "fmri").
type Exp struct{ experiment.About }

// Plugin returns the experiment as it is registered.
func Plugin() Exp {
	return Exp{experiment.About{
		ID:       Experiment,
		Desc:     "Experiment 3: masked-region prediction on resting-state fMRI (HCP, Glasser-360)",
		Protos:   protocols.Names(),
		Vocab:    Vocabulary,
		Defaults: map[string]string{"": QuickConditions, "paper": "paper"},
		Help: "Conditions: learn-<σ>, sin3d, rope3d, shaw (bidirectional Shaw; 'relative' is a deprecated alias of it here),\n" +
			"none (nope), random, any PE spec, 'sigmas' for the σ sweep or 'paper' for all.\nDefault: " + QuickConditions +
			" (quick), paper (paper).\n\n" + HCPAcknowledgment,
		Opts: []experiment.Option{
			{Key: "data", Kind: experiment.String, Usage: "the hcp-glasser360 folder (default: ../shared/data/hcp-glasser360 or the fetch cache)"},
			{Key: "subjects", Kind: experiment.Strings, Item: "subject", Usage: "comma-separated subject IDs to use (default: the protocol's: quick the first 6, paper all);\nwith -test-subjects, the training subjects exactly"},
			{Key: "test_subjects", Kind: experiment.Strings, Item: "subject", Usage: "comma-separated held-out subject IDs (default: the protocol's count, drawn from -subjects);\nwithout -subjects, training uses the first subjects not held out (quick: 4, paper: all others)"},
			{Key: "test_data", Kind: experiment.String, Usage: "a folder of held-out subjects' time series (.h5/.csv/.npy as in rest/), apart from -data:\nevery subject in it is held out, or those named by -test-subjects"},
			{Key: "train_windows", Kind: experiment.Int, Usage: "keep this many training windows, evenly spaced (≥ 0; 0: all; default: the protocol's)"},
			masked.MaxOutlierZOption,
		},
	}}
}

// protocols are Experiment 3's protocols by name, the default first.
var protocols = sweep.Protocols[Protocol]{Experiment: Experiment, List: []sweep.Named[Protocol]{
	{Name: "quick", New: Quick}, {Name: "paper", New: Paper},
}}

// Build implements experiment.Experiment.
func (e Exp) Build(req experiment.Request) (*experiment.Built, error) {
	proto, conds, err := experiment.Setup(e, req, protocols, paperSeeds())
	if err != nil {
		return nil, err
	}
	if proto.TrainWindows, err = req.Int("train_windows", proto.TrainWindows); err != nil {
		return nil, err
	}
	dir, err := req.String("data", "")
	if err != nil {
		return nil, err
	}
	subj, err := req.Strings("subjects")
	if err != nil {
		return nil, err
	}
	test, err := req.Strings("test_subjects")
	if err != nil {
		return nil, err
	}
	if err := checkNamedSplit(subj, test); err != nil {
		return nil, subjectField(err)
	}
	testDir, err := req.String("test_data", "")
	if err != nil {
		return nil, err
	}
	if testDir != "" {
		if st, err := os.Stat(testDir); err != nil || !st.IsDir() {
			return nil, experiment.BadValue("test_data", testDir, "want a folder of held-out subjects' time-series files (.h5, .hdf5, .csv, .npy)")
		}
	}
	maxZ, err := masked.MaxOutlierZOf(req)
	if err != nil {
		return nil, err
	}
	task, err := NewTask(proto, TaskOptions{Dir: dir, Subjects: subj, TestSubjects: test, TestDir: testDir, MaxOutlierZ: maxZ})
	if err != nil {
		return nil, subjectField(err)
	}
	plan := NewPlan(proto, task, conds)
	return &experiment.Built{
		Plan: plan,
		Info: fmt.Sprintf("fmri: train subjects %s; held-out %s; %d training windows, %d held-out, T %d",
			strings.Join(task.Data.TrainSubjects, ","), strings.Join(task.Data.TestSubjects, ","), task.Train.N, task.Test.N, proto.T),
		Options: func(st *results.Store, b compute.Backend) (sweep.Options, error) {
			an, err := NewAnalyzer(task, proto)
			if err != nil {
				return sweep.Options{}, err
			}
			an.Backend, an.Store = b, st // per-region error maps
			return experiment.TrackLayout(an.Analyze, task.Layout)
		},
		SummaryName: "summary.md",
		Summary: func(st *results.Store, recs []results.Record, w io.Writer) (string, error) {
			rep, err := Report(recs, proto.Name)
			if err != nil {
				return "", err
			}
			maps, err := ReadRegionMaps(st, recs, proto.Name, task.Data.Partition)
			if err != nil {
				return "", err
			}
			return rep.WithSection(maps.Markdown + regionFigures(st.Dir, maps, task.Data.Centroids, w)), nil
		},
	}, nil
}

// subjectField makes a SubjectError a FieldError of the option that
// names the subject.
func subjectField(err error) error {
	var se *SubjectError
	if errors.As(err, &se) {
		if se.HeldOut {
			return &experiment.FieldError{Field: "test_subjects", Err: err}
		}
		return &experiment.FieldError{Field: "subjects", Err: err}
	}
	return err
}

// Headline implements experiment.Experiment.
func (Exp) Headline() experiment.Headline {
	return experiment.Headline{Gen: "test_mse", Interp: "dist_rsa",
		CI: []string{"test_mse", "test90_mse", "train_mse", "dist_rsa", "fc_rsa"}}
}

// Report implements experiment.Experiment.
func (Exp) Report(rs []results.Record, protocol, _ string) (experiment.ReportPart, error) {
	var part experiment.ReportPart
	r, err := Report(rs, protocol)
	if err != nil {
		return part, err
	}
	part.Markdown = r.Markdown
	part.SigmaFigure, part.SigmaErr = MSEFigure(r)
	part.SigmaCaption = "held-out masked MSE against σ (mean ± SD over seeds)"
	return part, nil
}

// regionFigures draws, for every condition with a region map, its MSE
// minus none's per region at the harder masking ratio on the brain
// (RegionDeltaFigure), all on one scale (DeltaScale of the maps), into
// dir/region_delta_<condition>.png, and returns
// the Markdown lines naming the files. A figure that fails is reported on
// w and left out.
func regionFigures(dir string, maps *RegionMaps, centroids [][3]float64, w io.Writer) string {
	if len(maps.Delta) == 0 {
		return ""
	}
	last := len(maps.Sets) - 1
	var b strings.Builder
	b.WriteString("\nBrain views of the same differences at " + maps.Sets[last] + " (blue: better than none): ")
	var files []string
	var all [][]float64
	for _, c := range SortedConditions(maps.Delta) {
		all = append(all, maps.Delta[c][last])
	}
	scale := DeltaScale(all...)
	fmt.Fprintf(&b, "(one colour scale for every map, ±%.3f) ", scale)
	for _, c := range SortedConditions(maps.Delta) {
		name := "region_delta_" + strings.NewReplacer("/", "_", ":", "_", ",", "_", " ", "_").Replace(c) + ".png"
		png, err := RegionDeltaFigure(centroids, maps.Delta[c][last], scale, c+": held-out MSE minus none's, "+maps.Sets[last])
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), png, 0o644)
		}
		if err != nil {
			fmt.Fprintf(w, "warning: region figure of %s: %v\n", c, err)
			continue
		}
		files = append(files, "`"+name+"`")
	}
	b.WriteString(strings.Join(files, ", ") + ".\n")
	return b.String()
}
