package lst

import (
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/results"
)

func TestAccuracyView(t *testing.T) {
	var recs []results.Record
	for i, c := range []string{"learn-0.1", "learn-0.1", "learn-2", "2d-fixed"} {
		recs = append(recs, results.Record{ID: "r" + c, Experiment: "lst", Condition: c, Seed: int64(i), Status: results.StatusOK,
			Final: map[string]float64{"val_acc": 0.25 + 0.1*float64(i)}})
	}
	recs = append(recs, results.Record{Experiment: "netsim", Condition: "learn-5", Status: results.StatusOK, Final: map[string]float64{"val_acc": 1}})
	f, err := AccuracyView(recs, "val_acc", "")
	if err != nil {
		t.Fatal(err)
	}
	js, err := f.JSON()
	if err != nil {
		t.Fatal(err)
	}
	s := string(js)
	for _, want := range []string{"chance (25 %)", "2d-fixed (mean)", "accuracy on the 108 original puzzles (%) against σ", "45"} {
		if !strings.Contains(s, want) {
			t.Errorf("figure lacks %q", want)
		}
	}
	if strings.Contains(s, `"5"`) {
		t.Errorf("the netsim record's σ = 5 is drawn")
	}
}
