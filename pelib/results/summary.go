package results

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Summary holds the statistics of the final metrics of one group of records
// (typically the seeds of one sweep cell).
//
// For a metric with n finite values x₁…xₙ among the group's ok records:
// Mean = Σxᵢ/n; SD = √(Σ(xᵢ−Mean)²/(n−1)), the sample standard deviation;
// CI95 = Mean ∓ t₀.₉₇₅(n−1)·SD/√n, the Student-t 95 % confidence interval of
// the mean, for a metric with no bounds; for a bounded one (MetricBounds:
// accuracies, correlations, disparities, p-values, R², errors and norms) the
// same interval computed on a scale that respects the bounds and mapped back
// (see BoundedCI), so it never leaves them. SD and CI95 need n ≥ 2 and are
// absent otherwise; a metric with no finite value is absent from every map.
type Summary struct {
	Group  string             // the group's label, from the groupBy function
	Params map[string]float64 // the parameters every record of the group shares
	N      int                // ok records summarised
	// Skipped counts the group's records whose status is not ok: they are
	// left out of the statistics. Diverged and Failed split it by status.
	Skipped, Diverged, Failed int
	// Count is the number of finite values per metric; it is below N for a
	// metric that some ok records lack or report as NaN or ±Inf.
	Count              map[string]int
	Mean, SD, Min, Max map[string]float64
	CI95               map[string][2]float64
}

// ByCell labels a record by its sweep cell: everything but the seed, as
// "experiment condition name=value …" with the parameters sorted by name.
func ByCell(r Record) string {
	var b strings.Builder
	b.WriteString(r.Experiment)
	b.WriteByte(' ')
	b.WriteString(r.Condition)
	for _, k := range sortedKeys(r.Params) {
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(formatFloat(r.Params[k]))
	}
	return b.String()
}

// Summarize groups rs by groupBy (ByCell when nil) and summarises the Final
// metrics of each group's ok records. Groups come in the order of their
// first record under Compare, so by experiment, condition and parameters.
func Summarize(rs []Record, groupBy func(Record) string) []Summary {
	if groupBy == nil {
		groupBy = ByCell
	}
	sorted := slices.Clone(rs)
	Sort(sorted)
	var order []string
	groups := map[string][]Record{}
	for _, r := range sorted {
		g := groupBy(r)
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], r)
	}
	out := make([]Summary, 0, len(order))
	for _, g := range order {
		out = append(out, summarize(g, groups[g]))
	}
	return out
}

func summarize(group string, rs []Record) Summary {
	s := Summary{
		Group:  group,
		Params: commonParams(rs),
		Count:  map[string]int{},
		Mean:   map[string]float64{},
		SD:     map[string]float64{},
		Min:    map[string]float64{},
		Max:    map[string]float64{},
		CI95:   map[string][2]float64{},
	}
	values := map[string][]float64{}
	for _, r := range rs {
		if r.Status != StatusOK {
			s.Skipped++
			if r.Status == StatusDiverged {
				s.Diverged++
			} else {
				s.Failed++
			}
			continue
		}
		s.N++
		for k, v := range r.Final {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				values[k] = append(values[k], v)
			}
		}
	}
	for k, x := range values {
		n := len(x)
		s.Count[k] = n
		s.Min[k] = slices.Min(x)
		s.Max[k] = slices.Max(x)
		if n == 1 {
			s.Mean[k] = x[0]
			continue
		}
		mean, sd := stat.MeanStdDev(x, nil)
		s.Mean[k], s.SD[k] = mean, sd
		lo, hi := MetricBounds(k, x)
		s.CI95[k] = BoundedCI(x, lo, hi)
	}
	return s
}

// tInterval is the Student-t 95 % interval of the mean of x (n ≥ 2).
func tInterval(x []float64) (lo, hi float64) {
	mean, sd := stat.MeanStdDev(x, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(x) - 1)}.Quantile(0.975)
	half := t * sd / math.Sqrt(float64(len(x)))
	return mean - half, mean + half
}

// BoundedCI is the 95 % confidence interval of the mean of x (n ≥ 2) for a
// quantity within [lo, hi] (either bound may be infinite): the Student-t
// interval of the mean of the values mapped to an unbounded scale, mapped
// back:
//
//   - lo, hi both finite: u = (x − lo)/(hi − lo), z = logit(u) =
//     ln(u/(1 − u)) — for a correlation in [−1, 1] this is 2·atanh(r),
//     Fisher's z up to a factor the t interval does not see;
//   - only lo finite: z = ln(x − lo); only hi finite: z = −ln(hi − x);
//   - neither: z = x (the plain t interval).
//
// Values on a bound are moved inside by ε = 10⁻⁴ of the range (or of the
// values' spread, with one finite bound) so the map is defined. When every
// value is the same the interval is that value. The interval lies within
// [lo, hi]; it is the interval of the mean on the transformed scale, so for
// skewed values it may sit to one side of the arithmetic mean.
func BoundedCI(x []float64, lo, hi float64) [2]float64 {
	return boundedInterval(x, lo, hi, tInterval)
}

// BoundedSD is the band mean ± 1 SD of x (n ≥ 2) for a quantity within
// [lo, hi] (either bound may be infinite), computed as BoundedCI computes
// its interval: on the unbounded scale z (logit, log or the identity), the
// mean of z ± its sample SD, mapped back. It lies within [lo, hi], and is
// the plain mean ± SD when both bounds are infinite; for figures' bands.
func BoundedSD(x []float64, lo, hi float64) [2]float64 {
	return boundedInterval(x, lo, hi, func(z []float64) (float64, float64) {
		m, sd := stat.MeanStdDev(z, nil)
		return m - sd, m + sd
	})
}

// boundedInterval maps x within [lo, hi] to an unbounded scale (see
// BoundedCI), applies interval there and maps the interval back.
func boundedInterval(x []float64, lo, hi float64, interval func(z []float64) (float64, float64)) [2]float64 {
	if len(x) < 2 {
		return [2]float64{math.NaN(), math.NaN()}
	}
	if slices.Min(x) == slices.Max(x) {
		return [2]float64{x[0], x[0]}
	}
	finLo, finHi := !math.IsInf(lo, 0), !math.IsInf(hi, 0)
	if !finLo && !finHi {
		a, b := interval(x)
		return [2]float64{a, b}
	}
	spread := slices.Max(x) - slices.Min(x)
	if finLo && finHi {
		spread = hi - lo
	}
	eps := 1e-4 * spread
	z := make([]float64, len(x))
	for i, v := range x {
		switch {
		case finLo && finHi:
			u := (min(max(v, lo+eps), hi-eps) - lo) / (hi - lo)
			z[i] = math.Log(u / (1 - u))
		case finLo:
			z[i] = math.Log(max(v-lo, eps))
		default:
			z[i] = -math.Log(max(hi-v, eps))
		}
	}
	a, b := interval(z)
	back := func(t float64) float64 {
		switch {
		case finLo && finHi:
			return lo + (hi-lo)/(1+math.Exp(-t))
		case finLo:
			return lo + math.Exp(t)
		default:
			return hi - math.Exp(-t)
		}
	}
	return [2]float64{back(a), back(b)}
}

// commonParams returns the parameters with the same value in every record.
func commonParams(rs []Record) map[string]float64 {
	if len(rs) == 0 {
		return nil
	}
	common := map[string]float64{}
	for k, v := range rs[0].Params {
		common[k] = v
	}
	for _, r := range rs[1:] {
		for k, v := range common {
			if w, ok := r.Params[k]; !ok || w != v {
				delete(common, k)
			}
		}
	}
	if len(common) == 0 {
		return nil
	}
	return common
}

// MarkdownTable renders ss as a Markdown table with the columns group, n,
// one column per metric (all metrics of ss, sorted, when metrics is nil),
// and one column per reference label: ref maps a group to its reference
// cells by label (e.g. ref["lst learn:normal:0.2 sigma=0.2"]["paper val_acc"]
// = "95.37"); the labels are the union of ref's inner keys, sorted.
//
// A metric cell reads "mean ± SD", with SD to two significant digits and the
// mean to the same decimal place; just the mean when n = 1; "–" when absent;
// with "(n=k)" appended when only k of the group's N ok records have the
// metric. The n cell adds the records left out by status, e.g.
// "(+2 diverged, +1 failed)" (see StatusMarkdown for why).
func MarkdownTable(ss []Summary, metrics []string, ref map[string]map[string]string) string {
	if metrics == nil {
		seen := map[string]bool{}
		for _, s := range ss {
			for k := range s.Count {
				seen[k] = true
			}
		}
		metrics = sortedKeys(seen)
	}
	labelSet := map[string]bool{}
	for _, cells := range ref {
		for k := range cells {
			labelSet[k] = true
		}
	}
	labels := sortedKeys(labelSet)

	var b strings.Builder
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" ")
			b.WriteString(escapeCell(c))
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	header := append(append([]string{"group", "n"}, metrics...), labels...)
	row(header)
	b.WriteString("|")
	for i := range header {
		if i < 2 {
			b.WriteString("---|")
		} else {
			b.WriteString("---:|")
		}
	}
	b.WriteString("\n")
	for _, s := range ss {
		cells := []string{s.Group, strconv.Itoa(s.N) + s.NotOK()}
		for _, m := range metrics {
			cells = append(cells, metricCell(s, m))
		}
		for _, l := range labels {
			cells = append(cells, ref[s.Group][l])
		}
		row(cells)
	}
	return b.String()
}

func metricCell(s Summary, m string) string {
	c, ok := s.Count[m]
	if !ok || c == 0 {
		return "–"
	}
	sd, hasSD := s.SD[m]
	cell := formatMeanSD(s.Mean[m], sd, hasSD)
	if c < s.N {
		cell += " (n=" + strconv.Itoa(c) + ")"
	}
	return cell
}

// formatMeanSD writes "mean ± sd" with sd to two significant digits and the
// mean to the same decimal place (at least the units place).
func formatMeanSD(mean, sd float64, hasSD bool) string {
	if !hasSD {
		return strconv.FormatFloat(mean, 'g', 4, 64)
	}
	if sd == 0 {
		return strconv.FormatFloat(mean, 'g', 4, 64) + " ± 0"
	}
	d := 1 - int(math.Floor(math.Log10(sd)))
	d = min(max(d, 0), 15)
	return strconv.FormatFloat(mean, 'f', d, 64) + " ± " + strconv.FormatFloat(sd, 'f', d, 64)
}

func escapeCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// NotOK describes the records of s left out of its statistics, as
// " (+2 diverged, +1 failed)"; "" when there are none.
func (s Summary) NotOK() string {
	if s.Skipped == 0 {
		return ""
	}
	var parts []string
	if s.Diverged > 0 {
		parts = append(parts, "+"+strconv.Itoa(s.Diverged)+" diverged")
	}
	if s.Failed > 0 {
		parts = append(parts, "+"+strconv.Itoa(s.Failed)+" failed")
	}
	if other := s.Skipped - s.Diverged - s.Failed; other > 0 || len(parts) == 0 {
		parts = append(parts, "+"+strconv.Itoa(max(other, 0))+" not ok")
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// MeanSD returns the mean of v and its sample standard deviation (n − 1 in
// the denominator; 0 for one value). v must not be empty.
func MeanSD(v []float64) (mean, sd float64) {
	if len(v) < 2 {
		return v[0], 0
	}
	return stat.MeanStdDev(v, nil)
}
