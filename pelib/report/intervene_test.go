package report

import (
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/results"
)

// TestInterventionSection checks the interventions' table and the
// σ-against-effect sentence on records with known values: the effect of
// permuting the PE falls (in magnitude) with σ — losses −0.4, −0.2, −0.05,
// −0.01 plus 0.001·seed — so the ranks of Δ are 1 … 8 against σ's tied
// ranks 1.5, 1.5, 3.5, …, 7.5: ρ = 0.976.
func TestInterventionSection(t *testing.T) {
	var rs []results.Record
	for i, c := range []struct {
		cond  string
		dperm float64
	}{{"learn-0.1", -0.4}, {"learn-0.5", -0.2}, {"learn-1", -0.05}, {"learn-2", -0.01}} {
		for seed := int64(1); seed <= 2; seed++ {
			rs = append(rs, results.Record{ID: c.cond + string(rune('a'+seed)), Experiment: "lst", Condition: c.cond, Seed: seed,
				Status: results.StatusOK, Final: map[string]float64{
					"iv_intact_acc": 0.9, "iv_dperm_acc": c.dperm + 0.001*float64(seed), "iv_dremoved_acc": -0.5,
					"iv_doracle_acc": -0.1 * float64(i), "geo_rsa_cos_b0": 0.5 - 0.1*float64(i) + 0.001*float64(seed)}})
			if c.cond != "learn-2" {
				rs[len(rs)-1].Final["iv_dswap_learn-2_acc"] = -0.25
			}
		}
	}
	rs = append(rs, results.Record{ID: "none", Experiment: "lst", Condition: "none", Seed: 1, Status: results.StatusOK,
		Final: map[string]float64{"val_acc": 0.3}})
	var b strings.Builder
	interventionSection(&b, rs)
	md := b.String()
	for _, want := range []string{
		"## Does the model use its PE?",
		"| condition | n | intact | Δ removed | Δ rows permuted | Δ true-coordinate sinusoid |",
		"| learn-0.1 | 2 | 90 ± 0 [90, 90] | -50 ± 0 [-50, -50] | -39.9 ± 0.071 [-40.5, -39.2] | 0 ± 0 [0, 0] |",
		"Spearman ρ(σ, Δ rows permuted) = 0.98",
		"| model's condition | learn-2's PE |",
		"| learn-0.5 | -25 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("section lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "| none |") {
		t.Errorf("a condition without interventions has a row:\n%s", md)
	}
	var empty strings.Builder
	interventionSection(&empty, rs[len(rs)-1:])
	if empty.Len() != 0 {
		t.Errorf("records without interventions gave a section: %q", empty.String())
	}
}

// TestPairedSection checks the paired comparisons on known values: the
// best learned σ (lowest mean error) minus each other condition, seed by
// seed: learn-0.1 − none = −0.1, −0.2, −0.3 (mean −0.2, the t interval
// −0.2 ∓ 4.3027·0.1/√3 = [−0.4484, 0.04841], sign-flip p 0.25).
func TestPairedSection(t *testing.T) {
	var rs []results.Record
	for seed, v := range map[int64][3]float64{1: {0.5, 0.6, 0.7}, 2: {0.5, 0.7, 0.8}, 3: {0.5, 0.8, 0.9}} {
		for i, c := range []string{"learn-0.1", "none", "learn-2"} {
			rs = append(rs, results.Record{ID: c + string(rune('0'+seed)), Experiment: "netsim", Condition: c, Seed: seed,
				Status: results.StatusOK, Final: map[string]float64{"test90_mse": v[i]}})
		}
	}
	var b strings.Builder
	pairedSection(&b, rs, []string{"test90_mse", "absent_mse"})
	md := b.String()
	for _, want := range []string{
		"**test90_mse**: learn-0.1 (the best learned σ by its mean)",
		"| none | 3 | -0.2 | [-0.4484, 0.04841] | p = 0.25 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("section lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "absent_mse") {
		t.Errorf("a metric no record has got a table:\n%s", md)
	}
}
