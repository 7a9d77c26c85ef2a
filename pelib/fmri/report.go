package fmri

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// ReportData is Experiment 3's summary of a set of result records.
type ReportData struct {
	Protocol string
	// Summaries per condition: learned σ in increasing order, then the
	// other conditions by name.
	Summaries []results.Summary
	// Baselines are the shared metrics (baselines, data_*) of the records,
	// averaged over records (they are the same in every record of a task).
	Baselines map[string]float64
	// Correlations across the learned-σ conditions (condition means):
	// Spearman ρ of each metric with σ ("<metric>~sigma") and with the
	// held-out MSE at the harder masking ("<metric>~test90_mse").
	Correlations map[string]analysis.RankTest
	Markdown     string
}

// MSEMetrics and PEMetricNames are the report's columns.
var (
	MSEMetrics    = []string{"test_mse", "test90_mse", "train_mse"}
	PEMetricNames = []string{"fc_rsa", "fc_p", "fc_rsa_test", "fc_p_test", "fc_rsa_subj", "dist_rsa", "dist_p", "mod_q", "mod_z", "seg", "seg_z",
		"decode_r2", "decode_err_mm", "hemi_sym", "eff_dim"}
)

// Report summarises the records of experiment "fmri" and protocol
// (all protocols when "") into Markdown: held-out MSE at 50 % and 90 %
// masking and training MSE per condition (mean ± SD over seeds) beside the
// baselines; the PE geometry metrics of Analyzer per condition; and, across
// the learned σ, Spearman ρ of each metric with σ and with the held-out MSE
// at 90 % masking.
func Report(recs []results.Record, protocol string) (*ReportData, error) {
	rs := results.Select(recs, Experiment, protocol)
	if len(rs) == 0 {
		return nil, fmt.Errorf("fmri: no records of protocol %q to report", protocol)
	}
	rep := &ReportData{Protocol: protocol, Baselines: map[string]float64{}, Correlations: map[string]analysis.RankTest{}}
	rep.Summaries = results.Summarize(rs, func(r results.Record) string { return r.Condition })
	sweep.SortSummaries(Vocabulary().First, rep.Summaries)
	counts := map[string]int{}
	for _, r := range rs {
		for k, v := range r.Final {
			if isShared(k) && !math.IsNaN(v) {
				rep.Baselines[k] += v
				counts[k]++
			}
		}
	}
	for k, n := range counts {
		rep.Baselines[k] /= float64(n)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "## Experiment 3 (resting-state fMRI, masked-region prediction), protocol %s\n\n", protocol)
	b.WriteString("Masked MSE on z-scored data (mean ± SD over seeds): test = held-out subjects, 50 % of regions masked; " +
		"test90 = held-out, 90 % masked; train = training windows, 50 % masked.\n\n")
	bl := rep.Baselines
	b.WriteString(results.MarkdownTable(append(slices.Clone(rep.Summaries), baselineRows(bl)...), MSEMetrics, nil))
	if _, ok := bl["zero_test_mse"]; ok {
		b.WriteString("\nBaseline rows (deterministic, n = 1): " + baselineNote(bl) + "\n")
	}
	if miss := missingControls(rep.Summaries); len(miss) > 0 {
		fmt.Fprintf(&b, "\n**Controls missing:** no records of %s (run them with -pe %s): without them the table cannot separate "+
			"what a PE adds from what the model learns without one.\n", strings.Join(miss, ", "), strings.Join(miss, ","))
	}
	b.WriteString("\nPE geometry (block-mean cosine similarity of the PE table; PEs without a table have none): " +
		"fc/dist_rsa = Spearman ρ with the training FC / with −distance (one-sided Mantel p); fc_rsa_test = with the held-out subjects' own group FC; fc_rsa_subj = the mean over held-out subjects of ρ with each one's masked.FC (bounded by the noise ceiling below); mod_q, seg = modularity and " +
		"segregation under the 12 Cole-Anticevic networks, _z against relabelled networks; decode = cross-validated " +
		"linear decoding of the MNI centroid (R², error in mm); hemi_sym = mean similarity of homotopic pairs minus all pairs.\n\n")
	b.WriteString(results.MarkdownTable(rep.Summaries, PEMetricNames, nil))
	if _, ok := bl["data_mod_q"]; ok {
		fmt.Fprintf(&b, "\nThe training FC itself: dist_rsa %.3f, mod_q %.3f (z %.1f), seg %.3f (z %.1f), hemi_sym %.3f",
			bl["data_dist_rsa"], bl["data_mod_q"], bl["data_mod_z"], bl["data_seg"], bl["data_seg_z"], bl["data_hemi_sym"])
		if v, ok := bl["data_fc_rsa_test"]; ok {
			fmt.Fprintf(&b, "; its Spearman ρ with the held-out FC (the fc_rsa_test of a PE equal to it) %.3f", v)
		}
		b.WriteString(".\n")
		if lo, ok := bl["data_fc_ceiling_lo"]; ok {
			fmt.Fprintf(&b, "\nNoise ceiling of fc_rsa_subj (analysis.NoiseCeilingOf, Spearman, the held-out subjects' own FCs): "+
				"lower %.3f (each subject against the others' pooled FC), upper %.3f (against all, itself included): "+
				"no PE can be expected above the upper bound, and one between the bounds explains the subjects' FC as well "+
				"as the group does.\n", lo, bl["data_fc_ceiling_hi"])
		}
	}

	var learned []results.Summary
	for _, s := range rep.Summaries {
		if _, ok := sweep.SigmaOf(s.Group); ok {
			learned = append(learned, s)
		}
	}
	if len(learned) >= 3 {
		b.WriteString("\nAcross learned-σ conditions (condition means), Spearman ρ (p):\n\n| metric | with σ | with test90_mse | n |\n|---|---:|---:|---:|\n")
		for _, k := range append(append([]string(nil), MSEMetrics...), PEMetricNames...) {
			var sig, x, y []float64
			for _, s := range learned {
				v, ok1 := s.Mean[k]
				h, ok2 := s.Mean["test90_mse"]
				if !ok1 || !ok2 || math.IsNaN(v) {
					continue
				}
				sg, _ := sweep.SigmaOf(s.Group)
				sig, x, y = append(sig, sg), append(x, v), append(y, h)
			}
			if len(x) < 3 {
				continue
			}
			ts, err1 := analysis.SpearmanTest(x, sig)
			th, err2 := analysis.SpearmanTest(x, y)
			cell := func(t analysis.RankTest, err error) string {
				if err != nil {
					return "–"
				}
				return fmt.Sprintf("%.2f (%.3g)", t.Rho, t.P)
			}
			if err1 == nil {
				rep.Correlations[k+"~sigma"] = ts
			}
			if err2 == nil && k != "test90_mse" {
				rep.Correlations[k+"~test90_mse"] = th
			}
			h := cell(th, err2)
			if k == "test90_mse" {
				h = "–"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %d |\n", k, cell(ts, err1), h, len(x))
		}
	}
	if st := results.StatusMarkdown(rs, func(r results.Record) string { return r.Condition }); st != "" {
		b.WriteString("\n" + st)
	}
	b.WriteString("\n" + HCPAcknowledgment + "\n")
	rep.Markdown = b.String()
	return rep, nil
}

// WithSection returns the report's Markdown with md (e.g. the region maps'
// summary, RegionMaps.Markdown) inserted before the closing HCP
// acknowledgment, which stays last.
func (rep *ReportData) WithSection(md string) string {
	if md == "" {
		return rep.Markdown
	}
	ack := "\n" + HCPAcknowledgment + "\n"
	if i := strings.LastIndex(rep.Markdown, ack); i >= 0 {
		return rep.Markdown[:i] + md + rep.Markdown[i:]
	}
	return rep.Markdown + md
}

// isShared reports whether a final metric is one Analyzer gives every
// record (baselines and the FC's own metrics).
func isShared(k string) bool {
	for _, p := range []string{"data_", "zero_", "mean_", "nbr"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// BaselineRows is the report's list of baselines: the prefix of their metric
// keys (<prefix>_test_mse, <prefix>_test90_mse) and their row label.
var BaselineRows = []struct{ Key, Label string }{
	{"zero", "baseline: predict 0"},
	{"mean", "baseline: mean of unmasked regions"},
	{"nbr", "baseline: FC neighbour, scaled"},
	{"nbrcopy", "baseline: FC neighbour, copied"},
}

// baselineRows returns the baselines found in bl as table rows (one
// "record" each, so that they sit beside the conditions in the MSE table).
func baselineRows(bl map[string]float64) []results.Summary {
	var out []results.Summary
	for _, r := range BaselineRows {
		row := results.Summary{Group: r.Label, N: 1, Count: map[string]int{}, Mean: map[string]float64{}}
		for _, set := range []string{EvalTest, EvalTest + "90"} {
			if v, ok := bl[r.Key+"_"+set+"_mse"]; ok {
				row.Count[set+"_mse"], row.Mean[set+"_mse"] = 1, v
			}
		}
		if len(row.Count) > 0 {
			out = append(out, row)
		}
	}
	return out
}

// baselineNote describes the baselines of the table.
func baselineNote(bl map[string]float64) string {
	note := "predict 0 costs the data's variance; "
	if _, ok := bl["mean_test_mse"]; ok {
		note += "the mean of the unmasked regions at each time point is the best a model that cannot tell masked regions apart " +
			"can do (one shared time course per window), so a model below it predicts region-specific signal; "
	}
	note += "the FC neighbour predicts each masked region from its most correlated unmasked region in the training FC. "
	if _, ok := bl["mean_test_mse"]; ok {
		note += "All on exactly the held-out entries the models are scored on (the engine's evaluation masks)."
	} else {
		note += "These records predate the unmasked-mean baseline: their baselines used masks of the same ratio drawn " +
			"independently of the models' evaluation masks."
	}
	return note
}

// missingControls lists the control conditions (none, random) with no
// summary.
func missingControls(ss []results.Summary) []string {
	var miss []string
	for _, c := range []string{"none", "random"} {
		if !slices.ContainsFunc(ss, func(s results.Summary) bool { return s.Group == c }) {
			miss = append(miss, c)
		}
	}
	return miss
}
