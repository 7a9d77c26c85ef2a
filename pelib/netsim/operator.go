package netsim

import "gonum.org/v1/gonum/mat"

// operator is A = g·W + s·I in compressed sparse rows, the form the inner
// loop reads: zero entries (sparsified pairs) cost nothing, and a dense A
// is just the case where every entry is kept.
type operator struct {
	n      int
	nnz    int
	rowPtr []int32   // [S+1]
	col    []int32   // [nnz]
	val    []float64 // [nnz]
}

func newOperator(w *mat.Dense, g, s float64) operator {
	n, _ := w.Dims()
	op := operator{n: n, rowPtr: make([]int32, n+1)}
	for i := 0; i < n; i++ {
		for j, v := range w.RawRowView(i) {
			a := g * v
			if i == j {
				a += s
			}
			if a != 0 {
				op.col = append(op.col, int32(j))
				op.val = append(op.val, a)
			}
		}
		op.rowPtr[i+1] = int32(len(op.col))
	}
	op.nnz = len(op.col)
	return op
}

// mulVec sets y = A·x for one state; y and x have length S and must not
// overlap.
func (o *operator) mulVec(y, x []float64) {
	x = x[:o.n]
	for i := range y[:o.n] {
		lo, hi := o.rowPtr[i], o.rowPtr[i+1]
		val := o.val[lo:hi]
		var acc float64
		for k, c := range o.col[lo:hi] {
			acc += val[k] * x[c]
		}
		y[i] = acc
	}
}
