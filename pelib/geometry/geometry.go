// Package geometry measures how closely a positional encoding's table
// mirrors the true positions of its tokens — the paper's question, asked of
// every evaluation of a run rather than only of the final model.
//
// A PE table is [L, S, D]: one (S, D) table per block (pelab adds the PE at
// the input of every block, each block with its own table). The truth is
// the tokens' coordinates X (S, c) and a distance between them (Euclidean,
// or Manhattan for a grid of cells), optionally with a reference table G
// (S, D) such as the 2d-fixed sinusoid of the paper's Procrustes analysis.
//
// Per block P = table[l] ([Metrics] names carry the block as "_b<l>"):
//
//   - rsa_cos: Spearman ρ between the cosine RSM of P's rows,
//     s_ij = p_i·p_j/(‖p_i‖‖p_j‖), and −d_ij over the S(S−1)/2 pairs i < j
//     (1: similarity falls monotonically with distance; 0: unrelated);
//   - rsa_corr: the same with the correlation RSM (rows centred across D
//     first), which ignores an offset shared by every column of a row;
//   - rsa_cos_tc: the same with the cosine RSM of the token-centred table
//     P − 1p̄ᵀ (p̄ the mean row): a vector shared by every token no longer
//     makes all rows alike;
//   - rsa_euc: Spearman ρ between −‖p_i − p_j‖ and −d_ij (distances in the
//     PE space rather than angles: unaffected by a shared vector, but
//     weighted by the rows' norms);
//   - disparity: the scale-free Procrustes disparity between P and X, both
//     centred and scaled to unit Frobenius norm, X padded with zero
//     columns to D: 1 − (Σσ_i)², σ_i the singular values of P̃ᵀX̃ (0: P is
//     a rotated, scaled copy of the layout; 1: no linear relation);
//   - align_err: mean distance, in the layout's units, between each
//     token's true position and its position on P's top-c principal axes
//     after an orthogonal alignment with a fitted scale;
//   - eff_dim: participation ratio (Σλ)²/Σλ² of P's covariance spectrum;
//   - norm: the RMS row norm ‖P‖_F/√S (the scale the σ of a learned PE's
//     initialisation sets, and which raw Procrustes distances track);
//   - with a reference G: procrustes_ref, the raw distance ‖PR* − G‖_F
//     (the paper's measure, neither centred nor scaled), and
//     disparity_ref, its scale-free counterpart.
//
// A dpb PE has no table but a learned attention-score bias b [L, H, S, S];
// per block its bias_rsa is the Spearman ρ between the head-averaged,
// symmetrised bias (b_hqk + b_hkq)/2 averaged over h and −d over the pairs
// i < j (1: the bias favours near tokens monotonically), and its norm the
// RMS bias. (The table metrics above do not apply to it.)
//
// Pooled over blocks: each per-block metric averaged over the L blocks
// (suffix "_mean"), and rsa_pooled, the Spearman ρ of the block-averaged
// cosine RSM with −d. Every name is prefixed "geo_".
//
// Which to read: the first block's table is the only one added to the raw
// token embeddings, before any attention has mixed positions, so it is the
// most direct readout of what the PE encodes; the later blocks' tables act
// on representations that already carry position. Reports show block 0
// and the mean over blocks side by side, with cosine RSMs (the paper's
// choice) and scale-free Procrustes (raw distances grow with σ by
// construction).
package geometry

import (
	"errors"
	"fmt"
	"math"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
)

// Distance is how the distance between two token positions is measured.
type Distance int

const (
	// Euclidean is ‖x_i − x_j‖₂ (brain regions, network nodes).
	Euclidean Distance = iota
	// Manhattan is Σ_k |x_ik − x_jk| (cells of a grid, as in the LST).
	Manhattan
)

// Truth is what a PE table is compared with.
type Truth struct {
	// Coords are the true token positions, (S, c).
	Coords *mat.Dense
	// NegDist is minus the distance matrix, (S, S).
	NegDist *mat.SymDense
	// Ref, when set, is a reference table (S, D) for procrustes_ref and
	// disparity_ref, e.g. the 2d-fixed sinusoid.
	Ref *mat.Dense
}

// New returns the Truth of a layout's token coordinates under dist.
func New(l pe.Layout, dist Distance) (*Truth, error) {
	S, c := l.S(), l.Dim()
	if S < 4 || c < 1 {
		return nil, fmt.Errorf("geometry: layout has %d tokens of %d coordinates, want ≥ 4 tokens of ≥ 1", S, c)
	}
	coords := mat.NewDense(S, c, nil)
	for s, p := range l.Coords {
		if len(p) != c {
			return nil, fmt.Errorf("geometry: token %d has %d coordinates, token 0 has %d", s, len(p), c)
		}
		coords.SetRow(s, p)
	}
	var d *mat.SymDense
	var err error
	switch dist {
	case Euclidean:
		d, err = analysis.EuclideanDistances(coords)
	case Manhattan:
		d, err = analysis.ManhattanDistances(coords)
	default:
		return nil, fmt.Errorf("geometry: unknown distance %d", dist)
	}
	if err != nil {
		return nil, fmt.Errorf("geometry: %w", err)
	}
	d.ScaleSym(-1, d)
	return &Truth{Coords: coords, NegDist: d}, nil
}

// Metrics maps "geo_<metric>_b<l>", "geo_<metric>_mean" and
// "geo_rsa_pooled" to values (see the package doc).
type Metrics map[string]float64

// Name is the metric name of metric for block l (l < 0: the mean over
// blocks).
func Name(metric string, l int) string {
	if l < 0 {
		return "geo_" + metric + "_mean"
	}
	return fmt.Sprintf("geo_%s_b%d", metric, l)
}

// PerBlock lists the per-block metrics in report order (the _ref ones only
// appear when the Truth has a reference table).
func PerBlock() []string {
	return []string{"rsa_cos", "rsa_corr", "rsa_cos_tc", "rsa_euc", "disparity", "align_err", "eff_dim", "norm", "procrustes_ref", "disparity_ref"}
}

// Of measures a PE table [L, S, D] (flat, row-major) against t.
func Of(table []float64, L, S, D int, t *Truth) (Metrics, error) {
	if t == nil {
		return nil, fmt.Errorf("geometry: no truth to compare with")
	}
	if ts, _ := t.Coords.Dims(); ts != S {
		return nil, fmt.Errorf("geometry: PE table has %d tokens, the layout %d", S, ts)
	}
	blocks, err := analysis.Blocks(table, L, S, D)
	if err != nil {
		return nil, fmt.Errorf("geometry: %w", err)
	}
	_, c := t.Coords.Dims()
	padded := t.Coords
	if c < D {
		padded = mat.NewDense(S, D, nil)
		padded.Slice(0, S, 0, c).(*mat.Dense).Copy(t.Coords)
	}
	out := Metrics{}
	sums, counts := map[string]float64{}, map[string]int{}
	for l, b := range blocks {
		m, err := block(b, t, padded, c <= D)
		if err != nil {
			return nil, fmt.Errorf("geometry: block %d: %w", l, err)
		}
		for k, v := range m {
			out[Name(k, l)] = v
			sums[k] += v
			counts[k]++
		}
	}
	for k, v := range sums {
		if counts[k] == L { // a mean only over every block
			out[Name(k, -1)] = v / float64(L)
		}
	}
	_, meanSim, err := analysis.BlockSimilarity(blocks, analysis.Cosine)
	if err != nil && !errors.Is(err, analysis.ErrConstant) {
		return nil, fmt.Errorf("geometry: %w", err)
	}
	if meanSim == nil {
		// an undefined similarity (a zero row): no pooled RSA
	} else if r, err := analysis.RSA(meanSim, t.NegDist, analysis.Spearman); err == nil {
		out["geo_rsa_pooled"] = r
	} else if !errors.Is(err, analysis.ErrConstant) {
		return nil, fmt.Errorf("geometry: pooled RSA: %w", err)
	}
	for k, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("geometry: %s is %v", k, v)
		}
	}
	return out, nil
}

// block returns the per-block metrics of one (S, D) table; disparity needs
// D ≥ c (padded is then X padded to D columns). A metric that is undefined
// for this table (analysis.ErrConstant: e.g. an RSM that is constant
// because every row points the same way) is left out rather than failing
// the others.
func block(b *mat.Dense, t *Truth, padded *mat.Dense, withDisparity bool) (map[string]float64, error) {
	S, _ := b.Dims()
	out := map[string]float64{}
	keep := func(name string, v float64, err error) error {
		switch {
		case err == nil:
			out[name] = v
		case !errors.Is(err, analysis.ErrConstant):
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	for _, sm := range []struct {
		name string
		m    analysis.Measure
	}{{"rsa_cos", analysis.Cosine}, {"rsa_corr", analysis.Correlation}} {
		sim, err := analysis.Similarity(b, sm.m)
		var rsa float64
		if err == nil {
			rsa, err = analysis.RSA(sim, t.NegDist, analysis.Spearman)
		}
		if err := keep(sm.name, rsa, err); err != nil {
			return nil, err
		}
	}
	// The same RSA with the tokens' mean row removed first (cosine of the
	// token-centred table: a component every token shares no longer makes
	// all rows alike), and with the rows' Euclidean distances in place of a
	// similarity (−‖p_i − p_j‖ against −d).
	tc := mat.DenseCopyOf(b)
	_, D := b.Dims()
	for j := range D {
		col := mat.Col(nil, j, tc)
		mu := 0.0
		for _, v := range col {
			mu += v
		}
		mu /= float64(S)
		for i := range S {
			tc.Set(i, j, col[i]-mu)
		}
	}
	sim, err := analysis.Similarity(tc, analysis.Cosine)
	var rsaTC float64
	if err == nil {
		rsaTC, err = analysis.RSA(sim, t.NegDist, analysis.Spearman)
	}
	if err := keep("rsa_cos_tc", rsaTC, err); err != nil {
		return nil, err
	}
	ed, err := analysis.EuclideanDistances(b)
	var rsaEuc float64
	if err == nil {
		ed.ScaleSym(-1, ed)
		rsaEuc, err = analysis.RSA(ed, t.NegDist, analysis.Spearman)
	}
	if err := keep("rsa_euc", rsaEuc, err); err != nil {
		return nil, err
	}
	if withDisparity {
		pr, err := analysis.Procrustes(b, padded)
		var v float64
		if err == nil {
			v = pr.Disparity
		}
		if err := keep("disparity", v, err); err != nil {
			return nil, err
		}
	}
	al, err := analysis.AlignToCoords(b, t.Coords, analysis.AlignConfig{})
	var ae float64
	if err == nil {
		ae = al.MeanError
	}
	if err := keep("align_err", ae, err); err != nil {
		return nil, err
	}
	effDim, err := analysis.EffectiveDimension(b)
	if err := keep("eff_dim", effDim, err); err != nil {
		return nil, err
	}
	out["norm"] = mat.Norm(b, 2) / math.Sqrt(float64(S))
	if t.Ref != nil {
		pr, err := analysis.Procrustes(b, t.Ref)
		var d, dis float64
		if err == nil {
			d, dis = pr.Distance, pr.Disparity
		}
		if err := keep("procrustes_ref", d, err); err != nil {
			return nil, err
		}
		if err == nil {
			out["disparity_ref"] = dis
		}
	}
	return out, nil
}

// Tracker returns a sweep.Options.Track that measures, at every evaluation,
// each model's PE table (for PEs that have one, and models still training)
// against t: the metrics of Of, in every history point.
func Tracker(t *Truth) func(run *train.Run, cells []sweep.Cell) ([]train.Metrics, error) {
	return func(run *train.Run, cells []sweep.Cell) ([]train.Metrics, error) {
		out := make([]train.Metrics, len(cells))
		members := run.Members()
		for m := range cells {
			out[m] = train.Metrics{}
			if !members[m].Alive || cells[m].Condition.PE.Kind == pe.None {
				continue
			}
			var g Metrics
			var err error
			if tab, shape, terr := run.PETable(m); terr == nil {
				g, err = Of(tab, shape[0], shape[1], shape[2], t)
			} else if b, shape, berr := run.PEBias(m); berr == nil {
				g, err = OfBias(b, shape[0], shape[1], shape[2], t)
			} else {
				continue // no table or learned bias: rotary, relative, fixed biases
			}
			if err != nil {
				return nil, fmt.Errorf("%s seed %d: %w", cells[m].Condition.Name, cells[m].Seed, err)
			}
			for k, v := range g {
				out[m][k] = v
			}
		}
		return out, nil
	}
}

// OfBias measures a learned attention-score bias [L, H, S, S] (flat,
// row-major; a dpb PE's) against t: per block "geo_bias_rsa_b<l>" and
// "geo_norm_b<l>", and their means over blocks (see the package doc).
func OfBias(bias []float64, L, H, S int, t *Truth) (Metrics, error) {
	if t == nil {
		return nil, fmt.Errorf("geometry: no truth to compare with")
	}
	if L < 1 || H < 1 || len(bias) != L*H*S*S {
		return nil, fmt.Errorf("geometry: bias has %d values, want %d×%d×%d×%d", len(bias), L, H, S, S)
	}
	if r, _ := t.NegDist.Dims(); r != S {
		return nil, fmt.Errorf("geometry: bias of %d tokens, truth of %d", S, r)
	}
	out := Metrics{}
	var sums [2]float64
	for l := range L {
		sim := mat.NewSymDense(S, nil)
		ss := 0.0
		for h := range H {
			b := bias[(l*H+h)*S*S : (l*H+h+1)*S*S]
			for q := range S {
				for k := q; k < S; k++ {
					sim.SetSym(q, k, sim.At(q, k)+(b[q*S+k]+b[k*S+q])/(2*float64(H)))
				}
				for k := range S {
					ss += b[q*S+k] * b[q*S+k]
				}
			}
		}
		rho, err := analysis.RSA(sim, t.NegDist, analysis.Spearman)
		if err != nil {
			return nil, fmt.Errorf("geometry: block %d bias: %w", l, err)
		}
		norm := math.Sqrt(ss / float64(H*S*S))
		out[Name("bias_rsa", l)], out[Name("norm", l)] = rho, norm
		sums[0] += rho
		sums[1] += norm
	}
	out[Name("bias_rsa", -1)], out[Name("norm", -1)] = sums[0]/float64(L), sums[1]/float64(L)
	return out, nil
}
