package lst

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// GenOptions configures Generate.
type GenOptions struct {
	// PerCondition is the number of puzzles to make for each of the three
	// conditions (the reference pool has 3,000).
	PerCondition int
	// Seed seeds the generator; equal options give equal puzzles.
	Seed uint64
	// Validation is a held-out set (normally the 108 original puzzles) that
	// every generated puzzle must stay at least MinDistance away from.
	Validation []Puzzle
	// MinDistance is the smallest Jaccard distance (see JaccardDistance)
	// allowed between a generated puzzle and any Validation puzzle; the
	// reference pool used 0.8. Zero disables the filter.
	MinDistance float64
	// MinFilled and MaxFilled bound the number of shapes left in a puzzle;
	// each attempt draws its target uniformly from [MinFilled, MaxFilled].
	// Zero values mean the reference pool's range, 3 to 11.
	MinFilled, MaxFilled int
	// MaxAttempts bounds the number of candidate puzzles tried before
	// Generate gives up; zero means 2,000 per requested puzzle.
	MaxAttempts int
}

func (o *GenOptions) defaults() error {
	if o.PerCondition <= 0 {
		return fmt.Errorf("lst: generate: PerCondition = %d, want > 0", o.PerCondition)
	}
	if o.MinFilled == 0 && o.MaxFilled == 0 {
		o.MinFilled, o.MaxFilled = 3, 11
	}
	if o.MinFilled < 2 || o.MaxFilled > Tokens-1 || o.MinFilled > o.MaxFilled {
		return fmt.Errorf("lst: generate: filled range [%d, %d] invalid: want 2 ≤ MinFilled ≤ MaxFilled ≤ %d", o.MinFilled, o.MaxFilled, Tokens-1)
	}
	if !(o.MinDistance >= 0 && o.MinDistance <= 1) {
		return fmt.Errorf("lst: generate: MinDistance %v outside [0, 1]", o.MinDistance)
	}
	if o.MinDistance > 0 && len(o.Validation) == 0 {
		return fmt.Errorf("lst: generate: MinDistance %v set but no Validation puzzles given", o.MinDistance)
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 2000 * len(Conditions) * o.PerCondition
	}
	return nil
}

// Generate makes opt.PerCondition new puzzles of each condition: Binary
// ones first, then Ternary, then Quaternary, with IDs 0, 1, … in that
// order. Each attempt
//
//  1. draws a Latin square uniformly from all 576 of order 4;
//  2. draws the query cell uniformly from the 16 cells (its shape is the
//     answer) and a target number of shapes n uniformly from
//     [MinFilled, MaxFilled];
//  3. plucks 15 − n of the other cells, chosen at random, one at a time,
//     while the query stays determined by a one-step rule (Solve
//     succeeds); the attempt is dropped as soon as it does not;
//  4. classifies the grid with Solve, and keeps it if its condition still
//     needs puzzles, it is not a duplicate, and it is at least MinDistance
//     from every Validation puzzle.
//
// So every puzzle is solvable in one step and no puzzle needs a chain of
// deductions. One-step determinacy is monotone (blanking a cell never makes
// an undetermined query determined), so step 3 accepts exactly the grids
// whose final state is determined: the attempt is a random grid conditioned
// on being one-step solvable, which is how the reference pool was made and
// reproduces its filled-cell statistics (per-condition means within 0.3
// cells of the reference for seeds 1–3 at 3,000 per condition). Skipping cells that would break determinacy instead, and
// plucking on, biases towards sparse grids (mean 1.5 cells fewer for
// Ternary and Quaternary). ctx may cancel a long run.
func Generate(ctx context.Context, opt GenOptions) ([]Puzzle, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6c73742d67656e00)) // "lst-gen"
	squares := latinSquares()
	var buckets [len(Conditions)][]Puzzle
	seen := map[[Tokens]uint8]bool{}
	need := len(Conditions) * opt.PerCondition
	var order [Tokens - 1]int
	for attempt := 0; need > 0; attempt++ {
		if attempt == opt.MaxAttempts {
			return nil, fmt.Errorf("lst: generate: gave up after %d attempts with %d/%d/%d puzzles of %d wanted per condition (MinDistance %v, filled %d–%d)",
				attempt, len(buckets[0]), len(buckets[1]), len(buckets[2]), opt.PerCondition, opt.MinDistance, opt.MinFilled, opt.MaxFilled)
		}
		if attempt%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("lst: generate: %w", err)
			}
		}
		cells := squares[rng.IntN(len(squares))]
		q := rng.IntN(Tokens)
		answer := cells[q]
		cells[q] = Query
		n := opt.MinFilled + rng.IntN(opt.MaxFilled-opt.MinFilled+1)
		k := 0
		for i := range Tokens {
			if i != q {
				order[k] = i
				k++
			}
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var d Deduction
		var err error
		for _, i := range order[:Tokens-1-n] {
			cells[i] = Blank
			if d, err = Solve(cells); err != nil {
				break
			}
		}
		if err != nil {
			continue // the query is no longer determined in one step
		}
		if n == Tokens-1 {
			d, err = Solve(cells)
		}
		if err != nil || d.Answer != answer {
			// Cannot happen: a one-step rule is sound. Fail loudly rather
			// than emit a bad puzzle.
			return nil, fmt.Errorf("lst: generate: internal error: grid %v solved as %+v (%v), want answer %d", cells, d, err, answer)
		}
		b := &buckets[d.Condition-1]
		if len(*b) == opt.PerCondition || seen[cells] {
			continue
		}
		if opt.MinDistance > 0 {
			if dist, _ := MinDistance(&cells, opt.Validation); dist < opt.MinDistance {
				continue
			}
		}
		seen[cells] = true
		*b = append(*b, Puzzle{Condition: d.Condition, Cells: cells, Solution: answer})
		need--
	}
	out := make([]Puzzle, 0, len(Conditions)*opt.PerCondition)
	for _, b := range buckets {
		out = append(out, b...)
	}
	for i := range out {
		out[i].ID = i
	}
	return out, nil
}
