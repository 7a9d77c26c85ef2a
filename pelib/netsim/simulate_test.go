package netsim

import (
	"math"
	"strings"
	"testing"
)

// uncoupled returns a 2-node network with no coupling, no noise, constant
// per-node input and a given start: each node obeys
// τ·dx/dt = −x + φ(I), whose solution is
// x(t) = φ(I) + (x0 − φ(I))·e^{−t/τ}.
func uncoupled(t *testing.T, integ Integrator, dt float64, burn, rec, sub int) (*Network, []float64, []float64) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Layout = Grid2D(1, 2)
	cfg.Coupling.G, cfg.Coupling.Self, cfg.Coupling.Radius = 0, 0, 2
	cfg.Dynamics = Dynamics{Tau: 0.1, Dt: dt, Theta: 2, Noise: 0, Integrator: integ,
		BurnIn: burn, Record: rec, Subsample: sub, X0: []float64{0, 1.5}}
	cfg.Input = Input{Bias: 0.5, PerNode: []float64{1, -2}}
	net, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fix := []float64{sigmoid(1.5, 2), sigmoid(-1.5, 2)}
	return net, cfg.Dynamics.X0, fix
}

func TestClosedFormSingleNode(t *testing.T) {
	const burn, rec, sub = 3, 20, 2
	for _, tc := range []struct {
		integ Integrator
		// factor is the exact one-step contraction of the scheme for
		// dx/dt = (c − x)/τ, with h = dt/τ.
		factor func(h float64) float64
	}{
		{EulerMaruyama, func(h float64) float64 { return 1 - h }},
		{Heun, func(h float64) float64 { return 1 - h + h*h/2 }},
	} {
		t.Run(tc.integ.String(), func(t *testing.T) {
			const dt = 0.03
			net, x0, fix := uncoupled(t, tc.integ, dt, burn, rec, sub)
			run, err := net.Simulate(1)
			if err != nil {
				t.Fatal(err)
			}
			h := dt / 0.1
			for s := range 2 {
				for k, got := range run.Series(s) {
					steps := burn + (k+1)*sub
					want := fix[s] + (x0[s]-fix[s])*math.Pow(tc.factor(h), float64(steps))
					if math.Abs(got-want) > 1e-13 {
						t.Fatalf("node %d point %d (step %d): %.15g, want %.15g", s, k, steps, got, want)
					}
				}
			}
			if run.Step != sub*dt {
				t.Errorf("Step = %g, want %g", run.Step, sub*dt)
			}
		})
	}
	// Both schemes converge to the continuous solution at t = 0.5 = 5τ:
	// Euler at first order, Heun at second.
	for _, tc := range []struct {
		integ Integrator
		order float64
	}{{EulerMaruyama, 1}, {Heun, 2}} {
		var prev float64
		for k, dt := range []float64{0.01, 0.005, 0.0025} {
			steps := int(math.Round(0.5 / dt))
			net, x0, fix := uncoupled(t, tc.integ, dt, 0, 1, steps)
			run, err := net.Simulate(1)
			if err != nil {
				t.Fatal(err)
			}
			want := fix[0] + (x0[0]-fix[0])*math.Exp(-5)
			e := math.Abs(run.X[0] - want)
			if k > 0 {
				rate := math.Log2(prev / e)
				if math.Abs(rate-tc.order) > 0.1 {
					t.Errorf("%v: error %g → %g halving dt, observed order %.3f, want %g", tc.integ, prev, e, rate, tc.order)
				}
			}
			prev = e
		}
	}
}

// TestHeunEulerConverge checks, on the default coupled nonlinear network
// without noise, that both schemes approach a fine Heun reference as
// dt → 0 with their orders, and so approach each other.
func TestHeunEulerConverge(t *testing.T) {
	const tEnd = 1.0
	state := func(integ Integrator, dt float64) []float64 {
		cfg := DefaultConfig()
		cfg.Dynamics.Noise = 0
		cfg.Dynamics.Integrator = integ
		cfg.Dynamics.Dt = dt
		cfg.Dynamics.BurnIn = 0
		cfg.Dynamics.Record = 1
		cfg.Dynamics.Subsample = int(math.Round(tEnd / dt))
		cfg.Input.PerNode = make([]float64, 64)
		cfg.Dynamics.X0 = make([]float64, 64)
		for i := range 64 {
			cfg.Input.PerNode[i] = 0.5 * math.Sin(float64(3*i))
			cfg.Dynamics.X0[i] = 0.5 + 0.4*math.Cos(float64(7*i))
		}
		net, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		run, err := net.Simulate(0)
		if err != nil {
			t.Fatal(err)
		}
		return run.X
	}
	maxDiff := func(a, b []float64) float64 {
		m := 0.0
		for i := range a {
			m = math.Max(m, math.Abs(a[i]-b[i]))
		}
		return m
	}
	ref := state(Heun, 0.1/1024)
	var prevE, prevH, prevEH float64
	for k, dt := range []float64{0.1 / 16, 0.1 / 32, 0.1 / 64} {
		e, h := state(EulerMaruyama, dt), state(Heun, dt)
		errE, errH, diff := maxDiff(e, ref), maxDiff(h, ref), maxDiff(e, h)
		if k > 0 {
			if r := math.Log2(prevE / errE); math.Abs(r-1) > 0.15 {
				t.Errorf("Euler order %.3f (error %g → %g), want 1", r, prevE, errE)
			}
			if r := math.Log2(prevH / errH); math.Abs(r-2) > 0.2 {
				t.Errorf("Heun order %.3f (error %g → %g), want 2", r, prevH, errH)
			}
			if diff >= 0.6*prevEH {
				t.Errorf("Euler–Heun difference %g → %g: not shrinking with dt", prevEH, diff)
			}
		}
		prevE, prevH, prevEH = errE, errH, diff
	}
	if prevEH > 1e-3 {
		t.Errorf("Euler and Heun still differ by %g at dt = τ/64", prevEH)
	}
}

func pulsedConfig() Config {
	cfg := DefaultConfig()
	cfg.Dynamics.BurnIn, cfg.Dynamics.Record = 20, 16
	cfg.Input.PulseRate, cfg.Input.PulseAmp, cfg.Input.PulseDur = 20, 1, 0.1
	return cfg
}

func TestDeterminism(t *testing.T) {
	for _, integ := range []Integrator{EulerMaruyama, Heun} {
		cfg := pulsedConfig()
		cfg.Dynamics.Integrator = integ
		net, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		// 70 seeds: more than two batches, the last one partial.
		seeds := make([]uint64, 70)
		for i := range seeds {
			seeds[i] = uint64(1000 + 7*i)
		}
		one, err := net.SimulateMany(seeds, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, workers := range []int{2, 3, 0} {
			many, err := net.SimulateMany(seeds, workers)
			if err != nil {
				t.Fatal(err)
			}
			for i := range seeds {
				if !equalBits(one[i].X, many[i].X) {
					t.Fatalf("%v: run %d differs between 1 and %d workers", integ, i, workers)
				}
			}
		}
		// A run alone (a batch of one) equals the same seed in a batch.
		solo, err := net.Simulate(seeds[40])
		if err != nil {
			t.Fatal(err)
		}
		if !equalBits(solo.X, one[40].X) {
			t.Errorf("%v: seed %d alone differs from the same seed in a batch", integ, seeds[40])
		}
		if equalBits(one[0].X, one[1].X) {
			t.Errorf("%v: different seeds gave the same run", integ)
		}
	}
}

func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// TestPulses drives the pulse schedule of one run directly: arrivals are
// Poisson with the configured rate, and each pulse raises one node's input
// by PulseAmp for PulseDur.
func TestPulses(t *testing.T) {
	cfg := pulsedConfig()
	net, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := newSim(net, 1)
	s.rr = 1
	rs := &s.runs[0]
	rs.pulseSrc.Seed(5, streamInput)
	rs.nextPulse = rs.pulses.ExpFloat64() / cfg.Input.PulseRate
	for i := range s.S {
		s.in[i] = net.bias[i]
	}
	dt := cfg.Dynamics.Dt
	dur := int(math.Round(cfg.Input.PulseDur / dt))
	const steps = 100000
	starts := 0
	for step := range steps {
		ended := 0
		for _, p := range rs.end {
			if p.end <= step {
				ended++
			}
		}
		before := len(rs.end) - ended
		s.updatePulses(0, step, dur)
		// Pulses that start now act for exactly dur steps.
		for _, p := range rs.end[before:] {
			if p.end != step+dur {
				t.Fatalf("step %d: a pulse ends at step %d, want %d", step, p.end, step+dur)
			}
		}
		starts += len(rs.end) - before
		var extra float64
		for i := range s.S {
			extra += s.in[i] - net.bias[i]
		}
		if n := float64(len(rs.end)) * cfg.Input.PulseAmp; math.Abs(extra-n) > 1e-9 {
			t.Fatalf("step %d: input above bias %g, want %g for %d active pulses", step, extra, n, len(rs.end))
		}
	}
	want := cfg.Input.PulseRate * steps * dt // Poisson mean
	if math.Abs(float64(starts)-want) > 4*math.Sqrt(want) {
		t.Errorf("%d pulses in %g time units, want %g ± %g", starts, steps*dt, want, 4*math.Sqrt(want))
	}
}

// TestDefaultActivity checks the default dynamics in 2D and 3D: not
// saturated, not flat, stable, and spatially correlated (neighbours more
// alike than distant nodes).
func TestDefaultActivity(t *testing.T) {
	for name, cfg := range map[string]Config{"2D": DefaultConfig(), "3D": Default3D()} {
		t.Run(name, func(t *testing.T) {
			net, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			seeds := make([]uint64, 16)
			for i := range seeds {
				seeds[i] = uint64(i)
			}
			runs, err := net.SimulateMany(seeds, 0)
			if err != nil {
				t.Fatal(err)
			}
			st, err := net.Describe(runs)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%+v", st)
			noiseSD := cfg.Dynamics.Noise / math.Sqrt2 // an uncoupled linear node
			switch {
			case st.Mean < 0.3 || st.Mean > 0.7:
				t.Errorf("mean activity %g: drifted to a tail of φ", st.Mean)
			case st.Linear < 0.95:
				t.Errorf("only %g of the drive is off φ's flat tails", st.Linear)
			case st.SD < noiseSD || st.SD > 3*noiseSD:
				t.Errorf("temporal SD %g, want between %g and %g", st.SD, noiseSD, 3*noiseSD)
			case st.Gain > 1:
				t.Errorf("loop gain %g > 1", st.Gain)
			case st.NearCorr < 0.15 || st.NearCorr < st.FarCorr+0.1:
				t.Errorf("near correlation %g, far %g: want near ≥ 0.15 and ≥ far + 0.1", st.NearCorr, st.FarCorr)
			case st.DistCorr > -0.5:
				t.Errorf("correlation vs distance %g, want ≤ −0.5", st.DistCorr)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"empty layout", func(c *Config) { c.Layout = Layout{} }, "empty Shape"},
		{"dt zero", func(c *Config) { c.Dynamics.Dt = 0 }, "Dt = 0"},
		{"dt negative", func(c *Config) { c.Dynamics.Dt = -0.1 }, "Dt = -0.1"},
		{"dt above tau", func(c *Config) { c.Dynamics.Dt = 0.2 }, "Dt = 0.2 > Tau = 0.1"},
		{"tau zero", func(c *Config) { c.Dynamics.Tau = 0 }, "Tau = 0"},
		{"theta NaN", func(c *Config) { c.Dynamics.Theta = math.NaN() }, "Theta = NaN"},
		{"noise negative", func(c *Config) { c.Dynamics.Noise = -1 }, "Noise = -1"},
		{"record zero", func(c *Config) { c.Dynamics.Record = 0 }, "Record = 0"},
		{"subsample zero", func(c *Config) { c.Dynamics.Subsample = 0 }, "Subsample = 0"},
		{"burn-in negative", func(c *Config) { c.Dynamics.BurnIn = -1 }, "BurnIn = -1"},
		{"integrator", func(c *Config) { c.Dynamics.Integrator = 5 }, "unknown Integrator"},
		{"X0 length", func(c *Config) { c.Dynamics.X0 = []float64{1} }, "X0 has 1 values"},
		{"X0 NaN", func(c *Config) { c.Dynamics.X0 = make([]float64, 64); c.Dynamics.X0[3] = math.NaN() }, "X0[3] = NaN"},
		{"bias NaN", func(c *Config) { c.Input.Bias = math.NaN() }, "Bias = NaN"},
		{"per-node NaN", func(c *Config) { c.Input.PerNode = make([]float64, 64); c.Input.PerNode[9] = math.Inf(-1) }, "PerNode[9] = -Inf"},
		{"per-node length", func(c *Config) { c.Input.PerNode = make([]float64, 3) }, "PerNode has 3 values"},
		{"pulse rate", func(c *Config) { c.Input.PulseRate = -2 }, "PulseRate = -2"},
		{"pulse duration", func(c *Config) { c.Input.PulseRate, c.Input.PulseDur = 1, 0 }, "PulseDur = 0"},
		{"pulse amp NaN", func(c *Config) { c.Input.PulseRate, c.Input.PulseDur, c.Input.PulseAmp = 1, 1, math.NaN() }, "PulseAmp = NaN"},
		{"lambda", func(c *Config) { c.Coupling.Lambda = 0 }, "Lambda = 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.edit(&cfg)
			_, err := New(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
