package masked

import (
	"fmt"
	"math"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/geometry"
	"github.com/pelab/pelab/pelib/intervene"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
)

// Geometry metric names, as they appear in records (see PEMetrics).
const (
	MetricRSA      = "rsa"
	MetricMantelR  = "mantel_r"
	MetricMantelP  = "mantel_p"
	MetricAlignErr = "align_err"
	MetricDecodeR2 = "decode_r2"
	MetricEffDim   = "eff_dim"
	MetricTopK     = "topk_explained"
)

// GeometryMetrics lists the PE geometry metrics in report order.
func GeometryMetrics() []string {
	return []string{MetricRSA, MetricMantelP, MetricAlignErr, MetricDecodeR2, MetricEffDim, MetricTopK}
}

// GeometryConfig fixes the choices of PEMetrics. The zero value is the
// default.
type GeometryConfig struct {
	// MantelPermutations for the Mantel test (0: 999).
	MantelPermutations int
	// DecodeRidge is the ridge penalty λ of the coordinate decoding, on
	// the table scaled to unit mean squared (centred) row norm, so that λ
	// means the same for every σ (0: 0.1; a negative value: no penalty).
	DecodeRidge float64
	// DecodeFolds is the number of cross-validation folds (0: 5).
	DecodeFolds int
}

func (c GeometryConfig) withDefaults() GeometryConfig {
	if c.MantelPermutations == 0 {
		c.MantelPermutations = 999
	}
	if c.DecodeRidge == 0 {
		c.DecodeRidge = 0.1
	} else if c.DecodeRidge < 0 {
		c.DecodeRidge = 0
	}
	if c.DecodeFolds == 0 {
		c.DecodeFolds = 5
	}
	return c
}

// Geometry is the ground truth a PE is compared with: the true node
// coordinates (S, c) and minus their Euclidean distances (package geometry's
// Truth, so that the final analysis and the tracking over training share it).
type Geometry = geometry.Truth

// NewGeometry returns the Geometry of the nodes of a layout (Euclidean).
func NewGeometry(l pe.Layout) (*Geometry, error) {
	g, err := geometry.New(l, geometry.Euclidean)
	if err != nil {
		return nil, fmt.Errorf("netsim: %w", err)
	}
	return g, nil
}

// PEMetrics compares a PE table [L, S, D] (flat, row-major) with the true
// geometry g. Per block (an (S, D) table), then averaged over the L
// blocks:
//
//   - rsa: Spearman ρ between the cosine similarity matrix of the S rows
//     and −distance (so higher is better; 1 = similarity falls
//     monotonically with distance);
//   - align_err: mean distance, in the layout's units (netsim: grid
//     cells; fmri: fmri.CoordUnit = 10 mm; tokens: the run's coordinate
//     unit, by default the median nearest-neighbour distance, its records'
//     "coord_unit"), between each node's true position and its position read from the
//     PE's top-k principal axes (k = c, the layout's dimension) after an
//     orthogonal alignment with a fitted scale (analysis.AlignToCoords);
//   - decode_r2: cross-validated R² of a ridge read-out of the
//     coordinates (analysis.Decode, folds and λ from cfg), averaged over
//     coordinates; the table is centred and scaled to unit mean squared
//     row norm first;
//   - eff_dim: participation ratio of the table's covariance spectrum
//     (about c for a PE that spreads the nodes evenly over c dimensions);
//   - topk_explained: fraction of the table's variance on its top c
//     principal axes.
//
// Once for the block-averaged similarity matrix: mantel_r (its Spearman
// ρ with −distance) and mantel_p, the one-sided permutation p-value of a
// positive association.
func PEMetrics(table []float64, L, S, D int, g *Geometry, cfg GeometryConfig) (train.Metrics, error) {
	cfg = cfg.withDefaults()
	if g == nil {
		return nil, fmt.Errorf("netsim: PE metrics: no geometry")
	}
	if gs, _ := g.Coords.Dims(); gs != S {
		return nil, fmt.Errorf("netsim: PE metrics: PE has %d tokens, the layout %d nodes", S, gs)
	}
	blocks, err := analysis.Blocks(table, L, S, D)
	if err != nil {
		return nil, fmt.Errorf("netsim: PE metrics: %w", err)
	}
	_, meanSim, err := analysis.BlockSimilarity(blocks, analysis.Cosine)
	if err != nil {
		return nil, fmt.Errorf("netsim: PE metrics: %w", err)
	}
	sum := train.Metrics{}
	for l, b := range blocks {
		m, err := blockMetrics(b, g, cfg)
		if err != nil {
			return nil, fmt.Errorf("netsim: PE metrics: block %d: %w", l, err)
		}
		for k, v := range m {
			sum[k] += v / float64(L)
		}
	}
	mt, err := analysis.Mantel(meanSim, g.NegDist, analysis.MantelConfig{
		Method: analysis.Spearman, Permutations: cfg.MantelPermutations, Tail: analysis.Greater})
	if err != nil {
		return nil, fmt.Errorf("netsim: PE metrics: %w", err)
	}
	sum[MetricMantelR], sum[MetricMantelP] = mt.R, mt.P
	for k, v := range sum {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("netsim: PE metrics: %s is %v", k, v)
		}
	}
	return sum, nil
}

func blockMetrics(b *mat.Dense, g *Geometry, cfg GeometryConfig) (train.Metrics, error) {
	sim, err := analysis.Similarity(b, analysis.Cosine)
	if err != nil {
		return nil, err
	}
	rsa, err := analysis.RSA(sim, g.NegDist, analysis.Spearman)
	if err != nil {
		return nil, err
	}
	al, err := analysis.AlignToCoords(b, g.Coords, analysis.AlignConfig{})
	if err != nil {
		return nil, err
	}
	ed, err := analysis.EffectiveDimension(b)
	if err != nil {
		return nil, err
	}
	dec, err := analysis.Decode(unitRows(b), g.Coords, analysis.DecodeConfig{Folds: cfg.DecodeFolds, Ridge: cfg.DecodeRidge})
	if err != nil {
		return nil, err
	}
	return train.Metrics{MetricRSA: rsa, MetricAlignErr: al.MeanError, MetricEffDim: ed,
		MetricDecodeR2: dec.MeanR2, MetricTopK: al.Explained}, nil
}

// unitRows returns b centred (column means removed) and scaled so that the
// mean squared row norm is 1. A table whose rows are all equal is returned
// centred (all zeros), which Decode rejects with a clear error.
func unitRows(b *mat.Dense) *mat.Dense {
	S, D := b.Dims()
	out := mat.DenseCopyOf(b)
	for j := range D {
		var m float64
		for i := range S {
			m += out.At(i, j)
		}
		m /= float64(S)
		for i := range S {
			out.Set(i, j, out.At(i, j)-m)
		}
	}
	n := mat.Norm(out, 2)
	if n > 0 {
		out.Scale(math.Sqrt(float64(S))/n, out)
	}
	return out
}

// HeldOutMetrics evaluates every model of run on task's EvalTest windows
// masked at testMaskRatio (evaluation seed 1: the same masks for every
// model) and on its training windows at the training ratio (seed 2), and
// returns each model's EvalTest90+"_mse" (and, when the held-out windows
// carry unit labels, its value per unit: CopyUnits) and "train_mse": the first
// metrics of netsim's Analyzer and of every masked-token experiment
// built on it (tokens).
func HeldOutMetrics(run *train.Run, task *sweep.Task, testMaskRatio float64) ([]train.Metrics, error) {
	test, err := task.Eval(EvalTest)
	if err != nil {
		return nil, err
	}
	hard, err := run.Evaluate(test, train.EvalOptions{MaskRatio: testMaskRatio, Seed: 1})
	if err != nil {
		return nil, err
	}
	tr, err := run.Evaluate(task.Train, train.EvalOptions{Seed: 2})
	if err != nil {
		return nil, err
	}
	out := make([]train.Metrics, len(hard))
	for m := range out {
		out[m] = train.Metrics{EvalTest90 + "_mse": hard[m]["mse"], "train_mse": tr[m]["mse"]}
		CopyUnits(out[m], hard[m], EvalTest90, "mse")
	}
	return out, nil
}

// AddInterventions adds to out the PE interventions of package intervene
// (iv_*) on task's EvalTest windows masked at testMaskRatio (evaluation
// seed 1, as HeldOutMetrics): the table removed, its rows permuted 20
// times (within and across the networks of partition, when given) and
// replaced by the sinusoid of the true coordinates mapped by Procrustes.
// Every masked-token experiment's analyzer calls it.
func AddInterventions(out []train.Metrics, run *train.Run, task *sweep.Task, testMaskRatio float64, partition []int) error {
	test, err := task.Eval(EvalTest)
	if err != nil {
		return err
	}
	return intervene.Add(out, run, intervene.Options{Data: test, EvalOpt: train.EvalOptions{MaskRatio: testMaskRatio, Seed: 1},
		Partition: partition, Oracle: intervene.SinusoidOracle(run), Seed: 1, Swap: true})
}
