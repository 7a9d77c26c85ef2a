package fmri

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/masked"
	"gonum.org/v1/gonum/mat"
)

func TestRandomMask(t *testing.T) {
	const n, s = 2000, 10
	m, err := RandomMask(n, s, 0.3, 7)
	if err != nil {
		t.Fatal(err)
	}
	perRegion := make([]int, s)
	for i := range n {
		k := 0
		for j := range s {
			if m[i*s+j] {
				k++
				perRegion[j]++
			}
		}
		if k != 3 {
			t.Fatalf("window %d has %d masked regions, want 3", i, k)
		}
	}
	// Each region is masked with probability 0.3: 600 of 2000 ± 4σ (σ ≈ 20.5).
	for j, c := range perRegion {
		if math.Abs(float64(c)-600) > 82 {
			t.Errorf("region %d masked %d times of %d, want ≈ 600", j, c, n)
		}
	}
	m2, _ := RandomMask(n, s, 0.3, 7)
	m3, _ := RandomMask(n, s, 0.3, 8)
	if !slices.Equal(m, m2) || slices.Equal(m, m3) {
		t.Error("mask not determined by its seed")
	}
	for _, c := range []struct {
		frac float64
		want string
	}{{0, "fraction 0"}, {1, "fraction 1"}, {0.01, "masks 0"}, {math.NaN(), "fraction NaN"}} {
		if _, err := RandomMask(3, 10, c.frac, 0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("frac %v: error %v, want one containing %q", c.frac, err, c.want)
		}
	}
}

// smallWindows is N = 2 windows of S = 3 regions and T = 2 time points.
func smallWindows() *masked.Windows {
	return &masked.Windows{N: 2, S: 3, T: 2, Source: []int{0, 0}, Start: []int{0, 2}, X: []float32{
		1, 2, // n0 s0
		3, 4, // n0 s1
		-1, 0, // n0 s2
		0, 1, // n1 s0
		2, 2, // n1 s1
		5, -5, // n1 s2
	}}
}

func TestMaskedMSE(t *testing.T) {
	w := smallWindows()
	mask := []bool{true, false, false, false, false, true}
	z, err := ZeroMSE(w, mask)
	if err != nil {
		t.Fatal(err)
	}
	if want := (1.0 + 4 + 25 + 25) / 4; z != want {
		t.Errorf("zero MSE %v, want %v", z, want)
	}
	if _, err := MaskedMSE(w, make([]float32, 3), mask); err == nil {
		t.Error("short prediction: no error")
	}
	if _, err := ZeroMSE(w, mask[:5]); err == nil || !strings.Contains(err.Error(), "N·S") {
		t.Errorf("short mask: error %v", err)
	}
	if _, err := ZeroMSE(w, make([]bool, 6)); err == nil || !strings.Contains(err.Error(), "no masked") {
		t.Errorf("empty mask: error %v", err)
	}
}

func TestNeighbourPredict(t *testing.T) {
	w := smallWindows()
	// Region 0's best partner is 2 (0.9), then 1 (0.5); region 2's is 0.
	fc := mat.NewSymDense(3, []float64{
		1, 0.5, 0.9,
		0.5, 1, -0.95,
		0.9, -0.95, 1,
	})
	// Window 0 masks region 0 (2 unmasked → partner 2); window 1 masks
	// regions 0 and 2 (only 1 unmasked → partner 1 at r = 0.5 for region 0;
	// region 2 takes 1 too, r = −0.95, the only choice).
	mask := []bool{true, false, false, true, false, true}
	for _, c := range []struct {
		mode NeighbourMode
		want []float32
	}{
		{Copy, []float32{-1, 0, 3, 4, -1, 0, 2, 2, 2, 2, 2, 2}},
		{Scaled, []float32{-0.9, 0, 3, 4, -1, 0, 1, 1, 2, 2, -1.9, -1.9}},
	} {
		t.Run(c.mode.String(), func(t *testing.T) {
			pred, err := NeighbourPredict(w, mask, fc, c.mode)
			if err != nil {
				t.Fatal(err)
			}
			for i := range pred {
				if math.Abs(float64(pred[i]-c.want[i])) > 1e-6 {
					t.Fatalf("prediction %v, want %v", pred, c.want)
				}
			}
			mse, err := NeighbourMSE(w, mask, fc, c.mode)
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			for _, i := range []int{0, 1, 6, 7, 10, 11} {
				d := float64(c.want[i] - w.X[i])
				sum += d * d
			}
			if math.Abs(mse-sum/6) > 1e-6 {
				t.Errorf("MSE %v, want %v", mse, sum/6)
			}
		})
	}
	if _, err := NeighbourPredict(w, []bool{true, true, true, false, false, false}, fc, Copy); err == nil || !strings.Contains(err.Error(), "every region masked") {
		t.Errorf("all masked: error %v", err)
	}
	if _, err := NeighbourPredict(w, mask, mat.NewSymDense(2, nil), Copy); err == nil {
		t.Error("FC of the wrong size: no error")
	}
}

// TestLoadSplit loads four subjects, two held out, and checks that no subject
// is in both parts and every window comes from its part's subjects.
func TestLoadSplit(t *testing.T) {
	dir := shared.TestData(t, "hcp-glasser360")
	subjects := []string{"100206", "100408", "108020", "108222"}
	d, err := Load(Config{Dir: dir, Subjects: subjects, TestSubjects: 2, Seed: 3, T: 64, Stride: 32})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.TestSubjects {
		if slices.Contains(d.TrainSubjects, s) {
			t.Fatalf("subject %s in train %v and test %v", s, d.TrainSubjects, d.TestSubjects)
		}
	}
	// 1195 points, T 64, stride 32: starts 0, 32, …, 1120 → 36 windows each.
	for name, w := range map[string]*masked.Windows{"train": d.Train, "test": d.Test} {
		if w.N != 2*36 || w.S != NumRegions || w.T != 64 {
			t.Errorf("%s windows N %d S %d T %d, want 72 360 64", name, w.N, w.S, w.T)
		}
		if slices.Max(w.Source) != 1 || slices.Min(w.Source) != 0 {
			t.Errorf("%s sources %d…%d, want 0…1", name, slices.Min(w.Source), slices.Max(w.Source))
		}
	}
	// Windows are z-scored per subject and region: over a whole subject
	// (non-overlapping windows cover 1152 of 1195 points) the mean square
	// of a region is close to 1.
	var ss float64
	var cnt int
	for n := 0; n < d.Test.N; n += 2 {
		if d.Test.Source[n] != 0 {
			continue
		}
		for _, v := range d.Test.Token(n, 0) {
			ss += float64(v) * float64(v)
			cnt++
		}
	}
	if ms := ss / float64(cnt); math.Abs(ms-1) > 0.15 {
		t.Errorf("mean square of a z-scored region %v, want ≈ 1", ms)
	}
	if d.TrainFC.SymmetricDim() != NumRegions || len(d.Centroids) != NumRegions || len(d.Partition.Regions) != NumRegions {
		t.Error("FC, centroids or partition of the wrong size")
	}
}

// TestBaselineReport measures the baselines on all subjects at 50 % and 90 %
// masking. It takes a few seconds and runs only with PELAB_FMRI_REPORT=1.
func TestBaselineReport(t *testing.T) {
	if os.Getenv("PELAB_FMRI_REPORT") == "" {
		t.Skip("set PELAB_FMRI_REPORT=1 to measure the baselines on all subjects")
	}
	dir := shared.TestData(t, "hcp-glasser360")
	start := time.Now()
	const T = 32
	d, err := Load(Config{Dir: dir, TestSubjects: 4, Seed: 1, T: T})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Load (20 subjects, atlas, partition, train FC) took %v", time.Since(start))
	t.Logf("train subjects %v; test subjects %v; T %d, no overlap: %d train, %d test windows",
		d.TrainSubjects, d.TestSubjects, T, d.Train.N, d.Test.N)
	// SOURCE.md's sanity values over all subjects: means of per-subject
	// values, and the correlation of the all-subject group FC with distance.
	series, err := ReadDir(filepath.Join(dir, RestDir), masked.ReadOptions{Regions: NumRegions})
	if err != nil {
		t.Fatal(err)
	}
	var within, between, homo, all float64
	var dense []*mat.Dense
	for _, s := range series {
		fc := masked.FC(s.Data)
		w, b, _ := NetworkFC(fc, d.Partition.Keys())
		h, a, _ := HomotopicFC(fc)
		within, between, homo, all = within+w, between+b, homo+h, all+a
		dense = append(dense, s.Data)
	}
	n := float64(len(series))
	g, err := masked.GroupFC(dense)
	if err != nil {
		t.Fatal(err)
	}
	dist, _ := DistanceCorrelation(g, d.Centroids)
	t.Logf("%d subjects: within %.4f between %.4f homotopic %.4f all %.4f; group corr(FC, distance) %.4f",
		len(series), within/n, between/n, homo/n, all/n, dist)
	for _, frac := range []float64{0.5, 0.9} {
		for seed := range uint64(3) {
			mask, err := RandomMask(d.Test.N, d.Test.S, frac, seed)
			if err != nil {
				t.Fatal(err)
			}
			z, err := ZeroMSE(d.Test, mask)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := NeighbourMSE(d.Test, mask, d.TrainFC, Scaled)
			if err != nil {
				t.Fatal(err)
			}
			cp, err := NeighbourMSE(d.Test, mask, d.TrainFC, Copy)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("held-out, %2.0f %% masked, mask seed %d: zero %.4f, neighbour scaled %.4f, neighbour copy %.4f", 100*frac, seed, z, sc, cp)
		}
	}
}
