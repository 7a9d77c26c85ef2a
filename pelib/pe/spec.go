package pe

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Kind names a family of positional encodings.
type Kind string

// The PE kinds. The canonical spelling of each is its value.
const (
	None    Kind = "none"    // no PE (NoPE)
	Random  Kind = "random"  // fixed, non-trainable N(0, 1) table added to the tokens
	Learned Kind = "learn"   // trainable absolute table added to the tokens
	Sin1D   Kind = "sin1d"   // fixed 1D sinusoid of the token index (Vaswani et al.)
	Sin2D   Kind = "sin2d"   // fixed 2D sinusoid of a grid (the paper's 2d-fixed)
	SinND   Kind = "sinnd"   // fixed sinusoid of real-valued N-D coordinates
	RoPE1D  Kind = "rope1d"  // rotary PE of the token index
	RoPE2D  Kind = "rope2d"  // axial rotary PE of a 2D grid
	RoPEND  Kind = "ropend"  // rotary PE of real-valued N-D coordinates
	Shaw    Kind = "shaw"    // trainable relative key embeddings (Shaw et al.)
	T5      Kind = "t5"      // trainable relative attention bias over log buckets (Raffel et al.)
	ALiBi   Kind = "alibi"   // fixed linear distance bias (Press et al.)
	ALiBiND Kind = "alibind" // ALiBi with the Euclidean distance between coordinates

	CoordLin Kind = "coordlin" // trainable linear map of the normalised coordinates, added like a table
	CoordMLP Kind = "coordmlp" // trainable MLP of the normalised coordinates, added like a table
	DPB      Kind = "dpb"      // dynamic position bias: trainable MLP of coordinate differences, one score bias per head
)

// Kinds returns every Kind in a fixed order.
func Kinds() []Kind {
	return []Kind{None, Random, Learned, Sin1D, Sin2D, SinND, RoPE1D, RoPE2D, RoPEND, Shaw, T5, ALiBi, ALiBiND, CoordLin, CoordMLP, DPB}
}

// Valid reports whether k is one of the kinds of this package.
func (k Kind) Valid() bool {
	for _, v := range Kinds() {
		if k == v {
			return true
		}
	}
	return false
}

// InitKind names the initialiser of a trainable PE parameter.
type InitKind string

// The initialisers.
const (
	Normal  InitKind = "normal"  // i.i.d. Normal(0, σ²)
	Uniform InitKind = "uniform" // i.i.d. U(Low, High)
	Xavier  InitKind = "xavier"  // Xavier/Glorot uniform U(±√(6/(rows+cols)))
	Zeros   InitKind = "zeros"   // all zero
	Func    InitKind = "func"    // Spec.InitFunc(rng, s, d) per entry (code only, not a spec string)
)

// Placement says where an additive table is applied.
type Placement string

// The placements.
const (
	Every Placement = "every" // added at the input of every block, each block its own table (the paper)
	Input Placement = "input" // added once, to the token embeddings
)

// Defaults of the zero fields of Spec.
const (
	DefaultBase      = 10000.0 // sinusoid and rotary base
	DefaultSigma     = 0.2     // σ of learn's default Normal init
	DefaultShawSigma = 1.0     // σ of shaw's default Normal init
	DefaultBuckets   = 32      // t5 buckets
	DefaultT5MaxDist = 128     // t5 maximum distance
)

// Spec describes one positional encoding. A zero field means the default
// (see the package documentation and Normalize).
type Spec struct {
	Kind Kind `json:"kind"`

	// Init, Sigma, Low and High give the initial values of the trainable
	// parameters of learn, shaw and t5: Normal(0, Sigma²), U(Low, High),
	// Xavier, zeros, or InitFunc when Init is Func.
	Init  InitKind `json:"init,omitempty"`
	Sigma float64  `json:"sigma,omitempty"`
	Low   float64  `json:"low,omitempty"`
	High  float64  `json:"high,omitempty"`
	// InitFunc gives entry (s, d) of a trainable table when Init is Func.
	InitFunc func(rng *rand.Rand, s, d int) float64 `json:"-"`

	// WeightDecay is a decoupled (AdamW-style) weight decay applied to the
	// PE parameters alone; 0 means none.
	WeightDecay float64 `json:"weight_decay,omitempty"`

	// Placement of an additive table (learn, random, sin*); default Every.
	Placement Placement `json:"placement,omitempty"`

	// Causal makes shaw, t5, alibi and alibind attend only to keys k ≤ q.
	Causal bool `json:"causal,omitempty"`
	// NoOutProj drops the attention output projection (W_o [D, D], b_o [D])
	// of every block: the attention output is the head-concatenated
	// softmax(scores)·V itself, [S, D]. It applies to every kind. Like
	// Causal it is a property of the attention rather than of the PE; it
	// sits in the spec because the reference code's relative attention
	// module (RelativeGlobalAttention) has no output projection, and a
	// spec is what an experiment's condition names (relative =
	// shaw,causal,noout).
	NoOutProj bool `json:"no_out_proj,omitempty"`
	// MaxDist: shaw clips the offset k−q to ±MaxDist (default 0 = S−1);
	// t5 log-spaces its buckets up to MaxDist (default 128).
	MaxDist int `json:"max_dist,omitempty"`
	// Buckets is the number of t5 buckets (default 32).
	Buckets int `json:"buckets,omitempty"`
	// Base of the sinusoid and rotary frequencies (default 10000).
	Base float64 `json:"base,omitempty"`

	// Hidden is the hidden width of coordmlp (default 64) and dpb (default
	// 32); Depth their number of hidden layers (default 1); Fourier the
	// number F of octave Fourier features of the normalised coordinates
	// (coordlin, coordmlp, dpb; 0: the coordinates alone). See coord.go.
	Hidden  int `json:"hidden,omitempty"`
	Depth   int `json:"depth,omitempty"`
	Fourier int `json:"fourier,omitempty"`
}

// Additive reports whether the PE is a [S, D] table added to the token
// embeddings: none (a zero table), random, learn, the sinusoids and the
// coordinate functions whose values form a table (coordlin, coordmlp).
func (s Spec) Additive() bool {
	switch s.Kind {
	case None, Random, Learned, Sin1D, Sin2D, SinND, CoordLin, CoordMLP:
		return true
	}
	return false
}

// Rotary reports whether the PE rotates queries and keys (rope*).
func (s Spec) Rotary() bool {
	switch s.Kind {
	case RoPE1D, RoPE2D, RoPEND:
		return true
	}
	return false
}

// Bias reports whether the PE is a bias added to the attention scores
// (t5, alibi, alibind).
func (s Spec) Bias() bool {
	switch s.Kind {
	case T5, ALiBi, ALiBiND:
		return true
	}
	return false
}

// Relative reports whether the PE adds learned relative embeddings to the
// keys (shaw).
func (s Spec) Relative() bool { return s.Kind == Shaw }

// Trainable reports whether the PE has trainable parameters (learn, shaw,
// t5, coordlin, coordmlp, dpb).
func (s Spec) Trainable() bool {
	switch s.Kind {
	case Learned, Shaw, T5, CoordLin, CoordMLP, DPB:
		return true
	}
	return false
}

// hasTable reports whether the kind adds a table, or has a coordinate
// function, whose placement matters.
func (s Spec) hasTable() bool { return (s.Additive() && s.Kind != None) || s.Function() }

func (s Spec) sinusoidal() bool {
	switch s.Kind {
	case Sin1D, Sin2D, SinND:
		return true
	}
	return false
}

func (s Spec) causalAllowed() bool {
	switch s.Kind {
	case Shaw, T5, ALiBi, ALiBiND:
		return true
	}
	return false
}

// Normalize returns s with every zero field that has a default for s.Kind
// set to that default: for learn, shaw and t5 an empty Init becomes Normal if
// Sigma is set, Uniform if Low or High is set, else the kind's default
// (learn and the coordinate functions Normal σ 0.2, shaw Normal σ 1, t5 Zeros), and Uniform with
// Low = High = 0 becomes U(0, 1); Placement Every for tables; Base 10000 for
// sinusoids and rotary kinds; Buckets 32 and MaxDist 128 for t5. Fields that do
// not apply to the kind are left as they are (Validate rejects them).
func (s Spec) Normalize() Spec {
	if s.Trainable() {
		if s.Init == "" {
			switch {
			case s.Sigma != 0:
				s.Init = Normal
			case s.Low != 0 || s.High != 0:
				s.Init = Uniform
			case s.Kind == Learned || s.Function():
				s.Init, s.Sigma = Normal, DefaultSigma
			case s.Kind == Shaw:
				s.Init, s.Sigma = Normal, DefaultShawSigma
			default:
				s.Init = Zeros
			}
		}
		if s.Init == Uniform && s.Low == 0 && s.High == 0 {
			s.High = 1
		}
	}
	if s.hasTable() && s.Placement == "" {
		s.Placement = Every
	}
	if (s.sinusoidal() || s.Rotary()) && s.Base == 0 {
		s.Base = DefaultBase
	}
	if s.Kind == CoordMLP || s.Kind == DPB {
		if s.Hidden == 0 {
			s.Hidden = DefaultMLPHidden
			if s.Kind == DPB {
				s.Hidden = DefaultDPBHidden
			}
		}
		if s.Depth == 0 {
			s.Depth = DefaultDepth
		}
	}
	if s.Kind == T5 {
		if s.Buckets == 0 {
			s.Buckets = DefaultBuckets
		}
		if s.MaxDist == 0 {
			s.MaxDist = DefaultT5MaxDist
		}
	}
	return s
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// t5Exact returns the number of buckets per direction and, of those, the
// number of exact (one offset each) buckets of a normalized t5 spec.
func (s Spec) t5Exact() (perDir, exact int) {
	perDir = s.Buckets
	if !s.Causal {
		perDir /= 2
	}
	return perDir, perDir / 2
}

// Validate reports whether s describes a PE: a known kind, every field valid
// after Normalize, and no field set that does not apply to the kind.
func (s Spec) Validate() error {
	if !s.Kind.Valid() {
		return fmt.Errorf("pe: unknown kind %q (want one of %s)", s.Kind, kindList())
	}
	n := s.Normalize()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("pe: %s: "+format, append([]any{s.Kind}, args...)...)
	}
	if n.Trainable() {
		switch n.Init {
		case Normal:
			if !finite(n.Sigma) || n.Sigma < 0 {
				return bad("normal init needs σ ≥ 0, got %v", n.Sigma)
			}
			if n.Low != 0 || n.High != 0 {
				return bad("Low/High apply to uniform init, not normal")
			}
		case Uniform:
			if !finite(n.Low) || !finite(n.High) || n.Low >= n.High {
				return bad("uniform init needs finite low < high, got %v, %v", n.Low, n.High)
			}
			if n.Sigma != 0 {
				return bad("Sigma applies to normal init, not uniform")
			}
		case Xavier, Zeros, Func:
			if n.Sigma != 0 || n.Low != 0 || n.High != 0 {
				return bad("Sigma/Low/High do not apply to %s init", n.Init)
			}
		default:
			return bad("unknown init %q (want normal, uniform, xavier, zeros or func)", n.Init)
		}
		if (n.Init == Func) != (n.InitFunc != nil) {
			return bad("InitFunc must be set exactly when Init is func (Init %q, InitFunc set %t)", n.Init, n.InitFunc != nil)
		}
		if !finite(n.WeightDecay) || n.WeightDecay < 0 {
			return bad("weight decay must be ≥ 0, got %v", n.WeightDecay)
		}
	} else {
		if n.Init != "" || n.Sigma != 0 || n.Low != 0 || n.High != 0 || n.InitFunc != nil {
			return bad("has no trainable parameters, so no init (init applies to learn, shaw, t5, coordlin, coordmlp and dpb)")
		}
		if n.WeightDecay != 0 {
			return bad("has no trainable parameters, so no weight decay (wd applies to learn, shaw, t5, coordlin, coordmlp and dpb)")
		}
	}
	if n.hasTable() {
		if n.Placement != Every && n.Placement != Input {
			return bad("unknown placement %q (want every or input)", n.Placement)
		}
	} else if n.Placement != "" {
		return bad("placement applies to learn, random, sin*, coordlin, coordmlp and dpb only")
	}
	if n.Causal && !n.causalAllowed() {
		return bad("causal applies to shaw, t5, alibi and alibind only")
	}
	switch n.Kind {
	case Shaw:
		if n.MaxDist < 0 {
			return bad("maxdist must be ≥ 0 (0 = S−1), got %d", n.MaxDist)
		}
	case T5:
		min := 4
		if n.Causal {
			min = 2
		}
		if n.Buckets < min || (!n.Causal && n.Buckets%2 != 0) {
			return bad("buckets must be an even number ≥ 4 (bidirectional) or ≥ 2 (causal), got %d", n.Buckets)
		}
		if _, exact := n.t5Exact(); n.MaxDist <= exact {
			return bad("maxdist must exceed the %d exact buckets, got %d", exact, n.MaxDist)
		}
	default:
		if n.MaxDist != 0 {
			return bad("maxdist applies to shaw and t5 only")
		}
	}
	if n.Kind != T5 && n.Buckets != 0 {
		return bad("buckets applies to t5 only")
	}
	switch {
	case n.Kind == CoordMLP || n.Kind == DPB:
		if n.Hidden < 1 || n.Depth < 1 {
			return bad("hidden and depth must be ≥ 1, got %d and %d", n.Hidden, n.Depth)
		}
	case n.Hidden != 0 || n.Depth != 0:
		return bad("hidden and depth apply to coordmlp and dpb only")
	}
	if n.Function() {
		if n.Fourier < 0 || n.Fourier > maxFourier {
			return bad("fourier must be between 0 and %d, got %d", maxFourier, n.Fourier)
		}
	} else if n.Fourier != 0 {
		return bad("fourier applies to coordlin, coordmlp and dpb only")
	}
	if n.sinusoidal() || n.Rotary() {
		if !finite(n.Base) || n.Base <= 0 {
			return bad("base must be a finite number > 0, got %v", n.Base)
		}
	} else if n.Base != 0 {
		return bad("base applies to sin* and rope* only")
	}
	return nil
}

func kindList() string {
	var b strings.Builder
	for i, k := range Kinds() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(k))
	}
	return b.String()
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// String returns the canonical spec string of s: lowercase, the init of a
// trainable kind always written out (learn:normal:0.2), and the options that
// differ from their defaults in the order wd, input, causal, noout, maxdist,
// buckets, base, hidden, depth, fourier. Parse(s.String()) equals s.Normalize() for a valid s whose
// Init is not Func ("learn:func" does not parse: a function is set in code).
func (s Spec) String() string { return s.Normalize().format(true) }

// StructureKey returns a string that is equal for two specs exactly when
// they build the same graph structure and so can train as one model-axis
// group: the canonical form without the init of the trainable parameters
// (e.g. "learn" for learn:normal:0.2 and learn:xavier alike). Weight decay,
// placement and every option are part of the key.
func (s Spec) StructureKey() string { return s.Normalize().format(false) }

func (s Spec) format(withInit bool) string {
	var b strings.Builder
	b.WriteString(string(s.Kind))
	if withInit && s.Trainable() {
		b.WriteByte(':')
		switch s.Init {
		case Normal:
			b.WriteString("normal:" + formatFloat(s.Sigma))
		case Uniform:
			b.WriteString("uniform:" + formatFloat(s.Low) + ":" + formatFloat(s.High))
		default:
			b.WriteString(string(s.Init))
		}
	}
	if s.WeightDecay != 0 {
		b.WriteString(",wd=" + formatFloat(s.WeightDecay))
	}
	if s.Placement == Input {
		b.WriteString(",input")
	}
	if s.Causal {
		b.WriteString(",causal")
	}
	if s.NoOutProj {
		b.WriteString(",noout")
	}
	if s.MaxDist != 0 && !(s.Kind == T5 && s.MaxDist == DefaultT5MaxDist) {
		b.WriteString(",maxdist=" + strconv.Itoa(s.MaxDist))
	}
	if s.Buckets != 0 && s.Buckets != DefaultBuckets {
		b.WriteString(",buckets=" + strconv.Itoa(s.Buckets))
	}
	if s.Base != 0 && s.Base != DefaultBase {
		b.WriteString(",base=" + formatFloat(s.Base))
	}
	if s.Hidden != 0 && !(s.Kind == CoordMLP && s.Hidden == DefaultMLPHidden) && !(s.Kind == DPB && s.Hidden == DefaultDPBHidden) {
		b.WriteString(",hidden=" + strconv.Itoa(s.Hidden))
	}
	if s.Depth != 0 && s.Depth != DefaultDepth {
		b.WriteString(",depth=" + strconv.Itoa(s.Depth))
	}
	if s.Fourier != 0 {
		b.WriteString(",fourier=" + strconv.Itoa(s.Fourier))
	}
	return b.String()
}
