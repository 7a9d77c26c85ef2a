package plots

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// TestConditionStyle checks the one style per condition: aliases of one PE
// share it, the oracle sinusoids are black and dashed, each control has a
// colour no other control and no σ has, and σ colours are distinct and
// ordered along the ramp.
func TestConditionStyle(t *testing.T) {
	black := color.RGBA{0, 0, 0, 0xff}
	same := []struct{ a, b string }{
		{"sinnd", "nd-fixed"}, {"sinnd", "2d-fixed"}, {"sinnd", "sin3d"}, {"ropend", "rope3d"}, {"shaw", "relative"},
		{"learn-0.1", "learn-0.10"},
	}
	for _, c := range same {
		if ConditionStyle(c.a) != ConditionStyle(c.b) {
			t.Errorf("%s and %s: styles %v and %v, want one", c.a, c.b, ConditionStyle(c.a), ConditionStyle(c.b))
		}
	}
	for _, o := range []string{"2d-fixed", "sinnd", "sin3d"} {
		if s := ConditionStyle(o); s.Colour != black || s.Dash != "dash" {
			t.Errorf("oracle %s: %v, want dashed black", o, s)
		}
	}
	controls := []string{"sinnd", "1d-fixed", "none", "random", "ropend", "shaw", "relative-bidir", "t5", "alibi", "uniform", "learned", "coordlin", "coordmlp", "dpb"}
	seen := map[color.RGBA]string{}
	for _, c := range controls {
		col := ConditionStyle(c).Colour
		if o, dup := seen[col]; dup {
			t.Errorf("%s and %s share colour %v", c, o, col)
		}
		seen[col] = c
	}
	sigmas := []float64{0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 1.5, 2, 3}
	for i, s := range sigmas {
		st := ConditionStyle(fmt.Sprintf("learn-%g", s))
		if st.Dash != "solid" {
			t.Errorf("learn-%g: dash %q, want solid", s, st.Dash)
		}
		if o, dup := seen[st.Colour]; dup {
			t.Errorf("learn-%g shares colour %v with %s", s, st.Colour, o)
		}
		seen[st.Colour] = fmt.Sprint(s)
		// Told apart by eye: neighbouring σ of a sweep by ΔE ≥ 25, the
		// σ a notebook draws together (0.1, 0.5, 1, 2) by ≥ 35, and every
		// σ by ≥ 20 from every control drawn beside it.
		if i > 0 {
			if d := deltaE(st.Colour, SigmaColour(sigmas[i-1])); d < 25 {
				t.Errorf("learn-%g and learn-%g: ΔE %.0f, want ≥ 25", s, sigmas[i-1], d)
			}
		}
		for _, c := range []string{"sinnd", "1d-fixed", "none", "random", "ropend", "shaw", "relative-bidir", "learned", "coordlin", "coordmlp", "dpb"} {
			if d := deltaE(st.Colour, ConditionStyle(c).Colour); d < 20 {
				t.Errorf("learn-%g and %s: ΔE %.0f, want ≥ 20", s, c, d)
			}
		}
	}
	for _, p := range [][2]float64{{0.1, 0.5}, {0.5, 1}, {1, 2}, {0.1, 2}, {0.5, 2}} {
		if d := deltaE(SigmaColour(p[0]), SigmaColour(p[1])); d < 35 {
			t.Errorf("σ %g and %g: ΔE %.0f, want ≥ 35", p[0], p[1], d)
		}
	}
	if SigmaColour(2) == SigmaColour(3) || SigmaColour(0.001) != SigmaColour(SigmaMin) || SigmaColour(10) != SigmaColour(SigmaMax) {
		t.Errorf("ramp ends: σ 2 and 3 must differ, σ outside [%g, %g] take the end colours", SigmaMin, SigmaMax)
	}
	if wd := ConditionStyle("learn-0.2-wd"); wd.Colour != ConditionStyle("learn-0.2").Colour || wd.Dash != "dot" {
		t.Errorf("learn-0.2-wd: %v, want learn-0.2's colour dotted", wd)
	}
	if u := ConditionStyle("mystery"); u != unknownStyle {
		t.Errorf("unknown condition: %v, want grey", u)
	}
}

// TestLinesLegendNamesEverySeries checks that a legend with more entries
// than fit one column (25 σ of a sweep) wraps into columns that each fit
// the figure, so no series goes unnamed (before, the legend ran off the
// bottom after about 15 entries).
func TestLinesLegendNamesEverySeries(t *testing.T) {
	for _, n := range []int{3, 25} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			var ss []Series
			for i := range n {
				name := fmt.Sprintf("learn-%g", 0.01+0.1*float64(i))
				ss = append(ss, Series{Name: name, Condition: name, X: []float64{0, 1}, Mean: []float64{float64(i), float64(i + 1)}})
			}
			f, err := Lines(ss, LinesOptions{Title: "t", XLabel: "epoch", YLabel: "y"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.PNG(0, 0); err != nil {
				t.Fatal(err)
			}
			if f.keys != n {
				t.Fatalf("%d legend entries, want %d", f.keys, n)
			}
			c := draw.New(vgimgCanvas(t))
			leg := newSideLegend()
			for _, s := range ss {
				leg.add(s.Name)
			}
			rest := leg.split(c)
			entries := 0
			for i, col := range leg.cols {
				entries += leg.rows[i]
				r := col.Rectangle(c)
				if h := r.Max.Y - r.Min.Y; h > c.Max.Y-c.Min.Y-vg.Points(legendTitleRoom)+1e-6 {
					t.Errorf("column %d is %.0f pt high, the figure %.0f", i, h, c.Max.Y-c.Min.Y)
				}
			}
			if entries != n {
				t.Errorf("columns hold %d entries, want %d", entries, n)
			}
			if rest.Max.X-rest.Min.X < (c.Max.X-c.Min.X)/4 {
				t.Errorf("legend leaves %.0f pt of %.0f for the plot", rest.Max.X-rest.Min.X, c.Max.X-c.Min.X)
			}
		})
	}
}

// TestBandsWithinBounds checks that bands of bounded quantities stay
// within their bounds: SeriesOverSeeds' band of accuracies near 100 % (the
// plain mean ± SD reached 102 %), and Lines cutting an SD band at a bound
// with a legend entry saying so, refusing a mean outside the bounds.
func TestBandsWithinBounds(t *testing.T) {
	runs := [][]float64{{97, 100, 60}, {99, 100, 20}, {100, 100, 40}}
	s, err := SeriesOverSeeds("acc", []float64{1, 2, 3}, runs, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.X {
		if !(s.Low[i] >= 0 && s.High[i] <= 100 && s.Low[i] <= s.Mean[i] && s.Mean[i] <= s.High[i]) {
			t.Errorf("x %g: band [%g, %g] around mean %g leaves [0, 100] or misses the mean", s.X[i], s.Low[i], s.High[i], s.Mean[i])
		}
	}
	plain := Series{Name: "rsa", X: []float64{1, 2}, Mean: []float64{0.95, 0.5}, SD: []float64{0.2, 0.1}}
	cases := []struct {
		name    string
		s       Series
		bounds  [2]float64
		keys    int
		wantErr bool
	}{
		{"cut", plain, [2]float64{-1, 1}, 2, false},
		{"inside", plain, [2]float64{-2, 2}, 1, false},
		{"unbounded", plain, [2]float64{}, 1, false},
		{"open-above", plain, [2]float64{0.8, math.Inf(1)}, 0, true}, // mean 0.5 below 0.8
		{"bad-bounds", plain, [2]float64{1, -1}, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Lines([]Series{c.s}, LinesOptions{Bounds: c.bounds})
			if c.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.keys != c.keys {
				t.Errorf("%d legend entries, want %d (the cut mark's entry only when cut)", f.keys, c.keys)
			}
			if _, err := f.PNG(0, 0); err != nil {
				t.Fatal(err)
			}
		})
	}
	low, high, cl, ch := bandEdges(plain, &[2]float64{-1, 1})
	if high[0] != 1 || low[0] != 0.75 || len(ch) != 1 || len(cl) != 0 {
		t.Errorf("band cut at 1: low %v high %v, cut low %v high %v; want high[0] = 1 and one cut", low, high, cl, ch)
	}
}

// TestFitTitle checks that a title wider than its figure is wrapped to
// lines that fit (the σ-figure and geometry titles ran off the left
// edge), that one that fits is unchanged, and that a drawn Lines plot
// keeps its title within the figure.
func TestFitTitle(t *testing.T) {
	p := newPlot("", "", "")
	sty := p.Title.TextStyle
	long := "2d sinnd (seed 2235): block-1 PE; RSA 0.15, alignment error 3.04, eff. dim. 4.3, and some more words"
	cases := []struct {
		title string
		w     vg.Length
		lines int // at least
	}{
		{"short", 4 * vg.Inch, 1},
		{long, 3 * vg.Inch, 2},
		{long + "\nsecond line", 3 * vg.Inch, 3},
		{"unbreakablewordthatiswiderthanthefigureitself", vg.Inch, 1},
	}
	for _, c := range cases {
		got := FitTitle(c.title, sty, c.w)
		lines := strings.Split(got, "\n")
		if len(lines) < c.lines {
			t.Errorf("%q: %d lines, want ≥ %d", c.title, len(lines), c.lines)
		}
		for _, l := range lines {
			if sty.Width(l) > c.w && strings.Contains(l, " ") {
				t.Errorf("%q: line %q is %.0f pt wide, the figure %.0f", c.title, l, sty.Width(l), c.w)
			}
		}
		if strings.Join(strings.Fields(got), " ") != strings.Join(strings.Fields(c.title), " ") {
			t.Errorf("%q: words changed: %q", c.title, got)
		}
	}
}

// TestScatterFitNamesEveryPoint checks that with PointConditions each of
// 23 crowded points has a legend entry (before, labels on the plot were
// thinned where they piled up, leaving points unnamed), and that a wrong
// number of conditions is an error.
func TestScatterFitNamesEveryPoint(t *testing.T) {
	var x, y []float64
	var labels, conds []string
	for i := range 23 {
		s := 0.01 + 0.1*float64(i)
		x, y = append(x, 0.3+0.001*float64(i)), append(y, 90-float64(i))
		labels, conds = append(labels, fmt.Sprintf("σ=%g", s)), append(conds, fmt.Sprintf("learn-%g", s))
	}
	f, err := ScatterFit(x, y, FitOptions{PointLabels: labels, PointConditions: conds})
	if err != nil {
		t.Fatal(err)
	}
	if f.keys != 24 { // 23 points and the trend
		t.Errorf("%d legend entries, want 24", f.keys)
	}
	if _, err := f.PNG(0, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := ScatterFit(x, y, FitOptions{PointConditions: conds[:3]}); err == nil {
		t.Error("3 conditions for 23 points accepted")
	}
}

// deltaE is the CIE76 colour difference of two sRGB colours in L*a*b*
// (D65): about 2.3 is just noticeable, above about 25 two line colours are
// told apart at a glance.
func deltaE(a, b color.RGBA) float64 {
	lab := func(c color.RGBA) [3]float64 {
		lin := func(v uint8) float64 {
			x := float64(v) / 255
			if x <= 0.04045 {
				return x / 12.92
			}
			return math.Pow((x+0.055)/1.055, 2.4)
		}
		r, g, bl := lin(c.R), lin(c.G), lin(c.B)
		x := (0.4124*r + 0.3576*g + 0.1805*bl) / 0.95047
		y := 0.2126*r + 0.7152*g + 0.0722*bl
		z := (0.0193*r + 0.1192*g + 0.9505*bl) / 1.08883
		f := func(t float64) float64 {
			if t > 0.008856 {
				return math.Cbrt(t)
			}
			return 7.787*t + 16.0/116
		}
		return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
	}
	p, q := lab(a), lab(b)
	return math.Sqrt((p[0]-q[0])*(p[0]-q[0]) + (p[1]-q[1])*(p[1]-q[1]) + (p[2]-q[2])*(p[2]-q[2]))
}
