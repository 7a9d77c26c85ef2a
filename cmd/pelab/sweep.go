package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"github.com/pelab/pelab/xla"
)

func init() {
	register(command{name: "sweep", short: "plan or run a sweep spec file (grid × seeds, sharded, resumable)", run: runSweepCmd})
}

const sweepUsage = `Usage:
  pelab sweep plan SPEC [-out DIR] [-shards n] [-throughput x | -bench-steps n] [-backend b] [-max-memory size]
  pelab sweep run  SPEC [-out DIR] [-shard i/n] [-backend b] [-max-memory size]

A SPEC file (TOML, see pelib/sweep.Spec) names the experiment (one of
pelab's experiments: pelab help lists them), protocol, conditions, sigmas, seeds, a [grid] of model widths,
blocks and mask ratios, [overrides] (epochs, eval_every, lr, k, max_m, matmul) and
[task] options. 'plan' lists the cells with their ids, groups, shards and
done/pending state in the results directory, and estimates the memory of
its largest group and the cost of the pending cells; both refuse a plan whose
memory estimate passes -max-memory (default: MemAvailable) with exit status 2. 'run' trains this shard's pending cells; a killed run resumes
from its checkpoints. Shards default to SLURM_ARRAY_TASK_ID/COUNT or
JOB_COMPLETION_INDEX + PELAB_SHARDS.

Flags (after SPEC or before it):
`

// specBuilder returns the sweep.Builder of experiment e: each grid variant
// of a spec is one experiment.Request (the spec's protocol, conditions,
// seeds and [task] options, the variant's mask ratio). Spec.Plans applies
// the width, blocks and [overrides]. The built plans' other parts (the
// sweep options, the summary) are kept in built, keyed by plan.
func specBuilder(e experiment.Experiment, built map[*sweep.Plan]*experiment.Built) sweep.Builder {
	return func(s *sweep.Spec, v sweep.Variant) (*sweep.Plan, error) {
		b, err := experiment.Build(e, experiment.Request{
			Protocol: s.Protocol, Conditions: strings.Join(s.ConditionList(), ";"),
			Seeds: s.Seeds, SeedCount: s.SeedCount, Options: s.Task, MaskRatio: v.MaskRatio,
		})
		if err != nil {
			return nil, specError(s, err)
		}
		built[b.Plan] = b
		return b.Plan, nil
	}
}

// specError names the line and table of the spec key behind a request's
// FieldError: "line <n>: [<table>] <key> = <value>: …" (Spec.Plans adds
// the file and variant).
func specError(s *sweep.Spec, err error) error {
	var fe *experiment.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	table, key := "task", fe.Field
	switch fe.Field {
	case "protocol", "seeds":
		table = ""
	case "conditions":
		table = ""
		if len(s.Conditions) == 0 {
			key = "sigmas"
		}
	case "mask_ratio":
		table = "grid"
	}
	where := ""
	if n := s.Lines[table][key]; n > 0 {
		where = fmt.Sprintf("line %d: ", n)
	}
	if table != "" {
		where += "[" + table + "] "
	}
	return fmt.Errorf("%s%w", where, err)
}

func runSweepCmd(args []string, stdout io.Writer) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	fs := newFlagSet(strings.TrimSpace("sweep "+sub), stdout)
	var f expFlags
	o := sweepFlags(fs, sub, &f)
	shards, throughput, benchSteps := o.shards, o.throughput, o.benchSteps
	registerMaxMemory(fs, &f.maxMemory)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), sweepUsage)
		fs.PrintDefaults()
	}
	switch {
	case sub == "":
		fs.Usage()
		return nil
	case sub == "help" || isHelpFlag(sub):
		fs.Usage()
		return flag.ErrHelp
	case sub != "plan" && sub != "run":
		return usagef("unknown subcommand %q: want plan or run (pelab sweep -h for help)", sub)
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one spec file, got %d arguments (%s)", len(pos), strings.Join(pos, " "))
	}
	if _, err := budget(f.maxMemory); err != nil { // before the spec's data are read
		return err
	}
	if sub == "run" {
		if _, _, err := parseShard(f.shard); err != nil { // before the spec's data are read
			return err
		}
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
	// Before the plans load any data: run writes to -out; plan only reads
	// what is done there, so it may not exist yet, but must not be a file.
	check := checkOutCreatable
	if sub == "run" {
		check = checkOut
	}
	if err := check("-out", f.out); err != nil {
		return err
	}
	exp, err := experiment.Get(spec.Experiment)
	if err != nil {
		return spec.Errorf("", "experiment", "%w", err)
	}
	built := map[*sweep.Plan]*experiment.Built{}
	plans, err := spec.Plans(specBuilder(exp, built))
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
		_, err := runSweep(built[p], &f, stdout)
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

// sweepOptions are the flags of pelab sweep that are not expFlags.
type sweepOptions struct {
	shards, benchSteps *int
	throughput         *float64
}

// sweepFlags defines the flags of pelab sweep SUB on fs: those of plan
// ("plan"), of run ("run"), or of both ("", for pelab sweep -h).
func sweepFlags(fs *flag.FlagSet, sub string, f *expFlags) sweepOptions {
	fs.StringVar(&f.out, "out", "", "results directory (default: the spec's out, else out/sweep-<spec name>)")
	fs.StringVar(&f.backend, "backend", "", "backend (go, onnx:cpu, xla:<plugin>; default automatic, see pelab env)")
	var o sweepOptions
	o.shards = fs.Int("shards", 1, "plan: show each cell's shard of n")
	o.throughput = fs.Float64("throughput", 0, "plan: model-steps per second for the cost estimate (0: measure with a short benchmark)")
	o.benchSteps = fs.Int("bench-steps", 3, "plan: timed steps of the benchmark behind the cost estimate (0: no estimate)")
	if sub != "plan" {
		fs.StringVar(&f.shard, "shard", "", "run: run shard i/n of the cells (default: from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX + PELAB_SHARDS, else all)")
	}
	return o
}

// planSweep prints every cell of the plans and an estimate of the pending
// cells' training time.
func planSweep(plans []*sweep.Plan, f expFlags, shards int, throughput float64, benchSteps int, stdout io.Writer) error {
	store, err := results.Open(f.out)
	if err != nil {
		return err
	}
	for _, p := range plans { // before any cell is listed or benchmarked
		if err := fitMemory(p, f.maxMemory, stdout); err != nil {
			return err
		}
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
