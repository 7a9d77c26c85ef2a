package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/fetch"
)

// helpCases lists every command and subcommand of pelab (as `pelab help`
// and each command's usage list them) with the names of its flags. The
// flags of experiments, their commands and sweep's subcommands come from
// the functions that define them; bench, env, report and data's are
// listed here.
func helpCases(t *testing.T) map[string][]string {
	t.Helper()
	names := func(define func(fs *flag.FlagSet)) []string {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		define(fs)
		var out []string
		fs.VisitAll(func(f *flag.Flag) { out = append(out, f.Name) })
		return out
	}
	cases := map[string][]string{
		"bench":       {"backend", "m", "steps", "batch", "pe", "model", "k", "matmul", "nodonate", "label", "csv", "save-program", "soak", "soak-groups"},
		"env":         {"backend"},
		"report":      {"html", "o"},
		"data":        {"dir", "accept-terms"},
		"data list":   nil,
		"data fetch":  {"dir", "accept-terms"},
		"data verify": {"dir"},
		"sweep plan":  names(func(fs *flag.FlagSet) { sweepFlags(fs, "plan", new(expFlags)) }),
		"sweep run":   names(func(fs *flag.FlagSet) { sweepFlags(fs, "run", new(expFlags)) }),
		"sweep":       names(func(fs *flag.FlagSet) { sweepFlags(fs, "", new(expFlags)) }),
		"help":        nil,
	}
	for _, e := range experiment.All() {
		cases[e.Name()] = names(func(fs *flag.FlagSet) {
			var f expFlags
			f.register(fs, e)
			optionFlags(fs, e)
		})
		if c, ok := e.(experiment.Commander); ok {
			for _, cmd := range c.Commands() {
				cases[e.Name()+" "+cmd.Name] = names(func(fs *flag.FlagSet) { cmd.Flags(fs) })
			}
		}
	}
	for name := range commands {
		if _, ok := cases[name]; !ok {
			t.Errorf("command %s has no help case: add it to helpCases", name)
		}
	}
	return cases
}

// TestHelp checks POSIX and Go conventions on every command and
// subcommand: -h and --help print the usage, with every flag, to stdout
// and exit 0, with nothing on stderr.
func TestHelp(t *testing.T) {
	cases := helpCases(t)
	keys := make([]string, 0, len(cases))
	for k := range cases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, h := range []string{"-h", "--help"} {
			args := append(strings.Fields(k), h)
			var out, errOut bytes.Buffer
			code := runMain(args, &out, &errOut)
			if code != 0 || errOut.Len() > 0 || !strings.Contains(out.String(), "Usage") {
				t.Errorf("pelab %s: exit %d, stdout %d bytes, stderr %q; want exit 0, the usage on stdout, nothing on stderr",
					strings.Join(args, " "), code, out.Len(), errOut.String())
				continue
			}
			for _, f := range cases[k] {
				if !strings.Contains(out.String(), "-"+f) {
					t.Errorf("pelab %s: the usage does not name flag -%s:\n%s", strings.Join(args, " "), f, out.String())
				}
			}
		}
	}
	// pelab help COMMAND is pelab COMMAND -h.
	var out, errOut bytes.Buffer
	if code := runMain([]string{"help", "sweep"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "-shard") {
		t.Errorf("pelab help sweep: exit %d, stdout %q, stderr %q; want 0 and sweep's flags", code, out.String(), errOut.String())
	}
}

// TestUsageErrorsBeforeData checks usage errors that must be found before
// any data is read, with no data present: PELAB_SHARED and PELAB_DATA name
// an empty folder, so a command that read its data first would fail with
// another error (exit 1).
func TestUsageErrorsBeforeData(t *testing.T) {
	empty := t.TempDir()
	t.Setenv(shared.EnvVar, empty)
	t.Setenv(fetch.EnvVar, empty)
	for _, v := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "PELAB_BACKEND", "GOMLX_BACKEND"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
	dir := t.TempDir()
	spec := filepath.Join(dir, "s.toml")
	if err := os.WriteFile(spec, []byte("experiment = \"lst\"\nconditions = [\"learn-1\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	const shard = `-shard "3/2": want i/n with 0 ≤ i < n`
	const backend = `-backend nosuch: unknown backend "nosuch"`
	for _, tc := range []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"lst", "-shard", "3/2", "-out", out}, "pelab lst: " + shard},
		{[]string{"lst", "-shard", "3/3", "-out", out}, `pelab lst: -shard "3/3"`},
		{[]string{"fmri", "-shard", "3/2", "-out", out}, "pelab fmri: " + shard},
		{[]string{"tokens", "-shard", "3/2", "-out", out}, "pelab tokens: " + shard},
		{[]string{"sweep", "run", spec, "-shard", "3/2", "-out", out}, "pelab sweep: " + shard},
		{[]string{"lst", "-backend", "nosuch", "-out", out}, "pelab lst: " + backend},
		{[]string{"env", "-backend", "nosuch"}, "pelab env: " + backend},
		{[]string{"bench", "-backend", "nosuch"}, "pelab bench: " + backend},
		{[]string{"sweep", "run", spec, "-backend", "nosuch", "-out", out}, "pelab sweep: " + backend},
		{[]string{"sweep", "plan", spec, "-backend", "nosuch", "-out", out}, "pelab sweep: " + backend},
		// Found by issue 21's fresh attack: exit 1 where -window -1 exits 2.
		{[]string{"tokens", "-window", "1", "-coords", "c.csv", "-signals", "s", "-out", out}, "pelab tokens: -window 1: want 0 (the protocol's) or an integer ≥ 2"},
	} {
		var stdout, stderr bytes.Buffer
		code := runMain(tc.args, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("pelab %s: exit %d, stderr %q;\nwant exit 2 and %q", strings.Join(tc.args, " "), code, stderr.String(), tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command created %s", out)
	}
}
