package netsim

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

func smallConfig() Config {
	cfg := DefaultConfig()
	cfg.Layout = Grid2D(4, 4)
	cfg.Dynamics.BurnIn, cfg.Dynamics.Record = 50, 40
	return cfg
}

func TestWindows(t *testing.T) {
	cfg := smallConfig()
	net, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	seeds := []uint64{3, 1, 4, 1, 5}
	runs, err := net.SimulateMany(seeds, 1)
	if err != nil {
		t.Fatal(err)
	}
	const L = 40
	for _, tc := range []struct {
		name string
		w    Windows
		per  int
	}{
		{"run-node", Windows{T: 10, ZScore: ZRunNode}, 4},
		{"overlap", Windows{T: 16, Stride: 8, ZScore: ZRunNode}, 4},
		{"window", Windows{T: 12, Stride: 7, ZScore: ZWindow}, 5},
		{"none", Windows{T: 40, ZScore: ZNone}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := net.Windows(seeds, tc.w, 2)
			if err != nil {
				t.Fatal(err)
			}
			S, T := 16, tc.w.T
			if d.N != len(seeds)*tc.per || d.S != S || d.T != T || len(d.X) != d.N*S*T {
				t.Fatalf("N, S, T = %d, %d, %d, len(X) %d; want N = %d", d.N, d.S, d.T, len(d.X), len(seeds)*tc.per)
			}
			stride := tc.w.Stride
			if stride == 0 {
				stride = T
			}
			for n := 0; n < d.N; n++ {
				r, start := d.Run[n], d.Start[n]
				if r != n/tc.per || start != (n%tc.per)*stride {
					t.Fatalf("sample %d: run %d start %d", n, r, start)
				}
				x := d.Sample(n)
				for s := 0; s < S; s++ {
					ser := runs[r].Series(s)
					win := ser[start : start+T]
					mean, sd := 0.0, 1.0
					switch tc.w.ZScore {
					case ZRunNode:
						mean, sd = stat.MeanStdDev(ser, nil)
					case ZWindow:
						mean, sd = stat.MeanStdDev(win, nil)
					}
					for k, v := range win {
						want := float32((v - mean) / sd)
						if x[s*T+k] != want {
							t.Fatalf("sample %d node %d point %d = %g, want %g", n, s, k, x[s*T+k], want)
						}
					}
				}
			}
			if tc.w.ZScore == ZRunNode && stride == T && tc.per*T == L {
				// The windows tile each run: each node's values over a run's
				// windows have mean 0 and SD 1.
				for r := range seeds {
					for s := 0; s < S; s++ {
						var vals []float64
						for n := r * tc.per; n < (r+1)*tc.per; n++ {
							for _, v := range d.Sample(n)[s*T : (s+1)*T] {
								vals = append(vals, float64(v))
							}
						}
						m, sd := stat.MeanStdDev(vals, nil)
						if math.Abs(m) > 1e-6 || math.Abs(sd-1) > 1e-6 {
							t.Fatalf("run %d node %d: mean %g SD %g after z-scoring", r, s, m, sd)
						}
					}
				}
			}
		})
	}
	// Worker count does not change the data.
	a, err := net.Windows(seeds, Windows{T: 10}, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.Windows(seeds, Windows{T: 10}, 4)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.X {
		if math.Float32bits(a.X[i]) != math.Float32bits(b.X[i]) {
			t.Fatalf("element %d differs between 1 and 4 workers", i)
		}
	}
}

func TestWindowsErrors(t *testing.T) {
	net, err := New(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		w     Windows
		seeds []uint64
		want  string
	}{
		{"too long", Windows{T: 41}, []uint64{1}, "T = 41 points is longer than the run's 40"},
		{"zero T", Windows{T: 0}, []uint64{1}, "T = 0"},
		{"negative stride", Windows{T: 4, Stride: -1}, []uint64{1}, "Stride = -1"},
		{"window of one", Windows{T: 1, ZScore: ZWindow}, []uint64{1}, "needs T ≥ 2"},
		{"no seeds", Windows{T: 4}, nil, "no seeds"},
		{"zscore", Windows{T: 4, ZScore: 9}, []uint64{1}, "unknown ZScore"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := net.Windows(tc.seeds, tc.w, 1)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	// A node at rest at its fixed point is constant: z-scoring it is an
	// error, not NaN.
	cfg := smallConfig()
	cfg.Coupling.G = 0
	cfg.Dynamics.Noise = 0
	cfg.Dynamics.X0 = make([]float64, 16)
	for i := range cfg.Dynamics.X0 {
		cfg.Dynamics.X0[i] = sigmoid(cfg.Input.Bias, cfg.Dynamics.Theta)
	}
	flat, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := flat.Windows([]uint64{1}, Windows{T: 8}, 1); err == nil || !strings.Contains(err.Error(), "is constant") {
		t.Errorf("flat run: error %v, want one saying a node is constant", err)
	}
	if _, err := flat.Windows([]uint64{1}, Windows{T: 8, ZScore: ZNone}, 1); err != nil {
		t.Errorf("flat run without z-scoring: %v", err)
	}
}

func TestBuildSplits(t *testing.T) {
	cfg := smallConfig()
	sp := Split{Seed: 42, Train: 6, Test: 3, TestG: []float64{3.4, 4.2}}
	w := Windows{T: 20}
	got, err := BuildSplits(cfg, w, sp)
	if err != nil {
		t.Fatal(err)
	}
	if got.Train.N != 12 || got.Test.N != 6 || len(got.TestG) != 2 {
		t.Fatalf("train %d, test %d samples, %d coupling variants", got.Train.N, got.Test.N, len(got.TestG))
	}
	train := map[uint64]bool{}
	for _, s := range got.Train.Seeds {
		train[s] = true
	}
	for _, s := range got.Test.Seeds {
		if train[s] {
			t.Errorf("test seed %d is also a training seed", s)
		}
	}
	if got.Train.G != cfg.Coupling.G || got.Test.G != cfg.Coupling.G {
		t.Errorf("G of train %g, test %g, want %g", got.Train.G, got.Test.G, cfg.Coupling.G)
	}
	for k, g := range sp.TestG {
		d := got.TestG[k]
		if d.G != g {
			t.Errorf("variant %d has G = %g, want %g", k, d.G, g)
		}
		for i, s := range d.Seeds {
			if s != got.Test.Seeds[i] {
				t.Fatalf("variant %d run %d seed %d, want the test seed %d", k, i, s, got.Test.Seeds[i])
			}
		}
		same := true
		for i := range d.X {
			same = same && d.X[i] == got.Test.X[i]
		}
		if same {
			t.Errorf("variant at g = %g equals the test set", g)
		}
	}
	// Reproducible from the config and seeds alone.
	again, err := BuildSplits(cfg, w, Split{Seed: 42, Train: 6, Test: 3, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range again.Train.X {
		if again.Train.X[i] != got.Train.X[i] {
			t.Fatalf("training element %d differs between two builds", i)
		}
	}
	if d := got.Net.Dist().At(0, 5); math.Abs(d-math.Sqrt2) > 1e-15 {
		t.Errorf("distance between nodes 0 and 5 of a 4×4 grid = %g, want √2", d)
	}

	for _, tc := range []struct {
		name string
		sp   Split
		want string
	}{
		{"no train", Split{Train: 0, Test: 1}, "Train = 0"},
		{"no test", Split{Train: 1, Test: 0}, "Test = 0"},
		{"NaN g", Split{Train: 1, Test: 1, TestG: []float64{math.NaN()}}, "TestG[0] = NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BuildSplits(cfg, w, tc.sp)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	bad := cfg
	bad.Coupling.Lambda = -1
	if _, err := BuildSplits(bad, w, sp); err == nil || !strings.Contains(err.Error(), "Lambda = -1") {
		t.Errorf("bad config: error %v", err)
	}
}

func TestSplitSeeds(t *testing.T) {
	a := SplitSeeds(1, RoleTrain, 1000)
	b := SplitSeeds(1, RoleTest, 1000)
	c := SplitSeeds(2, RoleTrain, 1000)
	seen := map[uint64]bool{}
	for _, set := range [][]uint64{a, b, c} {
		for _, s := range set {
			if seen[s] {
				t.Fatalf("seed %d repeats", s)
			}
			seen[s] = true
		}
	}
	if SplitSeeds(1, RoleTrain, 3)[2] != a[2] {
		t.Error("SplitSeeds is not a function of (base, role, i)")
	}
}
