package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
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
	}
	if body.Len() == 0 {
		return
	}
	fmt.Fprintf(b, "## Paired comparisons between conditions\n\n"+
		"Differences are tested, not read off overlapping intervals: the unit of pairing is the seed (the same seed label "+
		"in both conditions). The 95 %% interval is Student's t on the differences; the exact sign-flip p makes no "+
		"assumption about their distribution but cannot fall below 2/2ⁿ with n seeds (0.25 for 3). Read a difference as "+
		"supported when its interval excludes 0, and as established only when more seeds also bring p down.\n\n")
	b.WriteString(body.String())
}
