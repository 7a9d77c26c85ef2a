package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pelab/pelab/pelib/fmri"
	"github.com/pelab/pelab/pelib/geometry"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

func init() {
	register(command{name: "fmri", short: "Experiment 3: masked-region prediction on resting-state fMRI (HCP, Glasser-360)", run: runFMRI})
}

func runFMRI(args []string, stdout io.Writer) error {
	fs := newFlagSet("fmri")
	var f expFlags
	f.register(fs, "")
	dataDir := fs.String("data", "", "the hcp-glasser360 folder (default: ../shared/data/hcp-glasser360 or the fetch cache)")
	subjects := fs.String("subjects", "", "comma-separated subject IDs to use (default: the protocol's: quick the first 6, paper all);\nwith -test-subjects, the training subjects exactly")
	testSubjects := fs.String("test-subjects", "", "comma-separated held-out subject IDs (default: the protocol's count, drawn from -subjects);\nwithout -subjects, training uses the first subjects not held out (quick: 4, paper: all others)")
	trainWindows := fs.Int("train-windows", -1, "keep this many training windows, evenly spaced (≥ 0; 0: all; default: the protocol's)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: pelab fmri [flags]\n\nConditions: learn-<σ>, sin3d, rope3d, relative, none (nope), random, any PE spec,\n'sigmas' for the σ sweep or 'paper' for all. Default: %s (quick), paper (paper).\n\n%s\n\nFlags:\n",
			fmri.QuickConditions, fmri.HCPAcknowledgment)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	proto, err := fmri.ProtocolByName(f.protocol)
	if err != nil {
		return usagef("-protocol: %w", err)
	}
	if proto.Seeds, err = f.resolveSeeds(proto.Seeds, fmri.PaperSeeds); err != nil {
		return err
	}
	if *trainWindows >= 0 {
		proto.TrainWindows = *trainWindows
	}
	if f.pe == "" {
		f.pe = fmri.QuickConditions
		if proto.Name == "paper" {
			f.pe = "paper"
		}
	}
	conds, err := fmri.PEConditions(f.pe)
	if err != nil {
		return usagef("-pe: %w", err)
	}
	subj, err := subjectList("-subjects", *subjects)
	if err != nil {
		return err
	}
	test, err := subjectList("-test-subjects", *testSubjects)
	if err != nil {
		return err
	}
	if len(test) > 0 {
		in := map[string]bool{}
		for _, s := range subj {
			in[s] = true
		}
		for _, s := range test {
			if in[s] {
				return usagef("-test-subjects: subject %s is also in -subjects (the training subjects)", s)
			}
		}
	}
	if err := checkOut("-out", f.outDir("fmri", proto.Name)); err != nil {
		return err
	}
	task, err := fmri.NewTask(proto, fmri.TaskOptions{Dir: *dataDir, Subjects: subj, TestSubjects: test})
	var se *fmri.SubjectError
	if errors.As(err, &se) {
		flagName := "-subjects"
		if se.HeldOut {
			flagName = "-test-subjects"
		}
		return usagef("%s: %w", flagName, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fmri: train subjects %s; held-out %s; %d training windows, %d held-out, T %d\n",
		strings.Join(task.Data.TrainSubjects, ","), strings.Join(task.Data.TestSubjects, ","), task.Train.N, task.Test.N, proto.T)
	plan := fmri.NewPlan(proto, task, conds)
	if err := f.applyOverrides(plan); err != nil {
		return err
	}
	an, err := fmri.NewAnalyzer(task, proto)
	if err != nil {
		return err
	}
	truth, err := geometry.New(task.Layout, geometry.Euclidean)
	if err != nil {
		return err
	}
	store, err := runSweep(plan, &f, func(st *results.Store) sweep.Options {
		an.Backend, an.Store = f.chosen, st // per-region error maps
		return sweep.Options{Analyze: an.Analyze, Track: geometry.Tracker(truth), Snapshots: true}
	}, stdout)
	if store == nil {
		return err
	}
	return errors.Join(err, writeSummary(store, "summary.md", stdout, func(recs []results.Record) (string, error) {
		rep, err := fmri.Report(recs, proto.Name)
		if err != nil {
			return "", err
		}
		maps, err := fmri.ReadRegionMaps(store, recs, proto.Name, task.Data.Partition)
		if err != nil {
			return "", err
		}
		return rep.WithSection(maps.Markdown + regionFigures(store.Dir, maps, task.Data.Centroids, stdout)), nil
	}))
}

// regionFigures draws, for every condition with a region map, its MSE
// minus none's per region at the harder masking ratio on the brain
// (fmri.RegionDeltaFigure) into dir/region_delta_<condition>.png, and
// returns the Markdown lines naming the files. A figure that fails is
// reported on stdout and left out.
func regionFigures(dir string, maps *fmri.RegionMaps, centroids [][3]float64, stdout io.Writer) string {
	if len(maps.Delta) == 0 {
		return ""
	}
	last := len(maps.Sets) - 1
	var b strings.Builder
	b.WriteString("\nBrain views of the same differences at " + maps.Sets[last] + " (blue: better than none): ")
	var files []string
	for _, c := range fmri.SortedConditions(maps.Delta) {
		name := "region_delta_" + strings.NewReplacer("/", "_", ":", "_", ",", "_", " ", "_").Replace(c) + ".png"
		png, err := fmri.RegionDeltaFigure(centroids, maps.Delta[c][last], c+": held-out MSE minus none's, "+maps.Sets[last])
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name), png, 0o644)
		}
		if err != nil {
			fmt.Fprintf(stdout, "warning: region figure of %s: %v\n", c, err)
			continue
		}
		files = append(files, "`"+name+"`")
	}
	b.WriteString(strings.Join(files, ", ") + ".\n")
	return b.String()
}

// subjectList parses the comma-separated subject IDs of flag name; an ID
// given twice is a usage error naming the flag.
func subjectList(name, list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			if seen[s] {
				return nil, usagef("%s: subject %s appears twice", name, s)
			}
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}
