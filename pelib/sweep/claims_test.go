package sweep

import (
	"os"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/results"
)

// TestClaim: a held claim keeps others out; a claim file left behind by a
// killed holder (no lock on it) is claimed at once; release(true) removes
// the file, release(false) keeps it unlocked.
func TestClaim(t *testing.T) {
	st := &results.Store{Dir: t.TempDir()}
	a, err := tryClaim(st, "cell1")
	if err != nil || a == nil {
		t.Fatalf("first claim: %v, %v", a, err)
	}
	b, err := tryClaim(st, "cell1")
	if err != nil || b != nil {
		t.Fatalf("second claim of a held cell: %v, %v; want none", b, err)
	}
	info, err := os.ReadFile(ClaimPath(st, "cell1"))
	if err != nil || !strings.Contains(string(info), "pid ") {
		t.Errorf("claim file content %q, %v: want the holder's pid", info, err)
	}
	a.release(false)
	if _, err := os.Stat(ClaimPath(st, "cell1")); err != nil {
		t.Errorf("release(false) removed the claim file: %v", err)
	}
	// The file is still there (as after kill -9), unlocked: claimable.
	c, err := tryClaim(st, "cell1")
	if err != nil || c == nil {
		t.Fatalf("claim of a left-over file: %v, %v", c, err)
	}
	c.release(true)
	if _, err := os.Stat(ClaimPath(st, "cell1")); !os.IsNotExist(err) {
		t.Errorf("release(true) kept the claim file: %v", err)
	}
	// Another cell is independent.
	d, err := tryClaim(st, "cell2")
	if err != nil || d == nil {
		t.Fatalf("claim of another cell: %v, %v", d, err)
	}
	d.release(true)
}
