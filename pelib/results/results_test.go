package results

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// sample returns a complete record whose content depends on seed.
func sample(t testing.TB, condition string, sigma float64, seed int64) Record {
	t.Helper()
	cfg := map[string]any{"experiment": "lst", "pe": condition, "sigma": sigma, "seed": seed, "model": map[string]any{"d": 160, "layers": 4}}
	id, err := ConfigID(cfg)
	if err != nil {
		t.Fatal(err)
	}
	canon, err := Canonical(cfg)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 27, 10, 0, int(seed%60), 123456789, time.UTC)
	return Record{
		ID:         id,
		Experiment: "lst",
		Condition:  condition,
		Seed:       seed,
		Params:     map[string]float64{"sigma": sigma},
		Config:     canon,
		History: []Point{
			{Step: 0, Epoch: 0, Metrics: map[string]float64{"train_loss": 1.386, "val_acc": 0.25}},
			{Step: 6400, Epoch: 100, Metrics: map[string]float64{"train_loss": 0.01 + float64(seed)*1e-6, "val_acc": 0.9}},
		},
		Final:       map[string]float64{"val_acc": 0.9 + float64(seed%7)/100, "test_acc": 0.97},
		Status:      StatusOK,
		Backend:     "onnx:cpu",
		Device:      "2-core x86_64",
		Version:     "v0.0.0-test",
		WallSeconds: 12.5,
		Started:     start,
		Finished:    start.Add(12500 * time.Millisecond),
	}
}

func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func sameMetrics(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !sameFloat(v, w) {
			return false
		}
	}
	return true
}

// diffRecord describes how got differs from want, or returns "" when they
// are equal (NaN equal to NaN, times compared as instants).
func diffRecord(got, want Record) string {
	var d []string
	check := func(field string, ok bool) {
		if !ok {
			d = append(d, field)
		}
	}
	check("ID", got.ID == want.ID)
	check("Experiment", got.Experiment == want.Experiment)
	check("Condition", got.Condition == want.Condition)
	check("Seed", got.Seed == want.Seed)
	check("Params", sameMetrics(got.Params, want.Params))
	check("Config", string(got.Config) == string(want.Config))
	check("History", slices.EqualFunc(got.History, want.History, func(a, b Point) bool {
		return a.Step == b.Step && a.Epoch == b.Epoch && sameMetrics(a.Metrics, b.Metrics)
	}))
	check("Final", sameMetrics(got.Final, want.Final))
	check("Status", got.Status == want.Status)
	check("Error", got.Error == want.Error)
	check("Backend", got.Backend == want.Backend)
	check("Device", got.Device == want.Device)
	check("Version", got.Version == want.Version)
	check("WallSeconds", got.WallSeconds == want.WallSeconds)
	check("Started", got.Started.Equal(want.Started))
	check("Finished", got.Finished.Equal(want.Finished))
	if len(d) == 0 {
		return ""
	}
	return fmt.Sprintf("fields differ: %v\n got %+v\nwant %+v", d, got, want)
}

func TestRecordJSONRoundTrip(t *testing.T) {
	full := sample(t, "learn:normal:0.2", 0.2, 2235)
	diverged := sample(t, "learn:normal:2.0", 2, 29)
	diverged.Status = StatusDiverged
	diverged.Error = "loss is NaN at step 812"
	diverged.Final = map[string]float64{"train_loss": math.NaN(), "grad": math.Inf(1), "neg": math.Inf(-1), "val_acc": 0.25}
	diverged.History = append(diverged.History, Point{Step: 812, Epoch: 12.6875, Metrics: map[string]float64{"train_loss": math.NaN()}})
	minimal := Record{ID: "a", Experiment: "tutorial", Status: StatusFailed}

	for _, r := range []Record{full, diverged, minimal} {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("%s: Marshal: %v", r.ID, err)
		}
		var got Record
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: Unmarshal %s: %v", r.ID, b, err)
		}
		if d := diffRecord(got, r); d != "" {
			t.Errorf("%s: %s", r.ID, d)
		}
	}

	b, _ := json.Marshal(diverged)
	for _, want := range []string{`"train_loss":"NaN"`, `"grad":"+Inf"`, `"neg":"-Inf"`, `"wall_s":12.5`, `"status":"diverged"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON of a diverged record lacks %s: %s", want, b)
		}
	}
	b, _ = json.Marshal(minimal)
	if want := `{"id":"a","experiment":"tutorial","condition":"","seed":0,"status":"failed","wall_s":0}`; string(b) != want {
		t.Errorf("JSON of a minimal record = %s, want %s", b, want)
	}
}

func TestRecordUnmarshalErrors(t *testing.T) {
	tests := []string{
		`{"id":"a","final":{"x":"nan"}}`,
		`{"id":"a","final":{"x":true}}`,
		`{"id":"a","history":[{"step":1,"metrics":{"x":"big"}}]}`,
		`{"id":"a","seed":1.5}`,
		`{"id":"a","started":"yesterday"}`,
		`[1,2]`,
	}
	for _, in := range tests {
		var r Record
		if err := json.Unmarshal([]byte(in), &r); err == nil {
			t.Errorf("Unmarshal(%s) = %+v, want an error", in, r)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Record{ID: "abc_01-X", Experiment: "lst", Status: StatusOK}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v, want nil", ok, err)
	}
	tests := []struct {
		name   string
		modify func(*Record)
		want   string // part of the error message
	}{
		{"empty id", func(r *Record) { r.ID = "" }, "record id"},
		{"id with slash", func(r *Record) { r.ID = "../x" }, "record id"},
		{"id with dot first", func(r *Record) { r.ID = ".x" }, "record id"},
		{"id too long", func(r *Record) { r.ID = strings.Repeat("a", 129) }, "record id"},
		{"no experiment", func(r *Record) { r.Experiment = "" }, "empty experiment"},
		{"unknown status", func(r *Record) { r.Status = "done" }, `status "done"`},
		{"NaN param", func(r *Record) { r.Params = map[string]float64{"sigma": math.NaN()} }, `parameter "sigma"`},
		{"empty param name", func(r *Record) { r.Params = map[string]float64{"": 1} }, "empty parameter name"},
		{"negative wall time", func(r *Record) { r.WallSeconds = -1 }, "wall time"},
		{"bad config", func(r *Record) { r.Config = json.RawMessage(`{"a":`) }, "config"},
		{"Inf epoch", func(r *Record) { r.History = []Point{{Epoch: math.Inf(1)}} }, "epoch"},
		{"empty metric name", func(r *Record) { r.Final = map[string]float64{"": 1} }, "empty final metric"},
	}
	for _, tt := range tests {
		r := ok
		tt.modify(&r)
		err := r.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	if !ValidID(strings.Repeat("a", 128)) {
		t.Error("ValidID rejects a 128-character id")
	}
}

func TestCompare(t *testing.T) {
	mk := func(exp, cond string, params map[string]float64, seed int64, id string) Record {
		return Record{ID: id, Experiment: exp, Condition: cond, Params: params, Seed: seed, Status: StatusOK}
	}
	// In the wanted order.
	want := []Record{
		mk("fmri", "z", nil, 9, "r0"),
		mk("lst", "learn", nil, 1, "r1"),
		mk("lst", "learn", map[string]float64{"sigma": 0.2}, 5, "r2"),
		mk("lst", "learn", map[string]float64{"sigma": 0.2}, 6, "r3"),
		mk("lst", "learn", map[string]float64{"sigma": 0.2}, 6, "r4"),
		mk("lst", "learn", map[string]float64{"sigma": 0.2, "wd": 0}, 1, "r5"),
		mk("lst", "learn", map[string]float64{"sigma": 1.0}, 1, "r6"),
		mk("lst", "learn", map[string]float64{"tau": 0}, 1, "r7"),
		mk("lst", "sin2d", nil, 0, "r8"),
	}
	got := slices.Clone(want)
	slices.Reverse(got)
	Sort(got)
	for i := range got {
		if got[i].ID != want[i].ID {
			t.Fatalf("sorted ids = %v, want r0 … r8 in order", ids(got))
		}
	}
}

func ids(rs []Record) []string {
	var s []string
	for _, r := range rs {
		s = append(s, r.ID)
	}
	return s
}

// TestCoordsField: a record's token coordinates round-trip, and a record
// written before the field existed gets them from its config.
func TestCoordsField(t *testing.T) {
	r := Record{ID: "a1", Experiment: "x", Condition: "c", Status: StatusOK, Coords: [][]float64{{0, 1}, {2.5, -3}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Coords, r.Coords) {
		t.Errorf("coords %v, want %v", back.Coords, r.Coords)
	}
	old := []byte(`{"id":"a2","experiment":"x","condition":"c","seed":1,"status":"ok","wall_s":0,"config":{"model":{"Layout":{"Coords":[[0,0],[0,1]],"Grid":[1,2]}},"protocol":"quick"}}`)
	if err := json.Unmarshal(old, &back); err != nil {
		t.Fatal(err)
	}
	if want := [][]float64{{0, 0}, {0, 1}}; !reflect.DeepEqual(back.Coords, want) || back.Protocol != "quick" {
		t.Errorf("an older record read as coords %v, protocol %q; want %v from its config, quick", back.Coords, back.Protocol, want)
	}
}
