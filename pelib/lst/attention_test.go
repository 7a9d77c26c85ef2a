package lst

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// TestAttentionSimilarity saves attention maps for a 2d-fixed model and two
// learned ones, one of another seed, and checks attn_sim against the cosine
// of the maps (known: a map a and its copy scaled by 2 have cosine 1; maps
// with disjoint supports have cosine 0).
func TestAttentionSimilarity(t *testing.T) {
	st := &results.Store{Dir: t.TempDir()}
	cfg := func(width int) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"protocol": "quick", "epochs": 10, "model": map[string]any{"Width": width}})
		return b
	}
	const L, H, S = 2, 1, 4
	diag := make([]float64, L*H*S*S) // attention on the diagonal
	off := make([]float64, L*H*S*S)  // attention one token to the right
	for l := range L {
		for i := range S {
			diag[l*S*S+i*S+i] = 1
			off[l*S*S+i*S+(i+1)%S] = 1
		}
	}
	double := make([]float64, len(diag))
	for i, v := range diag {
		double[i] = 2 * v
	}
	recs := []results.Record{
		{ID: "ref1", Experiment: "lst", Condition: "2d-fixed", Seed: 1, Config: cfg(32), Status: results.StatusOK},
		{ID: "a", Experiment: "lst", Condition: "learn-0.1", Seed: 1, Config: cfg(32), Status: results.StatusOK},
		{ID: "b", Experiment: "lst", Condition: "learn-2", Seed: 1, Config: cfg(32), Status: results.StatusOK},
		{ID: "c", Experiment: "lst", Condition: "learn-2", Seed: 2, Config: cfg(32), Status: results.StatusOK},                                             // no reference of seed 2
		{ID: "d", Experiment: "lst", Condition: "learn-1", Seed: 1, Config: cfg(16), Status: results.StatusOK},                                             // another width
		{ID: "e", Experiment: "lst", Condition: "learn-1", Seed: 1, Config: cfg(32), Status: results.StatusOK, Final: map[string]float64{"attn_sim": 0.5}}, // kept
	}
	for id, maps := range map[string][]float64{"ref1": diag, "a": double, "b": off, "c": diag, "d": diag, "e": off} {
		if err := sweep.WriteArtifact(st, id, "attn", maps, L, H, S, S); err != nil {
			t.Fatal(err)
		}
	}
	n, err := AttentionSimilarity(st, recs)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 { // ref1 itself, a, b
		t.Errorf("set %d records, want 3", n)
	}
	want := map[string]float64{"ref1": 1, "a": 1, "b": 0, "e": 0.5}
	for _, r := range recs {
		w, ok := want[r.ID]
		got, has := r.Final["attn_sim"]
		switch {
		case ok && (!has || math.Abs(got-w) > 1e-12):
			t.Errorf("%s: attn_sim %v (set %v), want %v", r.ID, got, has, w)
		case !ok && has:
			t.Errorf("%s: attn_sim %v, want none (no matching 2d-fixed model)", r.ID, got)
		}
	}
}
