package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
)

// familyRecords makes records of the learned table and coordlin at σ 0.1,
// 0.5 and 2 and of none, 3 seeds each: test_mse rises with σ (coordlin
// 0.05 below the table at every σ and seed), geometry falls with σ.
func familyRecords() []results.Record {
	var rs []results.Record
	for _, fam := range []string{"learn", "coordlin"} {
		for i, s := range []float64{0.1, 0.5, 2} {
			for k, seed := range []int64{1, 2, 3} {
				mse := 0.8 + 0.05*float64(i) + 0.01*float64(k)
				geo := 0.7 - 0.3*float64(i) + 0.01*float64(k)
				if fam == "coordlin" {
					mse -= 0.05
				}
				rs = append(rs, results.Record{Condition: fmt.Sprintf("%s-%g", fam, s), Seed: seed, Status: results.StatusOK,
					Final:   map[string]float64{"test_mse": mse, "geo_rsa_cos_b0": geo},
					History: []results.Point{{Epoch: 0, Metrics: map[string]float64{"geo_rsa_cos_b0": 0.05 * float64(k)}}}})
			}
		}
	}
	for _, seed := range []int64{1, 2, 3} {
		rs = append(rs, results.Record{Condition: "none", Seed: seed, Status: results.StatusOK, Final: map[string]float64{"test_mse": 1}})
	}
	return rs
}

func TestFamiliesSection(t *testing.T) {
	var b strings.Builder
	figs := 0
	add := func(file, caption string, f *plots.Figure, err error) {
		if err != nil || f == nil {
			t.Errorf("figure %s: %v", file, err)
			return
		}
		if _, err := f.PNG(0, 0); err != nil {
			t.Errorf("figure %s: %v", file, err)
		}
		figs++
	}
	familiesSection(&b, familyRecords(), "test_mse", results.MetricLabel("test_mse"), "x", add)
	md := b.String()
	for _, want := range []string{
		"## PE families",
		"| learn-0.1 | learn | 0.1 | 3 | 0.81 ± 0.01",
		"| coordlin-2 | coordlin | 2 | 3 | 0.86 ± 0.01",
		"| none | control | – | 3 | 1 ± 0 [1, 1] | – |",
		"| learn | 9 | 0.95 (p 0.0012) | -0.95", // ρ(σ, mse): ties within σ, so below 1
		"| coordlin-0.1 | 3 | -0.05",            // best coordlin (σ 0.1) − best table (σ 0.1), every seed
	} {
		if !strings.Contains(md, want) {
			t.Errorf("section lacks %q:\n%s", want, md)
		}
	}
	if strings.Index(md, "| learn-2 |") > strings.Index(md, "| coordlin-0.1 |") {
		t.Error("families out of order: the table's rows should come first")
	}
	if figs != 2 {
		t.Errorf("%d figures, want 2", figs)
	}
	// One family alone: no section.
	var one strings.Builder
	familiesSection(&one, familyRecords()[:9], "test_mse", results.MetricLabel("test_mse"), "x", add)
	if one.Len() != 0 {
		t.Errorf("one family gave a section:\n%s", one.String())
	}
}

// TestUnitPaired: per-unit values paired over units, averaged over seeds;
// the known answer is computed by hand.
func TestUnitPaired(t *testing.T) {
	var rs []results.Record
	for _, seed := range []int64{1, 2} {
		a := map[string]float64{"test90_mse": 0.5, "test90_mse_@s1": 0.4, "test90_mse_@s2": 0.5, "test90_mse_@s3": 0.6}
		b := map[string]float64{"test90_mse": 0.7, "test90_mse_@s1": 0.5, "test90_mse_@s2": 0.7, "test90_mse_@s3": 0.6 + 0.1*float64(seed)}
		rs = append(rs, results.Record{Condition: "learn-0.1", Seed: seed, Status: results.StatusOK, Final: a},
			results.Record{Condition: "none", Seed: seed, Status: results.StatusOK, Final: b})
	}
	md := unitPaired(rs, "test90_mse", "learn-0.1", []string{"none"}, false)
	// Differences per unit (means over seeds): −0.1, −0.2, 0.6 − 0.75 = −0.15; mean −0.15.
	if !strings.Contains(md, "| none | 3 | -0.15 |") || !strings.Contains(md, "| 3 of 3 |") {
		t.Errorf("unit-paired table:\n%s", md)
	}
	if got := unitPaired(rs, "test_mse", "learn-0.1", []string{"none"}, false); got != "" {
		t.Errorf("no per-unit values, want no table, got:\n%s", got)
	}
}
