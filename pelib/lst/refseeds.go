package lst

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pelab/pelab/pelib/results"
)

// referenceSeedsCSV holds the per-seed accuracies of the paper's reference
// runs (the companion project's result files; see the file's header).
//
//go:embed reference_seeds.csv
var referenceSeedsCSV string

// ReferencePoint is one reference run's accuracy at one of its
// evaluations. RefEpoch is the reference's own epoch label: its evaluation
// e-k comes after k+1 epochs of training (64 steps each), so it compares
// with pelab's epoch k+1 (docs/experiments.md).
type ReferencePoint struct {
	Condition string // pelab's name: learn-0.1, learn-0.5, learn-1, learn-2, 2d-fixed
	Seed      int64
	RefEpoch  int
	Phase     string  // "train", "test" (900 held-out) or "validation" (108 original)
	Accuracy  float64 // in [0, 1]
}

// TrainedEpochs is the number of epochs the reference had trained at
// p's evaluation: RefEpoch + 1.
func (p ReferencePoint) TrainedEpochs() int { return p.RefEpoch + 1 }

// ReferencePoints parses the embedded per-seed reference accuracies.
func ReferencePoints() ([]ReferencePoint, error) {
	rd := csv.NewReader(strings.NewReader(referenceSeedsCSV))
	rd.Comment = '#'
	rd.FieldsPerRecord = 5
	var out []ReferencePoint
	header := true
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("lst: reference_seeds.csv: %w", err)
		}
		if header {
			header = false
			continue
		}
		line, _ := rd.FieldPos(0)
		seed, err1 := strconv.ParseInt(rec[1], 10, 64)
		ep, err2 := strconv.Atoi(rec[2])
		acc, err3 := strconv.ParseFloat(rec[4], 64)
		if err1 != nil || err2 != nil || err3 != nil || acc < 0 || acc > 1 {
			return nil, fmt.Errorf("lst: reference_seeds.csv line %d: want condition,seed,ref_epoch,phase,accuracy in [0,1], got %q", line, rec)
		}
		out = append(out, ReferencePoint{Condition: rec[0], Seed: seed, RefEpoch: ep, Phase: rec[3], Accuracy: acc})
	}
	return out, nil
}

// SeedComparison is one model of pelab beside the reference run of the same
// condition and seed label: validation accuracy (the 108 original puzzles,
// in percent) at pelab's last evaluation (Epoch, after Steps steps) and the
// reference's at the evaluations that bracket it (Before after EpochsBefore
// epochs of training, After after EpochsAfter; NaN when there is none) and
// at its end (Final, after 4,001 epochs).
type SeedComparison struct {
	Condition                 string
	Seed                      int64
	Epoch, Steps              int
	Pelab                     float64
	EpochsBefore, EpochsAfter int
	Before, After, Final      float64
}

// CompareSeeds pairs every record (of the paper's model) whose condition and
// seed have a reference run with that run: see SeedComparison. Records of
// other conditions or seeds are left out. Rows are in record order.
func CompareSeeds(recs []results.Record) ([]SeedComparison, error) {
	pts, err := ReferencePoints()
	if err != nil {
		return nil, err
	}
	type key struct {
		cond string
		seed int64
	}
	val := map[key][]ReferencePoint{}
	for _, p := range pts {
		if p.Phase == "validation" {
			k := key{p.Condition, p.Seed}
			val[k] = append(val[k], p)
		}
	}
	var out []SeedComparison
	for _, r := range recs {
		ref := val[key{r.Condition, r.Seed}]
		if len(ref) == 0 || len(r.History) == 0 {
			continue
		}
		last := r.History[len(r.History)-1]
		acc, ok := last.Metrics["val_acc"]
		if !ok {
			continue
		}
		c := SeedComparison{Condition: r.Condition, Seed: r.Seed, Epoch: int(math.Round(last.Epoch)), Steps: last.Step,
			Pelab: 100 * acc, Before: math.NaN(), After: math.NaN(), Final: math.NaN()}
		slices.SortFunc(ref, func(a, b ReferencePoint) int { return a.RefEpoch - b.RefEpoch })
		for _, p := range ref {
			switch n := p.TrainedEpochs(); {
			case n <= c.Epoch:
				c.EpochsBefore, c.Before = n, 100*p.Accuracy
			case math.IsNaN(c.After):
				c.EpochsAfter, c.After = n, 100*p.Accuracy
			}
		}
		fin := ref[len(ref)-1]
		c.Final = 100 * fin.Accuracy
		out = append(out, c)
	}
	return out, nil
}

// SeedComparisonMarkdown is the table of rows, one line per model, with
// the condition means over the compared seeds last.
func SeedComparisonMarkdown(rows []SeedComparison) string {
	if len(rows) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("| condition | seed | pelab epoch (steps) | pelab val % | reference val %, after epochs | reference val %, after 4,001 epochs |\n|---|---|---|---|---|---|\n")
	fmtRef := func(n int, v float64) string {
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf("%.1f (%d)", v, n)
	}
	type agg struct{ pelab, before, after, final []float64 }
	by := map[string]*agg{}
	var order []string
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %d (%d) | %.1f | %s → %s | %.1f |\n", r.Condition, r.Seed, r.Epoch, r.Steps, r.Pelab,
			fmtRef(r.EpochsBefore, r.Before), fmtRef(r.EpochsAfter, r.After), r.Final)
		a := by[r.Condition]
		if a == nil {
			a = &agg{}
			by[r.Condition] = a
			order = append(order, r.Condition)
		}
		a.pelab, a.before, a.after, a.final = append(a.pelab, r.Pelab), append(a.before, r.Before), append(a.after, r.After), append(a.final, r.Final)
	}
	for _, c := range order {
		a := by[c]
		fmt.Fprintf(&b, "| **%s, mean of %d** | | | %s | %s → %s | %s |\n", c, len(a.pelab), meanSD(a.pelab), meanSD(a.before), meanSD(a.after), meanSD(a.final))
	}
	return b.String()
}

// meanSD formats the mean ± SD (results.MeanSD) of the finite values of v.
func meanSD(v []float64) string {
	var xs []float64
	for _, x := range v {
		if !math.IsNaN(x) {
			xs = append(xs, x)
		}
	}
	switch len(xs) {
	case 0:
		return "–"
	case 1:
		return fmt.Sprintf("%.1f", xs[0])
	}
	m, sd := results.MeanSD(xs)
	return fmt.Sprintf("%.1f ± %.1f", m, sd)
}
