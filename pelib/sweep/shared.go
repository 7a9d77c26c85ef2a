package sweep

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/train"
)

// referenceSeeds are the 15 seeds of Experiment 1's reference code.
var referenceSeeds = []int64{2235, 6312, 6068, 9742, 8880, 2197, 669, 6256, 3309, 2541, 8643, 7785, 195, 6914, 29}

// ReferenceSeeds returns (a copy of) the 15 seeds of Experiment 1's
// reference code: the one seed list of pelab, of which every protocol's
// default seeds are a prefix.
func ReferenceSeeds() []int64 { return slices.Clone(referenceSeeds) }

// Named is a constructor with a name, e.g. of a protocol.
type Named[T any] struct {
	Name string
	New  func() T
}

// Protocols is an experiment's table of protocols by name, the default
// first.
type Protocols[T any] struct {
	Experiment string
	List       []Named[T]
}

// Names lists the protocol names, the default first.
func (p Protocols[T]) Names() []string {
	out := make([]string, len(p.List))
	for i, n := range p.List {
		out[i] = n.Name
	}
	return out
}

// ByName returns the protocol called name ("" is the default).
func (p Protocols[T]) ByName(name string) (T, error) {
	if name == "" && len(p.List) > 0 {
		return p.List[0].New(), nil
	}
	for _, n := range p.List {
		if n.Name == name {
			return n.New(), nil
		}
	}
	var zero T
	names := p.Names()
	want := strings.Join(names, " or ")
	if len(names) > 2 {
		want = strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
	return zero, fmt.Errorf("%s: unknown protocol %q (want %s)", p.Experiment, name, want)
}

// Eval returns the task's evaluation set called name.
func (t *Task) Eval(name string) (*train.Data, error) {
	for _, d := range t.Evals {
		if d.Name == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%s: task has no evaluation set %q", t.Name, name)
}

// sigmaKey is the σ of "learn-<σ>" or "learn-<σ>-wd" and whether the name
// has the -wd suffix.
func sigmaKey(name string) (float64, bool, bool) {
	base, wd := strings.CutSuffix(name, "-wd")
	s, ok := SigmaOf(base)
	return s, wd, ok
}

// CompareConditions is pelab's one order of condition names: the names
// of first (an experiment's ground-truth references, e.g. 2d-fixed) in
// that order; then the learned PEs by σ, learn-<σ>-wd right after
// learn-<σ>; then every other name alphabetically.
func CompareConditions(first []string, a, b string) int {
	rank := func(g string) (int, float64, int) {
		if i := slices.Index(first, g); i >= 0 {
			return 0, float64(i), 0
		}
		if s, wd, ok := sigmaKey(g); ok {
			w := 0
			if wd {
				w = 1
			}
			return 1, s, w
		}
		return 2, 0, 0
	}
	a1, a2, a3 := rank(a)
	b1, b2, b3 := rank(b)
	if c := cmp.Compare(a1, b1); c != 0 {
		return c
	}
	if c := cmp.Compare(a2, b2); c != 0 {
		return c
	}
	if c := cmp.Compare(a3, b3); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// SortSummaries orders summaries by condition (CompareConditions).
func SortSummaries(first []string, ss []results.Summary) {
	slices.SortStableFunc(ss, func(x, y results.Summary) int { return CompareConditions(first, x.Group, y.Group) })
}

// SortRecords orders records by condition (CompareConditions), then seed.
func SortRecords(first []string, rs []results.Record) {
	slices.SortStableFunc(rs, func(x, y results.Record) int {
		if c := CompareConditions(first, x.Condition, y.Condition); c != 0 {
			return c
		}
		return cmp.Compare(x.Seed, y.Seed)
	})
}

// Percent returns rs with the metrics for which isPct is true multiplied
// by 100 (e.g. accuracies shown in percent); the records' other fields are
// shared.
func Percent(rs []results.Record, isPct func(metric string) bool) []results.Record {
	if isPct == nil {
		return rs
	}
	out := make([]results.Record, len(rs))
	for i, r := range rs {
		out[i] = r
		out[i].Final = make(map[string]float64, len(r.Final))
		for k, v := range r.Final {
			if isPct(k) {
				v *= 100
			}
			out[i].Final[k] = v
		}
	}
	return out
}

// SigmaGroups gathers the usable records for a final metric (status ok, a
// finite value): per σ for the learned-σ conditions (SigmaOf), σ sorted,
// and per condition name for the others — the records every
// metric-against-σ figure plots, the other conditions as reference
// levels. BySigma gives their values.
func SigmaGroups(recs []results.Record, metric string) (sigmas []float64, learned map[float64][]results.Record, other map[string][]results.Record) {
	learned, other = map[float64][]results.Record{}, map[string][]results.Record{}
	for _, r := range recs {
		v, ok := r.Final[metric]
		if !ok || r.Status != results.StatusOK || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		if s, ok := SigmaOf(r.Condition); ok {
			if _, seen := learned[s]; !seen {
				sigmas = append(sigmas, s)
			}
			learned[s] = append(learned[s], r)
		} else {
			other[r.Condition] = append(other[r.Condition], r)
		}
	}
	sort.Float64s(sigmas)
	return sigmas, learned, other
}

// BySigma is SigmaGroups' values of metric, each multiplied by scale (100
// for accuracies in percent).
func BySigma(recs []results.Record, metric string, scale float64) (sigmas []float64, learned map[float64][]float64, other map[string][]float64) {
	sigmas, lr, or := SigmaGroups(recs, metric)
	values := func(rs []results.Record) []float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = scale * r.Final[metric]
		}
		return v
	}
	learned, other = make(map[float64][]float64, len(lr)), make(map[string][]float64, len(or))
	for s, rs := range lr {
		learned[s] = values(rs)
	}
	for c, rs := range or {
		other[c] = values(rs)
	}
	return sigmas, learned, other
}

// AddPEMetrics adds to ms the metrics that fn gives of model m's PE table
// [L, S, D] (train.Run.PETable), for a model still alive whose PE is a
// per-token table added to the embeddings (pe.Spec.Additive, not none:
// learned, random, the sinusoids). A diverged model keeps its last finite
// parameters, so its table would describe a model that failed: it gets
// none; so do rotary and relative PEs, which have no per-token table. The
// error is fn's (or the table's), for the model alone.
func AddPEMetrics(run *train.Run, m int, spec pe.Spec, ms train.Metrics, fn func(table []float64, L, S, D int) (train.Metrics, error)) error {
	if !run.Members()[m].Alive || !spec.Additive() || spec.Kind == pe.None {
		return nil
	}
	tab, shape, err := run.PETable(m)
	if err != nil {
		return err
	}
	pm, err := fn(tab, shape[0], shape[1], shape[2])
	if err != nil {
		return err
	}
	maps.Copy(ms, pm)
	return nil
}
