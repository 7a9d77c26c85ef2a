package geometry

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// conditions returns the conditions of the usable records (status ok) that
// have metric in their history, learned σ first by σ, then the rest by
// name, and the records of each.
func conditions(recs []results.Record, metric string) ([]string, map[string][]results.Record) {
	by := map[string][]results.Record{}
	for _, r := range recs {
		if r.Status != results.StatusOK {
			continue
		}
		for _, p := range r.History {
			if _, ok := p.Metrics[metric]; ok {
				by[r.Condition] = append(by[r.Condition], r)
				break
			}
		}
	}
	names := make([]string, 0, len(by))
	for c := range by {
		names = append(names, c)
	}
	sort.Slice(names, func(i, j int) bool {
		si, oki := sweep.SigmaOf(names[i])
		sj, okj := sweep.SigmaOf(names[j])
		switch {
		case oki && okj:
			return si < sj
		case oki != okj:
			return oki
		}
		return names[i] < names[j]
	})
	for _, c := range names {
		rs := by[c]
		sort.Slice(rs, func(i, j int) bool { return rs[i].Seed < rs[j].Seed })
	}
	return names, by
}

// trajectory is one record's (epoch, value) points of metric.
func trajectory(r results.Record, metric string) (epochs, values []float64) {
	for _, p := range r.History {
		if v, ok := p.Metrics[metric]; ok {
			epochs = append(epochs, p.Epoch)
			values = append(values, v)
		}
	}
	return epochs, values
}

// OverTraining returns, per condition, metric against epoch: the mean over
// the condition's seeds at the epochs every seed has, with a ± SD band
// within the metric's bounds (results.MetricBounds, plots.SeriesOverSeeds),
// each series in its condition's style (records whose histories lack the
// metric are left out). Learned σ come first, by σ. It also returns the
// metric's bounds.
func OverTraining(recs []results.Record, metric string) ([]plots.Series, [2]float64, error) {
	names, by := conditions(recs, metric)
	if len(names) == 0 {
		return nil, [2]float64{}, fmt.Errorf("geometry: no record has %s in its history", metric)
	}
	var all []float64
	for _, c := range names {
		_, runs := commonEpochs(by[c], metric)
		for _, r := range runs {
			all = append(all, r...)
		}
	}
	lo, hi := results.MetricBounds(metric, all)
	var out []plots.Series
	for _, c := range names {
		x, runs := commonEpochs(by[c], metric)
		if len(x) == 0 {
			continue
		}
		s, err := plots.SeriesOverSeeds(c, x, runs, lo, hi)
		if err != nil {
			return nil, [2]float64{}, fmt.Errorf("geometry: %s of %s: %w", metric, c, err)
		}
		s.Condition = c
		out = append(out, s)
	}
	return out, [2]float64{lo, hi}, nil
}

// commonEpochs returns the epochs at which every record has metric, and
// each record's values there.
func commonEpochs(rs []results.Record, metric string) ([]float64, [][]float64) {
	count := map[float64]int{}
	vals := make([]map[float64]float64, len(rs))
	for i, r := range rs {
		vals[i] = map[float64]float64{}
		e, v := trajectory(r, metric)
		for k := range e {
			if _, dup := vals[i][e[k]]; !dup {
				count[e[k]]++
			}
			vals[i][e[k]] = v[k]
		}
	}
	var x []float64
	for e, n := range count {
		if n == len(rs) {
			x = append(x, e)
		}
	}
	sort.Float64s(x)
	runs := make([][]float64, len(rs))
	for i := range rs {
		for _, e := range x {
			runs[i] = append(runs[i], vals[i][e])
		}
	}
	return x, runs
}

// Figure draws metric against epoch for every condition (mean over seeds,
// ± SD band within the metric's bounds), each condition in its style
// (plots.ConditionStyle: the ground-truth sinusoid dashed black, each σ
// its colour), e.g. Figure(recs, Name("rsa_cos", 0), "RSA of the first
// block's PE with the grid", "Spearman ρ").
func Figure(recs []results.Record, metric, title, ylabel string) (*plots.Figure, error) {
	series, bounds, err := OverTraining(recs, metric)
	if err != nil {
		return nil, err
	}
	return plots.Lines(series, plots.LinesOptions{Title: title, XLabel: "epoch", YLabel: ylabel, Bounds: bounds})
}

// Table is a Markdown table of metric against epoch: a row per condition,
// a column per epoch at which every seed of every condition was measured,
// cells mean ± SD over seeds (n in the first column).
func Table(recs []results.Record, metric string) (string, error) {
	series, _, err := OverTraining(recs, metric)
	if err != nil {
		return "", err
	}
	_, by := conditions(recs, metric)
	epochs := map[float64]int{}
	for _, s := range series {
		for _, e := range s.X {
			epochs[e]++
		}
	}
	var cols []float64
	for e, n := range epochs {
		if n == len(series) {
			cols = append(cols, e)
		}
	}
	sort.Float64s(cols)
	var b strings.Builder
	b.WriteString("| condition | n |")
	for _, e := range cols {
		fmt.Fprintf(&b, " epoch %g |", e)
	}
	b.WriteString("\n|---|---|")
	for range cols {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, s := range series {
		fmt.Fprintf(&b, "| %s | %d |", s.Name, len(by[s.Name]))
		for _, e := range cols {
			i := sort.SearchFloat64s(s.X, e)
			if s.SD != nil {
				fmt.Fprintf(&b, " %.3f ± %.3f |", s.Mean[i], s.SD[i])
			} else {
				fmt.Fprintf(&b, " %.3f |", s.Mean[i])
			}
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

// Correlation is the rank correlation, over models, of a generalisation
// metric with one interpretability metric (both final values).
type Correlation struct {
	Metric string
	N      int     // models
	Rho    float64 // Spearman ρ
	// P is the two-sided permutation p-value: the fraction of Perms random
	// pairings (and the observed one) with |ρ| ≥ the observed |ρ|.
	P     float64
	Perms int
}

// PString prints P as a bound when no permutation reached the observed |ρ|
// ("< 0.001" for 999 permutations), else with two significant digits.
func (c Correlation) PString() string {
	if c.P <= 1/float64(c.Perms+1)+1e-12 {
		return fmt.Sprintf("< %.2g", 1/float64(c.Perms+1)+1e-12)
	}
	return fmt.Sprintf("%.2g", c.P)
}

// Correlate returns, for each metric, Spearman's ρ over the usable records
// that have both target and metric in Final (filtered by keep, when not
// nil), with a permutation p-value from perms pairings drawn from seed.
func Correlate(recs []results.Record, target string, metrics []string, keep func(results.Record) bool, perms int, seed uint64) ([]Correlation, error) {
	if perms < 1 {
		return nil, fmt.Errorf("geometry: %d permutations, want ≥ 1", perms)
	}
	var out []Correlation
	for _, m := range metrics {
		var x, y []float64
		for _, r := range recs {
			if r.Status != results.StatusOK || (keep != nil && !keep(r)) {
				continue
			}
			tv, ok1 := r.Final[target]
			mv, ok2 := r.Final[m]
			if ok1 && ok2 && !math.IsNaN(tv) && !math.IsNaN(mv) {
				x, y = append(x, mv), append(y, tv)
			}
		}
		if len(x) < 3 {
			continue
		}
		rho, err := analysis.SpearmanRho(x, y)
		if err != nil {
			continue // a constant metric: no correlation to report
		}
		rng := rand.New(rand.NewPCG(seed, uint64(len(out))))
		perm := append([]float64(nil), y...)
		hits := 1
		for range perms {
			rng.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
			r, err := analysis.SpearmanRho(x, perm)
			if err == nil && math.Abs(r) >= math.Abs(rho)-1e-12 {
				hits++
			}
		}
		out = append(out, Correlation{Metric: m, N: len(x), Rho: rho, P: float64(hits) / float64(perms+1), Perms: perms})
	}
	return out, nil
}

// Remeasure measures again, with this version's metrics (Of), every PE
// table kept beside the records — the snapshots "pe-epochNNNN" of
// sweep.Options.Snapshots and the final table "pe" — and adds to each
// record the metrics it lacks: to the history point of the snapshot's epoch,
// and to Final from the final table. Metrics a record already holds are
// kept as recorded (re-measured, they agree). It is how records written
// before a metric existed (e.g. a long study started with an older binary)
// get it, without retraining; it changes the records in place, not the
// files. truth gives the Truth for tables of width D. Records without
// tables are left as they are.
func Remeasure(store *results.Store, rs []results.Record, truth func(D int) (*Truth, error)) error {
	for i := range rs {
		r := &rs[i]
		if r.Status != results.StatusOK {
			continue
		}
		for p := range r.History {
			pt := &r.History[p]
			ep := int(math.Round(pt.Epoch))
			if float64(ep) != pt.Epoch {
				continue
			}
			if err := remeasureInto(store, r.ID, sweep.SnapshotName(ep), &pt.Metrics, truth); err != nil {
				return fmt.Errorf("geometry: record %s, epoch %d: %w", r.ID, ep, err)
			}
		}
		if err := remeasureInto(store, r.ID, "pe", &r.Final, truth); err != nil {
			return fmt.Errorf("geometry: record %s: %w", r.ID, err)
		}
	}
	return nil
}

// remeasureInto adds Of's metrics of artifact name of record id to *m,
// keeping the values *m already has; a missing artifact is no error.
func remeasureInto(store *results.Store, id, name string, m *map[string]float64, truth func(D int) (*Truth, error)) error {
	tab, shape, err := sweep.ReadArtifact(store, id, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(shape) != 3 {
		return fmt.Errorf("%s has shape %v, want [L, S, D]", name, shape)
	}
	t, err := truth(shape[2])
	if err != nil {
		return err
	}
	g, err := Of(tab, shape[0], shape[1], shape[2], t)
	if err != nil {
		return err
	}
	if *m == nil {
		*m = map[string]float64{}
	}
	for k, v := range g {
		if _, ok := (*m)[k]; !ok {
			(*m)[k] = v
		}
	}
	return nil
}
