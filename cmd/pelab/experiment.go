package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pelab/pelab/internal/atomicfile"
	"github.com/pelab/pelab/pelib/experiment"
	_ "github.com/pelab/pelab/pelib/experiment/all" // pelab <experiment> for each
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/report"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"github.com/pelab/pelab/xla"
)

func init() {
	for _, e := range experiment.All() {
		register(command{name: e.Name(), short: e.Description(), run: func(args []string, stdout io.Writer) error {
			return runExperiment(e, args, stdout)
		}})
	}
}

// expFlags are the flags every experiment command shares.
type expFlags struct {
	protocol, pe, seeds, seedList, out, backend, shard string
	maxMemory                                          string
	epochs, evalEvery, maxM, k                         int
	lr                                                 float64
	matmul, lastBatch                                  string
	retryFailed                                        bool
}

func (f *expFlags) register(fs *flag.FlagSet, e experiment.Experiment) {
	fs.StringVar(&f.protocol, "protocol", e.Protocols()[0], "training protocol: "+strings.Join(e.Protocols(), ", ")+" (see the experiment's docs)")
	fs.StringVar(&f.pe, "pe", "", "conditions: condition names or PE specs separated by commas (a spec's own options stay with it:\n'learn-0.1,shaw,causal' is learn-0.1 and shaw,causal) or by semicolons; each PE once.\nDefault: the protocol's (see above)")
	fs.StringVar(&f.seeds, "seeds", "", "number of seeds n, 1 … 1000: the experiment's first n seeds (its paper list; the quick protocol's\ndefault is a prefix of it). Default: the protocol's seeds")
	fs.StringVar(&f.seedList, "seed-list", "", "the seeds themselves, comma-separated, each once (e.g. 3,7,11); instead of -seeds")
	fs.StringVar(&f.out, "out", "", "results directory (default out/<experiment>-<protocol>)")
	fs.StringVar(&f.backend, "backend", "", "backend (go, onnx:cpu, xla:<plugin>; default automatic, see pelab env)")
	fs.StringVar(&f.shard, "shard", "", "run shard i/n of the cells (default: from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX + -shards, else all)")
	fs.IntVar(&f.epochs, "epochs", 0, "override the protocol's number of epochs (0 … 100000; 0: the protocol's)")
	fs.IntVar(&f.evalEvery, "eval-every", 0, "override the protocol's evaluation interval in epochs (0 … 100000; 0: the protocol's)")
	fs.IntVar(&f.maxM, "max-m", 0, "at most this many models per compiled step (0 … 1024; 0: the protocol's)")
	fs.Float64Var(&f.lr, "lr", 0, "override the protocol's learning rate (finite, ≥ 0; 0: the protocol's)")
	fs.IntVar(&f.k, "k", 0, "optimisation steps per device call (an in-graph loop on XLA; 0 … 1024; 0: one)")
	fs.StringVar(&f.matmul, "matmul", "f32", "matrix-product operand dtype: f32, or bf16 (f32 accumulation)")
	fs.StringVar(&f.lastBatch, "last-batch", "", "what an epoch does with the N mod batch samples left after its full batches: drop (the\ndefault: ⌊N/B⌋ steps) or keep (one smaller last batch, ⌈N/B⌉ steps, as the paper's reference code;\nthe record's ID then says so)")
	registerMaxMemory(fs, &f.maxMemory)
	fs.BoolVar(&f.retryFailed, "retry-failed", false, "retrain the models whose record has status failed (by default a failed record is final,\nlike any other: delete it or use this flag)")
}

// optionFlags defines a flag per experiment-specific option of e; set
// returns the options given on the command line (absent ones keep the
// protocol's values).
func optionFlags(fs *flag.FlagSet, e experiment.Experiment) (set func() (map[string]any, error)) {
	strs := map[string]*string{}
	ints := map[string]*int{}
	for _, o := range e.Options() {
		switch o.Kind {
		case experiment.Int:
			ints[o.Key] = fs.Int(o.Flag(), 0, o.Usage)
		default:
			strs[o.Key] = fs.String(o.Flag(), "", o.Usage)
		}
	}
	return func() (map[string]any, error) {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		opts := map[string]any{}
		for _, o := range e.Options() {
			if !given[o.Flag()] {
				continue
			}
			switch o.Kind {
			case experiment.Int:
				opts[o.Key] = *ints[o.Key]
			case experiment.String:
				opts[o.Key] = *strs[o.Key]
			case experiment.Strings:
				list, err := commaList("-"+o.Flag(), o.Item, *strs[o.Key])
				if err != nil {
					return nil, err
				}
				opts[o.Key] = list
			}
		}
		return opts, nil
	}
}

// commaList parses the comma-separated items of flag name; an item given
// twice is a usage error naming the flag.
func commaList(name, item, list string) ([]string, error) {
	if item == "" {
		item = "item"
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			if seen[s] {
				return nil, usagef("%s: %s %s appears twice", name, item, s)
			}
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}

// notBlank rejects the named string flags when given on the command line
// with a blank value (-pe "" from an empty shell variable): left out, each
// keeps the protocol's default, so a blank one would silently run the
// protocol's grid, seeds or output folder instead of what was meant.
func notBlank(fs *flag.FlagSet, names ...string) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err == nil && slices.Contains(names, f.Name) && strings.TrimSpace(f.Value.String()) == "" {
			err = usagef("-%s %q: empty (leave -%s out for the protocol's default)", f.Name, f.Value.String(), f.Name)
		}
	})
	return err
}

// request is the experiment request of the shared flags (seeds and options
// are the caller's).
func (f *expFlags) request() (experiment.Request, error) {
	dt, err := model.ParseMatmulDType(f.matmul)
	if err != nil {
		return experiment.Request{}, usagef("-matmul: %w", err)
	}
	if err := train.CheckLastBatch(f.lastBatch); err != nil {
		return experiment.Request{}, usagef("-last-batch: %w", err)
	}
	return experiment.Request{
		Protocol: f.protocol, Conditions: f.pe,
		Overrides: sweep.Overrides{Epochs: f.epochs, EvalEvery: f.evalEvery, MaxM: f.maxM, LR: f.lr, K: f.k, Matmul: dt, LastBatch: f.lastBatch},
	}, nil
}

// flagError turns a request's FieldError into a usage error naming the
// flag.
func (f *expFlags) flagError(err error) error {
	return fieldUsage(err, map[string]string{"conditions": "-pe", "seeds": "-seeds " + f.seeds})
}

// fieldUsage turns an experiment.FieldError into a usage error naming the
// flag of its field: names[field], else -<field with - for _>. Other
// errors are returned as they are.
func fieldUsage(err error, names map[string]string) error {
	var fe *experiment.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	name := names[fe.Field]
	if name == "" {
		name = "-" + strings.ReplaceAll(fe.Field, "_", "-")
	}
	if fe.Value != nil {
		return usagef("%s %v: %w", name, fe.Value, fe.Err)
	}
	return usagef("%s: %w", name, err)
}

// runCommand is `pelab <experiment> <command> [flags] ARGS…`: the
// experiment's own command c, its flags and positional arguments parsed as
// every pelab command's (flags before or after the arguments).
func runCommand(e experiment.Experiment, c experiment.Command, args []string, stdout io.Writer) error {
	fs := newFlagSet(e.Name()+" "+c.Name, stdout)
	run := c.Flags(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: pelab %s %s [flags] %s\n\n%s\n\nFlags:\n", e.Name(), c.Name, strings.Join(c.Args, " "), c.About)
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != len(c.Args) {
		return usagef("%s: want %s, got %d argument(s) (pelab %s %s -h for help)", c.Name, strings.Join(c.Args, " "), len(pos), e.Name(), c.Name)
	}
	return fieldUsage(run(pos, stdout), nil)
}

// runExperiment is `pelab <experiment>`: it builds the experiment's plan
// from the flags, runs it and writes its summary.
func runExperiment(e experiment.Experiment, args []string, stdout io.Writer) error {
	if len(args) > 0 {
		if c, ok := experiment.CommandOf(e, args[0]); ok {
			return runCommand(e, c, args[1:], stdout)
		}
	}
	fs := newFlagSet(e.Name(), stdout)
	var f expFlags
	f.register(fs, e)
	options := optionFlags(fs, e)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: pelab %s [flags]\n\n%s\n\n", e.Name(), e.Description())
		fmt.Fprintf(fs.Output(), "%s\n\nDefault conditions:", e.ConditionHelp())
		for _, p := range e.Protocols() {
			fmt.Fprintf(fs.Output(), "\n  %s: %s", p, e.DefaultConditions(p))
		}
		if c, ok := e.(experiment.Commander); ok {
			fmt.Fprintf(fs.Output(), "\n\nCommands (pelab %s <command> -h for its flags):", e.Name())
			for _, cmd := range c.Commands() {
				fmt.Fprintf(fs.Output(), "\n  %-8s %s", cmd.Name, cmd.Short)
			}
		}
		fmt.Fprint(fs.Output(), "\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := notBlank(fs, "pe", "seeds", "seed-list", "out", "protocol"); err != nil {
		return err
	}
	if _, _, err := parseShard(f.shard); err != nil { // before the data are read
		return err
	}
	req, err := f.request()
	if err != nil {
		return err
	}
	if _, err := budget(f.maxMemory); err != nil { // a bad -max-memory fails before any data is read
		return err
	}
	proto, err := experiment.ProtocolName(e, f.protocol)
	if err != nil {
		return f.flagError(err)
	}
	if req.Seeds, req.SeedCount, err = f.seedRequest(); err != nil {
		return err
	}
	if req.Options, err = options(); err != nil {
		return err
	}
	// -out is checked before the data are read, and created only once the
	// plan is built: a bad flag leaves no empty folder behind.
	if err := checkOutCreatable("-out", f.outDir(e.Name(), proto)); err != nil {
		return err
	}
	b, err := experiment.Build(e, req)
	if err != nil {
		return f.flagError(err)
	}
	if b.Info != "" {
		fmt.Fprintln(stdout, b.Info)
	}
	store, err := runSweep(b, &f, stdout)
	if store == nil {
		return err
	}
	return errors.Join(err, writeSummary(store, b.SummaryName, stdout, func(recs []results.Record) (string, error) {
		return b.Summary(store, recs, stdout)
	}))
}

// outDir is -out, or out/<experiment>-<protocol> by default.
func (f *expFlags) outDir(experiment, protocol string) string {
	if f.out != "" {
		return f.out
	}
	return filepath.Join("out", experiment+"-"+protocol)
}

// parseShard reads -shard i/n, falling back to the cluster's array index
// variables.
func parseShard(s string) (int, int, error) {
	if s == "" {
		if id, ok := os.LookupEnv("SLURM_ARRAY_TASK_ID"); ok {
			s = id + "/" + os.Getenv("SLURM_ARRAY_TASK_COUNT")
		} else if id, ok := os.LookupEnv("JOB_COMPLETION_INDEX"); ok {
			s = id + "/" + os.Getenv("PELAB_SHARDS")
		} else {
			return 0, 1, nil
		}
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, usagef("-shard %q: want i/n with 0 ≤ i < n (e.g. 0/3)", s)
	}
	return i, n, nil
}

// runSweep runs a built plan with the shared flags and prints what it did;
// it returns the results store. The plan's sweep options (analysis hook,
// geometry tracking, snapshots) come from b.Options on the store and the
// chosen backend. When some models failed (the error wraps
// sweep.ErrFailed) it returns the store with the error: every other cell
// is done, and the caller writes its summary before returning the error.
func runSweep(b *experiment.Built, f *expFlags, stdout io.Writer) (*results.Store, error) {
	plan := b.Plan
	i, n, err := parseShard(f.shard)
	if err != nil {
		return nil, err
	}
	out := f.outDir(plan.Experiment, plan.Protocol)
	if err := checkOut("-out", out); err != nil {
		return nil, err
	}
	if err := fitMemory(plan, f.maxMemory, stdout); err != nil {
		return nil, err
	}
	store, err := results.Open(out)
	if err != nil {
		return nil, err
	}
	ch, err := xla.Choose(f.backend)
	if err != nil {
		return nil, err
	}
	defer ch.Backend.Finalize()
	fmt.Fprintf(stdout, "backend: %s\nresults: %s\n", ch, out)
	opt, err := b.Options(store, ch.Backend)
	if err != nil {
		return nil, err
	}
	opt.Backend, opt.BackendName, opt.Store = ch.Backend, ch.Config, store
	opt.Device = strings.Join(ch.Devices(), "; ")
	opt.Shard, opt.Shards, opt.Progress = i, n, stdout
	opt.RetryFailed = f.retryFailed
	ctx, stop := train.SignalContext(context.Background(), stdout)
	defer stop()
	sum, err := sweep.Run(ctx, plan, opt)
	if err != nil && errors.Is(err, context.Canceled) {
		return nil, fmt.Errorf("%w\nThe records finished so far are in %s and the interrupted group's checkpoint in %s; the same command resumes from it",
			err, out, filepath.Join(out, "checkpoints"))
	}
	if err != nil && !errors.Is(err, sweep.ErrFailed) {
		return nil, err
	}
	fmt.Fprintf(stdout, "done: %d cells, %d trained now, %d already done, %d in other shards, %d left to other processes, %d diverged, %d failed",
		sum.Cells, sum.Trained, sum.Skipped, sum.OtherShards, sum.Claimed, sum.Diverged, sum.Failed)
	if sum.FailedBefore > 0 {
		fmt.Fprintf(stdout, " (+%d failed earlier, kept: -retry-failed retrains them)", sum.FailedBefore)
	}
	fmt.Fprintf(stdout, "; peak resident memory %s\n", peakRSS())
	return store, err
}

// registerMaxMemory defines -max-memory, the memory budget of the
// commands that train, plan or benchmark.
func registerMaxMemory(fs *flag.FlagSet, v *string) {
	fs.StringVar(v, "max-memory", "", "refuse to start when the memory estimate passes this size (e.g. 8GiB, 512MiB;\ndefault: MemAvailable of /proc/meminfo)")
}

// budget is the memory budget of -max-memory (maxMemory, "" when not
// given), else MemAvailable.
func budget(maxMemory string) (train.MemoryBudget, error) {
	b, err := train.Budget(maxMemory, "/proc/meminfo")
	if err != nil {
		return b, usagef("-max-memory %w", err)
	}
	return b, nil
}

// fitMemory checks plan's memory estimate against the budget before
// anything is allocated, prints it, and lowers the plan's models per group
// when fewer fit (sweep.Plan.FitMemory). A refusal is a usage error (exit
// 2) naming the dimension that is too large.
func fitMemory(plan *sweep.Plan, maxMemory string, stdout io.Writer) error {
	b, err := budget(maxMemory)
	if err != nil {
		return err
	}
	est, note, err := plan.FitMemory(b)
	if err != nil {
		return err
	}
	avail := "not checked (no /proc/meminfo)"
	if b.OK {
		avail = train.FormatBytes(b.Bytes) + " available (" + b.Source + ")"
	}
	fmt.Fprintf(stdout, "memory: estimate %s; %s\n", est, avail)
	if note != "" {
		fmt.Fprintln(stdout, note)
	}
	return nil
}

// writeText writes s to path atomically (see internal/atomicfile).
func writeText(path, s string) error {
	return atomicfile.Write(path, []byte(s))
}

// peakRSS is this process's peak resident memory (VmHWM), e.g. "1.23 GiB".
func peakRSS() string {
	b := train.PeakRSS()
	switch {
	case b == 0:
		return "unknown (no /proc/self/status)"
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

// writeSummary reads every record of store, renders them with render,
// prints the result and writes it to <store>/<name> (e.g. summary.md), with
// one CSV row per model in <store>/records.csv. Corrupt record files are
// reported, not used.
func writeSummary(store *results.Store, name string, stdout io.Writer, render func([]results.Record) (string, error)) error {
	recs, bad, err := store.All()
	if err != nil {
		return err
	}
	for _, e := range bad {
		fmt.Fprintf(stdout, "warning: %v\n", e)
	}
	md, err := render(recs)
	if err != nil {
		return err
	}
	md += results.UnusableMarkdown(bad)
	// Records of one condition trained on different input files would be
	// pooled as if they were seeds of one run: say so, as pelab report does.
	for _, w := range report.InputsWarnings(recs) {
		md = "**Warning:** " + w + "\n\n" + md
	}
	md = strings.TrimRight(md, "\n") + fmt.Sprintf("\n\nWritten by `pelab %s`; that process's peak resident memory: %s.\n",
		strings.Join(os.Args[1:], " "), peakRSS())
	fmt.Fprintln(stdout, md)
	if err := results.WriteCSV(filepath.Join(store.Dir, "records.csv"), recs); err != nil {
		return err
	}
	return writeText(filepath.Join(store.Dir, name), md)
}
