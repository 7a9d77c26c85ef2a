package sweep_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
)

// TestFitMemory: a plan whose largest group (6 learned-PE models of
// tinyPlan) does not fit the budget trains fewer models per group — the
// most that fit — and says so; one that fits is left alone; one whose
// single model does not fit is refused with a *train.MemoryError.
func TestFitMemory(t *testing.T) {
	est := func(m int) float64 {
		p := tinyPlan(t, 1)
		cells, err := p.Cells()
		if err != nil {
			t.Fatal(err)
		}
		e, err := p.Memory(sweep.Groups(cells, m))
		if err != nil {
			t.Fatal(err)
		}
		return e.Total()
	}
	if !(est(1) < est(3) && est(3) < est(4) && est(4) < est(6)) {
		t.Fatalf("estimates of 1, 3, 4, 6 models do not grow: %g %g %g %g", est(1), est(3), est(4), est(6))
	}
	for _, tt := range []struct {
		name   string
		budget float64
		maxM   int    // p.MaxM after
		note   string // in the note
		refuse bool
	}{
		{"fits", est(6), 0, "", false},
		{"three fit", est(3), 3, "at most 3 model(s) per group", false},
		{"just under four", est(4) - 1, 3, "6 models per group would need", false},
		{"one does not fit", est(1) - 1, 0, "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := tinyPlan(t, 1)
			e, note, err := p.FitMemory(train.MemoryBudget{Bytes: tt.budget, Source: "-max-memory test", OK: true})
			var me *train.MemoryError
			if tt.refuse {
				if !errors.As(err, &me) || !strings.Contains(err.Error(), "tiny/tiny") {
					t.Fatalf("error %v, want a *train.MemoryError naming the plan", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.MaxM != tt.maxM || !strings.Contains(note, tt.note) || (tt.note == "") != (note == "") {
				t.Errorf("MaxM %d, note %q; want %d and a note with %q", p.MaxM, note, tt.maxM, tt.note)
			}
			if e.Total() > tt.budget {
				t.Errorf("estimate %g past the budget %g", e.Total(), tt.budget)
			}
		})
	}
}
