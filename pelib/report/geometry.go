package report

import (
	"fmt"
	"strings"

	"github.com/pelab/pelab/pelib/geometry"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// geometryHeadline are the geometry-over-training metrics a report shows,
// with their captions: the first block's RSA (the PE added to the raw
// token embeddings, before attention has mixed positions: the most direct
// readout), the mean over blocks beside it, the scale-free disparity to the
// true coordinates and the PE's norm (which raw Procrustes distances track).
var geometryHeadline = []struct{ metric, caption, title, ylabel string }{
	{geometry.Name("rsa_cos", 0), "RSA of the first block's PE (cosine RSM) with −distance, against epoch",
		"First block's PE: RSA with −distance", "Spearman ρ"},
	{geometry.Name("rsa_cos", -1), "RSA (cosine RSM) with −distance, mean over blocks, against epoch",
		"PE RSA with −distance (mean over blocks)", "Spearman ρ"},
	{geometry.Name("disparity", 0), "scale-free Procrustes disparity of the first block's PE to the true coordinates, against epoch",
		"First block's PE: disparity to the true layout", "disparity (0 = same shape)"},
	{geometry.Name("norm", -1), "RMS row norm of the PE, mean over blocks, against epoch",
		"PE norm (mean over blocks)", "‖P‖_F / √S"},
}

// geometryAgainstSigma are the final geometry metrics a report draws
// against σ (when the records hold ≥ 3 learned σ), with their captions.
var geometryAgainstSigma = []struct{ metric, title, caption, ylabel string }{
	{geometry.Name("rsa_cos", 0), "First block's PE: RSA with −distance against σ",
		"RSA of the first block's PE (cosine RSM) with −distance at the last evaluation, against σ (mean ± SD over seeds; other conditions as flat lines at their mean)", "Spearman ρ"},
	{geometry.Name("rsa_cos", -1), "PE RSA with −distance (mean over blocks) against σ",
		"RSA (cosine RSM) with −distance, mean over blocks, at the last evaluation, against σ (mean ± SD over seeds; other conditions as flat lines at their mean)", "Spearman ρ"},
}

// geometryCorrelated are the final metrics whose rank correlation with the
// generalisation metric a report gives, over the learned-σ models: the
// paper's raw Procrustes distance to the ground-truth sinusoid (LST:
// procrustes, the analyzer's, and geo_procrustes_ref), its scale-free
// counterpart, the RSAs, and the attention similarity to the 2d-fixed model.
var geometryCorrelated = []string{
	"procrustes", geometry.Name("procrustes_ref", 0), geometry.Name("disparity_ref", -1), geometry.Name("disparity_ref", 0),
	geometry.Name("rsa_cos", 0), geometry.Name("rsa_cos", -1), geometry.Name("disparity", 0), geometry.Name("norm", -1), "attn_sim",
}

// geometrySection writes the geometry-over-training part of a section when
// the records track it (train.Config.Track with geometry.Tracker): a table
// and a figure per headline metric, and the correlations of the final
// geometry with gen across learned-σ models, with permutation p-values.
func geometrySection(b *strings.Builder, rs []results.Record, gen, base string, add func(file, caption string, f *plots.Figure, err error)) {
	if _, _, err := geometry.OverTraining(rs, geometryHeadline[0].metric); err != nil {
		return // no tracked geometry
	}
	b.WriteString("## Geometry over training\n\n")
	b.WriteString("Each evaluation measured every model's PE table against the true token positions (package geometry: " +
		"per block and averaged over blocks). Mean ± SD over seeds; epoch 0 is the initialisation.\n\n")
	for i, h := range geometryHeadline {
		tab, err := geometry.Table(rs, h.metric)
		if err != nil {
			continue
		}
		fmt.Fprintf(b, "**%s** (`%s`):\n\n%s\n", strings.ToUpper(h.caption[:1])+h.caption[1:], h.metric, tab)
		f, err := geometry.Figure(rs, h.metric, h.title, h.ylabel)
		add(fmt.Sprintf("%s-geometry-%d.png", base, i+1), h.caption+" (mean ± SD over seeds)", f, err)
	}
	// Final geometry against σ, controls as flat lines: the other half of
	// the paper's claim (small σ learns the geometry, large σ does not).
	if sig, _, _ := sweep.BySigma(rs, geometryHeadline[0].metric, 1); len(sig) >= 3 {
		for i, h := range geometryAgainstSigma {
			f, err := sweep.SigmaFigure(rs, h.metric, sweep.SigmaOptions{Title: h.title, YLabel: h.ylabel, LogX: true,
				Levels: []plots.Level{{Name: "no relation (ρ = 0)", Y: 0}}})
			add(fmt.Sprintf("%s-geometry-sigma-%d.png", base, i+1), h.caption, f, err)
		}
	}
	for _, m := range []struct{ metric, what string }{{"rsa_cos", "RSA (cosine RSM) with −distance"}, {"rsa_corr", "RSA (correlation RSM, rows centred) with −distance"}, {"rsa_cos_tc", "RSA (cosine RSM of the token-centred table) with −distance"}, {"rsa_euc", "RSA (−Euclidean distance between rows) with −distance"}, {"disparity", "scale-free Procrustes disparity to the true coordinates"}} {
		if tab := perBlockTable(rs, m.metric); tab != "" {
			fmt.Fprintf(b, "**%s at the last evaluation, per block** (mean ± SD over seeds):\n\n%s\n", m.what, tab)
		}
	}
	learned := func(r results.Record) bool { _, ok := sweep.SigmaOf(r.Condition); return ok }
	cs, err := geometry.Correlate(rs, gen, geometryCorrelated, learned, 9999, 1)
	if err != nil || len(cs) == 0 {
		return
	}
	fmt.Fprintf(b, "**Final geometry against %s** across the learned-σ models (one point per model; Spearman ρ, "+
		"two-sided permutation p from 9,999 pairings):\n\n| metric | n | ρ | p |\n|---|---|---:|---|\n", gen)
	for _, c := range cs {
		fmt.Fprintf(b, "| %s | %d | %.3f | %s |\n", c.Metric, c.N, c.Rho, c.PString())
	}
	b.WriteString("\n")
}

// perBlockTable is a Markdown table of metric's final value per block
// (columns b0 … b(L−1), the mean over blocks and, for rsa_cos, the RSA of
// the block-averaged RSM), a row per condition; "" when no record has it.
func perBlockTable(rs []results.Record, metric string) string {
	L := 0
	for _, r := range rs {
		for l := 0; ; l++ {
			if _, ok := r.Final[geometry.Name(metric, l)]; !ok {
				L = max(L, l)
				break
			}
		}
	}
	if L == 0 {
		return ""
	}
	cols := make([]string, 0, L+2)
	for l := range L {
		cols = append(cols, geometry.Name(metric, l))
	}
	cols = append(cols, geometry.Name(metric, -1))
	if metric == "rsa_cos" {
		cols = append(cols, "geo_rsa_pooled")
	}
	sums := results.Summarize(rs, func(r results.Record) string { return r.Condition })
	sweep.SortSummaries(nil, sums)
	var b strings.Builder
	b.WriteString("| condition | n |")
	for l := range L {
		fmt.Fprintf(&b, " block %d |", l)
	}
	b.WriteString(" mean over blocks |")
	if metric == "rsa_cos" {
		b.WriteString(" block-averaged RSM |")
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---:|", len(cols)) + "\n")
	for _, s := range sums {
		if s.Count[cols[0]] == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d |", s.Group, s.N)
		for _, c := range cols {
			switch n := s.Count[c]; {
			case n == 0:
				b.WriteString(" – |")
			case n > 1:
				fmt.Fprintf(&b, " %.3f ± %.3f |", s.Mean[c], s.SD[c])
			default:
				fmt.Fprintf(&b, " %.3f |", s.Mean[c])
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
