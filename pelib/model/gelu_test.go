package model

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/internal/testbackend"
)

// TestGELUWithGradient: the hand-written gradient has GELU's value and the
// analytic derivative Φ(x) + x·φ(x), and agrees with autodiff of GELU.
func TestGELUWithGradient(t *testing.T) {
	be := testbackend.Get(t)
	xs := []float32{-6, -3, -1.5, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 1.5, 3, 6}
	outs, err := CallOnceN(be, func(x *Node) []*Node {
		w := Add(IotaFull(x.Graph(), x.Shape()), OnesLike(x)) // distinct upstream weights 1, 2, …
		y1, y2 := GELUWithGradient(x), GELU(x)
		g1 := Gradient(ReduceAllSum(Mul(y1, w)), x)[0]
		g2 := Gradient(ReduceAllSum(Mul(y2, w)), x)[0]
		return []*Node{y1, y2, g1, g2}
	}, tensors.FromValue(xs))
	if err != nil {
		t.Fatal(err)
	}
	y1, y2 := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	g1, g2 := tensors.MustCopyFlatData[float32](outs[2]), tensors.MustCopyFlatData[float32](outs[3])
	for i, x := range xs {
		xf := float64(x)
		cdf := 0.5 * (1 + math.Erf(xf/math.Sqrt2))
		want := float64(i+1) * (cdf + xf*math.Exp(-xf*xf/2)/math.Sqrt(2*math.Pi))
		if y1[i] != y2[i] {
			t.Errorf("x=%g: GELUWithGradient %g, GELU %g: values differ", x, y1[i], y2[i])
		}
		if math.Abs(float64(y1[i])-xf*cdf) > 1e-6*(1+math.Abs(xf)) {
			t.Errorf("x=%g: GELU = %g, want %g", x, y1[i], xf*cdf)
		}
		if math.Abs(float64(g1[i])-want) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("x=%g: custom gradient %g, analytic %g", x, g1[i], want)
		}
		if math.Abs(float64(g1[i]-g2[i])) > 1e-5*(1+math.Abs(want)) {
			t.Errorf("x=%g: custom gradient %g, autodiff %g", x, g1[i], g2[i])
		}
	}
}

// TestNormalizeWithGradient: same value as Normalize, and the gradient of a
// weighted sum agrees with autodiff of Normalize.
func TestNormalizeWithGradient(t *testing.T) {
	be := testbackend.Get(t)
	const rows, d = 3, 7
	x := make([]float32, rows*d)
	for i := range x {
		x[i] = float32(math.Sin(float64(i)*1.7)*3 + float64(i%d)*0.3)
	}
	outs, err := CallOnceN(be, func(x *Node) []*Node {
		w := Cos(IotaFull(x.Graph(), x.Shape())) // arbitrary upstream weights
		y1, y2 := NormalizeWithGradient(x, 1e-5), Normalize(x, 1e-5)
		g1 := Gradient(ReduceAllSum(Mul(y1, w)), x)[0]
		g2 := Gradient(ReduceAllSum(Mul(y2, w)), x)[0]
		return []*Node{y1, y2, g1, g2}
	}, tensors.FromFlatDataAndDimensions(x, rows, d))
	if err != nil {
		t.Fatal(err)
	}
	y1, y2 := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	g1, g2 := tensors.MustCopyFlatData[float32](outs[2]), tensors.MustCopyFlatData[float32](outs[3])
	for i := range x {
		if y1[i] != y2[i] {
			t.Errorf("[%d]: NormalizeWithGradient %g, Normalize %g", i, y1[i], y2[i])
		}
		if math.Abs(float64(g1[i]-g2[i])) > 1e-5*(1+math.Abs(float64(g2[i]))) {
			t.Errorf("[%d]: custom gradient %g, autodiff %g", i, g1[i], g2[i])
		}
	}
	// Each row of ŷ has mean 0 and variance 1 (up to ε).
	for r := range rows {
		var m, v float64
		for j := range d {
			m += float64(y1[r*d+j]) / d
		}
		for j := range d {
			v += (float64(y1[r*d+j]) - m) * (float64(y1[r*d+j]) - m) / d
		}
		if math.Abs(m) > 1e-5 || math.Abs(v-1) > 1e-3 {
			t.Errorf("row %d: mean %g, variance %g; want 0, 1", r, m, v)
		}
	}
}
