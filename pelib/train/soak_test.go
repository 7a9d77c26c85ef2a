package train

import (
	"math"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pelab/pelab/internal/testbackend"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
)

// soakModel is a masked-token model large enough that a leak of its per-step
// inputs (the mask [M, B, S] is 32 KiB a step at M 2) or of a finished
// group's programs shows within a few hundred steps.
func soakModel(t *testing.T) Config {
	return Config{
		Model: model.Config{Tokens: 128, Features: 9, Width: 16, Blocks: 2, Heads: 1, MLPRatio: 2,
			Outputs: 8, Readout: model.ReadoutTokens, GELUAfterMLP: true, LNEps: 1e-5,
			PE: sigmaSpec(t, "learn-0.5"), Layout: pe.Line(128), DType: dtypes.Float32},
		Objective: Masked, MaskRatio: 0.5, BatchSize: 32, Optimizer: Optimizer{LR: 1e-3},
	}
}

// TestSoakFlatMemory trains three groups of two models, 200 steps each with
// an evaluation every 50 steps, one after another — a small sweep — and
// fails when resident memory grows by more than 24 MiB after warm-up (the
// first group). Before the per-call inputs and finished groups were
// released the same test failed on ONNX Runtime (docs/memory.md).
func TestSoakFlatMemory(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc/self/status: RSS cannot be read here")
	}
	be := testbackend.Get(t)
	opt := SoakOptions{M: 2, Steps: 200, Groups: 3, EvalEvery: 50, EvalN: 64, Samples: 8}
	if testing.Short() || strings.HasPrefix(testbackend.Name(t), "go") {
		// The pure Go backend is ~10× slower (and its buffers are Go
		// memory, which the garbage collector frees).
		opt.Steps, opt.EvalEvery, opt.EvalN = 60, 20, 32
	}
	var log strings.Builder
	opt.Progress = &log
	res, err := Soak(be, soakModel(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s%s", log.String(), res)
	if g := res.Growth(); g > 24 {
		t.Errorf("resident memory grew by %.1f MiB after warm-up (limit 24), %.1f KiB per step", g, g*1024/float64(res.TotalSteps-res.WarmStep))
	}
}

// TestCentredSums checks the sums behind SoakResult's pooled slope: their
// ratio Σ(x−x̄)(y−ȳ)/Σ(x−x̄)² is the least-squares slope of y on x, and
// fewer than two points give zero sums (no slope).
func TestCentredSums(t *testing.T) {
	for _, tc := range []struct {
		x, y     []float64
		sxy, sxx float64
	}{
		{[]float64{0, 1, 2}, []float64{1, 3, 5}, 4, 2},       // slope 2
		{[]float64{0, 1, 2, 3}, []float64{0, 1, 0, 1}, 1, 5}, // slope 0.2
		{[]float64{1}, []float64{5}, 0, 0},                   // one point
		{[]float64{2, 2}, []float64{1, 5}, 0, 0},             // constant x
	} {
		sxy, sxx := centredSums(tc.x, tc.y)
		if math.Abs(sxy-tc.sxy) > 1e-12 || math.Abs(sxx-tc.sxx) > 1e-12 {
			t.Errorf("centredSums(%v, %v) = %g, %g, want %g, %g", tc.x, tc.y, sxy, sxx, tc.sxy, tc.sxx)
		}
	}
}

// TestFinalizedInputsAreFreed is the minimal reproduction behind the temps
// of every call (docs/memory.md): GoMLX sets no finalizer on a tensor, so
// the device copy of a call's input lives until FinalizeAll — on ONNX
// Runtime a C allocation the Go garbage collector never sees (measured:
// +240 MiB over 200 calls with a fresh 1 MiB input each; the pure Go
// backend +11 MiB, which its collector frees later). With FinalizeAll after
// each call, what pelab relies on, memory stays flat.
func TestFinalizedInputsAreFreed(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc/self/status: RSS cannot be read here")
	}
	be := testbackend.Get(t)
	ex := graph.MustNewExec(be, func(x *graph.Node) *graph.Node { return graph.ReduceAllSum(x) })
	defer ex.Finalize()
	x := make([]float32, 1<<18) // 1 MiB
	run := func(finalize bool) float64 {
		before := RSS()
		for range 200 {
			in := tensors.FromFlatDataAndDimensions(x, len(x))
			out := ex.MustCall(in)[0]
			out.FinalizeAll()
			if finalize {
				in.FinalizeAll()
			}
		}
		// Return the Go heap's garbage (200 MiB of input copies) to the
		// system, so that RSS measures what ONNX Runtime keeps, not when
		// the Go scavenger runs (with runtime.GC alone a loaded machine
		// once showed +29.5 MiB for the finalized case).
		debug.FreeOSMemory()
		return float64(RSS()-before) / (1 << 20)
	}
	run(true) // warm-up: compile, first allocations
	// The finalized case first: the leaking one leaves hundreds of MiB of
	// live buffers behind, among which later allocations land unevenly.
	freed := run(true)
	kept := run(false)
	t.Logf("200 calls with a fresh 1 MiB input: RSS %+.1f MiB when inputs are left to the garbage collector, %+.1f MiB when finalized", kept, freed)
	if freed > 16 {
		t.Errorf("RSS grew by %.1f MiB over 200 calls although every input was finalized", freed)
	}
}
