package netsim

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/masked"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"gonum.org/v1/gonum/mat"
)

func TestProtocols(t *testing.T) {
	for _, tc := range []struct {
		name           string
		width2, width3 int
	}{
		{"quick", 16, 18},
		{"paper", 64, 66},
	} {
		p, err := protocols.ByName(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if p.MaskRatio != 0.5 || p.TestMaskRatio != 0.9 {
			t.Errorf("%s: mask %g/%g; want 0.5 train, 0.9 test", tc.name, p.MaskRatio, p.TestMaskRatio)
		}
		if w := p.WidthFor(2); w != tc.width2 {
			t.Errorf("%s: 2D width %d, want %d", tc.name, w, tc.width2)
		}
		if w := p.WidthFor(3); w != tc.width3 {
			t.Errorf("%s: 3D width %d, want %d", tc.name, w, tc.width3)
		}
	}
	if _, err := protocols.ByName("full"); err == nil {
		t.Error("protocol \"full\" accepted")
	}
	bad := Quick()
	bad.MaskRatio = 1
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "mask") {
		t.Errorf("mask ratio 1: err = %v, want one naming the mask ratio", err)
	}
	bad = Quick()
	bad.TestG = []float64{math.NaN()}
	if err := bad.Validate(); err == nil {
		t.Error("NaN test coupling accepted")
	}
}

func TestPEConditions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kind  pe.Kind
		sig   float64
		canon string // the canonical name; "": name
	}{
		{"learn-0.1", pe.Learned, 0.1, ""},
		{"learn-2", pe.Learned, 2, ""},
		{"sinnd", pe.SinND, 0, ""},
		{"nd-fixed", pe.SinND, 0, "sinnd"},
		{"ropend", pe.RoPEND, 0, ""},
		{"shaw", pe.Shaw, 0, ""},
		{"relative", pe.Shaw, 0, "shaw"},
		{"none", pe.None, 0, ""},
		{"random", pe.Random, 0, ""},
		{"learn:uniform:0:1", pe.Learned, 0, ""},
	} {
		if tc.canon == "" {
			tc.canon = tc.name
		}
		c, err := PECondition(tc.name)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if c.Name != tc.canon || c.PE.Kind != tc.kind || (tc.sig > 0 && c.PE.Sigma != tc.sig) {
			t.Errorf("%s: got %q %s σ %g", tc.name, c.Name, c.PE, c.PE.Sigma)
		}
		if c.PE.Causal {
			t.Errorf("%s: causal; nodes have no order", tc.name)
		}
	}
	for _, bad := range []string{"learn-0", "learn-x", "learn--1", "bogus", ""} {
		if _, err := PEConditions(bad); err == nil {
			t.Errorf("condition list %q accepted", bad)
		}
	}
	cs, err := PEConditions("quick-sigmas, sinnd")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != len(masked.QuickSigmas())+1 || cs[0].Name != "learn-0.1" || cs[len(cs)-1].Name != "sinnd" {
		t.Errorf("quick-sigmas, sinnd: %v", cs)
	}
	all, err := PEConditions("all")
	if err != nil || len(all) != 5+len(masked.PaperSigmas()) {
		t.Errorf("all: %d conditions, %v", len(all), err)
	}
}

// tinyProtocol simulates little data, for tests of the task's shape.
func tinyProtocol() Protocol {
	p := Quick()
	p.TrainRuns, p.TestRuns = 3, 2
	return p
}

func TestNewTask(t *testing.T) {
	for _, tc := range []struct {
		layout string
		grid   []int
	}{
		{"2d", []int{8, 8}},
		{"3d", []int{4, 4, 4}},
	} {
		t.Run(tc.layout, func(t *testing.T) {
			p := tinyProtocol()
			opt, err := p.TaskOptions(tc.layout)
			if err != nil {
				t.Fatal(err)
			}
			task, sp, err := NewTask(opt)
			if err != nil {
				t.Fatal(err)
			}
			per := 128 / p.Window // windows per run at netsim's default Record
			if task.Train.N != p.TrainRuns*per || task.Train.S != 64 || task.Train.F != p.Window {
				t.Errorf("train N, S, F = %d, %d, %d; want %d, 64, %d", task.Train.N, task.Train.S, task.Train.F, p.TrainRuns*per, p.Window)
			}
			var names []string
			for _, e := range task.Evals {
				names = append(names, e.Name)
			}
			if got, want := strings.Join(names, ","), "test,g3.4,g4.2"; got != want {
				t.Errorf("evaluation sets %s, want %s", got, want)
			}
			if task.Evals[0].N != p.TestRuns*per {
				t.Errorf("test set has %d samples, want %d", task.Evals[0].N, p.TestRuns*per)
			}
			// The task's layout is the simulator's, and equals pe.Grid's.
			want := pe.Grid(tc.grid...)
			for s, c := range task.Layout.Coords {
				for j := range c {
					if c[j] != want.Coords[s][j] || c[j] != sp.Net.Coords()[s][j] {
						t.Fatalf("node %d coordinate %d: task %g, pe.Grid %g", s, j, c[j], want.Coords[s][j])
					}
				}
			}
			// Every condition builds at the protocol's width for this layout.
			plan, err := NewPlan(p, task, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"learn-0.1", "sinnd", "ropend", "shaw", "none", "random"} {
				c, err := PECondition(name)
				if err != nil {
					t.Fatal(err)
				}
				mc := plan.Train.Model
				mc.PE, mc.Layout = c.PE, task.Layout
				if _, err := mc.Normalize(); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				if c.PE.Additive() {
					if _, err := pe.Table(c.PE, task.Layout, mc.Width, rand.New(rand.NewPCG(1, 1))); err != nil {
						t.Errorf("%s table: %v", name, err)
					}
				}
				if c.PE.Rotary() {
					if _, _, err := pe.RoPE(c.PE, task.Layout, mc.Width/mc.Heads); err != nil {
						t.Errorf("%s: %v", name, err)
					}
				}
			}
			// The sweep derives record IDs from the plan's model config and
			// the engine from the normalised one: they must agree.
			mc := plan.Train.Model
			mc.PE, mc.Layout = pe.Spec{Kind: pe.Learned, Sigma: 0.1}.Normalize(), task.Layout
			if norm, err := mc.Normalize(); err != nil || !reflect.DeepEqual(norm, mc) {
				t.Errorf("model config is not normalised (err %v):\n got %+v\nwant %+v", err, mc, norm)
			}
			if plan.Train.Model.Features != p.Window+1 || plan.Train.Model.Outputs != p.Window {
				t.Errorf("model features %d, outputs %d; want T+1, T", plan.Train.Model.Features, plan.Train.Model.Outputs)
			}
			if task.Params["layout"] != tc.layout || task.Params["net_sha"] == "" {
				t.Errorf("task params %v", task.Params)
			}
		})
	}
	if _, err := Quick().TaskOptions("4d"); err == nil {
		t.Error("layout 4d accepted")
	}
}

// gridGeometry is the Geometry of an n×n grid.
func gridGeometry(t *testing.T, n int) *masked.Geometry {
	t.Helper()
	g, err := masked.NewGeometry(pe.Grid(n, n))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// table returns a [L, S, D] flat table whose every block is f(s, d).
func table(L, S, D int, f func(s, d int) float64) []float64 {
	out := make([]float64, 0, L*S*D)
	for range L {
		for s := range S {
			for d := range D {
				out = append(out, f(s, d))
			}
		}
	}
	return out
}

// TestPEMetricsKnownAnswers: a PE that is a rotated, scaled copy of the
// grid coordinates (padded with zeros) holds the layout exactly; a random
// PE holds none of it.
func TestPEMetricsKnownAnswers(t *testing.T) {
	const n, L, D = 8, 2, 16
	S := n * n
	g := gridGeometry(t, n)
	th := 0.7
	exact := table(L, S, D, func(s, d int) float64 {
		r, c := float64(s/n), float64(s%n)
		switch d {
		case 0:
			return 3 * (math.Cos(th)*r - math.Sin(th)*c)
		case 1:
			return 3 * (math.Sin(th)*r + math.Cos(th)*c)
		case 2:
			return 5 // a constant channel: cosine similarity is not translation-free
		}
		return 0
	})
	m, err := masked.PEMetrics(exact, L, S, D, g, masked.GeometryConfig{MantelPermutations: 199})
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, lo, hi float64) {
		t.Helper()
		if !(got >= lo && got <= hi) {
			t.Errorf("%s = %.4f, want in [%g, %g]", name, got, lo, hi)
		}
	}
	check("exact align_err", m[masked.MetricAlignErr], 0, 1e-9)
	check("exact decode_r2", m[masked.MetricDecodeR2], 0.99, 1)
	check("exact eff_dim", m[masked.MetricEffDim], 2-1e-9, 2+1e-9) // equal variance on two axes
	check("exact topk_explained", m[masked.MetricTopK], 1-1e-9, 1)
	check("exact rsa", m[masked.MetricRSA], 0.7, 1)
	check("exact mantel_p", m[masked.MetricMantelP], 0, 0.01)

	r := rand.New(rand.NewPCG(7, 7))
	noise := table(L, S, D, func(int, int) float64 { return r.NormFloat64() })
	m, err = masked.PEMetrics(noise, L, S, D, g, masked.GeometryConfig{MantelPermutations: 199})
	if err != nil {
		t.Fatal(err)
	}
	check("random rsa", m[masked.MetricRSA], -0.15, 0.15)
	check("random mantel_p", m[masked.MetricMantelP], 0.02, 1)
	check("random decode_r2", m[masked.MetricDecodeR2], -2, 0.3)
	check("random align_err", m[masked.MetricAlignErr], 1.5, 10)

	// The oracle, the 2D sinusoid of the coordinates, holds the layout in
	// its similarity ranks.
	sin, err := pe.Table(pe.Spec{Kind: pe.SinND}, pe.Grid(n, n), 32, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err = masked.PEMetrics(sin, 1, S, 32, g, masked.GeometryConfig{MantelPermutations: 199})
	if err != nil {
		t.Fatal(err)
	}
	check("sinnd rsa", m[masked.MetricRSA], 0.5, 1)
	check("sinnd mantel_p", m[masked.MetricMantelP], 0, 0.01)
}

func TestPEMetricsErrors(t *testing.T) {
	g := gridGeometry(t, 4)
	ok := table(1, 16, 4, func(s, d int) float64 { return float64(s*d%7) + float64(d) })
	for _, tc := range []struct {
		name    string
		tab     []float64
		L, S, D int
		g       *masked.Geometry
	}{
		{"nil geometry", ok, 1, 16, 4, nil},
		{"wrong S", table(1, 9, 4, func(s, d int) float64 { return float64(s + d) }), 1, 9, 4, g},
		{"short table", ok[:10], 1, 16, 4, g},
		{"NaN", append([]float64{math.NaN()}, ok[1:]...), 1, 16, 4, g},
		{"constant", table(1, 16, 4, func(int, int) float64 { return 1 }), 1, 16, 4, g},
	} {
		if _, err := masked.PEMetrics(tc.tab, tc.L, tc.S, tc.D, tc.g, masked.GeometryConfig{}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := NewAnalyzer(nil, 0.9); err == nil {
		t.Error("NewAnalyzer(nil) gave no error")
	}
}

// rec makes a record of condition cond with the given final metrics.
func rec(t *testing.T, cond string, seed int64, layout string, final map[string]float64) results.Record {
	t.Helper()
	cfg, err := json.Marshal(map[string]any{"protocol": "quick", "task": map[string]any{"layout": layout}, "seed": seed, "condition": cond})
	if err != nil {
		t.Fatal(err)
	}
	id, err := results.ConfigID(json.RawMessage(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return results.Record{ID: id, Experiment: Experiment, Condition: cond, Seed: seed, Config: cfg,
		Final: final, Status: results.StatusOK}
}

func TestReport(t *testing.T) {
	var rs []results.Record
	sigmas := []float64{0.1, 0.5, 1, 2}
	for i, s := range sigmas {
		for seed := range int64(2) {
			// rsa falls and the test error rises with σ: ρ(rsa, test) = −1.
			e := float64(seed) * 0.01
			rs = append(rs, rec(t, "learn-"+strconv.FormatFloat(s, 'g', -1, 64), seed, "2d", map[string]float64{
				"train_mse": 0.3, "test_mse": 0.4 + 0.1*float64(i) + e, "test90_mse": 0.8 + 0.1*float64(i),
				"g4.2_mse": 0.5, "g3.4_mse": 0.6 + e,
				masked.MetricRSA: 0.8 - 0.2*float64(i) - e, masked.MetricAlignErr: 0.5 + float64(i), masked.MetricDecodeR2: 0.9 - 0.2*float64(i),
				masked.MetricEffDim: 2 + float64(i), masked.MetricMantelP: 0.001, masked.MetricTopK: 0.9,
			}))
		}
	}
	rs = append(rs, rec(t, "sinnd", 0, "2d", map[string]float64{"test_mse": 0.3, masked.MetricRSA: 0.9}))
	rs = append(rs, rec(t, "learn-0.1", 0, "3d", map[string]float64{"test_mse": 9}))
	rep, err := Report(rs, "quick", "2d")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rep.ErrorMetrics, ","); got != "train_mse,test_mse,test90_mse,g3.4_mse,g4.2_mse" {
		t.Errorf("error metrics %s", got)
	}
	var groups []string
	for _, s := range rep.Summaries {
		groups = append(groups, s.Group)
	}
	if got := strings.Join(groups, ","); got != "sinnd,learn-0.1,learn-0.5,learn-1,learn-2" {
		t.Errorf("conditions %s (the 3d record must be left out)", got)
	}
	if r := rep.ByCondition[masked.MetricRSA]["test_mse"].Rho; math.Abs(r+1) > 1e-12 {
		t.Errorf("ρ(rsa, test_mse) over conditions = %g, want −1", r)
	}
	if r := rep.ByCondition[masked.MetricAlignErr]["test_mse"].Rho; math.Abs(r-1) > 1e-12 {
		t.Errorf("ρ(align_err, test_mse) over conditions = %g, want 1", r)
	}
	if tr := rep.ByModel[masked.MetricRSA]["test_mse"]; tr.N != 8 || !(tr.Rho < -0.9) {
		t.Errorf("ρ(rsa, test_mse) over models = %+v, want n 8, ρ < −0.9", tr)
	}
	for _, want := range []string{"| sinnd |", "learn-2", "rsa", "By condition means", "By models"} {
		if !strings.Contains(rep.Markdown, want) {
			t.Errorf("report lacks %q:\n%s", want, rep.Markdown)
		}
	}
	if _, err := Report(rs, "paper", "2d"); err == nil {
		t.Error("report of a protocol with no records gave no error")
	}
}

// TestGeometryOfLayouts checks masked.NewGeometry on the two default layouts: −
// distance of grid neighbours is −1, and the 3D grid has 3 columns.
func TestGeometryOfLayouts(t *testing.T) {
	for _, tc := range []struct {
		layout string
		c      int
	}{{"2d", 2}, {"3d", 3}} {
		cfg, err := LayoutConfig(tc.layout)
		if err != nil {
			t.Fatal(err)
		}
		net, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		lay, err := peLayout(cfg.Layout, net.Coords())
		if err != nil {
			t.Fatal(err)
		}
		g, err := masked.NewGeometry(lay)
		if err != nil {
			t.Fatal(err)
		}
		if _, c := g.Coords.Dims(); c != tc.c {
			t.Errorf("%s: %d coordinates, want %d", tc.layout, c, tc.c)
		}
		if v := g.NegDist.At(0, 1); v != -1 {
			t.Errorf("%s: −distance of nodes 0 and 1 = %g, want −1", tc.layout, v)
		}
		if !mat.EqualApprox(g.NegDist, scaled(net.Dist(), -1), 1e-12) {
			t.Errorf("%s: geometry distances differ from the network's", tc.layout)
		}
	}
}

func scaled(a *mat.SymDense, f float64) *mat.SymDense {
	n := a.SymmetricDim()
	out := mat.NewSymDense(n, nil)
	out.ScaleSym(f, a)
	return out
}
