package analysis

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// planted returns two networks of 4 tokens: weight 1 within, b between.
func planted(b float64) (*mat.SymDense, []int) {
	w := mat.NewSymDense(8, nil)
	labels := []int{0, 0, 0, 0, 1, 1, 1, 1}
	for i := 0; i < 8; i++ {
		for j := i + 1; j < 8; j++ {
			if labels[i] == labels[j] {
				w.SetSym(i, j, 1)
			} else {
				w.SetSym(i, j, b)
			}
		}
		w.SetSym(i, i, 1) // the diagonal is ignored
	}
	return w, labels
}

func TestModularityKnown(t *testing.T) {
	// Two cliques of 3 (weight 1), no edges between: 2m = 12, each network
	// has 6 ordered within pairs and degree sum 6, so
	// Q = 2·(6/12 − (6/12)²) = 0.5.
	cliques := mat.NewSymDense(6, nil)
	for _, g := range [][]int{{0, 1, 2}, {3, 4, 5}} {
		for _, i := range g {
			for _, j := range g {
				if i != j {
					cliques.SetSym(i, j, 1)
				}
			}
		}
	}
	// Planted 4+4 with between weight 0.2: k_i = 3 + 0.8 = 3.8, 2m = 30.4,
	// within (ordered) = 24, degree sum per network 15.2, so
	// Q = 24/30.4 − 2·15.2²/30.4² = 0.78947… − 0.5 = 11/38.
	pos, labels := planted(0.2)
	// Signed, between weight −0.2: positive part Q⁺ = (24 − 2·12²/24)/24 = 0.5;
	// negative part v⁻ = 6.4, no within weight, degree sum 3.2 per network:
	// term (0 − 2·3.2²/6.4) = −3.2, so Q* = 0.5 + 3.2/(24 + 6.4) = 23/38.
	neg, _ := planted(-0.2)
	tests := []struct {
		name   string
		w      mat.Matrix
		labels []int
		signed bool
		want   float64
	}{
		{"two-cliques", cliques, []int{7, 7, 7, -1, -1, -1}, false, 0.5},
		{"planted-positive", pos, labels, false, 11.0 / 38},
		{"planted-positive-signed", pos, labels, true, 11.0 / 38},
		{"planted-signed", neg, labels, true, 23.0 / 38},
		{"one-network", pos, []int{0, 0, 0, 0, 0, 0, 0, 0}, false, 0},
	}
	for _, tc := range tests {
		var got float64
		var err error
		if tc.signed {
			got, err = SignedModularity(tc.w, tc.labels)
		} else {
			got, err = Modularity(tc.w, tc.labels)
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !near(got, tc.want, 1e-12) {
			t.Errorf("%s: Q = %.15g, want %.15g", tc.name, got, tc.want)
		}
	}
	// A partition that cuts across the planted one scores lower.
	mixed, _ := Modularity(pos, []int{0, 1, 0, 1, 0, 1, 0, 1})
	if mixed >= 0 {
		t.Errorf("crossing partition: Q = %g, want negative", mixed)
	}
}

func TestSegregationKnown(t *testing.T) {
	w, labels := planted(0.2)
	within, between, err := WithinBetween(w, labels)
	if err != nil || !near(within, 1, 1e-12) || !near(between, 0.2, 1e-12) {
		t.Errorf("WithinBetween: %v, %v, %v; want 1, 0.2", within, between, err)
	}
	seg, err := Segregation(w, labels)
	if err != nil || !near(seg, 0.8, 1e-12) {
		t.Errorf("Segregation: %v, %v; want 0.8", seg, err)
	}
	means, names, counts, err := NetworkMeans(w, []int{5, 5, 5, 5, 2, 2, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(2, 2, []float64{1, 0.2, 0.2, 1})
	if !matNear(means, want, 1e-12) || names[0] != 2 || names[1] != 5 || counts[0][0] != 12 || counts[0][1] != 16 {
		t.Errorf("NetworkMeans: %v %v %v", mat.Formatted(means), names, counts)
	}
}

func TestNetworkBadInput(t *testing.T) {
	pos, labels := planted(0.2)
	neg, _ := planted(-0.2)
	asym := mat.DenseCopyOf(pos)
	asym.Set(0, 5, 0.9)
	nan := mat.DenseCopyOf(pos)
	nan.Set(1, 1, math.NaN())
	tests := []struct {
		name   string
		fn     func(mat.Matrix, []int) (float64, error)
		w      mat.Matrix
		labels []int
		target error
	}{
		{"modularity-negative", Modularity, neg, labels, ErrInvalid},
		{"modularity-asymmetric", Modularity, asym, labels, ErrInvalid},
		{"modularity-labels", Modularity, pos, labels[:7], ErrShape},
		{"modularity-zero", Modularity, mat.NewSymDense(4, nil), []int{0, 0, 1, 1}, ErrConstant},
		{"modularity-nan", Modularity, nan, labels, ErrNonFinite},
		{"signed-all-negative", SignedModularity, negOnly(), []int{0, 0, 1, 1}, ErrConstant},
		{"signed-two-tokens", SignedModularity, mat.NewSymDense(2, nil), []int{0, 1}, ErrTooFew},
		{"segregation-one-network", Segregation, pos, make([]int, 8), ErrInvalid},
		{"segregation-singletons", Segregation, pos, []int{0, 1, 2, 3, 4, 5, 6, 7}, ErrInvalid},
		{"segregation-zero-within", Segregation, planted0(), labels, ErrConstant},
		{"segregation-labels", Segregation, pos, []int{1}, ErrShape},
	}
	for _, tc := range tests {
		_, err := tc.fn(tc.w, tc.labels)
		wantErr(t, tc.name, err, tc.target)
	}
}

func negOnly() *mat.SymDense {
	w := mat.NewSymDense(4, nil)
	w.SetSym(0, 1, -1)
	w.SetSym(2, 3, -1)
	return w
}

// planted0 has zero weight within networks and 1 between.
func planted0() *mat.SymDense {
	w, labels := planted(1)
	for i := 0; i < 8; i++ {
		for j := i; j < 8; j++ {
			if labels[i] == labels[j] {
				w.SetSym(i, j, 0)
			}
		}
	}
	return w
}
