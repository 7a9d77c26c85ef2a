package sweep_test

import (
	"testing"

	"github.com/pelab/pelab/pelib/sweep"
)

// TestSpellingsOneCell checks that the spellings of one PE give one cell
// ID. Measured before canonical names: learn-0.1, learn-0.10, LEARN-0.1
// and learn:0.1 gave four cell IDs, so four runs into one -out trained one
// model four times and the report listed four conditions.
func TestSpellingsOneCell(t *testing.T) {
	v := sweep.Vocabulary{Experiment: "tiny", Aliases: map[string]string{"2d-fixed": "sin2d", "none": "none", "nope": "none"}}
	for _, tc := range []struct {
		name      string
		spellings []string
	}{
		{"learned σ 0.1", []string{"learn-0.1", "learn-0.10", "LEARN-0.1", "learn:0.1", "learn:normal:0.1"}},
		{"2D sinusoid", []string{"2d-fixed", "2D-FIXED", "sin2d"}},
		{"no PE", []string{"none", "nope", "NONE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids := map[string][]string{} // cell ID → spellings
			for _, s := range tc.spellings {
				c, err := v.Condition(s)
				if err != nil {
					t.Fatalf("%q: %v", s, err)
				}
				p := tinyPlan(t, 1)
				p.Conditions, p.Seeds = []sweep.Condition{c}, []int64{1}
				cells, err := p.Cells()
				if err != nil {
					t.Fatalf("%q: %v", s, err)
				}
				ids[cells[0].ID] = append(ids[cells[0].ID], s)
			}
			if len(ids) != 1 {
				t.Errorf("%d cell IDs for one PE: %v", len(ids), ids)
			}
		})
	}
}
