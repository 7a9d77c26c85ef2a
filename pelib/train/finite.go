package train

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
)

// freezeNonFinite marks as diverged (Alive = false, with the reason in
// Stopped) every model whose initial parameters hold a NaN or ±Inf — e.g. a
// learned PE whose σ = 1e39 overflows float32. Such a model could never
// train; without this check it would only be frozen at its first step, with
// a misleading "loss became NaN/Inf at step 0", and its analysis would meet
// the infinite table. The other models of the group are untouched.
func (r *Run) freezeNonFinite() {
	for i, t := range r.params {
		bad := nonFiniteMembers(t, r.M)
		for m, v := range bad {
			if !r.members[m].Alive {
				continue
			}
			r.members[m].Alive = false
			r.members[m].Stopped = fmt.Sprintf("initial parameter %s has non-finite values such as %v (a σ or scale beyond the range of %s?); model frozen before training, the others go on",
				r.specs[i].Name, math.Abs(v), strings.ToLower(r.cfg.Model.DType.String()))
			r.logf("model %d (%s, seed %d): %s\n", m, r.members[m].Label, r.members[m].Seed, r.members[m].Stopped)
		}
	}
}

// nonFiniteMembers returns, for each model of the [M, …] tensor t with a
// NaN or ±Inf value, its first such value.
func nonFiniteMembers(t *tensors.Tensor, M int) map[int]float64 {
	out := map[int]float64{}
	check := func(n int, at func(int) float64) {
		if n == 0 || n%M != 0 {
			return
		}
		per := n / M
		for i := range n {
			if v := at(i); math.IsNaN(v) || math.IsInf(v, 0) {
				if _, seen := out[i/per]; !seen {
					out[i/per] = v
				}
			}
		}
	}
	_ = t.ConstFlatData(func(flat any) {
		switch v := flat.(type) {
		case []float32:
			check(len(v), func(i int) float64 { return float64(v[i]) })
		case []float64:
			check(len(v), func(i int) float64 { return v[i] })
		}
	})
	return out
}
