package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/npy"
)

// TestMemoryRefusals: sizes this machine cannot hold are refused with exit
// status 2, naming the dimension that is too large, before they are
// allocated — each was a fatal out-of-memory crash before (issue 21). The
// budget is the machine's (MemAvailable), as a user meets it: every case
// needs terabytes. That nothing large was allocated is checked through the
// Go heap: each case allocates less than 1 GiB in all (the refused sizes
// need far more, and would crash the test).
func TestMemoryRefusals(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "wide.toml")
	if err := os.WriteFile(spec, []byte(`experiment = "netsim"
conditions = ["none"]
seeds = 1
[grid]
width = [4096]
blocks = [64]
[overrides]
epochs = 1
[task]
train_runs = 4
test_runs = 2
`), 0o644); err != nil {
		t.Fatal(err)
	}
	coords, signals := manyTokens(t, filepath.Join(dir, "tok"), 100000)
	for _, tt := range []struct {
		name string
		args []string
		dim  string
	}{
		{"bench batch", []string{"bench", "-batch", "100000000", "-m", "1"}, "batch B = 100000000"},
		{"sweep plan width", []string{"sweep", "plan", spec, "-out", filepath.Join(dir, "plan")}, "width D = 4096"},
		{"sweep run width", []string{"sweep", "run", spec, "-out", filepath.Join(dir, "run")}, "width D = 4096"},
		{"tokens count", []string{"tokens", "-coords", coords, "-signals", signals, "-window", "2", "-test", "r2",
			"-pe", "none", "-seeds", "1", "-out", filepath.Join(dir, "tokout")}, "S = 100000 tokens"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var out, errb bytes.Buffer
			code := runMain(tt.args, &out, &errb)
			runtime.ReadMemStats(&after)
			if code != 2 {
				t.Fatalf("exit %d, want 2 (a refusal); stderr %q", code, errb.String())
			}
			for _, s := range []string{tt.dim, "estimated", "available"} {
				if !strings.Contains(errb.String(), s) {
					t.Errorf("stderr %q does not name %q", errb.String(), s)
				}
			}
			if a := after.TotalAlloc - before.TotalAlloc; a > 1<<30 {
				t.Errorf("allocated %d MiB before refusing", a>>20)
			}
		})
	}
}

// manyTokens writes n tokens on a line and three recordings r0, r1, r2 of
// 34 time points (17 windows of 2: 34 training windows, above the quick
// batch of 32) for pelab tokens, and returns the coordinates file and the
// signals folder.
func manyTokens(t *testing.T, dir string, n int) (coords, signals string) {
	t.Helper()
	signals = filepath.Join(dir, "signals")
	if err := os.MkdirAll(signals, 0o755); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("name,x\n")
	for s := range n {
		fmt.Fprintf(&b, "t%d,%d\n", s, s)
	}
	coords = filepath.Join(dir, "coords.csv")
	if err := os.WriteFile(coords, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	const T = 34
	x := make([]float64, n*T)
	for r := range 3 {
		for i := range x {
			x[i] = float64((i*7919+r*104729)%1000) / 1000 // not constant per token
		}
		if err := npy.Write(filepath.Join(signals, fmt.Sprintf("r%d.npy", r)), x, n, T); err != nil {
			t.Fatal(err)
		}
	}
	return coords, signals
}

// TestMaxMemoryFlag: a -max-memory that is not a size is a usage error
// naming the flag and the form, before any data is read (the netsim run
// would otherwise simulate its data first; the spec file need not exist).
func TestMaxMemoryFlag(t *testing.T) {
	for _, args := range [][]string{
		{"netsim", "-max-memory", "lots"},
		{"sweep", "plan", "no-such.toml", "-max-memory", "8"},
		{"bench", "-max-memory", "8TB"},
	} {
		var out, errb bytes.Buffer
		if code := runMain(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), "-max-memory") ||
			!strings.Contains(errb.String(), "8GiB or 512MiB") {
			t.Errorf("%v: exit %d, stderr %q; want 2 and an error naming -max-memory and the form", args, code, errb.String())
		}
	}
}
