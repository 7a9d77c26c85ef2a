package netsim

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// ReportData is Experiment 2's summary of a set of result records of one
// protocol and layout.
type ReportData struct {
	Protocol, Layout string
	// Summaries per condition (mean, SD over seeds of every final metric).
	Summaries []results.Summary
	// ErrorMetrics are the generalisation metrics found in the records, in
	// report order: train_mse, test_mse, test90_mse, then each coupling
	// set's g<g>_mse.
	ErrorMetrics []string
	// ByCondition[geometry][error] is the Spearman test, across the
	// learned-σ conditions' means, of a geometry metric (masked.GeometryMetrics)
	// against an error metric; ByModel is the same across every learned-σ
	// model (each seed a point).
	ByCondition, ByModel map[string]map[string]analysis.RankTest
	Markdown             string
}

// LayoutOf is the layout ("2d", "3d", …) of a netsim record's task.
func LayoutOf(r results.Record) (string, error) {
	var meta struct {
		Task struct {
			Layout string `json:"layout"`
		} `json:"task"`
	}
	if len(r.Config) == 0 {
		return "", nil
	}
	if err := json.Unmarshal(r.Config, &meta); err != nil {
		return "", fmt.Errorf("netsim: record %s: reading its config: %w", r.ID, err)
	}
	return meta.Task.Layout, nil
}

// Report summarises the records of experiment "netsim" with the given
// protocol and layout ("" matches any) into Markdown: a table of masked
// MSE per condition and evaluation set (train; held-out runs at the
// training mask ratio and at the test ratio; each other coupling), a
// table of PE geometry metrics, and the Spearman correlation across the
// learned-σ conditions of each geometry metric with each error metric
// (lower error is better generalisation, so a PE geometry that helps
// shows as a negative ρ for rsa and decode_r2 and a positive one for
// align_err).
func Report(recs []results.Record, protocol, layout string) (*ReportData, error) {
	rs, err := SelectRecords(recs, protocol, layout)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("netsim: report: no records of protocol %q and layout %q", protocol, layout)
	}
	rep := &ReportData{Protocol: protocol, Layout: layout,
		ByCondition: map[string]map[string]analysis.RankTest{}, ByModel: map[string]map[string]analysis.RankTest{}}
	rep.Summaries = results.Summarize(rs, func(r results.Record) string { return r.Condition })
	sweep.SortSummaries(Vocabulary().First, rep.Summaries)
	rep.ErrorMetrics = errorMetrics(rs)

	var b strings.Builder
	fmt.Fprintf(&b, "## Experiment 2 (network simulation), protocol %s, layout %s\n\n", orAny(protocol), orAny(layout))
	b.WriteString("Masked-node MSE on z-scored activity (mean ± SD over seeds; lower is better): train = training windows, " +
		"test = held-out runs (new seeds and inputs) at the training mask ratio, test90 = the same at the test ratio, " +
		"g<g> = held-out runs at another global coupling g.\n\n")
	b.WriteString(results.MarkdownTable(rep.Summaries, rep.ErrorMetrics, nil))
	b.WriteString("\nPE geometry against the true node positions (PEs with a per-node table; averaged over blocks): " +
		"rsa = Spearman ρ(cosine similarity, −distance); mantel_p = one-sided permutation p of the block-mean similarity; " +
		"align_err = mean position error in grid units after aligning the top-k principal axes; " +
		"decode_r2 = 5-fold ridge R² of the coordinates; eff_dim = participation ratio; " +
		"topk_explained = variance on the top k axes (k = layout dimension).\n\n")
	b.WriteString(results.MarkdownTable(rep.Summaries, masked.GeometryMetrics(), nil))

	// Across learned σ.
	var learned []results.Summary
	for _, s := range rep.Summaries {
		if _, ok := sweep.SigmaOf(s.Group); ok {
			learned = append(learned, s)
		}
	}
	var models []results.Record
	for _, r := range rs {
		if _, ok := sweep.SigmaOf(r.Condition); ok && r.Status == results.StatusOK {
			models = append(models, r)
		}
	}
	if len(learned) >= 3 {
		b.WriteString("\nAcross the learned-σ conditions: Spearman ρ (p) of each geometry metric with each error, " +
			"first over condition means (n = number of σ), then over every model (n = σ × seeds).\n\n")
		geo := []string{masked.MetricRSA, masked.MetricAlignErr, masked.MetricDecodeR2, masked.MetricEffDim}
		for _, by := range []struct {
			name string
			out  map[string]map[string]analysis.RankTest
			pair func(g, e string) (x, y []float64)
		}{
			{"condition means", rep.ByCondition, func(g, e string) (x, y []float64) {
				for _, s := range learned {
					if v, ok := s.Mean[g]; ok {
						if w, ok := s.Mean[e]; ok {
							x, y = append(x, v), append(y, w)
						}
					}
				}
				return x, y
			}},
			{"models", rep.ByModel, func(g, e string) (x, y []float64) {
				for _, r := range models {
					v, ok1 := r.Final[g]
					w, ok2 := r.Final[e]
					if ok1 && ok2 && finite(v) && finite(w) {
						x, y = append(x, v), append(y, w)
					}
				}
				return x, y
			}},
		} {
			fmt.Fprintf(&b, "By %s:\n\n| metric |", by.name)
			for _, e := range rep.ErrorMetrics {
				fmt.Fprintf(&b, " %s |", e)
			}
			b.WriteString("\n|---|" + strings.Repeat("---|", len(rep.ErrorMetrics)) + "\n")
			for _, g := range geo {
				fmt.Fprintf(&b, "| %s |", g)
				for _, e := range rep.ErrorMetrics {
					x, y := by.pair(g, e)
					t, err := analysis.SpearmanTest(x, y)
					if len(x) < 3 || err != nil {
						b.WriteString(" – |")
						continue
					}
					if by.out[g] == nil {
						by.out[g] = map[string]analysis.RankTest{}
					}
					by.out[g][e] = t
					fmt.Fprintf(&b, " %.2f (%s, n %d) |", t.Rho, plots.FormatP(t.P), len(x))
				}
				b.WriteString("\n")
			}
			b.WriteString("\n")
		}
	}
	if st := results.StatusMarkdown(rs, func(r results.Record) string { return r.Condition }); st != "" {
		b.WriteString("\n" + st)
	}
	rep.Markdown = b.String()
	return rep, nil
}

// SelectRecords returns the records of experiment "netsim" with the given
// protocol and layout ("" matches any), ordered as sweep.SortRecords orders
// conditions, then by seed.
func SelectRecords(recs []results.Record, protocol, layout string) ([]results.Record, error) {
	var rs []results.Record
	for _, r := range results.Select(recs, Experiment, protocol) {
		l, err := LayoutOf(r)
		if err != nil {
			return nil, err
		}
		if layout == "" || l == layout {
			rs = append(rs, r)
		}
	}
	sweep.SortRecords(Vocabulary().First, rs)
	return rs, nil
}

func orAny(s string) string {
	if s == "" {
		return "(any)"
	}
	return s
}

// errorMetrics lists the MSE metrics present in rs in report order.
func errorMetrics(rs []results.Record) []string {
	have := map[string]bool{}
	var gs []string
	for _, r := range rs {
		for k := range r.Final {
			if !strings.HasSuffix(k, "_mse") || have[k] {
				continue
			}
			have[k] = true
			if strings.HasPrefix(k, "g") {
				gs = append(gs, k)
			}
		}
	}
	var out []string
	for _, k := range []string{"train_mse", masked.EvalTest + "_mse", masked.EvalTest90 + "_mse"} {
		if have[k] {
			out = append(out, k)
		}
	}
	sort.Slice(gs, func(i, j int) bool { return gValue(gs[i]) < gValue(gs[j]) })
	return append(out, gs...)
}

func gValue(k string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(k, "g"), "_mse"), 64)
	if err != nil {
		return math.Inf(1)
	}
	return v
}
