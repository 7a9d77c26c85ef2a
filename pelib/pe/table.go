package pe

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// InitTable draws the initial values of a trainable PE parameter of shape
// [rows, cols] from spec's init (spec must be learn, shaw or t5): i.i.d.
// Normal(0, σ²); U(Low, High); Xavier/Glorot uniform U(−b, b) with
// b = √(6/(rows+cols)); zeros; or InitFunc(rng, r, c) for entry (r, c). The
// shapes are learn [S, D], shaw [n, dh] (n from ShawIndex) and t5 [n, H].
// Entries are drawn in row-major order from rng, so equal seeds give equal
// tables; rng may be nil only for zeros.
func InitTable(spec Spec, rows, cols int, rng *rand.Rand) ([]float64, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	s := spec.Normalize()
	if !s.Trainable() {
		return nil, fmt.Errorf("pe: InitTable: %s has no trainable parameters (want learn, shaw, t5, coordlin, coordmlp or dpb)", s.Kind)
	}
	if rows <= 0 || cols <= 0 {
		return nil, fmt.Errorf("pe: InitTable(%s): shape [%d, %d] must be positive", s, rows, cols)
	}
	if rng == nil && s.Init != Zeros {
		return nil, fmt.Errorf("pe: InitTable(%s): nil rng", s)
	}
	out := make([]float64, rows*cols)
	if err := drawInit(s, out, rows, cols, rng); err != nil {
		return nil, fmt.Errorf("pe: InitTable(%s): %w", s, err)
	}
	return out, nil
}

// drawInit fills out ([rows, cols], row-major) from the init of the
// normalized trainable spec s.
func drawInit(s Spec, out []float64, rows, cols int, rng *rand.Rand) error {
	if rng == nil && s.Init != Zeros {
		return errors.New("nil rng")
	}
	switch s.Init {
	case Normal:
		for i := range out {
			out[i] = s.Sigma * rng.NormFloat64()
		}
	case Uniform:
		for i := range out {
			out[i] = s.Low + (s.High-s.Low)*rng.Float64()
		}
	case Xavier:
		b := XavierBound(rows, cols)
		for i := range out {
			out[i] = b * (2*rng.Float64() - 1)
		}
	case Func:
		for r := range rows {
			for c := range cols {
				v := s.InitFunc(rng, r, c)
				if !finite(v) {
					return fmt.Errorf("InitFunc(rng, %d, %d) = %v, want a finite number", r, c, v)
				}
				out[r*cols+c] = v
			}
		}
	}
	return nil
}

// XavierBound returns the bound b = √(6/(fanIn+fanOut)) of the Xavier/Glorot
// uniform init U(−b, b) of a [fanOut, fanIn] matrix (gain 1); the formula is
// symmetric in the two fans.
func XavierBound(fanIn, fanOut int) float64 {
	return math.Sqrt(6 / float64(fanIn+fanOut))
}

// Table returns the [S, D] table of an additive PE for the tokens of l
// (S = l.S()): the initial values of learn (InitTable), N(0, 1) draws for
// random, zeros for none, Sinusoid1D of the token index for sin1d,
// Sinusoid2D for sin2d (l must be a two-dimensional grid, D divisible by 4)
// and SinusoidND of l.Coords for sinnd. Random draws come from rng, which
// may be nil for the fixed kinds. Each call draws fresh values: for
// placement every, call it once per block (or use Tables).
func Table(spec Spec, l Layout, D int, rng *rand.Rand) ([]float64, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	s := spec.Normalize()
	if !s.Additive() {
		return nil, fmt.Errorf("pe: Table(%s): not an additive kind (want none, random, learn or sin*; rope* use RoPE, shaw ShawIndex and InitTable, t5 T5Index and InitTable, alibi* ALiBiBias)", s)
	}
	if err := l.check(); err != nil {
		return nil, fmt.Errorf("pe: Table(%s): %w", s, err)
	}
	S := l.S()
	if D <= 0 {
		return nil, fmt.Errorf("pe: Table(%s): width D = %d must be > 0", s, D)
	}
	switch s.Kind {
	case None:
		return make([]float64, S*D), nil
	case Learned:
		return InitTable(s, S, D, rng)
	case Random:
		if rng == nil {
			return nil, fmt.Errorf("pe: Table(%s): nil rng", s)
		}
		out := make([]float64, S*D)
		for i := range out {
			out[i] = rng.NormFloat64()
		}
		return out, nil
	case Sin1D:
		return Sinusoid1D(S, D, s.Base), nil
	case Sin2D:
		if len(l.Grid) != 2 {
			return nil, fmt.Errorf("pe: Table(%s): needs a two-dimensional grid layout, got grid %v with %d coordinates per token (use sinnd for other layouts)", s, l.Grid, l.Dim())
		}
		if D%4 != 0 {
			return nil, fmt.Errorf("pe: Table(%s): width D = %d must be divisible by 4", s, D)
		}
		return Sinusoid2D(l.Grid[0], l.Grid[1], D, s.Base), nil
	case SinND:
		out, err := sinusoidND(l.Coords, D, s.Base)
		if err != nil {
			return nil, fmt.Errorf("pe: Table(%s): %w", s, err)
		}
		return out, nil
	case CoordLin, CoordMLP:
		return nil, fmt.Errorf("pe: Table(%s): a coordinate function's table is its value at the tokens' coordinates, computed from its parameters (FunctionFeatures, InitFunction, EvalFunction)", s)
	}
	return nil, errors.New("pe: Table: unreachable")
}

// NumTables returns how many additive tables a model of the given number of
// blocks holds for spec: blocks for placement every, 1 for input placement
// and for none, 0 for kinds that are not additive.
func (s Spec) NumTables(blocks int) int {
	n := s.Normalize()
	switch {
	case !n.Additive():
		return 0
	case n.Placement == Every:
		return blocks
	}
	return 1
}

// Tables returns the additive tables of a model with the given number of
// blocks, [L, S, D] with L = spec.NumTables(blocks): one Table per block for
// placement every (trainable and random tables drawn one block after the
// other from rng, fixed ones repeated), one table for input placement.
func Tables(spec Spec, l Layout, D, blocks int, rng *rand.Rand) ([]float64, error) {
	if blocks <= 0 {
		return nil, fmt.Errorf("pe: Tables(%s): blocks = %d must be > 0", spec, blocks)
	}
	first, err := Table(spec, l, D, rng)
	if err != nil {
		return nil, err
	}
	L := spec.NumTables(blocks)
	out := make([]float64, 0, L*len(first))
	out = append(out, first...)
	n := spec.Normalize()
	for range L - 1 {
		if n.Kind == Learned || n.Kind == Random {
			t, err := Table(spec, l, D, rng)
			if err != nil {
				return nil, err
			}
			out = append(out, t...)
		} else {
			out = append(out, first...)
		}
	}
	return out, nil
}
