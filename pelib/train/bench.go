package train

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/pelib/model"
)

// BenchResult is the measured training speed of M models per compiled step.
type BenchResult struct {
	M             int
	Steps         int           // timed steps (after the first, compiling call and one warm-up call)
	Compile       time.Duration // the first call: graph build, compile and its steps
	PerStep       time.Duration // mean wall time of one step of all M models
	ModelStepsSec float64       // M / PerStep

	StepsPerCall int // steps per call of the compiled program actually used
	// FLOPsPerModelStep is model.StepFLOPs of one model at the batch size:
	// 3 × the forward matrix-product FLOPs.
	FLOPsPerModelStep float64
	TFLOPS            float64 // FLOPsPerModelStep × ModelStepsSec / 10¹²
	// PeakRSS is the process's peak resident set (VmHWM of
	// /proc/self/status, bytes) after the run: a peak over the process's
	// life so far, 0 where /proc is absent.
	PeakRSS int64
	// GoHeapPeak is the largest Go heap (runtime.MemStats.HeapAlloc, bytes)
	// seen after each call.
	GoHeapPeak uint64
}

// BenchOptions configures BenchWith.
type BenchOptions struct {
	M     int // models per compiled step
	Steps int // timed steps, rounded up to a whole number of calls
	// NoDonate keeps every call's input parameter buffers instead of
	// donating them to the call (for measuring what donation saves).
	NoDonate bool
	// Program, when set, is called once with the compiled one-step program
	// (graph.Graph.Executable of the step), e.g. to save it for a profiler.
	Program func(compute.Executable) error
}

// Bench trains M copies of cfg.Model on random data shaped like the model's
// input and times steps optimisation steps after a first, compiling step.
// Each model gets its own seed; the PE spec is cfg.Model.PE for all.
func Bench(backend compute.Backend, cfg Config, M, steps int) (BenchResult, error) {
	return BenchWith(backend, cfg, BenchOptions{M: M, Steps: steps})
}

// BenchWith is Bench with options. It makes one call to compile (timed as
// Compile), one untimed warm-up call, then times ⌈Steps/K⌉ calls of K =
// cfg.StepsPerCall steps each (K = 1 where the backend has no in-graph loop).
func BenchWith(backend compute.Backend, cfg Config, opt BenchOptions) (BenchResult, error) {
	mc, err := cfg.Model.Normalize()
	if err != nil {
		return BenchResult{}, err
	}
	if opt.M < 1 || opt.Steps < 1 {
		return BenchResult{}, fmt.Errorf("train: bench M = %d, steps = %d: both must be ≥ 1", opt.M, opt.Steps)
	}
	d := randomData("bench", mc, cfg.Objective, benchN(cfg), 1)
	members := make([]MemberState, opt.M)
	for m := range members {
		members[m] = MemberState{Member: model.Member{Seed: int64(m + 1), PE: mc.PE}}
	}
	// Enough epochs that the schedule never runs out.
	cfg.Epochs, cfg.Checkpoint, cfg.Progress = 1<<20, "", nil
	run, err := New(backend, cfg, members, d)
	if err != nil {
		return BenchResult{}, err
	}
	defer run.Close()
	run.noDonate = opt.NoDonate
	K := run.stepsPerCall()
	var heap uint64
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = max(heap, ms.HeapAlloc)
	}
	t0 := time.Now()
	if err := run.Steps(K); err != nil {
		return BenchResult{}, err
	}
	compile := time.Since(t0)
	if opt.Program != nil {
		if run.stepCompiled == nil {
			return BenchResult{}, fmt.Errorf("train: bench: no one-step program to hand over (K = %d steps per call)", K)
		}
		if err := opt.Program(run.stepCompiled.Executable()); err != nil {
			return BenchResult{}, err
		}
	}
	sample()
	if err := run.Steps(K); err != nil { // warm-up
		return BenchResult{}, err
	}
	calls := (opt.Steps + K - 1) / K
	var busy time.Duration
	for range calls {
		t := time.Now()
		if err := run.Steps(K); err != nil {
			return BenchResult{}, err
		}
		busy += time.Since(t)
		sample()
	}
	steps := calls * K
	per := busy / time.Duration(steps)
	res := BenchResult{M: opt.M, Steps: steps, Compile: compile, PerStep: per,
		ModelStepsSec: float64(opt.M) / per.Seconds(), StepsPerCall: K,
		FLOPsPerModelStep: model.StepFLOPs(mc, cfg.BatchSize), PeakRSS: PeakRSS(), GoHeapPeak: heap}
	res.TFLOPS = res.FLOPsPerModelStep * res.ModelStepsSec / 1e12
	return res, nil
}

// randomData is N standard-normal samples shaped like mc's input (and random
// labels, or zero targets, for the objective): for measurements, where the
// values do not matter.
// benchN is the number of random sequences BenchWith trains on.
func benchN(cfg Config) int { return max(cfg.BatchSize*4, 512) }

// BenchMemory is EstimateMemory of BenchWith's run of M models of cfg on
// its random data (benchN sequences), without the evaluation chunk
// (BenchWith never evaluates), for a check before it allocates.
func BenchMemory(cfg Config, M int) Memory {
	mc := cfg.Model
	d := &Data{Name: "bench", N: benchN(cfg), S: mc.Tokens, F: mc.Features}
	if cfg.Objective == Masked {
		d.F, d.T = max(mc.Features-1, 1), mc.Outputs
	}
	return estimate(cfg, M, false, []*Data{d})
}

func randomData(name string, mc model.Config, obj Objective, N int, seed uint64) *Data {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &Data{Name: name, N: N, S: mc.Tokens, F: mc.Features, X: make([]float32, N*mc.Tokens*mc.Features)}
	if obj == Masked {
		d.F--
		d.X = d.X[:N*mc.Tokens*d.F]
		d.Targets, d.T = make([]float32, N*mc.Tokens*mc.Outputs), mc.Outputs
	} else {
		d.Labels = make([]int32, N)
		for i := range d.Labels {
			d.Labels[i] = int32(r.IntN(mc.Outputs))
		}
	}
	for i := range d.X {
		d.X[i] = float32(r.NormFloat64())
	}
	return d
}

// PeakRSS returns the process's peak resident set size in bytes (VmHWM in
// /proc/self/status), or 0 where that file is absent.
func PeakRSS() int64 { return procStatus("VmHWM:") }

// RSS returns the process's current resident set size in bytes (VmRSS in
// /proc/self/status), or 0 where that file is absent.
func RSS() int64 { return procStatus("VmRSS:") }

// procStatus reads one "Key: n kB" line of /proc/self/status, in bytes.
func procStatus(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// String formats one row of a bench table.
func (b BenchResult) String() string {
	return fmt.Sprintf("M=%-5d K=%-3d %8.1f ms/step  %9.3f ms/model-step  %9.1f model-steps/s  %7.3f TFLOP/s  (first call %.1f s, %d timed, peak RSS %.0f MiB)",
		b.M, b.StepsPerCall, ms(b.PerStep), ms(b.PerStep)/float64(b.M), b.ModelStepsSec, b.TFLOPS, b.Compile.Seconds(), b.Steps, float64(b.PeakRSS)/(1<<20))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
