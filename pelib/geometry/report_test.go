package geometry

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/results"
)

// records makes learned-σ records (seeds 1, 2) whose metric m is
// a + b·epoch at epochs 0, 10, 20, and whose final acc falls with σ.
func records() []results.Record {
	var rs []results.Record
	for i, sigma := range []float64{0.1, 0.5, 1, 2} {
		for seed := int64(1); seed <= 2; seed++ {
			r := results.Record{ID: fmt.Sprintf("%d-%d", i, seed), Condition: fmt.Sprintf("learn-%g", sigma), Seed: seed,
				Status: results.StatusOK, Final: map[string]float64{"acc": 100 - 10*sigma - float64(seed), "m": sigma}}
			for _, e := range []float64{0, 10, 20} {
				r.History = append(r.History, results.Point{Epoch: e, Metrics: map[string]float64{"m": sigma + e/10 + float64(seed)/10}})
			}
			rs = append(rs, r)
		}
	}
	rs = append(rs, results.Record{ID: "x", Condition: "learn-3", Seed: 1, Status: results.StatusDiverged,
		History: []results.Point{{Epoch: 0, Metrics: map[string]float64{"m": 99}}}})
	return rs
}

func TestTable(t *testing.T) {
	tab, err := Table(records(), "m")
	if err != nil {
		t.Fatal(err)
	}
	// learn-0.5 at epoch 10: seeds 0.5+1+0.1 and 0.5+1+0.2: mean 1.65, SD √0.005.
	for _, want := range []string{"| condition | n | epoch 0 | epoch 10 | epoch 20 |", fmt.Sprintf("| learn-0.5 | 2 | 0.650 ± %.3f | 1.650 ± %.3f |", math.Sqrt(0.005), math.Sqrt(0.005))} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q:\n%s", want, tab)
		}
	}
	if strings.Contains(tab, "learn-3") {
		t.Errorf("a diverged model is in the table:\n%s", tab)
	}
	if i, j := strings.Index(tab, "learn-0.1"), strings.Index(tab, "learn-2"); i > j {
		t.Errorf("conditions not in σ order:\n%s", tab)
	}
	if _, err := Table(records(), "absent"); err == nil {
		t.Error("a table of a metric no record has")
	}
}

func TestCorrelate(t *testing.T) {
	// m = σ against acc = 100 − 10σ − seed: ranks of 8 models, ties in m
	// (two seeds per σ); ρ is strongly negative and its p-value small.
	cs, err := Correlate(records(), "acc", []string{"m", "absent"}, nil, 999, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Metric != "m" || cs[0].N != 8 {
		t.Fatalf("correlations %+v, want one for m over 8 models", cs)
	}
	if cs[0].Rho > -0.9 || cs[0].P > 0.01 {
		t.Errorf("ρ = %.3f, p = %.4f: want ρ < −0.9, p ≤ 0.01", cs[0].Rho, cs[0].P)
	}
	if got := (Correlation{P: 0.001, Perms: 999}).PString(); got != "< 0.001" {
		t.Errorf("PString of the smallest p = %q, want < 0.001", got)
	}
	if _, err := Correlate(records(), "acc", []string{"m"}, nil, 0, 1); err == nil {
		t.Error("0 permutations accepted")
	}
}
