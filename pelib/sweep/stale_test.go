package sweep_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/pelab/pelab/pelib/sweep"
)

// TestStaleTempsRemoved checks that Run removes the temporary files a
// killed run left in the store's folders — those of atomic writes
// (.<name>.tmp<digits>: records, checkpoints, artifacts) and of the
// writability check — when no other Run holds the store and the file is
// older than sweep.StaleTempAge, and leaves every other file alone.
func TestStaleTempsRemoved(t *testing.T) {
	old := time.Now().Add(-2 * sweep.StaleTempAge)
	type file struct {
		path  string // under the store
		old   bool   // last modified before StaleTempAge
		stale bool   // Run removes it (when it holds the store)
	}
	files := []file{
		{".abc123.json.tmp123456", true, true},
		{".pelab-write-check-98765", true, true},
		{"checkpoints/.group-0123abcd.ckpt.tmp42", true, true},
		{"artifacts/.abc.pe.npy.tmp777", true, true},
		{"claims/.abc.lock.tmp9", true, true},
		{".abc123.json.tmp55", false, false},            // young: a write in progress elsewhere
		{"checkpoints/group-1.ckpt.tmp42", true, false}, // no leading dot: not a temp file
		{".abc.json.tmpx1", true, false},                // not digits
		{"notes.tmp1", true, false},
		{".hidden", true, false},
		{"sub/.abc.json.tmp1", true, false}, // not one of the store's folders
	}
	setup := func(t *testing.T) string {
		dir := t.TempDir()
		for _, f := range files {
			p := filepath.Join(dir, f.path)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
				t.Fatal(err)
			}
			if f.old {
				if err := os.Chtimes(p, old, old); err != nil {
					t.Fatal(err)
				}
			}
		}
		return dir
	}
	left := func(t *testing.T, dir string) (gone, kept []string) {
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(dir, f.path)); err != nil {
				gone = append(gone, f.path)
			} else {
				kept = append(kept, f.path)
			}
		}
		return gone, kept
	}
	for _, tc := range []struct {
		name string
		held bool // another process holds the store
	}{{"store free", false}, {"store held by another run", true}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := setup(t)
			st := openStore(t, dir)
			if tc.held {
				l := flock.New(sweep.StoreLockPath(st))
				if err := l.RLock(); err != nil {
					t.Fatal(err)
				}
				defer l.Unlock()
			}
			var log strings.Builder
			o := opts(t, st)
			o.Progress = &log
			sum, err := sweep.Run(context.Background(), smallPlan(t), o)
			if err != nil {
				t.Fatal(err)
			}
			gone, _ := left(t, dir)
			var want []string
			for _, f := range files {
				if f.stale && !tc.held {
					want = append(want, f.path)
				}
			}
			sort.Strings(gone)
			sort.Strings(want)
			if strings.Join(gone, " ") != strings.Join(want, " ") {
				t.Errorf("removed %q, want %q\nlog:\n%s", gone, want, log.String())
			}
			if len(sum.TempsRemoved) != len(want) {
				t.Errorf("Summary.TempsRemoved = %q, want %d files", sum.TempsRemoved, len(want))
			}
			if !tc.held && !strings.Contains(log.String(), "removed 5 stale temporary file(s)") {
				t.Errorf("the log does not report the removal:\n%s", log.String())
			}
		})
	}
}

// TestStoreLockRemoved checks that a finished Run leaves no lock file in
// the store, and that a Run holding the store keeps it (the other Run's
// lock is not lost).
func TestStoreLockRemoved(t *testing.T) {
	st := openStore(t, t.TempDir())
	if _, err := sweep.Run(context.Background(), smallPlan(t), opts(t, st)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sweep.StoreLockPath(st)); !os.IsNotExist(err) {
		t.Errorf("lock file after the run: %v", err)
	}
	st2 := openStore(t, t.TempDir())
	l := flock.New(sweep.StoreLockPath(st2))
	if err := l.RLock(); err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if _, err := sweep.Run(context.Background(), smallPlan(t), opts(t, st2)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(sweep.StoreLockPath(st2)); err != nil {
		t.Errorf("the lock file another Run holds was removed: %v", err)
	}
}
