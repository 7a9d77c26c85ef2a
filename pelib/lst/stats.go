package lst

import (
	"fmt"
	"math"
	"strings"
)

// Stats summarises the puzzles of one condition.
type Stats struct {
	Condition  Condition
	N          int                 // number of puzzles
	Filled     [Tokens + 1]float64 // fraction of puzzles with k shapes, k = 0..16
	MeanFilled float64             // mean number of shapes
	Solution   [Shapes]float64     // fraction of answers equal to shape v+1
	Query      [Tokens]float64     // fraction of queries at cell s
	QueryRow   [Side]float64       // fraction of queries in row r
	QueryCol   [Side]float64       // fraction of queries in column c
}

// ComputeStats returns per-condition statistics of ps, indexed by
// condition−1 (Binary, Ternary, Quaternary). A condition without puzzles has
// N = 0 and zero fractions.
func ComputeStats(ps []Puzzle) [len(Conditions)]Stats {
	var st [len(Conditions)]Stats
	for i, c := range Conditions {
		st[i].Condition = c
	}
	for i := range ps {
		p := &ps[i]
		if !p.Condition.Valid() {
			continue
		}
		s := &st[p.Condition-1]
		s.N++
		f := p.Filled()
		s.Filled[f]++
		s.MeanFilled += float64(f)
		if p.Solution >= 1 && p.Solution <= Shapes {
			s.Solution[p.Solution-1]++
		}
		if q := p.QueryIndex(); q >= 0 {
			s.Query[q]++
			s.QueryRow[q/Side]++
			s.QueryCol[q%Side]++
		}
	}
	for i := range st {
		s := &st[i]
		if s.N == 0 {
			continue
		}
		n := float64(s.N)
		s.MeanFilled /= n
		scale(s.Filled[:], n)
		scale(s.Solution[:], n)
		scale(s.Query[:], n)
		scale(s.QueryRow[:], n)
		scale(s.QueryCol[:], n)
	}
	return st
}

func scale(x []float64, n float64) {
	for i := range x {
		x[i] /= n
	}
}

// StatsDiff measures how far two Stats of the same condition are apart.
type StatsDiff struct {
	MeanFilled float64 // |difference of mean filled cells|
	FilledTV   float64 // total variation distance ½Σ|p−q| of the filled-cell histograms
	Solution   float64 // largest |difference| of an answer's fraction
	QueryTV    float64 // total variation distance of the query-position histograms (16 cells)
	QueryRowTV float64 // total variation distance of the query-row histograms
	QueryColTV float64 // total variation distance of the query-column histograms
}

// Compare returns the differences between a and b.
func Compare(a, b Stats) StatsDiff {
	d := StatsDiff{
		MeanFilled: math.Abs(a.MeanFilled - b.MeanFilled),
		FilledTV:   tv(a.Filled[:], b.Filled[:]),
		QueryTV:    tv(a.Query[:], b.Query[:]),
		QueryRowTV: tv(a.QueryRow[:], b.QueryRow[:]),
		QueryColTV: tv(a.QueryCol[:], b.QueryCol[:]),
	}
	for v := range a.Solution {
		d.Solution = math.Max(d.Solution, math.Abs(a.Solution[v]-b.Solution[v]))
	}
	return d
}

func tv(p, q []float64) float64 {
	s := 0.0
	for i := range p {
		s += math.Abs(p[i] - q[i])
	}
	return s / 2
}

// String formats the statistics on one line.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v n=%d filled mean %.2f [", s.Condition, s.N, s.MeanFilled)
	for k, f := range s.Filled {
		if f > 0 {
			fmt.Fprintf(&b, " %d:%.3f", k, f)
		}
	}
	fmt.Fprintf(&b, " ] answers %.3f query rows %.3f cols %.3f", s.Solution, s.QueryRow, s.QueryCol)
	return b.String()
}

// String formats the differences on one line.
func (d StatsDiff) String() string {
	return fmt.Sprintf("Δmean filled %.3f, filled TV %.3f, max Δanswer %.3f, query TV %.3f (rows %.3f, cols %.3f)",
		d.MeanFilled, d.FilledTV, d.Solution, d.QueryTV, d.QueryRowTV, d.QueryColTV)
}
