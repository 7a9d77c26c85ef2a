package fmri

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// EvalSeed seeds the masks of the harder held-out test and of the
// baselines.
const EvalSeed = 7

// Reference is what a PE's geometry is compared with: the training
// subjects' group FC [S, S], the regions' centroids [S, 3] in mm, their
// network keys, and the size of the permutation tests.
type Reference struct {
	FC        *mat.SymDense
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
	return &Reference{FC: d.TrainFC, Centroids: c, Networks: d.Partition.Keys(), Permutations: permutations,
		Seed: seed, proximity: prox}, nil
}

// SimilarityMetrics compares an (S, S) similarity matrix sim (a PE's, or
// the FC itself) with the reference:
//
//   - fc_rsa: Spearman ρ of the upper triangles of sim and the group FC,
//     fc_p its one-sided Mantel p (token permutations; alternative ρ > 0);
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
	}
	if m, err := analysis.Mantel(sim, r.proximity, mc); err == nil {
		out["dist_rsa"], out["dist_p"] = m.R, m.P
	} else if err := skip(err); err != nil {
		return nil, fmt.Errorf("fmri: PE vs distance: %w", err)
	}
	pos := mat.NewSymDense(S, nil)
	for i := range S {
		for j := i; j < S; j++ {
			pos.SetSym(i, j, max(sim.At(i, j), 0))
		}
	}
	rng := rand.New(rand.NewPCG(r.Seed, 0x6d6f64))
	for _, m := range []struct {
		name string
		fn   func(mat.Matrix, []int) (float64, error)
	}{{"mod_q", analysis.Modularity}, {"seg", analysis.Segregation}} {
		v, err := m.fn(pos, r.Networks)
		if err != nil {
			if err := skip(err); err != nil {
				return nil, fmt.Errorf("fmri: %s: %w", m.name, err)
			}
			continue
		}
		out[m.name] = v
		null := make([]float64, r.Permutations)
		labels := append([]int(nil), r.Networks...)
		below := 0
		for k := range null {
			rng.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
			if null[k], err = m.fn(pos, labels); err != nil {
				return nil, fmt.Errorf("fmri: %s null: %w", m.name, err)
			}
			if null[k] < v {
				below++
			}
		}
		base := m.name
		if base == "mod_q" {
			base = "mod"
		}
		mean, sd := stat.MeanStdDev(null, nil)
		if sd > 0 {
			out[base+"_z"] = (v - mean) / sd
		}
		out[base+"_pct"] = float64(below) / float64(len(null))
	}
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

// Baselines returns the trivial baselines on the held-out windows w at the
// masking ratios ratio (as "test") and ratio90 (as "test90"), with masks
// drawn by RandomMask from seed: zero_<set>_mse (predict 0),
// nbr_<set>_mse (the most correlated unmasked region in the training FC,
// scaled by that correlation) and nbrcopy_<set>_mse (copied unscaled).
func Baselines(w *Windows, fc mat.Symmetric, ratio, ratio90 float64, seed uint64) (train.Metrics, error) {
	out := train.Metrics{}
	for _, c := range []struct {
		set   string
		ratio float64
	}{{EvalTest, ratio}, {EvalTest + "90", ratio90}} {
		mask, err := RandomMask(w.N, w.S, c.ratio, seed)
		if err != nil {
			return nil, err
		}
		z, err := ZeroMSE(w, mask)
		if err != nil {
			return nil, err
		}
		sc, err := NeighbourMSE(w, mask, fc, Scaled)
		if err != nil {
			return nil, err
		}
		cp, err := NeighbourMSE(w, mask, fc, Copy)
		if err != nil {
			return nil, err
		}
		out["zero_"+c.set+"_mse"], out["nbr_"+c.set+"_mse"], out["nbrcopy_"+c.set+"_mse"] = z, sc, cp
	}
	return out, nil
}

// DataMetrics describes the training subjects' group FC as Reference sees
// a PE: SimilarityMetrics of the FC itself (fc_rsa omitted), with keys
// prefixed "data_".
func (r *Reference) DataMetrics() (train.Metrics, error) {
	m, err := r.SimilarityMetrics(r.FC, true)
	if err != nil {
		return nil, err
	}
	out := train.Metrics{}
	for k, v := range m {
		out["data_"+k] = v
	}
	return out, nil
}

// Analyzer computes Experiment 3's final metrics for each trained group (use
// its Analyze method as sweep.Options.Analyze):
//
//   - test90_mse: masked MSE on the held-out windows with TestMaskRatio of
//     the regions masked (masks from EvalSeed, the same for every model);
//   - the baselines (Baselines) and the FC's own network metrics
//     (DataMetrics), the same for every record, so that each record
//     carries what its numbers are compared with;
//   - for PEs with a table (learned, random, sin3d): PEMetrics.
type Analyzer struct {
	Task     *Task
	Protocol Protocol
	Ref      *Reference
	shared   train.Metrics // baselines and data metrics
}

// NewAnalyzer returns an Analyzer of task under protocol p; it computes the
// baselines and the FC's metrics once.
func NewAnalyzer(task *Task, p Protocol) (*Analyzer, error) {
	ref, err := NewReference(task.Data, p.Permutations, EvalSeed)
	if err != nil {
		return nil, err
	}
	base, err := Baselines(task.Test, task.Data.TrainFC, p.MaskRatio, p.TestMaskRatio, EvalSeed)
	if err != nil {
		return nil, err
	}
	dm, err := ref.DataMetrics()
	if err != nil {
		return nil, err
	}
	for k, v := range dm {
		base[k] = v
	}
	return &Analyzer{Task: task, Protocol: p, Ref: ref, shared: base}, nil
}

// Shared returns the metrics every record gets (baselines, data metrics).
func (a *Analyzer) Shared() train.Metrics {
	out := train.Metrics{}
	for k, v := range a.shared {
		out[k] = v
	}
	return out
}

func (a *Analyzer) eval(name string) (*train.Data, error) {
	for _, d := range a.Task.Evals {
		if d.Name == name {
			return d, nil
		}
	}
	return nil, fmt.Errorf("fmri: task has no evaluation set %q", name)
}

// Analyze implements sweep.Options.Analyze. The evaluation runs once for
// the whole group (an error there is the group's); the PE metrics are per
// model, and a model whose PE metrics fail gets its own error. A diverged
// model gets no PE metrics, which would describe a model that failed.
func (a *Analyzer) Analyze(run *train.Run, cells []sweep.Cell) ([]train.Metrics, []error, error) {
	test, err := a.eval(EvalTest)
	if err != nil {
		return nil, nil, err
	}
	hard, err := run.Evaluate(test, train.EvalOptions{MaskRatio: a.Protocol.TestMaskRatio, Seed: EvalSeed})
	if err != nil {
		return nil, nil, err
	}
	out := make([]train.Metrics, len(cells))
	errs := make([]error, len(cells))
	for m, c := range cells {
		ms := a.Shared()
		ms["test90_mse"] = hard[m]["mse"]
		out[m] = ms
		if run.Members()[m].Alive && c.Condition.PE.Additive() && c.Condition.PE.Kind != pe.None {
			if tab, shape, err := run.PETable(m); err == nil {
				pm, err := a.Ref.PEMetrics(tab, shape[0], shape[1], shape[2])
				if err != nil {
					errs[m] = fmt.Errorf("fmri: %s seed %d: %w", c.Condition.Name, c.Seed, err)
					continue
				}
				for k, v := range pm {
					ms[k] = v
				}
			}
		}
	}
	return out, errs, nil
}
