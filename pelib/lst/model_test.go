package lst

import (
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/sweep"
)

// refParams is the trainable parameter count (PyTorch: the numel of every
// parameter with requires_grad) of the reference code's LST transformer
// (github.com/ljhearne/LSTNN_public, lstnn/transformer_main.py's model; see
// ../shared/docs/paper-notes.md) at width D, with S = 16 tokens, L blocks,
// F = 5 input features, O = 4 classes, MLP width R = 4D, one head (D/H = D):
//
//	total  = embed + L·(attn + pe + ln + mlp) + head
//	embed  = F·D + D                          Linear(5→D)
//	ln     = 2·2·D                            two LayerNorms (γ, β)
//	mlp    = D·R + R + R·D + D                Linear(D→R), Linear(R→D)
//	head   = D·O + O                          Linear(D→4)
//	attn   = 4·(D² + D)                       nn.MultiheadAttention: in_proj [3D, D] + [3D],
//	                                          out_proj [D, D] + [D] (also the labml RoPE module)
//	       = 3·(D² + D) + S·D                 RelativeGlobalAttention: query, key, value
//	                                          Linear(D→D), Er [max_len = S, D/H], no out-projection
//	pe     = S·D                              LearnablePositionalEncoding(Uniform) per block (learn-σ, uniform)
//	       = 0                                sinusoids (buffers), random (a plain tensor), nope, rope
//
// extraRel adds rows to Er (relative-bidir, which the reference does not
// have: 2S−1 offsets instead of S).
func refParams(D, L int, attn, peTable string, extraRel int) int {
	const S, F, O = 16, 5, 4
	R := 4 * D
	lin := func(in, out int) int { return in*out + out }
	var a int
	switch attn {
	case "mha":
		a = 4 * lin(D, D)
	case "relative":
		a = 3*lin(D, D) + (S+extraRel)*D
	default:
		panic("attn " + attn)
	}
	p := 0
	if peTable == "learned" {
		p = S * D
	}
	return lin(F, D) + L*(a+p+2*2*D+lin(D, R)+lin(R, D)) + lin(D, O)
}

// TestPaperParamCounts checks that the model of every paper condition has
// the reference model's number of trainable parameters, at the paper's
// width and the quick protocol's: in particular relative, whose reference
// attention has no output projection (4·(D² + D) = 103,040 parameters fewer
// than a block with one at D 160).
func TestPaperParamCounts(t *testing.T) {
	type row struct {
		attn, pe string
		extraRel int
	}
	rows := map[string]row{
		"2d-fixed":       {"mha", "fixed", 0},
		"1d-fixed":       {"mha", "fixed", 0},
		"none":           {"mha", "none", 0},  // the paper's nope (canonical name none)
		"random":         {"mha", "fixed", 0}, // the reference's RandomPositionalEncoding is no parameter; pelab's is not trainable
		"uniform":        {"mha", "learned", 0},
		"learn-0.2-wd":   {"mha", "learned", 0},
		"rope1d":         {"mha", "none", 0},
		"rope2d":         {"mha", "none", 0},
		"relative":       {"relative", "none", 0},
		"relative-bidir": {"relative", "none", 15}, // pelab's: offsets −15…15, 31 rows of Er
	}
	for _, n := range sweep.SigmaNames(PaperSigmas()) {
		rows[n] = row{"mha", "learned", 0}
	}
	names := PaperConditionNames()
	for _, n := range names {
		if _, ok := rows[n]; !ok {
			t.Errorf("paper condition %q has no reference row in this test", n)
		}
	}
	// The paper's width: the values quoted in the package documentation.
	for name, want := range map[string]int{"2d-fixed": 1238724, "learn-0.5": 1248964, "relative": 1145924} {
		r := rows[name]
		if got := refParams(160, 4, r.attn, r.pe, r.extraRel); got != want {
			t.Errorf("reference formula for %s at D 160: %d, want %d", name, got, want)
		}
	}
	for _, p := range []Protocol{Paper(), Quick()} {
		for _, name := range names {
			c, err := PECondition(name)
			if err != nil {
				t.Fatal(err)
			}
			mc := p.ModelConfig()
			mc.PE, mc.Layout = c.PE, pe.Grid(Side, Side)
			mc, err = mc.Normalize()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got, outProj := 0, false
			for _, s := range model.Specs(mc) {
				if s.Trainable {
					got += s.Size()
				}
				outProj = outProj || strings.HasSuffix(s.Name, "/attn/wo")
			}
			r := rows[name]
			if want := refParams(p.Width, p.Blocks, r.attn, r.pe, r.extraRel); got != want {
				t.Errorf("%s %s (%s): %d trainable parameters, reference %d (difference %d)",
					p.Name, name, c.PE, got, want, got-want)
			}
			if outProj != (r.attn == "mha") {
				t.Errorf("%s %s: attention output projection %t, reference %t", p.Name, name, outProj, r.attn == "mha")
			}
		}
	}
}
