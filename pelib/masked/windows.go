package masked

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// ZScore returns a copy of the regions × time matrix with each region (row)
// standardised, z = (x − μ)/σ with μ the row mean and σ the population
// standard deviation (divisor T), so every row has mean 0 and mean square 1.
// A constant region (σ = 0) is an error.
func ZScore(data mat.Matrix) (*mat.Dense, error) {
	r, t := data.Dims()
	if t < 2 {
		return nil, fmt.Errorf("masked: z-score: %d time points, want at least 2", t)
	}
	out := mat.DenseCopyOf(data)
	for i := range r {
		row := out.RawRowView(i)
		mu, sd := stat.PopMeanStdDev(row, nil)
		if !(sd > 0) || math.IsInf(sd, 0) {
			return nil, fmt.Errorf("masked: z-score: region %d has standard deviation %v (constant or non-finite time series)", i, sd)
		}
		for j := range row {
			row[j] = (row[j] - mu) / sd
		}
	}
	return out, nil
}

// Windows holds token arrays cut from time series: X[n, s, t] =
// X[(n·S + s)·T + t] is time point Start[n]+t of region s in the series
// Source[n] (an index into the series given to MakeWindows).
type Windows struct {
	X       []float32
	N, S, T int
	Source  []int
	Start   []int
}

// At returns X[n, s, t].
func (w *Windows) At(n, s, t int) float32 { return w.X[(n*w.S+s)*w.T+t] }

// Token returns the T features of token s in window n (a view into X).
func (w *Windows) Token(n, s int) []float32 {
	i := (n*w.S + s) * w.T
	return w.X[i : i+w.T : i+w.T]
}

// MakeWindows cuts each regions × time matrix into windows of T consecutive
// time points, starting at 0, stride, 2·stride, … while the window fits; the
// last < T leftover points of a series are dropped. stride = T gives
// non-overlapping windows (the default when stride is 0); stride < T
// overlaps consecutive windows by T − stride points, so overlapping windows
// from one subject are not independent samples. Windows are ordered by series,
// then by start. Every series must have the same number of regions S; the
// result is X[N, S, T] as float32.
func MakeWindows(series []*mat.Dense, T, stride int) (*Windows, error) {
	if T < 1 {
		return nil, fmt.Errorf("masked: window length T = %d, want ≥ 1", T)
	}
	if stride == 0 {
		stride = T
	}
	if stride < 1 {
		return nil, fmt.Errorf("masked: window stride %d, want ≥ 1", stride)
	}
	if len(series) == 0 {
		return nil, errors.New("masked: windows: no series")
	}
	S, _ := series[0].Dims()
	w := &Windows{S: S, T: T}
	for si, d := range series {
		r, nt := d.Dims()
		if r != S {
			return nil, fmt.Errorf("masked: windows: series %d has %d regions, series 0 has %d", si, r, S)
		}
		if nt < T {
			return nil, fmt.Errorf("masked: windows: series %d has %d time points, fewer than T = %d", si, nt, T)
		}
		for start := 0; start <= nt-T; start += min(stride, nt) { // min: a huge stride must not overflow start
			for s := range S {
				for t := range T {
					w.X = append(w.X, float32(d.At(s, start+t)))
				}
			}
			w.Source = append(w.Source, si)
			w.Start = append(w.Start, start)
			w.N++
		}
	}
	return w, nil
}

// SplitSubjects splits subjects into train and test sets by subject, never by
// window, so no subject is in both. The nTest test subjects are drawn
// uniformly with a PCG generator seeded by seed from the sorted subject list,
// so the split depends on the set of subjects and the seed, not on their
// order. Both results are sorted.
func SplitSubjects(subjects []string, nTest int, seed uint64) (train, test []string, err error) {
	ids := slices.Clone(subjects)
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return nil, nil, fmt.Errorf("masked: split: subject %s listed twice", ids[i])
		}
	}
	if nTest < 1 || nTest >= len(ids) {
		return nil, nil, fmt.Errorf("masked: split: %d test subjects of %d, want 1 to %d", nTest, len(ids), len(ids)-1)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	test = slices.Clone(ids[:nTest])
	train = slices.Clone(ids[nTest:])
	slices.Sort(test)
	slices.Sort(train)
	return train, test, nil
}

// FC returns the functional connectivity of a regions × time matrix: the
// Pearson correlation FC[i, j] of the time series of regions i and j,
// shape [S, S] with ones on the diagonal.
func FC(data mat.Matrix) *mat.SymDense {
	r, _ := data.Dims()
	fc := mat.NewSymDense(r, nil)
	stat.CorrelationMatrix(fc, data.T(), nil)
	return fc
}

// GroupFC returns the mean over subjects of their FC matrices (an average of
// correlations, not of Fisher-z values). All series must have the same number
// of regions.
func GroupFC(series []*mat.Dense) (*mat.SymDense, error) {
	if len(series) == 0 {
		return nil, errors.New("masked: group FC: no series")
	}
	S, _ := series[0].Dims()
	sum := mat.NewSymDense(S, nil)
	for i, d := range series {
		if r, _ := d.Dims(); r != S {
			return nil, fmt.Errorf("masked: group FC: series %d has %d regions, series 0 has %d", i, r, S)
		}
		sum.AddSym(sum, FC(d))
	}
	sum.ScaleSym(1/float64(len(series)), sum)
	return sum, nil
}
