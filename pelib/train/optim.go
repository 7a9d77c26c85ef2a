package train

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // graph code reads best unqualified
)

// update is one optimisation step of M models in graph form: the
// optimiser, which models update (upd [M] bool: finite loss and gradients,
// not frozen), and this step's learning rate and Adam bias corrections
// (scalars bc1 = 1−β1ᵗ, bc2 = 1−β2ᵗ).
type update struct {
	o              Optimizer
	upd            *Node // [M] bool
	bc1, bc2       *Node // scalars
	dt             dtypes.DType
	lrM            *Node // [M]: lr where upd, else 0
	b1, c1, b2, c2 *Node // [M]: β, 1−β where upd, else 1, 0
}

func newUpdate(o Optimizer, upd, lr, bc1, bc2 *Node) *update {
	g := upd.Graph()
	dt := lr.DType()
	u := &update{o: o, upd: upd, bc1: bc1, bc2: bc2, dt: dt}
	vec := func(on, off *Node) *Node { // [M]: on where upd, off elsewhere
		M := upd.Shape().Dimensions[0]
		return Where(upd, BroadcastToDims(on, M), BroadcastToDims(off, M))
	}
	sc := func(v float64) *Node { return Scalar(g, dt, v) }
	u.lrM = vec(lr, sc(0))
	u.b1, u.c1 = vec(sc(o.Beta1), sc(1)), vec(sc(1-o.Beta1), sc(0))
	u.b2, u.c2 = vec(sc(o.Beta2), sc(1)), vec(sc(1-o.Beta2), sc(0))
	return u
}

// perModel reshapes v [M] to broadcast against x [M, …].
func perModel(v, x *Node) *Node {
	dims := make([]int, x.Rank())
	for a := range dims {
		dims[a] = 1
	}
	dims[0] = x.Shape().Dimensions[0]
	return Reshape(v, dims...)
}

// apply returns the updated parameter p [M, …] and its optimiser states
// given its gradient gr. A model that does not update keeps p and its
// states exactly, even where its gradient is NaN or infinite.
//
// Adam/AdamW in PyTorch's form (torch.optim.Adam, not foreach):
//
//	g ← gr (+ wd·p for Adam's L2 penalty)
//	m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//	p ← p·(1 − lr·wd) (AdamW, decoupled) − (lr/bc1)·m / (√v/√bc2 + ε)
//
// For models that do not update, g is replaced by 0 and (β, 1−β, lr) by
// (1, 0, 0), so m, v and p come out unchanged: one Where per parameter
// instead of a Where (and a materialised broadcast of the condition) for
// each of p, m and v. SGD with momentum: b ← μ·b + g; p ← p − lr·b (its
// buffer cannot be kept by scaling, so it keeps the Where form).
func (u *update) apply(p, gr *Node, states []*Node, wd float64, decoupled bool) (*Node, []*Node) {
	g := p.Graph()
	sc := func(v float64) *Node { return Scalar(g, u.dt, v) }
	if wd > 0 && !decoupled {
		gr = Add(gr, Mul(p, sc(wd)))
	}
	cond := BroadcastToDims(perModel(u.upd, p), p.Shape().Dimensions...)
	gr = Where(cond, gr, ZerosLike(gr))
	lrM := perModel(u.lrM, p)
	pd := p
	if wd > 0 && decoupled {
		pd = Mul(p, Sub(sc(1), Mul(lrM, sc(wd))))
	}
	if u.o.Kind == "sgd" {
		buf := states[0]
		nb := gr
		if u.o.Momentum > 0 {
			nb = Add(Mul(buf, sc(u.o.Momentum)), gr)
			nb = Where(cond, nb, buf)
		}
		return Sub(pd, Mul(lrM, nb)), []*Node{nb}
	}
	m1, m2 := states[0], states[1]
	nm1 := Add(Mul(m1, perModel(u.b1, p)), Mul(gr, perModel(u.c1, p)))
	nm2 := Add(Mul(m2, perModel(u.b2, p)), Mul(Square(gr), perModel(u.c2, p)))
	step := perModel(Div(u.lrM, u.bc1), p)
	denom := Add(Div(Sqrt(nm2), Sqrt(u.bc2)), sc(u.o.Eps))
	return Sub(pd, Mul(step, Div(nm1, denom))), []*Node{nm1, nm2}
}
