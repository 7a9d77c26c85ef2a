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
	return train.RecordInfo{Experiment: p.Experiment, Protocol: p.Protocol, Task: p.Task.Params}
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
	// Analyze, when set, runs after a group is trained and returns extra
	// final metrics per model (e.g. interpretability measures).
	Analyze func(run *train.Run, cells []Cell) ([]train.Metrics, error)
	// Trained, when set, is called with each trained group (before its run
	// is released), e.g. to keep PE tables for a notebook.
	Trained func(run *train.Run, cells []Cell) error
}

// Summary counts what Run did.
type Summary struct {
	Cells, Done, Skipped, Trained, Diverged, OtherShards int
	Records                                              []results.Record // those written by this call
}

// Run trains the pending cells of the plan that belong to this shard.
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
		ok, err := opt.Store.Has(c.ID)
		var ce *results.CorruptError
		if errors.As(err, &ce) {
			logf(opt.Progress, "sweep: %v — redoing that cell\n", err)
			ok, err = false, nil
		}
		if err != nil {
			return sum, err
		}
		if ok {
			sum.Skipped++
			continue
		}
		pending = append(pending, c)
	}
	groups := Groups(pending, p.MaxM)
	logf(opt.Progress, "sweep %s/%s: %d cells, %d done already, %d in other shards, %d to train in %d group(s)\n",
		p.Experiment, p.Protocol, sum.Cells, sum.Skipped, sum.OtherShards, len(pending), len(groups))
	for gi, g := range groups {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		recs, err := runGroup(ctx, p, opt, g, gi, len(groups))
		if err != nil {
			return sum, err
		}
		for _, r := range recs {
			if r.Status == results.StatusDiverged {
				sum.Diverged++
			}
		}
		sum.Trained += len(recs)
		sum.Records = append(sum.Records, recs...)
	}
	sum.Done = sum.Skipped + sum.Trained
	return sum, nil
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

func runGroup(ctx context.Context, p *Plan, opt Options, g []Cell, gi, ng int) ([]results.Record, error) {
	cfg := p.trainConfig()
	cfg.Model.PE = g[0].Condition.PE
	cfg.Checkpoint = groupCheckpoint(opt.CheckpointDir, g)
	cfg.Progress = opt.Progress
	members := make([]train.MemberState, len(g))
	for i, c := range g {
		members[i] = train.MemberState{Member: model.Member{Seed: c.Seed, PE: c.Condition.PE}, Label: c.Condition.Name}
	}
	logf(opt.Progress, "group %d/%d: %d model(s) of %s (%s)\n", gi+1, ng, len(g), g[0].Condition.PE.StructureKey(), conditionsOf(g))
	started := time.Now()
	run, err := train.New(opt.Backend, cfg, members, p.Task.Train, p.Task.Evals...)
	if err != nil {
		return nil, fmt.Errorf("sweep: group %d: %w", gi+1, err)
	}
	defer run.Close() // its programs and buffers are freed before the next group
	if err := run.Train(ctx); err != nil {
		return nil, fmt.Errorf("sweep: group %d: %w", gi+1, err)
	}
	if err := savePETables(opt.Store, run, g); err != nil {
		return nil, err
	}
	var extra []train.Metrics
	if opt.Analyze != nil {
		if extra, err = opt.Analyze(run, g); err != nil {
			return nil, fmt.Errorf("sweep: analysing group %d: %w", gi+1, err)
		}
	}
	if opt.Trained != nil {
		if err := opt.Trained(run, g); err != nil {
			return nil, err
		}
	}
	info := p.info()
	info.Backend, info.Device, info.Started = opt.BackendName, opt.Device, started
	recs, err := run.Records(info, extra)
	if err != nil {
		return nil, err
	}
	for i := range recs {
		if recs[i].ID != g[i].ID {
			return nil, fmt.Errorf("sweep: internal: record ID %s differs from the planned %s", recs[i].ID, g[i].ID)
		}
		if err := opt.Store.Put(recs[i]); err != nil {
			return nil, err
		}
	}
	// Every record is safely written: the group's checkpoint is spent.
	if err := os.Remove(cfg.Checkpoint); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("sweep: removing checkpoint: %w", err)
	}
	return recs, nil
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

func savePETables(store *results.Store, run *train.Run, g []Cell) error {
	for m, c := range g {
		t, shape, err := run.PETable(m)
		if err != nil {
			continue // this PE has no table (none, rope, relative, …)
		}
		if err := WriteArtifact(store, c.ID, "pe", t, shape...); err != nil {
			return fmt.Errorf("sweep: saving the PE table of %s seed %d: %w", c.Condition.Name, c.Seed, err)
		}
	}
	return nil
}
