package sweep

import (
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// FuzzSpecTOML parses arbitrary spec files: no panic or hang; every error
// names the file ("sweep: f.toml"); an accepted spec validates and resolves
// its seeds without a duplicate.
func FuzzSpecTOML(f *testing.F) {
	for _, s := range []string{
		"experiment = \"lst\"\nconditions = [\"2d-fixed\", \"learn-0.1\"]\nsigmas = [0.1, 2,\n 0.5]\nseeds = [2235, 6312]\n[grid]\nwidth = [8, 16]\n[overrides]\nepochs = 2\nlr = 3e-3\n[task]\nsubset = 64\n",
		"experiment = \"lst\"\nconditions = \"learn-1\"\nseeds = 2\n",
		"experiment = \"lst\"\nconditions = [\"a\"]\nseeds = [1, 1]\n",
		"experiment = \"lst\"\nconditions = [\"a\"]\n[task]\nsubset = -5\n",
		"x = [[[[1]]]]", "a = \"\\q\"", "[t]\n[t]", "k = 1_000", "k = -0x10", "# only a comment", "a = [1, \"b\", true,]",
		"experiment = \"lst\"\nsigmas = [nan, inf, 1e999]",
	} {
		f.Add(s)
	}
	lineErr := regexp.MustCompile(`^sweep: f\.toml( line [0-9]+)?: `)
	f.Fuzz(func(t *testing.T, src string) {
		s, err := ParseSpec("f.toml", src)
		if err != nil {
			if !lineErr.MatchString(err.Error()) {
				t.Fatalf("ParseSpec(%q): error %q does not name the file", src, err)
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("ParseSpec(%q) accepted a spec that Validate rejects: %v", src, err)
		}
		seeds, err := s.SeedsFrom([]int64{1}, []int64{1, 2, 3})
		if err == nil {
			if err := CheckSeeds(seeds); err != nil {
				t.Fatalf("ParseSpec(%q): seeds %v: %v", src, seeds, err)
			}
		} else if !lineErr.MatchString(err.Error()) {
			t.Fatalf("SeedsFrom: error %q does not name the file", err)
		}
		for _, k := range []string{"subset", "train_runs", "train_windows", "data"} {
			if _, err := s.TaskInt(k, 0); err != nil && !strings.HasPrefix(err.Error(), "sweep: f.toml") {
				t.Fatalf("TaskInt(%s): error %q does not name the file", k, err)
			}
		}
	})
}

// FuzzSpecNesting parses spec files with fuzzed nesting: src alone, and
// src wrapped in depth arrays (or inline tables "{a = …}" when inline) as
// the value of conditions. Any input: no panic; a bounded time (1 s) and
// allocation (256 MiB) whatever the depth; an error naming the file, or a
// spec that validates. A depth past MaxSpecDepth around a src without
// quotes or comments is refused by the scan before the decoder, naming a
// line.
func FuzzSpecNesting(f *testing.F) {
	for _, c := range []struct {
		src    string
		depth  uint16
		inline bool
	}{
		{`"learn-1"`, 1, false}, {`"learn-1"`, 2, false}, {"1", 10000, false}, {"1", 10000, true},
		{"1", MaxSpecDepth, false}, {"1", MaxSpecDepth + 1, true}, {`"[[[[" # ]]]]`, 3, false},
		{"'''\n[[[[[[[[[[[[[[[[[[[[\n'''", 1, false}, {`"\"[[[[[[[[[[[[[[[[[["`, 1, false},
		{"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 0, false}, {"{a={b={c={d={e={f={g={h={i={j={k={l={m={n={o={p={q=1", 0, false},
		{"experiment = \"lst\"\nconditions = [\"a\"]\n[grid]\nwidth = [8]\n", 0, false},
	} {
		f.Add(c.src, c.depth, c.inline)
	}
	named := regexp.MustCompile(`^sweep: f\.toml( line [0-9]+)?: `)
	deep := regexp.MustCompile(`^sweep: f\.toml line [0-9]+: nesting deeper than`)
	f.Fuzz(func(t *testing.T, src string, depth uint16, inline bool) {
		open, closing := "[", "]"
		if inline {
			open, closing = "{a = ", "}"
		}
		wrapped := "experiment = \"lst\"\nconditions = " + strings.Repeat(open, int(depth)) + src + strings.Repeat(closing, int(depth)) + "\n"
		for _, doc := range []string{src, wrapped} {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			s, err := ParseSpec("f.toml", doc)
			d := time.Since(start)
			runtime.ReadMemStats(&after)
			if d > time.Second {
				t.Fatalf("ParseSpec of %d bytes took %s", len(doc), d)
			}
			if a := after.TotalAlloc - before.TotalAlloc; a > 256<<20 {
				t.Fatalf("ParseSpec of %d bytes allocated %d MiB", len(doc), a>>20)
			}
			if err != nil {
				if !named.MatchString(err.Error()) {
					t.Fatalf("ParseSpec(%q): error %q does not name the file", doc, err)
				}
				continue
			}
			if err := s.Validate(); err != nil {
				t.Fatalf("ParseSpec(%q) accepted a spec that Validate rejects: %v", doc, err)
			}
		}
		if int(depth) > MaxSpecDepth && !strings.ContainsAny(src, "\"'#\n") {
			if _, err := ParseSpec("f.toml", wrapped); err == nil || !deep.MatchString(err.Error()) {
				t.Fatalf("depth %d: error %v, want the nesting refused with a line", depth, err)
			}
		}
	})
}

// FuzzConditions parses arbitrary condition lists: no panic; an error names
// the experiment; accepted conditions have valid PEs, no PE twice, and
// parsing their names again (joined by ';') gives the same conditions; each
// name is its PE's canonical name.
func FuzzConditions(f *testing.F) {
	v := Vocabulary{Experiment: "x", Aliases: map[string]string{"2d-fixed": "sin2d", "relative": "shaw,causal"}, WeightDecay: 0.01,
		Lists: map[string][]string{"sigmas": SigmaNames([]float64{0.1, 2}), "paper": {"2d-fixed", "learn-0.5-wd"}}}
	for _, s := range []string{"learn-0.1,learn-0.5", "learn-0.1,shaw,causal,2d-fixed", "paper;sigmas", "learn-0.1,learn-0.10",
		"relative,shaw,causal", "t5,buckets=6,causal", "learn-1e39", "learn-0", "learn-0.2-wd", "learn-0.1,wd=0.5", ",;,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, list string) {
		cs, err := v.Parse(list)
		if err != nil {
			if !strings.Contains(err.Error(), "x: ") {
				t.Fatalf("Parse(%q): error %q does not name the experiment", list, err)
			}
			return
		}
		seen := map[string]bool{}
		names := make([]string, len(cs))
		for i, c := range cs {
			if err := c.PE.Validate(); err != nil {
				t.Fatalf("Parse(%q): condition %q has an invalid PE: %v", list, c.Name, err)
			}
			if seen[c.PE.String()] {
				t.Fatalf("Parse(%q): PE %s twice", list, c.PE)
			}
			seen[c.PE.String()] = true
			names[i] = c.Name
		}
		again, err := v.Parse(strings.Join(names, ";"))
		if err != nil || len(again) != len(cs) {
			t.Fatalf("Parse(%q) = %d conditions; their names joined by ';' give %d, %v", list, len(cs), len(again), err)
		}
		for i := range cs {
			if again[i].Name != cs[i].Name || again[i].PE.String() != cs[i].PE.String() {
				t.Fatalf("round trip of %q: %q %s ≠ %q %s", list, again[i].Name, again[i].PE, cs[i].Name, cs[i].PE)
			}
			if n := v.CanonicalName(cs[i].PE); n != cs[i].Name {
				t.Fatalf("Parse(%q): condition named %q, but its PE %s has the canonical name %q", list, cs[i].Name, cs[i].PE, n)
			}
		}
	})
}
