package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/internal/atomicfile"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"github.com/pelab/pelab/xla"
)

// expFlags are the flags every experiment command shares.
type expFlags struct {
	protocol, pe, seeds, seedList, out, backend, shard string
	epochs, evalEvery, maxM, k                         int
	lr                                                 float64
	matmul                                             string
	retryFailed                                        bool
	// chosen is the backend runSweep started, set before it calls setup
	// (for Analyze hooks that run graphs of their own).
	chosen compute.Backend
}

func (f *expFlags) register(fs *flag.FlagSet, defaultPE string) {
	fs.StringVar(&f.protocol, "protocol", "quick", "training protocol: quick or paper (see the experiment's docs)")
	fs.StringVar(&f.pe, "pe", defaultPE, "conditions: condition names or PE specs separated by commas (a spec's own options stay with it:\n'learn-0.1,shaw,causal' is learn-0.1 and shaw,causal) or by semicolons; each PE once")
	fs.StringVar(&f.seeds, "seeds", "", "number of seeds n ≥ 1: the experiment's first n seeds (its paper list; the quick protocol's\ndefault is a prefix of it). Default: the protocol's seeds")
	fs.StringVar(&f.seedList, "seed-list", "", "the seeds themselves, comma-separated, each once (e.g. 3,7,11); instead of -seeds")
	fs.StringVar(&f.out, "out", "", "results directory (default out/<experiment>-<protocol>)")
	fs.StringVar(&f.backend, "backend", "", "backend (go, onnx:cpu, xla:<plugin>; default automatic, see pelab env)")
	fs.StringVar(&f.shard, "shard", "", "run shard i/n of the cells (default: from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX + -shards, else all)")
	fs.IntVar(&f.epochs, "epochs", 0, "override the protocol's number of epochs (≥ 0; 0: the protocol's)")
	fs.IntVar(&f.evalEvery, "eval-every", 0, "override the protocol's evaluation interval in epochs (≥ 0; 0: the protocol's)")
	fs.IntVar(&f.maxM, "max-m", 0, "at most this many models per compiled step (≥ 0; 0: the protocol's)")
	fs.Float64Var(&f.lr, "lr", 0, "override the protocol's learning rate (finite, ≥ 0; 0: the protocol's)")
	fs.IntVar(&f.k, "k", 0, "optimisation steps per device call (an in-graph loop on XLA; ≥ 0; 0: one)")
	fs.StringVar(&f.matmul, "matmul", "f32", "matrix-product operand dtype: f32, or bf16 (f32 accumulation)")
	fs.BoolVar(&f.retryFailed, "retry-failed", false, "retrain the models whose record has status failed (by default a failed record is final,\nlike any other: delete it or use this flag)")
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

// runSweep runs plan with the shared flags and prints what it did; it
// returns the store's records of this plan's experiment and protocol.
// setup, when set, returns the experiment's options (e.g. its Analyze hook)
// for the results store. When some models failed (the error wraps
// sweep.ErrFailed) it returns the store with the error: every other cell is
// done, and the caller writes its summary before returning the error.
func runSweep(plan *sweep.Plan, f *expFlags, setup func(*results.Store) sweep.Options, stdout io.Writer) (*results.Store, error) {
	i, n, err := parseShard(f.shard)
	if err != nil {
		return nil, err
	}
	out := f.outDir(plan.Experiment, plan.Protocol)
	if err := checkOut("-out", out); err != nil {
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
	f.chosen = ch.Backend
	opt := sweep.Options{}
	if setup != nil {
		opt = setup(store)
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

// applyOverrides applies -epochs, -eval-every, -max-m, -lr, -k and -matmul
// to a plan; zero keeps the protocol's value (parseFlags has checked the
// ranges).
func (f *expFlags) applyOverrides(p *sweep.Plan) error {
	if f.epochs > 0 {
		p.Train.Epochs = f.epochs
		if p.Train.EvalEvery > f.epochs {
			p.Train.EvalEvery = f.epochs
		}
	}
	if f.evalEvery > 0 {
		p.Train.EvalEvery = f.evalEvery
	}
	if f.maxM > 0 {
		p.MaxM = f.maxM
	}
	if f.lr > 0 {
		p.Train.Optimizer.LR = f.lr
	}
	p.Train.StepsPerCall = f.k
	dt, err := model.ParseMatmulDType(f.matmul)
	if err != nil {
		return usagef("-matmul: %w", err)
	}
	p.Train.Model.MatmulDType = dt
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

// writeSummary reads every record of store, renders them with report,
// prints the result and writes it to <store>/<name> (e.g. summary.md), with
// one CSV row per model in <store>/records.csv. Corrupt record files are
// reported, not used.
func writeSummary(store *results.Store, name string, stdout io.Writer, report func([]results.Record) (string, error)) error {
	recs, bad, err := store.All()
	if err != nil {
		return err
	}
	for _, e := range bad {
		fmt.Fprintf(stdout, "warning: %v\n", e)
	}
	md, err := report(recs)
	if err != nil {
		return err
	}
	md += results.UnusableMarkdown(bad)
	md = strings.TrimRight(md, "\n") + fmt.Sprintf("\n\nWritten by `pelab %s`; that process's peak resident memory: %s.\n",
		strings.Join(os.Args[1:], " "), peakRSS())
	fmt.Fprintln(stdout, md)
	if err := results.WriteCSV(filepath.Join(store.Dir, "records.csv"), recs); err != nil {
		return err
	}
	return writeText(filepath.Join(store.Dir, name), md)
}
