package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNetsimFlags checks that bad flags of pelab netsim fail before any
// simulation or training, naming the flag.
func TestNetsimFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"netsim", "-layout", "4d"}, "-layout"},
		{[]string{"netsim", "-protocol", "full"}, "-protocol"},
		{[]string{"netsim", "-pe", "learn-0"}, "-pe"},
		{[]string{"netsim", "-seeds", "x,y"}, "-seeds"},
	} {
		var out, errOut bytes.Buffer
		code := runMain(append(tc.args, "-out", t.TempDir()), &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 (usage) and a message naming %s", tc.args, code, errOut.String(), tc.want)
		}
	}
	var out, errOut bytes.Buffer
	if code := runMain([]string{"netsim", "-h"}, &out, &errOut); code != 0 {
		t.Errorf("netsim -h: exit %d", code)
	}
}

// TestExportCommands checks that `pelab netsim export` and `pelab fmri
// export` read their flags and arguments as every pelab command does: a
// bad flag value or a missing or extra argument is a usage error (exit 2)
// naming it, before anything is written; flags may follow the folder.
func TestExportCommands(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"netsim", "export"}, "pelab netsim: export: want DIR, got 0 argument(s)"},
		{[]string{"netsim", "export", dir, dir}, "pelab netsim: export: want DIR, got 2 argument(s)"},
		{[]string{"netsim", "export", "-protocol", "full", dir}, `pelab netsim: -protocol full: netsim: unknown protocol "full" (want quick or paper)`},
		{[]string{"netsim", "export", dir, "-layout", "4d"}, `pelab netsim: -layout 4d: netsim: unknown layout "4d"`},
		{[]string{"netsim", "export", "-train-runs", "-1", dir}, "pelab netsim: -train-runs -1: want an integer 0 … 65536"},
		{[]string{"netsim", "export", "-runs", "1", dir}, "pelab netsim: flag provided but not defined: -runs"},
		{[]string{"fmri", "export"}, "pelab fmri: export: want OUT, got 0 argument(s)"},
		{[]string{"fmri", "export", "-data"}, "pelab fmri: flag needs an argument: -data"},
	} {
		var out, errOut bytes.Buffer
		if code := runMain(tc.args, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 (usage) and %q", tc.args, code, errOut.String(), tc.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("usage errors wrote %d entries into %s", len(entries), dir)
	}
	for _, c := range []string{"netsim", "fmri"} {
		var out, errOut bytes.Buffer
		if code := runMain([]string{c, "export", "-h"}, &out, &errOut); code != 0 {
			t.Errorf("%s export -h: exit %d, stderr %q", c, code, errOut.String())
		}
	}
	// A data error is not a usage error.
	var out, errOut bytes.Buffer
	if code := runMain([]string{"fmri", "export", "-data", filepath.Join(dir, "none"), filepath.Join(dir, "out")}, &out, &errOut); code != 1 {
		t.Errorf("fmri export of a missing folder: exit %d, stderr %q; want 1", code, errOut.String())
	}
	// Flags after the folder are read; the files are written.
	out.Reset()
	errOut.Reset()
	exp := filepath.Join(dir, "exp")
	if code := runMain([]string{"netsim", "export", exp, "-train-runs", "1", "-test-runs", "1"}, &out, &errOut); code != 0 {
		t.Fatalf("netsim export: exit %d, stderr %q", code, errOut.String())
	}
	if !strings.Contains(out.String(), "1 training and 1 held-out runs") {
		t.Errorf("netsim export printed %q", out.String())
	}
	for _, f := range []string{"coords.csv", "partition.csv", "signals/train-000.npy", "signals/test-000.npy"} {
		if _, err := os.Stat(filepath.Join(exp, f)); err != nil {
			t.Error(err)
		}
	}
}
