package sweep

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
	"github.com/pelab/pelab/pelib/results"
)

// ClaimDir is where Run keeps its claims on cells: <store>/claims.
func ClaimDir(store *results.Store) string { return filepath.Join(store.Dir, "claims") }

// ClaimPath is the claim file of the cell with the given record ID:
// <store>/claims/<id>.lock.
func ClaimPath(store *results.Store, id string) string {
	return filepath.Join(ClaimDir(store), id+".lock")
}

// A claim is an exclusive advisory lock (flock(2); LockFileEx on Windows)
// on a cell's claim file, held while the cell trains. The operating system
// releases it when the holder exits, however it exits (kill -9 included),
// so a claim never goes stale: a file left behind by a killed process is
// claimed again at once. The file's content — pid, host and time of the
// claim — is for people looking at the folder; only the lock counts.
type claim struct {
	lock *flock.Flock
}

// maxClaimTries bounds the retries of tryClaim when the claim file is
// replaced under it (see tryClaim).
const maxClaimTries = 5

// tryClaim tries, without waiting, to claim the cell with the given ID. It
// returns nil and no error when another process (or another Run of this
// process) holds the claim.
//
// A claim file is removed by its holder once the cell's record is written
// (claim.release(true)); a process that had opened the file before the
// removal may then lock the removed file. tryClaim detects that (the path
// no longer names the locked file) and tries again on the new file, so two
// holders never coexist on one path. Callers re-read the store after
// claiming in any case, and skip a cell whose record appeared meanwhile.
func tryClaim(store *results.Store, id string) (*claim, error) {
	path := ClaimPath(store, id)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("sweep: claim directory: %w", err)
	}
	for range maxClaimTries {
		l := flock.New(path, flock.SetPermissions(0o644))
		ok, err := l.TryLock()
		if err != nil {
			return nil, fmt.Errorf("sweep: claiming %s: %w", path, err)
		}
		if !ok {
			return nil, nil
		}
		held, err := holdsPath(l)
		if held {
			host, _ := os.Hostname()
			// Informational only; a failure to write it does not matter.
			_ = os.WriteFile(path, fmt.Appendf(nil, "pid %d\nhost %s\nclaimed %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339)), 0o644)
			return &claim{lock: l}, nil
		}
		_ = l.Unlock() // we hold a removed (or replaced) file: try again on the path's file
		if err != nil {
			return nil, fmt.Errorf("sweep: claiming %s: %w", path, err)
		}
	}
	return nil, fmt.Errorf("sweep: claiming %s: the file kept changing under %d attempts", path, maxClaimTries)
}

// release gives the claim up. With done (the cell's record is written) it
// first removes the claim file, so a finished sweep leaves no claims; a
// cell not done (interrupted, or its record could not be written) keeps its
// file, unlocked, for the next run to claim.
func (c *claim) release(done bool) {
	if c == nil {
		return
	}
	if done {
		_ = os.Remove(c.lock.Path())
	}
	_ = c.lock.Unlock()
}
