// Package intervene asks whether a trained model uses the geometry its
// positional encoding learned: it evaluates the model again with its PE
// table altered and reports how much worse it does.
//
// A PE can mirror the tokens' geometry while the model relies on something
// else; a correlation across σ does not show that one model uses its PE.
// An intervention does: if permuting the PE's rows among tokens — keeping
// every row, so the PE's norm and spectrum, but breaking which token has
// which — costs a model much, the model uses the PE's assignment of
// positions; if it costs little, it does not.
//
// For a model whose PE is a table P ([L, S, D]: one (S, D) table per block,
// the "pe/table" parameter of learned and random PEs), on held-out data:
//
//   - intact: P itself (the reference every Δ is taken against);
//   - removed: P = 0 (no PE at all);
//   - perm: the rows of every block permuted by one random permutation π
//     of the S tokens, P'[l, s] = P[l, π(s)], for Permutations draws: the
//     mean, SD and the 2.5 / 97.5 % points over draws;
//   - within / across (with a partition of the tokens into networks,
//     PartitionPermutations draws each): π
//     restricted to map every token to a token of its own network (within),
//     or of another network (across: networks sorted and shifted by a
//     random offset at least the largest network's size, so no token stays
//     in its network; it needs every network to hold at most half the
//     tokens);
//   - swap_<c> (Options.Swap): each block replaced by the same block of
//     condition c's model of the same seed, mapped as the oracle is;
//   - oracle (with a reference table G, (S, D), e.g. the sinusoid of the
//     true coordinates): each block's table replaced by G mapped onto it by
//     orthogonal Procrustes and scaled to its Frobenius norm, sGR with
//     R = argmin ‖GR − P_l‖_F and s = ‖P_l‖_F/‖GR‖_F — the true geometry
//     in the model's own PE space.
//
// The fifth check of a PE's causal role — shuffling the tokens' order in
// the inputs and the PE together, which must change nothing but the order
// of the outputs — holds for every model by construction (attention and the
// per-token layers are permutation-equivariant; position enters only through
// the PE): it is a test of the model (pelib/model's TestTokenOrderConsistent,
// to 1e-9), not an evaluation of each trained model.
//
// Metric names: "iv_<what>_<metric>" (metric: acc or mse, the run's primary
// metric) and "iv_d<what>_<metric>" = intervened − intact (for accuracy a
// loss is negative, for MSE positive). Interventions need a PE table: for
// fixed sinusoids, RoPE, relative and no PE, Evaluate returns nil metrics.
package intervene

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Param is the name of the PE table parameter the interventions alter.
const Param = "pe/table"

// Options configure Evaluate.
type Options struct {
	// Data is the held-out data the model is evaluated on, with EvalOpt
	// (e.g. MaskRatio 0.9 and a fixed Seed for masked-token tests).
	Data    *train.Data
	EvalOpt train.EvalOptions
	// Permutations is the number of random row permutations (default 20;
	// at least 2).
	Permutations int
	// Partition, when set, labels each of the S tokens with its network
	// (within- and across-network permutations, PartitionPermutations
	// draws each, default 10).
	Partition             []int
	PartitionPermutations int
	// Oracle, when set, is a reference table (S, D): the "oracle"
	// intervention.
	Oracle *mat.Dense
	// Seed seeds the permutations (the same for every model of the run).
	Seed uint64
	// Swap adds, for every other condition c of the run's models (their
	// labels), "iv_swap_<c>_<metric>" and its difference: the model with
	// each block of its table replaced by the same block of c's model of
	// the same seed (else c's first model), mapped onto it by Procrustes
	// as the oracle is — another condition's geometry in this model's
	// own PE space and norm.
	Swap bool
}

// Evaluate runs the interventions on every model of run and returns one
// Metrics per model (nil for a model without a PE table). The run's
// parameters are unchanged afterwards.
func Evaluate(run *train.Run, opt Options) ([]train.Metrics, error) {
	if opt.Data == nil {
		return nil, fmt.Errorf("intervene: no data to evaluate on")
	}
	nperm := opt.Permutations
	if nperm == 0 {
		nperm = 20
	}
	npart := opt.PartitionPermutations
	if npart == 0 {
		npart = 10
	}
	if nperm < 2 || npart < 2 {
		return nil, fmt.Errorf("intervene: %d and %d permutations, want ≥ 2 each", nperm, npart)
	}
	M := len(run.Members())
	tables := make([][]float64, M)
	var shape []int
	for m := range M {
		t, sh, err := run.Param(m, Param)
		if err != nil {
			return make([]train.Metrics, M), nil // no table: nothing to intervene on
		}
		tables[m], shape = t, sh
	}
	L, S, D := shape[0], shape[1], shape[2]
	if opt.Partition != nil && len(opt.Partition) != S {
		return nil, fmt.Errorf("intervene: partition has %d labels for %d tokens", len(opt.Partition), S)
	}
	if opt.Oracle != nil {
		if r, c := opt.Oracle.Dims(); r != S || c != D {
			return nil, fmt.Errorf("intervene: oracle table is %d×%d, the PE's blocks %d×%d", r, c, S, D)
		}
	}
	metric := "acc"
	if run.Config().Objective == train.Masked {
		metric = "mse"
	}
	eval := func(vals [][]float64) ([]float64, error) {
		ms, err := run.EvaluateWith(opt.Data, opt.EvalOpt, Param, vals)
		if err != nil {
			return nil, err
		}
		out := make([]float64, M)
		for m := range ms {
			out[m] = ms[m][metric]
		}
		return out, nil
	}
	permuted := func(pi []int) [][]float64 {
		out := make([][]float64, M)
		for m, t := range tables {
			out[m] = permuteRows(t, L, S, D, pi)
		}
		return out
	}
	out := make([]train.Metrics, M)
	for m := range out {
		out[m] = train.Metrics{}
	}
	put := func(what string, v []float64, intact []float64) {
		for m := range out {
			out[m]["iv_"+what+"_"+metric] = v[m]
			if intact != nil {
				out[m]["iv_d"+what+"_"+metric] = v[m] - intact[m]
			}
		}
	}
	ims, err := run.Evaluate(opt.Data, opt.EvalOpt) // the model as trained: no parameter to swap
	if err != nil {
		return nil, fmt.Errorf("intervene: intact: %w", err)
	}
	intact := make([]float64, M)
	for m := range ims {
		intact[m] = ims[m][metric]
	}
	put("intact", intact, nil)
	zeros := make([][]float64, M)
	for m := range zeros {
		zeros[m] = make([]float64, L*S*D)
	}
	removed, err := eval(zeros)
	if err != nil {
		return nil, fmt.Errorf("intervene: removed: %w", err)
	}
	put("removed", removed, intact)

	rng := rand.New(rand.NewPCG(opt.Seed, 0x1e7e))
	series := func(what string, n int, draw func() []int) error {
		vals := make([][]float64, M)
		for range n {
			v, err := eval(permuted(draw()))
			if err != nil {
				return fmt.Errorf("intervene: %s: %w", what, err)
			}
			for m := range M {
				vals[m] = append(vals[m], v[m])
			}
		}
		mean := make([]float64, M)
		for m := range M {
			mean[m] = stat.Mean(vals[m], nil)
			s := slices.Clone(vals[m])
			slices.Sort(s)
			out[m]["iv_"+what+"_"+metric+"_sd"] = stat.StdDev(vals[m], nil)
			out[m]["iv_"+what+"_"+metric+"_lo"] = stat.Quantile(0.025, stat.LinInterp, s, nil)
			out[m]["iv_"+what+"_"+metric+"_hi"] = stat.Quantile(0.975, stat.LinInterp, s, nil)
		}
		put(what, mean, intact)
		return nil
	}
	if err := series("perm", nperm, func() []int { return rng.Perm(S) }); err != nil {
		return nil, err
	}
	if opt.Partition != nil {
		if err := series("within", npart, func() []int { return withinPerm(rng, opt.Partition) }); err != nil {
			return nil, err
		}
		if _, err := acrossPerm(rng, opt.Partition); err == nil {
			if err := series("across", npart, func() []int { p, _ := acrossPerm(rng, opt.Partition); return p }); err != nil {
				return nil, err
			}
		}
	}
	if opt.Swap {
		if err := swaps(run, tables, L, S, D, eval, intact, out, metric); err != nil {
			return nil, err
		}
	}
	if opt.Oracle != nil {
		vals := make([][]float64, M)
		for m, t := range tables {
			o, err := oracleTable(t, L, S, D, opt.Oracle)
			if err != nil {
				return nil, fmt.Errorf("intervene: oracle, model %d: %w", m, err)
			}
			vals[m] = o
		}
		v, err := eval(vals)
		if err != nil {
			return nil, fmt.Errorf("intervene: oracle: %w", err)
		}
		put("oracle", v, intact)
	}
	return out, nil
}

// permuteRows returns t ([L, S, D] flat) with the rows of every block
// permuted: out[l, s] = t[l, π(s)].
func permuteRows(t []float64, L, S, D int, pi []int) []float64 {
	out := make([]float64, len(t))
	for l := range L {
		for s := range S {
			copy(out[(l*S+s)*D:(l*S+s+1)*D], t[(l*S+pi[s])*D:(l*S+pi[s]+1)*D])
		}
	}
	return out
}

// withinPerm is a random permutation that maps every token to a token of
// its own network.
func withinPerm(rng *rand.Rand, part []int) []int {
	pi := make([]int, len(part))
	members := map[int][]int{}
	for s, g := range part {
		members[g] = append(members[g], s)
	}
	// Networks in sorted order: a map's order is random in Go, and the
	// draws must be a function of the seed alone.
	for _, g := range slices.Sorted(maps.Keys(members)) {
		ms := members[g]
		to := slices.Clone(ms)
		rng.Shuffle(len(to), func(i, j int) { to[i], to[j] = to[j], to[i] })
		for i, s := range ms {
			pi[s] = to[i]
		}
	}
	return pi
}

// acrossPerm is a random permutation that maps every token to a token of
// another network: the tokens sorted by network (shuffled within each),
// each sent k places further round the circle for a random k in
// [largest, S − largest]. It fails when a network holds more than half the
// tokens.
func acrossPerm(rng *rand.Rand, part []int) ([]int, error) {
	S := len(part)
	count := map[int]int{}
	for _, g := range part {
		count[g]++
	}
	largest := 0
	for _, c := range count {
		largest = max(largest, c)
	}
	if 2*largest > S {
		return nil, fmt.Errorf("intervene: a network holds %d of %d tokens: no permutation moves every token to another network", largest, S)
	}
	order := rng.Perm(S)
	slices.SortStableFunc(order, func(a, b int) int { return part[a] - part[b] })
	k := largest + rng.IntN(S-2*largest+1)
	pi := make([]int, S)
	for i, s := range order {
		pi[s] = order[(i+k)%S]
	}
	return pi, nil
}

// oracleTable replaces each block P_l of t by sGR_l (see the package doc).
func oracleTable(t []float64, L, S, D int, g *mat.Dense) ([]float64, error) {
	return mapOnto(t, L, S, D, func(int) *mat.Dense { return g })
}

// mapOnto replaces each block P_l of t ([L, S, D] flat) by ref(l) mapped
// onto it: sGR with R = argmin ‖GR − P_l‖_F over orthogonal R and
// s = ‖P_l‖_F/‖GR‖_F, G = ref(l). A zero block stays zero.
func mapOnto(t []float64, L, S, D int, ref func(l int) *mat.Dense) ([]float64, error) {
	out := make([]float64, len(t))
	for l := range L {
		p := mat.NewDense(S, D, t[l*S*D:(l+1)*S*D])
		pn := mat.Norm(p, 2)
		if pn == 0 {
			continue
		}
		g := ref(l)
		al, err := analysis.Procrustes(g, p)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", l, err)
		}
		var gr mat.Dense
		gr.Mul(g, al.Rotation)
		gn := mat.Norm(&gr, 2)
		if gn == 0 || math.IsNaN(gn) {
			return nil, fmt.Errorf("block %d: the reference table is zero", l)
		}
		gr.Scale(pn/gn, &gr)
		copy(out[l*S*D:(l+1)*S*D], gr.RawMatrix().Data)
	}
	return out, nil
}

// swaps runs the swap interventions (Options.Swap): one evaluation per
// condition label c, in which every model of another condition gets c's
// table of its seed mapped onto its own.
func swaps(run *train.Run, tables [][]float64, L, S, D int, eval func([][]float64) ([]float64, error),
	intact []float64, out []train.Metrics, metric string) error {
	members := run.Members()
	var labels []string
	for _, m := range members {
		if !slices.Contains(labels, m.Label) {
			labels = append(labels, m.Label)
		}
	}
	if len(labels) < 2 {
		return nil
	}
	for _, c := range labels {
		partner := func(m int) int {
			first := -1
			for j, o := range members {
				if o.Label != c {
					continue
				}
				if o.Seed == members[m].Seed {
					return j
				}
				if first < 0 {
					first = j
				}
			}
			return first
		}
		vals := make([][]float64, len(members))
		for m := range members {
			if members[m].Label == c {
				continue // keeps its own table; its result is not reported
			}
			j := partner(m)
			mapped, err := mapOnto(tables[m], L, S, D, func(l int) *mat.Dense {
				return mat.NewDense(S, D, tables[j][l*S*D:(l+1)*S*D])
			})
			if err != nil {
				return fmt.Errorf("intervene: swap %s into model %d: %w", c, m, err)
			}
			vals[m] = mapped
		}
		got, err := eval(vals)
		if err != nil {
			return fmt.Errorf("intervene: swap %s: %w", c, err)
		}
		for m := range members {
			if members[m].Label != c { // a model swapped with itself is not reported
				out[m]["iv_swap_"+c+"_"+metric] = got[m]
				out[m]["iv_dswap_"+c+"_"+metric] = got[m] - intact[m]
			}
		}
	}
	return nil
}

// Add runs Evaluate and merges each model's intervention metrics into
// out[m] (one Metrics per model, as a sweep analyzer returns them). A run
// without a PE table adds nothing.
func Add(out []train.Metrics, run *train.Run, opt Options) error {
	ms, err := Evaluate(run, opt)
	if err != nil {
		return err
	}
	if len(ms) != len(out) {
		return fmt.Errorf("intervene: %d results for %d models", len(ms), len(out))
	}
	for m, x := range ms {
		for k, v := range x {
			out[m][k] = v
		}
	}
	return nil
}

// SinusoidOracle is the oracle table of the "oracle" intervention for run:
// the N-D sinusoid of its layout's coordinates at its width (pe's sinnd,
// which for a 4×4 grid at a width divisible by 4 is the paper's 2d-fixed
// PE), (S, D); nil when the layout has no coordinates or the sinusoid is
// not defined at that width.
func SinusoidOracle(run *train.Run) *mat.Dense {
	mc := run.Config().Model
	spec, err := pe.Parse("sinnd")
	if err != nil {
		return nil
	}
	t, err := pe.Table(spec, mc.Layout, mc.Width, nil)
	if err != nil || len(t) != mc.Tokens*mc.Width {
		return nil
	}
	return mat.NewDense(mc.Tokens, mc.Width, t)
}
