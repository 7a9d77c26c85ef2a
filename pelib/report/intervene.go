package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/geometry"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// interventionSection writes, when the records hold the PE interventions
// of package intervene (iv_* metrics), a table of their effects per
// condition and the answer to "does breaking the PE's geometry hurt small
// σ more than large σ?": Spearman ρ, over the learned-σ models, of σ and
// of the first block's RSA with the effect of permuting the PE's rows.
func interventionSection(b *strings.Builder, rs []results.Record) {
	metric := ""
	for _, m := range []string{"acc", "mse"} {
		for _, r := range rs {
			if _, ok := r.Final["iv_dperm_"+m]; ok {
				metric = m
			}
		}
	}
	if metric == "" {
		return
	}
	scale, unit := 1.0, ""
	worse := "higher"
	if metric == "acc" {
		scale, unit, worse = 100, " (points of accuracy)", "lower"
	}
	cols := []struct{ key, name string }{
		{"iv_intact_" + metric, "intact"},
		{"iv_dremoved_" + metric, "Δ removed"},
		{"iv_dperm_" + metric, "Δ rows permuted"},
		{"iv_dwithin_" + metric, "Δ permuted within networks"},
		{"iv_dacross_" + metric, "Δ permuted across networks"},
		{"iv_doracle_" + metric, "Δ true-coordinate sinusoid"},
	}
	sums := results.Summarize(rs, func(r results.Record) string { return r.Condition })
	sweep.SortSummaries(nil, sums)
	var present []struct{ key, name string }
	for _, c := range cols {
		for _, s := range sums {
			if s.Count[c.key] > 0 {
				present = append(present, c)
				break
			}
		}
	}
	fmt.Fprintf(b, "## Does the model use its PE? Interventions at evaluation\n\n"+
		"Each trained model evaluated again on the held-out data with its PE table altered (package intervene): "+
		"removed, its rows permuted among the tokens (20 draws, mean), permuted only within or only across the "+
		"networks of the partition, or replaced by the sinusoid of the true coordinates mapped onto it by Procrustes. "+
		"Δ = altered − intact %s%s: %s is worse. Mean ± SD over seeds [95 %% CI of the mean, results.BoundedCI].\n\n| condition | n |", metric, unit, worse)
	for _, c := range present {
		b.WriteString(" " + c.name + " |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---:|", len(present)) + "\n")
	for _, s := range sums {
		if s.Count[cols[0].key] == 0 {
			continue
		}
		fmt.Fprintf(b, "| %s | %d |", s.Group, s.N)
		for _, c := range present {
			if s.Count[c.key] == 0 {
				b.WriteString(" – |")
				continue
			}
			v := s.Mean[c.key] * scale
			if sd, ok := s.SD[c.key]; ok {
				if sd*scale < 1e-9*max(1, math.Abs(v)) {
					sd = 0 // rounding noise of equal values
				}
				ci := s.CI95[c.key]
				fmt.Fprintf(b, " %.3g ± %.2g [%.3g, %.3g] |", v+0, sd*scale, ci[0]*scale+0, ci[1]*scale+0) // +0: no "-0"
			} else {
				fmt.Fprintf(b, " %.3g |", v)
			}
		}
		b.WriteString("\n")
	}
	// Another condition's PE in each model (swap_<c>): a matrix of Δ.
	var swapped []string
	for _, s := range sums { // the conditions some model was given the PE of
		for _, r := range rs {
			if _, ok := r.Final["iv_dswap_"+s.Group+"_"+metric]; ok {
				swapped = append(swapped, s.Group)
				break
			}
		}
	}
	if len(swapped) > 0 {
		fmt.Fprintf(b, "\nEach model with its table replaced, block by block, by that of another condition's model of the same "+
			"seed, mapped onto it by Procrustes and scaled to its norm (Δ %s%s, mean over seeds; rows: the model, columns: "+
			"the PE put in):\n\n| model's condition |", metric, unit)
		for _, c := range swapped {
			b.WriteString(" " + c + "'s PE |")
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(swapped)) + "\n")
		for _, s := range sums {
			given := false
			for _, c := range swapped {
				given = given || s.Count["iv_dswap_"+c+"_"+metric] > 0
			}
			if !given {
				continue // a condition trained apart from the others (another group) was given none
			}
			fmt.Fprintf(b, "| %s |", s.Group)
			for _, c := range swapped {
				k := "iv_dswap_" + c + "_" + metric
				if s.Count[k] == 0 {
					b.WriteString(" – |")
					continue
				}
				fmt.Fprintf(b, " %.3g |", s.Mean[k]*scale+0)
			}
			b.WriteString("\n")
		}
	}
	// Across learned-σ models: σ and geometry against the permutation's effect.
	var sig, dperm, rsa, dpermR []float64
	for _, r := range rs {
		s, ok := sweep.SigmaOf(r.Condition)
		d, ok2 := r.Final["iv_dperm_"+metric]
		if !ok || !ok2 || r.Status != results.StatusOK {
			continue
		}
		sig, dperm = append(sig, s), append(dperm, d)
		if g, ok := r.Final[geometry.Name("rsa_cos", 0)]; ok {
			rsa, dpermR = append(rsa, g), append(dpermR, d)
		}
	}
	b.WriteString("\n")
	if t, err := analysis.SpearmanTest(sig, dperm); err == nil {
		fmt.Fprintf(b, "Across the %d learned-σ models, Spearman ρ(σ, Δ rows permuted) = %.2f (%s)", len(sig), t.Rho, plots.FormatP(t.P))
		if t2, err := analysis.SpearmanTest(rsa, dpermR); err == nil {
			fmt.Fprintf(b, "; ρ(first block's RSA with −distance, Δ rows permuted) = %.2f (%s, %d models)", t2.Rho, plots.FormatP(t2.P), len(rsa))
		}
		b.WriteString(".\n\n")
	}
}

// Interventions is the interventions section of records (see
// interventionSection) on its own, for notebooks: its Markdown, empty when
// no record holds the interventions' metrics.
func Interventions(rs []results.Record) string {
	var b strings.Builder
	interventionSection(&b, rs)
	return b.String()
}
