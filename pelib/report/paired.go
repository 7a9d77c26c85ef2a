package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// pairedSection writes the tested comparisons between conditions: for each
// metric of metrics present in the records, the best learned-σ condition
// (highest mean for accuracies, lowest for errors) against every other
// condition, paired over seeds (records of the same seed label: the unit of
// pairing), with the mean difference, its 95 % t interval and the exact
// sign-flip p (analysis.PairedTest). A condition is compared on the seeds
// both have.
func pairedSection(b *strings.Builder, rs []results.Record, metrics []string) {
	var body strings.Builder
	for _, metric := range metrics {
		higher := strings.Contains(metric, "acc")
		vals := map[string]map[int64]float64{}
		for _, r := range rs {
			v, ok := r.Final[metric]
			if !ok || r.Status != results.StatusOK {
				continue
			}
			if vals[r.Condition] == nil {
				vals[r.Condition] = map[int64]float64{}
			}
			vals[r.Condition][r.Seed] = v
		}
		best, bestMean := "", 0.0
		for c, bySeed := range vals {
			if _, ok := sweep.SigmaOf(c); !ok || len(bySeed) < 2 {
				continue
			}
			m := 0.0
			for _, v := range bySeed {
				m += v
			}
			m /= float64(len(bySeed))
			if best == "" || (higher && m > bestMean) || (!higher && m < bestMean) || (m == bestMean && c < best) {
				best, bestMean = c, m
			}
		}
		if best == "" {
			continue
		}
		others := make([]string, 0, len(vals))
		for c := range vals {
			if c != best {
				others = append(others, c)
			}
		}
		slices.SortFunc(others, func(a, c string) int { return sweep.CompareConditions(nil, a, c) })
		rows := 0
		for _, c := range others {
			var x, y []float64
			for seed, v := range vals[best] {
				if w, ok := vals[c][seed]; ok {
					x, y = append(x, v), append(y, w)
				}
			}
			pr, err := analysis.PairedTest(x, y, 1)
			if err != nil {
				continue
			}
			if rows == 0 {
				fmt.Fprintf(&body, "**%s**: %s (the best learned σ by its mean) − each other condition, paired over seeds:\n\n"+
					"| other condition | seeds paired | mean difference | 95 %% CI | sign-flip p |\n|---|---|---:|---|---|\n", metric, best)
			}
			fmt.Fprintf(&body, "| %s | %d | %.4g | [%.4g, %.4g] | %s |\n", c, pr.N, pr.Mean, pr.Lo, pr.Hi, plots.FormatP(pr.P))
			rows++
		}
		if rows > 0 {
			body.WriteString("\n")
		}
		body.WriteString(unitPaired(rs, metric, best, others, higher))
	}
	if body.Len() == 0 {
		return
	}
	fmt.Fprintf(b, "## Paired comparisons between conditions\n\n"+
		"Differences are tested, not read off overlapping intervals: the unit of pairing is the seed (the same seed label "+
		"in both conditions). The 95 %% interval is Student's t on the differences; the exact sign-flip p makes no "+
		"assumption about their distribution but cannot fall below 2/2ⁿ with n seeds (0.25 for 3). Read a difference as "+
		"supported when its interval excludes 0, and as established only when more seeds also bring p down. Where the "+
		"records hold the held-out error per held-out unit (a run, subject or recording: metric_@unit), the same "+
		"comparison is also paired over those units, each unit's value the mean over the seeds both conditions have: "+
		"it asks whether the difference holds across held-out data, not only across initialisations.\n\n")
	b.WriteString(body.String())
}

// unitPaired is the table of best − each other condition on metric paired
// over held-out units (masked.UnitValues: the records' metric_@unit
// values), each unit's value averaged over the seeds the two conditions
// share; "" when the records hold no per-unit values.
func unitPaired(rs []results.Record, metric, best string, others []string, higher bool) string {
	vals := map[string]map[int64]map[string]float64{} // condition → seed → unit → value
	for _, r := range rs {
		if r.Status != results.StatusOK {
			continue
		}
		u, units := masked.UnitValues(r.Final, metric)
		if len(units) == 0 {
			continue
		}
		if vals[r.Condition] == nil {
			vals[r.Condition] = map[int64]map[string]float64{}
		}
		vals[r.Condition][r.Seed] = u
	}
	if vals[best] == nil {
		return ""
	}
	var body strings.Builder
	for _, c := range others {
		if vals[c] == nil {
			continue
		}
		sumB, sumC, n := map[string]float64{}, map[string]float64{}, map[string]int{}
		for seed, ub := range vals[best] {
			uc, ok := vals[c][seed]
			if !ok {
				continue
			}
			for unit, v := range ub {
				if w, ok := uc[unit]; ok {
					sumB[unit] += v
					sumC[unit] += w
					n[unit]++
				}
			}
		}
		var x, y []float64
		for _, unit := range slices.Sorted(maps.Keys(n)) {
			x, y = append(x, sumB[unit]/float64(n[unit])), append(y, sumC[unit]/float64(n[unit]))
		}
		pr, err := analysis.PairedTest(x, y, 1)
		if err != nil {
			continue
		}
		if body.Len() == 0 {
			fmt.Fprintf(&body, "**%s, paired over held-out units**: %s − each other condition, each held-out unit's value the mean over shared seeds:\n\n"+
				"| other condition | units paired | mean difference | 95 %% CI | sign-flip p | units where %s is better |\n|---|---|---:|---|---|---|\n", metric, best, best)
		}
		better := 0
		for i := range x {
			if (higher && x[i] > y[i]) || (!higher && x[i] < y[i]) {
				better++
			}
		}
		fmt.Fprintf(&body, "| %s | %d | %.4g | [%.4g, %.4g] | %s | %d of %d |\n", c, pr.N, pr.Mean, pr.Lo, pr.Hi, plots.FormatP(pr.P), better, pr.N)
	}
	if body.Len() > 0 {
		body.WriteString("\n")
	}
	return body.String()
}
