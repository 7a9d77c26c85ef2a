package netsim

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Config gathers every choice of the simulation. Start from DefaultConfig
// (or Default3D) and change fields; New validates the whole.
type Config struct {
	Layout   Layout
	Coupling Coupling
	Dynamics Dynamics
	Input    Input
}

// Integrator selects the time-stepping scheme.
type Integrator int

const (
	// EulerMaruyama: x ← x + h·f(x) + b·ξ.
	EulerMaruyama Integrator = iota
	// Heun, the stochastic Heun (predictor–corrector) scheme for additive
	// noise: x̃ = x + h·f(x) + b·ξ, x ← x + h·(f(x) + f(x̃))/2 + b·ξ with
	// the same ξ. Second order without noise; two coupling products a step.
	Heun
)

func (i Integrator) String() string {
	switch i {
	case EulerMaruyama:
		return "euler-maruyama"
	case Heun:
		return "heun"
	}
	return fmt.Sprintf("Integrator(%d)", int(i))
}

// Dynamics holds the rate model's constants and the run length. The model
// is the stochastic differential equation
//
//	τ·dx = (−x + φ(g·W·x + s·x + I(t))) dt + σ·√τ dB,   φ(z) = 1/(1+e^{−(z−θ)}),
//
// stepped with step dt: with h = dt/τ and b = σ·√h, one Euler–Maruyama
// step is x ← x + h·(−x + φ(·)) + b·ξ, ξ ~ N(0, I). A run takes BurnIn
// steps that are not recorded, then Record·Subsample steps, recording the
// state after every Subsample-th, so the recorded points are Subsample·dt
// apart in time.
type Dynamics struct {
	// Tau is the time constant τ (> 0).
	Tau float64
	// Dt is the integration step (0 < Dt ≤ Tau).
	Dt float64
	// Theta is the threshold θ of the sigmoid φ.
	Theta float64
	// Noise is σ (≥ 0). With dt = τ it is the standard deviation of the
	// noise added at each step; an uncoupled, linear node has stationary
	// standard deviation σ/√2 whatever dt.
	Noise float64

	Integrator Integrator

	// BurnIn is the number of unrecorded steps at the start (≥ 0).
	BurnIn int
	// Record is the number of recorded time points per node (≥ 1).
	Record int
	// Subsample is the number of steps between recorded points (≥ 1).
	Subsample int

	// X0 is the initial state, [S]. When nil each node starts at a value
	// drawn uniformly in [0, 1) (the range of φ) from the run's seed.
	X0 []float64
}

// Input is the external input I(t), the sum of three optional parts: a
// constant Bias to every node, a constant PerNode vector, and random
// pulses. Pulses arrive as a Poisson process of PulseRate events per unit
// time over the whole network; each picks a node uniformly and adds
// PulseAmp to its input for PulseDur time units (rounded to whole steps,
// at least one). Pulse times and nodes come from the run's seed (a stream
// separate from the noise), so new seeds give new inputs. I is held
// constant within a step.
type Input struct {
	Bias      float64
	PerNode   []float64 // [S] or nil
	PulseRate float64
	PulseAmp  float64
	PulseDur  float64
}

// Network is one network, fixed for all its runs: positions, distances,
// coupling, and the constants of its dynamics. It is safe for concurrent
// use.
type Network struct {
	cfg    Config
	coords [][]float64   // [S][c]
	dist   *mat.SymDense // [S, S]
	w      *mat.Dense    // [S, S], normalised, zero diagonal, before g
	op     operator      // g·W + s·I
	bias   []float64     // [S], Bias + PerNode
}

// New validates cfg and builds the network.
func New(cfg Config) (*Network, error) {
	pts, err := cfg.Layout.Points()
	if err != nil {
		return nil, err
	}
	s := len(pts)
	if err := cfg.Coupling.validate(); err != nil {
		return nil, err
	}
	if err := cfg.Dynamics.validate(s); err != nil {
		return nil, err
	}
	if err := cfg.Input.validate(s); err != nil {
		return nil, err
	}
	dist := distances(pts)
	w, err := cfg.Coupling.matrix(dist)
	if err != nil {
		return nil, err
	}
	bias := make([]float64, s)
	for i := range bias {
		bias[i] = cfg.Input.Bias
		if cfg.Input.PerNode != nil {
			bias[i] += cfg.Input.PerNode[i]
		}
	}
	// Keep the caller's slices out of reach of later changes.
	cfg.Dynamics.X0 = clone(cfg.Dynamics.X0)
	cfg.Input.PerNode = clone(cfg.Input.PerNode)
	cfg.Layout.Shape = append([]int(nil), cfg.Layout.Shape...)
	cfg.Layout.Box = clone(cfg.Layout.Box)
	cfg.Layout.Coords = copyPoints(cfg.Layout.Coords)
	return &Network{
		cfg:    cfg,
		coords: pts,
		dist:   dist,
		w:      w,
		op:     newOperator(w, cfg.Coupling.G, cfg.Coupling.Self),
		bias:   bias,
	}, nil
}

// Config returns the configuration the network was built from.
func (n *Network) Config() Config {
	c := n.cfg
	c.Dynamics.X0 = clone(c.Dynamics.X0)
	c.Input.PerNode = clone(c.Input.PerNode)
	c.Layout.Shape = append([]int(nil), c.Layout.Shape...)
	c.Layout.Box = clone(c.Layout.Box)
	c.Layout.Coords = copyPoints(c.Layout.Coords)
	return c
}

// Nodes returns the number of nodes S.
func (n *Network) Nodes() int { return len(n.coords) }

// Coords returns a copy of the node positions, [S][c].
func (n *Network) Coords() [][]float64 { return copyPoints(n.coords) }

// Dist returns a copy of the Euclidean distance matrix, [S, S].
func (n *Network) Dist() *mat.SymDense {
	return mat.NewSymDense(len(n.coords), clone(n.dist.RawSymmetric().Data))
}

// W returns a copy of the normalised coupling matrix W, [S, S] (before
// the factor g and without the self-coupling).
func (n *Network) W() *mat.Dense { return mat.DenseCopyOf(n.w) }

// NonZeros returns the number of non-zero entries of g·W + s·I, the
// work of one coupling product.
func (n *Network) NonZeros() int { return n.op.nnz }

func (d Dynamics) validate(s int) error {
	if !(d.Tau > 0) || math.IsInf(d.Tau, 0) {
		return fmt.Errorf("netsim: dynamics: Tau = %g, want a finite time constant > 0", d.Tau)
	}
	if !(d.Dt > 0) || math.IsInf(d.Dt, 0) {
		return fmt.Errorf("netsim: dynamics: Dt = %g, want a finite step > 0", d.Dt)
	}
	if d.Dt > d.Tau {
		return fmt.Errorf("netsim: dynamics: Dt = %g > Tau = %g: the leak is not resolved; want Dt ≤ Tau", d.Dt, d.Tau)
	}
	if !finite(d.Theta) {
		return fmt.Errorf("netsim: dynamics: Theta = %g, want a finite number", d.Theta)
	}
	if !(d.Noise >= 0) || math.IsInf(d.Noise, 0) {
		return fmt.Errorf("netsim: dynamics: Noise = %g, want a finite σ ≥ 0", d.Noise)
	}
	switch d.Integrator {
	case EulerMaruyama, Heun:
	default:
		return fmt.Errorf("netsim: dynamics: unknown Integrator %d", int(d.Integrator))
	}
	if d.BurnIn < 0 {
		return fmt.Errorf("netsim: dynamics: BurnIn = %d steps, want ≥ 0", d.BurnIn)
	}
	if d.Record < 1 {
		return fmt.Errorf("netsim: dynamics: Record = %d points, want ≥ 1", d.Record)
	}
	if d.Subsample < 1 {
		return fmt.Errorf("netsim: dynamics: Subsample = %d steps, want ≥ 1", d.Subsample)
	}
	if d.Record > math.MaxInt32/d.Subsample || d.BurnIn > math.MaxInt32-d.Record*d.Subsample {
		return fmt.Errorf("netsim: dynamics: BurnIn %d + Record %d × Subsample %d steps is too long", d.BurnIn, d.Record, d.Subsample)
	}
	if d.X0 != nil {
		if len(d.X0) != s {
			return fmt.Errorf("netsim: dynamics: X0 has %d values, the layout has %d nodes", len(d.X0), s)
		}
		for i, v := range d.X0 {
			if !finite(v) {
				return fmt.Errorf("netsim: dynamics: X0[%d] = %g, want a finite number", i, v)
			}
		}
	}
	return nil
}

func (in Input) validate(s int) error {
	if !finite(in.Bias) {
		return fmt.Errorf("netsim: input: Bias = %g, want a finite number", in.Bias)
	}
	if in.PerNode != nil {
		if len(in.PerNode) != s {
			return fmt.Errorf("netsim: input: PerNode has %d values, the layout has %d nodes", len(in.PerNode), s)
		}
		for i, v := range in.PerNode {
			if !finite(v) {
				return fmt.Errorf("netsim: input: PerNode[%d] = %g, want a finite number", i, v)
			}
		}
	}
	if !(in.PulseRate >= 0) || math.IsInf(in.PulseRate, 0) {
		return fmt.Errorf("netsim: input: PulseRate = %g, want a finite rate ≥ 0", in.PulseRate)
	}
	if in.PulseRate > 0 {
		if !finite(in.PulseAmp) {
			return fmt.Errorf("netsim: input: PulseAmp = %g, want a finite number", in.PulseAmp)
		}
		if !(in.PulseDur > 0) || math.IsInf(in.PulseDur, 0) {
			return fmt.Errorf("netsim: input: PulseDur = %g, want a finite duration > 0", in.PulseDur)
		}
	}
	return nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func clone(x []float64) []float64 {
	if x == nil {
		return nil
	}
	return append([]float64(nil), x...)
}

func copyPoints(p [][]float64) [][]float64 {
	if p == nil {
		return nil
	}
	out := make([][]float64, len(p))
	for i, q := range p {
		out[i] = clone(q)
	}
	return out
}
