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
// on its store while it runs: <store>/.pelab-store.lock. The last Run to
// finish removes it, so a finished store holds no lock file.
func StoreLockPath(store *results.Store) string {
	return filepath.Join(store.Dir, ".pelab-store.lock")
}

// storeHold is a Run's shared lock on its store.
type storeHold struct{ lock *flock.Flock }

// maxStoreLockTries bounds the retries of holdStore when the lock file is
// removed under it by a Run that finished (see holdsPath).
const maxStoreLockTries = 5

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
//     taken while any Run holds its shared lock (the operating system
//     drops a killed process's lock, so a dead Run never blocks it);
//   - it was last modified at least StaleTempAge ago, which spares the
//     writes of processes that do not hold the store (pelab report, the
//     summary an experiment command writes after its Run).
//
// It returns the files removed. A file that cannot be removed is an error;
// a store held by another Run is not (the cleanup waits for a later run).
func holdStore(store *results.Store, ckptDir string, now time.Time) (*storeHold, []string, error) {
	path := StoreLockPath(store)
	var removed []string
	for range maxStoreLockTries {
		l := flock.New(path, flock.SetPermissions(0o644))
		alone, err := l.TryLock()
		if err != nil {
			return nil, removed, fmt.Errorf("sweep: locking the store %s: %w", store.Dir, err)
		}
		if alone {
			ok, err := holdsPath(l)
			if err == nil && ok {
				var rm []string
				rm, err = removeStaleTemps([]string{store.Dir, ckptDir,
					filepath.Join(store.Dir, "artifacts"), ClaimDir(store)}, now)
				removed = append(removed, rm...)
			}
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
		ok, err := holdsPath(l)
		if err != nil {
			_ = l.Unlock()
			return nil, removed, fmt.Errorf("sweep: locking the store %s: %w", store.Dir, err)
		}
		if ok {
			return &storeHold{lock: l}, removed, nil
		}
		_ = l.Unlock() // a finishing Run removed the file we locked: again, on the path's file
	}
	return nil, removed, fmt.Errorf("sweep: locking the store %s: the lock file kept changing under %d attempts", store.Dir, maxStoreLockTries)
}

// release drops the hold; the last Run on the store (its exclusive lock
// taken without waiting) removes the lock file. A Run that locked the
// file meanwhile finds it removed and locks the path's new file
// (holdsPath).
func (h *storeHold) release() {
	if h == nil {
		return
	}
	path := h.lock.Path()
	_ = h.lock.Unlock()
	l := flock.New(path)
	if alone, err := l.TryLock(); err == nil && alone {
		if ok, err := holdsPath(l); err == nil && ok {
			_ = os.Remove(path)
		}
		_ = l.Unlock()
	}
}

// holdsPath reports whether the file that l has locked is still the one
// at its path: false when a holder removed it (or replaced it) after l
// opened it, so that two holders never lock two files of one path.
func holdsPath(l *flock.Flock) (bool, error) {
	held, err := l.Stat()
	if err != nil {
		return false, err
	}
	now, err := os.Stat(l.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(held, now), nil
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
		if fi, err := os.Stat(d); errors.Is(err, fs.ErrNotExist) || (err == nil && !fi.IsDir()) {
			continue // no such folder (a checkpoint "folder" that is a file fails later, where it is used)
		}
		entries, err := os.ReadDir(d)
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
