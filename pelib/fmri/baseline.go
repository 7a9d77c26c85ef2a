package fmri

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/pelab/pelab/pelib/masked"
	"gonum.org/v1/gonum/mat"
)

// A mask marks, for each window n and region s, whether the token is masked
// (hidden from the model and to be predicted): mask[n·S + s], shape [N, S].

// RandomMask returns a mask [N, S] with exactly round(frac·S) masked regions
// in every window, chosen uniformly and independently per window by a PCG
// generator seeded by seed. frac must be in (0, 1) and leave at least one
// region masked and one unmasked.
func RandomMask(n, s int, frac float64, seed uint64) ([]bool, error) {
	if n < 1 || s < 2 {
		return nil, fmt.Errorf("fmri: mask: %d windows × %d regions, want ≥ 1 × ≥ 2", n, s)
	}
	if !(frac > 0 && frac < 1) {
		return nil, fmt.Errorf("fmri: mask: fraction %v, want 0 < fraction < 1", frac)
	}
	k := int(math.Round(frac * float64(s)))
	if k < 1 || k >= s {
		return nil, fmt.Errorf("fmri: mask: fraction %v of %d regions masks %d, want 1 to %d", frac, s, k, s-1)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6a09e667f3bcc909))
	mask := make([]bool, n*s)
	perm := make([]int, s)
	for i := range n {
		for j := range perm {
			perm[j] = j
		}
		// Partial Fisher–Yates: the first k entries are a uniform k-subset.
		for j := range k {
			r := j + rng.IntN(s-j)
			perm[j], perm[r] = perm[r], perm[j]
			mask[i*s+perm[j]] = true
		}
	}
	return mask, nil
}

// MaskedMSE returns the mean squared error between prediction and target
// over the masked tokens only: Σ_{n,s masked} Σ_t (pred − x)² / (T · #masked).
// pred and w.X have shape [N, S, T]; mask has shape [N, S].
func MaskedMSE(w *masked.Windows, pred []float32, mask []bool) (float64, error) {
	if err := checkMask(w, mask); err != nil {
		return 0, err
	}
	if len(pred) != len(w.X) {
		return 0, fmt.Errorf("fmri: MSE: prediction has %d values, windows %d", len(pred), len(w.X))
	}
	var sum float64
	var cnt int
	for i, m := range mask {
		if !m {
			continue
		}
		base := i * w.T
		for t := range w.T {
			d := float64(pred[base+t]) - float64(w.X[base+t])
			sum += d * d
		}
		cnt += w.T
	}
	if cnt == 0 {
		return 0, errors.New("fmri: MSE: no masked tokens")
	}
	return sum / float64(cnt), nil
}

func checkMask(w *masked.Windows, mask []bool) error {
	if len(mask) != w.N*w.S {
		return fmt.Errorf("fmri: mask has %d entries, want N·S = %d·%d = %d", len(mask), w.N, w.S, w.N*w.S)
	}
	return nil
}

// ZeroMSE is the MSE of predicting 0 for every masked entry: the mean of x²
// over masked entries (about 1 for z-scored data).
func ZeroMSE(w *masked.Windows, mask []bool) (float64, error) {
	return MaskedMSE(w, make([]float32, len(w.X)), mask)
}

// NeighbourMode says how NeighbourPredict turns the best neighbour's window
// into a prediction.
type NeighbourMode int

const (
	// Scaled predicts x̂_i = r_ij · x_j: the least-squares prediction of a
	// standardised series from another standardised series with correlation
	// r_ij.
	Scaled NeighbourMode = iota
	// Copy predicts x̂_i = x_j.
	Copy
)

func (m NeighbourMode) String() string {
	switch m {
	case Scaled:
		return "scaled"
	case Copy:
		return "copy"
	}
	return fmt.Sprintf("NeighbourMode(%d)", int(m))
}

// NeighbourPredict predicts each masked token of each window from one
// unmasked token of the same window: for masked region i, j is the unmasked
// region with the largest fc[i, j] (signed, so anticorrelated regions are not
// chosen over positively correlated ones; ties go to the lower index), and
// the prediction is r_ij·x_j (Scaled) or x_j (Copy). fc should be estimated
// on training subjects only (GroupFC), so that nothing of the held-out
// subjects leaks into the predictor. Unmasked tokens are predicted as their
// own values (they do not enter MaskedMSE). Every window needs an unmasked
// region.
func NeighbourPredict(w *masked.Windows, mask []bool, fc mat.Symmetric, mode NeighbourMode) ([]float32, error) {
	if err := checkMask(w, mask); err != nil {
		return nil, err
	}
	if fc.SymmetricDim() != w.S {
		return nil, fmt.Errorf("fmri: neighbour baseline: FC is %d × %d, windows have %d regions", fc.SymmetricDim(), fc.SymmetricDim(), w.S)
	}
	if mode != Scaled && mode != Copy {
		return nil, fmt.Errorf("fmri: neighbour baseline: unknown mode %v", mode)
	}
	pred := make([]float32, len(w.X))
	copy(pred, w.X)
	for n := range w.N {
		m := mask[n*w.S : (n+1)*w.S]
		for i := range w.S {
			if !m[i] {
				continue
			}
			best, bestR := -1, math.Inf(-1)
			for j := range w.S {
				if m[j] {
					continue
				}
				if r := fc.At(i, j); r > bestR {
					best, bestR = j, r
				}
			}
			if best < 0 {
				return nil, fmt.Errorf("fmri: neighbour baseline: window %d has every region masked", n)
			}
			scale := float32(1)
			if mode == Scaled {
				scale = float32(bestR)
			}
			src := w.Token(n, best)
			dst := pred[(n*w.S+i)*w.T : (n*w.S+i+1)*w.T]
			for t := range src {
				dst[t] = scale * src[t]
			}
		}
	}
	return pred, nil
}

// NeighbourMSE is MaskedMSE of NeighbourPredict.
func NeighbourMSE(w *masked.Windows, mask []bool, fc mat.Symmetric, mode NeighbourMode) (float64, error) {
	pred, err := NeighbourPredict(w, mask, fc, mode)
	if err != nil {
		return 0, err
	}
	return MaskedMSE(w, pred, mask)
}
