package all_test

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/fmri"
	"github.com/pelab/pelab/pelib/tokens"
	"gonum.org/v1/gonum/mat"
)

// TestFMRIFiles runs the tokens experiment's data path on the shared fMRI
// data through ordinary files: the regions' centroids and networks written
// as coords.csv (fmri.WriteTokenCoords, `pelab fmri export`) and the HCP
// folder of HDF5 time series read with the dataset path /restdata. It
// checks the tokens against pelib/fmri's own loading of the same subjects:
// the layout (centroids in units of 10 mm) equal bit for bit, the training
// FC equal within 1e-12 (the same Pearson correlations summed in the same
// order; z-scoring differs, see below), and every window equal to fmri's
// times √((L−1)/L) within 1e-6 relative: fmri z-scores with the
// population SD (divisor L), tokens with the sample SD (divisor L − 1,
// netsim's), a constant factor per recording length. No training: 360
// tokens are too many for a CI-sized run on two cores; TestReproducesNetsim
// trains.
func TestFMRIFiles(t *testing.T) {
	data := shared.TestData(t, fmri.DatasetName)
	coords, signals, err := fmri.WriteTokenCoords(data, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	subjects := []string{"100206", "100408", "108020"}
	held := "108222"
	recs := func(ids ...string) []string {
		var out []string
		for _, id := range ids {
			out = append(out, "*subj"+id+"_*")
		}
		return out
	}
	p := tokens.Quick()
	task, err := tokens.NewTask(p, tokens.Input{Coords: coords, Tokens: tokens.TokenOptions{Partition: "network"}, Signals: signals,
		Dataset: fmri.HCPDataset, CoordUnit: fmri.CoordUnit, Split: tokens.Split{Test: recs(held), Train: recs(subjects...)}})
	if err != nil {
		t.Fatal(err)
	}
	if task.Tokens.S() != fmri.NumRegions || task.Tokens.Dim() != 3 || len(task.Tokens.Networks) < 2 {
		t.Fatalf("%d tokens in %d dimensions, %d networks", task.Tokens.S(), task.Tokens.Dim(), len(task.Tokens.Networks))
	}
	fp := fmri.Quick()
	fp.T, fp.Stride, fp.TrainWindows, fp.TestWindows = p.Window, p.Window, 0, 0
	ft, err := fmri.NewTask(fp, fmri.TaskOptions{Dir: data, Subjects: subjects, TestSubjects: []string{held}})
	if err != nil {
		t.Fatal(err)
	}
	for s, c := range ft.Layout.Coords {
		for j := range c {
			if c[j] != task.Layout.Coords[s][j] {
				t.Fatalf("token %s coordinate %d: tokens %v, fmri %v", task.Tokens.Names[s], j, task.Layout.Coords[s][j], c[j])
			}
		}
	}
	fc, err := task.TrainFC()
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(fc, ft.Data.TrainFC, 1e-12) {
		t.Error("training FC differs from fmri's")
	}
	if task.Task.Train.N != ft.Train.N || task.TestWindows.N != ft.Test.N {
		t.Fatalf("%d + %d windows, fmri %d + %d", task.Task.Train.N, task.TestWindows.N, ft.Train.N, ft.Test.N)
	}
	// Every HCP example run has L = 1195 points.
	f := math.Sqrt(1194.0 / 1195.0)
	worst := 0.0
	for i, x := range ft.Train.X {
		want := float64(x) * f
		if d := math.Abs(float64(task.Task.Train.X[i])-want) / max(math.Abs(want), 1); d > worst {
			worst = d
		}
	}
	if worst > 1e-6 {
		t.Errorf("windows differ from fmri's × √(1194/1195) by up to %g (relative)", worst)
	}
	a, err := tokens.NewAnalyzer(task, p)
	if err != nil {
		t.Fatal(err)
	}
	dm, err := a.DataMetrics()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"data_dist_rsa", "data_mod_q", "data_seg"} {
		if _, ok := dm[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	t.Logf("%s: %d tokens, %d networks, %d training and %d held-out windows; windows within %.2g of fmri's; FC: %v",
		filepath.Base(coords), task.Tokens.S(), len(task.Tokens.Networks), task.Task.Train.N, task.TestWindows.N, worst, dm)
}
