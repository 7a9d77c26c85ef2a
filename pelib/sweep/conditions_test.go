package sweep

import (
	"strings"
	"testing"
)

func TestVocabulary(t *testing.T) {
	v := Vocabulary{Experiment: "x", Aliases: map[string]string{"2d": "sin2d"}, WeightDecay: 0.01,
		Lists: map[string][]string{"sigmas": SigmaNames([]float64{0.1, 2}), "paper": {"2d", "learn-0.5-wd"}}}
	for name, want := range map[string]string{
		"learn-0.2": "learn:normal:0.2", "learn-0.2-wd": "learn:normal:0.2,wd=0.01", "2d": "sin2d", "rope2d": "rope2d",
	} {
		c, err := v.Condition(name)
		if err != nil || c.PE.String() != want || c.Name != name {
			t.Errorf("%s → %q, %v; want %s", name, c.PE.String(), err, want)
		}
	}
	cs, err := v.Parse("sigmas; paper")
	if err != nil || len(cs) != 4 || cs[0].Name != "learn-0.1" || cs[3].Name != "learn-0.5-wd" {
		t.Errorf("Parse: %v %v", cs, err)
	}
	noWD := v
	noWD.WeightDecay = 0
	for _, bad := range []string{"learn-0", "learn-x", "bogus", ""} {
		if _, err := v.Parse(bad); err == nil || !strings.Contains(err.Error(), "x: ") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := noWD.Condition("learn-0.2-wd"); err == nil {
		t.Error("learn-σ-wd accepted without a weight decay")
	}
}

func TestVocabularyParseLists(t *testing.T) {
	v := Vocabulary{Experiment: "x", Aliases: map[string]string{"2d": "sin2d", "relative": "shaw,causal"},
		Lists: map[string][]string{"sigmas": SigmaNames([]float64{0.1, 2})}}
	for _, tc := range []struct {
		list  string
		names []string // want these condition names
		err   string   // or an error containing this
	}{
		{"learn-0.1,2d", []string{"learn-0.1", "2d"}, ""},
		{"learn-0.1,shaw,causal,2d", []string{"learn-0.1", "relative", "2d"}, ""}, // canonical names: the alias
		{"shaw,causal,maxdist=3;t5,buckets=6", []string{"shaw:normal:1,causal,maxdist=3", "t5:zeros,buckets=6"}, ""},
		{"learn-0.5,wd=0.1, sin2d", []string{"learn:normal:0.5,wd=0.1", "2d"}, ""},
		{"learn-0.1,,2d,", []string{"learn-0.1", "2d"}, ""},
		{"learn-0.1,learn-0.10", nil, `x: conditions "learn-0.1" at item 1 and "learn-0.10" at item 2 are the same PE, learn:normal:0.1: give it once`},
		{"relative,shaw,causal", nil, `x: conditions "relative" at item 1 and "shaw,causal" at item 2 are the same PE, shaw:normal:1,causal`},
		{"sigmas,learn-2", nil, `x: conditions "learn-2" (from list "sigmas") at item 1 and "learn-2" at item 2 are the same PE`},
		{"2d,2d", nil, `"2d" at item 1 and "2d" at item 2`},
		{"2d,bogus", nil, `item 2: x: condition "bogus"`},
		{"causal,shaw", nil, `item 1: x: condition "causal"`},
		{" , ;", nil, `x: empty condition list`},
	} {
		cs, err := v.Parse(tc.list)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q): error %v; want one containing %q", tc.list, err, tc.err)
			}
			continue
		}
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
		}
		if err != nil || strings.Join(names, "|") != strings.Join(tc.names, "|") {
			t.Errorf("Parse(%q) = %q, %v; want %q", tc.list, names, err, tc.names)
		}
	}
}

// TestCanonicalName checks that every spelling of one PE names one
// condition, and so one cell ID: case, trailing zeros, the ':' forms and
// aliases. Before CanonicalName, learn-0.1, learn-0.10, LEARN-0.1 and
// learn:0.1 were four conditions with four cell IDs.
func TestCanonicalName(t *testing.T) {
	v := Vocabulary{Experiment: "x", WeightDecay: 0.01, Aliases: map[string]string{
		"2d-fixed": "sin2d", "none": "none", "nope": "none", "shaw": "shaw", "relative": "shaw", "z-rel": "shaw,causal",
	}}
	for _, tc := range []struct {
		want      string
		spellings []string
	}{
		{"learn-0.1", []string{"learn-0.1", "learn-0.10", "LEARN-0.1", "learn:0.1", "learn:normal:0.1", " Learn-1e-1 ", "learn:normal:0.100"}},
		{"learn-2", []string{"learn-2", "learn-2.0", "learn:2", "learn:normal:2e0"}},
		{"learn-0.2-wd", []string{"learn-0.2-wd", "LEARN-0.20-WD", "learn:0.2,wd=0.01", "learn-0.2,wd=0.010"}},
		{"learn:normal:0.2,wd=0.5", []string{"learn-0.2,wd=0.5", "learn:0.2,wd=0.50"}},
		{"2d-fixed", []string{"2d-fixed", "2D-Fixed", "sin2d", "SIN2D"}},
		{"none", []string{"none", "nope", "NOPE", "None"}},
		{"shaw", []string{"shaw", "relative", "shaw:normal:1", "shaw:1"}},
		{"z-rel", []string{"z-rel", "shaw,causal", "shaw:1,causal"}},
		{"learn:xavier", []string{"learn:xavier", "LEARN:Xavier"}},
		{"rope1d", []string{"rope1d", "rope"}},
		{"coordlin-0.1", []string{"coordlin-0.1", "coordlin:0.1", "COORDLIN:normal:0.10"}},
		{"coordmlp-2", []string{"coordmlp-2", "coordmlp:2,hidden=64,depth=1"}},
		{"coordmlp:normal:2,hidden=8", []string{"coordmlp-2,hidden=8"}},
		{"dpb-0.5", []string{"dpb-0.5", "dpb:normal:0.5,every"}},
	} {
		for _, s := range tc.spellings {
			c, err := v.Condition(s)
			if err != nil {
				t.Errorf("%q: %v", s, err)
				continue
			}
			if c.Name != tc.want {
				t.Errorf("%q named %q, want %q", s, c.Name, tc.want)
			}
			if got := v.Canonical(s); got != tc.want {
				t.Errorf("Canonical(%q) = %q, want %q", s, got, tc.want)
			}
		}
	}
	if got := v.Canonical("no such pe"); got != "no such pe" {
		t.Errorf("Canonical of an unknown name = %q, want it unchanged", got)
	}
}

func TestFamilyOf(t *testing.T) {
	for _, tc := range []struct {
		name   string
		family string
		sigma  float64
		ok     bool
	}{
		{"learn-0.1", "learn", 0.1, true},
		{"coordlin-2", "coordlin", 2, true},
		{"coordmlp-0.5", "coordmlp", 0.5, true},
		{"dpb-0.1", "dpb", 0.1, true},
		{"learn-0.1-wd", "", 0, false},
		{"sinnd", "", 0, false},
		{"coordmlp:normal:2,hidden=8", "", 0, false},
	} {
		f, s, ok := FamilyOf(tc.name)
		if f != tc.family || s != tc.sigma || ok != tc.ok {
			t.Errorf("FamilyOf(%q) = %q, %g, %t; want %q, %g, %t", tc.name, f, s, ok, tc.family, tc.sigma, tc.ok)
		}
	}
}
