package sweep_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/xla"
)

// The test binary re-executes itself as a sweep worker when
// PELAB_SWEEP_CHILD is set: it runs tinyPlan(PELAB_SWEEP_EPOCHS) on the
// store PELAB_SWEEP_DIR as shard PELAB_SWEEP_SHARD of PELAB_SWEEP_SHARDS,
// saving a checkpoint every epoch; with PELAB_SWEEP_MAXM at most that many
// models per group, and with PELAB_SWEEP_SUMMARY it writes "trained
// claimed skipped" there.
func TestMain(m *testing.M) {
	if os.Getenv("PELAB_SWEEP_CHILD") != "" {
		if err := child(); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(3)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func atoiEnv(k string) int {
	n, err := strconv.Atoi(os.Getenv(k))
	if err != nil {
		panic(fmt.Sprintf("%s: %v", k, err))
	}
	return n
}

func child() error {
	ch, err := xla.Choose("")
	if err != nil {
		return err
	}
	defer ch.Backend.Finalize()
	st, err := results.Open(os.Getenv("PELAB_SWEEP_DIR"))
	if err != nil {
		return err
	}
	p := tinyPlan(nil, atoiEnv("PELAB_SWEEP_EPOCHS"))
	p.Train.CheckpointEvery = 1
	if os.Getenv("PELAB_SWEEP_MAXM") != "" {
		p.MaxM = atoiEnv("PELAB_SWEEP_MAXM")
	}
	sum, err := sweep.Run(context.Background(), p, sweep.Options{Backend: ch.Backend, BackendName: ch.Config, Store: st,
		Shard: atoiEnv("PELAB_SWEEP_SHARD"), Shards: atoiEnv("PELAB_SWEEP_SHARDS")})
	if f := os.Getenv("PELAB_SWEEP_SUMMARY"); f != "" && err == nil {
		err = os.WriteFile(f, fmt.Appendf(nil, "%d %d %d\n", sum.Trained, sum.Claimed, sum.Skipped), 0o644)
	}
	return err
}

func childCmd(t *testing.T, dir string, epochs, shard, shards int) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "PELAB_SWEEP_CHILD=1", "PELAB_SWEEP_DIR="+dir,
		fmt.Sprintf("PELAB_SWEEP_EPOCHS=%d", epochs), fmt.Sprintf("PELAB_SWEEP_SHARD=%d", shard), fmt.Sprintf("PELAB_SWEEP_SHARDS=%d", shards))
	cmd.Stderr = os.Stderr
	return cmd
}

// runInProcess runs the tiny plan uninterrupted in this process.
func runInProcess(t *testing.T, dir string, epochs int) sweep.Summary {
	t.Helper()
	return runInProcessLog(t, dir, epochs, nil)
}

// runInProcessLog is runInProcess with the sweep's progress written to w.
func runInProcessLog(t *testing.T, dir string, epochs int, w io.Writer) sweep.Summary {
	t.Helper()
	be := testbackend.Get(t)
	st, err := results.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := tinyPlan(t, epochs)
	p.Train.CheckpointEvery = 1
	sum, err := sweep.Run(context.Background(), p, sweep.Options{Backend: be, BackendName: testbackend.Name(t), Store: st, Progress: w})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func records(t *testing.T, dir string) map[string]results.Record {
	t.Helper()
	rs, bad, err := (&results.Store{Dir: dir}).All()
	if err != nil || len(bad) > 0 {
		t.Fatalf("reading %s: %v %v", dir, err, bad)
	}
	out := map[string]results.Record{}
	for _, r := range rs {
		out[r.ID] = r
	}
	return out
}

// sameRecords compares the training results of two stores: the same IDs,
// and per record equal status, final metrics and histories (within tol,
// relative; 0 demands bit equality).
func sameRecords(t *testing.T, a, b map[string]results.Record, tol float64) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d records against %d", len(a), len(b))
	}
	close := func(x, y float64) bool {
		if x == y || (math.IsNaN(x) && math.IsNaN(y)) {
			return true
		}
		return math.Abs(x-y) <= tol*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
	}
	for id, ra := range a {
		rb, ok := b[id]
		if !ok {
			t.Fatalf("record %s missing from the second store", id)
		}
		if ra.Status != rb.Status || len(ra.Final) != len(rb.Final) || len(ra.History) != len(rb.History) {
			t.Fatalf("record %s: status %s/%s, %d/%d final metrics, %d/%d history points", id, ra.Status, rb.Status,
				len(ra.Final), len(rb.Final), len(ra.History), len(rb.History))
		}
		for k, v := range ra.Final {
			if !close(v, rb.Final[k]) {
				t.Errorf("record %s (%s seed %d): final %s = %v against %v", id, ra.Condition, ra.Seed, k, v, rb.Final[k])
			}
		}
		for i, p := range ra.History {
			q := rb.History[i]
			if p.Step != q.Step || p.Epoch != q.Epoch || len(p.Metrics) != len(q.Metrics) {
				t.Fatalf("record %s: history point %d differs: %+v against %+v", id, i, p, q)
			}
			for k, v := range p.Metrics {
				if !close(v, q.Metrics[k]) {
					t.Errorf("record %s: history %d %s = %v against %v", id, i, k, v, q.Metrics[k])
				}
			}
		}
	}
}

// TestShardsPartition: for any IDs and any shard count, every cell belongs
// to exactly one shard, and a plan's shards together hold all its cells.
func TestShardsPartition(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + r.IntN(9)
		ids := make([]string, 1+r.IntN(50))
		for i := range ids {
			ids[i] = fmt.Sprintf("%016x", r.Uint64())
		}
		count := make([]int, len(ids))
		for s := range n {
			for i, id := range ids {
				if sweep.ShardOf(id, n) == s {
					count[i]++
				}
			}
		}
		for i, c := range count {
			if c != 1 {
				t.Fatalf("trial %d: id %s is in %d of %d shards", trial, ids[i], c, n)
			}
		}
	}
	// Spread: 3 shards of 300 random ids are each 20–47 %.
	got := make([]int, 3)
	for range 300 {
		got[sweep.ShardOf(fmt.Sprintf("%x", r.Uint64()), 3)]++
	}
	for s, c := range got {
		if c < 60 || c > 140 {
			t.Errorf("shard %d of 3 got %d of 300 ids", s, c)
		}
	}
}

// TestCorruptRecordRedone: a truncated record and a tampered one are
// detected, each named once in the progress (the check again after claiming
// once printed it a second time), retrained (and only they), and end up
// equal to the originals.
func TestCorruptRecordRedone(t *testing.T) {
	dir := t.TempDir()
	first := runInProcess(t, dir, 2)
	if first.Trained != 9 {
		t.Fatalf("first run trained %d, want 9", first.Trained)
	}
	orig := records(t, dir)
	st := &results.Store{Dir: dir}
	ids := []string{first.Records[0].ID, first.Records[4].ID}
	// Truncate one file, tamper with a number in another.
	b, err := os.ReadFile(st.Path(ids[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(st.Path(ids[0]), b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	r := orig[ids[1]]
	r.Final = maps.Clone(r.Final)
	r.Final["test_acc"] += 0.5
	if err := st.Put(r); err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(st.Path(ids[1]))
	if err != nil {
		t.Fatal(err)
	}
	// Put wrote a valid record with a changed metric; damage its checksum
	// so that only the checksum can tell.
	tampered := []byte(replaceFirstSHA(t, string(b)))
	if err := os.WriteFile(st.Path(ids[1]), tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		var ce *results.CorruptError
		if _, err := st.Has(id); err == nil || !asCorrupt(err, &ce) {
			t.Fatalf("record %s: Has gave %v, want a *CorruptError", id, err)
		}
	}
	var log strings.Builder
	second := runInProcessLog(t, dir, 2, &log)
	if second.Trained != 2 || second.Skipped != 7 {
		t.Fatalf("second run trained %d and skipped %d, want 2 and 7", second.Trained, second.Skipped)
	}
	for _, id := range ids {
		if n := strings.Count(log.String(), "corrupt record file "+st.Path(id)); n != 1 {
			t.Errorf("record %s named %d times as corrupt in the progress, want once:\n%s", id, n, log.String())
		}
	}
	sameRecords(t, orig, records(t, dir), 0)
}

// TestKillAndResume kills a worker with SIGKILL in the middle of a group
// (after its first checkpoint, before any record), resumes, and compares
// with an uninterrupted run.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the kill-and-resume subprocess test")
	}
	const epochs = 60
	ref := t.TempDir()
	runInProcess(t, ref, epochs)

	dir := t.TempDir()
	cmd := childCmd(t, dir, epochs, 0, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ckdir := filepath.Join(dir, "checkpoints")
	deadline := time.Now().Add(2 * time.Minute)
	killed := false
	for time.Now().Before(deadline) {
		if ms, _ := filepath.Glob(filepath.Join(ckdir, "group-*.ckpt")); len(ms) > 0 {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Wait()
	if !killed {
		t.Fatal("the worker wrote no checkpoint within 2 minutes")
	}
	recs, _, _ := (&results.Store{Dir: dir}).All()
	if len(recs) >= 9 {
		t.Fatalf("the worker finished all %d records before the kill; the test needs a longer run", len(recs))
	}
	ms, _ := filepath.Glob(filepath.Join(ckdir, "group-*.ckpt"))
	if len(ms) == 0 {
		t.Fatal("no checkpoint left to resume from")
	}
	t.Logf("killed with %d of 9 records and %d checkpoint(s)", len(recs), len(ms))
	// Resume in a fresh process, as after a crash.
	cmd = childCmd(t, dir, epochs, 0, 1)
	if err := cmd.Run(); err != nil {
		t.Fatalf("resumed worker: %v", err)
	}
	sameRecords(t, records(t, ref), records(t, dir), 0)
	if ms, _ := filepath.Glob(filepath.Join(ckdir, "*")); len(ms) != 0 {
		t.Errorf("checkpoints left after the sweep completed: %v", ms)
	}
}

// TestConcurrentShards runs 3 shard processes at once on one directory
// and compares with one in-process run.
func TestConcurrentShards(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the concurrent-shards subprocess test")
	}
	const epochs = 3
	ref := t.TempDir()
	runInProcess(t, ref, epochs)
	dir := t.TempDir()
	var cmds []*exec.Cmd
	for i := range 3 {
		c := childCmd(t, dir, epochs, i, 3)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
	}
	// Models trained in differently composed model-axis groups agree to
	// float32 rounding, not necessarily bit for bit (ONNX Runtime differs
	// in the 8th digit).
	sameRecords(t, records(t, ref), records(t, dir), 1e-5)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() && filepath.Ext(e.Name()) != ".json" {
			t.Errorf("stray file %s in the shared results directory", e.Name())
		}
	}
}
