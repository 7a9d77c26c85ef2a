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
		{"learn-0.1,shaw,causal,2d", []string{"learn-0.1", "shaw,causal", "2d"}, ""},
		{"shaw,causal,maxdist=3;t5,buckets=6", []string{"shaw,causal,maxdist=3", "t5,buckets=6"}, ""},
		{"learn-0.5,wd=0.1, sin2d", []string{"learn-0.5,wd=0.1", "sin2d"}, ""},
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
