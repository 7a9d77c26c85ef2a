package train

import (
	"fmt"
	"io"
	"math"
	"runtime"
	"runtime/debug"
	"sort"
	"time"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/pelib/model"
)

// SoakOptions configures Soak.
type SoakOptions struct {
	M      int // models per group (default 1)
	Steps  int // optimisation steps per group (≥ 10)
	Groups int // groups trained one after another, each closed before the next (default 1)
	// EvalEvery evaluates every EvalEvery steps on a held-out set of
	// EvalN samples (0: never), as a training run evaluates every few
	// epochs.
	EvalEvery, EvalN int
	// Samples is the number of RSS samples per group (default 20).
	Samples int
	// Progress, when set, receives one line per sample.
	Progress io.Writer
}

// SoakSample is the process's memory after Step optimisation steps
// (counted over all groups).
type SoakSample struct {
	Step   int
	RSS    int64  // resident set, bytes (VmRSS)
	GoHeap uint64 // live Go heap after a collection, bytes
	Wall   time.Duration
}

// SoakResult is what Soak measured.
//
// Warm-up is what allocates once: the compilations, and the first two
// evaluations (ONNX Runtime plans its memory on a program's second run and
// allocates that plan then). It ends at the first group's last step when
// there are several groups (a later group reuses what the first freed),
// else at the first sample at or past both 10 % of the steps and the
// second evaluation. A run in flat memory has Growth and the slope near
// zero; a leak of b bytes per step adds about b × (steps after warm-up) to
// Growth and b·1000/2²⁰ to SlopeMiBPer1000, and a leak per group adds its
// size for every group after the first.
type SoakResult struct {
	TotalSteps int
	Samples    []SoakSample
	// RSS at 10 %, 50 % and 100 % of the run's steps (the first sample at or
	// past each), at the end of warm-up (WarmStep), and the peak (VmHWM)
	// at the end.
	At10, At50, End, Warm, Peak int64
	WarmStep                    int
	// SlopeMiBPer1000 is the least-squares slope of RSS against step
	// within groups, past each group's warm-up, in MiB per 1,000 steps.
	SlopeMiBPer1000 float64
	// Groups holds, per group, RSS at the end of the group's own warm-up
	// (its first sample at or past both 10 % of its steps and its second
	// evaluation) and at its last step, before its run is closed.
	Groups []SoakGroup
}

// SoakGroup is one group's resident memory: Warm after its warm-up, End
// at its last step (its plateau).
type SoakGroup struct{ Warm, End int64 }

// WithinGrowth is the (lower) median over groups of End − Warm in MiB: what a group
// gains once warm, while only steps and evaluations run. A leak of b bytes
// per step shows in every group as b × (steps past warm-up). The median
// ignores one group in which the allocator happened to take one more chunk
// (ONNX Runtime's arena grows in steps of tens of MiB, at moments that vary
// with the machine's load).
func (r SoakResult) WithinGrowth() float64 {
	d := make([]float64, len(r.Groups))
	for i, g := range r.Groups {
		d[i] = float64(g.End-g.Warm) / (1 << 20)
	}
	return median(d)
}

// GroupGrowth is the (lower) median over successive groups of End(g) − End(g−1)
// in MiB: how much higher each group's plateau sits than the one before
// (0 with fewer than two groups). What a finished group leaves behind
// raises every later plateau by its size; one arena chunk taken in one
// group raises one increment, which the median ignores given three or more.
func (r SoakResult) GroupGrowth() float64 {
	if len(r.Groups) < 2 {
		return 0
	}
	d := make([]float64, len(r.Groups)-1)
	for i := range d {
		d[i] = float64(r.Groups[i+1].End-r.Groups[i].End) / (1 << 20)
	}
	return median(d)
}

// MinGroupGrowth is the smallest End(g) − End(g−1) over successive groups,
// in MiB (0 with fewer than two groups): what a finished group leaves behind
// raises every increment, so the smallest is at least its size, while
// allocator chunks taken by some groups — on a loaded machine ONNX Runtime's
// arena took one more 20 MiB chunk in two groups of four — do not raise it.
func (r SoakResult) MinGroupGrowth() float64 {
	if len(r.Groups) < 2 {
		return 0
	}
	m := math.Inf(1)
	for i := 1; i < len(r.Groups); i++ {
		m = math.Min(m, float64(r.Groups[i].End-r.Groups[i-1].End)/(1<<20))
	}
	return m
}

// median is the lower median of x, x₍⌊(n−1)/2⌋₎ in ascending order (x is
// reordered); 0 for none. The lower one, so that with an even count two
// high values out of four do not carry it: leaks raise every value, the
// allocator's chunks only some.
func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	sort.Float64s(x)
	return x[(len(x)-1)/2]
}

// Growth is End − Warm in MiB: what the run gained after warm-up.
func (r SoakResult) Growth() float64 { return float64(r.End-r.Warm) / (1 << 20) }

// String is the one-line summary pelab bench -soak prints.
func (r SoakResult) String() string {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	s := fmt.Sprintf("%d steps: RSS %.0f MiB at 10 %%, %.0f at 50 %%, %.0f at 100 %%; %+.1f MiB since warm-up (%.0f MiB at step %d), slope %+.2f MiB per 1,000 steps; peak %.0f MiB",
		r.TotalSteps, mib(r.At10), mib(r.At50), mib(r.End), r.Growth(), mib(r.Warm), r.WarmStep, r.SlopeMiBPer1000, mib(r.Peak))
	if len(r.Groups) > 1 {
		s += fmt.Sprintf("; median per group: %+.1f MiB once warm, plateau %+.1f MiB above the previous group's", r.WithinGrowth(), r.GroupGrowth())
	}
	return s
}

// Soak trains opt.Groups groups of opt.M models of cfg.Model, opt.Steps steps
// each, on random data shaped like the model's input, evaluating every
// opt.EvalEvery steps, closing each group's run before starting the next —
// the life of a sweep — and samples the resident memory along the way. It
// is the check that long runs stay in flat memory (see docs/memory.md):
// per-step input buffers, evaluation buffers and finished groups' programs
// must all be released.
func Soak(backend compute.Backend, cfg Config, opt SoakOptions) (SoakResult, error) {
	mc, err := cfg.Model.Normalize()
	if err != nil {
		return SoakResult{}, err
	}
	if opt.M == 0 {
		opt.M = 1
	}
	if opt.Groups == 0 {
		opt.Groups = 1
	}
	if opt.Samples == 0 {
		opt.Samples = 20
	}
	switch {
	case opt.M < 1 || opt.Groups < 1 || opt.Samples < 2:
		return SoakResult{}, fmt.Errorf("train: soak M = %d, groups = %d, samples = %d: want M ≥ 1, groups ≥ 1, samples ≥ 2", opt.M, opt.Groups, opt.Samples)
	case opt.Steps < 10:
		return SoakResult{}, fmt.Errorf("train: soak steps = %d: want ≥ 10", opt.Steps)
	case opt.EvalEvery < 0 || (opt.EvalEvery > 0 && opt.EvalN < 1):
		return SoakResult{}, fmt.Errorf("train: soak eval every %d steps on %d samples: want EvalEvery ≥ 0 and EvalN ≥ 1", opt.EvalEvery, opt.EvalN)
	}
	d := randomData("soak", mc, cfg.Objective, max(cfg.BatchSize*4, 256), 1)
	var evals []*Data
	if opt.EvalEvery > 0 {
		evals = append(evals, randomData("held-out", mc, cfg.Objective, opt.EvalN, 2))
	}
	defer d.Release()
	for _, e := range evals {
		defer e.Release()
	}
	cfg.Epochs, cfg.Checkpoint, cfg.Progress = 1<<20, "", nil
	cfg.EvalEvery = 0
	res := SoakResult{TotalSteps: opt.Groups * opt.Steps}
	start := time.Now()
	every := max(opt.Steps/opt.Samples, 1)
	for g := range opt.Groups {
		members := make([]MemberState, opt.M)
		for m := range members {
			members[m] = MemberState{Member: model.Member{Seed: int64(g*opt.M + m + 1), PE: mc.PE}}
		}
		run, err := New(backend, cfg, members, d, evals...)
		if err != nil {
			return res, err
		}
		err = soakGroup(run, opt, every, g*opt.Steps, start, &res)
		run.Close()
		if err != nil {
			return res, err
		}
	}
	res.Peak = PeakRSS()
	warm := max(res.TotalSteps/10, 2*opt.EvalEvery)
	if opt.Groups > 1 {
		warm = opt.Steps
	}
	res.summarise(warm)
	groupWarm := min(max(opt.Steps/10, 2*opt.EvalEvery), opt.Steps-2)
	res.withinSlope(opt.Steps, groupWarm)
	res.groupPlateaus(opt.Steps, groupWarm)
	return res, nil
}

func soakGroup(run *Run, opt SoakOptions, every, offset int, start time.Time, res *SoakResult) error {
	next := every // the step of the next sample
	for done := 0; done < opt.Steps; {
		n := min(every, opt.Steps-done)
		if opt.EvalEvery > 0 {
			n = min(n, opt.EvalEvery-done%opt.EvalEvery)
		}
		if err := run.Steps(n); err != nil {
			return err
		}
		done += n
		if opt.EvalEvery > 0 && done%opt.EvalEvery == 0 {
			for _, e := range run.evals {
				if _, err := run.Evaluate(e, EvalOptions{}); err != nil {
					return err
				}
			}
		}
		if done >= next || done == opt.Steps {
			next = (done/every + 1) * every
			debug.FreeOSMemory() // a GC that also returns the Go heap's free pages: RSS without the scavenger's timing
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			s := SoakSample{Step: offset + done, RSS: RSS(), GoHeap: ms.HeapAlloc, Wall: time.Since(start)}
			res.Samples = append(res.Samples, s)
			if opt.Progress != nil {
				fmt.Fprintf(opt.Progress, "  step %6d  RSS %7.1f MiB  Go heap %6.1f MiB  %6.1f s\n",
					s.Step, float64(s.RSS)/(1<<20), float64(s.GoHeap)/(1<<20), s.Wall.Seconds())
			}
		}
	}
	return nil
}

// summarise fills the RSS fields and the slope from the samples, warm-up
// ending at the first sample at or past step warm.
func (r *SoakResult) summarise(warm int) {
	at := func(step float64) (int64, int) {
		for _, s := range r.Samples {
			if float64(s.Step) >= step {
				return s.RSS, s.Step
			}
		}
		last := r.Samples[len(r.Samples)-1]
		return last.RSS, last.Step
	}
	T := float64(r.TotalSteps)
	r.At10, _ = at(0.1 * T)
	r.At50, _ = at(0.5 * T)
	r.End = r.Samples[len(r.Samples)-1].RSS
	r.Warm, r.WarmStep = at(float64(warm))
}

// groupPlateaus fills Groups: per group, RSS at its first sample at or
// past its own step warm and at its last sample.
func (r *SoakResult) groupPlateaus(groupSteps, warm int) {
	r.Groups = r.Groups[:0]
	for g := 0; g*groupSteps < r.TotalSteps; g++ {
		var grp SoakGroup
		found := false
		for _, s := range r.Samples {
			if s.Step <= g*groupSteps || s.Step > (g+1)*groupSteps {
				continue
			}
			if !found && s.Step >= g*groupSteps+warm {
				grp.Warm, found = s.RSS, true
			}
			grp.End = s.RSS
		}
		if found {
			r.Groups = append(r.Groups, grp)
		}
	}
}

// withinSlope is the least-squares slope of RSS (MiB) against step pooled
// within groups (each group's samples centred on their own means), over
// the samples past each group's own warm-up — so that the drop when one
// group is closed and the climb while the next warms up do not count.
func (r *SoakResult) withinSlope(groupSteps, warm int) {
	var sxy, sxx float64
	for g := 0; g*groupSteps < r.TotalSteps; g++ {
		var xs, ys []float64
		for _, s := range r.Samples {
			if s.Step > g*groupSteps+warm && s.Step <= (g+1)*groupSteps {
				xs = append(xs, float64(s.Step))
				ys = append(ys, float64(s.RSS)/(1<<20))
			}
		}
		xy, xx := centredSums(xs, ys)
		sxy += xy
		sxx += xx
	}
	if sxx > 0 {
		r.SlopeMiBPer1000 = 1000 * sxy / sxx
	}
}

// centredSums returns Σ(x−x̄)(y−ȳ) and Σ(x−x̄)².
func centredSums(x, y []float64) (sxy, sxx float64) {
	n := float64(len(x))
	if n < 2 {
		return 0, 0
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx, my = mx/n, my/n
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	return sxy, sxx
}
