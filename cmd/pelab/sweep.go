package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pelab/pelab/pelib/fmri"
	"github.com/pelab/pelab/pelib/lst"
	"github.com/pelab/pelab/pelib/netsim"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"github.com/pelab/pelab/xla"
)

func init() {
	register(command{name: "sweep", short: "plan or run a sweep spec file (grid × seeds, sharded, resumable)", run: runSweepCmd})
}

const sweepUsage = `Usage:
  pelab sweep plan SPEC [-out DIR] [-shards n] [-throughput x | -bench-steps n] [-backend b]
  pelab sweep run  SPEC [-out DIR] [-shard i/n] [-backend b]

A SPEC file (TOML, see pelib/sweep.Spec) names the experiment (lst,
netsim, fmri), protocol, conditions, sigmas, seeds, a [grid] of model widths,
blocks and mask ratios, [overrides] (epochs, eval_every, lr, k, max_m, matmul) and
[task] options. 'plan' lists the cells with their ids, groups, shards and
done/pending state in the results directory, and estimates the cost of the
pending cells. 'run' trains this shard's pending cells; a killed run resumes
from its checkpoints. Shards default to SLURM_ARRAY_TASK_ID/COUNT or
JOB_COMPLETION_INDEX + PELAB_SHARDS.

Flags (after SPEC or before it):
`

// experimentDef is what the sweep command knows of an experiment: how to
// build a spec's plan and the options (analysis hook) of a plan.
type experimentDef struct {
	build   sweep.Builder
	options func(p *sweep.Plan, st *results.Store) (sweep.Options, error)
}

// analyzers keeps each built plan's analysis hook factory.
type analyzers map[*sweep.Plan]func(*results.Store) (sweep.Options, error)

func experimentDefs(an analyzers) map[string]experimentDef {
	opts := func(p *sweep.Plan, st *results.Store) (sweep.Options, error) {
		if f := an[p]; f != nil {
			return f(st)
		}
		return sweep.Options{}, nil
	}
	return map[string]experimentDef{
		"lst": {options: opts, build: func(s *sweep.Spec, v sweep.Variant) (*sweep.Plan, error) {
			if err := s.CheckTask("data", "subset", "split_seed"); err != nil {
				return nil, err
			}
			if v.MaskRatio > 0 {
				return nil, errors.New("lst is a classification task: it has no mask ratio")
			}
			proto, err := lst.ProtocolByName(orDefault(s.Protocol, "quick"))
			if err != nil {
				return nil, err
			}
			if proto.Seeds, err = s.SeedsFrom(proto.Seeds, lst.PaperSeeds); err != nil {
				return nil, err
			}
			conds, err := lst.PEConditions(strings.Join(s.ConditionList(), ";"))
			if err != nil {
				return nil, err
			}
			dir, err := s.TaskString("data", "")
			if err != nil {
				return nil, err
			}
			subset, err := s.TaskInt("subset", 0)
			if err != nil {
				return nil, err
			}
			split, err := s.TaskInt("split_seed", 0)
			if err != nil {
				return nil, err
			}
			task, err := lst.NewTask(lst.TaskOptions{Dir: dir, Subset: subset, SplitSeed: uint64(split)})
			if err != nil {
				return nil, err
			}
			p := lst.NewPlan(proto, task, conds)
			if subset > 0 && subset < p.Train.BatchSize {
				return nil, fmt.Errorf("line %d: [task] subset = %d: want 0 (all puzzles) or at least the batch size, %d", s.Lines["task"]["subset"], subset, p.Train.BatchSize)
			}
			an[p] = func(st *results.Store) (sweep.Options, error) {
				a := lst.NewAnalyzer(task)
				a.Store = st
				return sweep.Options{Analyze: a.Analyze}, nil
			}
			return p, nil
		}},
		"netsim": {options: opts, build: func(s *sweep.Spec, v sweep.Variant) (*sweep.Plan, error) {
			if err := s.CheckTask("layout", "train_runs", "test_runs"); err != nil {
				return nil, err
			}
			proto, err := netsim.ProtocolByName(orDefault(s.Protocol, "quick"))
			if err != nil {
				return nil, err
			}
			if proto.Seeds, err = s.SeedsFrom(proto.Seeds, netsim.PaperSeeds); err != nil {
				return nil, err
			}
			if v.MaskRatio > 0 {
				proto.MaskRatio = v.MaskRatio
			}
			layout, err := s.TaskString("layout", "2d")
			if err != nil {
				return nil, err
			}
			// 0 keeps the protocol's, as for the -train-runs and -test-runs flags.
			if n, err := s.TaskInt("train_runs", 0); err != nil {
				return nil, err
			} else if n > 0 {
				proto.TrainRuns = n
			}
			if n, err := s.TaskInt("test_runs", 0); err != nil {
				return nil, err
			} else if n > 0 {
				proto.TestRuns = n
			}
			conds, err := netsim.PEConditions(strings.Join(s.ConditionList(), ";"))
			if err != nil {
				return nil, err
			}
			topt, err := proto.TaskOptions(layout)
			if err != nil {
				return nil, err
			}
			task, _, err := netsim.NewTask(topt)
			if err != nil {
				return nil, err
			}
			p, err := netsim.NewPlan(proto, task, conds)
			if err != nil {
				return nil, err
			}
			an[p] = func(*results.Store) (sweep.Options, error) {
				a, err := netsim.NewAnalyzer(task, proto.TestMaskRatio)
				if err != nil {
					return sweep.Options{}, err
				}
				return sweep.Options{Analyze: a.Analyze}, nil
			}
			return p, nil
		}},
		"fmri": {options: opts, build: func(s *sweep.Spec, v sweep.Variant) (*sweep.Plan, error) {
			if err := s.CheckTask("data", "subjects", "train_windows"); err != nil {
				return nil, err
			}
			proto, err := fmri.ProtocolByName(orDefault(s.Protocol, "quick"))
			if err != nil {
				return nil, err
			}
			if proto.Seeds, err = s.SeedsFrom(proto.Seeds, fmri.PaperSeeds); err != nil {
				return nil, err
			}
			if v.MaskRatio > 0 {
				proto.MaskRatio = v.MaskRatio
			}
			if proto.TrainWindows, err = s.TaskInt("train_windows", proto.TrainWindows); err != nil {
				return nil, err
			}
			dir, err := s.TaskString("data", "")
			if err != nil {
				return nil, err
			}
			subj, err := s.TaskStrings("subjects")
			if err != nil {
				return nil, err
			}
			conds, err := fmri.PEConditions(strings.Join(s.ConditionList(), ";"))
			if err != nil {
				return nil, err
			}
			task, err := fmri.NewTask(proto, fmri.TaskOptions{Dir: dir, Subjects: subj})
			if err != nil {
				return nil, err
			}
			p := fmri.NewPlan(proto, task, conds)
			an[p] = func(*results.Store) (sweep.Options, error) {
				a, err := fmri.NewAnalyzer(task, proto)
				if err != nil {
					return sweep.Options{}, err
				}
				return sweep.Options{Analyze: a.Analyze}, nil
			}
			return p, nil
		}},
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func runSweepCmd(args []string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "plan" && args[0] != "run") {
		fmt.Fprint(stdout, sweepUsage)
		if len(args) == 0 || args[0] == "-h" || args[0] == "help" {
			return nil
		}
		return usagef("unknown subcommand %q: want plan or run", args[0])
	}
	sub := args[0]
	fs := newFlagSet("sweep " + sub)
	var f expFlags
	fs.StringVar(&f.out, "out", "", "results directory (default: the spec's out, else out/sweep-<spec name>)")
	fs.StringVar(&f.backend, "backend", "", "backend (go, onnx:cpu, xla:<plugin>; default automatic, see pelab env)")
	shards := fs.Int("shards", 1, "plan: show each cell's shard of n")
	throughput := fs.Float64("throughput", 0, "plan: model-steps per second for the cost estimate (0: measure with a short benchmark)")
	benchSteps := fs.Int("bench-steps", 3, "plan: timed steps of the benchmark behind the cost estimate (0: no estimate)")
	if sub == "run" {
		fs.StringVar(&f.shard, "shard", "", "run shard i/n of the cells (default: from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX + PELAB_SHARDS, else all)")
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), sweepUsage)
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one spec file, got %d arguments (%s)", len(pos), strings.Join(pos, " "))
	}
	spec, err := sweep.ReadSpec(pos[0])
	if err != nil {
		return err
	}
	if f.out == "" {
		f.out = spec.Out
	}
	if f.out == "" {
		f.out = filepath.Join("out", "sweep-"+strings.TrimSuffix(filepath.Base(pos[0]), filepath.Ext(pos[0])))
	}
	if sub == "run" { // before the plans load any data
		if err := checkOut("-out", f.out); err != nil {
			return err
		}
	}
	an := analyzers{}
	def, ok := experimentDefs(an)[spec.Experiment]
	if !ok {
		return fmt.Errorf("sweep: %s line %d: experiment %q: want lst, netsim or fmri", pos[0], spec.Lines[""]["experiment"], spec.Experiment)
	}
	plans, err := spec.Plans(def.build)
	if err != nil {
		return err
	}
	if sub == "plan" {
		return planSweep(plans, f, *shards, *throughput, *benchSteps, stdout)
	}
	var failed []error // models failed (recorded as such); the other plans still run
	for i, p := range plans {
		if len(plans) > 1 {
			fmt.Fprintf(stdout, "== plan %d/%d: %s/%s\n", i+1, len(plans), p.Experiment, p.Protocol)
		}
		var setupErr error
		_, err := runSweep(p, &f, func(st *results.Store) sweep.Options {
			o, err := def.options(p, st)
			setupErr = err
			return o
		}, stdout)
		if err == nil {
			err = setupErr
		}
		if errors.Is(err, sweep.ErrFailed) {
			failed = append(failed, err)
			continue
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "all plans done in this shard; aggregate with: pelab report %s\n", f.out)
	return errors.Join(failed...)
}

// planSweep prints every cell of the plans and an estimate of the pending
// cells' training time.
func planSweep(plans []*sweep.Plan, f expFlags, shards int, throughput float64, benchSteps int, stdout io.Writer) error {
	store, err := results.Open(f.out)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "protocol\tcondition\tseed\tid\tgroup\tshard\tstate")
	type pend struct {
		p      *sweep.Plan
		groups [][]sweep.Cell
	}
	var pending []pend
	total, done := 0, 0
	for _, p := range plans {
		cells, err := p.Cells()
		if err != nil {
			return err
		}
		var todo []sweep.Cell
		groupOf := map[string]int{}
		for gi, g := range sweep.Groups(cells, p.MaxM) {
			for _, c := range g {
				groupOf[c.ID] = gi + 1
			}
		}
		for _, c := range cells {
			state := "pending"
			ok, err := store.Has(c.ID)
			var ce *results.CorruptError
			switch {
			case errors.As(err, &ce):
				state = "corrupt (will redo)"
			case err != nil:
				return err
			case ok:
				state = "done"
				done++
			}
			if state != "done" {
				todo = append(todo, c)
			}
			total++
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d/%d\t%s\n", p.Protocol, c.Condition.Name, c.Seed, c.ID,
				groupOf[c.ID], sweep.ShardOf(c.ID, shards), shards, state)
		}
		pending = append(pending, pend{p, sweep.Groups(todo, p.MaxM)})
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n%d cells, %d done, %d pending; results: %s\n", total, done, total-done, f.out)
	if total == done || (throughput == 0 && benchSteps == 0) {
		return nil
	}
	var sum sweep.Cost
	var basis string
	for _, pd := range pending {
		if len(pd.groups) == 0 {
			continue
		}
		tp, compile := throughput, time.Duration(0)
		if tp == 0 {
			m := 0
			for _, g := range pd.groups {
				m = max(m, len(g))
			}
			ch, err := xla.Choose(f.backend)
			if err != nil {
				return err
			}
			cfg := pd.p.Train
			cfg.Model.Layout, cfg.Model.PE = pd.p.Task.Layout, pd.groups[0][0].Condition.PE
			b, err := train.BenchWith(ch.Backend, cfg, train.BenchOptions{M: m, Steps: benchSteps})
			ch.Backend.Finalize()
			if err != nil {
				return fmt.Errorf("benchmark of %s/%s: %w", pd.p.Experiment, pd.p.Protocol, err)
			}
			tp, compile = b.ModelStepsSec, b.Compile
			basis += fmt.Sprintf("  %s/%s: train.BenchWith on %s, M = %d (largest pending group, PE %s), %d steps: %.3g model-steps/s, first call %.1f s\n",
				pd.p.Experiment, pd.p.Protocol, ch, m, cfg.Model.PE, b.Steps, tp, compile.Seconds())
		}
		c, err := sweep.EstimateCost(pd.p, pd.groups, tp, compile)
		if err != nil {
			return err
		}
		sum.Groups += c.Groups
		sum.Models += c.Models
		sum.ModelSteps += c.ModelSteps
		sum.Seconds += c.Seconds
	}
	if basis == "" {
		basis = fmt.Sprintf("  -throughput %g model-steps/s (given), no compile time\n", throughput)
	}
	fmt.Fprintf(stdout, "estimate for the pending cells: %d models in %d groups, %d model-steps, ≈ %s on one process (≈ %s per shard with %d shards)\n",
		sum.Models, sum.Groups, sum.ModelSteps, fmtDur(sum.Seconds), fmtDur(sum.Seconds/float64(shards)), shards)
	fmt.Fprintf(stdout, "basis (training steps only; evaluation and analysis not counted; groups share a throughput measured once per plan):\n%s", basis)
	return nil
}

func fmtDur(s float64) string {
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return "?"
	}
	return time.Duration(s * float64(time.Second)).Round(time.Second).String()
}
