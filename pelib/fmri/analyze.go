package fmri

import (
	"errors"
	"fmt"
	"maps"
	"math"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/intervene"
	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
)

// EvalSeed seeds the masks of the harder held-out test and of the
// baselines.
const EvalSeed = 7

// Reference is what a PE's geometry is compared with: the training
// subjects' group FC [S, S] (and, when known, the held-out subjects' own,
// TestFC), the regions' centroids [S, 3] in mm, their network keys, and the
// size of the permutation tests.
type Reference struct {
	FC     *mat.SymDense
	TestFC *mat.SymDense // nil: no fc_rsa_test
	// TestFCs are the held-out subjects' own FCs (nil: no fc_rsa_subj and
	// no noise ceiling).
	TestFCs   []*mat.SymDense
	Centroids *mat.Dense
	Networks  []int
	// Permutations of each Mantel test and of the partition-shuffle nulls.
	Permutations int
	Seed         uint64

	proximity *mat.SymDense // −distance in mm
}

// NewReference builds the Reference of loaded data.
func NewReference(d *Data, permutations int, seed uint64) (*Reference, error) {
	if d == nil || d.TrainFC == nil || d.Partition == nil || len(d.Centroids) == 0 {
		return nil, errors.New("fmri: reference: data without FC, partition or centroids")
	}
	S := len(d.Centroids)
	if d.TrainFC.SymmetricDim() != S || len(d.Partition.Regions) != S {
		return nil, fmt.Errorf("fmri: reference: FC %d, partition %d and centroids %d disagree on the number of regions",
			d.TrainFC.SymmetricDim(), len(d.Partition.Regions), S)
	}
	if permutations < 1 {
		return nil, fmt.Errorf("fmri: reference: %d permutations, want ≥ 1", permutations)
	}
	c := mat.NewDense(S, 3, nil)
	for i, p := range d.Centroids {
		c.SetRow(i, p[:])
	}
	dist, err := analysis.EuclideanDistances(c)
	if err != nil {
		return nil, fmt.Errorf("fmri: reference: %w", err)
	}
	prox := mat.NewSymDense(S, nil)
	for i := range S {
		for j := i; j < S; j++ {
			prox.SetSym(i, j, -dist.At(i, j))
		}
	}
	if d.TestFC != nil && d.TestFC.SymmetricDim() != S {
		return nil, fmt.Errorf("fmri: reference: held-out FC has %d regions, centroids %d", d.TestFC.SymmetricDim(), S)
	}
	return &Reference{FC: d.TrainFC, TestFC: d.TestFC, TestFCs: d.TestFCs, Centroids: c, Networks: d.Partition.Keys(), Permutations: permutations,
		Seed: seed, proximity: prox}, nil
}

// SimilarityMetrics compares an (S, S) similarity matrix sim (a PE's, or
// the FC itself) with the reference:
//
//   - fc_rsa: Spearman ρ of the upper triangles of sim and the group FC,
//     fc_p its one-sided Mantel p (token permutations; alternative ρ > 0);
//   - fc_rsa_test, fc_p_test: the same against the held-out subjects' own
//     group FC (TestFC, when set), so that a PE's agreement with FC is
//     measured on subjects it never saw;
//   - fc_rsa_subj: the mean over the held-out subjects of the Spearman ρ
//     with each one's own FC (TestFCs, when set): the quantity the noise
//     ceiling of DataMetrics bounds;
//   - dist_rsa, dist_p: the same against proximity (minus the centroid
//     distance), so that ρ > 0 means nearby regions are similar;
//   - mod_q: Newman modularity Q of max(sim, 0) under the 12-network
//     partition; mod_z = (Q − mean)/SD and mod_pct the fraction of Q below,
//     over Permutations random relabellings that keep the network sizes;
//   - seg, seg_z, seg_pct: system segregation (within − between)/within of
//     max(sim, 0), likewise against relabellings;
//   - hemi_sym: mean sim(i, i+S/2) of homotopic regions minus the mean over
//     all pairs i < j.
//
// A metric whose input is degenerate (for example all similarities ≤ 0)
// is left out; any other error is returned.
func (r *Reference) SimilarityMetrics(sim mat.Symmetric, skipFC bool) (train.Metrics, error) {
	S := sim.SymmetricDim()
	if S != len(r.Networks) {
		return nil, fmt.Errorf("fmri: similarity matrix has %d regions, reference %d", S, len(r.Networks))
	}
	out := train.Metrics{}
	skip := func(err error) error {
		if errors.Is(err, analysis.ErrConstant) || errors.Is(err, analysis.ErrInvalid) {
			return nil
		}
		return err
	}
	mc := analysis.MantelConfig{Method: analysis.Spearman, Permutations: r.Permutations, Seed: r.Seed, Tail: analysis.Greater}
	if !skipFC {
		if m, err := analysis.Mantel(sim, r.FC, mc); err == nil {
			out["fc_rsa"], out["fc_p"] = m.R, m.P
		} else if err := skip(err); err != nil {
			return nil, fmt.Errorf("fmri: PE vs FC: %w", err)
		}
		if r.TestFC != nil {
			if m, err := analysis.Mantel(sim, r.TestFC, mc); err == nil {
				out["fc_rsa_test"], out["fc_p_test"] = m.R, m.P
			} else if err := skip(err); err != nil {
				return nil, fmt.Errorf("fmri: PE vs held-out FC: %w", err)
			}
		}
		if len(r.TestFCs) > 0 {
			sum, n := 0.0, 0
			for _, fc := range r.TestFCs {
				rho, err := analysis.RSA(sim, fc, analysis.Spearman)
				if err != nil {
					if err := skip(err); err != nil {
						return nil, fmt.Errorf("fmri: PE vs a held-out subject's FC: %w", err)
					}
					continue // degenerate: not counted, so the mean is left out below
				}
				sum, n = sum+rho, n+1
			}
			if n == len(r.TestFCs) {
				out["fc_rsa_subj"] = sum / float64(n)
			}
		}
	}
	if m, err := analysis.Mantel(sim, r.proximity, mc); err == nil {
		out["dist_rsa"], out["dist_p"] = m.R, m.P
	} else if err := skip(err); err != nil {
		return nil, fmt.Errorf("fmri: PE vs distance: %w", err)
	}
	pm, err := analysis.PartitionMetrics(sim, r.Networks, r.Permutations, r.Seed)
	if err != nil {
		return nil, fmt.Errorf("fmri: %w", err)
	}
	maps.Copy(out, pm)
	half := S / 2
	var homo, all float64
	for i := range half {
		homo += sim.At(i, i+half)
	}
	for i := range S {
		for j := i + 1; j < S; j++ {
			all += sim.At(i, j)
		}
	}
	out["hemi_sym"] = homo/float64(half) - all/float64(S*(S-1)/2)
	return out, nil
}

// PEMetrics returns the geometry metrics of a PE table [L, S, D] (flat,
// row-major): SimilarityMetrics of the block-mean cosine similarity matrix,
// and averaged over the L blocks, decode_r2 (5-fold cross-validated
// least-squares R² of the x, y, z centroid from the block's table, mean
// over the three coordinates), decode_err_mm (mean Euclidean distance in mm
// between the cross-validated prediction and the true centroid) and eff_dim
// (participation-ratio dimensionality).
func (r *Reference) PEMetrics(table []float64, L, S, D int) (train.Metrics, error) {
	blocks, err := analysis.Blocks(table, L, S, D)
	if err != nil {
		return nil, fmt.Errorf("fmri: PE table: %w", err)
	}
	_, mean, err := analysis.BlockSimilarity(blocks, analysis.Cosine)
	if err != nil {
		return nil, fmt.Errorf("fmri: PE similarity: %w", err)
	}
	out, err := r.SimilarityMetrics(mean, false)
	if err != nil {
		return nil, err
	}
	var r2, errMM, ed float64
	nDec, nEd := 0, 0
	for _, b := range blocks {
		dec, err := analysis.Decode(b, r.Centroids, analysis.DecodeConfig{Folds: 5, Seed: r.Seed})
		if err == nil {
			r2 += dec.MeanR2
			errMM += meanDistance(dec.Predicted, r.Centroids)
			nDec++
		} else if !errors.Is(err, analysis.ErrConstant) {
			return nil, fmt.Errorf("fmri: decoding centroids: %w", err)
		}
		if v, err := analysis.EffectiveDimension(b); err == nil {
			ed += v
			nEd++
		}
	}
	if nDec > 0 {
		out["decode_r2"], out["decode_err_mm"] = r2/float64(nDec), errMM/float64(nDec)
	}
	if nEd > 0 {
		out["eff_dim"] = ed / float64(nEd)
	}
	return out, nil
}

// meanDistance is the mean Euclidean distance between the rows of a and b.
func meanDistance(a, b mat.Matrix) float64 {
	n, c := a.Dims()
	var sum float64
	for i := range n {
		var d float64
		for j := range c {
			d += (a.At(i, j) - b.At(i, j)) * (a.At(i, j) - b.At(i, j))
		}
		sum += math.Sqrt(d)
	}
	return sum / float64(n)
}

// EvalSet is one evaluation of the held-out windows: its name in the
// metric keys ("test", "test90") and its mask [N, S].
type EvalSet struct {
	Name string
	Mask []bool
}

// HeldOutSets returns the masks of the models' two held-out evaluations of
// N windows of S regions (EvalMask): "test", the engine's periodic
// evaluation (ratio, seed TrainEvalSeed) whose last value is test_mse, and
// "test90", Analyzer's harder test (ratio90, seed EvalSeed), both chunked by
// evalBatch as the engine does (DefaultEvalBatch unless the training
// config sets another).
func HeldOutSets(n, s int, ratio, ratio90 float64, evalBatch int) ([]EvalSet, error) {
	m, err := EvalMask(n, s, ratio, TrainEvalSeed, evalBatch)
	if err != nil {
		return nil, err
	}
	m90, err := EvalMask(n, s, ratio90, EvalSeed, evalBatch)
	if err != nil {
		return nil, err
	}
	return []EvalSet{{EvalTest, m}, {EvalTest + "90", m90}}, nil
}

// Baselines returns the trivial baselines on the held-out windows w for each
// evaluation set (the same masked entries the models are scored on, see
// HeldOutSets): zero_<set>_mse (predict 0), mean_<set>_mse (the mean of the
// window's unmasked regions at each time point, MeanPredict), nbr_<set>_mse
// (the most correlated unmasked region in the training FC, scaled by that
// correlation) and nbrcopy_<set>_mse (copied unscaled).
func Baselines(w *masked.Windows, fc mat.Symmetric, sets []EvalSet) (train.Metrics, error) {
	out := train.Metrics{}
	for _, c := range sets {
		z, err := ZeroMSE(w, c.Mask)
		if err != nil {
			return nil, fmt.Errorf("fmri: %s baselines: %w", c.Name, err)
		}
		mn, err := MeanMSE(w, c.Mask)
		if err != nil {
			return nil, fmt.Errorf("fmri: %s baselines: %w", c.Name, err)
		}
		sc, err := NeighbourMSE(w, c.Mask, fc, Scaled)
		if err != nil {
			return nil, fmt.Errorf("fmri: %s baselines: %w", c.Name, err)
		}
		cp, err := NeighbourMSE(w, c.Mask, fc, Copy)
		if err != nil {
			return nil, fmt.Errorf("fmri: %s baselines: %w", c.Name, err)
		}
		out["zero_"+c.Name+"_mse"], out["mean_"+c.Name+"_mse"] = z, mn
		out["nbr_"+c.Name+"_mse"], out["nbrcopy_"+c.Name+"_mse"] = sc, cp
	}
	return out, nil
}

// DataMetrics describes the training subjects' group FC as Reference sees
// a PE: SimilarityMetrics of the FC itself (fc_rsa omitted), with keys
// prefixed "data_", and, when TestFC is set, data_fc_rsa_test: Spearman ρ
// between the training and the held-out group FC (the ceiling of a PE's
// fc_rsa_test if it reproduced the training FC), and, with TestFCs,
// data_fc_ceiling_lo and data_fc_ceiling_hi: the noise ceiling
// (analysis.NoiseCeilingOf, Spearman) of fc_rsa_subj — how high a mean
// RSA with the held-out subjects' own FCs the subjects' own variability
// allows (lower: each subject against the others' pooled FC; upper:
// against all, itself included).
func (r *Reference) DataMetrics() (train.Metrics, error) {
	m, err := r.SimilarityMetrics(r.FC, true)
	if err != nil {
		return nil, err
	}
	out := train.Metrics{}
	for k, v := range m {
		out["data_"+k] = v
	}
	if r.TestFC != nil {
		mc := analysis.MantelConfig{Method: analysis.Spearman, Permutations: r.Permutations, Seed: r.Seed, Tail: analysis.Greater}
		if t, err := analysis.Mantel(r.FC, r.TestFC, mc); err == nil {
			out["data_fc_rsa_test"] = t.R
		} else if !errors.Is(err, analysis.ErrConstant) && !errors.Is(err, analysis.ErrInvalid) {
			return nil, fmt.Errorf("fmri: training vs held-out FC: %w", err)
		}
	}
	if len(r.TestFCs) >= 2 {
		data := make([]mat.Matrix, len(r.TestFCs))
		for i, fc := range r.TestFCs {
			data[i] = fc
		}
		nc, err := analysis.NoiseCeilingOf(data, analysis.Spearman)
		if err != nil {
			return nil, fmt.Errorf("fmri: noise ceiling of the held-out subjects' FC: %w", err)
		}
		out["data_fc_ceiling_lo"], out["data_fc_ceiling_hi"] = nc.Lower, nc.Upper
	}
	return out, nil
}

// Analyzer computes Experiment 3's final metrics for each trained group (use
// its Analyze method as sweep.Options.Analyze):
//
//   - test90_mse: masked MSE on the held-out windows with TestMaskRatio of
//     the regions masked (masks from EvalSeed, the same for every model);
//   - the baselines (Baselines, on the very masks of test_mse and
//     test90_mse, HeldOutSets) and the FC's own network metrics
//     (DataMetrics), the same for every record, so that each record
//     carries what its numbers are compared with;
//   - for PEs with a table (learned, random, sin3d): PEMetrics;
//   - when Backend and Store are set, each live model's per-region error
//     map as the artifact RegionArtifact, shaped [2, S]: row 0 RegionMSE
//     on the "test" masks, row 1 on the "test90" masks, computed from the
//     model's predictions (Predict) on those masks.
type Analyzer struct {
	Task     *Task
	Protocol Protocol
	Ref      *Reference
	// Backend runs the region maps' predictions (the backend the models
	// were trained on); Store keeps them. Either nil: no region maps.
	Backend compute.Backend
	Store   *results.Store

	data      train.Metrics                // the FC's metrics
	baselines map[[2]float64]train.Metrics // by (eval batch, mask ratio)
}

// RegionArtifact is the name of the per-region error map artifact (see
// Analyzer and sweep.ArtifactPath).
const RegionArtifact = "region_mse"

// NewAnalyzer returns an Analyzer of task under protocol p; it computes the
// FC's metrics once, and the baselines once per evaluation chunking and
// mask ratio (those of the engine's defaults here; a run with another
// EvalBatch or MaskRatio gets its own, so baselines always share the
// models' masks).
func NewAnalyzer(task *Task, p Protocol) (*Analyzer, error) {
	ref, err := NewReference(task.Data, p.Permutations, EvalSeed)
	if err != nil {
		return nil, err
	}
	dm, err := ref.DataMetrics()
	if err != nil {
		return nil, err
	}
	a := &Analyzer{Task: task, Protocol: p, Ref: ref, data: dm, baselines: map[[2]float64]train.Metrics{}}
	if _, err := a.baselinesFor(DefaultEvalBatch, p.MaskRatio); err != nil {
		return nil, err
	}
	return a, nil
}

// baselinesFor returns (computing once) the baselines for the engine's
// evaluation chunk evalBatch and training mask ratio.
func (a *Analyzer) baselinesFor(evalBatch int, ratio float64) (train.Metrics, error) {
	key := [2]float64{float64(evalBatch), ratio}
	if b, ok := a.baselines[key]; ok {
		return b, nil
	}
	sets, err := HeldOutSets(a.Task.Test.N, a.Task.Test.S, ratio, a.Protocol.TestMaskRatio, evalBatch)
	if err != nil {
		return nil, err
	}
	b, err := Baselines(a.Task.Test, a.Task.Data.TrainFC, sets)
	if err != nil {
		return nil, err
	}
	a.baselines[key] = b
	return b, nil
}

// Shared returns the metrics every record gets (baselines for the engine's
// default evaluation chunk and the protocol's mask ratio, data metrics).
func (a *Analyzer) Shared() train.Metrics {
	b, _ := a.baselinesFor(DefaultEvalBatch, a.Protocol.MaskRatio) // computed by NewAnalyzer
	return a.shared(b)
}

func (a *Analyzer) shared(b train.Metrics) train.Metrics {
	out := train.Metrics{}
	for k, v := range a.data {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// Analyze implements sweep.Options.Analyze. The evaluation runs once for
// the whole group (an error there is the group's); the PE metrics and the
// region maps are per model, and a model whose PE metrics or region map
// fail gets its own error. A diverged model gets neither, which would
// describe a model that failed.
func (a *Analyzer) Analyze(run *train.Run, cells []sweep.Cell) ([]train.Metrics, []error, error) {
	test, err := a.Task.Eval(EvalTest)
	if err != nil {
		return nil, nil, err
	}
	hard, err := run.Evaluate(test, train.EvalOptions{MaskRatio: a.Protocol.TestMaskRatio, Seed: EvalSeed})
	if err != nil {
		return nil, nil, err
	}
	cfg := run.Config()
	evalBatch := cfg.EvalBatch
	if evalBatch == 0 {
		evalBatch = DefaultEvalBatch
	}
	base, err := a.baselinesFor(evalBatch, cfg.MaskRatio)
	if err != nil {
		return nil, nil, err
	}
	var sets []EvalSet
	if a.Backend != nil && a.Store != nil {
		if sets, err = HeldOutSets(a.Task.Test.N, a.Task.Test.S, cfg.MaskRatio, a.Protocol.TestMaskRatio, evalBatch); err != nil {
			return nil, nil, err
		}
	}
	out := make([]train.Metrics, len(cells))
	errs := make([]error, len(cells))
	for m := range cells {
		out[m] = a.shared(base)
		out[m]["test90_mse"] = hard[m]["mse"]
		masked.CopyUnits(out[m], hard[m], "test90", "mse") // per held-out subject
	}
	// PE interventions on the held-out subjects at the test ratio, the
	// networks of the partition for within/across permutations.
	if err := intervene.Add(out, run, intervene.Options{Data: test, EvalOpt: train.EvalOptions{MaskRatio: a.Protocol.TestMaskRatio, Seed: EvalSeed},
		Partition: a.Ref.Networks, Oracle: intervene.SinusoidOracle(run), Seed: 1, Swap: true}); err != nil {
		return nil, nil, err
	}
	for m, c := range cells {
		ms := out[m]
		if !run.Members()[m].Alive {
			continue
		}
		if sets != nil {
			if err := a.regionMap(run, m, c, sets); err != nil {
				errs[m] = fmt.Errorf("fmri: %s seed %d: region map: %w", c.Condition.Name, c.Seed, err)
				continue
			}
		}
		if err := sweep.AddPEMetrics(run, m, c.Condition.PE, ms, a.Ref.PEMetrics); err != nil {
			errs[m] = fmt.Errorf("fmri: %s seed %d: %w", c.Condition.Name, c.Seed, err)
		}
	}
	return out, errs, nil
}

// regionMap writes model m's RegionArtifact: RegionMSE of its predictions
// on each evaluation set, one row per set.
func (a *Analyzer) regionMap(run *train.Run, m int, c sweep.Cell, sets []EvalSet) error {
	w := a.Task.Test
	rows := make([]float64, 0, len(sets)*w.S)
	for _, set := range sets {
		pred, err := Predict(a.Backend, run, m, w, set.Mask, 32)
		if err != nil {
			return err
		}
		mse, _, err := RegionMSE(w, pred, set.Mask)
		if err != nil {
			return err
		}
		rows = append(rows, mse...)
	}
	return sweep.WriteArtifact(a.Store, c.ID, RegionArtifact, rows, len(sets), w.S)
}
