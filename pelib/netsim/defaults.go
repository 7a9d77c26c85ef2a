package netsim

// DefaultConfig returns the default 2D network, an 8×8 grid; the package
// documentation gives the reasons for each value.
func DefaultConfig() Config {
	const g, theta = 3.9, 2
	return Config{
		Layout: Grid2D(8, 8),
		Coupling: Coupling{
			Kernel:    Exponential,
			Lambda:    0.5,
			Sparsify:  SparsifyRadius,
			Radius:    2,
			Normalize: NormRowSum,
			G:         g,
			Self:      0,
		},
		Dynamics: Dynamics{
			Tau:        0.1,
			Dt:         0.02,
			Theta:      theta,
			Noise:      0.3,
			Integrator: EulerMaruyama,
			BurnIn:     250,
			Record:     128,
			Subsample:  5,
		},
		// θ − g/2 puts the uniform fixed point x* = φ(g·x* + I) at 1/2,
		// the sigmoid's steepest point.
		Input: Input{Bias: theta - g/2},
	}
}

// Default3D returns DefaultConfig on a 4×4×4 grid (64 nodes, as in 2D).
func Default3D() Config {
	c := DefaultConfig()
	c.Layout = Grid3D(4, 4, 4)
	return c
}
