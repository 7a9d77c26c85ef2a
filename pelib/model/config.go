// Package model is the transformer encoder of pelab, written so that one
// graph holds M independent models: every parameter carries a leading model
// axis m.
//
// Axis letters (used in every einsum and doc comment): m model, b batch,
// s token (q and k for queries and keys), d width, e output width, h head,
// l block, f input feature, n a flattened batch (b·s, or m·b·h).
//
// The paper's model (Ito et al. 2024, see ../shared/docs/paper-notes.md) is
// [PaperLST]: Linear(5→160) token embedding; 4 post-LN blocks, each
//
//	e = PE_l(e)                        (PE added at every block, own table)
//	a = MHA(e, e, e)                   (1 head, with biases)
//	h = LayerNorm(a + e)
//	m = GELU(W2·GELU(W1·h + b1) + b2)  (GELU after both MLP layers)
//	e = LayerNorm(m + h)
//
// and Linear(160→4) on token 15. MHA is PyTorch's nn.MultiheadAttention,
// ending with its output projection, except where the PE spec says noout
// (the paper's relative condition; see [Config.AttnOutProj]).
// Initialisation follows PyTorch's defaults: Linear weight and bias
// U(±1/√fan_in); attention in-projection Xavier-uniform on the stacked
// [3D, D] matrix with zero biases; attention out-projection U(±1/√D) with
// zero bias; LayerNorm γ = 1, β = 0.
//
// Parameters live outside the graph as a [Params] set of host arrays (so the
// training engine owns optimiser state, checkpoints and the model axis);
// [Forward] builds the computation from graph nodes of those parameters.
package model

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/pelab/pelab/pelib/pe"
)

// Readout says how the encoder's token states become outputs.
type Readout string

const (
	// ReadoutToken reads one token's state (the paper: token 15) through a
	// linear head: out [M, B, Outputs].
	ReadoutToken Readout = "token"
	// ReadoutMean averages the token states, then a linear head.
	ReadoutMean Readout = "mean"
	// ReadoutTokens applies a linear head to every token: out [M, B, S, Outputs]
	// (per-token regression, e.g. masked-token prediction).
	ReadoutTokens Readout = "tokens"
)

// Config describes one transformer encoder (the same structure for all M
// models of a graph; models differ only in their parameter values).
type Config struct {
	Tokens   int // S, tokens per sequence
	Features int // F, input features per token
	Width    int // D
	Blocks   int // L
	Heads    int // H; D must be divisible by H
	MLPRatio int // hidden width of the MLP = MLPRatio·D

	Outputs      int // classes (token/mean readout) or outputs per token
	Readout      Readout
	ReadoutToken int // token read by ReadoutToken

	PreLN        bool    // false: post-LN (the paper); true: pre-LN
	GELUAfterMLP bool    // GELU after the MLP's second linear layer too (the paper)
	LNEps        float64 // layer-norm epsilon (1e-5)
	Dropout      float64 // dropout on the residual branches, training only

	PE     pe.Spec   // positional encoding (its structure; per-model σ/seed at init)
	Layout pe.Layout // token positions, for the PEs that need them

	DType dtypes.DType // dtypes.Float32 (default) or Float64 (gradient checks)

	// MatmulDType, when set to dtypes.BFloat16 (with DType Float32), runs the
	// activation×weight and attention matrix products with bfloat16 operands,
	// float32 accumulation and a float32 result; parameters, optimiser state,
	// layer norms, softmax and the loss stay float32. The zero value (or
	// DType itself) computes every product in DType. GoMLX differentiates
	// such a product in its accumulator dtype, so the backward products run
	// in float32 (TF32 tensor cores on XLA CUDA, where tf32 is on by default).
	// Not every backend has bfloat16 products: ONNX Runtime's CPU provider
	// has none.
	MatmulDType dtypes.DType `json:",omitempty"`
}

// PaperLST returns the paper's Latin Square Task model with the given PE.
func PaperLST(spec pe.Spec) Config {
	return Config{
		Tokens: 16, Features: 5, Width: 160, Blocks: 4, Heads: 1, MLPRatio: 4,
		Outputs: 4, Readout: ReadoutToken, ReadoutToken: 15,
		GELUAfterMLP: true, LNEps: 1e-5,
		PE: spec, Layout: pe.Grid(4, 4), DType: dtypes.Float32,
	}
}

// Validate reports the first inconsistency in c.
func (c Config) Validate() error {
	switch {
	case c.Tokens < 1:
		return fmt.Errorf("model: Tokens = %d, want ≥ 1", c.Tokens)
	case c.Features < 1:
		return fmt.Errorf("model: Features = %d, want ≥ 1", c.Features)
	case c.Width < 1 || c.Blocks < 1 || c.Heads < 1 || c.MLPRatio < 1:
		return fmt.Errorf("model: Width, Blocks, Heads, MLPRatio = %d, %d, %d, %d: all must be ≥ 1",
			c.Width, c.Blocks, c.Heads, c.MLPRatio)
	case c.Width%c.Heads != 0:
		return fmt.Errorf("model: Width %d is not divisible by Heads %d", c.Width, c.Heads)
	case c.Outputs < 1:
		return fmt.Errorf("model: Outputs = %d, want ≥ 1", c.Outputs)
	case c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("model: Dropout = %g, want in [0, 1)", c.Dropout)
	}
	switch c.Readout {
	case ReadoutToken:
		if c.ReadoutToken < 0 || c.ReadoutToken >= c.Tokens {
			return fmt.Errorf("model: ReadoutToken = %d, want in [0, %d)", c.ReadoutToken, c.Tokens)
		}
	case ReadoutMean, ReadoutTokens:
	default:
		return fmt.Errorf("model: Readout %q, want %q, %q or %q", c.Readout, ReadoutToken, ReadoutMean, ReadoutTokens)
	}
	if c.DType != dtypes.Float32 && c.DType != dtypes.Float64 {
		return fmt.Errorf("model: DType %s, want Float32 or Float64", c.DType)
	}
	if c.MatmulDType != dtypes.InvalidDType && c.MatmulDType != c.DType &&
		!(c.MatmulDType == dtypes.BFloat16 && c.DType == dtypes.Float32) {
		return fmt.Errorf("model: MatmulDType %s with DType %s, want unset, %s, or BFloat16 with Float32",
			c.MatmulDType, c.DType, c.DType)
	}
	if err := c.PE.Validate(); err != nil {
		return fmt.Errorf("model: %w", err)
	}
	if n := c.Layout.S(); n != 0 && n != c.Tokens {
		return fmt.Errorf("model: layout has %d positions for %d tokens", n, c.Tokens)
	}
	if c.PE.Function() {
		if c.Layout.S() != c.Tokens {
			return fmt.Errorf("model: PE %s is a function of the tokens' coordinates: want a layout of %d tokens, got %d", c.PE.String(), c.Tokens, c.Layout.S())
		}
		if _, _, err := pe.NormalizedCoords(c.Layout); err != nil {
			return fmt.Errorf("model: PE %s: %w", c.PE.String(), err)
		}
	}
	if c.PE.Rotary() && (c.Width/c.Heads)%2 != 0 {
		return fmt.Errorf("model: rotary PE needs an even head width, got %d", c.Width/c.Heads)
	}
	return nil
}

// withDefaults fills zero fields that have a natural default.
func (c Config) withDefaults() Config {
	if c.DType == dtypes.InvalidDType {
		c.DType = dtypes.Float32
	}
	if c.LNEps == 0 {
		c.LNEps = 1e-5
	}
	if c.MLPRatio == 0 {
		c.MLPRatio = 4
	}
	if c.Heads == 0 {
		c.Heads = 1
	}
	if c.Readout == "" {
		c.Readout = ReadoutToken
	}
	c.PE = c.PE.Normalize()
	return c
}

// ParseMatmulDType maps a flag value to a MatmulDType: "f32" or "" (the
// model's own dtype, returned as dtypes.InvalidDType) and "bf16".
func ParseMatmulDType(s string) (dtypes.DType, error) {
	switch s {
	case "", "f32", "float32":
		return dtypes.InvalidDType, nil
	case "bf16", "bfloat16":
		return dtypes.BFloat16, nil
	}
	return dtypes.InvalidDType, fmt.Errorf("model: matmul dtype %q, want f32 or bf16", s)
}

// Normalize returns c with defaults filled in, after validation.
func (c Config) Normalize() (Config, error) {
	c = c.withDefaults()
	return c, c.Validate()
}

// peBlocks is the number of additive PE tables: Blocks when added at every
// block, 1 when added at the input only.
func (c Config) peBlocks() int {
	if c.PE.Placement == pe.Input {
		return 1
	}
	return c.Blocks
}

// matmulDType is the operand dtype of the matrix products.
func (c Config) matmulDType() dtypes.DType {
	if c.MatmulDType == dtypes.InvalidDType {
		return c.DType
	}
	return c.MatmulDType
}

// AttnOutProj reports whether each block's attention ends with the output
// projection W_o [D, D], b_o [D] (PyTorch's nn.MultiheadAttention, the
// paper's model for every PE but relative). It is false when the PE spec
// says noout (pe.Spec.NoOutProj), as the paper's relative condition does:
// the reference's RelativeGlobalAttention returns attention·V directly,
// which saves L·(D² + D) trainable parameters (103,040 at D 160, L 4).
func (c Config) AttnOutProj() bool { return !c.PE.NoOutProj }

// headWidth is D/H.
func (c Config) headWidth() int { return c.Width / c.Heads }
