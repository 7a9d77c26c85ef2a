package analysis

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/scigolib/hdf5"
	"gonum.org/v1/gonum/mat"

	"github.com/pelab/pelab/internal/shared"
)

// readRest reads /restdata (360 regions × 1195 time points) of one subject.
func readRest(t *testing.T, path string) *mat.Dense {
	t.Helper()
	f, err := hdf5.Open(path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	var ds *hdf5.Dataset
	f.Walk(func(p string, obj hdf5.Object) {
		if d, ok := obj.(*hdf5.Dataset); ok && strings.TrimPrefix(p, "/") == "restdata" {
			ds = d
		}
	})
	if ds == nil {
		t.Fatalf("%s: no /restdata dataset", path)
	}
	v, err := ds.Read()
	if err != nil {
		t.Fatalf("%s: read /restdata: %v", path, err)
	}
	if len(v) != 360*1195 {
		t.Fatalf("%s: /restdata has %d values, want 360×1195", path, len(v))
	}
	return mat.NewDense(360, 1195, v)
}

func readPartition(t *testing.T, path string) []int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var labels []int
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" {
			continue
		}
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("%s line %d: %q is not an integer", path, line, s)
		}
		labels = append(labels, v)
	}
	if len(labels) != 360 {
		t.Fatalf("%s: %d labels, want 360", path, len(labels))
	}
	return labels
}

// TestRealFunctionalConnectivity runs the network measures on real resting
// fMRI (Glasser-360 regions, Cole–Anticevic networks): connectivity is
// higher within networks than between, so segregation and modularity are
// positive, and the FC of two subjects is similar (RSA).
func TestRealFunctionalConnectivity(t *testing.T) {
	labels := readPartition(t, shared.TestData(t, "hcp-glasser360", "cabnp", "cortex_parcel_network_assignments.txt"))
	var fcs []*mat.SymDense
	for _, subj := range []string{"100206", "100408"} {
		x := readRest(t, shared.TestData(t, "hcp-glasser360", "rest", "HCP_example_restrun1_subj"+subj+"_data.h5"))
		fc, err := Similarity(x, Correlation) // rows = regions: FC_ij = corr of time series
		if err != nil {
			t.Fatal(err)
		}
		fcs = append(fcs, fc)
		within, between, err := WithinBetween(fc, labels)
		if err != nil {
			t.Fatal(err)
		}
		seg, _ := Segregation(fc, labels)
		pos := mat.NewSymDense(360, nil)
		for i := 0; i < 360; i++ {
			for j := i; j < 360; j++ {
				pos.SetSym(i, j, max(fc.At(i, j), 0))
			}
		}
		q, err := Modularity(pos, labels)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := SignedModularity(fc, labels)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("subject %s: FC within %.3f, between %.3f, segregation %.3f, Q %.3f, signed Q* %.3f", subj, within, between, seg, q, qs)
		if within < between+0.05 || seg <= 0.2 || q <= 0.05 || qs <= 0.05 {
			t.Errorf("subject %s: within %.3f, between %.3f, segregation %.3f, Q %.3f, Q* %.3f; want clear network structure",
				subj, within, between, seg, q, qs)
		}
		// A random relabelling of the same network sizes destroys it.
		shuffled := append([]int(nil), labels...)
		newRNG(1).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		qr, _ := Modularity(pos, shuffled)
		if qr > q/4 {
			t.Errorf("subject %s: shuffled partition Q %.3f, true %.3f", subj, qr, q)
		}
	}
	rho, err := RSA(fcs[0], fcs[1], Spearman)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("RSA (Spearman) of the two subjects' FC: %.3f", rho)
	if rho < 0.3 {
		t.Errorf("two subjects' FC: Spearman %.3f, want clearly positive", rho)
	}
}
