package masked

import (
	"errors"
	"fmt"
	"maps"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
)

// Metric names of a PE's similarity against the data, beside the geometry
// metrics against the coordinates (GeometryMetrics:
// rsa, mantel_r, mantel_p, align_err, decode_r2, eff_dim, topk_explained,
// against the given coordinates).
const (
	// MetricFCRSA is the Spearman ρ between the PE's block-mean cosine
	// similarity and the training recordings' mean correlation matrix
	// (off-diagonal pairs), MetricFCP its one-sided Mantel p.
	MetricFCRSA = "fc_rsa"
	MetricFCP   = "fc_p"
	// MetricModQ is Newman's modularity of max(similarity, 0) under the
	// partition; MetricModZ and MetricModPct place it among random
	// relabellings that keep the network sizes (z-score, fraction below;
	// analysis.PartitionMetrics).
	MetricModQ   = analysis.MetricModQ
	MetricModZ   = analysis.MetricModZ
	MetricModPct = analysis.MetricModPct
	// MetricSeg is system segregation (within − between)/within of
	// max(similarity, 0) under the partition, with MetricSegZ and
	// MetricSegPct as for modularity.
	MetricSeg    = analysis.MetricSeg
	MetricSegZ   = analysis.MetricSegZ
	MetricSegPct = analysis.MetricSegPct
)

// NullSeed seeds the Mantel permutations of fc_rsa and the partition
// relabellings.
const NullSeed = 7

// Reference is what a PE's similarity is compared with besides the
// coordinates: the training recordings' correlation matrix FC, the
// partition (nil: none) and the number of permutations.
type Reference struct {
	FC           *mat.SymDense
	Partition    []int
	Permutations int
}

// SimilarityMetrics compares a token similarity matrix sim (S, S) with
// the reference: fc_rsa and fc_p (skipFC leaves them out, for FC itself),
// and with a partition mod_q, mod_z, mod_pct, seg, seg_z, seg_pct (see the
// Metric constants). A metric whose input is degenerate (all similarities
// ≤ 0, a constant matrix) is left out; other errors are returned.
func (r *Reference) SimilarityMetrics(sim mat.Symmetric, skipFC bool) (train.Metrics, error) {
	S := sim.SymmetricDim()
	if S != r.FC.SymmetricDim() {
		return nil, fmt.Errorf("masked: similarity of %d tokens, FC of %d", S, r.FC.SymmetricDim())
	}
	skip := func(err error) error {
		if errors.Is(err, analysis.ErrConstant) || errors.Is(err, analysis.ErrInvalid) {
			return nil
		}
		return err
	}
	out := train.Metrics{}
	if !skipFC {
		m, err := analysis.Mantel(sim, r.FC, analysis.MantelConfig{Method: analysis.Spearman, Permutations: r.Permutations, Seed: NullSeed, Tail: analysis.Greater})
		if err == nil {
			out[MetricFCRSA], out[MetricFCP] = m.R, m.P
		} else if err := skip(err); err != nil {
			return nil, fmt.Errorf("masked: PE vs FC: %w", err)
		}
	}
	if r.Partition == nil {
		return out, nil
	}
	pm, err := analysis.PartitionMetrics(sim, r.Partition, r.Permutations, NullSeed)
	if err != nil {
		return nil, fmt.Errorf("masked: %w", err)
	}
	maps.Copy(out, pm)
	return out, nil
}

// Similarity returns the block-mean cosine similarity (S, S) of a PE
// table of shape [L, S, D] (flat, row-major, as the sweep's "pe" artifact
// holds it).
func Similarity(table []float64, shape []int) (*mat.SymDense, error) {
	if len(shape) != 3 {
		return nil, fmt.Errorf("masked: PE table of shape %v, want [L, S, D]", shape)
	}
	sim, err := analysis.MeanBlockSimilarity(table, shape[0], shape[1], shape[2], analysis.Cosine)
	if err != nil {
		return nil, fmt.Errorf("masked: PE similarity: %w", err)
	}
	return sim, nil
}
