package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/pelab/pelab/pelib/geometry"
	"github.com/pelab/pelab/pelib/netsim"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

func init() {
	register(command{name: "netsim", short: "Experiment 2: network simulation with known node positions (train, evaluate, PE geometry)", run: runNetsim})
}

// netsimDefaultPE is the -pe default: the protocol's σ sweep and every
// reference condition.
const netsimDefaultPE = "default"

func runNetsim(args []string, stdout io.Writer) error {
	fs := newFlagSet("netsim")
	var f expFlags
	f.register(fs, netsimDefaultPE)
	layout := fs.String("layout", "2d", "node layout: 2d (8×8 grid) or 3d (4×4×4 grid)")
	trainRuns := fs.Int("train-runs", 0, "override the protocol's number of simulated training runs, 8 windows each (≥ 0; 0: the protocol's)")
	testRuns := fs.Int("test-runs", 0, "override the protocol's number of held-out runs (≥ 0; 0: the protocol's)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: pelab netsim [flags]\n\n"+
			"Conditions: learn-<σ>, sinnd (oracle N-D sinusoid of the true positions), ropend, shaw (or relative),\n"+
			"none, random, any PE spec; 'sigmas' (paper σ sweep), 'quick-sigmas', 'all', or 'default'\n"+
			"(the protocol's σ sweep plus sinnd, ropend, shaw, none, random).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	proto, err := netsim.ProtocolByName(f.protocol)
	if err != nil {
		return usagef("-protocol: %w", err)
	}
	if proto.Seeds, err = f.resolveSeeds(proto.Seeds, netsim.PaperSeeds); err != nil {
		return err
	}
	if *trainRuns > 0 {
		proto.TrainRuns = *trainRuns
	}
	if *testRuns > 0 {
		proto.TestRuns = *testRuns
	}
	pes := f.pe
	if pes == netsimDefaultPE {
		pes = "quick-sigmas,sinnd,ropend,shaw,none,random"
		if proto.Name == "paper" {
			pes = "all"
		}
	}
	conds, err := netsim.PEConditions(pes)
	if err != nil {
		return usagef("-pe: %w", err)
	}
	opt, err := proto.TaskOptions(*layout)
	if err != nil {
		return usagef("-layout: %w", err)
	}
	if err := checkOut("-out", f.outDir("netsim", proto.Name)); err != nil {
		return err
	}
	task, _, err := netsim.NewTask(opt)
	if err != nil {
		return err
	}
	plan, err := netsim.NewPlan(proto, task, conds)
	if err != nil {
		return err
	}
	if err := f.applyOverrides(plan); err != nil {
		return err
	}
	an, err := netsim.NewAnalyzer(task, proto.TestMaskRatio)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "layout %s: %d nodes, %d training windows of %d points, %d held-out; model width %d\n",
		opt.Layout, task.Train.S, task.Train.N, task.Train.F, task.Evals[0].N, plan.Train.Model.Width)
	truth, err := geometry.New(task.Layout, geometry.Euclidean)
	if err != nil {
		return err
	}
	store, err := runSweep(plan, &f, func(*results.Store) sweep.Options {
		return sweep.Options{Analyze: an.Analyze, Track: geometry.Tracker(truth), Snapshots: true}
	}, stdout)
	if store == nil {
		return err
	}
	return errors.Join(err, writeSummary(store, "summary-"+opt.Layout+".md", stdout, func(recs []results.Record) (string, error) {
		rep, err := netsim.Report(recs, proto.Name, opt.Layout)
		if err != nil {
			return "", err
		}
		return rep.Markdown, nil
	}))
}
