package pe

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Coordinate-function PEs (coordlin, coordmlp, dpb) encode a token's
// position as a learned function of its coordinates rather than as a free
// row of a table: the form brain foundation models use (a linear map of a
// parcel's MNI coordinates to the model width; an MLP of the coordinates or
// of coordinate differences for continuous and dynamic position biases).
//
// Their input is unit-free. With x_s the c coordinates of token s,
// x̄ their mean over the S tokens and
//
//	r = max_{s, j} |x_sj − x̄_j|   (the layout's half-extent, one scalar for all axes)
//
// the normalised coordinates are x̃_s = (x_s − x̄)/r ∈ [−1, 1]^c: the same for
// the same tokens in millimetres or in centimetres, and isotropic (one scale
// for every axis keeps the layout's shape). A table family reads
// u_s = x̃_s; dpb reads the halved difference u_qk = (x̃_q − x̃_k)/2 ∈ [−1, 1]^c.
// With Fourier = F > 0 the input is lifted to
//
//	γ(u) = [u, sin(π 2^f u_j), cos(π 2^f u_j) for f = 0…F−1, j = 1…c]
//
// (c(1 + 2F) features; the slowest pair has wavelength 2, the layout's
// extent, the fastest 2^(2−F)); without it γ(u) = u.
//
// The parameters, per function (one per block for placement every, one
// shared by all blocks for input), with C = len γ(u), Hd = Hidden and the
// output width O = D (coordlin, coordmlp) or O = H heads (dpb):
//
//	coordlin: out/w [C, O], out/b [O]                      f(u) = γ(u)·W + b
//	coordmlp, dpb: h0/w [C, Hd], h0/b [Hd], …, h{Depth−1}/w [Hd, Hd], h{Depth−1}/b [Hd],
//	          out/w [Hd, O], out/b [O]                     f(u) = GELU(…GELU(γ(u)·W0 + b0)…)·W + b
//
// GELU is the exact (erf) GELU. The output weight W is drawn from the spec's
// init (Normal(0, σ²) for coordlin-<σ> etc.), so σ sets the initial norm of
// the PE as it does for a learned table; hidden weights are Xavier-uniform
// and every bias starts at zero. coordlin and coordmlp add f(u_s) to token
// s's embedding at the input of each block (a table F[s] = f(u_s), [S, D]);
// dpb adds f(u_qk)[h] to head h's attention score of query q and key k
// (before the softmax, after the 1/√dh scaling). Placement every gives each
// block its own function; input gives one function, whose table coordlin and
// coordmlp add once, to the token embeddings (as a table PE with input
// placement), and whose bias dpb adds in every block (a bias has no "input"). Parameter counts per
// function: coordlin (C+1)·D; coordmlp (C+1)·Hd + (Depth−1)(Hd+1)·Hd +
// (Hd+1)·D; dpb the same with H in place of D.

// Defaults of the coordinate-function PEs.
const (
	DefaultMLPHidden = 64 // coordmlp's hidden width
	DefaultDPBHidden = 32 // dpb's hidden width
	DefaultDepth     = 1  // hidden layers of coordmlp and dpb
)

// maxFourier bounds Spec.Fourier: 2^F must stay far inside float64.
const maxFourier = 20

// Function reports whether the PE is a learned function of the tokens'
// coordinates (coordlin, coordmlp, dpb).
func (s Spec) Function() bool {
	switch s.Kind {
	case CoordLin, CoordMLP, DPB:
		return true
	}
	return false
}

// FunctionTable reports whether the PE is a function of the coordinates
// whose values form an additive table (coordlin, coordmlp).
func (s Spec) FunctionTable() bool { return s.Kind == CoordLin || s.Kind == CoordMLP }

// NumFunctions returns how many coordinate functions a model of the given
// number of blocks holds: blocks for placement every, 1 for input, 0 for
// kinds that are not coordinate functions.
func (s Spec) NumFunctions(blocks int) int {
	n := s.Normalize()
	switch {
	case !n.Function():
		return 0
	case n.Placement == Input:
		return 1
	}
	return blocks
}

// Layers returns the (in, out) sizes of the layers of a coordinate
// function with input features C and output width O: one layer for
// coordlin, Depth hidden layers and the output layer for coordmlp and dpb.
// The last layer is the output layer.
func (s Spec) Layers(C, O int) [][2]int {
	n := s.Normalize()
	if n.Kind == CoordLin {
		return [][2]int{{C, O}}
	}
	var out [][2]int
	in := C
	for range n.Depth {
		out = append(out, [2]int{in, n.Hidden})
		in = n.Hidden
	}
	return append(out, [2]int{in, O})
}

// FunctionInputs returns the number of input features C = c(1 + 2F) of a
// coordinate function on c coordinates.
func (s Spec) FunctionInputs(c int) int { return c * (1 + 2*s.Normalize().Fourier) }

// NormalizedCoords returns x̃ = (x − x̄)/r for the tokens of l, [S][c] (see
// the coordinate-function PEs above), and the half-extent r. It fails for a
// layout whose tokens all sit at one point (r = 0).
func NormalizedCoords(l Layout) ([][]float64, float64, error) {
	if err := l.check(); err != nil {
		return nil, 0, err
	}
	S, c := l.S(), l.Dim()
	mean := make([]float64, c)
	for _, p := range l.Coords {
		for j, x := range p {
			mean[j] += x
		}
	}
	for j := range mean {
		mean[j] /= float64(S)
	}
	r := 0.0
	for _, p := range l.Coords {
		for j, x := range p {
			r = math.Max(r, math.Abs(x-mean[j]))
		}
	}
	if !(r > 0) || math.IsInf(r, 0) {
		return nil, 0, fmt.Errorf("the %d tokens' coordinates span %v, want a finite extent > 0 (tokens at distinct positions)", S, r)
	}
	out := make([][]float64, S)
	for s, p := range l.Coords {
		out[s] = make([]float64, c)
		for j, x := range p {
			out[s][j] = (x - mean[j]) / r
		}
	}
	return out, r, nil
}

// lift appends γ(u) (see above) of u to dst.
func lift(dst, u []float64, F int) []float64 {
	dst = append(dst, u...)
	for f := range F {
		w := math.Pi * math.Ldexp(1, f)
		for _, x := range u {
			dst = append(dst, math.Sin(w*x), math.Cos(w*x))
		}
	}
	return dst
}

// FunctionFeatures returns the input features of spec's coordinate function
// for the tokens of l: γ(x̃_s) for every token, [S, C], for coordlin and
// coordmlp; γ((x̃_q − x̃_k)/2) for every pair, [S·S, C] (row q·S + k), for
// dpb. C = spec.FunctionInputs(l.Dim()).
func FunctionFeatures(spec Spec, l Layout) ([]float64, int, error) {
	if err := spec.Validate(); err != nil {
		return nil, 0, err
	}
	s := spec.Normalize()
	if !s.Function() {
		return nil, 0, fmt.Errorf("pe: FunctionFeatures(%s): not a coordinate function (want coordlin, coordmlp or dpb)", s)
	}
	x, _, err := NormalizedCoords(l)
	if err != nil {
		return nil, 0, fmt.Errorf("pe: FunctionFeatures(%s): %w", s, err)
	}
	c := l.Dim()
	C := s.FunctionInputs(c)
	S := len(x)
	if s.Kind != DPB {
		out := make([]float64, 0, S*C)
		for _, u := range x {
			out = lift(out, u, s.Fourier)
		}
		return out, C, nil
	}
	out := make([]float64, 0, S*S*C)
	u := make([]float64, c)
	for q := range S {
		for k := range S {
			for j := range c {
				u[j] = (x[q][j] - x[k][j]) / 2
			}
			out = lift(out, u, s.Fourier)
		}
	}
	return out, C, nil
}

// InitFunction draws the initial parameters of one coordinate function of
// spec with input features C and output width O, in Layers order: for each
// layer its weight [in, out] then its bias [out]. Hidden weights are
// Xavier-uniform U(±√(6/(in+out))), the output weight comes from spec's
// init (InitTable), biases are zero. Values are drawn from rng layer by
// layer, so equal seeds give equal functions.
func InitFunction(spec Spec, C, O int, rng *rand.Rand) ([][]float64, error) {
	s := spec.Normalize()
	if !s.Function() {
		return nil, fmt.Errorf("pe: InitFunction(%s): not a coordinate function", s)
	}
	if rng == nil {
		return nil, errors.New("pe: InitFunction: nil rng")
	}
	layers := s.Layers(C, O)
	var out [][]float64
	for i, io := range layers {
		w, err := InitFunctionLayer(s, io[0], io[1], i == len(layers)-1, rng)
		if err != nil {
			return nil, err
		}
		out = append(out, w, make([]float64, io[1]))
	}
	return out, nil
}

// InitFunctionLayer draws the weight [in, out] of one layer of a
// coordinate function: the spec's init for the output layer, Xavier-uniform
// for a hidden one.
func InitFunctionLayer(spec Spec, in, out int, output bool, rng *rand.Rand) ([]float64, error) {
	s := spec.Normalize()
	if rng == nil {
		return nil, errors.New("pe: InitFunctionLayer: nil rng")
	}
	w := make([]float64, in*out)
	if !output {
		b := XavierBound(in, out)
		for j := range w {
			w[j] = b * (2*rng.Float64() - 1)
		}
		return w, nil
	}
	if err := drawInit(s, w, in, out, rng); err != nil {
		return nil, fmt.Errorf("pe: InitFunctionLayer(%s): %w", s, err)
	}
	return w, nil
}

// EvalFunction evaluates one coordinate function (params in InitFunction's
// order) on feats [N, C] and returns [N, O], in float64 on the host: the
// values the model computes in its graph (to float32 rounding there).
func EvalFunction(spec Spec, params [][]float64, feats []float64, C, O int) ([]float64, error) {
	s := spec.Normalize()
	layers := s.Layers(C, O)
	if len(params) != 2*len(layers) {
		return nil, fmt.Errorf("pe: EvalFunction(%s): %d parameter tensors, want %d", s, len(params), 2*len(layers))
	}
	if C <= 0 || len(feats)%C != 0 {
		return nil, fmt.Errorf("pe: EvalFunction(%s): %d features not a multiple of C = %d", s, len(feats), C)
	}
	N := len(feats) / C
	h := feats
	for i, io := range layers {
		in, o := io[0], io[1]
		w, b := params[2*i], params[2*i+1]
		if len(w) != in*o || len(b) != o {
			return nil, fmt.Errorf("pe: EvalFunction(%s): layer %d has %d and %d values, want %d×%d and %d", s, i, len(w), len(b), in, o, o)
		}
		next := make([]float64, N*o)
		for n := range N {
			row := next[n*o : (n+1)*o]
			copy(row, b)
			for a := range in {
				x := h[n*in+a]
				if x == 0 {
					continue
				}
				wr := w[a*o : (a+1)*o]
				for e := range row {
					row[e] += x * wr[e]
				}
			}
			if i < len(layers)-1 {
				for e, v := range row {
					row[e] = 0.5 * v * (1 + math.Erf(v/math.Sqrt2))
				}
			}
		}
		h = next
	}
	return h, nil
}
