// Package netsim simulates networks of nonlinear stochastic rate units
// whose nodes have known positions in 2D or 3D, and turns their activity
// into task data for a transformer whose tokens are the nodes
// (experiment 2 of Ito et al. 2024; the paper gives only an outline, so
// every choice below is this package's, and each is a field of Config).
//
// # Layout
//
// Nodes sit on a regular grid with unit spacing (Grid2D, Grid3D; node
// index row-major, last axis fastest), at points drawn uniformly in a box
// (RandomPoints, seeded separately from the runs: the network is one fixed
// object and only its activity varies between runs), or at the caller's
// coordinates (GivenPoints). Coordinates are [S][c]; distances are
// Euclidean, Network.Dist, [S, S].
//
// # Coupling
//
// W_ij = normalise(sparsify(k(d_ij))) for i ≠ j and W_ii = 0, with the
// kernel k(d) = exp(−d/λ) or exp(−d²/(2λ²)); sparsification keeps all
// pairs, the pairs within a radius (a weight threshold), or each node's K
// nearest (ties kept, symmetrised by union); normalisation is none, row
// sum 1, spectral radius 1, or D^{-1/2}·K·D^{-1/2}. The default is the
// exponential kernel with λ = 0.5 grid units cut at radius 2 (at most 12
// neighbours in 2D and 32 in 3D; 9 and 17 on average on the 8×8 and
// 4×4×4 grids) and row sums of 1: each node's
// recurrent input is a weighted mean of its neighbours, so nodes at the
// edge of the layout get the same drive as nodes in the middle, and the
// loop gain g·φ' is the same everywhere. A short λ keeps the coupling
// local, which makes neighbours clearly more correlated than distant
// nodes (a longer λ, or λ = 1 with radius 3, spreads it and lowers the
// near–far contrast).
//
// # Dynamics
//
// Each node's activity x obeys
//
//	τ·dx = (−x + φ(g·(W·x)_i + s·x_i + I_i(t))) dt + σ·√τ dB,   φ(z) = 1/(1+e^{−(z−θ)}),
//
// integrated with step dt by Euler–Maruyama or stochastic Heun (for
// additive noise): with h = dt/τ an Euler step is x ← x + h·(−x + φ) +
// σ·√h·ξ. The noise scaling makes the process converge as dt → 0 and
// reduces to "add N(0, σ²) each step" at dt = τ, the first author's
// earlier network code (θ = 2, dt = τ = 0.1, σ = 1). The initial state is
// drawn uniformly in [0, 1) from the run's seed (or given as X0); BurnIn
// steps are discarded; then Record points are kept, one every Subsample
// steps. Dt ≤ τ is required.
//
// Tuning (all numbers from Network.Describe over 32 runs of 890 steps,
// seeds 0–31, 8×8 and 4×4×4 grids). With that earlier code's constants
// (dt = τ, σ = 1, g = 3, no input) the activity is essentially white
// noise: lag-1 autocorrelation 0.00, neighbour correlation 0.016 (2D) and
// 0.011 (3D), because the noise enters x directly with SD 1 while φ,
// whose slope is at most 1/4, passes on little of it. The defaults
// instead put the uniform fixed point x* = φ(g·x* + I) at φ's steepest
// point, x* = 1/2, with the constant input I = θ − g/2, and take g = 3.9,
// so the loop gain g·φ'(·) averages 0.89 (2D) and 0.92 (3D): stable, and
// not bistable (g·max φ' = g/4 < 1 makes the uniform fixed point unique),
// but near enough to 1 for the coupling to spread activity over a few
// grid units. σ = 0.3 keeps the
// private noise from swamping that spread; dt = τ/5 with Subsample 5
// resolves the leak (h = 0.2) and records once per τ. The result, 2D then
// 3D: mean 0.50, temporal SD 0.26 and 0.25, all of the drive on φ's
// non-flat part (φ in [0.05, 0.95]: 100 %), lag-1 autocorrelation 0.49 and
// 0.44, neighbour correlation 0.31 and 0.23, correlation beyond the 75th
// percentile of distances 0.006 and 0.064, and a correlation of −0.81 and
// −0.82 between pair distance and activity correlation. The 3D grid
// (every node within 5.2 of every other) is more uniformly correlated.
// Heun gives nearly the same statistics (neighbour correlation 0.35 and
// 0.25) at 1.5 to 2 times the cost, so Euler–Maruyama is the default.
//
// # Input
//
// I(t) is the sum of a constant bias, an optional constant per-node
// vector, and optional pulses: Poisson arrivals at PulseRate per unit time
// over the whole network, each at a uniformly chosen node, adding
// PulseAmp for PulseDur. Pulses come from the run's seed on their own
// random stream, so new seeds give new inputs and the noise does not
// change when the pulses do. The default has the bias only.
//
// # Runs
//
// A run is determined by the network and its seed alone. Seeds are run on
// a pool of goroutines; each worker steps 32 runs in lockstep so that the
// sparse coupling product (compressed rows of g·W + s·I) reads each
// non-zero once and applies it with an assembly axpy to 32 states. Every
// run's arithmetic is the same sequence of operations whatever batch it is
// in, so results are bit-identical for any number of workers. Measured
// throughput at the default length (BenchmarkSimulate, Euler–Maruyama,
// 2D grids, runs/s with -cpu 1 / 2 / 16 on the otherwise idle 16-core
// Xeon of the GPU machine; 256 runs a measurement, so at most 8 workers
// were busy at -cpu 16): 64 nodes 657 / 873 / 2297, 256 nodes
// 167 / 174 / 561, 512 nodes 73 / 114 / 266. 3D grids are within 20 %;
// Heun costs 1.5 to 2 times as much. One node-step costs about 27 ns on one core,
// mostly the exponential of φ and the Gaussian draw.
//
// # Task data
//
// Network.Windows cuts each run's recorded activity [S, L] into windows
// of T points every Stride points; each window is a sample [S, T]: tokens
// are nodes (node identity reaches a model only through its positional
// encoding), token features are the node's T values. X is float32
// [N, S, T]. Standardisation, by default, is per run and node over the
// whole recorded series (as fMRI region time series are standardised per
// scan), so windows keep their level relative to the run; per-window and
// none are options. A constant node cannot be standardised and is an
// error. Masking and next-step targets belong to the training side: a
// window of T+1 points gives both an input and its next step.
//
// BuildSplits makes a training set and a held-out test set from disjoint
// run seeds derived from one base seed (new noise, new inputs, new initial
// states), and one further test set per coupling in Split.TestG, simulated
// from the held-out seeds with only g changed (the bias stays, so the
// operating point moves: at g = 3.4 and 4.2 the mean activity is 0.27
// and 0.78 and the neighbour correlation 0.16 and 0.19 in 2D).
// Splits.Net gives the ground-truth coordinates and distances.
//
// # Experiment 2
//
// experiment.go, analyze.go, report.go and figures.go turn the task data
// into the paper's second experiment on pelib/sweep. The paper gives only
// "4 layers, d = 64", so the rest is chosen here and recorded in every
// result record:
//
//   - Layouts (LayoutConfig): "2d", the 8×8 grid of DefaultConfig, and
//     "3d", the 4×4×4 grid of Default3D: 64 nodes each.
//   - Task (NewTask): tokens are nodes, token features are a window of
//     T = 16 recorded points z-scored per run and node; masked-node
//     prediction with 50 % of the nodes masked in training (the engine
//     zeroes them and appends a mask flag; MSE on the masked nodes).
//     Next-step prediction is not implemented.
//   - Evaluation sets, each reported on its own: "test", held-out runs
//     (new seeds: new noise, inputs and initial states) masked at 50 %;
//     "test90", the same at 90 % (Analyzer); "g3.4" and "g4.2", the
//     held-out seeds simulated at another global coupling.
//   - Inputs: netsim reads no data file — it simulates its data from its
//     config (network, dynamics, run seeds), which every record already
//     holds — so its task has no results.Inputs and its records' configs
//     no "inputs" key (the experiments that read files, lst, fmri and
//     tokens, hash them into every cell ID); netsim's cell IDs are what
//     they were before input hashes.
//   - Model: Experiment 1's post-LN encoder (1 head, PE added at every
//     block, GELU after both MLP layers) with a per-token linear readout
//     of the T values. Paper protocol 4 blocks of width 64, Adam lr 1e-3,
//     batch 64, 200 epochs of 2,048 windows, 15 seeds; quick protocol 2
//     blocks of width 16, lr 1e-2, batch 32, 50 epochs of 256 windows,
//     3 seeds (Quick gives the reasons). The width is rounded up to a
//     multiple of 2c in c dimensions (66 and 18 in 3D) so that the N-D
//     sinusoid and N-D RoPE of the true coordinates exist.
//   - Conditions (PEConditions): learn-σ (N(0, σ²) table); sinnd, the
//     oracle N-D sinusoid of the true coordinates; ropend, N-D RoPE of
//     them; shaw, bidirectional relative attention over the node index;
//     none; random (fixed N(0, 1) table).
//   - Geometry (masked.PEMetrics): per block, then averaged over blocks, the
//     Spearman RSA between the PE's cosine similarity and −distance
//     (higher is better), the top-k alignment error in grid units, the
//     cross-validated ridge decoding R² of the coordinates, and the
//     effective dimensionality; a one-sided Mantel p on the block-mean
//     similarity. Report correlates each with each error across σ.
package netsim
