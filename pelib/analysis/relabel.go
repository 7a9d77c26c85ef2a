package analysis

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// RelabelResult is a partition statistic with its null distribution over
// random relabellings of the tokens (see RelabelTest).
type RelabelResult struct {
	Value float64 // the statistic of the given labels
	// NullMean and NullSD are the mean and sample standard deviation
	// (divisor N−1) of the statistic over the relabellings.
	NullMean, NullSD float64
	// Z is (Value − NullMean) / NullSD; 0 when NullSD is 0 (every
	// relabelling gave the same value, so no z-score exists).
	Z float64
	// Pct is the fraction of relabellings whose statistic is strictly
	// below Value.
	Pct float64
}

// RelabelTest places statistic(w, labels) — for example Modularity or
// Segregation — among its values on N = permutations random relabellings
// of the tokens:
//
//	q = statistic(w, c),  q_k = statistic(w, π_k(c)),  k = 1 … N,
//	Z = (q − mean_k q_k) / SD_k(q_k),  Pct = #{k : q_k < q} / N,
//
// where π_k(c) shuffles the labels (rng.Shuffle) and each shuffle permutes
// the previous one's result; SD has divisor N − 1. A relabelling keeps
// every network's size, so the null asks whether the given partition
// groups the weights better than an arbitrary one of the same sizes.
//
// Preconditions: permutations ≥ 1 and rng non-nil (else ErrInvalid); w and
// labels as statistic requires. An error of statistic on the given labels
// is returned as it is (wrapped) before rng is used, so that a caller may
// skip a degenerate statistic (errors.Is ErrConstant) without changing the
// random stream of the next one; an error on a relabelling is returned
// too. labels is not modified.
func RelabelTest(w mat.Matrix, labels []int, statistic func(mat.Matrix, []int) (float64, error), permutations int, rng *rand.Rand) (RelabelResult, error) {
	const fn = "RelabelTest"
	var res RelabelResult
	if permutations < 1 || rng == nil {
		return res, fmt.Errorf("analysis: %s: %d permutations (want ≥ 1), rng %v: %w", fn, permutations, rng != nil, ErrInvalid)
	}
	v, err := statistic(w, labels)
	if err != nil {
		return res, fmt.Errorf("analysis: %s: %w", fn, err)
	}
	res.Value = v
	null := make([]float64, permutations)
	shuffled := append([]int(nil), labels...)
	below := 0
	for k := range null {
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if null[k], err = statistic(w, shuffled); err != nil {
			return res, fmt.Errorf("analysis: %s: relabelling %d: %w", fn, k+1, err)
		}
		if null[k] < v {
			below++
		}
	}
	res.NullMean, res.NullSD = stat.MeanStdDev(null, nil)
	if res.NullSD > 0 {
		res.Z = (v - res.NullMean) / res.NullSD
	}
	res.Pct = float64(below) / float64(permutations)
	return res, nil
}

// PositivePart returns the symmetric matrix max(w_ij, 0) (diagonal
// included): the non-negative weights Modularity and, after Chan et al.,
// Segregation take from a similarity matrix.
func PositivePart(w mat.Symmetric) *mat.SymDense {
	n := w.SymmetricDim()
	pos := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			pos.SetSym(i, j, max(w.At(i, j), 0))
		}
	}
	return pos
}

// Partition metric names of PartitionMetrics.
const (
	MetricModQ   = "mod_q"   // Modularity of max(sim, 0)
	MetricModZ   = "mod_z"   // its RelabelTest Z (absent when the null has no spread)
	MetricModPct = "mod_pct" // its RelabelTest Pct
	MetricSeg    = "seg"     // Segregation of max(sim, 0)
	MetricSegZ   = "seg_z"
	MetricSegPct = "seg_pct"
)

// relabelStream is the second word of the PCG state of PartitionMetrics'
// relabellings ("mod").
const relabelStream = 0x6d6f64

// PartitionMetrics returns how well a partition of the tokens into
// networks groups a token similarity matrix sim (S, S): Newman's
// Modularity and system Segregation of its positive part
// (PositivePart), each with its RelabelTest against permutations
// relabellings, by name (MetricModQ, MetricModZ, MetricModPct, MetricSeg,
// MetricSegZ, MetricSegPct). Both tests draw from one stream,
// rand.NewPCG(seed, 0x6d6f64), modularity first. A statistic that is
// degenerate on the given labels (ErrConstant or ErrInvalid: no positive
// similarity, no within-network weight) is left out, with its z-score and
// fraction; every other error, and any error on a relabelling, is
// returned. Preconditions: labels of length S, permutations ≥ 1.
func PartitionMetrics(sim mat.Symmetric, labels []int, permutations int, seed uint64) (map[string]float64, error) {
	pos := PositivePart(sim)
	rng := rand.New(rand.NewPCG(seed, relabelStream))
	out := map[string]float64{}
	for _, m := range []struct {
		q, z, pct string
		fn        func(mat.Matrix, []int) (float64, error)
	}{{MetricModQ, MetricModZ, MetricModPct, Modularity}, {MetricSeg, MetricSegZ, MetricSegPct, Segregation}} {
		if _, err := m.fn(pos, labels); errors.Is(err, ErrConstant) || errors.Is(err, ErrInvalid) {
			continue // degenerate on the given labels: left out (a relabelling's error is not)
		}
		res, err := RelabelTest(pos, labels, m.fn, permutations, rng)
		if err != nil {
			return nil, fmt.Errorf("analysis: PartitionMetrics: %s: %w", m.q, err)
		}
		out[m.q] = res.Value
		if res.NullSD > 0 {
			out[m.z] = res.Z
		}
		out[m.pct] = res.Pct
	}
	return out, nil
}
