package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/pelab/pelab/pelib/geometry"
	"github.com/pelab/pelab/pelib/lst"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

func init() {
	register(command{name: "lst", short: "Experiment 1: the Latin Square Task (train, evaluate, compare with the paper)", run: runLST})
}

func runLST(args []string, stdout io.Writer) error {
	fs := newFlagSet("lst")
	var f expFlags
	f.register(fs, "2d-fixed,learn-0.1,learn-0.5,learn-1,learn-2")
	dataDir := fs.String("data", "", "folder with the reference CSVs (default: ../shared/data/lst or the fetch cache)")
	subset := fs.Int("subset", 0, "train on only this many puzzles (≥ 0; 0: all 8,100)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: pelab lst [flags]\n\nConditions: learn-<σ>, learn-<σ>-wd, 2d-fixed, 1d-fixed, relative, relative-bidir,\nrope1d, rope2d, nope, random, uniform, t5, alibi, alibi2d, any PE spec (%s),\n'sigmas' for the σ sweep or 'paper' for all.\n\nFlags:\n", pe.Syntax)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	proto, err := lst.ProtocolByName(f.protocol)
	if err != nil {
		return usagef("-protocol: %w", err)
	}
	if proto.Seeds, err = f.resolveSeeds(proto.Seeds, lst.PaperSeeds); err != nil {
		return err
	}
	conds, err := lst.PEConditions(f.pe)
	if err != nil {
		return usagef("-pe: %w", err)
	}
	if err := checkOut("-out", f.outDir("lst", proto.Name)); err != nil {
		return err
	}
	task, err := lst.NewTask(lst.TaskOptions{Dir: *dataDir, Subset: *subset})
	if err != nil {
		return err
	}
	plan := lst.NewPlan(proto, task, conds)
	if err := f.applyOverrides(plan); err != nil {
		return err
	}
	if *subset > 0 && *subset < plan.Train.BatchSize {
		return usagef("-subset %d: want 0 (all puzzles) or at least the batch size, %d", *subset, plan.Train.BatchSize)
	}
	truth, err := lst.Truth(plan.Train.Model.Width)
	if err != nil {
		return err
	}
	store, err := runSweep(plan, &f, func(st *results.Store) sweep.Options {
		an := lst.NewAnalyzer(task)
		an.Store = st
		return sweep.Options{Analyze: an.Analyze, Track: geometry.Tracker(truth), Snapshots: true}
	}, stdout)
	if store == nil {
		return err
	}
	return errors.Join(err, writeSummary(store, "summary.md", stdout, func(recs []results.Record) (string, error) {
		rep, err := lst.Report(recs, proto.Name)
		if err != nil {
			return "", err
		}
		return rep.Markdown, nil
	}))
}
