package model

import (
	"fmt"
	"math"
	"slices"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // graph code reads best unqualified
	"github.com/pelab/pelab/pelib/pe"
)

// ForwardOptions are the per-call switches of [Forward].
type ForwardOptions struct {
	// Train turns dropout on (when Config.Dropout > 0); it needs RNG.
	Train bool
	// EmbedNoise adds N(0, EmbedNoise²) noise to the token embeddings
	// (after the input projection, before any PE); it needs RNG.
	EmbedNoise float64
	// Noise, when set, is the standard-normal noise [M, B, S, D] that
	// EmbedNoise scales, drawn by the caller (so that each model's noise
	// can depend on that model alone); otherwise it is drawn from RNG.
	Noise *Node
	// RNG is a GoMLX RNG state node, used by dropout and EmbedNoise.
	RNG *Node
	// Attention asks Forward to return every block's attention weights.
	Attention bool
}

// Output is what [Forward] returns.
type Output struct {
	// Out is [M, B, Outputs] (token or mean readout) or [M, B, S, Outputs]
	// (per-token readout).
	Out *Node
	// Attention holds, when asked for, one node per block shaped
	// [M, B, H, S, S] (softmax over the last axis, k).
	Attention []*Node
	// RNG is the updated RNG state (nil when none was given).
	RNG *Node
}

// graphModel holds the nodes of one Forward call.
type graphModel struct {
	c      Config
	g      *Graph
	p      map[string]*Node
	M      int
	opt    ForwardOptions
	rng    *Node
	consts map[string]*Node
}

// Forward builds the M models' forward pass on x, shaped [M, B, S, F].
// params are the nodes of the parameters in [Specs] order, each
// [M, Shape...].
func Forward(c Config, params []*Node, x *Node, opt ForwardOptions) (Output, error) {
	c, err := c.Normalize()
	if err != nil {
		return Output{}, err
	}
	specs := Specs(c)
	if len(params) != len(specs) {
		return Output{}, fmt.Errorf("model: Forward got %d parameters, want %d", len(params), len(specs))
	}
	dims := x.Shape().Dimensions
	if len(dims) != 4 || dims[2] != c.Tokens || dims[3] != c.Features {
		return Output{}, fmt.Errorf("model: input shape %v, want [M, B, %d, %d]", dims, c.Tokens, c.Features)
	}
	M := dims[0]
	gm := &graphModel{c: c, g: x.Graph(), p: map[string]*Node{}, M: M, opt: opt, rng: opt.RNG, consts: map[string]*Node{}}
	for i, s := range specs {
		want := append([]int{M}, s.Shape...)
		if !slices.Equal(params[i].Shape().Dimensions, want) {
			return Output{}, fmt.Errorf("model: parameter %s has shape %v, want %v", s.Name, params[i].Shape().Dimensions, want)
		}
		gm.p[s.Name] = params[i]
	}
	if (opt.Train && c.Dropout > 0) || (opt.EmbedNoise > 0 && opt.Noise == nil) {
		if opt.RNG == nil {
			return Output{}, fmt.Errorf("model: dropout or embedding noise needs ForwardOptions.RNG")
		}
	}
	var out Output
	err = TryCatch[error](func() { out = gm.forward(ConvertDType(x, c.DType)) })
	return out, err
}

// TryCatch runs fn and returns a panic raised by graph building as an error.
func TryCatch[E error](fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			switch v := r.(type) {
			case error:
				err = v
			default:
				err = fmt.Errorf("%v", v)
			}
		}
	}()
	fn()
	return nil
}

// konst returns a cached constant node made from host values with dims.
func (gm *graphModel) konst(name string, v []float64, dims ...int) *Node {
	if n, ok := gm.consts[name]; ok {
		return n
	}
	n := Const(gm.g, FromFloat64(v, gm.c.DType, dims...))
	gm.consts[name] = n
	return n
}

func (gm *graphModel) scalar(v float64) *Node { return Scalar(gm.g, gm.c.DType, v) }

// mm is the einsum of a matrix product of activations or weights. With
// Config.MatmulDType BFloat16 its operands are rounded to bfloat16 and the
// product accumulates and returns float32 (XLA: one bf16 tensor-core GEMM);
// otherwise it is a plain einsum in DType.
func (gm *graphModel) mm(eq string, a, b *Node) *Node {
	mt := gm.c.matmulDType()
	if mt == gm.c.DType {
		return Einsum(eq, a, b)
	}
	y := Dot(ConvertDType(a, mt), ConvertDType(b, mt)).
		WithAccumulatorDType(gm.c.DType).WithOutputDType(gm.c.DType).Einsum(eq)
	// Some backends ignore the output dtype and return the operands' one.
	return ConvertDType(y, gm.c.DType)
}

// dense applies x [M, B, S, Din] · W [M, Din, Dout] + b [M, Dout].
// It flattens to one batch axis (m) so ONNX Runtime accepts the einsum.
func (gm *graphModel) dense(x *Node, name string) *Node {
	return gm.denseWB(x, gm.p[name+"/w"], gm.p[name+"/b"])
}

// denseWB is dense with explicit weight [M, Din, Dout] and bias [M, Dout]:
// one batched product [M, n, Din]·[M, Din, Dout] and a broadcasting Add.
//
// With one model the product and the bias could be two-dimensional, which
// ONNX Runtime fuses into one Gemm (bias inside the GEMM). That measured
// faster while ONNX Runtime ran one thread; with its two threads (xla.Choose)
// the Gemm was the slower form — its bias is first copied into the whole
// output on one thread — by ≈ 4 % of an LST step (Gemm against this form:
// bench medians 109.0 against 104.6 ms; saved step programs 110.0 against
// 102.1 ms, docs/performance.md).
func (gm *graphModel) denseWB(x, w, b *Node) *Node {
	d := x.Shape().Dimensions
	din, dout := d[len(d)-1], w.Shape().Dimensions[2]
	n := 1
	for _, v := range d[1 : len(d)-1] {
		n *= v
	}
	y := gm.mm("mnd,mde->mne", Reshape(x, gm.M, n, din), w)
	y = Add(y, Reshape(b, gm.M, 1, dout))
	out := append(append([]int{}, d[:len(d)-1]...), dout)
	return Reshape(y, out...)
}

// layerNorm normalises the last axis with γ, β shaped [M, D].
func (gm *graphModel) layerNorm(x *Node, name string) *Node {
	D := gm.c.Width
	var y *Node
	if gm.opt.Train {
		y = NormalizeWithGradient(x, gm.c.LNEps)
	} else {
		y = Normalize(x, gm.c.LNEps)
	}
	g := Reshape(gm.p[name+"/g"], gm.M, 1, 1, D)
	b := Reshape(gm.p[name+"/b"], gm.M, 1, 1, D)
	return Add(Mul(y, g), b)
}

// Normalize is layer normalisation without scale and shift over the last
// axis: (x − μ)/√(σ² + ε), μ and σ² the mean and (biased) variance.
func Normalize(x *Node, eps float64) *Node {
	xc, sd := centred(x, eps)
	return Div(xc, sd)
}

// centred returns x − μ and √(σ² + ε), μ and σ² over the last axis (kept).
func centred(x *Node, eps float64) (xc, sd *Node) {
	xc = Sub(x, ReduceAndKeep(x, ReduceMean, -1))
	v := ReduceAndKeep(Square(xc), ReduceMean, -1)
	return xc, Sqrt(Add(v, Scalar(x.Graph(), x.DType(), eps)))
}

// NormalizeWithGradient has Normalize's value and the closed-form gradient
//
//	∂L/∂x = (v − mean(v) − ŷ·mean(v·ŷ)) / √(σ² + ε),   ŷ = Normalize(x), v = ∂L/∂ŷ,
//
// (means over the last axis): seven full-size passes where autodiff of
// Normalize emits about twice as many, with materialised broadcasts. The
// construction is GELUWithGradient's.
func NormalizeWithGradient(x *Node, eps float64) *Node {
	var ys, sd *Node
	return withGradient(x, func(xs *Node) *Node {
		var xc *Node
		xc, sd = centred(xs, eps)
		ys = Div(xc, sd)
		return ys
	}, func(v *Node) *Node {
		m1 := ReduceAndKeep(v, ReduceMean, -1)
		m2 := ReduceAndKeep(Mul(v, ys), ReduceMean, -1)
		return Div(Sub(Sub(v, m1), Mul(ys, m2)), sd)
	})
}

// withGradient returns value(xs), xs = StopGradient(x), whose gradient with
// respect to x is grad(v) for the arriving gradient v: a hand-written
// gradient for an elementwise or row-wise function of x. value must build
// its result from xs with at least one operation whose result is not
// stopped (it is the node the gradient arrives at); grad may use the nodes
// value built.
//
// How: GoMLX's fused-op mechanism (graph.InternalFusedOpCaller) lets a node
// hand the gradient arriving at it to an alternate node instead of to its
// own inputs; the alternate is x with the custom gradient. The forward pass
// is value's operations alone. Where GoMLX's fusion is switched off
// (GOMLX_FUSION=0) the caller returns the alternate itself, and the value
// is built as ys + (xi − xs) instead — the same value for finite x, at two
// more full-size passes and a dead negation in the backward pass.
func withGradient(x *Node, value func(xs *Node) *Node, grad func(v *Node) *Node) *Node {
	xs := StopGradient(x)
	custom := func() *Node { return IdentityWithCustomGradient(x, func(_, v *Node) *Node { return grad(v) }) }
	out, fused := InternalFusedOpCaller(func() *Node { return value(xs) }, custom, true)
	if fused {
		return out
	}
	ys := StopGradient(value(xs))
	return Add(ys, Sub(custom(), xs))
}

// gelu is the exact (erf) GELU: x·Φ(x) = ½x(1 + erf(x/√2)). In training
// graphs it is GELUWithGradient.
func (gm *graphModel) gelu(x *Node) *Node {
	if gm.opt.Train {
		return GELUWithGradient(x)
	}
	return GELU(x)
}

// GELU is the exact (erf) GELU, x·Φ(x) = ½x(1 + erf(x/√2)), elementwise.
func GELU(x *Node) *Node {
	g := x.Graph()
	return Mul(Mul(x, Scalar(g, x.DType(), 0.5)), Add(Scalar(g, x.DType(), 1), Erf(Mul(x, Scalar(g, x.DType(), 1/math.Sqrt2)))))
}

// GELUWithGradient has GELU's value (bit for bit) and a hand-written
// gradient, v·(Φ(x) + x·φ(x)) with φ the standard normal density: one
// multiplication in the backward pass where reverse-mode autodiff of GELU
// emits about seventeen full-size operations (the chain rule through each
// scalar product also differentiates the scalar: a product and a full
// reduction whose result nobody uses, and a materialised broadcast of the
// scalar), which dominate a CPU training step after the matrix products.
//
// The forward pass is GELU's five operations alone and the backward pass
// computes the derivative (see withGradient).
func GELUWithGradient(x *Node) *Node {
	g := x.Graph()
	c := func(v float64) *Node { return Scalar(g, x.DType(), v) }
	var xs, cdf *Node
	return withGradient(x, func(s *Node) *Node {
		xs = s
		cdf = Mul(c(0.5), Add(c(1), Erf(Mul(xs, c(1/math.Sqrt2))))) // Φ(x)
		return Mul(xs, cdf)
	}, func(v *Node) *Node {
		pdf := Mul(Exp(Mul(Mul(xs, xs), c(-0.5))), c(1/math.Sqrt(2*math.Pi))) // φ(x)
		return Mul(v, Add(cdf, Mul(xs, pdf)))
	})
}

func (gm *graphModel) dropout(x *Node) *Node {
	if !gm.opt.Train || gm.c.Dropout <= 0 {
		return x
	}
	var u *Node
	gm.rng, u = RandomUniform(gm.rng, x.Shape())
	keep := GreaterOrEqual(u, gm.scalar(gm.c.Dropout))
	return Where(keep, Mul(x, gm.scalar(1/(1-gm.c.Dropout))), ZerosLike(x))
}

func (gm *graphModel) forward(x *Node) Output {
	c := gm.c
	S := c.Tokens
	e := gm.dense(x, "embed") // [M, B, S, D]
	if gm.opt.EmbedNoise > 0 {
		z := gm.opt.Noise
		if z == nil {
			gm.rng, z = RandomNormal(gm.rng, e.Shape())
		}
		e = Add(e, Mul(ConvertDType(z, c.DType), gm.scalar(gm.opt.EmbedNoise)))
	}
	var out Output
	for l := range c.Blocks {
		if add := gm.additivePE(l); add != nil {
			e = Add(e, add)
		}
		p := fmt.Sprintf("block%d/", l)
		if c.PreLN {
			h := gm.layerNorm(e, p+"ln1")
			a, w := gm.attention(h, l)
			e = Add(e, gm.dropout(a))
			m := gm.mlp(gm.layerNorm(e, p+"ln2"), p)
			e = Add(e, gm.dropout(m))
			out.Attention = appendIf(out.Attention, w, gm.opt.Attention)
		} else {
			a, w := gm.attention(e, l)
			h := gm.layerNorm(Add(gm.dropout(a), e), p+"ln1")
			m := gm.mlp(h, p)
			e = gm.layerNorm(Add(gm.dropout(m), h), p+"ln2")
			out.Attention = appendIf(out.Attention, w, gm.opt.Attention)
		}
	}
	switch c.Readout {
	case ReadoutToken:
		// One-hot contraction rather than Slice: ONNX Runtime cannot
		// differentiate Slice (no Pad), see toolchain.md.
		oh := make([]float64, S)
		oh[c.ReadoutToken] = 1
		r := Einsum("mbsd,s->mbd", e, gm.konst("readout", oh, S))
		out.Out = gm.dense(r, "head")
	case ReadoutMean:
		out.Out = gm.dense(ReduceMean(e, 2), "head")
	case ReadoutTokens:
		out.Out = gm.dense(e, "head")
	}
	out.RNG = gm.rng
	return out
}

func appendIf(s []*Node, n *Node, ok bool) []*Node {
	if ok {
		return append(s, n)
	}
	return s
}

func (gm *graphModel) mlp(h *Node, p string) *Node {
	m := gm.gelu(gm.dense(h, p+"mlp1"))
	m = gm.dense(m, p+"mlp2")
	if gm.c.GELUAfterMLP {
		m = gm.gelu(m)
	}
	return m
}

// additivePE returns the table added at the input of block l, shaped
// [M, 1, S, D] or [1, 1, S, D], or nil.
func (gm *graphModel) additivePE(l int) *Node {
	c := gm.c
	S, D := c.Tokens, c.Width
	if !c.PE.Additive() || c.PE.Kind == pe.None {
		return nil
	}
	if c.PE.Placement == pe.Input && l > 0 {
		return nil
	}
	if c.PE.FunctionTable() { // coordlin, coordmlp: F[s] = f_l(γ(x̃_s)), [M, S, D]
		return Reshape(gm.coordFunction(l), gm.M, 1, S, D)
	}
	if t, ok := gm.p["pe/table"]; ok { // learned or random: [M, L, S, D]
		L := c.peBlocks()
		oh := make([]float64, L)
		oh[min(l, L-1)] = 1
		sel := Einsum("mlsd,l->msd", t, gm.konst(fmt.Sprintf("pe/select%d", l), oh, L))
		return Reshape(sel, gm.M, 1, S, D)
	}
	// Fixed sinusoids: the same table for every model and block.
	tab, err := pe.Table(c.PE, c.Layout, D, nil)
	if err != nil {
		panic(fmt.Errorf("model: PE %s: %w", c.PE.String(), err))
	}
	return gm.konst("pe/fixed", tab, 1, 1, S, D)
}

// attention is multi-head self-attention on x [M, B, S, D]; it returns the
// result [M, B, S, D] and the weights [M, B, H, S, S]. Per model and
// sequence, with heads h of width dh = D/H, A_h = softmax(Q_h K_hᵀ/√dh + …)
// and C = [A_1 V_1 | … | A_H V_H] ([S, D], heads concatenated), the result
// is C·W_o + b_o, or C itself when !c.AttnOutProj().
func (gm *graphModel) attention(x *Node, l int) (*Node, *Node) {
	c := gm.c
	M, S, D, H := gm.M, c.Tokens, c.Width, c.Heads
	dh := D / H
	B := x.Shape().Dimensions[1]
	p := fmt.Sprintf("block%d/attn/", l)
	split := func(n string) *Node { // [M, B, S, D] → [M·B·H, S, dh]
		y := gm.denseWB(x, gm.p[p+"w"+n], gm.p[p+"b"+n])
		if H == 1 { // moving an axis of size 1 is a reshape, not a copy
			return Reshape(y, M*B, S, dh)
		}
		y = Reshape(y, M, B, S, H, dh)
		y = TransposeAllAxes(y, 0, 1, 3, 2, 4)
		return Reshape(y, M*B*H, S, dh)
	}
	q, k, v := split("q"), split("k"), split("v")
	if c.PE.Rotary() {
		cos, sin, err := pe.RoPE(c.PE, c.Layout, dh)
		if err != nil {
			panic(fmt.Errorf("model: PE %s: %w", c.PE.String(), err))
		}
		cn, sn := gm.konst("rope/cos", cos, 1, S, dh), gm.konst("rope/sin", sin, 1, S, dh)
		rot := gm.konst("rope/rot", pe.RotatePairMatrix(dh), dh, dh)
		rope := func(t *Node) *Node {
			return Add(Mul(t, cn), Mul(Einsum("nsd,de->nse", t, rot), sn))
		}
		q, k = rope(q), rope(k)
	}
	scores := gm.mm("nqd,nkd->nqk", q, k) // [M·B·H, S, S]
	if c.PE.Relative() {
		// Shaw-style relative keys: scores[q,k] += q·E[idx(q,k)].
		idx, n := pe.ShawIndex(c.PE, S)
		rel := gm.p[fmt.Sprintf("block%d/pe/rel", l)] // [M, n, dh]
		qe := Einsum("mnd,mrd->mnr", Reshape(q, M, B*H*S, dh), rel)
		qe = Reshape(qe, M*B*H, S, n)
		scores = Add(scores, Einsum("nqr,qrk->nqk", qe, gm.konst("shaw/onehot", relOneHot(idx, S, n), S, n, S)))
	}
	scores = Mul(scores, gm.scalar(1/math.Sqrt(float64(dh))))
	if bias := gm.scoreBias(l); bias != nil { // [M or 1, 1, H, S, S]
		s5 := Reshape(scores, M, B, H, S, S)
		scores = Reshape(Add(s5, bias), M*B*H, S, S)
	}
	w := Softmax(scores, -1)
	ctx := gm.mm("nqk,nkd->nqd", w, v) // [M·B·H, S, dh]
	if H > 1 {
		ctx = TransposeAllAxes(Reshape(ctx, M, B, H, S, dh), 0, 1, 3, 2, 4)
	}
	ctx = Reshape(ctx, M, B, S, D)
	if !c.AttnOutProj() { // the reference's RelativeGlobalAttention: attention·V as it is
		return ctx, Reshape(w, M, B, H, S, S)
	}
	a := gm.denseWB(ctx, gm.p[p+"wo"], gm.p[p+"bo"])
	return a, Reshape(w, M, B, H, S, S)
}

// relOneHot turns an [S,S] index into r = idx(q,k) into a [S, n, S] one-hot
// O[q, r, k] = 1 when idx(q,k) = r.
func relOneHot(idx []int, S, n int) []float64 {
	o := make([]float64, S*n*S)
	for q := range S {
		for k := range S {
			o[(q*n+idx[q*S+k])*S+k] = 1
		}
	}
	return o
}

// scoreBias returns the additive attention-score bias of block l, shaped
// [M, 1, H, S, S] (learned T5 bias, dpb) or [1, 1, H, S, S] (ALiBi, causal
// mask), or nil.
func (gm *graphModel) scoreBias(l int) *Node {
	c := gm.c
	S, H := c.Tokens, c.Heads
	var bias *Node
	add := func(n *Node) {
		if bias == nil {
			bias = n
		} else {
			bias = Add(bias, n)
		}
	}
	if c.PE.Bias() {
		if c.PE.Trainable() { // T5: bias[m, h, idx(q,k)]
			idx, n := pe.T5Index(c.PE, S)
			oh := make([]float64, S*S*n)
			for i, r := range idx {
				oh[i*n+r] = 1
			}
			t := gm.p[fmt.Sprintf("block%d/pe/bias", l)] // [M, H, n]
			b := Einsum("mhr,qkr->mhqk", t, gm.konst("t5/onehot", oh, S, S, n))
			add(Reshape(b, gm.M, 1, H, S, S))
		} else { // ALiBi
			ab, err := pe.ALiBiBias(c.PE, c.Layout, H)
			if err != nil {
				panic(fmt.Errorf("model: PE %s: %w", c.PE.String(), err))
			}
			add(gm.konst("alibi", ab, 1, 1, H, S, S))
		}
	}
	if c.PE.Kind == pe.DPB { // bias[m, h, q, k] = f_l(γ((x̃_q − x̃_k)/2))[h]
		f := gm.coordFunction(l) // [M, S·S, H]
		add(Reshape(TransposeAllAxes(f, 0, 2, 1), gm.M, 1, H, S, S))
	}
	if c.PE.Causal && !(c.PE.Bias() && !c.PE.Trainable()) { // ALiBiBias already masks
		add(gm.konst("causal", pe.CausalMask(S), 1, 1, 1, S, S))
	}
	return bias
}

// coordFunction evaluates block l's coordinate function (function l for
// placement every, 0 for input) on the PE's input features (pe.FunctionFeatures:
// [N, C], N = S tokens, or S·S pairs for dpb) and returns [M, N, O]: each
// layer h·W + b, GELU between layers (see pe's coordinate functions).
func (gm *graphModel) coordFunction(l int) *Node {
	c := gm.c
	feats, C, err := pe.FunctionFeatures(c.PE, c.Layout)
	if err != nil {
		panic(fmt.Errorf("model: PE %s: %w", c.PE.String(), err))
	}
	N := len(feats) / C
	F := c.PE.NumFunctions(c.Blocks)
	f := min(l, F-1)
	_, O := c.FunctionShape()
	h := BroadcastToDims(gm.konst("pe/fn/features", feats, 1, N, C), gm.M, N, C)
	layers := c.PE.Layers(C, O)
	for i, io := range layers {
		w, b := gm.p[fmt.Sprintf("pe/fn/l%d/w", i)], gm.p[fmt.Sprintf("pe/fn/l%d/b", i)] // [M, F, in, out], [M, F, out]
		if F > 1 {
			oh := make([]float64, F)
			oh[f] = 1
			sel := gm.konst(fmt.Sprintf("pe/fn/select%d", f), oh, F)
			w = Einsum("mfio,f->mio", w, sel)
			b = Einsum("mfo,f->mo", b, sel)
		} else {
			w, b = Reshape(w, gm.M, io[0], io[1]), Reshape(b, gm.M, io[1])
		}
		h = gm.denseWB(h, w, b)
		if i < len(layers)-1 {
			h = gm.gelu(h)
		}
	}
	return h
}
