package train

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/model"
)

// countdownCtx is a context that is cancelled on the n+1-th time its Err
// is asked: a deterministic interruption at the n-th check of a run.
type countdownCtx struct {
	context.Context
	left atomic.Int64
}

func newCountdown(n int) *countdownCtx {
	c := &countdownCtx{Context: context.Background()}
	c.left.Store(int64(n))
	return c
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func (c *countdownCtx) Done() <-chan struct{} { return nil }

func (c *countdownCtx) Deadline() (time.Time, bool) { return time.Time{}, false }

// TestInterruptResumesExactly interrupts a run at every check it makes —
// before a step, between steps of an epoch, during an evaluation — and
// resumes it from the checkpoint the interruption wrote: the parameters
// and every history point equal those of a run that never stopped.
func TestInterruptResumesExactly(t *testing.T) {
	be := testbackend.Get(t)
	data := toyData(48, 3) // 3 steps per epoch
	eval := toyData(20, 4)
	eval.Name = "val"
	members := []MemberState{
		{Member: model.Member{Seed: 11, PE: sigmaSpec(t, "learn:0.2")}},
		{Member: model.Member{Seed: 12, PE: sigmaSpec(t, "learn:1")}},
	}
	base := Config{Model: tinyModel("learn:0.2", dtypes.Float32), Optimizer: Optimizer{LR: 5e-3}, BatchSize: 16, Epochs: 3, EvalEvery: 1, EvalBatch: 8}
	// Tracking adds a point before the first step and metrics at every
	// evaluation; an interrupted and resumed run must have the same.
	base.Track = func(r *Run) ([]Metrics, error) {
		out := make([]Metrics, r.M)
		for m := range out {
			v, _, err := r.Param(m, "pe/table")
			if err != nil {
				return nil, err
			}
			out[m] = Metrics{"trk_step": float64(r.Step()), "trk_pe0": v[0]}
		}
		return out, nil
	}
	straight, err := New(be, base, members, data, eval)
	if err != nil {
		t.Fatal(err)
	}
	defer straight.Close()
	if err := straight.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	// 3 epochs × (1 check per epoch + 3 per step call + 3 per eval chunk):
	// about 21 checks; n beyond them never interrupts.
	steps := map[int]bool{}
	for n := 0; n < 24; n++ {
		cfg := base
		cfg.Checkpoint = filepath.Join(t.TempDir(), "run.ckpt")
		first, err := New(be, cfg, members, data, eval)
		if err != nil {
			t.Fatal(err)
		}
		err = first.Train(newCountdown(n))
		stoppedAt := first.Step()
		first.Close()
		if err == nil {
			continue // finished before the n-th check
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("n=%d: Train returned %v, want an error wrapping context.Canceled", n, err)
		}
		steps[stoppedAt] = true
		second, err := New(be, cfg, members, data, eval)
		if err != nil {
			t.Fatal(err)
		}
		if second.Step() != stoppedAt {
			t.Errorf("n=%d: resumed at step %d, interrupted at %d", n, second.Step(), stoppedAt)
		}
		if err := second.Train(context.Background()); err != nil {
			t.Fatal(err)
		}
		for m := range members {
			if d := maxAbsDiff(allParams(t, straight, m), allParams(t, second, m)); d != 0 {
				t.Errorf("n=%d (stopped at step %d) model %d: resumed parameters differ by %g", n, stoppedAt, m, d)
			}
			hs, hr := straight.Members()[m].History, second.Members()[m].History
			if len(hs) != len(hr) {
				t.Fatalf("n=%d (stopped at step %d): histories have %d and %d points", n, stoppedAt, len(hs), len(hr))
			}
			for i := range hs {
				if hs[i].Metrics["val_acc"] != hr[i].Metrics["val_acc"] || hs[i].Step != hr[i].Step ||
					hs[i].Metrics["trk_pe0"] != hr[i].Metrics["trk_pe0"] || hs[i].Metrics["trk_step"] != float64(hs[i].Step) {
					t.Errorf("n=%d model %d point %d: %v vs %v", n, m, i, hs[i], hr[i])
				}
			}
		}
		second.Close()
	}
	if h := straight.Members()[0].History; len(h) != 4 || h[0].Step != 0 || len(h[0].Metrics) != 2 {
		t.Errorf("history of the straight run: %v, want a tracking point at step 0 and 3 evaluations", h)
	}
	// Interruptions landed at the start, inside epochs and at their ends.
	for _, s := range []int{0, 1, 2, 3, 4} {
		if !steps[s] {
			t.Errorf("no interruption stopped at step %d (stopped at %v)", s, steps)
		}
	}
}
