package netsim

import (
	"fmt"

	"gonum.org/v1/gonum/stat"
)

// ZScore selects how the activity is standardised before it becomes
// token features.
type ZScore int

const (
	// ZRunNode standardises each node's whole recorded series of each run,
	// (x − mean)/sd over its L points (sd with the n−1 divisor), before the
	// windows are cut, as region time series are standardised per scan in
	// fMRI. Windows keep their level and scale relative to the run.
	ZRunNode ZScore = iota
	// ZWindow standardises each token's window on its own over its T
	// points: only the shape of the window is left.
	ZWindow
	// ZNone leaves the activity as simulated.
	ZNone
)

func (z ZScore) String() string {
	switch z {
	case ZRunNode:
		return "run-node"
	case ZWindow:
		return "window"
	case ZNone:
		return "none"
	}
	return fmt.Sprintf("ZScore(%d)", int(z))
}

// Windows says how runs become samples: each run's recorded activity
// [S, L] is cut into windows of T consecutive points starting every Stride
// points, and each window becomes one sample [S, T] whose tokens are the
// nodes and whose token features are the node's T values.
type Windows struct {
	T int
	// Stride is the distance between window starts; 0 means T
	// (non-overlapping windows).
	Stride int
	ZScore ZScore
}

// Dataset is task data for the model: N samples of S tokens with T
// features, and where each sample came from.
type Dataset struct {
	// X holds the samples, [N, S, T] row-major float32: X[(n·S + s)·T + t]
	// is node s at point t of sample n's window.
	X       []float32
	N, S, T int
	// Run is, per sample, the index in Seeds of the run it was cut from,
	// and Start the first recorded point of its window; both [N].
	Run   []int
	Start []int
	// Seeds are the run seeds, [R], in run order.
	Seeds []uint64
	// G is the global coupling the runs were simulated with.
	G float64
}

// Sample returns sample i, [S, T] (a view into X).
func (d *Dataset) Sample(i int) []float32 {
	n := d.S * d.T
	return d.X[i*n : (i+1)*n : (i+1)*n]
}

func (w Windows) validate(L int) (stride int, err error) {
	if w.T < 1 {
		return 0, fmt.Errorf("netsim: windows: T = %d points, want ≥ 1", w.T)
	}
	if w.T > L {
		return 0, fmt.Errorf("netsim: windows: T = %d points is longer than the run's %d recorded points (Dynamics.Record)", w.T, L)
	}
	if w.Stride < 0 {
		return 0, fmt.Errorf("netsim: windows: Stride = %d, want ≥ 0 (0: Stride = T)", w.Stride)
	}
	switch w.ZScore {
	case ZRunNode:
		if L < 2 {
			return 0, fmt.Errorf("netsim: windows: run-node z-scoring needs ≥ 2 recorded points, runs have %d", L)
		}
	case ZWindow:
		if w.T < 2 {
			return 0, fmt.Errorf("netsim: windows: window z-scoring needs T ≥ 2, got %d", w.T)
		}
	case ZNone:
	default:
		return 0, fmt.Errorf("netsim: windows: unknown ZScore %d", int(w.ZScore))
	}
	stride = w.Stride
	if stride == 0 {
		stride = w.T
	}
	return stride, nil
}

// Windows simulates one run per seed (on workers goroutines, ≤ 0 for
// GOMAXPROCS) and cuts the runs into samples. Samples are in run order,
// then window order; the result does not depend on workers.
func (n *Network) Windows(seeds []uint64, w Windows, workers int) (*Dataset, error) {
	if len(seeds) == 0 {
		return nil, fmt.Errorf("netsim: windows: no seeds")
	}
	L := n.cfg.Dynamics.Record
	stride, err := w.validate(L)
	if err != nil {
		return nil, err
	}
	S, T := n.Nodes(), w.T
	per := (L-T)/stride + 1
	N := len(seeds) * per
	d := &Dataset{
		X: make([]float32, N*S*T),
		N: N, S: S, T: T,
		Run:   make([]int, N),
		Start: make([]int, N),
		Seeds: append([]uint64(nil), seeds...),
		G:     n.cfg.Coupling.G,
	}
	for i := range N {
		d.Run[i] = i / per
		d.Start[i] = (i % per) * stride
	}
	err = n.forEachRun(seeds, workers, func(r int, x []float64) error {
		for s := 0; s < S; s++ {
			ser := x[s*L : (s+1)*L]
			mean, sd := 0.0, 1.0
			if w.ZScore == ZRunNode {
				mean, sd = stat.MeanStdDev(ser, nil)
				if !(sd > 0) {
					return fmt.Errorf("netsim: windows: node %d of run %d (seed %d) is constant: cannot z-score it (use ZNone, or add noise or input)", s, r, seeds[r])
				}
			}
			for k := range per {
				win := ser[k*stride : k*stride+T]
				m, sdw := mean, sd
				if w.ZScore == ZWindow {
					m, sdw = stat.MeanStdDev(win, nil)
					if !(sdw > 0) {
						return fmt.Errorf("netsim: windows: node %d of run %d (seed %d) is constant over window %d: cannot z-score it (use ZRunNode or ZNone)", s, r, seeds[r], k)
					}
				}
				dst := d.X[((r*per+k)*S+s)*T:][:T]
				for t, v := range win {
					dst[t] = float32((v - m) / sdw)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Split says which runs make the training and test sets.
type Split struct {
	// Seed is the base seed; the run seeds of each set are derived from it
	// (see SplitSeeds), so the test runs have new noise and new inputs.
	Seed uint64
	// Train and Test are the numbers of runs in each set (≥ 1).
	Train, Test int
	// TestG lists other global couplings g; for each, a further test set
	// is simulated from the same held-out seeds with only Coupling.G
	// changed (the input bias, for one, stays as configured).
	TestG []float64
	// Workers is the number of goroutines (≤ 0: GOMAXPROCS).
	Workers int
}

// Splits are the data sets of one experiment and the network behind them.
type Splits struct {
	// Net is the training network: its Coords and Dist are the ground
	// truth for analysis.
	Net   *Network
	Train *Dataset
	// Test holds held-out runs of the same network.
	Test *Dataset
	// TestG[k] holds the held-out runs at coupling Split.TestG[k].
	TestG []*Dataset
}

// Roles of SplitSeeds.
const (
	RoleTrain uint64 = 1
	RoleTest  uint64 = 2
)

// SplitSeeds returns n run seeds for a role (RoleTrain or RoleTest) from a
// base seed: seed i is a SplitMix64 hash of (base, role, i), so sets of
// different roles are disjoint in practice (BuildSplits checks it).
func SplitSeeds(base, role uint64, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = splitmix(splitmix(splitmix(base)^role) ^ uint64(i))
	}
	return out
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// BuildSplits builds the network of cfg and its training set, held-out
// test set, and one held-out test set per coupling in sp.TestG.
func BuildSplits(cfg Config, w Windows, sp Split) (*Splits, error) {
	if sp.Train < 1 || sp.Test < 1 {
		return nil, fmt.Errorf("netsim: split: Train = %d, Test = %d runs, want ≥ 1 each", sp.Train, sp.Test)
	}
	for k, g := range sp.TestG {
		if !finite(g) {
			return nil, fmt.Errorf("netsim: split: TestG[%d] = %g, want a finite coupling", k, g)
		}
	}
	net, err := New(cfg)
	if err != nil {
		return nil, err
	}
	trainSeeds := SplitSeeds(sp.Seed, RoleTrain, sp.Train)
	testSeeds := SplitSeeds(sp.Seed, RoleTest, sp.Test)
	used := make(map[uint64]bool, len(trainSeeds))
	for _, s := range trainSeeds {
		used[s] = true
	}
	for _, s := range testSeeds {
		if used[s] {
			return nil, fmt.Errorf("netsim: split: base seed %d gives test seed %d that is also a training seed; choose another Seed", sp.Seed, s)
		}
	}
	out := &Splits{Net: net}
	if out.Train, err = net.Windows(trainSeeds, w, sp.Workers); err != nil {
		return nil, fmt.Errorf("netsim: split: training set: %w", err)
	}
	if out.Test, err = net.Windows(testSeeds, w, sp.Workers); err != nil {
		return nil, fmt.Errorf("netsim: split: test set: %w", err)
	}
	for _, g := range sp.TestG {
		c := cfg
		c.Coupling.G = g
		gnet, err := New(c)
		if err != nil {
			return nil, fmt.Errorf("netsim: split: test set at g = %g: %w", g, err)
		}
		d, err := gnet.Windows(testSeeds, w, sp.Workers)
		if err != nil {
			return nil, fmt.Errorf("netsim: split: test set at g = %g: %w", g, err)
		}
		out.TestG = append(out.TestG, d)
	}
	return out, nil
}
