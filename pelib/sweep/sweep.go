// Package sweep runs an experiment's grid of conditions × seeds through the
// training engine and into a results store — the one runner every
// experiment, command and notebook uses.
//
// A [Plan] names the experiment, its task (data and token layout), the
// training protocol and the grid. [Plan.Cells] lists every model to train,
// each with the stable ID its result record will carry. [Run] skips cells
// whose valid record is already in the store, groups the pending cells whose
// PEs share a graph structure (e.g. every learned σ) into model-axis groups
// of at most MaxM models, trains each group as one computation (resuming a
// group from its checkpoint when one exists), lets the experiment add its
// own final metrics (interpretability) through a hook, and writes one record
// per model atomically. A run killed at any point resumes where it stopped.
//
// Failure. A record's status is ok, diverged or failed, and every record is
// final: a rerun skips it. Diverged is a result — a model whose loss,
// gradient or initial parameters were not finite (e.g. a σ that overflows
// float32) is frozen while the rest of its group trains on. Failed means
// the model could not be trained or analysed; the record says why (Error).
// A group that cannot be built or trained records all its models as failed
// and Run goes on with the next group; an analysis that fails for one model
// (the Analyze hook returns per-model errors) fails that model only. Run
// does all the other work, then returns an error wrapping [ErrFailed], so a
// command exits non-zero. Failed records are not retried on their own —
// a deterministic failure would otherwise be retrained forever — but with
// [Options.RetryFailed] (pelab's -retry-failed) or after deleting the
// record. Only an interruption (ctx) or a store that cannot be written
// stops Run early; an interrupted group keeps its checkpoint.
//
// Checkpoints. A group's checkpoint (<store>/checkpoints/group-<hash>.ckpt,
// named after its cells) is removed once its records are written. One that
// cannot be resumed — corrupt, truncated, or of another run — is never
// deleted: it is renamed to <name>.corrupt-<time> (or .mismatch-<time>),
// a warning names it, and the group trains afresh.
//
// Claims. Before training a group, Run claims each of its cells with an
// exclusive lock (flock) on <store>/claims/<id>.lock, skips the cells that
// another process holds (counted in [Summary.Claimed]: they are left to
// it), and re-reads the store for the cells it got, since another process
// may have finished one meanwhile. So any number of processes may run the
// same plan on one store (a second terminal, a restarted job) and each cell
// is trained once. The operating system drops a lock when its holder dies,
// even by kill -9, so a claim never goes stale; a claim file is removed
// once its cell's record is written. flock needs a file system that
// supports it (local disks do; NFS emulates it with POSIX locks).
//
// Stale temporary files. Every Run holds a shared lock on
// <store>/.pelab-store.lock while it runs. When it starts and no other
// Run holds that lock, it removes the temporary files that killed writers
// left directly in the store, checkpoint, artifacts and claims folders
// (".<name>.tmp<digits>", ".pelab-write-check-<digits>") and were last
// written at least [StaleTempAge] ago; with another Run on the store it
// removes none (see holdStore), and a later run does.
//
// Sharding: with Shards = n, shard i takes the cells whose ID hashes to i
// mod n, so n processes (a Slurm array, a Kubernetes Indexed Job) partition
// the cells exactly once and may share one store directory.
package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/npy"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/train"
)

// Task is what an experiment contributes: its data and its token layout.
type Task struct {
	Name   string
	Train  *train.Data
	Evals  []*train.Data  // each reported as "<Name>_<metric>"
	Layout pe.Layout      // true token positions
	Params map[string]any // task parameters, recorded in every record's config
	// Inputs fingerprint the files the task was made from (results.HashFiles,
	// once per task); recorded in every record's config, so part of every
	// cell ID: a changed input file is a new cell. nil for a task made
	// without reading files (netsim simulates its data from its config).
	Inputs results.Inputs
}

// Condition is one PE condition of a grid.
type Condition struct {
	Name string // label in tables, e.g. "learn-0.2" or "2d-fixed"
	PE   pe.Spec
}

// Plan is an experiment's grid.
type Plan struct {
	Experiment string
	Protocol   string
	Task       *Task
	// Train is the training protocol; its Model.PE is set per group and its
	// Model.Layout to Task.Layout.
	Train      train.Config
	Conditions []Condition
	Seeds      []int64
	// MaxM bounds the models per compiled group (0: no bound).
	MaxM int
}

// Cell is one model of the grid.
type Cell struct {
	Condition Condition
	Seed      int64
	ID        string // the ID of its result record
}

func (p *Plan) info() train.RecordInfo {
	return train.RecordInfo{Experiment: p.Experiment, Protocol: p.Protocol, Task: p.Task.Params, Inputs: p.Task.Inputs}
}

func (p *Plan) trainConfig() train.Config {
	c := p.Train
	c.Model.Layout = p.Task.Layout
	return c
}

// Validate reports the first problem with the plan.
func (p *Plan) Validate() error {
	switch {
	case p.Experiment == "":
		return errors.New("sweep: plan has no experiment name")
	case p.Task == nil || p.Task.Train == nil:
		return errors.New("sweep: plan has no task or training data")
	case len(p.Conditions) == 0:
		return errors.New("sweep: plan has no conditions")
	case len(p.Seeds) == 0:
		return errors.New("sweep: plan has no seeds")
	case p.MaxM < 0:
		return fmt.Errorf("sweep: MaxM = %d, want ≥ 0", p.MaxM)
	}
	seen := map[string]bool{}
	for _, c := range p.Conditions {
		if c.Name == "" {
			return fmt.Errorf("sweep: a condition with PE %s has no name", c.PE)
		}
		if seen[c.Name] {
			return fmt.Errorf("sweep: condition %q appears twice", c.Name)
		}
		seen[c.Name] = true
		if err := c.PE.Validate(); err != nil {
			return fmt.Errorf("sweep: condition %q: %w", c.Name, err)
		}
	}
	return nil
}

// Cells lists every (condition, seed) of the plan, conditions in order, then
// seeds.
func (p *Plan) Cells() ([]Cell, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	cfg := p.trainConfig()
	var out []Cell
	for _, c := range p.Conditions {
		for _, s := range p.Seeds {
			_, id, err := train.RecordID(cfg, p.info(), c.Name, model.Member{Seed: s, PE: c.PE})
			if err != nil {
				return nil, err
			}
			out = append(out, Cell{Condition: c, Seed: s, ID: id})
		}
	}
	return out, nil
}

// groupKey is what cells must share to train in one graph.
func groupKey(c Cell) string {
	return fmt.Sprintf("%s|wd=%g", c.Condition.PE.StructureKey(), c.Condition.PE.WeightDecay)
}

// Groups partitions cells into model-axis groups: cells with the same PE
// structure, in their original order, cut into chunks of at most maxM.
func Groups(cells []Cell, maxM int) [][]Cell {
	var keys []string
	by := map[string][]Cell{}
	for _, c := range cells {
		k := groupKey(c)
		if _, ok := by[k]; !ok {
			keys = append(keys, k)
		}
		by[k] = append(by[k], c)
	}
	var out [][]Cell
	for _, k := range keys {
		g := by[k]
		for len(g) > 0 {
			n := len(g)
			if maxM > 0 && n > maxM {
				n = maxM
			}
			out = append(out, g[:n])
			g = g[n:]
		}
	}
	return out
}

// ShardOf is the shard (of n) that owns the cell with this ID.
func ShardOf(id string, n int) int {
	if n <= 1 {
		return 0
	}
	h := sha256.Sum256([]byte(id))
	return int(binary.BigEndian.Uint64(h[:8]) % uint64(n))
}

// Options say where and how a plan runs.
type Options struct {
	Backend     compute.Backend
	BackendName string // recorded in each record, e.g. "onnx:cpu"
	Device      string
	Store       *results.Store
	// CheckpointDir holds one checkpoint per group in training (default:
	// <store>/checkpoints); a group resumes from its checkpoint.
	CheckpointDir string
	Shard, Shards int // this process runs shard Shard of Shards (0 of 1 by default)
	Progress      io.Writer
	// Analyze, when set, runs after a group is trained and returns, for
	// each of the len(cells) models, extra final metrics (e.g.
	// interpretability measures) and the error, if any, that kept that model
	// from being analysed: errs is nil or has len(cells) entries, and
	// metrics[m] is ignored where errs[m] != nil. Such a model is recorded
	// with status failed and the error as its reason (a diverged model stays
	// diverged, the analysis error appended to its reason); the others are
	// recorded normally. A non-nil err (or a panic) means the whole group
	// could not be analysed: every model is recorded as failed with it.
	// Hooks should therefore compute per model, returning a group error
	// only for what all models share (an evaluation set that is missing).
	Analyze func(run *train.Run, cells []Cell) (metrics []train.Metrics, errs []error, err error)
	// Trained, when set, is called with each trained group (before its run
	// is released), e.g. to keep PE tables for a notebook. Its error does
	// not change the records; Run reports it at the end.
	Trained func(run *train.Run, cells []Cell) error
	// Track, when set, runs at every evaluation of a group (and once
	// before its first step) and returns per-model metrics for that
	// history point (train.Config.Track), e.g. geometry.Tracker's PE
	// geometry against the true token positions.
	Track func(run *train.Run, cells []Cell) ([]train.Metrics, error)
	// Snapshots keeps each model's PE table ([L, S, D], for PEs that have
	// one) at every evaluation (and before the first step) as the artifact
	// SnapshotName(epoch), so that an analysis of the PE's geometry against
	// training time can be redone later, with other choices, without
	// retraining.
	Snapshots bool
	// RetryFailed makes Run retrain the cells whose stored record has
	// status failed. By default a failed record is final, like any other:
	// a rerun skips it (and counts it in Summary.FailedBefore), so a model
	// that fails deterministically is not retried forever. Diverged
	// records are results and always final.
	RetryFailed bool
}

// Summary counts what Run did.
type Summary struct {
	Cells, Done, Skipped, Trained, Diverged, OtherShards int
	// Failed counts the models this call recorded with status failed (a
	// training or analysis error; the reason is in the record's Error).
	Failed int
	// FailedBefore counts the skipped cells whose stored record has status
	// failed (see Options.RetryFailed).
	FailedBefore int
	// Claimed counts the pending cells left to other processes that held
	// their claims (see the package documentation).
	Claimed int
	// TempsRemoved lists the stale temporary files of killed writers that
	// Run removed from the store when it started (see StaleTempAge for the
	// rule).
	TempsRemoved []string
	// CheckpointsSetAside lists the unusable checkpoints renamed away (see
	// the package documentation), by their new names.
	CheckpointsSetAside []string
	Records             []results.Record // those written by this call
}

// ErrFailed is wrapped by Run's error when some models could not be
// trained or analysed. Every other cell was still done, and each failure is
// in the store as a record with status failed; test with errors.Is.
var ErrFailed = errors.New("models failed")

// Run trains the pending cells of the plan that belong to this shard.
//
// It returns an error at once, with no further work, when the plan or the
// options are invalid, ctx is cancelled (a group in training keeps its
// checkpoint), or a record cannot be written. When models fail — a group
// that cannot be built or trained, an analysis error — their records are
// written with status failed and Run goes on with the next group; at the
// end it returns an error wrapping ErrFailed, with the Summary of all the
// work done. Errors of the Trained hook are joined to the returned error.
func Run(ctx context.Context, p *Plan, opt Options) (Summary, error) {
	var sum Summary
	if opt.Store == nil || opt.Backend == nil {
		return sum, errors.New("sweep: Options need a Store and a Backend")
	}
	if opt.Shards == 0 {
		opt.Shards = 1
	}
	if opt.Shard < 0 || opt.Shard >= opt.Shards {
		return sum, fmt.Errorf("sweep: shard %d of %d: want 0 ≤ shard < shards", opt.Shard, opt.Shards)
	}
	if opt.CheckpointDir == "" {
		opt.CheckpointDir = filepath.Join(opt.Store.Dir, "checkpoints")
	}
	hold, removed, err := holdStore(opt.Store, opt.CheckpointDir, time.Now())
	sum.TempsRemoved = removed
	if len(removed) > 0 {
		logf(opt.Progress, "sweep: removed %d stale temporary file(s) of killed writers (untouched for %s, no other run on the store): %s\n",
			len(removed), StaleTempAge, strings.Join(removed, ", "))
	}
	if err != nil {
		return sum, err
	}
	defer hold.release()
	cells, err := p.Cells()
	if err != nil {
		return sum, err
	}
	sum.Cells = len(cells)
	var pending []Cell
	for _, c := range cells {
		if ShardOf(c.ID, opt.Shards) != opt.Shard {
			sum.OtherShards++
			continue
		}
		todo, failedBefore, err := needsTraining(opt, c.ID, true)
		if err != nil {
			return sum, err
		}
		if !todo {
			sum.Skipped++
			if failedBefore {
				sum.FailedBefore++
			}
			continue
		}
		pending = append(pending, c)
	}
	groups := Groups(pending, p.MaxM)
	logf(opt.Progress, "sweep %s/%s: %d cells, %d done already, %d in other shards, %d to train in %d group(s)\n",
		p.Experiment, p.Protocol, sum.Cells, sum.Skipped, sum.OtherShards, len(pending), len(groups))
	if sum.FailedBefore > 0 {
		logf(opt.Progress, "sweep: %d of the cells done already failed in an earlier run; their records are kept (retry them with RetryFailed, -retry-failed)\n", sum.FailedBefore)
	}
	var failures, hookErrs []error
	for gi, g := range groups {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		held, claims, skipped, err := claimGroup(opt, g)
		if err != nil {
			return sum, err
		}
		sum.Skipped += skipped
		sum.Claimed += len(g) - len(held) - skipped
		if len(held) == 0 {
			logf(opt.Progress, "group %d/%d: its %d cell(s) are claimed by other processes or done meanwhile; left to them\n", gi+1, len(groups), len(g))
			continue
		}
		if n := len(g) - len(held); n > 0 {
			logf(opt.Progress, "group %d/%d: %d of its %d cell(s) are claimed by other processes or done meanwhile; training the other %d\n", gi+1, len(groups), n, len(g), len(held))
		}
		res, err := runGroup(ctx, p, opt, held, gi, len(groups))
		written := map[string]bool{}
		for _, r := range res.recs {
			written[r.ID] = true
		}
		for i, c := range held {
			claims[i].release(written[c.ID])
		}
		if err != nil {
			return sum, err
		}
		for _, r := range res.recs {
			switch r.Status {
			case results.StatusDiverged:
				sum.Diverged++
			case results.StatusFailed:
				sum.Failed++
			}
		}
		failures = append(failures, res.failures...)
		if res.hookErr != nil {
			hookErrs = append(hookErrs, res.hookErr)
		}
		sum.CheckpointsSetAside = append(sum.CheckpointsSetAside, res.setAside...)
		sum.Trained += len(res.recs)
		sum.Records = append(sum.Records, res.recs...)
	}
	sum.Done = sum.Skipped + sum.Trained
	if sum.Claimed > 0 {
		logf(opt.Progress, "sweep %s/%s: %d cell(s) were claimed by other processes and left to them (rerun to pick up any they did not finish)\n",
			p.Experiment, p.Protocol, sum.Claimed)
	}
	var errs []error
	if sum.Failed > 0 {
		errs = append(errs, fmt.Errorf("sweep %s/%s: %w: %d model(s) recorded with status %q, the other cells are done; first: %v",
			p.Experiment, p.Protocol, ErrFailed, sum.Failed, results.StatusFailed, failures[0]))
	}
	return sum, errors.Join(append(errs, hookErrs...)...)
}

// needsTraining reports whether the cell with this ID must be trained: no
// valid record is stored, or it is a failed one and opt.RetryFailed is set.
// failedBefore tells a skipped failed record. A damaged record file is
// redone, and logged when warn is set (Run's listing warns; the check
// again after claiming does not, so the warning is printed once).
func needsTraining(opt Options, id string, warn bool) (todo, failedBefore bool, err error) {
	r, ok, err := opt.Store.Get(id)
	var ce *results.CorruptError
	if errors.As(err, &ce) {
		if warn {
			logf(opt.Progress, "sweep: %v — redoing that cell\n", err)
		}
		return true, false, nil
	}
	if err != nil {
		return false, false, err
	}
	if !ok {
		return true, false, nil
	}
	if r.Status == results.StatusFailed {
		return opt.RetryFailed, !opt.RetryFailed, nil
	}
	return false, false, nil
}

// claimGroup claims the cells of g that no other process holds and that
// still need training once claimed (another process may have finished one
// since Run listed them). It returns those cells with their claims, and
// how many cells were found done meanwhile.
func claimGroup(opt Options, g []Cell) (held []Cell, claims []*claim, doneMeanwhile int, err error) {
	for _, c := range g {
		cl, err := tryClaim(opt.Store, c.ID)
		if err != nil {
			for _, h := range claims {
				h.release(false)
			}
			return nil, nil, 0, err
		}
		if cl == nil {
			continue
		}
		todo, _, err := needsTraining(opt, c.ID, false)
		if err != nil || !todo {
			cl.release(err == nil) // done meanwhile: its record is written, the claim file is spent
			if err != nil {
				for _, h := range claims {
					h.release(false)
				}
				return nil, nil, 0, err
			}
			doneMeanwhile++
			continue
		}
		held = append(held, c)
		claims = append(claims, cl)
	}
	return held, claims, doneMeanwhile, nil
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// groupCheckpoint names a group's checkpoint after its cells, so the same
// pending group finds it again after an interruption.
func groupCheckpoint(dir string, g []Cell) string {
	ids := make([]string, len(g))
	for i, c := range g {
		ids[i] = c.ID
	}
	sort.Strings(ids)
	h := sha256.Sum256([]byte(strings.Join(ids, ",")))
	return filepath.Join(dir, fmt.Sprintf("group-%x.ckpt", h[:8]))
}

// groupResult is what runGroup did.
type groupResult struct {
	recs     []results.Record // written to the store
	failures []error          // one per model recorded as failed
	setAside []string         // checkpoints renamed away
	hookErr  error            // from Options.Trained
}

// runGroup trains, analyses and records one group. Its error is fatal to
// the sweep (ctx cancelled, a record or artifact that cannot be written);
// a model or group that fails is recorded as failed instead, its reason in
// res.failures.
func runGroup(ctx context.Context, p *Plan, opt Options, g []Cell, gi, ng int) (res groupResult, err error) {
	cfg := p.trainConfig()
	cfg.Model.PE = g[0].Condition.PE
	cfg.Checkpoint = groupCheckpoint(opt.CheckpointDir, g)
	cfg.Progress = opt.Progress
	if opt.Track != nil || opt.Snapshots {
		cfg.Track = func(run *train.Run) ([]train.Metrics, error) { return track(opt, run, g) }
	}
	members := make([]train.MemberState, len(g))
	for i, c := range g {
		members[i] = train.MemberState{Member: model.Member{Seed: c.Seed, PE: c.Condition.PE}, Label: c.Condition.Name}
	}
	logf(opt.Progress, "group %d/%d: %d model(s) of %s (%s)\n", gi+1, ng, len(g), g[0].Condition.PE.StructureKey(), conditionsOf(g))
	started := time.Now()
	info := p.info()
	info.Backend, info.Device, info.Started = opt.BackendName, opt.Device, started

	// fail records every model of the group as failed with reason.
	fail := func(run *train.Run, reason string) (groupResult, error) {
		logf(opt.Progress, "sweep: group %d/%d failed: %s; its %d model(s) are recorded as failed, the sweep goes on\n", gi+1, ng, reason, len(g))
		ms := members
		if run != nil {
			ms = run.Members() // keep the histories up to the failure
		}
		recs := make([]results.Record, len(g))
		for i := range g {
			r, err := train.FailedRecord(cfg, info, ms[i], reason)
			if err != nil {
				return res, err
			}
			if run != nil {
				r.WallSeconds = run.Wall().Seconds()
			}
			recs[i] = r
		}
		err := putRecords(opt, cfg.Checkpoint, g, recs, nil, &res)
		return res, err
	}

	run, err := train.New(opt.Backend, cfg, members, p.Task.Train, p.Task.Evals...)
	if errors.Is(err, train.ErrCheckpointCorrupt) || errors.Is(err, train.ErrCheckpointMismatch) {
		aside, aerr := setAside(cfg.Checkpoint, err)
		if aerr != nil {
			return fail(nil, fmt.Sprintf("%v; setting it aside failed too: %v", err, aerr))
		}
		logf(opt.Progress, "sweep: warning: %v; set aside as %s, training group %d/%d afresh\n", err, aside, gi+1, ng)
		res.setAside = append(res.setAside, aside)
		run, err = train.New(opt.Backend, cfg, members, p.Task.Train, p.Task.Evals...)
	}
	if err != nil {
		return fail(nil, "setting up training: "+err.Error())
	}
	defer run.Close() // its programs and buffers are freed before the next group
	if err := run.Train(ctx); err != nil {
		if ctx.Err() != nil {
			return res, fmt.Errorf("sweep: group %d: %w", gi+1, err) // interrupted: resume later
		}
		return fail(run, fmt.Sprintf("training stopped at epoch %d (step %d): %v", run.Epoch(), run.Step(), err))
	}
	if err := savePETables(opt.Store, run, g); err != nil {
		return res, err
	}
	extra, aerrs := analyze(opt.Analyze, run, g)
	if opt.Trained != nil {
		if err := opt.Trained(run, g); err != nil {
			res.hookErr = fmt.Errorf("sweep: Trained hook, group %d: %w", gi+1, err)
		}
	}
	recs, err := run.Records(info, extra)
	if err != nil {
		return res, err
	}
	err = putRecords(opt, cfg.Checkpoint, g, recs, aerrs, &res)
	return res, err
}

// putRecords marks the records of the models whose analysis failed (aerrs,
// nil or one per model), checks their IDs against the plan's, writes them
// and, every record being safely written, removes the group's checkpoint.
func putRecords(opt Options, ckpt string, g []Cell, recs []results.Record, aerrs []error, res *groupResult) error {
	for i := range recs {
		if recs[i].ID != g[i].ID {
			return fmt.Errorf("sweep: internal: record ID %s differs from the planned %s", recs[i].ID, g[i].ID)
		}
		if aerrs != nil && aerrs[i] != nil {
			reason := "analysis: " + aerrs[i].Error()
			if recs[i].Status == results.StatusDiverged {
				recs[i].Error += "; " + reason
			} else {
				recs[i].Status, recs[i].Error = results.StatusFailed, reason
			}
			logf(opt.Progress, "sweep: %s seed %d: %s\n", g[i].Condition.Name, g[i].Seed, reason)
		}
		if recs[i].Status == results.StatusFailed {
			res.failures = append(res.failures, fmt.Errorf("%s seed %d: %s", g[i].Condition.Name, g[i].Seed, recs[i].Error))
		}
		if err := opt.Store.Put(recs[i]); err != nil {
			return err
		}
		res.recs = append(res.recs, recs[i])
	}
	// Every record is safely written: the group's checkpoint is spent. One
	// that cannot be removed is harmless (no run forms this group again
	// while its records exist), so it only warrants a warning.
	if err := os.Remove(ckpt); err != nil && !errors.Is(err, os.ErrNotExist) {
		logf(opt.Progress, "sweep: warning: removing the spent checkpoint: %v\n", err)
	}
	return nil
}

// analyze runs the Analyze hook (when set) and returns one metric set and
// one error per model (aerrs nil when all succeeded). A group error, a
// panic or a malformed answer becomes every model's error.
func analyze(hook func(*train.Run, []Cell) ([]train.Metrics, []error, error), run *train.Run, g []Cell) (extra []train.Metrics, aerrs []error) {
	if hook == nil {
		return nil, nil
	}
	all := func(err error) ([]train.Metrics, []error) {
		errs := make([]error, len(g))
		for i := range errs {
			errs[i] = err
		}
		return nil, errs
	}
	var (
		ms   []train.Metrics
		errs []error
		err  error
	)
	func() {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("the analysis panicked: %v", v)
			}
		}()
		ms, errs, err = hook(run, g)
	}()
	switch {
	case err != nil:
		return all(err)
	case len(ms) != len(g):
		return all(fmt.Errorf("the analysis returned %d metric sets for %d models", len(ms), len(g)))
	case errs != nil && len(errs) != len(g):
		return all(fmt.Errorf("the analysis returned %d errors for %d models", len(errs), len(g)))
	}
	for i := range errs {
		if errs[i] != nil {
			ms[i] = nil
		}
	}
	return ms, errs
}

// setAside renames an unusable checkpoint to <name>.corrupt-<time> (or
// <name>.mismatch-<time> for another run's checkpoint), never deleting it,
// and returns the new name.
func setAside(path string, why error) (string, error) {
	kind := "corrupt"
	if errors.Is(why, train.ErrCheckpointMismatch) {
		kind = "mismatch"
	}
	stamp := time.Now().UTC().Format("20060102T150405.000Z")
	for i := 0; ; i++ {
		aside := fmt.Sprintf("%s.%s-%s", path, kind, stamp)
		if i > 0 {
			aside += fmt.Sprintf("-%d", i)
		}
		if _, err := os.Lstat(aside); err == nil {
			continue
		}
		if err := os.Rename(path, aside); err != nil {
			return "", fmt.Errorf("sweep: setting aside checkpoint %s: %w", path, err)
		}
		return aside, nil
	}
}

func conditionsOf(g []Cell) string {
	var names []string
	seen := map[string]bool{}
	for _, c := range g {
		if !seen[c.Condition.Name] {
			seen[c.Condition.Name] = true
			names = append(names, c.Condition.Name)
		}
	}
	if len(names) > 6 {
		return strings.Join(names[:6], ", ") + fmt.Sprintf(", … (%d conditions)", len(names))
	}
	return strings.Join(names, ", ")
}

// ArtifactPath is where the named array of a cell is kept:
// <store>/artifacts/<id>.<name>.npy. Run stores every model's PE table
// ([L, S, D], for PEs that have one) as "pe"; experiments add their own
// (e.g. attention maps) through their Analyze hooks.
func ArtifactPath(store *results.Store, id, name string) string {
	return filepath.Join(store.Dir, "artifacts", id+"."+name+".npy")
}

// WriteArtifact stores a cell's named array atomically.
func WriteArtifact(store *results.Store, id, name string, data []float64, shape ...int) error {
	p := ArtifactPath(store, id, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return npy.Write(p, data, shape...)
}

// ReadArtifact loads a cell's named array and its shape.
func ReadArtifact(store *results.Store, id, name string) ([]float64, []int, error) {
	return npy.Read(ArtifactPath(store, id, name))
}

// SnapshotName is the artifact name of a PE table kept at an epoch by
// Options.Snapshots: "pe-epoch0040" for epoch 40.
func SnapshotName(epoch int) string { return fmt.Sprintf("pe-epoch%04d", epoch) }

// track is a group's train.Config.Track: the PE snapshots, then opt.Track.
func track(opt Options, run *train.Run, g []Cell) ([]train.Metrics, error) {
	if opt.Snapshots {
		for m, c := range g {
			name, t, shape, ok := peArtifact(run, m, SnapshotName(run.Epoch()))
			if !ok {
				continue // no table or learned bias (none, rope, relative, …)
			}
			if err := WriteArtifact(opt.Store, c.ID, name, t, shape...); err != nil {
				return nil, fmt.Errorf("sweep: PE snapshot of %s seed %d: %w", c.Condition.Name, c.Seed, err)
			}
		}
	}
	if opt.Track == nil {
		return make([]train.Metrics, len(g)), nil
	}
	return opt.Track(run, g)
}

// peArtifact returns model m's PE as an artifact: its table [L, S, D] under
// name ("pe", "pe-epoch0040"), or, for a dpb PE, its attention-score biases
// [L, H, S, S] under name with "pe" replaced by "pe-bias" ("pe-bias",
// "pe-bias-epoch0040"); false when the PE has neither.
func peArtifact(run *train.Run, m int, name string) (string, []float64, []int, bool) {
	if t, shape, err := run.PETable(m); err == nil {
		return name, t, shape, true
	}
	if b, shape, err := run.PEBias(m); err == nil {
		return strings.Replace(name, "pe", "pe-bias", 1), b, shape, true
	}
	return "", nil, nil, false
}

func savePETables(store *results.Store, run *train.Run, g []Cell) error {
	for m, c := range g {
		name, t, shape, ok := peArtifact(run, m, "pe")
		if !ok {
			continue // this PE has no table or learned bias (none, rope, relative, …)
		}
		if err := WriteArtifact(store, c.ID, name, t, shape...); err != nil {
			return fmt.Errorf("sweep: saving the PE table of %s seed %d: %w", c.Condition.Name, c.Seed, err)
		}
	}
	return nil
}
