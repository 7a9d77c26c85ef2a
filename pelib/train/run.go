package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/results"
)

// MemberState is the host-side record of one model of the group.
type MemberState struct {
	model.Member
	Label   string          // free-form, e.g. the condition name
	Alive   bool            // false once the model was frozen for a NaN/Inf
	Stopped string          // why the model was frozen ("" while alive)
	History []results.Point // evaluations, in order
}

// Run is a model-axis group in training: M models with the same structure.
type Run struct {
	backend compute.Backend
	cfg     Config
	specs   []model.ParamSpec
	M       int
	peWD    float64

	members []MemberState
	train   *Data
	evals   []*Data

	params []*tensors.Tensor // [M, ...] per spec
	states []*tensors.Tensor // optimiser state, per trainable param

	nTrainable int
	lastLoss   []float32 // per model, of the last step
	step       int       // optimisation steps done
	epoch      int       // epochs done
	wall       time.Duration

	stepExec *graph.Exec
	evalExec map[evalKey]*graph.Exec
}

type evalKey struct {
	noise     float64
	attention bool
}

// New prepares M = len(members) models of cfg.Model for training on train,
// evaluated on evals (each reported under its Name). Members must share the
// PE structure of cfg.Model.PE (e.g. learned PEs with different σ).
func New(backend compute.Backend, cfg Config, members []MemberState, train *Data, evals ...*Data) (*Run, error) {
	cfg = cfg.withDefaults()
	mc, err := cfg.Model.Normalize()
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	cfg.Model = mc
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, errNoMembers
	}
	if backend == nil {
		return nil, errors.New("train: nil backend")
	}
	r := &Run{backend: backend, cfg: cfg, M: len(members), train: train, evals: evals, evalExec: map[evalKey]*graph.Exec{}}
	for _, d := range append([]*Data{train}, evals...) {
		if err := r.checkData(d); err != nil {
			return nil, err
		}
	}
	if train.N < cfg.BatchSize {
		return nil, fmt.Errorf("train: training set %q has %d samples, fewer than the batch size %d", train.Name, train.N, cfg.BatchSize)
	}
	r.specs = model.Specs(cfg.Model)
	mems := make([]model.Member, len(members))
	for i, m := range members {
		mems[i] = m.Member
		m.Alive = true
		r.members = append(r.members, m)
	}
	r.peWD = members[0].PE.WeightDecay
	for i, m := range members {
		if m.PE.WeightDecay != r.peWD {
			return nil, fmt.Errorf("train: member %d has PE weight decay %g, member 0 has %g: one group needs one value", i, m.PE.WeightDecay, r.peWD)
		}
	}
	if r.params, err = model.Init(cfg.Model, mems); err != nil {
		return nil, err
	}
	for _, s := range r.specs {
		if !s.Trainable {
			continue
		}
		r.nTrainable++
		for range r.statesPerParam() {
			r.states = append(r.states, model.FromFloat64(make([]float64, r.M*s.Size()), cfg.Model.DType, append([]int{r.M}, s.Shape...)...))
		}
	}
	r.stepExec, err = graph.NewExec(backend, r.stepGraph)
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	r.stepExec.SetMaxCache(4)
	if cfg.Checkpoint != "" {
		if err := r.loadCheckpoint(cfg.Checkpoint); err != nil && !errors.Is(err, errNoCheckpoint) {
			return nil, err
		}
	}
	return r, nil
}

func (r *Run) checkData(d *Data) error {
	if d == nil {
		return errors.New("train: nil data set")
	}
	mc := r.cfg.Model
	classes := mc.Outputs
	if err := d.Validate(r.cfg.Objective, classes); err != nil {
		return err
	}
	wantF := mc.Features
	if r.cfg.Objective == Masked {
		wantF-- // the mask indicator is appended
		if tw := d.targetWidth(); tw != mc.Outputs {
			return fmt.Errorf("train: data %q has targets of width %d, the model outputs %d per token", d.Name, tw, mc.Outputs)
		}
	}
	if d.S != mc.Tokens || d.F != wantF {
		return fmt.Errorf("train: data %q has S=%d, F=%d; the model wants S=%d, F=%d", d.Name, d.S, d.F, mc.Tokens, wantF)
	}
	return nil
}

// Config returns the run's configuration (with defaults filled in).
func (r *Run) Config() Config { return r.cfg }

// Members returns the models' host-side states (histories, alive flags).
func (r *Run) Members() []MemberState { return r.members }

// Step and Epoch say how far training has gone.
func (r *Run) Step() int  { return r.step }
func (r *Run) Epoch() int { return r.epoch }

// Wall is the training wall time so far (evaluation included).
func (r *Run) Wall() time.Duration { return r.wall }

// StepsPerEpoch is ⌊N/B⌋.
func (r *Run) StepsPerEpoch() int { return r.train.N / r.cfg.BatchSize }

// TotalSteps is Epochs × StepsPerEpoch.
func (r *Run) TotalSteps() int { return r.cfg.Epochs * r.StepsPerEpoch() }

func (r *Run) scalar(v float64) *tensors.Tensor {
	if r.cfg.Model.DType == dtypes.Float64 {
		return tensors.FromScalar(v)
	}
	return tensors.FromScalar(float32(v))
}

// Steps runs n optimisation steps (crossing epochs as needed, without
// evaluating). Most callers use Train.
func (r *Run) Steps(n int) error {
	spe := r.StepsPerEpoch()
	B := r.cfg.BatchSize
	S := r.cfg.Model.Tokens
	X, Y := r.train.tensors(r.cfg.Objective)
	idx := make([]int32, r.M*B)
	var mask []float32
	if r.cfg.Objective == Masked {
		mask = make([]float32, r.M*B*S)
	}
	perms := make([][]int, r.M)
	permEpoch := -1
	o := r.cfg.Optimizer
	for range n {
		epoch := r.step / spe
		within := r.step % spe
		if epoch != permEpoch {
			for m, mem := range r.members {
				perms[m] = permutation(mem.Seed, epoch, r.train.N)
			}
			permEpoch = epoch
		}
		for m := range r.members {
			for j := range B {
				idx[m*B+j] = int32(perms[m][within*B+j])
			}
			if mask != nil {
				fillMask(mask[m*B*S:(m+1)*B*S], B, S, r.cfg.MaskRatio, r.members[m].Seed, 0x7a1, uint64(r.step))
			}
		}
		t := float64(r.step + 1)
		lr := o.LRAt(r.step, r.TotalSteps())
		alive := make([]bool, r.M)
		for m := range r.members {
			alive[m] = r.members[m].Alive
		}
		args := make([]any, 0, len(r.params)+len(r.states)+8)
		for _, p := range r.params {
			args = append(args, p)
		}
		for _, s := range r.states {
			args = append(args, s)
		}
		args = append(args, X, Y, tensors.FromFlatDataAndDimensions(idx, r.M, B))
		if mask != nil {
			args = append(args, tensors.FromFlatDataAndDimensions(mask, r.M, B, S))
		}
		args = append(args, r.scalar(lr), r.scalar(1-math.Pow(o.Beta1, t)), r.scalar(1-math.Pow(o.Beta2, t)),
			tensors.FromFlatDataAndDimensions(alive, r.M))
		if r.needsRNG() {
			st, err := graph.RNGStateFromSeed(int64(mix64(uint64(r.members[0].Seed) ^ uint64(r.step))))
			if err != nil {
				return err
			}
			args = append(args, st)
		}
		outs, err := r.stepExec.Call(args...)
		if err != nil {
			return fmt.Errorf("train: step %d: %w", r.step, err)
		}
		P := len(r.params)
		for i := range r.params {
			r.params[i].FinalizeAll()
			r.params[i] = outs[i]
		}
		for i := range r.states {
			r.states[i].FinalizeAll()
			r.states[i] = outs[P+i]
		}
		okT := outs[len(outs)-1]
		ok := tensors.MustCopyFlatData[bool](okT)
		for m := range r.members {
			if r.members[m].Alive && !ok[m] {
				r.members[m].Alive = false
				r.members[m].Stopped = fmt.Sprintf("loss or gradient became NaN/Inf at step %d (epoch %d); model frozen, the others go on", r.step, epoch)
				r.logf("model %d (%s, seed %d): %s\n", m, r.members[m].Label, r.members[m].Seed, r.members[m].Stopped)
			}
		}
		r.lastLoss = tensors.MustCopyFlatData[float32](outs[len(outs)-2])
		outs[len(outs)-2].FinalizeAll()
		okT.FinalizeAll()
		r.step++
		if within == spe-1 {
			r.epoch = epoch + 1
		}
	}
	return nil
}

func (r *Run) logf(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, format, args...)
	}
}

// Train runs the remaining epochs, evaluating every EvalEvery epochs and at
// the end, and checkpointing when configured. It returns early, after a
// checkpoint, when ctx is cancelled.
func (r *Run) Train(ctx context.Context) error {
	spe := r.StepsPerEpoch()
	bar := newBar(r.cfg.Progress, r.TotalSteps(), r.step)
	for r.epoch < r.cfg.Epochs {
		start := time.Now()
		if err := r.Steps(spe); err != nil {
			return err
		}
		r.wall += time.Since(start)
		bar.update(r.step, r.meanAliveLoss())
		last := r.epoch == r.cfg.Epochs
		if last || (r.cfg.EvalEvery > 0 && r.epoch%r.cfg.EvalEvery == 0) {
			start := time.Now()
			if err := r.evaluateAll(); err != nil {
				return err
			}
			r.wall += time.Since(start)
			bar.line(r.summaryLine())
		}
		if r.cfg.Checkpoint != "" && (last || (r.cfg.CheckpointEvery > 0 && r.epoch%r.cfg.CheckpointEvery == 0)) {
			if err := r.SaveCheckpoint(r.cfg.Checkpoint); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			if r.cfg.Checkpoint != "" {
				if err := r.SaveCheckpoint(r.cfg.Checkpoint); err != nil {
					return err
				}
			}
			return err
		}
	}
	bar.done()
	return nil
}

// meanAliveLoss is the mean over live models of the last step's loss.
func (r *Run) meanAliveLoss() float64 {
	sum, n := 0.0, 0
	for m, l := range r.lastLoss {
		if r.members[m].Alive {
			sum += float64(l)
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// evaluateAll evaluates every evaluation set and appends a history point.
func (r *Run) evaluateAll() error {
	pts := make([]map[string]float64, r.M)
	for m := range pts {
		pts[m] = map[string]float64{}
	}
	for _, d := range r.evals {
		ms, err := r.Evaluate(d, EvalOptions{})
		if err != nil {
			return err
		}
		for m := range pts {
			for k, v := range ms[m] {
				pts[m][d.Name+"_"+k] = v
			}
		}
	}
	for m := range r.members {
		r.members[m].History = append(r.members[m].History, results.Point{Step: r.step, Epoch: float64(r.epoch), Metrics: pts[m]})
	}
	return nil
}

func (r *Run) summaryLine() string {
	s := fmt.Sprintf("epoch %d step %d", r.epoch, r.step)
	if len(r.evals) == 0 {
		return s
	}
	key := r.evals[0].Name + "_" + r.primaryMetric()
	sum, n := 0.0, 0
	for _, m := range r.members {
		if len(m.History) > 0 {
			if v, ok := m.History[len(m.History)-1].Metrics[key]; ok {
				sum += v
				n++
			}
		}
	}
	if n > 0 {
		s += fmt.Sprintf("  mean %s %.4f over %d models", key, sum/float64(n), n)
	}
	return s
}

func (r *Run) primaryMetric() string {
	if r.cfg.Objective == Classify {
		return "acc"
	}
	return "mse"
}
