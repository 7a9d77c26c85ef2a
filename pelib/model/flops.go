package model

import "github.com/pelab/pelab/pelib/pe"

// ForwardFLOPs is the number of floating-point operations of the matrix
// products of one model's forward pass over a batch of B sequences, counting
// a multiply-add as 2 FLOPs. With S tokens, width D, MLP width R = MLPRatio·D,
// F input features and O outputs, per sequence:
//
//	embedding            2·S·F·D
//	per block (×L)       2·S·D·3D (q, k, v) + 2·S·S·D (scores) + 2·S·S·D (context)
//	                     + 2·S·D·D (out-projection, when c.AttnOutProj())
//	                     + 2·S·D·R + 2·S·R·D (MLP)
//	readout              token: 2·S·D (one-hot selection) + 2·D·O;
//	                     mean: 2·D·O; tokens: 2·S·D·O
//
// plus, once per batch, the PE-table selection (2·L·S·D·L per model for
// per-block tables), a coordinate-function PE's layers (2·N·in·out per
// layer and function, N = S tokens or S² pairs for dpb) and the
// relative-PE products where the PE has them.
// Element-wise work (layer norms, GELU, softmax, the optimiser) is left out:
// it is memory-bound, not FLOP-bound, and small beside the products.
func ForwardFLOPs(c Config, B int) float64 {
	c = c.withDefaults()
	S, D, F, L := float64(c.Tokens), float64(c.Width), float64(c.Features), float64(c.Blocks)
	R := float64(c.MLPRatio) * D
	O := float64(c.Outputs)
	H := float64(c.Heads)
	dh := D / H
	per := 2 * S * F * D
	block := 2*S*D*3*D + 2*2*S*S*D + 2*2*S*D*R
	if c.AttnOutProj() {
		block += 2 * S * D * D
	}
	if c.PE.Relative() {
		_, ni := pe.ShawIndex(c.PE, c.Tokens)
		n := float64(ni)
		block += 2*S*dh*n*H + 2*S*n*S*H // q·E and the one-hot skew
	}
	per += L * block
	switch c.Readout {
	case ReadoutToken:
		per += 2*S*D + 2*D*O
	case ReadoutMean:
		per += 2 * D * O
	case ReadoutTokens:
		per += 2 * S * D * O
	}
	total := per * float64(B)
	if c.PE.Kind == pe.Learned || c.PE.Kind == pe.Random {
		pb := float64(c.peBlocks())
		total += L * 2 * pb * S * D
	}
	if Cin, O := c.FunctionShape(); Cin > 0 { // once per batch, per function evaluated
		n := S
		if c.PE.Kind == pe.DPB {
			n = S * S
		}
		for _, io := range c.PE.Layers(Cin, O) {
			total += float64(c.PE.NumFunctions(c.Blocks)) * 2 * n * float64(io[0]*io[1])
		}
	}
	return total
}

// StepFLOPs is the arithmetic of one optimisation step of one model:
// forward and backward ≈ 3 × the forward products (the backward pass
// computes two products per forward product: the gradients with respect to
// both operands).
func StepFLOPs(c Config, B int) float64 { return 3 * ForwardFLOPs(c, B) }
