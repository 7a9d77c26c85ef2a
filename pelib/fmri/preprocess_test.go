package fmri

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/masked"
	"gonum.org/v1/gonum/mat"
)

func TestFCSummaries(t *testing.T) {
	// Four regions: left 0, 1 and right 2, 3; networks {0, 2} and {1, 3}.
	fc := mat.NewSymDense(4, []float64{
		1, 0.1, 0.8, 0.2,
		0.1, 1, 0.3, 0.6,
		0.8, 0.3, 1, 0.4,
		0.2, 0.6, 0.4, 1,
	})
	w, b, err := NetworkFC(fc, []int{1, 2, 1, 2})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(w-0.7) > 1e-12 || math.Abs(b-0.25) > 1e-12 {
		t.Errorf("within %v between %v, want 0.7 0.25", w, b)
	}
	h, a, err := HomotopicFC(fc)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(h-0.7) > 1e-12 || math.Abs(a-2.4/6) > 1e-12 {
		t.Errorf("homotopic %v all %v, want 0.7 0.4", h, a)
	}
	// Distances along a line at 0, 1, 3, 6: pairs (01 1, 02 3, 03 6, 12 2,
	// 13 5, 23 3); FC falls exactly linearly with distance → r = −1.
	cent := [][3]float64{{0, 0, 0}, {1, 0, 0}, {3, 0, 0}, {6, 0, 0}}
	lin := mat.NewSymDense(4, nil)
	for i := range 4 {
		for j := range 4 {
			lin.SetSym(i, j, 1-0.1*math.Abs(cent[i][0]-cent[j][0]))
		}
	}
	if r, err := DistanceCorrelation(lin, cent); err != nil || math.Abs(r+1) > 1e-12 {
		t.Errorf("distance correlation %v (%v), want −1", r, err)
	}
	if _, _, err := NetworkFC(fc, []int{1, 2}); err == nil {
		t.Error("NetworkFC with 2 keys for 4 regions: no error")
	}
	if _, _, err := HomotopicFC(mat.NewSymDense(3, nil)); err == nil {
		t.Error("HomotopicFC of 3 regions: no error")
	}
}

// TestFCSanity checks SOURCE.md's sanity values on four subjects. SOURCE.md's
// values are means over its subjects; over all 20 subjects here, means of
// per-subject values give within 0.272, between 0.124, homotopic 0.408, all
// 0.144 and the group FC's distance correlation −0.247, and four subjects
// scatter about that by up to ±0.04 (per-subject values span e.g. 0.18–0.35
// within-network), hence the tolerances.
func TestFCSanity(t *testing.T) {
	dir := shared.TestData(t, "hcp-glasser360")
	subjects := []string{"100206", "100408", "108020", "108222"}
	d, err := Load(Config{Dir: dir, Subjects: subjects, TestSubjects: 1, T: 100})
	if err != nil {
		t.Fatal(err)
	}
	series, err := ReadDir(filepath.Join(dir, RestDir), masked.ReadOptions{Regions: NumRegions}, subjects...)
	if err != nil {
		t.Fatal(err)
	}
	var within, between, homo, all float64
	var dense []*mat.Dense
	for _, s := range series {
		fc := masked.FC(s.Data)
		w, b, err := NetworkFC(fc, d.Partition.Keys())
		if err != nil {
			t.Fatal(err)
		}
		h, a, err := HomotopicFC(fc)
		if err != nil {
			t.Fatal(err)
		}
		within, between, homo, all = within+w, between+b, homo+h, all+a
		dense = append(dense, s.Data)
	}
	n := float64(len(series))
	within, between, homo, all = within/n, between/n, homo/n, all/n
	g, err := masked.GroupFC(dense)
	if err != nil {
		t.Fatal(err)
	}
	dist, err := DistanceCorrelation(g, d.Centroids)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("4 subjects: within %.3f between %.3f homotopic %.3f all %.3f corr(FC, distance) %.3f", within, between, homo, all, dist)
	for _, c := range []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"within-network FC", within, 0.277, 0.05},
		{"between-network FC", between, 0.130, 0.05},
		{"homotopic FC", homo, 0.417, 0.06},
		{"all-pairs FC", all, 0.150, 0.05},
		{"corr(FC, distance)", dist, -0.255, 0.05},
	} {
		if math.Abs(c.got-c.want) > c.tol {
			t.Errorf("%s = %.3f, want %.3f ± %.2f", c.name, c.got, c.want, c.tol)
		}
	}
	if within-between < 0.1 || homo-all < 0.2 {
		t.Errorf("within − between = %.3f (want > 0.1), homotopic − all = %.3f (want > 0.2)", within-between, homo-all)
	}
}
