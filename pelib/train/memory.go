package train

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/pelab/pelab/pelib/model"
)

// MemoryTerm is one part of a memory estimate: what it holds, the
// dimensions that size it (named in a refusal, e.g. "S = 1000 tokens") and
// its bytes.
type MemoryTerm struct {
	Name  string
	Dim   string
	Bytes float64
}

// Memory is an estimate of the peak resident memory of a process, as a sum
// of terms. It is pelab's one memory estimate: every command that trains
// (pelab lst, netsim, fmri, tokens, sweep run), plans (sweep plan) or
// benchmarks (bench) checks it against the memory available before it
// allocates (see CheckMemory). docs/inputs.md ("How big a run fits")
// compares it with measured peaks.
type Memory struct{ Terms []MemoryTerm }

// Add appends a term.
func (m *Memory) Add(name, dim string, bytes float64) {
	m.Terms = append(m.Terms, MemoryTerm{Name: name, Dim: dim, Bytes: bytes})
}

// Total is the sum of the terms, in bytes.
func (m Memory) Total() float64 {
	t := 0.0
	for _, x := range m.Terms {
		t += x.Bytes
	}
	return t
}

// Largest is the largest term sized by a dimension (Dim set: not the
// runtime's fixed part), else the largest term (the zero term when there
// is none).
func (m Memory) Largest() MemoryTerm {
	var big, any MemoryTerm
	for _, x := range m.Terms {
		if x.Dim != "" && x.Bytes > big.Bytes {
			big = x
		}
		if x.Bytes > any.Bytes {
			any = x
		}
	}
	if big.Bytes == 0 {
		return any
	}
	return big
}

// String is the total and the terms, largest first, e.g. "≈ 1.2 GiB
// (activations per step 800 MiB; …)".
func (m Memory) String() string {
	ts := append([]MemoryTerm(nil), m.Terms...)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Bytes > ts[j].Bytes })
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		if t.Bytes >= 1<<20 {
			parts = append(parts, t.Name+" "+FormatBytes(t.Bytes))
		}
	}
	return fmt.Sprintf("≈ %s (%s)", FormatBytes(m.Total()), strings.Join(parts, "; "))
}

// FormatBytes writes b in GiB (≥ 1 GiB), MiB or KiB: "1.23 GiB".
func FormatBytes(b float64) string {
	switch {
	case b >= 1<<40:
		return fmt.Sprintf("%.3g TiB", b/(1<<40))
	case b >= 1<<30:
		return fmt.Sprintf("%.3g GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", b/(1<<20))
	}
	return fmt.Sprintf("%.0f KiB", b/(1<<10))
}

// Coefficients of EstimateMemory: float32 values kept per sequence and
// block. They were set from the graph (forward.go) and then checked
// against measured peaks (docs/inputs.md); they round up.
const (
	// runtimeBytes is the process before any model: the Go runtime and
	// heap (an experiment's own data and analysis), ONNX Runtime's library
	// and session set-up, the compiled programs.
	runtimeBytes = 768 << 20
	// evalPrograms is the evaluation programs a run may hold at once, each
	// with its own arena: the periodic evaluation and an analysis's
	// attention-map evaluation (pelab lst).
	evalPrograms = 2
	// paramCopies is the float32 copies of each parameter: the parameter,
	// its gradient, Adam's two moments, the step's new parameter, the
	// float64 host draw of New (two float32s) and a checkpoint's copy.
	paramCopies = 8
	// Attention per sequence, block and head, in units of S²: training
	// keeps scores and probabilities for the backward pass and makes their
	// two gradients (4), plus the softmax's and the reshapes' temporaries
	// (2); evaluation keeps scores, probabilities and one temporary (3).
	attnTrain, attnEval = 6, 3
	// Token states per sequence and block, in units of S·D and S·R
	// (R = MLPRatio·D, the MLP's hidden width): q, k, v, context,
	// projection, residual sums, layer norms with their statistics, for
	// the forward pass and again for its gradients (24 S·D), and the MLP's
	// hidden layer before and after GELU and their gradients (4 S·R);
	// evaluation half of each, for one block at a time (a forward-only
	// program reuses its buffers from block to block).
	statesD, statesR = 24, 4
	evalD, evalR     = 12, 2
	// arenaFactor multiplies the three terms above: ONNX Runtime serves
	// them from arenas that grow in chunks, and measured peaks reach up to
	// 1.9 times the counts (docs/inputs.md: pelab tokens, 400 tokens and
	// 12 models per group, 8.14 GiB; pelab bench -model lst -m 20, 7.6 GiB).
	arenaFactor = 2
)

// EvalBatchFor is the evaluation chunk of a model c when Config.EvalBatch
// is 0: 256 sequences, fewer when the attention scores of one model over a
// chunk, Be·H·S² float32 values, would pass 256 MiB:
//
//	Be = min(256, max(1, ⌊2²⁶ / (H·S²)⌋))
//
// It depends on the model only (never on the machine), because the
// evaluation masks are drawn per chunk (fillMask): a run's numbers must
// not change with the memory it finds. Every model with H·S² ≤ 2¹⁸ (one
// head and S ≤ 512 tokens: the LST's 16, netsim's 64, fMRI's 360) keeps
// 256.
func EvalBatchFor(c model.Config) int {
	hs := float64(max(c.Heads, 1)) * float64(c.Tokens) * float64(c.Tokens)
	return int(min(256, max(1, math.Floor((1<<26)/hs))))
}

// EstimateMemory estimates the peak resident memory of training M models
// of configuration c together (one train.Run) on the given data sets,
// train first, then the evaluation sets (only their N, S, F and T are
// read; X may be nil). With S tokens, width D, R = MLPRatio·D, H heads,
// L blocks, batch B, evaluation chunk Be and P parameters per model, in bytes (float32 = 4):
//
//	runtime         768 MiB
//	parameters      4 · 8 · M · P                             (paramCopies)
//	attention/step  2 · 4 · M · B · L · 6 · H · S²            (+ the Shaw terms)
//	states/step     2 · 4 · M · B · (L · (24·S·D + 4·S·R) + S · (F + 2·D + 2·O))
//	evaluation      2 · 2 · 4 · M · Be · (3 · H · S² + 12·S·D + 2·S·R)   (evalPrograms)
//	data            Σ over data sets 4 · 2 · N · S · (F + T)   (host and device copies)
//
// (the leading 2 is arenaFactor; Be = min(EvalBatch, the largest N of
// the data sets), as analyses evaluate the training set too). The
// training and evaluation terms both count: ONNX Runtime keeps the
// arena of each program. The terms name the dimension that sizes them, so
// that a refusal says what is too large.
func EstimateMemory(c Config, M int, data ...*Data) Memory {
	return estimate(c, M, true, data)
}

// estimate is EstimateMemory, with the evaluation chunk only when eval is
// set (BenchWith never evaluates).
func estimate(c Config, M int, eval bool, data []*Data) Memory {
	c = c.withDefaults()
	mc := c.Model
	if n, err := mc.Normalize(); err == nil {
		mc = n
	}
	f := func(x int) float64 { return float64(x) }
	S, D, L, H := f(mc.Tokens), f(mc.Width), f(mc.Blocks), f(max(mc.Heads, 1))
	R, F, O := f(mc.MLPRatio)*D, f(mc.Features), f(mc.Outputs)
	Mf, B := f(M), f(c.BatchSize)
	var m Memory
	m.Add("runtime", "", runtimeBytes)

	P := 0.0
	for _, s := range model.Specs(mc) {
		n := 1.0
		for _, d := range s.Shape {
			n *= float64(d)
		}
		P += n
	}
	dims := fmt.Sprintf("M = %d models, width D = %d, %d blocks, S = %d tokens", M, mc.Width, mc.Blocks, mc.Tokens)
	m.Add(fmt.Sprintf("parameters and optimiser state (%.3g per model)", P), dims, 4*paramCopies*Mf*P)

	// Shaw's relative attention adds q·E [B, H, S, n] and its skew, n = 2S−1
	// offsets: counted as n/S more attention maps of each kind.
	attn := 1.0
	if mc.PE.Relative() {
		attn += (2*S - 1) / S
	}
	per := fmt.Sprintf("M = %d models × batch B = %d", M, c.BatchSize)
	m.Add("attention per step [M, B, H, S, S] × blocks", per+fmt.Sprintf(", S = %d tokens", mc.Tokens),
		arenaFactor*4*Mf*B*L*attnTrain*attn*H*S*S)
	m.Add("token states per step [M, B, S, D] × blocks", per+fmt.Sprintf(", width D = %d", mc.Width),
		arenaFactor*4*Mf*B*(L*(statesD*S*D+statesR*S*R)+S*(F+2*D+2*O)))

	evalN := 0
	for _, d := range data[min(1, len(data)):] {
		evalN = max(evalN, d.N)
	}
	if len(data) > 0 {
		evalN = max(evalN, data[0].N) // Analyzer hooks evaluate the training set too
	}
	if Be := min(c.EvalBatch, evalN); Be > 0 && eval {
		m.Add("evaluation chunks [M, Be, H, S, S] × 2 programs",
			fmt.Sprintf("M = %d models × evaluation chunk Be = %d, S = %d tokens", M, Be, mc.Tokens),
			evalPrograms*arenaFactor*4*Mf*f(Be)*(attnEval*attn*H*S*S+evalD*S*D+evalR*S*R))
	}
	for _, d := range data {
		t := d.T
		if t == 0 {
			t = d.F
		}
		m.Add(fmt.Sprintf("data %q [N, S, F]", d.Name), fmt.Sprintf("N = %d samples × S = %d tokens × F = %d features", d.N, d.S, d.F),
			4*2*f(d.N)*f(d.S)*f(d.F+t))
	}
	return m
}

// MemoryBudget is the memory a command may use, in bytes, and where that
// number comes from: the -max-memory flag when given (flag is its value,
// e.g. "8GiB"), else MemAvailable of /proc/meminfo. ok is false when
// neither is known (no /proc): then nothing is checked.
type MemoryBudget struct {
	Bytes  float64
	Source string // "-max-memory 8GiB" or "MemAvailable in /proc/meminfo"
	OK     bool
}

// ParseMemory reads a size such as "8GiB", "8G", "512MiB" or "512M" (case
// ignored; G and GiB both mean 2³⁰ bytes) as bytes.
func ParseMemory(s string) (float64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 0.0
	for _, u := range []struct {
		suffix string
		m      float64
	}{{"gib", 1 << 30}, {"mib", 1 << 20}, {"g", 1 << 30}, {"m", 1 << 20}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if mult == 0 || err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q: want a size in GiB or MiB such as 8GiB or 512MiB", s)
	}
	return v * mult, nil
}

// Budget returns the memory budget: flag (the -max-memory value, "" when
// not given) parsed by ParseMemory, else MemAvailable of meminfo (a
// /proc/meminfo file: "/proc/meminfo" in commands, another in tests).
func Budget(flag, meminfo string) (MemoryBudget, error) {
	if strings.TrimSpace(flag) != "" {
		b, err := ParseMemory(flag)
		if err != nil {
			return MemoryBudget{}, err
		}
		return MemoryBudget{Bytes: b, Source: "-max-memory " + flag, OK: true}, nil
	}
	f, err := os.Open(meminfo)
	if err != nil {
		return MemoryBudget{}, nil // no /proc: not checked
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseFloat(fields[1], 64)
			if err != nil || kb < 0 {
				return MemoryBudget{}, fmt.Errorf("%s: MemAvailable %q: want a number of kB", meminfo, fields[1])
			}
			return MemoryBudget{Bytes: kb * 1024, Source: "MemAvailable in " + meminfo, OK: true}, nil
		}
	}
	return MemoryBudget{}, nil
}

// MemoryError is a refusal: an estimate past the budget. Its message names
// the largest term and the dimensions that size it.
type MemoryError struct {
	What   string // what would not fit, e.g. "pelab bench M = 8"
	Est    Memory
	Budget MemoryBudget
}

func (e *MemoryError) Error() string {
	big := e.Est.Largest()
	dim := ""
	if big.Dim != "" {
		dim = " (" + big.Dim + ")"
	}
	return fmt.Sprintf("%s needs an estimated %s of memory, more than the %s available (%s): the largest part that grows with the input is %s, %s%s, too large; make that dimension smaller (estimate %s)",
		e.What, FormatBytes(e.Est.Total()), FormatBytes(e.Budget.Bytes), e.Budget.Source, big.Name, FormatBytes(big.Bytes), dim, e.Est)
}

// CheckMemory returns a *MemoryError when est passes the budget b (nil
// when it fits or b is unknown).
func CheckMemory(what string, est Memory, b MemoryBudget) error {
	if !b.OK || est.Total() <= b.Bytes {
		return nil
	}
	return &MemoryError{What: what, Est: est, Budget: b}
}
