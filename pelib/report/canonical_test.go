package report_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/report"
	"github.com/pelab/pelab/pelib/results"
)

// TestReportOldSpellings: records written under other spellings of one PE
// (before conditions had one canonical name) are read as one condition.
func TestReportOldSpellings(t *testing.T) {
	var recs []results.Record
	for i, cond := range []string{"learn-0.1", "learn-0.10", "LEARN-0.1", "learn:0.1", "nope", "none"} {
		cfg, _ := json.Marshal(map[string]any{"protocol": "quick", "condition": cond})
		recs = append(recs, results.Record{ID: fmt.Sprintf("r%d", i), Experiment: "lst", Condition: cond, Seed: int64(i), Config: cfg,
			Final: map[string]float64{"val_acc": 0.5, "test_acc": 0.5}, Status: results.StatusOK})
	}
	rep, err := report.Build("t", recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| learn-0.1 | 4 |", "| none | 2 |"} {
		if !strings.Contains(rep.Markdown, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, old := range []string{"learn-0.10", "LEARN-0.1", "learn:0.1", "| nope"} {
		if strings.Contains(rep.Markdown, old) {
			t.Errorf("report lists the spelling %q as a condition", old)
		}
	}
	if recs[1].Condition != "learn-0.10" {
		t.Errorf("Build changed its caller's records: %q", recs[1].Condition)
	}
}

// TestCommittedRecords reads every record committed under results/
// (written before records carried input hashes): each is valid, keeps its
// ID (ConfigID of its config), and its condition is already the canonical
// name in its experiment's vocabulary, so canonical names did not move any
// committed cell.
func TestCommittedRecords(t *testing.T) {
	dirs, _ := filepath.Glob("../../results/*")
	n := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		recs, bad, err := (&results.Store{Dir: dir}).All()
		if err != nil || len(bad) > 0 {
			t.Fatalf("%s: %v %v", dir, err, bad)
		}
		for _, r := range recs {
			n++
			id, err := results.ConfigID(r.Config)
			if err != nil || id != r.ID {
				t.Errorf("%s/%s: ConfigID of its config %s, %v", dir, r.ID, id, err)
			}
			e, err := experiment.Get(r.Experiment)
			if err != nil {
				t.Errorf("%s/%s: %v", dir, r.ID, err)
				continue
			}
			c, err := e.Vocabulary().Condition(r.Condition)
			if err != nil || c.Name != r.Condition {
				t.Errorf("%s/%s: condition %q has the canonical name %q (%v)", dir, r.ID, r.Condition, c.Name, err)
			}
		}
	}
	if n == 0 {
		t.Skip("no committed records under ../../results")
	}
	t.Logf("%d committed records", n)
}

// TestReportInputsDiffer: records of one condition trained on different
// input files are flagged (a warning line in the section and at the top
// of report.md, and in Report.Warnings, which pelab report prints on
// stderr); records without input hashes are said to be unchecked.
func TestReportInputsDiffer(t *testing.T) {
	in := func(c string) results.Inputs { return results.Inputs{"rest/a.h5": strings.Repeat(c, 64)} }
	rec := func(id, cond string, seed int64, inputs results.Inputs) results.Record {
		c := map[string]any{"protocol": "quick", "condition": cond, "seed": seed}
		if inputs != nil {
			c[results.InputsKey] = inputs.Summary()
		}
		cfg, _ := json.Marshal(c)
		return results.Record{ID: id, Experiment: "fmri", Condition: cond, Seed: seed, Config: cfg,
			Final: map[string]float64{"test_r2": 0.5}, Status: results.StatusOK}
	}
	a, b := in("a").Digest(), in("b").Digest()
	for _, tc := range []struct {
		name     string
		recs     []results.Record
		warnings int      // len(Report.Warnings)
		want     []string // in the Markdown
		not      []string // not in it
	}{
		{"one condition, two data sets", []results.Record{rec("r1", "learn-1", 1, in("a")), rec("r2", "learn-1", 2, in("b"))}, 1,
			[]string{"**Warning:** condition learn-1 was trained on 2 different sets of input files (" + a[:12] + "… for seed(s) 1; " + b[:12] + "… for seed(s) 2)",
				"**Warning: records trained on different input files**", "- fmri, protocol quick: condition learn-1 was trained on 2 different sets"}, nil},
		{"two conditions, two data sets", []results.Record{rec("r1", "learn-1", 1, in("a")), rec("r2", "none", 1, in("b"))}, 1,
			[]string{"**Warning:** the records of this section were trained on 2 different sets of input files (" + a[:12] + "… for learn-1; " + b[:12] + "… for none)"},
			[]string{"condition learn-1 was trained"}},
		{"one data set", []results.Record{rec("r1", "learn-1", 1, in("a")), rec("r2", "learn-1", 2, in("a")), rec("r3", "none", 1, in("a"))}, 0,
			[]string{"Every record that carries input-file hashes was trained on the same input files (digest " + a[:12] + "…)"}, []string{"Warning"}},
		{"old records beside new ones", []results.Record{rec("r1", "learn-1", 1, in("a")), rec("r2", "learn-1", 2, nil)}, 0,
			[]string{"1 record(s) carry no input-file hash (written before pelab stored them), so their data are unchecked: learn-1 (1)."}, []string{"Warning"}},
		{"old records only", []results.Record{rec("r1", "learn-1", 1, nil), rec("r2", "learn-1", 2, nil)}, 0,
			[]string{"No record of this section carries input-file hashes"}, []string{"Warning"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := report.Build("t", tc.recs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Warnings) != tc.warnings {
				t.Errorf("%d warnings %q, want %d", len(rep.Warnings), rep.Warnings, tc.warnings)
			}
			for _, w := range tc.want {
				if !strings.Contains(rep.Markdown, w) {
					t.Errorf("report lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(rep.Markdown, w) {
					t.Errorf("report has %q", w)
				}
			}
			if t.Failed() {
				t.Log(rep.Markdown[:min(len(rep.Markdown), 2000)])
			}
		})
	}
}

// TestArtifactFigures: a report made from a results folder draws the
// experiment's figures from its saved artifacts (lst: the PE similarity
// matrices beside the grid's and the 2d-fixed sinusoid's), and a report
// built from records alone (no store) does not claim them.
func TestArtifactFigures(t *testing.T) {
	dir := "../../results/lst-long300-cpu"
	rep, files := artifactReport(t, dir)
	for _, want := range []string{"lst-quick-similarity-b0.png", "lst-quick-similarity-b3.png", "lst-quick-similarity-b0-init.png"} {
		if files[want] < 1000 {
			t.Errorf("figure %s: %d bytes of PNG, want a drawn figure (have %v)", want, files[want], files)
		}
	}
	if !strings.Contains(rep.Markdown, "](lst-quick-similarity-b0.png)") {
		t.Errorf("report.md does not reference the similarity figure")
	}
	recs, _, err := (&results.Store{Dir: dir}).All()
	if err != nil {
		t.Fatal(err)
	}
	built, err := report.Build("no store", recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(built.Markdown, "similarity-b0") {
		t.Errorf("a report without a store mentions the artifact figures")
	}
}

// TestArtifactFiguresSharedTable: the paper-width study's 2d-fixed models
// keep one table for every block ([1, 16, 160]); the last block's
// similarity figure is drawn with it, not refused.
func TestArtifactFiguresSharedTable(t *testing.T) {
	dir := "../../results/lst-paper-geometry-cpu"
	if _, files := artifactReport(t, dir); files["lst-paper-similarity-b3.png"] <= 1000 {
		t.Errorf("no last-block similarity figure in the report of %s", dir)
	}
}

// artifactReport builds the report of a committed results folder with saved
// artifacts (skipping the test where there is none) and returns it with the
// PNG size of each of its figures, by file name.
func artifactReport(t *testing.T, dir string) (*report.Report, map[string]int) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "artifacts")); err != nil {
		t.Skipf("skipping: no committed %s with artifacts (%v)", dir, err)
	}
	rep, err := report.FromDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]int{}
	for _, s := range rep.Sections {
		for _, f := range s.Figures {
			files[f.File] = len(f.PNG)
		}
	}
	return rep, files
}
