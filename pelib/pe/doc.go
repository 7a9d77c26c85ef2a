// Package pe describes positional encodings (PEs) and computes, on the host in
// float64, every numeric table a PE needs. The model converts the tables to
// its dtype and applies them in the graph; this package has no graph code.
//
// # Specs
//
// Spec is the one description of a PE: its Kind, the initialiser of its
// trainable parameters, an optional weight decay on the PE alone, where an
// additive table is applied (Placement) and the options of the relative and
// rotary kinds. Parse reads a compact, case-insensitive spec string and
// Spec.String writes the canonical one; Parse(s.String()) equals s for every
// valid spec returned by Parse or Normalize. The grammar is in Syntax:
//
//	none | random
//	learn | learn:<σ> | learn:normal:<σ> | learn:uniform:<low>:<high> | learn:xavier | learn:zeros
//	sin1d | sin2d | sinnd | rope1d | rope2d | ropend
//	shaw[:<init>] | t5[:<init>] | alibi | alibind
//	coordlin[:<init>] | coordmlp[:<init>] | dpb[:<init>]
//
// followed by options after commas: wd=<x> (the trainable kinds), input or
// every (learn, random, sin*, coordlin, coordmlp, dpb), causal (shaw, t5,
// alibi, alibind), noout (any kind: no attention output projection),
// maxdist=<n> (shaw, t5), buckets=<n> (t5), base=<x> (sin*, rope*),
// hidden=<n> and depth=<n> (coordmlp, dpb) and fourier=<n> (coordlin,
// coordmlp, dpb). The paper's names are aliases: nope = none,
// learn-<σ> = learn:normal:<σ> (and likewise coordlin-<σ>, coordmlp-<σ>,
// dpb-<σ>), uniform = learn:uniform:0:1, 1d-fixed =
// sin1d, 2d-fixed = sin2d, rope = rope1d and relative = shaw,causal,noout
// (the reference code's RelativeGlobalAttention: causal, and attention·V
// returned without an output projection).
//
// Two options describe the attention block rather than the encoding: causal
// (a causal mask) and noout (Spec.NoOutProj: the block returns the
// head-concatenated softmax(scores)·V without the output projection W_o,
// b_o). They live in the spec because the reference's relative attention
// module bundles both with its relative embeddings, and a spec is what an
// experiment's condition names.
//
// A zero field of Spec means "the default", so a Spec literal needs only the
// fields it changes; Normalize writes the defaults in. The defaults are:
// learn initialised Normal(0, 0.2²) (the paper's best small σ), shaw
// Normal(0, 1) (the reference code's relative embeddings), t5 zeros (a neutral
// starting bias); placement every (the paper: each block adds its own table at
// its input); base 10000; t5 32 buckets and maximum distance 128; shaw clips
// the offset at S−1, i.e. not at all; coordlin, coordmlp and dpb Normal(0,
// 0.2²) on their output layer, coordmlp 64 hidden units, dpb 32, one hidden
// layer each, no Fourier features. Validate rejects a field set on a kind
// it does not apply to, so no setting is silently ignored.
//
// StructureKey groups specs that build the same graph: specs that differ only
// in the initial values of trainable parameters (σ, init kind, bounds) share a
// key and can be trained as one model-axis group. The key is conservative:
// every other field, weight decay included, is part of it.
//
// # Token positions
//
// Layout holds the positions of the S tokens as coordinates [S][c] and, for a
// grid, its sizes. Grid(rows, cols) numbers tokens row-major, token
// t = row·cols + col, with coordinates (row, col) in the order of the sizes.
// The 1D kinds (sin1d, rope1d, alibi) use the token index 0…S−1 whatever the
// layout; sin2d and rope2d need a two-dimensional grid; the N-D kinds (sinnd,
// ropend, alibind) use the real-valued coordinates as they are, unscaled (use
// Layout.Scaled to change units: the experiments hand them coordinates in
// which neighbouring tokens are about one unit apart). The coordinate
// functions (coordlin, coordmlp, dpb) are unit-free by construction: they
// centre the coordinates and divide them by their half-extent
// (NormalizedCoords), so the same tokens in millimetres or centimetres give
// the same PE.
//
// # Coordinate functions
//
// coordlin, coordmlp and dpb encode a token's position as a learned function
// of its coordinates rather than a free table row — a linear map (BrainLM's
// form), an MLP, or an MLP of coordinate differences giving each head an
// attention bias (a dynamic position bias). Their output layer is drawn from
// the spec's init, so σ sets their initial scale as it does a table's; the
// formulas, shapes and parameter counts are in coord.go (FunctionFeatures,
// Layers, InitFunction, EvalFunction). Per function, with C = c(1 + 2F)
// input features (c coordinates, F Fourier octaves), D the width, H the heads
// and Hd the hidden width: coordlin (C+1)·D parameters; coordmlp
// (C+1)·Hd + (Depth−1)(Hd+1)·Hd + (Hd+1)·D; dpb the same with H for D. With
// placement every there is one function per block, with input one shared.
//
// # Tables
//
// All tables are flat, row-major float64 slices; each function's doc gives
// the shape with the axis letters s token (q, k for query and key tokens),
// d width, h head, l block and c coordinate. Table and Tables give the
// additive [S, D] tables (initial values for learn, fixed values for the
// others), InitTable the initial values of any trainable parameter (Shaw
// embeddings, T5 biases), RoPE and RotatePairMatrix the rotary tables,
// ShawIndex and T5Index the relative-position index maps, CausalMask the
// causal mask and ALiBiBias the ALiBi biases. Random draws come only from the
// *rand.Rand passed in (math/rand/v2), so a table is a function of the seed.
//
// Functions whose signature has no error return nil for invalid arguments;
// those that take a Spec check it with Validate and return an error that says
// what was expected.
package pe
