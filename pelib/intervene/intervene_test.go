package intervene

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/train"
	"gonum.org/v1/gonum/mat"
)

// positionTask needs the PE: 6 tokens of 3 features, and the label is the
// argmax feature of token 0, read out at token 5 — a model that cannot tell
// token 0 from the others is at chance (1/3).
func positionTask(n int, seed uint64) *train.Data {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &train.Data{Name: "position", N: n, S: 6, F: 3, X: make([]float32, n*18), Labels: make([]int32, n)}
	for i := range n {
		for j := range 18 {
			d.X[i*18+j] = float32(r.NormFloat64())
		}
		best := 0
		for f := 1; f < 3; f++ {
			if d.X[i*18+f] > d.X[i*18+best] {
				best = f
			}
		}
		d.Labels[i] = int32(best)
	}
	return d
}

func trained(t *testing.T) *train.Run {
	t.Helper()
	be := testbackend.Get(t)
	spec, err := pe.Parse("learn:0.5")
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.Config{
		Model: model.Config{Tokens: 6, Features: 3, Width: 16, Blocks: 2, Heads: 2, MLPRatio: 2, Outputs: 3,
			Readout: model.ReadoutToken, ReadoutToken: 5, GELUAfterMLP: true, LNEps: 1e-5, PE: spec,
			Layout: pe.Grid(2, 3), DType: dtypes.Float32},
		Optimizer: train.Optimizer{Kind: "adam", LR: 1e-2}, BatchSize: 32, Epochs: 40,
	}
	members := []train.MemberState{{Member: model.Member{Seed: 1, PE: spec}, Label: "a"}, {Member: model.Member{Seed: 2, PE: spec}, Label: "b"}}
	r, err := train.New(be, cfg, members, positionTask(512, 3))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestInterventions trains two small models whose task needs position and
// checks: intact equals a plain evaluation and the parameters are restored;
// removing or permuting the PE costs accuracy; the per-draw spread is
// reported within the accuracy's bounds; each model is also evaluated with
// the other condition's table (swap) and not with its own.
func TestInterventions(t *testing.T) {
	run := trained(t)
	defer run.Close()
	held := positionTask(300, 9)
	before, err := run.Evaluate(held, train.EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := Evaluate(run, Options{Data: held, Permutations: 8, Partition: []int{0, 0, 0, 1, 1, 1}, Seed: 5, Swap: true})
	if err != nil {
		t.Fatal(err)
	}
	after, err := run.Evaluate(held, train.EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for m := range ms {
		if ms[m]["iv_intact_acc"] != before[m]["acc"] || after[m]["acc"] != before[m]["acc"] {
			t.Errorf("model %d: intact %v, before %v, after %v: want all equal (parameters restored)",
				m, ms[m]["iv_intact_acc"], before[m]["acc"], after[m]["acc"])
		}
		if before[m]["acc"] < 0.6 {
			t.Fatalf("model %d learned only %.2f accuracy: the test needs a model that uses position", m, before[m]["acc"])
		}
		for _, k := range []string{"iv_dremoved_acc", "iv_dperm_acc", "iv_dacross_acc"} {
			if !(ms[m][k] < -0.1) {
				t.Errorf("model %d: %s = %v, want a clear loss of accuracy (< −0.1)", m, k, ms[m][k])
			}
		}
		lo, hi := ms[m]["iv_perm_acc_lo"], ms[m]["iv_perm_acc_hi"]
		if !(0 <= lo && lo <= ms[m]["iv_perm_acc"] && ms[m]["iv_perm_acc"] <= hi && hi <= 1) {
			t.Errorf("model %d: perm accuracy %v outside its draws' range [%v, %v] or [0, 1]", m, ms[m]["iv_perm_acc"], lo, hi)
		}
		if _, ok := ms[m]["iv_within_acc"]; !ok {
			t.Errorf("model %d: no within-network result", m)
		}
		own, other := []string{"a", "b"}[m], []string{"b", "a"}[m]
		if v, ok := ms[m]["iv_swap_"+other+"_acc"]; !ok || v < 0 || v > 1 {
			t.Errorf("model %d: swap with %s: %v, %v; want an accuracy", m, other, v, ok)
		}
		if _, ok := ms[m]["iv_swap_"+own+"_acc"]; ok {
			t.Errorf("model %d: a swap with its own condition %s is reported", m, own)
		}
	}
}

// TestPermutations checks the three permutation kinds on a partition.
func TestPermutations(t *testing.T) {
	part := []int{2, 0, 0, 1, 2, 1, 0, 2, 1, 1}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		w := withinPerm(rng, part)
		a, err := acrossPerm(rng, part)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range [][]int{w, a} {
			s := slices.Clone(p)
			slices.Sort(s)
			for i, v := range s {
				if v != i {
					t.Fatalf("%v is not a permutation", p)
				}
			}
		}
		for s := range part {
			if part[w[s]] != part[s] {
				t.Errorf("within: token %d (network %d) gets token %d (network %d)", s, part[s], w[s], part[w[s]])
			}
			if part[a[s]] == part[s] {
				t.Errorf("across: token %d stays in network %d", s, part[s])
			}
		}
	}
	// The draws are a function of the seed alone (Go's map order is random:
	// a permutation built by ranging over a map would differ between calls).
	for range 20 {
		a := withinPerm(rand.New(rand.NewPCG(7, 7)), part)
		b := withinPerm(rand.New(rand.NewPCG(7, 7)), part)
		if !slices.Equal(a, b) {
			t.Fatalf("withinPerm with one seed gave %v and %v", a, b)
		}
	}
	if _, err := acrossPerm(rng, []int{0, 0, 0, 1}); err == nil {
		t.Error("a network of 3 of 4 tokens: want an error")
	}
	// permuteRows moves whole rows of every block.
	tab := []float64{0, 1, 2, 3, 10, 11, 12, 13} // [2, 2, 2]
	if got := permuteRows(tab, 2, 2, 2, []int{1, 0}); !slices.Equal(got, []float64{2, 3, 0, 1, 12, 13, 10, 11}) {
		t.Errorf("permuteRows = %v", got)
	}
}

// TestOracleTable checks the oracle on a known answer: a block that is a
// rotated, scaled copy of G is replaced by itself.
func TestOracleTable(t *testing.T) {
	S, D := 5, 4
	rng := rand.New(rand.NewPCG(7, 8))
	g := mat.NewDense(S, D, nil)
	for i := range S {
		for j := range D {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var q mat.QR
	a := mat.NewDense(D, D, nil)
	for i := range D {
		for j := range D {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	q.Factorize(a)
	var Q, p mat.Dense
	q.QTo(&Q)
	p.Mul(g, &Q)
	p.Scale(3, &p)
	got, err := oracleTable(p.RawMatrix().Data, 1, S, D, g)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range p.RawMatrix().Data {
		if math.Abs(got[i]-v) > 1e-9 {
			t.Fatalf("oracle of 3·G·Q differs from it at %d: %v vs %v", i, got[i], v)
		}
	}
}
