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
