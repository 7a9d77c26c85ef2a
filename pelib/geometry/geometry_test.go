package geometry

import (
	"math"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"gonum.org/v1/gonum/mat"
)

// spread is a layout of S tokens on a line at x_i = 2^i − 1, whose
// pairwise distances are all different (no ties in the RSA's ranks).
func spread(S int) pe.Layout {
	l := pe.Layout{}
	for i := range S {
		l.Coords = append(l.Coords, []float64{math.Ldexp(1, i) - 1})
	}
	return l
}

// arcTable is a table [L, S, D] whose every block puts token i at angle
// θ_i = x_i·(π/2)/x_max (x_i of spread) on a circle of radius scale in its
// first two columns (the rest 0): its cosine similarities cos(θ_i − θ_j)
// fall strictly with |x_i − x_j|, so its RSA with −distance is exactly 1.
func arcTable(L, S, D int, scale float64) []float64 {
	t := make([]float64, L*S*D)
	xmax := math.Ldexp(1, S-1) - 1
	for l := range L {
		for i := range S {
			th := (math.Ldexp(1, i) - 1) * math.Pi / 2 / xmax
			t[(l*S+i)*D] = scale * math.Cos(th)
			t[(l*S+i)*D+1] = scale * math.Sin(th)
		}
	}
	return t
}

func TestKnownAnswers(t *testing.T) {
	const S, D = 8, 6
	truth, err := New(spread(S), Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	line, err := New(pe.Line(S), Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	// A table that is the line layout itself, shifted, rotated and scaled:
	// token i at 3·(i+1)·(cos 0.3, sin 0.3) in two of D columns.
	lineTable := make([]float64, 2*S*D)
	for l := range 2 {
		for i := range S {
			lineTable[(l*S+i)*D+2] = 3 * float64(i+1) * math.Cos(0.3)
			lineTable[(l*S+i)*D+4] = 3 * float64(i+1) * math.Sin(0.3)
		}
	}
	for _, tc := range []struct {
		name  string
		table []float64
		L     int
		truth *Truth
		want  map[string]float64
	}{
		// cos(θ_i − θ_j) is strictly decreasing in |i − j|: ρ = 1; the
		// rows have norm 2, so the RMS row norm is 2.
		{"arc", arcTable(2, S, D, 2), 2, truth, map[string]float64{"geo_rsa_cos_b0": 1, "geo_rsa_cos_b1": 1, "geo_rsa_cos_mean": 1, "geo_rsa_pooled": 1, "geo_norm_b0": 2}},
		// The layout, shifted, rotated and scaled: disparity 0, alignment
		// error 0, one dimension (eff_dim 1), RMS norm 3·√(Σ(i+1)²/S) =
		// 3·√25.5.
		{"line", lineTable, 2, line, map[string]float64{"geo_disparity_b0": 0, "geo_disparity_mean": 0, "geo_align_err_b1": 0, "geo_eff_dim_b0": 1, "geo_norm_b0": 3 * math.Sqrt(25.5)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Of(tc.table, tc.L, S, D, tc.truth)
			if err != nil {
				t.Fatal(err)
			}
			for k, w := range tc.want {
				if v, ok := got[k]; !ok || math.Abs(v-w) > 1e-9 {
					t.Errorf("%s = %v (present %v), want %v", k, v, ok, w)
				}
			}
			if tc.name == "arc" {
				for _, m := range PerBlock()[:6] {
					if _, ok := got[Name(m, tc.L-1)]; !ok {
						t.Errorf("no %s", Name(m, tc.L-1))
					}
				}
			} else if _, ok := got["geo_rsa_cos_b0"]; ok {
				// every row points the same way: the cosine RSM is constant
				t.Error("an RSA of a constant similarity matrix")
			}
			if _, ok := got["geo_procrustes_ref_b0"]; ok {
				t.Error("procrustes_ref without a reference table")
			}
		})
	}
	// With a reference table equal to the PE itself: distance 0.
	withRef := *truth
	tab := arcTable(1, S, D, 1)
	var err2 error
	withRef.Ref, err2 = refOf(tab, S, D)
	if err2 != nil {
		t.Fatal(err2)
	}
	got, err := Of(tab, 1, S, D, &withRef)
	if err != nil {
		t.Fatal(err)
	}
	if got["geo_procrustes_ref_b0"] > 1e-9 || got["geo_disparity_ref_b0"] > 1e-9 {
		t.Errorf("against itself: procrustes_ref %g, disparity_ref %g, want 0", got["geo_procrustes_ref_b0"], got["geo_disparity_ref_b0"])
	}
}

func TestErrors(t *testing.T) {
	truth, err := New(pe.Line(8), Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	bad := arcTable(1, 8, 4, 1)
	bad[5] = math.NaN()
	for _, tc := range []struct {
		name    string
		table   []float64
		L, S, D int
		truth   *Truth
		want    string
	}{
		{"tokens", arcTable(1, 6, 4, 1), 1, 6, 4, truth, "6 tokens, the layout 8"},
		{"shape", arcTable(1, 8, 4, 1), 2, 8, 4, truth, "geometry"},
		{"NaN", bad, 1, 8, 4, truth, "geometry"},
		{"no truth", arcTable(1, 8, 4, 1), 1, 8, 4, nil, "no truth"},
	} {
		if _, err := Of(tc.table, tc.L, tc.S, tc.D, tc.truth); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := New(pe.Line(3), Euclidean); err == nil {
		t.Error("a layout of 3 tokens was accepted")
	}
}

func refOf(tab []float64, S, D int) (*mat.Dense, error) {
	return mat.NewDense(S, D, append([]float64(nil), tab[:S*D]...)), nil
}

// TestOfBias: a bias equal to −distance (two heads, one transposed) has
// bias_rsa 1, one equal to +distance −1; norm is the RMS bias.
func TestOfBias(t *testing.T) {
	l := pe.Grid(3, 3)
	tr, err := New(l, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	S := l.S()
	bias := make([]float64, 2*2*S*S) // L 2, H 2
	ss := 0.0
	for q := range S {
		for k := range S {
			d := -tr.NegDist.At(q, k)
			bias[q*S+k] = -d      // block 0, head 0
			bias[S*S+k*S+q] = -d  // block 0, head 1 (transposed: the same after symmetrising)
			bias[2*S*S+q*S+k] = d // block 1, head 0
			bias[3*S*S+q*S+k] = d // block 1, head 1
			ss += d * d
		}
	}
	g, err := OfBias(bias, 2, 2, S, tr)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(g["geo_bias_rsa_b0"]-1) > 1e-12 || math.Abs(g["geo_bias_rsa_b1"]+1) > 1e-12 || math.Abs(g["geo_bias_rsa_mean"]) > 1e-12 {
		t.Errorf("bias_rsa b0, b1, mean = %g, %g, %g; want 1, −1, 0", g["geo_bias_rsa_b0"], g["geo_bias_rsa_b1"], g["geo_bias_rsa_mean"])
	}
	if want := math.Sqrt(ss / float64(S*S)); math.Abs(g["geo_norm_b0"]-want) > 1e-12 {
		t.Errorf("norm %g, want %g", g["geo_norm_b0"], want)
	}
	if _, err := OfBias(bias[:10], 2, 2, S, tr); err == nil {
		t.Error("short bias: no error")
	}
}

// TestCentredAndEuclideanRSA: a table that is the coordinates themselves
// (padded) has rsa_euc 1; adding one vector to every row changes rsa_cos
// but neither rsa_cos_tc nor rsa_euc.
func TestCentredAndEuclideanRSA(t *testing.T) {
	l := pe.Grid(4, 4)
	tr, err := New(l, Euclidean)
	if err != nil {
		t.Fatal(err)
	}
	S, D := 16, 4
	tab := make([]float64, S*D)
	shifted := make([]float64, S*D)
	for s, p := range l.Coords {
		tab[s*D], tab[s*D+1] = p[0], p[1]
		tab[s*D+2], tab[s*D+3] = 0.3*p[0]*p[1], 0.1
		for d := range D {
			shifted[s*D+d] = tab[s*D+d] + []float64{5, -3, 2, 7}[d]
		}
	}
	pad := make([]float64, S*D)
	for s, p := range l.Coords {
		pad[s*D], pad[s*D+1] = p[0], p[1]
	}
	g, err := Of(pad, 1, S, D, tr)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(g["geo_rsa_euc_b0"]-1) > 1e-12 {
		t.Errorf("coordinates as the table: rsa_euc %g, want 1", g["geo_rsa_euc_b0"])
	}
	a, err := Of(tab, 1, S, D, tr)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Of(shifted, 1, S, D, tr)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"geo_rsa_cos_tc_b0", "geo_rsa_euc_b0"} {
		// The grid's many equal distances make ties that rounding can
		// break either way: equal to 1e-4, not bit for bit.
		if math.Abs(a[k]-b[k]) > 1e-4 {
			t.Errorf("%s changed by a shared vector: %g → %g", k, a[k], b[k])
		}
	}
	if math.Abs(a["geo_rsa_cos_b0"]-b["geo_rsa_cos_b0"]) < 1e-3 {
		t.Errorf("rsa_cos unchanged by a shared vector (%g): the test proves nothing", a["geo_rsa_cos_b0"])
	}
}

// TestRemeasure: a record whose history lacks a metric gets it from the
// snapshot of that epoch, and its Final from the final table; values it
// holds are kept; a record without tables is left alone.
func TestRemeasure(t *testing.T) {
	st, err := results.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	l := pe.Grid(3, 3)
	truth := func(D int) (*Truth, error) { return New(l, Euclidean) }
	tr, _ := truth(0)
	tab := make([]float64, 9*2)
	for s, p := range l.Coords {
		tab[2*s], tab[2*s+1] = p[0], p[1]*1.5
	}
	if err := sweep.WriteArtifact(st, "r1", sweep.SnapshotName(10), tab, 1, 9, 2); err != nil {
		t.Fatal(err)
	}
	if err := sweep.WriteArtifact(st, "r1", "pe", tab, 1, 9, 2); err != nil {
		t.Fatal(err)
	}
	rs := []results.Record{
		{ID: "r1", Status: results.StatusOK, History: []results.Point{{Epoch: 10, Metrics: map[string]float64{"geo_rsa_cos_b0": 0.123}}}, Final: map[string]float64{}},
		{ID: "r2", Status: results.StatusOK, History: []results.Point{{Epoch: 10, Metrics: map[string]float64{"x": 1}}}},
	}
	if err := Remeasure(st, rs, truth); err != nil {
		t.Fatal(err)
	}
	want, err := Of(tab, 1, 9, 2, tr)
	if err != nil {
		t.Fatal(err)
	}
	h := rs[0].History[0].Metrics
	if h["geo_rsa_cos_b0"] != 0.123 {
		t.Errorf("recorded value replaced: %g", h["geo_rsa_cos_b0"])
	}
	if h["geo_rsa_euc_b0"] != want["geo_rsa_euc_b0"] || rs[0].Final["geo_rsa_euc_b0"] != want["geo_rsa_euc_b0"] {
		t.Errorf("rsa_euc: history %g, final %g, want %g", h["geo_rsa_euc_b0"], rs[0].Final["geo_rsa_euc_b0"], want["geo_rsa_euc_b0"])
	}
	if len(rs[1].History[0].Metrics) != 1 {
		t.Errorf("a record without tables changed: %v", rs[1].History[0].Metrics)
	}
}
