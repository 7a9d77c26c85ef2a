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
	"github.com/pelab/pelab/internal/cmem"
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
	// stepCompiled is the compiled graph of the last one-step call.
	stepCompiled *graph.Graph
	loopExec     *graph.Exec // K steps per call (StepsPerCall > 1), made on first use
	evalExec     map[evalKey]*graph.Exec

	perms     [][]int // per model, the permutation of epoch permEpoch
	permEpoch int
	noDonate  bool // keep the input buffers of a step (for measurements)
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
	if train.N < cfg.BatchSize && cfg.LastBatch != LastBatchKeep {
		return nil, fmt.Errorf("train: training set %q has %d samples, fewer than the batch size %d (keep the last batch to train on them as one smaller batch)", train.Name, train.N, cfg.BatchSize)
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
	r.freezeNonFinite() // a checkpoint, if any, restores its own alive flags below
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
			r.Close() // free the compiled step: the caller may retry without the file
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

// StepsPerEpoch is ⌊N/B⌋, or ⌈N/B⌉ when the last, smaller batch is kept
// (Config.LastBatch).
func (r *Run) StepsPerEpoch() int {
	if r.keepLast() {
		return (r.train.N + r.cfg.BatchSize - 1) / r.cfg.BatchSize
	}
	return r.train.N / r.cfg.BatchSize
}

// keepLast reports whether each epoch ends with a smaller batch of the
// N mod B remaining samples (Config.LastBatch "keep" and N mod B > 0). Only
// then do the step programs take per-sample weights.
func (r *Run) keepLast() bool {
	return r.cfg.LastBatch == LastBatchKeep && r.train.N%r.cfg.BatchSize != 0
}

// TotalSteps is Epochs × StepsPerEpoch.
func (r *Run) TotalSteps() int { return r.cfg.Epochs * r.StepsPerEpoch() }

func (r *Run) scalar(v float64) *tensors.Tensor {
	if r.cfg.Model.DType == dtypes.Float64 {
		return tensors.FromScalar(v)
	}
	return tensors.FromScalar(float32(v))
}

// Steps runs n optimisation steps (crossing epochs as needed, without
// evaluating). Most callers use Train. With Config.StepsPerCall K > 1 on a
// backend with an in-graph loop the steps run K per call; the results are
// the same.
func (r *Run) Steps(n int) error {
	K := r.stepsPerCall()
	for n > 0 {
		k := min(K, n)
		var err error
		if K > 1 {
			err = r.loopCall(k)
		} else {
			err = r.stepCall()
		}
		if err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// stepInputs fills, for the step r.step+k, the batch indices of every model
// (idx [M, B]), for the Masked objective their masks ([M, B, S]) and, when
// the last batch is kept, the samples' weights (weight [M, B]: 1 for a
// sample of the batch, 0 for the padding rows that fill the last, smaller
// batch up to B; they repeat the epoch's first samples).
func (r *Run) stepInputs(k int, idx []int32, mask, weight []float32) {
	spe := r.StepsPerEpoch()
	B := r.cfg.BatchSize
	S := r.cfg.Model.Tokens
	step := r.step + k
	epoch, within := step/spe, step%spe
	if epoch != r.permEpoch || r.perms == nil {
		r.perms = make([][]int, r.M)
		for m, mem := range r.members {
			r.perms[m] = permutation(mem.Seed, epoch, r.train.N)
		}
		r.permEpoch = epoch
	}
	N := r.train.N
	for m := range r.members {
		for j := range B {
			i := within*B + j
			w := float32(1)
			if i >= N { // padding of the kept last batch
				i, w = j%N, 0
			}
			idx[m*B+j] = int32(r.perms[m][i])
			if weight != nil {
				weight[m*B+j] = w
			}
		}
		if mask != nil {
			fillMask(mask[m*B*S:(m+1)*B*S], B, S, r.cfg.MaskRatio, r.members[m].Seed, 0x7a1, uint64(step))
		}
	}
}

// stepScalars returns the learning rate and the two Adam bias corrections
// (1−β1ᵗ, 1−β2ᵗ) of the step r.step+k.
func (r *Run) stepScalars(k int) (lr, bc1, bc2 float64) {
	o := r.cfg.Optimizer
	step := r.step + k
	t := float64(step + 1)
	return o.LRAt(step, r.TotalSteps()), 1 - math.Pow(o.Beta1, t), 1 - math.Pow(o.Beta2, t)
}

// stepRNG is the dropout RNG state of the step r.step+k.
func (r *Run) stepRNG(k int) (*tensors.Tensor, error) {
	return graph.RNGStateFromSeed(int64(mix64(uint64(r.members[0].Seed) ^ uint64(r.step+k))))
}

// stateArgs returns the parameters and optimiser states as call arguments,
// donating their device buffers: the call's outputs replace them, so the
// backend may update them in place instead of holding two copies.
//
// Fixed (non-trainable) parameters, such as the "random" PE table, are never
// donated: the step returns them unchanged, and a backend may hand back the
// input buffer itself as that output (ONNX Runtime does), which donation
// would have invalidated.
func (r *Run) stateArgs(args []any) ([]any, error) {
	for k, ts := range [][]*tensors.Tensor{r.params, r.states} {
		for i, t := range ts {
			if r.noDonate || (k == 0 && !r.specs[i].Trainable) {
				args = append(args, t)
				continue
			}
			d, err := graph.DonateTensorBuffer(t, r.backend, 0)
			if err != nil {
				return nil, fmt.Errorf("train: step %d: donating a parameter buffer: %w", r.step, err)
			}
			args = append(args, d)
		}
	}
	return args, nil
}

func (r *Run) aliveVector() []bool {
	alive := make([]bool, r.M)
	for m := range r.members {
		alive[m] = r.members[m].Alive
	}
	return alive
}

// takeState replaces the trainable parameters and the states with a call's
// first outputs (see stepGraph), freeing the buffers they replace (unless
// they were donated, in which case the backend already reused them).
func (r *Run) takeState(outs []*tensors.Tensor) {
	o := 0
	for i := range r.params {
		if !r.specs[i].Trainable {
			continue // fixed: the graph does not return it
		}
		if !r.noDonate {
			r.params[i].FinalizeAll()
		}
		r.params[i] = outs[o]
		o++
	}
	for i := range r.states {
		if !r.noDonate {
			r.states[i].FinalizeAll()
		}
		r.states[i] = outs[o+i]
	}
}

// stepCall runs one optimisation step as one call of the step graph.
func (r *Run) stepCall() error {
	B := r.cfg.BatchSize
	S := r.cfg.Model.Tokens
	idx := make([]int32, r.M*B)
	var mask []float32
	if r.cfg.Objective == Masked {
		mask = make([]float32, r.M*B*S)
	}
	var weight []float32
	if r.keepLast() {
		weight = make([]float32, r.M*B)
	}
	r.stepInputs(0, idx, mask, weight)
	X, Y := r.train.tensors(r.cfg.Objective)
	args, err := r.stateArgs(make([]any, 0, len(r.params)+len(r.states)+8))
	if err != nil {
		return err
	}
	var tmp temps
	defer tmp.release()
	args = append(args, X, Y, tmp.add(tensors.FromFlatDataAndDimensions(idx, r.M, B)))
	if mask != nil {
		args = append(args, tmp.add(tensors.FromFlatDataAndDimensions(mask, r.M, B, S)))
	}
	if weight != nil {
		args = append(args, tmp.add(tensors.FromFlatDataAndDimensions(weight, r.M, B)))
	}
	lr, bc1, bc2 := r.stepScalars(0)
	args = append(args, tmp.add(r.scalar(lr)), tmp.add(r.scalar(bc1)), tmp.add(r.scalar(bc2)),
		tmp.add(tensors.FromFlatDataAndDimensions(r.aliveVector(), r.M)))
	if r.needsRNG() {
		st, err := r.stepRNG(0)
		if err != nil {
			return err
		}
		args = append(args, tmp.add(st))
	}
	outs, g, err := r.stepExec.CallWithGraph(args...)
	if err != nil {
		return fmt.Errorf("train: step %d: %w", r.step, err)
	}
	r.stepCompiled = g
	r.takeState(outs)
	lossT, okT := outs[len(outs)-2], outs[len(outs)-1]
	r.afterStep(tensors.MustCopyFlatData[bool](okT), tensors.MustCopyFlatData[float32](lossT))
	lossT.FinalizeAll()
	okT.FinalizeAll()
	return nil
}

// loopCall runs k ≤ K steps as one call of the loop graph.
func (r *Run) loopCall(k int) error {
	M := r.M
	if r.loopExec == nil {
		var err error
		if r.loopExec, err = graph.NewExec(r.backend, r.loopGraph); err != nil {
			return fmt.Errorf("train: %w", err)
		}
		r.loopExec.SetMaxCache(4)
	}
	var tmp temps
	defer tmp.release()
	args, err := r.loopArgs(r.stepsPerCall(), k, &tmp)
	if err != nil {
		return err
	}
	outs, err := r.loopExec.Call(args...)
	if err != nil {
		return fmt.Errorf("train: steps %d–%d: %w", r.step, r.step+k-1, err)
	}
	r.takeState(outs)
	lossT, okT := outs[len(outs)-2], outs[len(outs)-1]
	loss := tensors.MustCopyFlatData[float32](lossT)
	ok := tensors.MustCopyFlatData[bool](okT)
	for j := range k {
		r.afterStep(ok[j*M:(j+1)*M], loss[j*M:(j+1)*M])
	}
	lossT.FinalizeAll()
	okT.FinalizeAll()
	return nil
}

// loopArgs returns the arguments of the loop graph for k of K steps from
// r.step on; the per-call tensors it makes are added to tmp.
func (r *Run) loopArgs(K, k int, tmp *temps) ([]any, error) {
	M, B := r.M, r.cfg.BatchSize
	S := r.cfg.Model.Tokens
	idx := make([]int32, K*M*B)
	var mask []float32
	if r.cfg.Objective == Masked {
		mask = make([]float32, K*M*B*S)
	}
	var weight []float32
	if r.keepLast() {
		weight = make([]float32, K*M*B)
	}
	dt := r.cfg.Model.DType
	lr, bc1, bc2 := make([]float64, K), make([]float64, K), make([]float64, K)
	var rng []uint64
	for j := range k {
		var mj, wj []float32
		if mask != nil {
			mj = mask[j*M*B*S : (j+1)*M*B*S]
		}
		if weight != nil {
			wj = weight[j*M*B : (j+1)*M*B]
		}
		r.stepInputs(j, idx[j*M*B:(j+1)*M*B], mj, wj)
		lr[j], bc1[j], bc2[j] = r.stepScalars(j)
		if r.needsRNG() {
			st, err := r.stepRNG(j)
			if err != nil {
				return nil, err
			}
			rng = append(rng, tensors.MustCopyFlatData[uint64](st)...)
			st.FinalizeAll()
		}
	}
	for j := k; j < K; j++ { // unused rows: harmless values
		bc1[j], bc2[j] = 1, 1
		if r.needsRNG() {
			rng = append(rng, 0, 0, 0)
		}
	}
	X, Y := r.train.tensors(r.cfg.Objective)
	args, err := r.stateArgs(make([]any, 0, len(r.params)+len(r.states)+10))
	if err != nil {
		return nil, err
	}
	args = append(args, X, Y, tmp.add(tensors.FromFlatDataAndDimensions(idx, K, M, B)))
	if mask != nil {
		args = append(args, tmp.add(tensors.FromFlatDataAndDimensions(mask, K, M, B, S)))
	}
	if weight != nil {
		for j := k; j < K; j++ { // unused rows: weight 1, so the mean is defined
			for i := range M * B {
				weight[j*M*B+i] = 1
			}
		}
		args = append(args, tmp.add(tensors.FromFlatDataAndDimensions(weight, K, M, B)))
	}
	args = append(args, tmp.add(model.FromFloat64(lr, dt, K)), tmp.add(model.FromFloat64(bc1, dt, K)), tmp.add(model.FromFloat64(bc2, dt, K)),
		tmp.add(tensors.FromFlatDataAndDimensions(r.aliveVector(), M)), tmp.add(tensors.FromScalar(int32(k))))
	if r.needsRNG() {
		args = append(args, tmp.add(tensors.FromFlatDataAndDimensions(rng, K, 3)))
	}
	return args, nil
}

// temps collects the tensors made for one call (batch indices, masks,
// scalars): their device buffers live in the backend's memory, which the Go
// garbage collector neither sees nor frees (GoMLX sets no finalizers, and
// ONNX Runtime's buffers are C allocations), so each is finalized as soon as
// the call returns. Without this every step leaked its inputs
// (docs/memory.md).
type temps []*tensors.Tensor

func (t *temps) add(x *tensors.Tensor) *tensors.Tensor {
	*t = append(*t, x)
	return x
}

func (t *temps) release() {
	for _, x := range *t {
		x.FinalizeAll()
	}
	*t = nil
}

// Close frees what the run holds in the backend: its compiled step, loop
// and evaluation programs (and with them ONNX Runtime's sessions and their
// memory arenas) and its parameter and optimiser-state buffers. The run is
// unusable afterwards; the data sets, which several runs may share, are not
// freed (see Data.Release). Close is idempotent. A sweep closes each group's
// run once its records are written: without it, every finished group kept
// its programs and buffers alive for the life of the process.
func (r *Run) Close() {
	if r == nil {
		return
	}
	for _, ex := range []*graph.Exec{r.stepExec, r.loopExec} {
		if ex != nil {
			ex.Finalize()
		}
	}
	for _, ex := range r.evalExec {
		ex.Finalize()
	}
	r.stepExec, r.loopExec, r.evalExec, r.stepCompiled = nil, nil, map[evalKey]*graph.Exec{}, nil
	for _, ts := range [][]*tensors.Tensor{r.params, r.states} {
		for _, t := range ts {
			if t != nil {
				t.FinalizeAll()
			}
		}
	}
	r.params, r.states = nil, nil
	// What the closed sessions freed goes back to the system: otherwise
	// glibc keeps it scattered over its arenas and the next group's
	// allocations land elsewhere, so the resident set crept up by tens of
	// MiB per group (docs/memory.md).
	cmem.Trim()
}

// afterStep books one finished step: it freezes the models whose loss or
// gradient was not finite and advances the step and epoch counters.
func (r *Run) afterStep(ok []bool, loss []float32) {
	spe := r.StepsPerEpoch()
	epoch, within := r.step/spe, r.step%spe
	for m := range r.members {
		if r.members[m].Alive && !ok[m] {
			r.members[m].Alive = false
			r.members[m].Stopped = fmt.Sprintf("loss or gradient became NaN/Inf at step %d (epoch %d); model frozen, the others go on", r.step, epoch)
			r.logf("model %d (%s, seed %d): %s\n", m, r.members[m].Label, r.members[m].Seed, r.members[m].Stopped)
		}
	}
	r.lastLoss = append(r.lastLoss[:0], loss...)
	r.step++
	if within == spe-1 {
		r.epoch = epoch + 1
	}
}

func (r *Run) logf(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, format, args...)
	}
}

// Train runs the remaining epochs, evaluating every EvalEvery epochs and at
// the end, and checkpointing when configured.
//
// Cancelling ctx stops training at the next step boundary (one call: one
// step, or K with an in-graph loop), or abandons an evaluation in progress;
// Train then writes a checkpoint (when configured) and returns an error
// that wraps ctx.Err() (errors.Is(err, context.Canceled)). A run resumed
// from that checkpoint goes on from the same step — redoing the abandoned
// evaluation first — and ends exactly as an uninterrupted run would.
func (r *Run) Train(ctx context.Context) error {
	spe := r.StepsPerEpoch()
	bar := newBar(r.cfg.Progress, r.TotalSteps(), r.step)
	interrupted := func(cause error) error {
		bar.done()
		if r.cfg.Checkpoint != "" {
			if err := r.SaveCheckpoint(r.cfg.Checkpoint); err != nil {
				return fmt.Errorf("train: interrupted at step %d, and saving the checkpoint failed: %w", r.step, err)
			}
			r.logf("interrupted at step %d (epoch %d): checkpoint %s saved\n", r.step, r.epoch, r.cfg.Checkpoint)
		}
		return fmt.Errorf("train: interrupted at step %d: %w", r.step, cause)
	}
	// A run resumed from a checkpoint written during an evaluation owes it.
	if r.step > 0 && r.step%spe == 0 && r.evalDue() && !r.evaluatedAt(r.step) {
		if err := r.evaluateAllCtx(ctx); err != nil {
			if ctx.Err() != nil {
				return interrupted(context.Cause(ctx))
			}
			return err
		}
		bar.line(r.summaryLine())
	}
	if r.step == 0 && r.cfg.Track != nil && !r.evaluatedAt(0) {
		if err := r.trackPoint(nil); err != nil {
			return err
		}
	}
	if r.epoch < r.cfg.Epochs {
		bar.begin()
	}
	for r.epoch < r.cfg.Epochs {
		if err := ctx.Err(); err != nil {
			return interrupted(err)
		}
		start := time.Now()
		err := r.stepsCtx(ctx, spe-r.step%spe, bar)
		r.wall += time.Since(start)
		if err != nil {
			if ctx.Err() != nil {
				return interrupted(context.Cause(ctx))
			}
			return err
		}
		bar.update(r.step, r.meanAliveLoss())
		last := r.epoch == r.cfg.Epochs
		if r.evalDue() {
			start := time.Now()
			err := r.evaluateAllCtx(ctx)
			r.wall += time.Since(start)
			if err != nil {
				if ctx.Err() != nil {
					return interrupted(context.Cause(ctx))
				}
				return err
			}
			bar.line(r.summaryLine())
		}
		if r.cfg.Checkpoint != "" && (last || (r.cfg.CheckpointEvery > 0 && r.epoch%r.cfg.CheckpointEvery == 0)) {
			if err := r.SaveCheckpoint(r.cfg.Checkpoint); err != nil {
				return err
			}
		}
	}
	bar.done()
	return nil
}

// evalDue reports whether the epoch just finished (r.epoch) is evaluated:
// every EvalEvery epochs and the last.
func (r *Run) evalDue() bool {
	return r.epoch == r.cfg.Epochs || (r.cfg.EvalEvery > 0 && r.epoch%r.cfg.EvalEvery == 0)
}

// evaluatedAt reports whether the history holds an evaluation at step.
func (r *Run) evaluatedAt(step int) bool {
	h := r.members[0].History
	return len(h) > 0 && h[len(h)-1].Step == step
}

// stepsCtx runs n steps as Steps does, checking ctx between calls and
// redrawing the progress bar at most twice a second.
func (r *Run) stepsCtx(ctx context.Context, n int, bar *bar) error {
	K := r.stepsPerCall()
	last := time.Now()
	for n > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		k := min(K, n)
		if err := r.Steps(k); err != nil {
			return err
		}
		n -= k
		if time.Since(last) > 500*time.Millisecond {
			bar.update(r.step, r.meanAliveLoss())
			last = time.Now()
		}
	}
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

// evaluateAllCtx evaluates every evaluation set and appends a history
// point; it is abandoned (nothing appended) when ctx is cancelled.
func (r *Run) evaluateAllCtx(ctx context.Context) error {
	pts := make([]map[string]float64, r.M)
	for m := range pts {
		pts[m] = map[string]float64{}
	}
	for _, d := range r.evals {
		ms, err := r.evaluate(ctx, d, EvalOptions{})
		if err != nil {
			return err
		}
		for m := range pts {
			for k, v := range ms[m] {
				pts[m][d.Name+"_"+k] = v
			}
		}
	}
	return r.trackPoint(pts)
}

// trackPoint adds the Track metrics (when configured) to pts and appends
// them to every model's history as the point of the current step; nil pts
// is a point with the Track metrics alone.
func (r *Run) trackPoint(pts []map[string]float64) error {
	initial := pts == nil
	if pts == nil {
		pts = make([]map[string]float64, r.M)
		for m := range pts {
			pts[m] = map[string]float64{}
		}
	}
	if r.cfg.Track != nil {
		tr, err := r.cfg.Track(r)
		if err != nil {
			return fmt.Errorf("train: tracking at step %d: %w", r.step, err)
		}
		if len(tr) != r.M {
			return fmt.Errorf("train: tracking at step %d: metrics for %d models, want %d", r.step, len(tr), r.M)
		}
		for m := range pts {
			for k, v := range tr[m] {
				pts[m][k] = v
			}
		}
	}
	if initial {
		empty := true
		for _, p := range pts {
			empty = empty && len(p) == 0
		}
		if empty {
			return nil // nothing tracked for these models (e.g. no PE)
		}
	}
	for m := range r.members {
		r.members[m].History = append(r.members[m].History, results.Point{Step: r.step, Epoch: float64(r.epoch), Metrics: pts[m]})
	}
	return nil
}

// summaryLine reports the first evaluation set's primary metric, averaged
// per member label (condition), e.g. "val_acc learn-0.1 0.72, learn-2 0.21".
func (r *Run) summaryLine() string {
	s := fmt.Sprintf("epoch %d step %d", r.epoch, r.step)
	if len(r.evals) == 0 {
		return s
	}
	key := r.evals[0].Name + "_" + r.primaryMetric()
	var labels []string
	sum, n := map[string]float64{}, map[string]int{}
	for _, m := range r.members {
		if len(m.History) == 0 {
			continue
		}
		v, ok := m.History[len(m.History)-1].Metrics[key]
		if !ok {
			continue
		}
		if _, seen := n[m.Label]; !seen {
			labels = append(labels, m.Label)
		}
		sum[m.Label] += v
		n[m.Label]++
	}
	s += "  " + key
	for i, l := range labels {
		if i == 8 {
			s += fmt.Sprintf(" … (%d more)", len(labels)-i)
			break
		}
		name := l
		if name == "" {
			name = "all"
		}
		s += fmt.Sprintf(" %s %.3f", name, sum[l]/float64(n[l]))
		if i < len(labels)-1 && i < 7 {
			s += ","
		}
	}
	return s
}

func (r *Run) primaryMetric() string {
	if r.cfg.Objective == Classify {
		return "acc"
	}
	return "mse"
}
