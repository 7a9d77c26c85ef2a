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
