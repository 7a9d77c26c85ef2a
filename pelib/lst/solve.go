package lst

import (
	"errors"
	"fmt"
	"sync"
)

// Rule names the one-step deduction that finds the answer.
type Rule uint8

// The one-step rules, in the order Solve tries them (simplest first).
const (
	RowSingle    Rule = iota + 1 // Binary: the query's row holds the three other shapes
	ColumnSingle                 // Binary: the query's column holds them
	RowAndColumn                 // Ternary: row and column together hold them
	RowHidden                    // Quaternary: the answer has no other place in the query's row
	ColumnHidden                 // Quaternary: the answer has no other place in the query's column
)

func (r Rule) String() string {
	switch r {
	case RowSingle:
		return "row-single"
	case ColumnSingle:
		return "column-single"
	case RowAndColumn:
		return "row-and-column"
	case RowHidden:
		return "row-hidden"
	case ColumnHidden:
		return "column-hidden"
	}
	return fmt.Sprintf("Rule(%d)", uint8(r))
}

// Condition returns the condition a rule defines.
func (r Rule) Condition() Condition {
	switch r {
	case RowSingle, ColumnSingle:
		return Binary
	case RowAndColumn:
		return Ternary
	case RowHidden, ColumnHidden:
		return Quaternary
	}
	return 0
}

// Deduction is the solver's answer for a grid.
type Deduction struct {
	Condition Condition // the simplest condition whose rule finds the answer
	Answer    uint8     // the shape at the query, 1–4
	Rule      Rule      // the rule that found it
}

// ErrMultiStep is returned by Solve for a grid whose query no one-step rule
// determines: it needs a chain of deductions, or it is not determined at all.
var ErrMultiStep = errors.New("lst: no one-step rule determines the query (it needs a chain of deductions or is undetermined)")

// ErrInconsistent is returned by Solve for a grid that obeys the Latin rule
// cell by cell but admits no answer at the query (e.g. its row and column
// together already hold all four shapes).
var ErrInconsistent = errors.New("lst: the query admits no shape consistent with the grid")

// Solve finds the answer of a grid by the simplest one-step rule, which
// defines the grid's condition. With q = (r, c) the query, R the shapes in
// row r and C those in column c:
//
//   - Binary: |R| = 3 (RowSingle) or else |C| = 3 (ColumnSingle); the answer
//     is the shape missing from that line.
//   - Ternary: |R ∪ C| = 3 (RowAndColumn); the answer is the shape missing
//     from the union.
//   - Quaternary: for a shape v ∉ R ∪ C, every other cell (r, j) of the row is
//     a shape or a blank whose column j holds v (RowHidden); or the same with
//     rows and columns swapped (ColumnHidden). The answer is v: it has no
//     other place in that line. At least one blank is eliminated through its
//     crossing line, or the grid would be Binary.
//
// The grid must have exactly one query and obey the Latin rule. Solve
// returns ErrMultiStep when no rule applies and ErrInconsistent when the
// grid leaves no shape, or forces two different shapes, at the query.
func Solve(cells [Tokens]uint8) (Deduction, error) {
	if err := validateCells(&cells); err != nil {
		return Deduction{}, fmt.Errorf("lst: %w", err)
	}
	q := queryIndex(&cells)
	qr, qc := q/Side, q%Side
	inRow := lineShapes(&cells, qr, true)
	inCol := lineShapes(&cells, qc, false)
	if a, ok := single(inRow); ok {
		return Deduction{Binary, a, RowSingle}, nil
	}
	if a, ok := single(inCol); ok {
		return Deduction{Binary, a, ColumnSingle}, nil
	}
	both := inRow | inCol
	if both == allShapes {
		return Deduction{}, ErrInconsistent
	}
	if a, ok := single(both); ok {
		return Deduction{Ternary, a, RowAndColumn}, nil
	}
	found := Deduction{}
	for v := uint8(1); v <= Shapes; v++ {
		if both&bit(v) != 0 {
			continue
		}
		for _, rule := range [...]Rule{RowHidden, ColumnHidden} {
			if !hiddenSingle(&cells, qr, qc, v, rule == RowHidden) {
				continue
			}
			if found.Rule != 0 && found.Answer != v {
				return Deduction{}, ErrInconsistent
			}
			if found.Rule == 0 {
				found = Deduction{Quaternary, v, rule}
			}
		}
	}
	if found.Rule != 0 {
		return found, nil
	}
	return Deduction{}, ErrMultiStep
}

// shapeSet is a bit set of shapes: bit v for shape v.
type shapeSet uint8

const allShapes shapeSet = 1<<1 | 1<<2 | 1<<3 | 1<<4

func bit(v uint8) shapeSet { return 1 << v }

// lineShapes returns the shapes in row k (row true) or column k.
func lineShapes(cells *[Tokens]uint8, k int, row bool) shapeSet {
	var s shapeSet
	for j := range Side {
		i := Side*j + k
		if row {
			i = Side*k + j
		}
		if v := cells[i]; v >= 1 && v <= Shapes {
			s |= bit(v)
		}
	}
	return s
}

// single returns the one shape missing from s when s holds three shapes.
func single(s shapeSet) (uint8, bool) {
	missing := allShapes &^ s
	for v := uint8(1); v <= Shapes; v++ {
		if missing == bit(v) {
			return v, true
		}
	}
	return 0, false
}

// hiddenSingle reports whether shape v has no place other than the query
// (qr, qc) in the query's row (row true) or column: every other cell of the
// line is a shape, or a blank whose crossing line holds v.
func hiddenSingle(cells *[Tokens]uint8, qr, qc int, v uint8, row bool) bool {
	for k := range Side {
		var i, cross int
		if row {
			if k == qc {
				continue
			}
			i, cross = Side*qr+k, k
		} else {
			if k == qr {
				continue
			}
			i, cross = Side*k+qc, k
		}
		if cells[i] != Blank {
			continue // a shape other than v (v is not in this line)
		}
		if lineShapes(cells, cross, !row)&bit(v) == 0 {
			return false
		}
	}
	return true
}

// latinSquares returns all 576 Latin squares of order 4, row-major with
// shapes 1–4, in lexicographic order. The slice is shared: do not modify.
var latinSquares = sync.OnceValue(func() [][Tokens]uint8 {
	var out [][Tokens]uint8
	var sq [Tokens]uint8
	var fill func(i int)
	fill = func(i int) {
		if i == Tokens {
			out = append(out, sq)
			return
		}
		r, c := i/Side, i%Side
		for v := uint8(1); v <= Shapes; v++ {
			ok := true
			for k := range c {
				ok = ok && sq[Side*r+k] != v
			}
			for k := range r {
				ok = ok && sq[Side*k+c] != v
			}
			if ok {
				sq[i] = v
				fill(i + 1)
			}
		}
	}
	fill(0)
	return out
})

// Candidates returns the shapes that the query takes over all Latin squares
// that agree with the grid's shapes (the query and blanks free), in
// increasing order. It is the ground truth the one-step rules must agree
// with: a well-posed puzzle has exactly one candidate.
func Candidates(cells [Tokens]uint8) []uint8 {
	q := queryIndex(&cells)
	if q < 0 {
		return nil
	}
	var seen shapeSet
	for _, sq := range latinSquares() {
		match := true
		for i, v := range cells {
			if v >= 1 && v <= Shapes && sq[i] != v {
				match = false
				break
			}
		}
		if match {
			seen |= bit(sq[q])
		}
	}
	var out []uint8
	for v := uint8(1); v <= Shapes; v++ {
		if seen&bit(v) != 0 {
			out = append(out, v)
		}
	}
	return out
}
