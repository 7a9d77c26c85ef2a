package analysis

import (
	"errors"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// twoEdges is the weight matrix of two disconnected edges, 0–1 and 2–3.
func twoEdges() *mat.SymDense {
	w := mat.NewSymDense(4, nil)
	w.SetSym(0, 1, 1)
	w.SetSym(2, 3, 1)
	return w
}

// TestRelabelTestKnown checks RelabelTest against its closed form on two
// disconnected edges with labels 0011: Q = 0.5 (2m = 4, every degree 1:
// within 4 − expected (2² + 2²)/4 = 2, over 4). Of the 6 equally likely
// arrangements of 0011, the 2 that keep the pairs give Q = 0.5 and the 4
// that split them −0.5 (within 0 − 2, over 4). So the null is 0.5 with
// probability 1/3 and −0.5 with 2/3: mean −1/6, SD √2/3, Z = (0.5 + 1/6) /
// (√2/3) = √2 and Pct = 2/3.
func TestRelabelTestKnown(t *testing.T) {
	labels := []int{0, 0, 1, 1}
	res, err := RelabelTest(twoEdges(), labels, Modularity, 20000, newRNG(3))
	if err != nil {
		t.Fatal(err)
	}
	if !near(res.Value, 0.5, 1e-12) {
		t.Errorf("Q = %g, want 0.5", res.Value)
	}
	if !near(res.NullMean, -1.0/6, 0.02) || !near(res.NullSD, math.Sqrt2/3, 0.02) {
		t.Errorf("null mean %g, SD %g; want −1/6, √2/3 = %g", res.NullMean, res.NullSD, math.Sqrt2/3)
	}
	if !near(res.Z, math.Sqrt2, 0.05) || !near(res.Pct, 2.0/3, 0.02) {
		t.Errorf("Z %g, Pct %g; want √2, 2/3", res.Z, res.Pct)
	}
	if !slices.Equal(labels, []int{0, 0, 1, 1}) {
		t.Errorf("labels changed to %v", labels)
	}
	// The same rng seed gives the same result.
	again, err := RelabelTest(twoEdges(), labels, Modularity, 20000, newRNG(3))
	if err != nil || again != res {
		t.Errorf("same seed: %+v, %v; want %+v", again, err, res)
	}
	if _, err := RelabelTest(twoEdges(), labels, Modularity, 0, newRNG(3)); !errors.Is(err, ErrInvalid) {
		t.Errorf("0 permutations: err = %v, want ErrInvalid", err)
	}
	if _, err := RelabelTest(twoEdges(), labels, Modularity, 5, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil rng: err = %v, want ErrInvalid", err)
	}
}

// TestPartitionMetrics checks the named metrics on a complete graph (every
// relabelling of 0011 gives the same values, so the null has no spread:
// no z-scores, fractions 0), the degenerate case
// (no positive similarity: both statistics left out), and a relabelling
// whose statistic fails (two edges: a split partition has no
// within-network weight, so Segregation fails on it), which is an error.
func TestPartitionMetrics(t *testing.T) {
	labels := []int{0, 0, 1, 1}
	full := mat.NewSymDense(4, []float64{0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0})
	m, err := PartitionMetrics(full, labels, 50, 7)
	if err != nil {
		t.Fatal(err)
	}
	// Q = (within 4 − Σ_c deg_c² / 2m) / 2m with degrees 3, 2m = 12 and
	// deg_c = 6: (4 − 72/12)/12 = −1/6; segregation (1 − 1)/1 = 0.
	if !near(m[MetricModQ], -1.0/6, 1e-12) || m[MetricSeg] != 0 || m[MetricModPct] != 0 || m[MetricSegPct] != 0 {
		t.Errorf("complete graph: %v; want mod_q −1/6, seg 0, fractions 0", m)
	}
	if _, ok := m[MetricModZ]; ok {
		t.Errorf("complete graph: mod_z %g, want none (the null has no spread)", m[MetricModZ])
	}
	if _, ok := m[MetricSegZ]; ok {
		t.Errorf("complete graph: seg_z %g, want none", m[MetricSegZ])
	}
	neg := mat.NewSymDense(4, nil)
	for i := range 4 {
		for j := i + 1; j < 4; j++ {
			neg.SetSym(i, j, -1)
		}
	}
	if m, err := PartitionMetrics(neg, labels, 50, 7); err != nil || len(m) != 0 {
		t.Errorf("no positive similarity: %v, %v; want no metrics, no error", m, err)
	}
	if _, err := PartitionMetrics(twoEdges(), labels, 50, 7); !errors.Is(err, ErrConstant) {
		t.Errorf("failing relabelling: err = %v, want ErrConstant", err)
	}
	// PositivePart clips negative weights, keeps the rest.
	p := PositivePart(mat.NewSymDense(3, []float64{1, -2, 3, -2, 0, -1, 3, -1, 5}))
	if !mat.Equal(p, mat.NewSymDense(3, []float64{1, 0, 3, 0, 0, 0, 3, 0, 5})) {
		t.Errorf("PositivePart = %v", mat.Formatted(p))
	}
}
