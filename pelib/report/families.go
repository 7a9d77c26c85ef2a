package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/geometry"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"gonum.org/v1/gonum/stat"
)

// familyOrder is the order families are listed in: the learned table
// first, then the coordinate functions.
var familyOrder = []string{"learn", "coordlin", "coordmlp", "dpb"}

// familyStyle names the curve style of a family over σ (plots.ConditionStyle).
func familyStyle(f string) string {
	if f == "learn" {
		return "learned"
	}
	return f
}

// familyGeometry is the metric that measures a family's geometry in its
// first block: the RSA of the table's cosine RSM with −distance, or, for
// dpb (a bias, no table), the RSA of its symmetrised head-mean bias.
func familyGeometry(f string) string {
	if f == "dpb" {
		return geometry.Name("bias_rsa", 0)
	}
	return geometry.Name("rsa_cos", 0)
}

// familyModel is one trained model of a "<family>-<σ>" condition or of a
// control, with what the families section reads.
type familyModel struct {
	cond, family string
	sigma        float64
	seed         int64
	gen          float64
	geo0, geo    float64 // first block's geometry at initialisation and at the end (NaN: none)
}

// familiesSection writes, when the records hold at least two PE families
// ("<family>-<σ>" conditions, sweep.FamilyOf: the learned table and the
// coordinate functions coordlin, coordmlp, dpb) each at two or more σ, the
// comparison a researcher choosing a PE asks for: per family and σ the
// generalisation metric gen and the first block's geometry at
// initialisation and at the end; per family Spearman ρ of σ with each over
// models; each family's best σ against the learned table's best σ, paired
// over seeds; and two figures against σ, one curve per family, the other
// conditions (oracle, no PE) as flat lines.
func familiesSection(b *strings.Builder, rs []results.Record, gen, genLabel, base string, add func(file, caption string, f *plots.Figure, err error)) {
	var models []familyModel
	sigmas := map[string]map[float64]bool{}
	for _, r := range rs {
		if r.Status != results.StatusOK {
			continue
		}
		g, ok := r.Final[gen]
		if !ok || math.IsNaN(g) {
			continue
		}
		fam, sigma, isFam := sweep.FamilyOf(r.Condition)
		m := familyModel{cond: r.Condition, family: fam, sigma: sigma, seed: r.Seed, gen: g, geo0: math.NaN(), geo: math.NaN()}
		key := familyGeometry(fam)
		if v, ok := r.Final[key]; ok {
			m.geo = v
		}
		if len(r.History) > 0 && r.History[0].Epoch == 0 {
			if v, ok := r.History[0].Metrics[key]; ok {
				m.geo0 = v
			}
		}
		if isFam {
			if sigmas[fam] == nil {
				sigmas[fam] = map[float64]bool{}
			}
			sigmas[fam][sigma] = true
		}
		models = append(models, m)
	}
	var fams []string
	for _, f := range familyOrder {
		if len(sigmas[f]) >= 2 {
			fams = append(fams, f)
		}
	}
	if len(fams) < 2 {
		return
	}
	fmt.Fprintf(b, "## PE families: a table or a learned function of the coordinates, and does σ still matter?\n\n"+
		"The learned table (learn-σ: a free row per token, Normal(0, σ²)) beside PEs that are learned functions of the "+
		"tokens' coordinates, their output layer initialised Normal(0, σ²): coordlin (a linear map of the coordinates, "+
		"BrainLM's form), coordmlp (an MLP of them) and dpb (an MLP of coordinate differences giving each head's "+
		"attention bias). Coordinates are centred and divided by their half-extent (unit-free). %s: held-out "+
		"generalisation (lower is better for MSE, higher for accuracy); geometry: the first block's RSA with "+
		"−distance — of the table's cosine RSM for learn, coordlin and coordmlp, of the symmetrised head-mean "+
		"attention bias for dpb — at initialisation (epoch 0) and at the end. Mean ± SD over seeds "+
		"[95 %% CI of the mean].\n\n", gen)
	b.WriteString("| condition | family | σ | n | " + gen + " | geometry at init | geometry at the end | change in training |\n|---|---|---:|---|---:|---:|---:|---:|\n")
	lo, hi := results.MetricBounds(gen, nil)
	type row struct {
		cond   string
		models []familyModel
	}
	var rows []row
	idx := map[string]int{}
	for _, m := range models {
		i, ok := idx[m.cond]
		if !ok {
			i = len(rows)
			idx[m.cond] = i
			rows = append(rows, row{cond: m.cond})
		}
		rows[i].models = append(rows[i].models, m)
	}
	rank := func(f string) int {
		if i := slices.Index(familyOrder, f); i >= 0 {
			return i
		}
		return len(familyOrder)
	}
	slices.SortStableFunc(rows, func(a, c row) int {
		fa, fc := a.models[0], c.models[0]
		if d := rank(fa.family) - rank(fc.family); d != 0 {
			return d
		}
		if fa.sigma != fc.sigma {
			return map[bool]int{true: -1, false: 1}[fa.sigma < fc.sigma]
		}
		return strings.Compare(a.cond, c.cond)
	})
	cell := func(x []float64, lo, hi float64) string {
		x = finiteOnly(x)
		switch len(x) {
		case 0:
			return "–"
		case 1:
			return fmt.Sprintf("%.3g", x[0])
		}
		ci := results.BoundedCI(x, lo, hi)
		return fmt.Sprintf("%.3g ± %.2g [%.3g, %.3g]", stat.Mean(x, nil), stat.StdDev(x, nil), ci[0], ci[1])
	}
	for _, r := range rows {
		var g, g0, g1, dg []float64
		for _, m := range r.models {
			g, g0, g1 = append(g, m.gen), append(g0, m.geo0), append(g1, m.geo)
			dg = append(dg, m.geo-m.geo0)
		}
		fam, sig := r.models[0].family, "–"
		if fam == "" {
			fam = "control"
		} else {
			sig = fmt.Sprintf("%g", r.models[0].sigma)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %d | %s | %s | %s | %s |\n", r.cond, fam, sig, len(r.models),
			cell(g, lo, hi), cell(g0, -1, 1), cell(g1, -1, 1), cell(dg, -2, 2))
	}
	b.WriteString("\n**Does σ still matter?** Spearman ρ over each family's models (two-sided p; exact for n ≤ 10):\n\n" +
		"| family | models | ρ(σ, " + gen + ") | ρ(σ, geometry at the end) | ρ(σ, change in geometry) |\n|---|---|---:|---:|---:|\n")
	for _, f := range fams {
		var s, g, geo, dgeo, sg, sd []float64
		for _, m := range models {
			if m.family != f {
				continue
			}
			s, g = append(s, m.sigma), append(g, m.gen)
			if !math.IsNaN(m.geo) {
				sg, geo = append(sg, m.sigma), append(geo, m.geo)
			}
			if !math.IsNaN(m.geo) && !math.IsNaN(m.geo0) {
				sd, dgeo = append(sd, m.sigma), append(dgeo, m.geo-m.geo0)
			}
		}
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s |\n", f, len(s), rhoCell(s, g), rhoCell(sg, geo), rhoCell(sd, dgeo))
	}
	// Each family's best σ against the table's best σ, paired over seeds.
	best := func(f string) (string, map[int64]float64) {
		bestCond, bestMean := "", math.Inf(1)
		sign := 1.0
		if hi == 1 && lo == 0 { // accuracy-like: higher is better
			sign = -1
		}
		for _, r := range rows {
			if r.models[0].family != f {
				continue
			}
			var g []float64
			for _, m := range r.models {
				g = append(g, m.gen)
			}
			if v := sign * stat.Mean(g, nil); v < bestMean {
				bestCond, bestMean = r.cond, v
			}
		}
		bySeed := map[int64]float64{}
		for _, m := range models {
			if m.cond == bestCond {
				bySeed[m.seed] = m.gen
			}
		}
		return bestCond, bySeed
	}
	if slices.Contains(fams, "learn") {
		tc, table := best("learn")
		fmt.Fprintf(b, "\n**Function or table?** Each family's best σ (lowest mean %s) against the learned table's best σ (%s), "+
			"paired over seeds: mean difference (family − table) [95 %% CI], sign-flip p.\n\n| family's best | pairs | difference | p |\n|---|---|---:|---|\n", gen, tc)
		for _, f := range fams[1:] {
			fc, fam := best(f)
			var x, y []float64
			for seed, v := range fam {
				if w, ok := table[seed]; ok {
					x, y = append(x, v), append(y, w)
				}
			}
			res, err := analysis.PairedTest(x, y, 1)
			if err != nil {
				fmt.Fprintf(b, "| %s | %d | – | – |\n", fc, len(x))
				continue
			}
			fmt.Fprintf(b, "| %s | %d | %+.3g [%.3g, %.3g] | %.3g |\n", fc, res.N, res.Mean, res.Lo, res.Hi, res.P)
		}
	}
	b.WriteString("\n")
	// Figures: gen and the final geometry against σ, a curve per family.
	for i, what := range []struct {
		metric, title, ylabel string
		value                 func(familyModel) float64
		bounds                [2]float64
	}{
		{gen, genLabel + " against σ, per PE family", genLabel, func(m familyModel) float64 { return m.gen }, [2]float64{lo, hi}},
		{"geometry", "First block's geometry at the end against σ, per PE family", "RSA with −distance (Spearman ρ)", func(m familyModel) float64 { return m.geo }, [2]float64{-1, 1}},
	} {
		var series []plots.Series
		var allSig []float64
		for _, f := range fams {
			for s := range sigmas[f] {
				if !slices.Contains(allSig, s) {
					allSig = append(allSig, s)
				}
			}
		}
		slices.Sort(allSig)
		for _, f := range fams {
			var xs []float64
			for s := range sigmas[f] {
				xs = append(xs, s)
			}
			slices.Sort(xs)
			var mean, low, high, sd []float64
			var keep []float64
			for _, s := range xs {
				var v []float64
				for _, m := range models {
					if m.family == f && m.sigma == s && !math.IsNaN(what.value(m)) {
						v = append(v, what.value(m))
					}
				}
				if len(v) == 0 {
					continue
				}
				keep = append(keep, s)
				mean = append(mean, stat.Mean(v, nil))
				if len(v) > 1 {
					band := results.BoundedSD(v, what.bounds[0], what.bounds[1])
					low, high, sd = append(low, band[0]), append(high, band[1]), append(sd, stat.StdDev(v, nil))
				} else {
					low, high, sd = append(low, mean[len(mean)-1]), append(high, mean[len(mean)-1]), append(sd, 0)
				}
			}
			if len(keep) == 0 {
				continue
			}
			name := f + " (table)"
			if f != "learn" {
				name = f
			}
			series = append(series, plots.Series{Name: name, X: keep, Mean: mean, Low: low, High: high, SD: sd, Condition: familyStyle(f)})
		}
		for _, r := range rows { // controls: flat lines at their mean
			if r.models[0].family != "" || len(allSig) < 2 {
				continue
			}
			var v []float64
			for _, m := range r.models {
				if !math.IsNaN(what.value(m)) {
					v = append(v, what.value(m))
				}
			}
			if len(v) == 0 {
				continue
			}
			mu := stat.Mean(v, nil)
			flat := make([]float64, len(allSig))
			for j := range flat {
				flat[j] = mu
			}
			series = append(series, plots.Series{Name: r.cond + " (mean)", X: allSig, Mean: flat, Condition: r.cond})
		}
		opt := plots.LinesOptions{Title: what.title, XLabel: "σ of the init (log scale)", YLabel: what.ylabel, LogX: true, XTicksAtData: true, Bounds: what.bounds}
		if what.metric == "geometry" {
			opt.Levels = []plots.Level{{Name: "no relation (ρ = 0)", Y: 0}}
		}
		f, err := plots.Lines(series, opt)
		add(fmt.Sprintf("%s-families-%d.png", base, i+1), what.title+" (mean ± SD over seeds; controls as flat lines at their mean)", f, err)
	}
}

func finiteOnly(x []float64) []float64 {
	var out []float64
	for _, v := range x {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, v)
		}
	}
	return out
}

// rhoCell is "ρ (p)" of Spearman's test of x and y, or "–".
func rhoCell(x, y []float64) string {
	t, err := analysis.SpearmanTest(x, y)
	if err != nil {
		return "–"
	}
	return fmt.Sprintf("%.2f (p %.2g)", t.Rho, t.P)
}

// Families is the PE-families comparison of records (see familiesSection)
// on its own, for notebooks: its Markdown and its two figures (held-out
// metric gen and the first block's geometry against σ, one curve per
// family), the metric named in the experiment's words (its report's
// ReportPart.Label: "tokens", not "nodes", for pelab tokens). It is empty
// when the records hold fewer than two families at two or more σ each.
func Families(rs []results.Record, gen string) (string, []*plots.Figure, error) {
	var b strings.Builder
	var figs []*plots.Figure
	var ferr error
	label := results.MetricLabel(gen)
	if len(rs) > 0 {
		if e, err := experiment.Get(rs[0].Experiment); err == nil {
			if part, err := e.Report(rs, rs[0].ProtocolName(), ""); err == nil {
				label = part.Label(gen)
			}
		}
	}
	familiesSection(&b, rs, gen, label, "families", func(_, _ string, f *plots.Figure, err error) {
		if err != nil && ferr == nil {
			ferr = err
		}
		if f != nil {
			figs = append(figs, f)
		}
	})
	return b.String(), figs, ferr
}
