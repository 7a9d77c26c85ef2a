package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pelab/pelab/pelib/results"
)

// TestSummaryWarnsOfMixedInputs: a run's own summary.md warns, as pelab
// report does, when records of one condition were trained on different
// input files (issue 21's fresh attack: two fmri runs into one -out, one on a
// damaged copy of a subject file, summarised as "n = 2" without a word).
func TestSummaryWarnsOfMixedInputs(t *testing.T) {
	store, err := results.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []string{"a", "b"} {
		cfg := map[string]any{"protocol": "quick", "condition": "none", "seed": 1,
			results.InputsKey: results.Inputs{"rest/s.h5": strings.Repeat(c, 64)}.Summary()}
		raw, err := results.Canonical(cfg)
		if err != nil {
			t.Fatal(err)
		}
		id, err := results.ConfigID(json.RawMessage(raw))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 12, 7, 0, 0, i, 0, time.UTC)
		if err := store.Put(results.Record{ID: id, Experiment: "fmri", Protocol: "quick", Condition: "none", Seed: 1, Config: raw,
			Final: map[string]float64{"test_mse": 0.9}, Status: results.StatusOK, Started: now, Finished: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeSummary(store, "summary.md", io.Discard, func([]results.Record) (string, error) { return "| none | 2 |\n", nil }); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(store.Dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "**Warning:** these records: condition none was trained on 2 different sets of input files") {
		t.Errorf("summary.md does not warn of the two data sets:\n%s", b)
	}
}
