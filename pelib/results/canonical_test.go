package results

import (
	"encoding/json"
	"math"
	"testing"
)

type cfgXY struct {
	X     int                `json:"x"`
	Y     map[string]float64 `json:"y"`
	Label string             `json:"label"`
}

// cfgYX has the fields of cfgXY in another order.
type cfgYX struct {
	Label string             `json:"label"`
	Y     map[string]float64 `json:"y"`
	X     int                `json:"x"`
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"empty object", map[string]int{}, `{}`},
		{"sorted keys, nested", json.RawMessage(`{"b": {"z": 1, "a": 2}, "a": [ {"y":1,"x":2} ]}`), `{"a":[{"x":2,"y":1}],"b":{"a":2,"z":1}}`},
		{"number spellings", json.RawMessage(`{"b":1.50,"a":[1e0, 2E2, -0.0, 0.1, 1.0e-7, -0]}`), `{"a":[1,200,0,0.1,1e-07,0],"b":1.5}`},
		{"float64 values", map[string]float64{"s": 0.2, "two": 2, "big": 1e21, "tiny": 5e-324}, `{"big":1e+21,"s":0.2,"tiny":5e-324,"two":2}`},
		{"exact int64", map[string]int64{"seed": math.MaxInt64, "neg": math.MinInt64}, `{"neg":-9223372036854775808,"seed":9223372036854775807}`},
		{"big integer literal kept exact", json.RawMessage(`123456789012345678901234567890`), `123456789012345678901234567890`},
		{"no HTML escaping, unicode kept", map[string]string{"k": "<a&b> σ \"q\"\n"}, `{"k":"<a&b> σ \"q\"\n"}`},
		{"struct", cfgXY{X: 3, Y: map[string]float64{"b": 1, "a": 0.5}, Label: "l"}, `{"label":"l","x":3,"y":{"a":0.5,"b":1}}`},
		{"scalars", []any{nil, true, false, "s"}, `[null,true,false,"s"]`},
	}
	for _, tt := range tests {
		got, err := Canonical(tt.in)
		if err != nil {
			t.Errorf("%s: Canonical: %v", tt.name, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s: Canonical = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestCanonicalErrors(t *testing.T) {
	tests := []struct {
		name string
		in   any
	}{
		{"NaN", map[string]float64{"x": math.NaN()}},
		{"Inf", []float64{math.Inf(1)}},
		{"invalid raw JSON", json.RawMessage(`{"a":`)},
		{"number out of float64 range", json.RawMessage(`1e400`)},
		{"channel", make(chan int)},
	}
	for _, tt := range tests {
		if got, err := Canonical(tt.in); err == nil {
			t.Errorf("%s: Canonical = %s, want an error", tt.name, got)
		}
		if _, err := ConfigID(tt.in); err == nil {
			t.Errorf("%s: ConfigID: want an error", tt.name)
		}
	}
}

func TestConfigID(t *testing.T) {
	// Known answer: sha256("{}") = 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a.
	id, err := ConfigID(struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	if id != "44136fa355b3678a" {
		t.Errorf("ConfigID({}) = %s, want 44136fa355b3678a", id)
	}
	if !ValidID(id) || len(id) != 16 {
		t.Errorf("ConfigID gave %q: want 16 hex digits that ValidID accepts", id)
	}

	xy := cfgXY{X: 3, Y: map[string]float64{"sigma": 0.2, "lr": 1e-4, "wd": 0}, Label: "learn:normal:0.2"}
	yx := cfgYX{Label: "learn:normal:0.2", X: 3, Y: map[string]float64{"wd": 0, "sigma": 0.2, "lr": 1e-4}}
	raw := json.RawMessage(`{ "y": {"lr": 0.00010, "wd": 0.0, "sigma": 2e-1}, "x": 3.0, "label": "learn:normal:0.2" }`)
	canon, err := Canonical(xy)
	if err != nil {
		t.Fatal(err)
	}
	same := []struct {
		name string
		v    any
	}{
		{"struct", xy},
		{"pointer to struct", &xy},
		{"fields in another order", yx},
		{"hand-written JSON", raw},
		{"its canonical JSON", canon},
	}
	want, err := ConfigID(xy)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range same {
		// Repeat: map iteration order varies from call to call.
		for range 20 {
			got, err := ConfigID(s.v)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got != want {
				t.Fatalf("%s: ConfigID = %s, want %s", s.name, got, want)
			}
		}
	}

	different := []struct {
		name string
		v    any
	}{
		{"sigma one ulp larger", cfgXY{X: 3, Y: map[string]float64{"sigma": math.Nextafter(0.2, 1), "lr": 1e-4, "wd": 0}, Label: "learn:normal:0.2"}},
		{"another x", cfgXY{X: 4, Y: map[string]float64{"sigma": 0.2, "lr": 1e-4, "wd": 0}, Label: "learn:normal:0.2"}},
		{"extra key", cfgXY{X: 3, Y: map[string]float64{"sigma": 0.2, "lr": 1e-4, "wd": 0, "m": 0}, Label: "learn:normal:0.2"}},
		{"another label", cfgXY{X: 3, Y: map[string]float64{"sigma": 0.2, "lr": 1e-4, "wd": 0}, Label: "learn:normal:0.5"}},
		{"number as string", json.RawMessage(`{"label":"learn:normal:0.2","x":"3","y":{"lr":0.0001,"sigma":0.2,"wd":0}}`)},
	}
	for _, d := range different {
		got, err := ConfigID(d.v)
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		if got == want {
			t.Errorf("%s: ConfigID = %s, the same as the original config's", d.name, got)
		}
	}
}
