package interactive

import (
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// decode marshals f and reads it back as generic JSON, failing the test
// when the JSON is not valid.
func decode(t *testing.T, f *Figure) map[string]any {
	t.Helper()
	b, err := f.JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if !json.Valid(b) {
		t.Fatalf("invalid JSON: %.200s", b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func traces(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, t := range m["data"].([]any) {
		out = append(out, t.(map[string]any))
	}
	return out
}

func strs(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

func nums(v any) []float64 {
	var out []float64
	for _, s := range v.([]any) {
		out = append(out, s.(float64))
	}
	return out
}

func get(m map[string]any, path ...string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

// grid4 is the 16 cells of a 4×4 grid, (row, col).
func grid4() *mat.Dense {
	m := mat.NewDense(16, 2, nil)
	for i := range 16 {
		m.Set(i, 0, float64(i/4))
		m.Set(i, 1, float64(i%4))
	}
	return m
}

// gridPE is a PE table [2, 16, 8] whose block 0 holds the grid (rotated
// into 8 dimensions, plus noise) and block 1 noise.
func gridPE() ([]float64, []int) {
	r := rand.New(rand.NewPCG(1, 2))
	L, S, D := 2, 16, 8
	t := make([]float64, L*S*D)
	g := grid4()
	for s := range S {
		for d := range D {
			v := 0.05 * r.NormFloat64()
			switch d {
			case 0:
				v += g.At(s, 0) + 0.3*g.At(s, 1)
			case 1:
				v += g.At(s, 1) - 0.3*g.At(s, 0)
			}
			t[s*D+d] = v
			t[S*D+s*D+d] = r.NormFloat64()
		}
	}
	return t, []int{L, S, D}
}

// fakeBrain is n regions in 3 networks with names, colours and centroids.
func fakeBrain(n int) ([][3]float64, Labels) {
	r := rand.New(rand.NewPCG(3, 4))
	cs := make([][3]float64, n)
	lab := Labels{Names: make([]string, n), Groups: make([]int, n), GroupTitle: "network",
		GroupNames:   map[int]string{1: "Visual1", 2: "Somatomotor", 5: "Default"},
		GroupColours: map[int]color.Color{1: color.RGBA{0, 0, 255, 255}, 2: color.RGBA{0, 255, 255, 255}, 5: color.RGBA{255, 0, 0, 255}}}
	keys := []int{1, 2, 5}
	for i := range n {
		cs[i] = [3]float64{70*r.Float64() - 35, 100*r.Float64() - 60, 60*r.Float64() - 20}
		lab.Names[i] = fmt.Sprintf("L_R%d_ROI", i)
		lab.Groups[i] = keys[i%3]
	}
	return cs, lab
}

func TestScatter(t *testing.T) {
	g := grid4()
	lab := GridLabels(g)
	cs, blab := fakeBrain(30)
	tests := []struct {
		name       string
		fig        func() (*Figure, error)
		typ        string
		legend     []string // trace names, in order
		hover      []string // substrings of the first trace's first hover text
		aspect     string   // "scaleanchor" (2D) or "data" (3D)
		wantColors int      // per-point colours in the first trace (0: one colour)
	}{
		{"grid 2D", func() (*Figure, error) { return Scatter(g, lab, ScatterOptions{Title: "grid"}) },
			"scatter", []string{"x₁ = 0", "x₁ = 1", "x₁ = 2", "x₁ = 3"}, []string{"<b>0,0</b>", "x₁ = 0", "(dim 1, dim 2) = (0, 0)"}, "scaleanchor", 0},
		{"brain by network", func() (*Figure, error) { return Brain(cs, blab, nil, "networks") },
			"scatter3d", []string{"Visual1", "Somatomotor", "Default"}, []string{"<b>L_R0_ROI</b>", "network: Visual1", "MNI (x, y, z), mm = ("}, "data", 0},
		{"brain by colour", func() (*Figure, error) {
			cols := make([]color.Color, 30)
			for i := range cols {
				cols[i] = color.RGBA{uint8(8 * i), 0, 0, 255}
			}
			return Brain(cs, blab, cols, "PCs")
		}, "scatter3d", []string{"Visual1", "Somatomotor", "Default"}, []string{"network: Visual1"}, "data", 10},
		{"no groups", func() (*Figure, error) { return Scatter(g, Labels{}, ScatterOptions{}) },
			"scatter", []string{""}, []string{"<b>token 0</b>"}, "scaleanchor", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := tc.fig()
			if err != nil {
				t.Fatal(err)
			}
			m := decode(t, f)
			ts := traces(m)
			var names []string
			total := 0
			for _, tr := range ts {
				if tr["type"] != tc.typ {
					t.Errorf("trace type %v, want %s", tr["type"], tc.typ)
				}
				n, _ := tr["name"].(string)
				names = append(names, n)
				total += len(tr["x"].([]any))
				if len(tr["text"].([]any)) != len(tr["x"].([]any)) {
					t.Errorf("trace %q: %d hover texts for %d points", n, len(tr["text"].([]any)), len(tr["x"].([]any)))
				}
			}
			if !slices.Equal(names, tc.legend) {
				t.Errorf("legend entries %q, want %q", names, tc.legend)
			}
			want := 16
			if tc.typ == "scatter3d" {
				want = 30
				if len(ts[0]["z"].([]any)) != len(ts[0]["x"].([]any)) {
					t.Error("3D trace without a z per point")
				}
			}
			if total != want {
				t.Errorf("%d points, want %d", total, want)
			}
			h := ts[0]["text"].([]any)[0].(string)
			for _, s := range tc.hover {
				if !strings.Contains(h, s) {
					t.Errorf("hover %q lacks %q", h, s)
				}
			}
			switch tc.aspect {
			case "scaleanchor":
				if get(m, "layout", "yaxis", "scaleanchor") != "x" || get(m, "layout", "yaxis", "scaleratio") != 1.0 {
					t.Errorf("2D axes not equal: %v", get(m, "layout", "yaxis"))
				}
			case "data":
				if get(m, "layout", "scene", "aspectmode") != "data" {
					t.Errorf("3D aspect %v", get(m, "layout", "scene"))
				}
			}
			c := get(ts[0], "marker", "color")
			if tc.wantColors > 0 {
				if cs, ok := c.([]any); !ok || len(cs) != tc.wantColors {
					t.Errorf("marker colours %v, want %d", c, tc.wantColors)
				}
			} else if _, ok := c.(string); !ok {
				t.Errorf("marker colour %v, want one", c)
			}
		})
	}
	// The partition's own colours.
	f, _ := Brain(cs, blab, nil, "")
	if c := get(traces(decode(t, f))[2], "marker", "color"); c != "#ff0000" {
		t.Errorf("Default network colour %v, want #ff0000", c)
	}
}

func TestScatterErrors(t *testing.T) {
	g := grid4()
	for _, tc := range []struct {
		name string
		fn   func() (*Figure, error)
		want string
	}{
		{"names", func() (*Figure, error) { return Scatter(g, Labels{Names: []string{"a"}}, ScatterOptions{}) }, "1 names for 16"},
		{"groups", func() (*Figure, error) { return Scatter(g, Labels{Groups: []int{1, 2}}, ScatterOptions{}) }, "2 group keys"},
		{"dims", func() (*Figure, error) { return Scatter(g, Labels{}, ScatterOptions{Dims: 3}) }, "need 3"},
		{"NaN", func() (*Figure, error) {
			h := mat.DenseCopyOf(g)
			h.Set(3, 1, math.NaN())
			return Scatter(h, Labels{}, ScatterOptions{})
		}, "point 3"},
		{"colours", func() (*Figure, error) {
			return Scatter(g, Labels{}, ScatterOptions{Colours: []color.Color{color.Black}})
		}, "1 colours"},
		{"PE shape", func() (*Figure, error) { return PELayout(make([]float64, 10), []int{10}, 0, nil, Labels{}, "") }, "want [L, S, D]"},
		{"PE block", func() (*Figure, error) { tb, sh := gridPE(); return PELayout(tb, sh, 2, g, Labels{}, "") }, "block 2 outside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.fn()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestPELayout(t *testing.T) {
	tb, sh := gridPE()
	g := grid4()
	f, err := PELayout(tb, sh, 0, g, GridLabels(g), "learn-0.1 (seed 1)")
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, f)
	ts := traces(m)
	last := ts[len(ts)-1]
	if last["name"] != "true positions" || last["visible"] != "legendonly" {
		t.Errorf("last trace %v %v, want the hidden true positions", last["name"], last["visible"])
	}
	h := ts[0]["text"].([]any)[0].(string)
	for _, s := range []string{"<b>0,0</b>", "position read from the PE = (", "true position (0, 0), error "} {
		if !strings.Contains(h, s) {
			t.Errorf("hover %q lacks %q", h, s)
		}
	}
	if title := get(m, "layout", "title", "text").(string); !strings.Contains(title, "mean error") {
		t.Errorf("title %q does not state the alignment error", title)
	}
	// Block 0 holds the grid: the PE's positions are near the truth.
	for _, tr := range ts[:len(ts)-1] {
		for _, s := range tr["text"].([]any) {
			var e float64
			txt := s.(string)
			fmt.Sscanf(txt[strings.LastIndex(txt, "error ")+6:], "%g", &e)
			if e > 0.3 {
				t.Errorf("alignment error %g in %q", e, txt)
			}
		}
	}
	// Without the truth: principal components.
	f, err = PELayout(tb, sh, 1, nil, GridLabels(g), "")
	if err != nil {
		t.Fatal(err)
	}
	if x := get(decode(t, f), "layout", "xaxis", "title", "text").(string); !strings.HasPrefix(x, "PC 1 (") {
		t.Errorf("x axis %q, want PC 1", x)
	}
}

func TestGridLabels(t *testing.T) {
	l := GridLabels(grid4())
	if l.Names[6] != "1,2" || l.Groups[6] != 1 || l.GroupNames[1] != "x₁ = 1" {
		t.Errorf("token 6: %q, group %d %q", l.Names[6], l.Groups[6], l.GroupNames[1])
	}
	c, err := CoordsMatrix([][]float64{{0.5, 1}, {1.5, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if l := GridLabels(c); l.Groups != nil || l.Names[1] != "1.5,2" {
		t.Errorf("non-integer rows: groups %v, names %q", l.Groups, l.Names)
	}
	if _, err := CoordsMatrix([][]float64{{1, 2}, {3}}); err == nil {
		t.Error("ragged coordinates accepted")
	}
}

func TestHeatmap(t *testing.T) {
	_, blab := fakeBrain(12)
	sym := mat.NewSymDense(12, nil)
	for i := range 12 {
		for j := i; j < 12; j++ {
			v := 0.1 * float64(i-j)
			if blab.Groups[i] == blab.Groups[j] {
				v = 0.8
			}
			sym.SetSym(i, j, v)
		}
	}
	pos := mat.NewDense(2, 3, []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6})
	tests := []struct {
		name       string
		m          mat.Matrix
		opt        HeatmapOptions
		zmin, zmax float64
		legend     int    // group legend entries
		y0         string // first row's name
		ticks      bool
	}{
		{"stated range, groups", sym, HeatmapOptions{Labels: blab, Min: -1, Max: 1, ColorLabel: "cosine"}, -1, 1, 3, "L_R0_ROI · Visual1", true},
		{"automatic symmetric", sym, HeatmapOptions{Labels: Labels{Names: blab.Names}}, -1.1, 1.1, 0, "L_R0_ROI", true},
		{"zero diagonal", sym, HeatmapOptions{ZeroDiagonal: true}, -1.1, 1.1, 0, "token 0", true},
		{"positive, not square", pos, HeatmapOptions{ColNames: []string{"a", "b", "c"}}, 0.1, 0.6, 0, "token 0", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Heatmap(tc.m, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			m := decode(t, f)
			ts := traces(m)
			h := ts[0]
			if h["type"] != "heatmap" || h["zauto"] != false {
				t.Fatalf("first trace %v, zauto %v", h["type"], h["zauto"])
			}
			if math.Abs(h["zmin"].(float64)-tc.zmin) > 1e-12 || math.Abs(h["zmax"].(float64)-tc.zmax) > 1e-12 {
				t.Errorf("colour range [%v, %v], want [%v, %v]", h["zmin"], h["zmax"], tc.zmin, tc.zmax)
			}
			if tc.opt.ColorLabel != "" && get(h, "colorbar", "title", "text") != tc.opt.ColorLabel {
				t.Errorf("colour bar %v", get(h, "colorbar"))
			}
			ht := h["hovertemplate"].(string)
			for _, s := range []string{"row %{y}", "column %{x}", "%{z"} {
				if !strings.Contains(ht, s) {
					t.Errorf("hover template %q lacks %q", ht, s)
				}
			}
			r, c := tc.m.Dims()
			ys, xs := strs(h["y"]), strs(h["x"])
			if len(ys) != r || len(xs) != c || len(h["z"].([]any)) != r {
				t.Errorf("%d row and %d column names, %d rows, for %d×%d", len(ys), len(xs), len(h["z"].([]any)), r, c)
			}
			if ys[0] != tc.y0 {
				t.Errorf("row 0 named %q, want %q", ys[0], tc.y0)
			}
			if get(m, "layout", "yaxis", "autorange") != "reversed" {
				t.Error("row 0 not at the top")
			}
			if len(ts)-1 != tc.legend {
				t.Errorf("%d legend traces, want %d", len(ts)-1, tc.legend)
			}
			if tc.opt.ZeroDiagonal {
				if z := h["z"].([]any)[3].([]any)[3].(float64); z != 0 {
					t.Errorf("diagonal %v", z)
				}
			}
			if got := get(m, "layout", "xaxis", "ticktext") != nil; got != tc.ticks {
				t.Errorf("tick labels %v, want %v", got, tc.ticks)
			}
			scale := h["colorscale"].([]any)
			if len(scale) < 2 || scale[0].([]any)[0] != 0.0 || scale[len(scale)-1].([]any)[0] != 1.0 {
				t.Errorf("colour scale %v", scale)
			}
		})
	}
	// Groups: rows ordered by network, boundaries between networks, the
	// legend names the networks.
	f, _ := Heatmap(sym, HeatmapOptions{Labels: blab})
	m := decode(t, f)
	ys := strs(traces(m)[0]["y"])
	for i := 1; i < len(ys); i++ {
		if strings.Contains(ys[i-1], "Default") && !strings.Contains(ys[i], "Default") {
			t.Errorf("rows not grouped: %q", ys)
		}
	}
	var legend []string
	for _, tr := range traces(m)[1:] {
		legend = append(legend, tr["name"].(string))
	}
	if !slices.Equal(legend, []string{"Visual1", "Somatomotor", "Default"}) {
		t.Errorf("legend %q", legend)
	}
	lines := 0
	for _, s := range get(m, "layout", "shapes").([]any) {
		if s.(map[string]any)["type"] == "line" {
			lines++
		}
	}
	if lines != 4 { // 2 boundaries × 2 axes
		t.Errorf("%d boundary lines, want 4", lines)
	}
	// More than 40 tokens: no tick labels (hover names them).
	f, _ = Heatmap(mat.NewDense(41, 41, nil), HeatmapOptions{})
	if get(decode(t, f), "layout", "xaxis", "ticktext") != nil || get(decode(t, f), "layout", "xaxis", "showticklabels") != false {
		t.Error("41 tick labels drawn")
	}
	for _, tc := range []struct {
		name string
		m    mat.Matrix
		opt  HeatmapOptions
	}{
		{"range", sym, HeatmapOptions{Min: 1, Max: -1}},
		{"groups not square", pos, HeatmapOptions{Labels: Labels{Groups: []int{1, 2}}}},
		{"NaN", mat.NewDense(1, 1, []float64{math.NaN()}), HeatmapOptions{}},
	} {
		if _, err := Heatmap(tc.m, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestRSM(t *testing.T) {
	tb, sh := gridPE()
	for _, b := range []int{0, -1} {
		f, err := RSM(tb, sh, b, GridLabels(grid4()), "RSM")
		if err != nil {
			t.Fatal(err)
		}
		h := traces(decode(t, f))[0]
		if h["zmin"] != -1.0 || h["zmax"] != 1.0 {
			t.Errorf("block %d: range [%v, %v], want [−1, 1]", b, h["zmin"], h["zmax"])
		}
		if d := h["z"].([]any)[5].([]any)[5].(float64); math.Abs(d-1) > 1e-4 {
			t.Errorf("block %d: self-similarity %v", b, d)
		}
	}
}

// sigmaRecords are learned-σ records (3 seeds each, one diverged) and two
// other conditions.
func sigmaRecords() []results.Record {
	var recs []results.Record
	for i, cond := range []string{"learn-0.1", "learn-0.5", "learn-1", "learn-2", "2d-fixed", "none"} {
		for k, seed := range []int64{2235, 6312, 6068} {
			status := results.StatusOK
			if cond == "learn-1" && k == 2 {
				status = results.StatusDiverged
			}
			recs = append(recs, results.Record{ID: fmt.Sprintf("r%d%d", i, k), Experiment: "lst", Condition: cond, Seed: seed,
				Status: status, Final: map[string]float64{"val_acc": 0.9 - 0.1*float64(i) + 0.01*float64(k)}})
		}
	}
	return recs
}

func TestMetricVsSigma(t *testing.T) {
	recs := sigmaRecords()
	f, err := MetricVsSigma(recs, "val_acc", SigmaOptions{Scale: 100, Levels: []plots.Level{{Name: "chance (25 %)", Y: 25}}})
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, f)
	xa := get(m, "layout", "xaxis").(map[string]any)
	sigmas, _, _ := sweep.BySigma(recs, "val_acc", 100)
	if xa["type"] != "log" || xa["tickmode"] != "array" {
		t.Errorf("x axis %v", xa)
	}
	if got := nums(xa["tickvals"]); !slices.Equal(got, sigmas) {
		t.Errorf("ticks at %v, want the σ values %v", got, sigmas)
	}
	if got := strs(xa["ticktext"]); !slices.Equal(got, []string{"0.1", "0.5", "1", "2"}) {
		t.Errorf("tick labels %q", got)
	}
	ts := traces(m)
	var names []string
	for _, tr := range ts {
		names = append(names, tr["name"].(string))
	}
	if want := []string{"mean ± SD over seeds", "each seed (colour: σ)", "2d-fixed (mean)", "none (mean)", "chance (25 %)"}; !slices.Equal(names, want) {
		t.Errorf("legend %q, want %q", names, want)
	}
	mean, seeds := ts[0], ts[1]
	if got := len(seeds["x"].([]any)); got != 11 { // 4 σ × 3 seeds, one diverged
		t.Errorf("%d seed points, want 11", got)
	}
	_, by, _ := sweep.BySigma(recs, "val_acc", 100)
	ys, ups, downs := nums(mean["y"]), nums(get(mean, "error_y", "array")), nums(get(mean, "error_y", "arrayminus"))
	for i, s := range sigmas {
		wm, _ := results.MeanSD(by[s])
		band := results.BoundedSD(by[s], 0, 100)
		if math.Abs(ys[i]-wm) > 1e-9 || math.Abs(ys[i]+ups[i]-band[1]) > 1e-9 || math.Abs(ys[i]-downs[i]-band[0]) > 1e-9 {
			t.Errorf("σ %g: %v +%v −%v, want %v from %v to %v", s, ys[i], ups[i], downs[i], wm, band[0], band[1])
		}
		if ys[i]+ups[i] > 100 || ys[i]-downs[i] < 0 {
			t.Errorf("σ %g: bar leaves [0, 100] %%", s)
		}
		if c := get(seeds, "marker", "color").([]any); c[0] != hexColour(plots.SigmaColour(0.1)) {
			t.Errorf("first seed point colour %v, want σ 0.1's", c[0])
		}
	}
	// The controls in their own styles, the same as the static figures'.
	for _, tr := range ts[2:4] {
		cond := strings.TrimSuffix(tr["name"].(string), " (mean)")
		st := plots.ConditionStyle(cond)
		if get(tr, "line", "color") != hexColour(st.Colour) || get(tr, "line", "dash") != st.Dash {
			t.Errorf("%s: line %v, want %v", cond, tr["line"], st)
		}
	}
	if get(mean, "error_y", "visible") != true {
		t.Error("error bars hidden")
	}
	h := seeds["text"].([]any)[1].(string)
	for _, s := range []string{"<b>learn-0.1</b>, seed 6312", "σ = 0.1", "val_acc = 91", "record r01"} {
		if !strings.Contains(h, s) {
			t.Errorf("seed hover %q lacks %q", h, s)
		}
	}
	if h := ts[2]["text"].([]any)[0].(string); !strings.Contains(h, "(mean ± SD, n = 3)") {
		t.Errorf("level hover %q", h)
	}
	// Only the others asked for; no usable σ record is an error.
	f, err = MetricVsSigma(recs, "val_acc", SigmaOptions{Others: []string{"none"}})
	if err != nil || len(f.Data) != 3 {
		t.Errorf("Others [none]: %d traces, %v", len(f.Data), err)
	}
	if _, err := MetricVsSigma(recs[12:], "val_acc", SigmaOptions{}); err == nil {
		t.Error("no σ records: no error")
	}
}

// TestMetricVsSigmaBarsWithinBounds checks that the error bars of
// accuracies near 100 % stay within [0, 100] (the plain mean ± SD bar of
// 97, 100, 100 reached 101.7 %), and that the y axis stops at 100.
func TestMetricVsSigmaBarsWithinBounds(t *testing.T) {
	var recs []results.Record
	for k, v := range []float64{0.97, 1, 1} {
		recs = append(recs, results.Record{ID: fmt.Sprint("a", k), Experiment: "lst", Condition: "learn-0.1", Seed: int64(k), Status: results.StatusOK,
			Final: map[string]float64{"val_acc": v}})
		recs = append(recs, results.Record{ID: fmt.Sprint("b", k), Experiment: "lst", Condition: "learn-2", Seed: int64(k), Status: results.StatusOK,
			Final: map[string]float64{"val_acc": v - 0.5}})
	}
	f, err := MetricVsSigma(recs, "val_acc", SigmaOptions{Scale: 100})
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, f)
	mean := traces(m)[0]
	ys, ups := nums(mean["y"]), nums(get(mean, "error_y", "array"))
	if top := ys[0] + ups[0]; top > 100 {
		t.Errorf("σ 0.1: bar reaches %g %%", top)
	}
	if r := nums(get(m, "layout", "yaxis", "range")); len(r) != 2 || r[1] > 100 {
		t.Errorf("y range %v, want one ending at 100 at most", r)
	}
}

func TestNumbersJSON(t *testing.T) {
	b, err := json.Marshal(Numbers{1, math.NaN(), 0.1, math.Inf(-1)})
	if err != nil || string(b) != "[1,null,0.1,null]" {
		t.Errorf("%s, %v", b, err)
	}
	if _, err := (&Figure{}).JSON(); err == nil {
		t.Error("empty figure accepted")
	}
}

func TestScriptSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a="</script>"`, `a="<\/script>"`},
		{`a="</SCRIPT >"`, `a="<\/SCRIPT >"`},
		{`r=/<!--(?:x)*-->/`, `r=/<\!--(?:x)*-->/`},
		{`plain()`, `plain()`},
		{`é"</script"İ`, `é"<\/script"İ`},
	} {
		if got := scriptSafe(tc.in); got != tc.want {
			t.Errorf("scriptSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// fakeBundle points $PELAB_PLOTLY_JS at a small script and returns it.
func fakeBundle(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "plotly.min.js")
	js := `window.Plotly = {newPlot: function () {}}; var s = "</script>";`
	if err := os.WriteFile(p, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(BundleEnv, p)
	return js
}

// fakeNotebook captures what Display sends, in a kernel whose temporary
// folder is fresh.
func fakeNotebook(t *testing.T) *[]string {
	t.Helper()
	var sent []string
	oldIn, oldDisplay := inNotebook, displayHTML
	inNotebook = func() bool { return true }
	displayHTML = func(s string) { sent = append(sent, s) }
	t.Cleanup(func() { inNotebook, displayHTML = oldIn, oldDisplay })
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	return &sent
}

func smallFigure(t *testing.T) *Figure {
	t.Helper()
	f, err := Scatter(grid4(), GridLabels(grid4()), ScatterOptions{Title: "grid"})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDisplayOncePerKernel(t *testing.T) {
	fakeBundle(t)
	sent := fakeNotebook(t)
	f := smallFigure(t)
	for range 3 {
		if err := f.Display(); err != nil {
			t.Fatal(err)
		}
	}
	if len(*sent) != 3 {
		t.Fatalf("%d outputs, want 3", len(*sent))
	}
	for i, s := range *sent {
		want := 0
		if i == 0 {
			want = 1
		}
		if got := strings.Count(s, bundleMarker); got != want {
			t.Errorf("output %d carries the bundle %d times, want %d", i, got, want)
		}
		if strings.Count(s, "window.Plotly.newPlot(") != 1 || !strings.Contains(s, `class="pelab-plotly"`) {
			t.Errorf("output %d does not draw one figure", i)
		}
		if strings.Contains(strings.ReplaceAll(s, "</script>\n", ""), "</script>\"") {
			t.Errorf("output %d has an unescaped </script> inside a script", i)
		}
	}
	if !strings.Contains((*sent)[0], `var s = "<\/script>";`) {
		t.Error("the bundle's </script> is not escaped")
	}
	// The bundle comes before the figure's script in the first output.
	if strings.Index((*sent)[0], bundleMarker) > strings.Index((*sent)[0], "newPlot(") {
		t.Error("the figure's script runs before the bundle")
	}
	// A reloaded page: SendBundle sends it again; views after it do not.
	if err := SendBundle(); err != nil {
		t.Fatal(err)
	}
	if err := f.Display(); err != nil {
		t.Fatal(err)
	}
	if strings.Count((*sent)[3], bundleMarker) != 1 || strings.Count((*sent)[4], bundleMarker) != 0 {
		t.Error("SendBundle did not send the bundle once")
	}
	// A new kernel (a new temporary folder) sends it again.
	t.Setenv("GONB_TMP_DIR", t.TempDir())
	if err := f.Display(); err != nil {
		t.Fatal(err)
	}
	if strings.Count((*sent)[5], bundleMarker) != 1 {
		t.Error("a new kernel's first view does not carry the bundle")
	}
}

func TestDisplayOutsideNotebook(t *testing.T) {
	t.Setenv(BundleEnv, filepath.Join(t.TempDir(), "missing.js"))
	old := inNotebook
	inNotebook = func() bool { return false }
	defer func() { inNotebook = old }()
	if err := smallFigure(t).Display(); err != nil {
		t.Errorf("outside a notebook: %v", err)
	}
}

func TestShowPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil {
			t.Error("Show of an error did not panic")
		}
	}()
	Show(nil, errors.New("boom"))
}

func TestPageEmbedsBundleOnce(t *testing.T) {
	fakeBundle(t)
	tb, sh := gridPE()
	rsm, err := RSM(tb, sh, 0, GridLabels(grid4()), "RSM")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "views.html")
	if err := WriteHTML(path, "views <1>", smallFigure(t), rsm, smallFigure(t)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if got := strings.Count(page, bundleMarker); got != 1 {
		t.Errorf("page carries the bundle %d times, want 1", got)
	}
	if got := strings.Count(page, `class="pelab-plotly"`); got != 3 {
		t.Errorf("page has %d views, want 3", got)
	}
	if !strings.Contains(page, "<title>views &lt;1&gt;</title>") || strings.Contains(page, "https://") && strings.Contains(page, "<script src=") {
		t.Error("page title not escaped, or a script loaded from the network")
	}
	if !strings.HasPrefix(page, "<!DOCTYPE html>") {
		t.Error("not an HTML page")
	}
	if _, err := Page("empty"); err == nil {
		t.Error("a page of no figures accepted")
	}
}

func TestMissingBundle(t *testing.T) {
	t.Run("env", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "nope.js")
		t.Setenv(BundleEnv, p)
		_, err := BundlePath()
		if !errors.Is(err, ErrNoBundle) || !strings.Contains(err.Error(), p) {
			t.Errorf("error %v, want ErrNoBundle naming %s", err, p)
		}
		sent := fakeNotebook(t)
		if err := smallFigure(t).Display(); !errors.Is(err, ErrNoBundle) {
			t.Errorf("Display: %v", err)
		}
		if len(*sent) != 0 {
			t.Error("Display sent a view without plotly.js")
		}
		if _, err := Page("x", smallFigure(t)); !errors.Is(err, ErrNoBundle) {
			t.Errorf("Page: %v", err)
		}
	})
	t.Run("search", func(t *testing.T) {
		t.Setenv(BundleEnv, "")
		dir := t.TempDir()
		old := searchStarts
		searchStarts = func() []string { return []string{dir} }
		defer func() { searchStarts = old }()
		_, err := BundlePath()
		if !errors.Is(err, ErrNoBundle) {
			t.Fatalf("error %v, want ErrNoBundle", err)
		}
		for _, s := range []string{BundleRel, dir, "make setup", BundleEnv} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not name %q", err, s)
			}
		}
		// A bundle in a folder above the start is found, and checked.
		p := filepath.Join(dir, BundleRel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("not plotly"), 0o644); err != nil {
			t.Fatal(err)
		}
		deep := filepath.Join(dir, "notebooks", "sub")
		if err := os.MkdirAll(deep, 0o755); err != nil {
			t.Fatal(err)
		}
		searchStarts = func() []string { return []string{deep} }
		if got, err := BundlePath(); err != nil || got != p {
			t.Errorf("BundlePath = %q, %v; want %q", got, err, p)
		}
		if _, err := bundleJS(); err == nil || !strings.Contains(err.Error(), "SHA-256") {
			t.Errorf("a bundle with the wrong checksum: %v", err)
		}
	})
}

// TestInstalledBundle checks the bundle make setup installs, when it is.
func TestInstalledBundle(t *testing.T) {
	t.Setenv(BundleEnv, "")
	p, err := BundlePath()
	if err != nil {
		t.Skipf("plotly.js not installed here: %v", err)
	}
	js, err := bundleJS()
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	if !strings.Contains(js, "plotly.js v"+PlotlyVersion) {
		t.Errorf("%s is not plotly.js %s", p, PlotlyVersion)
	}
}

// TestSamplePage writes a page of every view to $PELAB_INTERACTIVE_SAMPLE
// (for a look in a browser: docs/interactive.md).
func TestSamplePage(t *testing.T) {
	out := os.Getenv("PELAB_INTERACTIVE_SAMPLE")
	if out == "" {
		t.Skip("set PELAB_INTERACTIVE_SAMPLE to a .html path to write the sample page")
	}
	t.Setenv(BundleEnv, os.Getenv("PELAB_SAMPLE_BUNDLE"))
	tb, sh := gridPE()
	g := grid4()
	cs, blab := fakeBrain(90)
	sym := mat.NewSymDense(90, nil)
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 90 {
		for j := i; j < 90; j++ {
			v := 0.2 * r.NormFloat64()
			if blab.Groups[i] == blab.Groups[j] {
				v += 0.5
			}
			if i == j {
				v = 1
			}
			sym.SetSym(i, j, math.Max(-1, math.Min(1, v)))
		}
	}
	var figs []*Figure
	add := func(f *Figure, err error) {
		if err != nil {
			t.Fatal(err)
		}
		figs = append(figs, f)
	}
	add(PELayout(tb, sh, 0, g, GridLabels(g), "learn-0.1 (seed 1): PE block 0"))
	add(RSM(tb, sh, 0, GridLabels(g), "learn-0.1 (seed 1): PE cosine similarity, block 0"))
	add(MetricVsSigma(sigmaRecords(), "val_acc", SigmaOptions{Scale: 100, Levels: []plots.Level{{Name: "chance (25 %)", Y: 25}}}))
	add(Brain(cs, blab, nil, "regions by network"))
	add(Heatmap(sym, HeatmapOptions{Labels: blab, ColorLabel: "Pearson r", ZeroDiagonal: true, Title: "FC by network"}))
	g3 := mat.NewDense(27, 3, nil)
	for i := range 27 {
		g3.SetRow(i, []float64{float64(i / 9), float64(i / 3 % 3), float64(i % 3)})
	}
	add(Scatter(g3, GridLabels(g3), ScatterOptions{Title: "3×3×3 grid"}))
	if err := WriteHTML(out, "pelab interactive views (sample data)", figs...); err != nil {
		t.Fatal(err)
	}
}

func TestRecordViews(t *testing.T) {
	store, err := results.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tb, sh := gridPE()
	g := grid4()
	coords := make([][]float64, 16)
	for i := range coords {
		coords[i] = mat.Row(nil, i, g)
	}
	r := results.Record{ID: "rec1", Experiment: "lst", Condition: "learn-0.1", Seed: 7, Status: results.StatusOK, Coords: coords}
	if err := sweep.WriteArtifact(store, r.ID, "pe", tb, sh...); err != nil {
		t.Fatal(err)
	}
	f, err := PELayoutOf(store, r, 0, Labels{})
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, f)
	if title := get(m, "layout", "title", "text").(string); !strings.HasPrefix(title, "learn-0.1 (seed 7): PE block 0") {
		t.Errorf("title %q", title)
	}
	if n := traces(m)[0]["name"]; n != "x₁ = 0" {
		t.Errorf("first group %v, want the grid's rows", n)
	}
	f, err = RSMOf(store, r, -1, Labels{})
	if err != nil {
		t.Fatal(err)
	}
	if y := strs(traces(decode(t, f))[0]["y"]); y[5] != "1,1 · x₁ = 1" {
		t.Errorf("row 5 %q", y[5])
	}
	r.Coords = nil // no true positions: principal components
	if f, err = PELayoutOf(store, r, 1, Labels{}); err != nil || !strings.HasPrefix(get(decode(t, f), "layout", "xaxis", "title", "text").(string), "PC 1") {
		t.Errorf("without coordinates: %v", err)
	}
	if _, err := PELayoutOf(store, results.Record{ID: "absent"}, 0, Labels{}); err == nil {
		t.Error("a record without a PE table: no error")
	}
}

// TestHeatmapSize: a 360-region FC by network stays near 1 MB of JSON
// (values to 5 significant digits, names per axis, not per cell).
func TestHeatmapSize(t *testing.T) {
	const n = 360
	_, lab := fakeBrain(n)
	r := rand.New(rand.NewPCG(7, 8))
	m := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			m.SetSym(i, j, 2*r.Float64()-1)
		}
	}
	f, err := Heatmap(m, HeatmapOptions{Labels: lab, ZeroDiagonal: true, ColorLabel: "Pearson r"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 1600000 {
		t.Errorf("360×360 heatmap: %d bytes of JSON", len(b))
	}
	t.Logf("360×360 heatmap: %d bytes of JSON", len(b))
}

// TestLegendsTellTheTruth checks two legends the issue found misleading:
// a scatter coloured point by point (a brain by PE components) showed a
// "network" legend whose swatches were arbitrary points' colours; a
// grouped heatmap's horizontal legend sat below the plot, over the x tick
// labels.
func TestLegendsTellTheTruth(t *testing.T) {
	lab := Labels{Groups: []int{0, 0, 1, 1}, GroupNames: map[int]string{0: "visual", 1: "default"}}
	cents := [][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
	cols := []color.Color{color.RGBA{255, 0, 0, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{0, 0, 255, 255}, color.Black}
	cases := []struct {
		name       string
		colours    []color.Color
		wantLegend bool
	}{{"by network", nil, true}, {"by PE colour", cols, false}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Brain(cents, lab, c.colours, "t")
			if err != nil {
				t.Fatal(err)
			}
			m := decode(t, f)
			shown := false
			for _, tr := range traces(m) {
				if v, ok := tr["showlegend"]; !ok || v != false {
					shown = true
				}
			}
			if get(m, "layout", "showlegend") == false {
				shown = false
			}
			if shown != c.wantLegend {
				t.Errorf("group legend shown %v, want %v", shown, c.wantLegend)
			}
		})
	}
	sim := mat.NewDense(4, 4, []float64{1, .5, .1, 0, .5, 1, .2, .1, .1, .2, 1, .6, 0, .1, .6, 1})
	f, err := Heatmap(sim, HeatmapOptions{Labels: lab, Min: -1, Max: 1})
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, f)
	y, _ := get(m, "layout", "legend", "y").(float64)
	if anchor := get(m, "layout", "legend", "yanchor"); y < 1 || anchor != "bottom" {
		t.Errorf("legend at y %v anchored %v: inside or below the plot, where the x tick labels are", y, anchor)
	}
}

// TestPELayoutCollapsed checks the layout of a PE whose top axes hold
// position only through even functions of it (as a sinusoid's channels
// wrap around): aligned, every token sits on the centre (the issue's
// "single dot under R² 0.99"); drawn, the view shows the principal
// components, spread out, and says why.
func TestPELayoutCollapsed(t *testing.T) {
	g := grid4()
	S, D := 16, 4
	tb := make([]float64, S*D)
	for s := range S {
		x, y := g.At(s, 0)-1.5, g.At(s, 1)-1.5
		tb[s*D], tb[s*D+1], tb[s*D+2], tb[s*D+3] = x*x, y*y, x*x*y*y, 0.01*float64(s%3)
	}
	f, err := PELayout(tb, []int{1, S, D}, 0, g, GridLabels(g), "sinnd")
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, f)
	if title := get(m, "layout", "title", "text").(string); !strings.Contains(title, "one dot") {
		t.Errorf("title %q does not say the aligned layout collapses", title)
	}
	var xs []float64
	for _, tr := range traces(m) {
		if tr["name"] != "true positions" {
			xs = append(xs, nums(tr["x"])...)
		}
	}
	if len(xs) != S || slices.Max(xs)-slices.Min(xs) < 0.1 {
		t.Errorf("%d points spread over %g in x: drawn as one dot", len(xs), slices.Max(xs)-slices.Min(xs))
	}
}

// TestPELayoutOfStatesUnits checks that a layout of a record whose
// positions are in units of 10 mm (fmri) says so on its axes and in its
// error ("mean error 5.907" was 59 mm, unstated), and that one without a
// unit (a grid) does not invent one.
func TestPELayoutOfStatesUnits(t *testing.T) {
	store, err := results.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tb, sh := gridPE()
	g := grid4()
	coords := make([][]float64, 16)
	for i := range coords {
		coords[i] = mat.Row(nil, i, g)
	}
	cases := []struct {
		name, config, want string
	}{
		{"fmri", `{"task":{"coord_unit_mm":10}}`, "units of 10 mm"},
		{"grid", `{"task":{}}`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := results.Record{ID: "u" + c.name, Experiment: "fmri", Condition: "learn-0.1", Seed: 1, Status: results.StatusOK,
				Coords: coords, Config: json.RawMessage(c.config)}
			if err := sweep.WriteArtifact(store, r.ID, "pe", tb, sh...); err != nil {
				t.Fatal(err)
			}
			f, err := PELayoutOf(store, r, 0, Labels{})
			if err != nil {
				t.Fatal(err)
			}
			m := decode(t, f)
			title := get(m, "layout", "title", "text").(string)
			x := get(m, "layout", "xaxis", "title", "text").(string)
			if c.want == "" {
				if strings.Contains(title+x, "units of") {
					t.Errorf("title %q, axis %q state a unit the record lacks", title, x)
				}
				return
			}
			if !strings.Contains(title, "mean error") || !strings.Contains(title, c.want) || !strings.Contains(x, c.want) {
				t.Errorf("title %q, x axis %q: want %q in both", title, x, c.want)
			}
		})
	}
}

// TestScene3DCameraKeepsTitles checks that 3D views place the camera
// farther out than Plotly's default (1.25), where long axis titles were
// cut at the view's edge.
func TestScene3DCameraKeepsTitles(t *testing.T) {
	cents := [][3]float64{{-60, -80, 0}, {60, 40, 50}, {0, 0, -40}, {10, 10, 10}}
	f, err := Brain(cents, Labels{}, nil, "brain")
	if err != nil {
		t.Fatal(err)
	}
	m := decode(t, f)
	for _, ax := range []string{"x", "y"} {
		v, _ := get(m, "layout", "scene", "camera", "eye", ax).(float64)
		if v <= 1.25 {
			t.Errorf("camera eye %s = %v, want farther than Plotly's 1.25", ax, v)
		}
	}
}
