package netsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/floats"
)

// Streams of the PCG generator: one seed drives several independent
// random sequences, one per purpose, so that (for instance) changing the
// input pulses leaves the noise of a run unchanged.
const (
	streamLayout uint64 = 0x6c61796f7574 // "layout"
	streamNoise  uint64 = 0x6e6f697365   // "noise"
	streamInput  uint64 = 0x696e707574   // "input"
	streamInit   uint64 = 0x696e6974     // "init"
)

// Run is the recorded activity of one simulation.
type Run struct {
	Seed uint64
	// X holds the activity, [S, L] row-major: X[s·L + t] is node s at
	// recorded point t.
	X []float64
	S int // nodes
	L int // recorded points per node (Dynamics.Record)
	// Step is the time between recorded points, Subsample·Dt.
	Step float64
}

// Series returns node s's recorded activity, [L] (a view into X).
func (r *Run) Series(s int) []float64 { return r.X[s*r.L : (s+1)*r.L : (s+1)*r.L] }

// Simulate runs the network once from seed. The result depends only on
// the network and the seed.
func (n *Network) Simulate(seed uint64) (*Run, error) {
	runs, err := n.SimulateMany([]uint64{seed}, 1)
	if err != nil {
		return nil, err
	}
	return runs[0], nil
}

// SimulateMany runs the network once per seed, spreading the runs over
// workers goroutines (workers ≤ 0: GOMAXPROCS). Run i uses seeds[i] and
// its result does not depend on workers.
func (n *Network) SimulateMany(seeds []uint64, workers int) ([]*Run, error) {
	d := n.cfg.Dynamics
	runs := make([]*Run, len(seeds))
	err := n.forEachRun(seeds, workers, func(i int, x []float64) error {
		runs[i] = &Run{
			Seed: seeds[i],
			X:    append([]float64(nil), x...),
			S:    n.Nodes(),
			L:    d.Record,
			Step: float64(d.Subsample) * d.Dt,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return runs, nil
}

// batch is the number of runs a worker steps in lockstep. The coupling
// product then reads each non-zero of A once per batch and applies it to
// a contiguous row of batch states (an assembly axpy), which is several
// times faster than one run at a time. Each run's arithmetic is the same
// sequence of operations whatever the batch holds, so results do not
// depend on batching or on the number of workers.
const batch = 32

// forEachRun simulates seeds[i] for every i on workers goroutines and
// calls use(i, x) with the recorded activity x, [S, L], which is valid
// only during the call (the worker reuses it). use may be called
// concurrently for different i. The first error (lowest i) is returned.
func (n *Network) forEachRun(seeds []uint64, workers int, use func(i int, x []float64) error) error {
	nb := (len(seeds) + batch - 1) / batch
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, nb)
	errs := make([]error, len(seeds))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newSim(n, min(batch, len(seeds)))
			for !failed.Load() {
				k := int(next.Add(1) - 1)
				if k >= nb {
					return
				}
				lo, hi := k*batch, min((k+1)*batch, len(seeds))
				bad := s.run(seeds[lo:hi])
				for r := range hi - lo {
					err := bad[r]
					if err == nil {
						err = use(lo+r, s.out[r])
					}
					if err != nil {
						errs[lo+r] = err
						failed.Store(true)
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// sim holds one worker's buffers for up to R runs in lockstep. State
// vectors are [S, R] row-major: element i·R + r is node i of run r.
type sim struct {
	net  *Network
	R, S int
	rr   int         // runs in the current batch (≤ R)
	x    []float64   // [S, R] state
	u    []float64   // [S, R] recurrent input A·x
	xt   []float64   // [S, R] Heun predictor
	k1   []float64   // [S, R] Heun first slope
	xi   []float64   // [S, R] Heun noise draw
	in   []float64   // [S, R] current external input I(t)
	out  [][]float64 // [R][S·L] recorded activity per run
	runs []runState  // [R]
}

// runState is what differs between the runs of a batch besides the state.
type runState struct {
	noise     *rand.Rand
	noiseSrc  *rand.PCG
	pulses    *rand.Rand
	pulseSrc  *rand.PCG
	nextPulse float64 // arrival time of the next pulse
	on        []int32 // [S] active pulses per node
	end       []pulse // FIFO of active pulses, in order of their end
}

type pulse struct {
	node int32
	end  int // step at which the pulse stops acting
}

func newSim(n *Network, R int) *sim {
	S := n.Nodes()
	L := n.cfg.Dynamics.Record
	s := &sim{
		net: n, R: R, S: S,
		x:    make([]float64, S*R),
		u:    make([]float64, S*R),
		xt:   make([]float64, S*R),
		k1:   make([]float64, S*R),
		xi:   make([]float64, S*R),
		in:   make([]float64, S*R),
		out:  make([][]float64, R),
		runs: make([]runState, R),
	}
	for r := range s.out {
		s.out[r] = make([]float64, S*L)
		rs := &s.runs[r]
		rs.noiseSrc = rand.NewPCG(0, 0)
		rs.noise = rand.New(rs.noiseSrc)
		rs.pulseSrc = rand.NewPCG(0, 0)
		rs.pulses = rand.New(rs.pulseSrc)
		rs.on = make([]int32, S)
	}
	return s
}

// sigmoid is φ(z) = 1/(1+e^{−(z−θ)}); for z far below θ the exponential
// overflows to +Inf and φ is 0, never NaN.
func sigmoid(z, theta float64) float64 { return 1 / (1 + math.Exp(theta-z)) }

// mulVec sets y = A·x for every run of the batch: y, x are [S, R].
func (s *sim) mulVec(y, x []float64) {
	op := &s.net.op
	R, rr := s.R, s.rr
	for i := 0; i < s.S; i++ {
		yi := y[i*R : i*R+rr]
		clear(yi)
		lo, hi := op.rowPtr[i], op.rowPtr[i+1]
		for k, c := range op.col[lo:hi] {
			floats.AddScaled(yi, op.val[int(lo)+k], x[int(c)*R:int(c)*R+rr])
		}
	}
}

// run simulates the seeds (at most R) into s.out[:len(seeds)] and
// returns, per run, nil or the error that spoils it.
func (s *sim) run(seeds []uint64) []error {
	n := s.net
	d := n.cfg.Dynamics
	in := n.cfg.Input
	S, R, L := s.S, s.R, d.Record
	rr := len(seeds)
	s.rr = rr

	durSteps := 0
	if in.PulseRate > 0 {
		durSteps = max(1, int(math.Round(in.PulseDur/d.Dt)))
	}
	for r, seed := range seeds {
		rs := &s.runs[r]
		rs.noiseSrc.Seed(seed, streamNoise)
		if d.X0 != nil {
			for i, v := range d.X0 {
				s.x[i*R+r] = v
			}
		} else {
			init := rand.New(rand.NewPCG(seed, streamInit))
			for i := 0; i < S; i++ {
				s.x[i*R+r] = init.Float64()
			}
		}
		for i := 0; i < S; i++ {
			s.in[i*R+r] = n.bias[i]
		}
		clear(rs.on)
		rs.end = rs.end[:0]
		rs.nextPulse = math.Inf(1)
		if in.PulseRate > 0 {
			// Poisson arrivals in continuous time; a pulse that arrives
			// in [k·dt, (k+1)·dt) acts from step k for durSteps steps.
			rs.pulseSrc.Seed(seed, streamInput)
			rs.nextPulse = rs.pulses.ExpFloat64() / in.PulseRate
		}
	}

	h := d.Dt / d.Tau
	b := d.Noise * math.Sqrt(h)
	theta := d.Theta
	x, u, I := s.x, s.u, s.in
	total := d.BurnIn + L*d.Subsample
	for step := 0; step < total; step++ {
		if in.PulseRate > 0 {
			for r := range rr {
				s.updatePulses(r, step, durSteps)
			}
		}
		switch d.Integrator {
		case EulerMaruyama:
			s.mulVec(u, x)
			for i := 0; i < S; i++ {
				lo, hi := i*R, i*R+rr
				xs := x[lo:hi]
				us, is, runs := u[lo:hi][:len(xs)], I[lo:hi][:len(xs)], s.runs[:len(xs)]
				if b == 0 {
					for r, xv := range xs {
						xs[r] = xv + h*(sigmoid(us[r]+is[r], theta)-xv)
					}
					continue
				}
				for r, xv := range xs {
					xs[r] = xv + h*(sigmoid(us[r]+is[r], theta)-xv) + b*runs[r].noise.NormFloat64()
				}
			}
		case Heun:
			xt, k1, xis := s.xt, s.k1, s.xi
			s.mulVec(u, x)
			for i := 0; i < S; i++ {
				lo, hi := i*R, i*R+rr
				xs := x[lo:hi]
				n := len(xs)
				us, is := u[lo:hi][:n], I[lo:hi][:n]
				k1s, xts, es, runs := k1[lo:hi][:n], xt[lo:hi][:n], xis[lo:hi][:n], s.runs[:n]
				for r, xv := range xs {
					k := sigmoid(us[r]+is[r], theta) - xv
					e := 0.0
					if b != 0 {
						e = b * runs[r].noise.NormFloat64()
					}
					k1s[r], es[r] = k, e
					xts[r] = xv + h*k + e
				}
			}
			s.mulVec(u, xt)
			for i := 0; i < S; i++ {
				lo, hi := i*R, i*R+rr
				xs := x[lo:hi]
				n := len(xs)
				us, is := u[lo:hi][:n], I[lo:hi][:n]
				k1s, xts, es := k1[lo:hi][:n], xt[lo:hi][:n], xis[lo:hi][:n]
				for r, xv := range xs {
					k2 := sigmoid(us[r]+is[r], theta) - xts[r]
					xs[r] = xv + 0.5*h*(k1s[r]+k2) + es[r]
				}
			}
		}
		if k := step - d.BurnIn + 1; k > 0 && k%d.Subsample == 0 {
			t := k/d.Subsample - 1
			for i := 0; i < S; i++ {
				for r, v := range x[i*R : i*R+rr] {
					s.out[r][i*L+t] = v
				}
			}
		}
	}
	errs := make([]error, rr)
	for r, seed := range seeds {
		if !finite(floats.Sum(s.out[r])) {
			errs[r] = fmt.Errorf("netsim: run with seed %d: activity is not finite", seed)
		}
	}
	return errs
}

// updatePulses starts run r's pulses that arrive during step and stops
// those that end there, keeping its input at bias + PulseAmp·(active
// pulses).
func (s *sim) updatePulses(r, step, dur int) {
	n := s.net
	in := n.cfg.Input
	rs := &s.runs[r]
	changed := false
	for len(rs.end) > 0 && rs.end[0].end <= step {
		rs.on[rs.end[0].node]--
		rs.end = rs.end[1:]
		changed = true
	}
	stepEnd := float64(step+1) * n.cfg.Dynamics.Dt
	for rs.nextPulse < stepEnd {
		node := int32(rs.pulses.IntN(s.S))
		rs.on[node]++
		rs.end = append(rs.end, pulse{node: node, end: step + dur})
		rs.nextPulse += rs.pulses.ExpFloat64() / in.PulseRate
		changed = true
	}
	if changed {
		for i, c := range rs.on {
			s.in[i*s.R+r] = n.bias[i] + float64(c)*in.PulseAmp
		}
	}
}
