package sweep_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// smallPlan is tinyPlan cut to one group: learn-0.1 and learn-1, seeds 1
// and 2, one epoch.
func smallPlan(t testing.TB) *sweep.Plan {
	p := tinyPlan(t, 1)
	p.Conditions = p.Conditions[:2]
	p.Seeds = []int64{1, 2}
	return p
}

func openStore(t *testing.T, dir string) *results.Store {
	t.Helper()
	st, err := results.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func opts(t *testing.T, st *results.Store) sweep.Options {
	return sweep.Options{Backend: testbackend.Get(t), BackendName: testbackend.Name(t), Store: st}
}

// okHook analyses every model successfully.
func okHook(_ *train.Run, cells []sweep.Cell) ([]train.Metrics, []error, error) {
	out := make([]train.Metrics, len(cells))
	for i := range out {
		out[i] = train.Metrics{"extra": 1}
	}
	return out, nil, nil
}

// TestAnalysisFailure: an analysis that fails for one model records that
// model as failed with its reason and the others normally; a group error,
// a panic or a malformed answer fails every model of the group. Failed
// records are final on a rerun, and RetryFailed retrains exactly them.
func TestAnalysisFailure(t *testing.T) {
	badCell := func(c sweep.Cell) bool { return c.Condition.Name == "learn-1" && c.Seed == 2 }
	cases := []struct {
		name     string
		hook     func(*train.Run, []sweep.Cell) ([]train.Metrics, []error, error)
		failed   int    // models recorded as failed
		reason   string // in their Error
		onlyCell bool   // only badCell fails
	}{
		{
			name: "one model", failed: 1, onlyCell: true, reason: "analysis: PE table of learn-1 seed 2: flat[0] = +Inf",
			hook: func(run *train.Run, cells []sweep.Cell) ([]train.Metrics, []error, error) {
				out, _, _ := okHook(run, cells)
				errs := make([]error, len(cells))
				for i, c := range cells {
					if badCell(c) {
						errs[i] = errors.New("PE table of learn-1 seed 2: flat[0] = +Inf")
					}
				}
				return out, errs, nil
			},
		},
		{
			name: "group error", failed: 4, reason: "analysis: no evaluation set",
			hook: func(*train.Run, []sweep.Cell) ([]train.Metrics, []error, error) {
				return nil, nil, errors.New("no evaluation set")
			},
		},
		{
			name: "panic", failed: 4, reason: "analysis: the analysis panicked: index out of range",
			hook: func(*train.Run, []sweep.Cell) ([]train.Metrics, []error, error) { panic("index out of range") },
		},
		{
			name: "wrong length", failed: 4, reason: "analysis: the analysis returned 1 metric sets for 4 models",
			hook: func(*train.Run, []sweep.Cell) ([]train.Metrics, []error, error) {
				return []train.Metrics{{}}, nil, nil
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t, t.TempDir())
			o := opts(t, st)
			o.Analyze = c.hook
			sum, err := sweep.Run(context.Background(), smallPlan(t), o)
			if !errors.Is(err, sweep.ErrFailed) {
				t.Fatalf("Run: %v, want an error wrapping ErrFailed", err)
			}
			if !strings.Contains(err.Error(), c.reason) {
				t.Errorf("Run's error %q does not give the reason %q", err, c.reason)
			}
			if sum.Trained != 4 || sum.Failed != c.failed || len(sum.Records) != 4 {
				t.Fatalf("trained %d, failed %d, %d records; want 4, %d, 4", sum.Trained, sum.Failed, len(sum.Records), c.failed)
			}
			for id, r := range records(t, st.Dir) {
				fails := !c.onlyCell || (r.Condition == "learn-1" && r.Seed == 2)
				switch {
				case fails && (r.Status != results.StatusFailed || r.Error != c.reason):
					t.Errorf("record %s (%s seed %d): status %q, error %q; want failed, %q", id, r.Condition, r.Seed, r.Status, r.Error, c.reason)
				case !fails && (r.Status != results.StatusOK || r.Final["extra"] != 1):
					t.Errorf("record %s (%s seed %d): status %q, extra %v; want ok with the analysis", id, r.Condition, r.Seed, r.Status, r.Final["extra"])
				}
			}
			if ms, _ := filepath.Glob(filepath.Join(st.Dir, "checkpoints", "*")); len(ms) > 0 {
				t.Errorf("checkpoints left: %v", ms)
			}
			// A rerun does nothing: failed records are final.
			o.Analyze = okHook
			sum, err = sweep.Run(context.Background(), smallPlan(t), o)
			if err != nil || sum.Trained != 0 || sum.Skipped != 4 || sum.FailedBefore != c.failed {
				t.Fatalf("rerun: %v, trained %d, skipped %d, failed before %d; want nil, 0, 4, %d", err, sum.Trained, sum.Skipped, sum.FailedBefore, c.failed)
			}
			// RetryFailed retrains the failed ones only.
			o.RetryFailed = true
			sum, err = sweep.Run(context.Background(), smallPlan(t), o)
			if err != nil || sum.Trained != c.failed || sum.Failed != 0 {
				t.Fatalf("retry: %v, trained %d, failed %d; want nil, %d, 0", err, sum.Trained, sum.Failed, c.failed)
			}
			for id, r := range records(t, st.Dir) {
				if r.Status != results.StatusOK {
					t.Errorf("after the retry, record %s is %s: %s", id, r.Status, r.Error)
				}
			}
		})
	}
}

// TestNonFiniteInit: a σ that overflows float32 marks its models diverged
// before training, with the reason; the healthy models of the same group
// train and are recorded; nothing is left to redo.
func TestNonFiniteInit(t *testing.T) {
	st := openStore(t, t.TempDir())
	p := smallPlan(t)
	p.Conditions[1] = sweep.Condition{Name: "learn-1e39", PE: mustSpec("learn:normal:1e39")}
	sum, err := sweep.Run(context.Background(), p, opts(t, st))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Trained != 4 || sum.Diverged != 2 {
		t.Fatalf("trained %d, diverged %d; want 4 and 2", sum.Trained, sum.Diverged)
	}
	for _, r := range records(t, st.Dir) {
		want := results.StatusOK
		if r.Condition == "learn-1e39" {
			want = results.StatusDiverged
			if !strings.Contains(r.Error, "initial parameter pe/table has non-finite values") {
				t.Errorf("%s seed %d: reason %q", r.Condition, r.Seed, r.Error)
			}
		}
		if r.Status != want {
			t.Errorf("%s seed %d: status %s, want %s", r.Condition, r.Seed, r.Status, want)
		}
	}
	sum, err = sweep.Run(context.Background(), p, opts(t, st))
	if err != nil || sum.Trained != 0 || sum.Skipped != 4 {
		t.Fatalf("rerun: %v, trained %d, skipped %d", err, sum.Trained, sum.Skipped)
	}
}

// TestGroupFailure: groups that cannot be trained (here: the checkpoint
// directory is a file, so no checkpoint can be read) are recorded as failed
// with the reason, every group is tried, and Run ends with ErrFailed.
func TestGroupFailure(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	o := opts(t, st)
	o.CheckpointDir = filepath.Join(dir, "not-a-dir")
	if err := os.WriteFile(o.CheckpointDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	o.Progress = &log
	p := tinyPlan(t, 1) // 2 groups: learned σ, sin2d
	sum, err := sweep.Run(context.Background(), p, o)
	if !errors.Is(err, sweep.ErrFailed) || !strings.Contains(err.Error(), "9 model(s) recorded with status \"failed\"") {
		t.Fatalf("Run: %v", err)
	}
	if sum.Failed != 9 || sum.Trained != 9 {
		t.Fatalf("failed %d, trained %d; want 9 and 9", sum.Failed, sum.Trained)
	}
	for _, r := range records(t, dir) {
		if r.Status != results.StatusFailed || !strings.Contains(r.Error, "setting up training: train: reading checkpoint") ||
			!strings.Contains(r.Error, "not-a-dir") {
			t.Errorf("%s seed %d: %s %q", r.Condition, r.Seed, r.Status, r.Error)
		}
	}
	if n := strings.Count(log.String(), "failed: setting up training"); n != 2 {
		t.Errorf("%d group failures logged, want 2:\n%s", n, log.String())
	}
}

// interruptAfterCheckpoint runs p until its first group has written a
// checkpoint, then cancels; it returns the checkpoint's bytes.
func interruptAfterCheckpoint(t *testing.T, st *results.Store, p *sweep.Plan, ckpt string) []byte {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	o := opts(t, st)
	o.Progress = cancelOn{"group 1/", cancel}
	p.Train.CheckpointEvery = 1
	if _, err := sweep.Run(ctx, p, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	b, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatalf("no checkpoint after the interruption: %v", err)
	}
	return b
}

// cancelOn cancels when a write contains s.
type cancelOn struct {
	s      string
	cancel func()
}

func (c cancelOn) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte(c.s)) {
		c.cancel()
	}
	return len(b), nil
}

// TestCorruptCheckpointSetAside: a damaged checkpoint is renamed to
// <name>.corrupt-<time>, unchanged, with a warning naming it, and the
// group is trained afresh to the same records as an uninterrupted run.
func TestCorruptCheckpointSetAside(t *testing.T) {
	p := tinyPlan(t, 2)
	p.Conditions = p.Conditions[:2]
	cells, err := p.Cells()
	if err != nil {
		t.Fatal(err)
	}
	rel := func(dir string) string {
		return sweep.GroupCheckpoint(filepath.Join(dir, "checkpoints"), sweep.Groups(cells, 0)[0])
	}
	ref := t.TempDir()
	if _, err := sweep.Run(context.Background(), p, opts(t, openStore(t, ref))); err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	good := interruptAfterCheckpoint(t, openStore(t, src), tinyPlan(t, 2), rel(src))
	p.Conditions = tinyPlan(t, 2).Conditions[:2]

	flip := func(b []byte) []byte { c := bytes.Clone(b); c[len(c)/2] ^= 0x40; return c }
	cases := []struct {
		name string
		data []byte
	}{
		{"truncated", good[:len(good)/2]},
		{"flipped byte", flip(good)},
		{"empty", nil},
		{"not a checkpoint", []byte("hello")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			ck := rel(dir)
			if err := os.MkdirAll(filepath.Dir(ck), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(ck, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			o := opts(t, openStore(t, dir))
			o.Progress = &log
			sum, err := sweep.Run(context.Background(), p, o)
			if err != nil {
				t.Fatalf("Run: %v\n%s", err, log.String())
			}
			if sum.Trained != 6 || len(sum.CheckpointsSetAside) != 1 {
				t.Fatalf("trained %d, set aside %v; want 6 and one", sum.Trained, sum.CheckpointsSetAside)
			}
			aside := sum.CheckpointsSetAside[0]
			if !strings.HasPrefix(aside, ck+".corrupt-") {
				t.Errorf("set aside as %s, want %s.corrupt-<time>", aside, ck)
			}
			if b, err := os.ReadFile(aside); err != nil || !bytes.Equal(b, c.data) {
				t.Errorf("the set-aside file: %v, content kept: %v", err, bytes.Equal(b, c.data))
			}
			if w := "sweep: warning: train: checkpoint " + ck + " is corrupt"; !strings.Contains(log.String(), w) || !strings.Contains(log.String(), "set aside as "+aside) {
				t.Errorf("log lacks %q and the new name:\n%s", w, log.String())
			}
			if _, err := os.Stat(ck); !os.IsNotExist(err) {
				t.Errorf("checkpoint %s still there: %v", ck, err)
			}
			sameRecords(t, records(t, ref), records(t, dir), 0)
		})
	}
}

// TestClaimsInProcess: two Runs of one plan on one store at once train
// every cell exactly once between them.
func TestClaimsInProcess(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir)
	var wg sync.WaitGroup
	sums := make([]sweep.Summary, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// At most 2 models per group: several groups, for the two runs to share.
			sums[i], errs[i] = sweep.Run(context.Background(), tinyPlanMaxM(t, 2), opts(t, st))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	trained := sums[0].Trained + sums[1].Trained
	t.Logf("trained %d + %d, left to the other %d + %d, done meanwhile/before %d + %d",
		sums[0].Trained, sums[1].Trained, sums[0].Claimed, sums[1].Claimed, sums[0].Skipped, sums[1].Skipped)
	if trained != 9 {
		t.Errorf("%d cells trained in all, want each of the 9 once", trained)
	}
	if n := len(records(t, dir)); n != 9 {
		t.Errorf("%d records, want 9", n)
	}
	if ms, _ := filepath.Glob(filepath.Join(sweep.ClaimDir(st), "*")); len(ms) > 0 {
		t.Errorf("claims left after the sweep: %v", ms)
	}
}

func tinyPlanMaxM(t testing.TB, m int) *sweep.Plan {
	p := tinyPlan(t, 2)
	p.MaxM = m
	return p
}

// TestClaimsAcrossProcesses runs the whole plan in two processes at once on
// one store: each cell is trained by exactly one of them.
func TestClaimsAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the two-process claims test")
	}
	dir := t.TempDir()
	var cmds []*execCmd
	for i := range 2 {
		c := newChild(t, dir, 3, 0, 1, filepath.Join(t.TempDir(), fmt.Sprintf("sum%d", i)))
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	trained := 0
	for i, c := range cmds {
		if err := c.cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v", i, err)
		}
		b, err := os.ReadFile(c.summary)
		if err != nil {
			t.Fatal(err)
		}
		var tr, cl, sk int
		if _, err := fmt.Sscan(string(b), &tr, &cl, &sk); err != nil {
			t.Fatalf("summary %q: %v", b, err)
		}
		t.Logf("process %d: trained %d, left to the other %d, skipped %d", i, tr, cl, sk)
		trained += tr
	}
	if trained != 9 {
		t.Errorf("%d cells trained in all, want each of the 9 once", trained)
	}
	ref := t.TempDir()
	runInProcess(t, ref, 3)
	sameRecords(t, records(t, ref), records(t, dir), 1e-4) // other groupings: float32 rounding
}

type execCmd struct {
	cmd     *exec.Cmd
	summary string // where the child writes "trained claimed skipped"
}

// newChild is childCmd with at most 2 models per group, writing its
// summary counts to summary.
func newChild(t *testing.T, dir string, epochs, shard, shards int, summary string) *execCmd {
	c := childCmd(t, dir, epochs, shard, shards)
	c.Env = append(c.Env, "PELAB_SWEEP_SUMMARY="+summary, "PELAB_SWEEP_MAXM=2")
	return &execCmd{cmd: c, summary: summary}
}
