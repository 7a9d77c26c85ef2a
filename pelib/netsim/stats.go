package netsim

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Stats summarises the activity of a set of runs of one network, to check
// that it is neither saturated nor flat and that it is spatially
// correlated.
type Stats struct {
	// Mean and SD are the mean of x and the mean over nodes and runs of
	// each node's standard deviation over time.
	Mean, SD float64
	// Drive is the mean of φ(g·W·x + s·x + I) over recorded points, and
	// Linear the fraction of those values in [0.05, 0.95], i.e. off the
	// sigmoid's flat tails. Pulses are left out of I here.
	Drive, Linear float64
	// Gain is the mean of φ'(·)·g over recorded points: the loop gain of
	// the coupling (below 1 on average for a stable, not bistable, state).
	Gain float64
	// AutoCorr is the mean lag-1 autocorrelation (one recorded step).
	AutoCorr float64
	// NearCorr is the mean correlation between each node and its nearest
	// neighbours (all nodes at its smallest distance), FarCorr the mean
	// over pairs farther apart than the 75th percentile of distances.
	NearCorr, FarCorr float64
	// DistCorr is the Pearson correlation, across node pairs, between the
	// distance and the run-averaged activity correlation (negative when
	// near nodes are more alike).
	DistCorr float64
}

// Describe computes Stats for runs of n.
func (n *Network) Describe(runs []*Run) (Stats, error) {
	if len(runs) == 0 {
		return Stats{}, fmt.Errorf("netsim: describe: no runs")
	}
	S := n.Nodes()
	corr, err := MeanCorrelation(runs)
	if err != nil {
		return Stats{}, err
	}
	if r, _ := corr.Dims(); r != S {
		return Stats{}, fmt.Errorf("netsim: describe: runs have %d nodes, the network %d", r, S)
	}
	var st Stats
	theta := n.cfg.Dynamics.Theta
	g := n.cfg.Coupling.G
	u := make([]float64, S)
	x := make([]float64, S)
	var count, sdCount, acCount float64
	for _, r := range runs {
		for s := 0; s < S; s++ {
			ser := r.Series(s)
			mean, sd := stat.MeanStdDev(ser, nil)
			st.Mean += mean * float64(len(ser))
			if len(ser) > 1 {
				st.SD += sd
				sdCount++
			}
			if len(ser) > 2 && sd > 0 {
				st.AutoCorr += stat.Correlation(ser[:len(ser)-1], ser[1:], nil)
				acCount++
			}
		}
		for t := 0; t < r.L; t++ {
			for s := range x {
				x[s] = r.X[s*r.L+t]
			}
			n.op.mulVec(u, x)
			for s := range u {
				p := sigmoid(u[s]+n.bias[s], theta)
				st.Drive += p
				if p >= 0.05 && p <= 0.95 {
					st.Linear++
				}
				st.Gain += g * p * (1 - p)
			}
		}
		count += float64(S * r.L)
	}
	st.Mean /= count
	st.Drive /= count
	st.Linear /= count
	st.Gain /= count
	st.SD /= math.Max(sdCount, 1)
	st.AutoCorr /= math.Max(acCount, 1)

	// Near and far pairs.
	var dists []float64
	for i := 0; i < S; i++ {
		for j := i + 1; j < S; j++ {
			dists = append(dists, n.dist.At(i, j))
		}
	}
	sorted := append([]float64(nil), dists...)
	sort.Float64s(sorted)
	far := stat.Quantile(0.75, stat.Empirical, sorted, nil)
	var near, nearN, farSum, farN float64
	for i := 0; i < S; i++ {
		nearest := math.Inf(1)
		for j := 0; j < S; j++ {
			if j != i {
				nearest = math.Min(nearest, n.dist.At(i, j))
			}
		}
		for j := 0; j < S; j++ {
			if j == i {
				continue
			}
			d := n.dist.At(i, j)
			if d <= nearest*(1+1e-9) {
				near += corr.At(i, j)
				nearN++
			}
			if j > i && d > far {
				farSum += corr.At(i, j)
				farN++
			}
		}
	}
	st.NearCorr = near / math.Max(nearN, 1)
	st.FarCorr = farSum / math.Max(farN, 1)
	cs := make([]float64, 0, len(dists))
	for i := 0; i < S; i++ {
		for j := i + 1; j < S; j++ {
			cs = append(cs, corr.At(i, j))
		}
	}
	if floats.Max(dists) > floats.Min(dists) {
		st.DistCorr = stat.Correlation(dists, cs, nil)
	}
	return st, nil
}

// MeanCorrelation returns the Pearson correlation matrix of the nodes'
// activity over time, [S, S], averaged over runs. A node that is constant
// in a run makes its correlations undefined: that is an error.
func MeanCorrelation(runs []*Run) (*mat.SymDense, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("netsim: correlation: no runs")
	}
	S, L := runs[0].S, runs[0].L
	if L < 2 {
		return nil, fmt.Errorf("netsim: correlation: runs have %d recorded points, want ≥ 2", L)
	}
	sum := mat.NewSymDense(S, nil)
	obs := mat.NewDense(L, S, nil) // [t, s]
	var c mat.SymDense
	for k, r := range runs {
		if r.S != S || r.L != L {
			return nil, fmt.Errorf("netsim: correlation: run %d is [%d, %d], run 0 is [%d, %d]", k, r.S, r.L, S, L)
		}
		for s := 0; s < S; s++ {
			ser := r.Series(s)
			if floats.Max(ser) == floats.Min(ser) {
				return nil, fmt.Errorf("netsim: correlation: node %d of run %d (seed %d) is constant", s, k, r.Seed)
			}
			for t, v := range ser {
				obs.Set(t, s, v)
			}
		}
		stat.CorrelationMatrix(&c, obs, nil)
		sum.AddSym(sum, &c)
	}
	sum.ScaleSym(1/float64(len(runs)), sum)
	return sum, nil
}
