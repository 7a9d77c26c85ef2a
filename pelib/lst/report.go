package lst

import (
	"fmt"
	"math"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// ReportData is Experiment 1's summary of a set of result records.
type ReportData struct {
	Protocol string
	// Summaries per condition, accuracies in percent.
	Summaries []results.Summary
	// Correlations across the learned-σ conditions (condition means) of
	// each interpretability metric with validation accuracy.
	Correlations map[string]analysis.RankTest
	Markdown     string
}

// accuracy metrics are reported in percent.
func isAcc(k string) bool { return strings.Contains(k, "acc") }

// Report summarises the records of experiment "lst" and protocol into a
// table (mean ± SD over seeds per condition, side by side with the paper's
// numbers) and the Spearman correlations, across learned-σ conditions, of
// procrustes, rsa_grid, align_err and attn_sim with validation accuracy
// (the paper reports ρ = −0.98 for the Procrustes distance and 0.96 for the
// attention similarity).
func Report(recs []results.Record, protocol string) (*ReportData, error) {
	rs := sweep.Percent(results.Select(recs, "lst", protocol), isAcc)
	if len(rs) == 0 {
		return nil, fmt.Errorf("lst: no records of protocol %q to report", protocol)
	}
	rep := &ReportData{Protocol: protocol, Correlations: map[string]analysis.RankTest{}}
	rep.Summaries = results.Summarize(rs, func(r results.Record) string { return r.Condition })
	sweep.SortSummaries(Vocabulary().First, rep.Summaries)

	refs := References()
	ref := map[string]map[string]string{}
	for _, s := range rep.Summaries {
		if r, ok := refs[s.Group]; ok {
			ref[s.Group] = map[string]string{
				"paper val":   fmt.Sprintf("%.2f ± %.2f", r.Val, r.ValSD),
				"paper test":  fmt.Sprintf("%.2f ± %.2f", r.Test, r.TestSD),
				"paper 1/2/3": fmt.Sprintf("%.1f / %.1f / %.1f", r.Val1, r.Val2, r.Val3),
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "## Experiment 1 (LST), protocol %s\n\n", protocol)
	fmt.Fprintf(&b, "Accuracy in %% (mean ± SD over seeds): val = the 108 original puzzles (1/2/3-vector), test = 900 held-out, "+
		"noise = val with N(0, %.1f²) on the embeddings. Paper: 15 seeds at epoch 4000.\n\n", NoiseStd)
	b.WriteString(results.MarkdownTable(rep.Summaries,
		[]string{"val_acc", "val_acc_1vec", "val_acc_2vec", "val_acc_3vec", "test_acc", "train_acc", "val_acc_noise"}, ref))
	b.WriteString("\nInterpretability (PE vs the 4×4 grid; attention vs the 2d-fixed model of the same seed):\n\n")
	b.WriteString(results.MarkdownTable(rep.Summaries,
		[]string{"procrustes", "procrustes_disparity", "rsa_grid", "align_err", "eff_dim", "attn_sim"}, nil))

	// Across learned σ: condition means.
	var learned []results.Summary
	for _, s := range rep.Summaries {
		if _, ok := sweep.SigmaOf(s.Group); ok { // learn-<σ>, not learn-<σ>-wd
			learned = append(learned, s)
		}
	}
	if len(learned) >= 3 {
		var rows strings.Builder
		paper := map[string]string{"procrustes": "−0.98", "attn_sim": "0.96"}
		for _, k := range []string{"procrustes", "procrustes_disparity", "rsa_grid", "align_err", "attn_sim"} {
			var x, y []float64
			for _, s := range learned {
				v, ok1 := s.Mean[k]
				a, ok2 := s.Mean["val_acc"]
				if ok1 && ok2 && !math.IsNaN(v) {
					x, y = append(x, v), append(y, a)
				}
			}
			if len(x) < 3 {
				continue
			}
			t, err := analysis.SpearmanTest(x, y)
			if err != nil {
				continue
			}
			rep.Correlations[k] = t
			p := paper[k]
			if p == "" {
				p = "–"
			}
			fmt.Fprintf(&rows, "| %s | %.2f | %s | %d | %s |\n", k, t.Rho, strings.TrimPrefix(strings.TrimPrefix(plots.FormatP(t.P), "p = "), "p "), len(x), p)
		}
		if rows.Len() > 0 { // a correlation needs variation: none when every accuracy ties
			b.WriteString("\nAcross learned-σ conditions (condition means), Spearman ρ with val accuracy:\n\n| metric | ρ | p | n | paper |\n|---|---|---|---|---|\n")
			b.WriteString(rows.String())
		}
	}
	if protocol == "paper" || protocol == "paper200" {
		cmp, err := CompareSeeds(results.Select(recs, "lst", protocol))
		if err != nil {
			return nil, err
		}
		if md := SeedComparisonMarkdown(cmp); md != "" {
			b.WriteString("\nSeed by seed against the reference runs of the same seed label (validation accuracy, the 108 original " +
				"puzzles). The reference's evaluation e-k comes after k+1 epochs of 64 steps; pelab's epoch k after k epochs " +
				"(63 steps each unless the last batch is kept). Reference columns: the evaluations before and after pelab's last, " +
				"with the epochs trained in brackets. Shuffles and initial values are pelab's own, so the seed labels " +
				"match, not the trajectories.\n\n")
			b.WriteString(md)
		}
	}
	if st := results.StatusMarkdown(rs, func(r results.Record) string { return r.Condition }); st != "" {
		b.WriteString("\n" + st)
	}
	rep.Markdown = b.String()
	return rep, nil
}
