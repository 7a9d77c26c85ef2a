package results

import (
	"math"
	"strconv"
	"testing"
)

func rec(cond string, sigma float64, seed int64, status string, final map[string]float64) Record {
	return Record{
		ID: "r" + strconv.FormatInt(seed, 10), Experiment: "lst", Condition: cond, Seed: seed,
		Params: map[string]float64{"sigma": sigma, "seedgroup": float64(seed)},
		Final:  final, Status: status,
	}
}

// TestSummarizeKnownAnswers checks the statistics of unbounded metrics
// (names MetricBounds does not know: the plain Student-t interval).
func TestSummarizeKnownAnswers(t *testing.T) {
	rs := []Record{
		// Group A: score = 1, 2, 3, 4, 5 (mean 3, SD √2.5); one failed run is skipped.
		rec("A", 0.2, 5, StatusOK, map[string]float64{"score": 5, "shift": 0.5}),
		rec("A", 0.2, 1, StatusOK, map[string]float64{"score": 1}),
		rec("A", 0.2, 3, StatusOK, map[string]float64{"score": 3, "shift": math.NaN()}),
		rec("A", 0.2, 2, StatusOK, map[string]float64{"score": 2, "shift": 1.5}),
		rec("A", 0.2, 4, StatusOK, map[string]float64{"score": 4}),
		rec("A", 0.2, 6, StatusFailed, map[string]float64{"score": 100}),
		// Group B: score = 2, 4, 9 (mean 5, SD √13); shift has a single value.
		rec("B", 1, 11, StatusOK, map[string]float64{"score": 2}),
		rec("B", 1, 12, StatusOK, map[string]float64{"score": 4, "shift": 7}),
		rec("B", 1, 13, StatusOK, map[string]float64{"score": 9}),
		rec("B", 1, 14, StatusDiverged, map[string]float64{"score": math.NaN()}),
		// Group C: only a diverged run.
		rec("C", 2, 21, StatusDiverged, nil),
	}
	ss := Summarize(rs, func(r Record) string { return r.Condition })
	if len(ss) != 3 || ss[0].Group != "A" || ss[1].Group != "B" || ss[2].Group != "C" {
		t.Fatalf("groups %+v, want A, B, C", ss)
	}
	// t quantiles: t₀.₉₇₅(4) = 2.776445105 (tables); for ν = 2 the quantile
	// has the closed form (2p−1)/√(2p(1−p)).
	t4 := 2.776445105
	t2 := 0.95 / math.Sqrt(2*0.975*0.025)
	halfA := t4 * math.Sqrt(2.5) / math.Sqrt(5)
	halfB := t2 * math.Sqrt(13) / math.Sqrt(3)

	type stats struct{ count, mean, sd, min, max, lo, hi float64 }
	tests := []struct {
		s       Summary
		n, skip int
		params  map[string]float64
		metrics map[string]stats
		noSD    []string
		absent  []string
	}{
		{ss[0], 5, 1, map[string]float64{"sigma": 0.2}, map[string]stats{
			"score": {5, 3, math.Sqrt(2.5), 1, 5, 3 - halfA, 3 + halfA},
			"shift": {2, 1, math.Sqrt(0.5), 0.5, 1.5, 1 - 12.706204736174705*0.5, 1 + 12.706204736174705*0.5},
		}, nil, nil},
		{ss[1], 3, 1, map[string]float64{"sigma": 1}, map[string]stats{
			"score": {3, 5, math.Sqrt(13), 2, 9, 5 - halfB, 5 + halfB},
		}, []string{"shift"}, nil},
		{ss[2], 0, 1, map[string]float64{"sigma": 2, "seedgroup": 21}, nil, nil, []string{"score", "shift"}},
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-8*math.Max(1, math.Abs(b)) }
	for _, tt := range tests {
		s := tt.s
		if s.N != tt.n || s.Skipped != tt.skip {
			t.Errorf("%s: N = %d, Skipped = %d; want %d, %d", s.Group, s.N, s.Skipped, tt.n, tt.skip)
		}
		if !sameMetrics(s.Params, tt.params) {
			t.Errorf("%s: Params = %v, want %v", s.Group, s.Params, tt.params)
		}
		for m, w := range tt.metrics {
			ci := s.CI95[m]
			if float64(s.Count[m]) != w.count || !near(s.Mean[m], w.mean) || !near(s.SD[m], w.sd) ||
				s.Min[m] != w.min || s.Max[m] != w.max || !near(ci[0], w.lo) || !near(ci[1], w.hi) {
				t.Errorf("%s %s: count %d mean %v SD %v min %v max %v CI %v; want %+v",
					s.Group, m, s.Count[m], s.Mean[m], s.SD[m], s.Min[m], s.Max[m], ci, w)
			}
		}
		for _, m := range tt.noSD {
			_, hasSD := s.SD[m]
			_, hasCI := s.CI95[m]
			if hasSD || hasCI || s.Count[m] != 1 {
				t.Errorf("%s %s: one value: want no SD or CI, count 1; got %+v", s.Group, m, s)
			}
		}
		for _, m := range tt.absent {
			if _, ok := s.Mean[m]; ok {
				t.Errorf("%s %s: no finite value: want no statistics; got %+v", s.Group, m, s)
			}
		}
	}
	if got := ss[1].Mean["shift"]; got != 7 {
		t.Errorf("B loss mean = %v, want 7", got)
	}
}

func TestSummarizeDefaultGrouping(t *testing.T) {
	rs := []Record{
		{ID: "a", Experiment: "lst", Condition: "learn", Params: map[string]float64{"sigma": 1}, Seed: 1, Status: StatusOK, Final: map[string]float64{"acc": 0.5}},
		{ID: "b", Experiment: "lst", Condition: "learn", Params: map[string]float64{"sigma": 0.2}, Seed: 1, Status: StatusOK, Final: map[string]float64{"acc": 0.9}},
		{ID: "c", Experiment: "lst", Condition: "learn", Params: map[string]float64{"sigma": 0.2}, Seed: 2, Status: StatusOK, Final: map[string]float64{"acc": 0.8}},
		{ID: "d", Experiment: "fmri", Condition: "none", Seed: 1, Status: StatusOK},
	}
	ss := Summarize(rs, nil)
	want := []struct {
		group string
		n     int
	}{{"fmri none", 1}, {"lst learn sigma=0.2", 2}, {"lst learn sigma=1", 1}}
	if len(ss) != len(want) {
		t.Fatalf("Summarize gave %d groups, want %d: %+v", len(ss), len(want), ss)
	}
	for i, w := range want {
		if ss[i].Group != w.group || ss[i].N != w.n {
			t.Errorf("group %d = %q (n %d), want %q (n %d)", i, ss[i].Group, ss[i].N, w.group, w.n)
		}
	}
	if got := Summarize(nil, nil); len(got) != 0 {
		t.Errorf("Summarize(nil) = %+v, want none", got)
	}
}

func TestMarkdownTable(t *testing.T) {
	rs := []Record{
		rec("learn|0.2", 0.2, 1, StatusOK, map[string]float64{"val_acc": 0.95, "test_acc": 0.99}),
		rec("learn|0.2", 0.2, 2, StatusOK, map[string]float64{"val_acc": 0.96}),
		rec("learn|0.2", 0.2, 3, StatusOK, map[string]float64{"val_acc": 0.97, "test_acc": 0.98}),
		rec("learn|0.2", 0.2, 4, StatusDiverged, nil),
		rec("sin2d", 0, 5, StatusOK, map[string]float64{"val_acc": 0.9338}),
	}
	ss := Summarize(rs, func(r Record) string { return r.Condition })
	ref := map[string]map[string]string{"learn|0.2": {"paper val_acc": "95.37"}}
	got := MarkdownTable(ss, []string{"val_acc", "test_acc", "mse"}, ref)
	want := "| group | n | val_acc | test_acc | mse | paper val_acc |\n" +
		"|---|---|---:|---:|---:|---:|\n" +
		"| learn\\|0.2 | 3 (+1 diverged) | 0.960 ± 0.010 | 0.9850 ± 0.0071 (n=2) | – | 95.37 |\n" +
		"| sin2d | 1 | 0.9338 | – | – |  |\n"
	if got != want {
		t.Errorf("MarkdownTable =\n%s\nwant\n%s", got, want)
	}
	// nil metrics: every metric, sorted.
	got = MarkdownTable(ss[1:], nil, nil)
	want = "| group | n | val_acc |\n|---|---|---:|\n| sin2d | 1 | 0.9338 |\n"
	if got != want {
		t.Errorf("MarkdownTable with all metrics =\n%s\nwant\n%s", got, want)
	}
}

func TestFormatMeanSD(t *testing.T) {
	tests := []struct {
		mean, sd float64
		hasSD    bool
		want     string
	}{
		{0.95374, 0.01234, true, "0.954 ± 0.012"},
		{95.374, 1.234, true, "95.4 ± 1.2"},
		{95.374, 12.34, true, "95 ± 12"},
		{12345.6, 123.4, true, "12346 ± 123"},
		{0.001234, 0.0000456, true, "0.001234 ± 0.000046"},
		{2, 0, true, "2 ± 0"},
		{0.95374, 0, false, "0.9537"},
	}
	for _, tt := range tests {
		if got := formatMeanSD(tt.mean, tt.sd, tt.hasSD); got != tt.want {
			t.Errorf("formatMeanSD(%v, %v, %v) = %q, want %q", tt.mean, tt.sd, tt.hasSD, got, tt.want)
		}
	}
}

// TestBoundedCI checks the intervals of bounded metrics: a known answer on
// the logit scale, and that intervals stay within the metric's range for the
// cases reports printed out of range before (accuracy [2.64, 131.3] %, RSA up
// to 1.111, decode R² up to 1.33, a negative MSE bound).
func TestBoundedCI(t *testing.T) {
	// Known answer: accuracies 0.5, 0.8, 0.9 in [0, 1]: logits 0, ln 4, ln 9,
	// mean m = ln 36 / 3, SD s, t₀.₉₇₅(2) = 4.302652729749464.
	z := []float64{0, math.Log(4), math.Log(9)}
	m := (z[0] + z[1] + z[2]) / 3
	ss := 0.0
	for _, v := range z {
		ss += (v - m) * (v - m)
	}
	half := 4.302652729749464 * math.Sqrt(ss/2) / math.Sqrt(3)
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	got := BoundedCI([]float64{0.5, 0.8, 0.9}, 0, 1)
	if math.Abs(got[0]-sig(m-half)) > 1e-12 || math.Abs(got[1]-sig(m+half)) > 1e-12 {
		t.Errorf("BoundedCI(0.5, 0.8, 0.9 in [0, 1]) = %v, want [%v, %v]", got, sig(m-half), sig(m+half))
	}
	cases := []struct {
		metric string
		values []float64
	}{
		{"val_acc", []float64{26, 67, 100}},          // percent: the t interval reached 131
		{"val_acc", []float64{0.3, 0.97, 1}},         // fraction
		{"geo_rsa_cos_b0", []float64{0.6, 0.95, 1}},  // correlation: reached 1.111
		{"decode_r2", []float64{0.2, 0.99, 0.995}},   // R²: reached 1.33
		{"test90_mse", []float64{0.01, 0.9, 0.02}},   // MSE: the t interval went below 0
		{"geo_disparity_b0", []float64{0.8, 0.1, 0}}, // disparity in [0, 1]
		{"attn_sim", []float64{-0.99, 0.5, 0.2}},     // cosine in [−1, 1]
		{"train_acc", []float64{100, 100, 100}},      // all on the bound
		{"geo_eff_dim_b0", []float64{1, 1.2, 9}},     // ≥ 1
	}
	for _, c := range cases {
		lo, hi := MetricBounds(c.metric, c.values)
		ci := BoundedCI(c.values, lo, hi)
		if !(ci[0] >= lo && ci[1] <= hi && ci[0] <= ci[1]) {
			t.Errorf("%s %v: CI %v outside its range [%v, %v]", c.metric, c.values, ci, lo, hi)
		}
		if tl, th := tInterval(c.values); c.metric != "train_acc" && tl >= lo && th <= hi {
			t.Errorf("%s %v: the plain t interval [%v, %v] is inside [%v, %v]: not a case that needs the bounded one", c.metric, c.values, tl, th, lo, hi)
		}
		s := Summarize([]Record{
			rec("A", 0, 1, StatusOK, map[string]float64{c.metric: c.values[0]}),
			rec("A", 0, 2, StatusOK, map[string]float64{c.metric: c.values[1]}),
			rec("A", 0, 3, StatusOK, map[string]float64{c.metric: c.values[2]}),
		}, func(Record) string { return "A" })[0]
		if s.CI95[c.metric] != ci {
			t.Errorf("%s: Summarize's CI %v, BoundedCI's %v", c.metric, s.CI95[c.metric], ci)
		}
	}
	if got := BoundedCI([]float64{100, 100, 100}, 0, 100); got != [2]float64{100, 100} {
		t.Errorf("three values on the bound: CI %v, want [100, 100]", got)
	}
}

// TestBoundedSD checks the ± SD band of bounded metrics: the plain mean ±
// SD without bounds, and within the bounds where the plain band left them
// (accuracies near 100 %, RSA near 1, MSE near 0).
func TestBoundedSD(t *testing.T) {
	x := []float64{1, 2, 6}
	m, sd := MeanSD(x)
	if got := BoundedSD(x, math.Inf(-1), math.Inf(1)); math.Abs(got[0]-(m-sd)) > 1e-12 || math.Abs(got[1]-(m+sd)) > 1e-12 {
		t.Errorf("unbounded: %v, want [%v, %v]", got, m-sd, m+sd)
	}
	cases := []struct {
		metric string
		values []float64
	}{
		{"val_acc", []float64{60, 99, 100}},
		{"geo_rsa_cos_b0", []float64{0.6, 0.99, 1}},
		{"test_mse", []float64{0.01, 0.9, 0.02}},
		{"decode_r2", []float64{0.2, 0.99, 0.995}},
	}
	for _, c := range cases {
		lo, hi := MetricBounds(c.metric, c.values)
		m, sd := MeanSD(c.values)
		if m-sd >= lo && m+sd <= hi {
			t.Errorf("%s %v: the plain band is inside [%v, %v]: not a case that needs the bounded one", c.metric, c.values, lo, hi)
		}
		b := BoundedSD(c.values, lo, hi)
		if !(b[0] >= lo && b[1] <= hi && b[0] < b[1]) {
			t.Errorf("%s %v: band %v outside [%v, %v]", c.metric, c.values, b, lo, hi)
		}
	}
}
