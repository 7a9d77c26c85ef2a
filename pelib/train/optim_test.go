package train

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/internal/testbackend"
)

// hostAdam is torch.optim.Adam/AdamW's step for one parameter entry.
func hostAdam(o Optimizer, p, g, m, v float64, t int, wd float64, decoupled bool) (float64, float64, float64) {
	if wd > 0 && !decoupled {
		g += wd * p
	}
	if wd > 0 && decoupled {
		p *= 1 - o.LR*wd
	}
	m = o.Beta1*m + (1-o.Beta1)*g
	v = o.Beta2*v + (1-o.Beta2)*g*g
	bc1, bc2 := 1-math.Pow(o.Beta1, float64(t)), 1-math.Pow(o.Beta2, float64(t))
	p -= o.LR / bc1 * m / (math.Sqrt(v)/math.Sqrt(bc2) + o.Eps)
	return p, m, v
}

// TestUpdateKnownAnswer runs three steps of the graph update for M = 3
// models against torch's Adam/AdamW formulas on the host; model 1 does not
// update at step 2 and gets a NaN gradient there: it must keep p, m, v.
func TestUpdateKnownAnswer(t *testing.T) {
	be := testbackend.Get(t)
	for _, tc := range []struct {
		kind      string
		wd        float64
		decoupled bool
	}{{"adam", 0, false}, {"adam", 0.1, false}, {"adamw", 0.05, true}} {
		t.Run(tc.kind, func(t *testing.T) {
			o := Optimizer{Kind: tc.kind, LR: 0.01, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
			const M, N = 3, 2
			p := []float64{0.5, -1, 2, 0.25, -0.75, 1.5}
			m, v := make([]float64, M*N), make([]float64, M*N)
			grad := func(step, i int) float64 { return math.Sin(float64(3*i+step)) + 0.1*float64(step) }
			exec := MustNewExec(be, func(in []*Node) []*Node {
				u := newUpdate(o, in[4], in[5], in[6], in[7])
				np, ns := u.apply(in[0], in[1], []*Node{in[2], in[3]}, tc.wd, tc.decoupled)
				return append([]*Node{np}, ns...)
			})
			for step := 1; step <= 3; step++ {
				g := make([]float64, M*N)
				upd := []bool{true, step != 2, true}
				for i := range g {
					g[i] = grad(step, i)
					if !upd[i/N] {
						g[i] = math.NaN()
					}
				}
				bc1, bc2 := 1-math.Pow(o.Beta1, float64(step)), 1-math.Pow(o.Beta2, float64(step))
				outs, err := exec.Call(tensors.FromFlatDataAndDimensions(p, M, N), tensors.FromFlatDataAndDimensions(g, M, N),
					tensors.FromFlatDataAndDimensions(m, M, N), tensors.FromFlatDataAndDimensions(v, M, N),
					tensors.FromFlatDataAndDimensions(upd, M), tensors.FromScalar(o.LR), tensors.FromScalar(bc1), tensors.FromScalar(bc2))
				if err != nil {
					t.Fatal(err)
				}
				gp, gm, gv := tensors.MustCopyFlatData[float64](outs[0]), tensors.MustCopyFlatData[float64](outs[1]), tensors.MustCopyFlatData[float64](outs[2])
				for i := range p {
					wp, wm, wv := p[i], m[i], v[i]
					if upd[i/N] {
						wp, wm, wv = hostAdam(o, p[i], g[i], m[i], v[i], step, tc.wd, tc.decoupled)
					}
					for _, c := range []struct {
						name      string
						got, want float64
					}{{"p", gp[i], wp}, {"m", gm[i], wm}, {"v", gv[i], wv}} {
						if math.Abs(c.got-c.want) > 1e-12*(1+math.Abs(c.want)) || math.IsNaN(c.got) {
							t.Errorf("step %d, model %d [%d]: %s = %.15g, want %.15g", step, i/N, i%N, c.name, c.got, c.want)
						}
					}
				}
				p, m, v = gp, gm, gv
			}
		})
	}
}

// TestInGraphLoopOverride: $PELAB_INGRAPH_LOOP turns the loop on (where the
// backend has closures) or off; unset, the pure Go backend runs one call
// per step.
func TestInGraphLoopOverride(t *testing.T) {
	be := testbackend.Get(t)
	closures := be.Capabilities().Functions
	for _, tc := range []struct {
		env  string
		want bool
	}{{"on", closures}, {"off", false}} {
		t.Setenv(EnvInGraphLoop, tc.env)
		if got := supportsWhile(be); got != tc.want {
			t.Errorf("%s=%s on %s: loop %v, want %v", EnvInGraphLoop, tc.env, testbackend.Name(t), got, tc.want)
		}
	}
	t.Setenv(EnvInGraphLoop, "")
	if strings.HasPrefix(testbackend.Name(t), "go") && supportsWhile(be) {
		t.Errorf("pure Go backend: loop on by default; its While cannot run a gradient")
	}
}
