package lst

import (
	"github.com/pelab/pelab/pelib/geometry"
	"github.com/pelab/pelab/pelib/pe"
	"gonum.org/v1/gonum/mat"
)

// Truth is the geometry a learned PE of width D is compared with at every
// evaluation (geometry.Tracker): the 4×4 grid of cells under the Manhattan
// distance (as rsa_grid), and, when D is a multiple of 4, the 2d-fixed
// sinusoid of width D as the reference table of the paper's Procrustes
// analysis.
func Truth(D int) (*geometry.Truth, error) {
	t, err := geometry.New(pe.Grid(Side, Side), geometry.Manhattan)
	if err != nil {
		return nil, err
	}
	if D%4 == 0 {
		t.Ref = mat.NewDense(Tokens, D, pe.Sinusoid2D(Side, Side, D, pe.DefaultBase))
	}
	return t, nil
}
