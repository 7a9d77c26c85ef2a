package fmri

import (
	"fmt"
	"math"
	"sort"
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
	PEMetricNames = []string{"fc_rsa", "fc_p", "dist_rsa", "dist_p", "mod_q", "mod_z", "seg", "seg_z",
		"decode_r2", "decode_err_mm", "hemi_sym", "eff_dim"}
)

// SigmaOf returns σ of a learn-<σ> condition name.
func SigmaOf(cond string) (float64, bool) { return sweep.SigmaOf(cond) }

// Report summarises the records of experiment "fmri" and protocol
// (all protocols when "") into Markdown: held-out MSE at 50 % and 90 %
// masking and training MSE per condition (mean ± SD over seeds) beside the
// baselines; the PE geometry metrics of Analyzer per condition; and, across
// the learned σ, Spearman ρ of each metric with σ and with the held-out MSE
// at 90 % masking.
func Report(recs []results.Record, protocol string) (*ReportData, error) {
	var rs []results.Record
	for _, r := range recs {
		if r.Experiment != Experiment || (protocol != "" && !strings.Contains(string(r.Config), `"protocol":"`+protocol+`"`)) {
			continue
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("fmri: no records of protocol %q to report", protocol)
	}
	rep := &ReportData{Protocol: protocol, Baselines: map[string]float64{}, Correlations: map[string]analysis.RankTest{}}
	rep.Summaries = results.Summarize(rs, func(r results.Record) string { return r.Condition })
	sortConditions(rep.Summaries)
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
	b.WriteString(results.MarkdownTable(rep.Summaries, MSEMetrics, nil))
	bl := rep.Baselines
	if _, ok := bl["zero_test_mse"]; ok {
		b.WriteString("\nBaselines on the same held-out windows (masks of the same ratio, drawn independently):\n\n" +
			"| baseline | test (50 %) | test90 (90 %) |\n|---|---:|---:|\n")
		for _, row := range [][2]string{{"predict 0", "zero"}, {"most-correlated unmasked region (training FC), scaled by r", "nbr"},
			{"most-correlated unmasked region, copied", "nbrcopy"}} {
			fmt.Fprintf(&b, "| %s | %.4f | %.4f |\n", row[0], bl[row[1]+"_test_mse"], bl[row[1]+"_test90_mse"])
		}
	}
	b.WriteString("\nPE geometry (block-mean cosine similarity of the PE table; PEs without a table have none): " +
		"fc/dist_rsa = Spearman ρ with the training FC / with −distance (one-sided Mantel p); mod_q, seg = modularity and " +
		"segregation under the 12 Cole-Anticevic networks, _z against relabelled networks; decode = cross-validated " +
		"linear decoding of the MNI centroid (R², error in mm); hemi_sym = mean similarity of homotopic pairs minus all pairs.\n\n")
	b.WriteString(results.MarkdownTable(rep.Summaries, PEMetricNames, nil))
	if _, ok := bl["data_mod_q"]; ok {
		fmt.Fprintf(&b, "\nThe training FC itself: dist_rsa %.3f, mod_q %.3f (z %.1f), seg %.3f (z %.1f), hemi_sym %.3f.\n",
			bl["data_dist_rsa"], bl["data_mod_q"], bl["data_mod_z"], bl["data_seg"], bl["data_seg_z"], bl["data_hemi_sym"])
	}

	var learned []results.Summary
	for _, s := range rep.Summaries {
		if _, ok := SigmaOf(s.Group); ok {
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
				sg, _ := SigmaOf(s.Group)
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

// isShared reports whether a final metric is one Analyzer gives every
// record (baselines and the FC's own metrics).
func isShared(k string) bool {
	return strings.HasPrefix(k, "data_") || strings.HasPrefix(k, "zero_") || strings.HasPrefix(k, "nbr")
}

// sortConditions orders summaries: learned by σ, then the rest by name.
func sortConditions(ss []results.Summary) {
	key := func(g string) (int, float64, string) {
		if s, ok := SigmaOf(g); ok {
			return 0, s, g
		}
		return 1, 0, g
	}
	sort.SliceStable(ss, func(i, j int) bool {
		a1, a2, a3 := key(ss[i].Group)
		b1, b2, b3 := key(ss[j].Group)
		if a1 != b1 {
			return a1 < b1
		}
		if a2 != b2 {
			return a2 < b2
		}
		return a3 < b3
	})
}
