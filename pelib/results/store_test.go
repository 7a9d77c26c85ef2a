package results

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "results", "lst"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPutGet(t *testing.T) {
	s := openTemp(t)
	r := sample(t, "learn:normal:0.2", 0.2, 2235)
	if ok, err := s.Has(r.ID); ok || err != nil {
		t.Fatalf("Has before Put = %v, %v; want false, nil", ok, err)
	}
	if _, ok, err := s.Get(r.ID); ok || err != nil {
		t.Fatalf("Get before Put: ok = %v, err = %v; want false, nil", ok, err)
	}
	if err := s.Put(r); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get(r.ID)
	if !ok || err != nil {
		t.Fatalf("Get after Put: ok = %v, err = %v", ok, err)
	}
	if d := diffRecord(got, r); d != "" {
		t.Fatal(d)
	}
	if ok, err := s.Has(r.ID); !ok || err != nil {
		t.Fatalf("Has after Put = %v, %v; want true, nil", ok, err)
	}
	st, err := os.Stat(s.Path(r.ID))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("record file mode %v, want 0644", st.Mode().Perm())
	}

	// Replace it.
	r.Final["val_acc"] = 0.5
	r.Status = StatusDiverged
	if err := s.Put(r); err != nil {
		t.Fatal(err)
	}
	got, _, err = s.Get(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffRecord(got, r); d != "" {
		t.Fatal(d)
	}
	assertOnlyRecordFiles(t, s.Dir, 1)

	// Invalid records and ids are refused, and nothing is written.
	bad := r
	bad.ID = "../escape"
	if err := s.Put(bad); err == nil {
		t.Error("Put of an id with a path in it: want an error")
	}
	if _, _, err := s.Get("../escape"); err == nil {
		t.Error("Get of an id with a path in it: want an error")
	}
	bad = r
	bad.Status = ""
	bad.ID = "other"
	if err := s.Put(bad); err == nil {
		t.Error("Put of a record without status: want an error")
	}
	assertOnlyRecordFiles(t, s.Dir, 1)
}

// assertOnlyRecordFiles checks that dir holds exactly n files, all <id>.json.
func assertOnlyRecordFiles(t *testing.T, dir string, n int) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
		if id, ok := strings.CutSuffix(e.Name(), ".json"); !ok || !ValidID(id) {
			t.Errorf("unexpected file %s in the store", e.Name())
		}
	}
	if len(es) != n {
		t.Errorf("store holds %d files %v, want %d", len(es), names, n)
	}
}

// TestCrashedWrites simulates a writer killed mid-write: a truncated
// temporary file (before its rename) and a truncated record file (as on a
// filesystem without atomic rename, or a copy cut short).
func TestCrashedWrites(t *testing.T) {
	s := openTemp(t)
	good := sample(t, "learn:normal:0.2", 0.2, 1)
	if err := s.Put(good); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(s.Path(good.ID))
	if err != nil {
		t.Fatal(err)
	}
	temp := sample(t, "learn:normal:0.2", 0.2, 2)
	if err := os.WriteFile(filepath.Join(s.Dir, "."+temp.ID+".json.tmp-12345"), full[:len(full)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	cut := sample(t, "learn:normal:0.2", 0.2, 3)
	if err := s.Put(cut); err != nil {
		t.Fatal(err)
	}
	cutFull, err := os.ReadFile(s.Path(cut.ID))
	if err != nil {
		t.Fatal(err)
	}
	// Every truncation point is detected, down to an empty file.
	for _, n := range []int{0, 1, len(cutFull) / 3, len(cutFull) - 3} {
		if err := os.WriteFile(s.Path(cut.ID), cutFull[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		_, ok, err := s.Get(cut.ID)
		var ce *CorruptError
		if ok || !errors.As(err, &ce) || ce.Path != s.Path(cut.ID) {
			t.Errorf("Get of a file cut to %d bytes: ok = %v, err = %v; want a CorruptError naming the file", n, ok, err)
		}
		if has, err := s.Has(cut.ID); has || !errors.As(err, &ce) {
			t.Errorf("Has of a file cut to %d bytes = %v, %v; want false and a CorruptError", n, has, err)
		}
	}
	if ok, err := s.Has(temp.ID); ok || err != nil {
		t.Errorf("Has of an id with only a temporary file = %v, %v; want false, nil", ok, err)
	}

	rs, corrupt, err := s.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].ID != good.ID {
		t.Errorf("All gave records %v, want only %s", ids(rs), good.ID)
	}
	var ce *CorruptError
	if len(corrupt) != 1 || !errors.As(corrupt[0], &ce) || ce.Path != s.Path(cut.ID) {
		t.Errorf("All gave corrupt files %v, want one CorruptError for %s", corrupt, s.Path(cut.ID))
	}

	// Redoing the record repairs it.
	if err := s.Put(cut); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Has(cut.ID); !ok || err != nil {
		t.Errorf("Has after redoing = %v, %v; want true, nil", ok, err)
	}
}

func TestCorruptContent(t *testing.T) {
	s := openTemp(t)
	r := sample(t, "learn:normal:0.5", 0.5, 7)
	if err := s.Put(r); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(s.Path(r.ID))
	if err != nil {
		t.Fatal(err)
	}
	var env envelope
	if err := json.Unmarshal(orig, &env); err != nil {
		t.Fatal(err)
	}
	// rewrap builds a file around a record with a correct checksum.
	rewrap := func(rec Record) []byte {
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		json.Compact(&buf, b)
		return fmt.Appendf(nil, `{"format":%q,"sha256":%q,"record":%s}`, Format, sha256Hex(buf.Bytes()), buf.Bytes())
	}
	other := sample(t, "learn:normal:0.5", 0.5, 8)
	invalid := r
	invalid.Status = "done"

	tests := []struct {
		name    string
		content []byte
		want    string // part of the error
	}{
		{"value changed, valid JSON", bytes.Replace(orig, []byte(`"val_acc": 0.9`), []byte(`"val_acc": 0.8`), 1), "checksum mismatch"},
		{"checksum changed", bytes.Replace(orig, []byte(env.SHA256[:8]), []byte("00000000"), 1), "checksum mismatch"},
		{"no checksum", fmt.Appendf(nil, `{"format":%q,"record":%s}`, Format, env.Record), "missing"},
		{"unknown format", bytes.Replace(orig, []byte(Format), []byte("pelab-results/9"), 1), "format"},
		{"bare record without envelope", env.Record, "bad JSON"},
		{"trailing data", append(slicesClone(orig), []byte("{}")...), "trailing"},
		{"another record's file", rewrap(other), "differs from the file name"},
		{"invalid record with a valid checksum", rewrap(invalid), "status"},
		{"not JSON", []byte("\x00\x01garbage"), "bad JSON"},
	}
	for _, tt := range tests {
		if bytes.Equal(tt.content, orig) {
			t.Fatalf("%s: test content is unchanged; fix the test", tt.name)
		}
		if err := os.WriteFile(s.Path(r.ID), tt.content, 0o644); err != nil {
			t.Fatal(err)
		}
		_, ok, err := s.Get(r.ID)
		var ce *CorruptError
		if ok || !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), s.Path(r.ID)) {
			t.Errorf("%s: Get: ok = %v, err = %v; want a CorruptError naming the file and containing %q", tt.name, ok, err, tt.want)
		}
	}

	// Reindenting keeps the file valid: the checksum is over the compact form.
	var compact bytes.Buffer
	if err := json.Compact(&compact, orig); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Path(r.ID), compact.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get(r.ID)
	if !ok || err != nil {
		t.Fatalf("Get of a reindented file: ok = %v, err = %v", ok, err)
	}
	if d := diffRecord(got, r); d != "" {
		t.Error(d)
	}
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }

func TestAllSorted(t *testing.T) {
	s := openTemp(t)
	var want []Record
	for _, sigma := range []float64{2, 0.2, 1} {
		for _, seed := range []int64{29, 195, 2235} {
			want = append(want, sample(t, "learn:normal", sigma, seed))
		}
	}
	want = append(want, sample(t, "sin2d", 0, 5))
	for i := len(want) - 1; i >= 0; i-- {
		if err := s.Put(want[i]); err != nil {
			t.Fatal(err)
		}
	}
	// Foreign files are ignored.
	os.WriteFile(filepath.Join(s.Dir, "README.txt"), []byte("hi"), 0o644)
	os.WriteFile(filepath.Join(s.Dir, ".hidden.json"), []byte("{"), 0o644)
	os.Mkdir(filepath.Join(s.Dir, "sub.json"), 0o755)

	got, corrupt, err := s.All()
	if err != nil || len(corrupt) != 0 {
		t.Fatalf("All: corrupt %v, err %v", corrupt, err)
	}
	Sort(want)
	if len(got) != len(want) {
		t.Fatalf("All gave %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if d := diffRecord(got[i], want[i]); d != "" {
			t.Fatalf("record %d: %s", i, d)
		}
	}
	var order []string
	for _, r := range got {
		order = append(order, fmt.Sprintf("%s/%g/%d", r.Condition, r.Params["sigma"], r.Seed))
	}
	wantOrder := "learn:normal/0.2/29 learn:normal/0.2/195 learn:normal/0.2/2235 learn:normal/1/29 learn:normal/1/195 learn:normal/1/2235 learn:normal/2/29 learn:normal/2/195 learn:normal/2/2235 sin2d/0/5"
	if g := strings.Join(order, " "); g != wantOrder {
		t.Errorf("All order:\n got %s\nwant %s", g, wantOrder)
	}

	if _, _, err := (&Store{Dir: filepath.Join(s.Dir, "absent")}).All(); err == nil {
		t.Error("All of a missing directory: want an error")
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	s := openTemp(t)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := s.Put(sample(t, "learn:normal", float64(w), int64(i))); err != nil {
					errs <- err
				}
				// Every writer also rewrites one shared id.
				shared := sample(t, "shared", 0, 0)
				shared.Error = fmt.Sprintf("writer %d", w)
				if err := s.Put(shared); err != nil {
					errs <- err
				}
			}
		})
	}
	// Readers running alongside never see a partial record.
	done := make(chan struct{})
	var readers sync.WaitGroup
	var reads, partial, found int
	readers.Go(func() {
		id := sample(t, "shared", 0, 0).ID
		for {
			select {
			case <-done:
				return
			default:
			}
			_, ok, err := s.Get(id)
			reads++
			if err != nil {
				partial++
			}
			if ok {
				found++
			}
		}
	})
	wg.Wait()
	close(done)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if partial > 0 || found == 0 {
		t.Errorf("concurrent reader: %d of %d reads failed, %d found the record; want none failed and some found", partial, reads, found)
	}
	checkStore(t, s, writers*each+1, func(r Record) bool {
		return r.Condition == "learn:normal" || strings.HasPrefix(r.Error, "writer ")
	})
}

// checkStore checks that s holds exactly n valid records, no corrupt or
// temporary files, and that every record passes ok and matches sample.
func checkStore(t *testing.T, s *Store, n int, ok func(Record) bool) {
	t.Helper()
	rs, corrupt, err := s.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range corrupt {
		t.Error(c)
	}
	if len(rs) != n {
		t.Errorf("store holds %d records, want %d", len(rs), n)
	}
	for _, r := range rs {
		want := sample(t, r.Condition, r.Params["sigma"], r.Seed)
		want.Error = r.Error
		if d := diffRecord(r, want); d != "" || !ok(r) {
			t.Errorf("record %s is not what was written: %s", r.ID, d)
		}
	}
	assertOnlyRecordFiles(t, s.Dir, n)
}

const (
	helperDirEnv   = "PELAB_RESULTS_TEST_DIR"
	helperShardEnv = "PELAB_RESULTS_TEST_SHARD"
	processRecords = 40
)

// TestHelperProcessPut is not a test: TestConcurrentProcesses runs the test
// binary again with only this function and the environment set, as one of
// several writer processes.
func TestHelperProcessPut(t *testing.T) {
	dir, shard := os.Getenv(helperDirEnv), os.Getenv(helperShardEnv)
	if dir == "" {
		t.Skip("helper process for TestConcurrentProcesses")
	}
	i, err := strconv.Atoi(shard)
	if err != nil {
		t.Fatalf("bad %s=%q", helperShardEnv, shard)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for k := range processRecords {
		if err := s.Put(sample(t, "learn:normal", float64(i), int64(k))); err != nil {
			t.Fatal(err)
		}
		shared := sample(t, "shared", 0, int64(k%4))
		shared.Error = "process " + shard
		if err := s.Put(shared); err != nil {
			t.Fatal(err)
		}
	}
}

func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	s := openTemp(t)
	const procs = 3
	cmds := make([]*exec.Cmd, procs)
	outs := make([]bytes.Buffer, procs)
	for i := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessPut$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperDirEnv+"="+s.Dir, helperShardEnv+"="+strconv.Itoa(i))
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer process %d: %v\n%s", i, err, outs[i].String())
		}
	}
	checkStore(t, s, procs*processRecords+4, func(r Record) bool {
		return r.Condition == "learn:normal" || strings.HasPrefix(r.Error, "process ")
	})
}

func TestOpen(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Error("Open(\"\"): want an error")
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := Open(filepath.Join(f, "sub")); err == nil {
		t.Error("Open below a regular file: want an error")
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
