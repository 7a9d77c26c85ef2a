package sweep

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/gofrs/flock"
	"github.com/pelab/pelab/pelib/results"
)

// StaleTempAge is how long ago a temporary file must have been last
// written for Run to remove it as stale (see holdStore). An atomic write
// (internal/atomicfile) writes its temporary file at once and renames it
// within seconds; one untouched for a minute belongs to a writer that was
// killed.
const StaleTempAge = time.Minute

// StoreLockPath is the file whose lock (flock(2)) every Run holds, shared,
// on its store while it runs: <store>/.pelab-store.lock.
func StoreLockPath(store *results.Store) string {
	return filepath.Join(store.Dir, ".pelab-store.lock")
}

// storeHold is a Run's shared lock on its store.
type storeHold struct{ lock *flock.Flock }

// release drops the hold.
func (h *storeHold) release() {
	if h != nil {
		_ = h.lock.Unlock()
	}
}

// holdStore takes Run's shared lock on the store (StoreLockPath) and,
// first, removes the temporary files that killed writers left in it.
//
// The rule. A file is removed only when all of these hold:
//   - it lies directly in one of the store's folders: the store directory,
//     its checkpoint folder (ckptDir), <store>/artifacts or <store>/claims
//     (not in their subfolders, nowhere else);
//   - it is a regular file whose name is a temporary file's
//     (results.IsTemp: ".<name>.tmp<digits>" of an atomic write —
//     records, checkpoints, artifacts, summaries — or
//     ".pelab-write-check-<digits>");
//   - no other Run, in this process or another, holds the store: the
//     exclusive lock on StoreLockPath is taken without waiting, and not
//     taken while any Run holds its shared lock;
//   - it was last modified at least StaleTempAge ago, which spares the
//     writes of processes that do not hold the store (pelab report, the
//     summary an experiment command writes after its Run).
//
// It returns the files removed. A file that cannot be removed is an error;
// a store held by another Run is not (the cleanup waits for a later run).
func holdStore(store *results.Store, ckptDir string, now time.Time) (*storeHold, []string, error) {
	l := flock.New(StoreLockPath(store), flock.SetPermissions(0o644))
	alone, err := l.TryLock()
	if err != nil {
		return nil, nil, fmt.Errorf("sweep: locking the store %s: %w", store.Dir, err)
	}
	var removed []string
	if alone {
		removed, err = removeStaleTemps([]string{store.Dir, ckptDir,
			filepath.Join(store.Dir, "artifacts"), ClaimDir(store)}, now)
		if uerr := l.Unlock(); err == nil && uerr != nil {
			err = fmt.Errorf("sweep: unlocking the store %s: %w", store.Dir, uerr)
		}
		if err != nil {
			return nil, removed, err
		}
	}
	// Another Run's cleanup holds the exclusive lock for a moment at most.
	if err := l.RLock(); err != nil {
		return nil, removed, fmt.Errorf("sweep: locking the store %s: %w", store.Dir, err)
	}
	return &storeHold{lock: l}, removed, nil
}

// removeStaleTemps removes the stale temporary files directly in dirs
// (see holdStore for the rule; the caller holds the store alone) and
// returns them, sorted. A folder that does not exist has none.
func removeStaleTemps(dirs []string, now time.Time) ([]string, error) {
	var removed []string
	seen := map[string]bool{}
	for _, d := range dirs {
		if seen[filepath.Clean(d)] {
			continue
		}
		seen[filepath.Clean(d)] = true
		entries, err := os.ReadDir(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return removed, fmt.Errorf("sweep: looking for stale temporary files: %w", err)
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !results.IsTemp(e.Name()) {
				continue
			}
			info, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // renamed or removed meanwhile
			}
			if err != nil {
				return removed, fmt.Errorf("sweep: looking for stale temporary files: %w", err)
			}
			if now.Sub(info.ModTime()) < StaleTempAge {
				continue
			}
			p := filepath.Join(d, e.Name())
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, fmt.Errorf("sweep: removing the stale temporary file %s: %w", p, err)
			}
			removed = append(removed, p)
		}
	}
	sort.Strings(removed)
	return removed, nil
}
