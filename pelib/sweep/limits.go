package sweep

import (
	"fmt"
	"math"
	"strings"
)

// A Limit is the valid range of one numeric setting that the pelab command
// line (as -<flag>) and sweep spec files (as a key) share, so that both
// answer a bad value the same way. Zero means "keep the protocol's value"
// wherever a Limit says so.
type Limit struct {
	Key  string // spec key, e.g. "eval_every"; the flag is Flag()
	Int  bool   // the value must be an integer
	Want string // a valid value, for errors: e.g. "an integer ≥ 0 (0 keeps the protocol's)"
	ok   func(x float64) bool
}

// Flag is the command-line name of the setting: Key with '-' for '_'.
func (l Limit) Flag() string { return strings.ReplaceAll(l.Key, "_", "-") }

// Check returns nil when x is a valid value: finite, an integer if l.Int,
// and within the limit; otherwise an error "want <l.Want>" for the caller to
// prefix with the flag or key and its position.
func (l Limit) Check(x float64) error {
	if math.IsNaN(x) || math.IsInf(x, 0) || (l.Int && x != math.Trunc(x)) || !l.ok(x) {
		return fmt.Errorf("want %s", l.Want)
	}
	return nil
}

// Upper bounds of the settings of LimitOf: static sanity bounds, far
// beyond the paper's models (width 160, 4 blocks, 4000 epochs, 15 seeds,
// σ ≤ 2) and what fits a machine; a size below them may still not fit in
// memory.
const (
	MaxWidth  = 4096   // width: model width d
	MaxBlocks = 64     // blocks: transformer blocks
	MaxEpochs = 100000 // epochs and eval_every
	MaxK      = 1024   // k: optimisation steps per device call
	MaxM      = 1024   // max_m: models per compiled step (and pelab bench -m)
	MaxSeeds  = 1000   // seeds per request: a count, or a list's length
	MaxSigma  = 1000   // sigmas: the σ of a learned PE's initialisation
	MaxRuns   = 65536  // train_runs, test_runs: simulated runs of netsim
	MaxShards = 100000 // shards
	MaxBench  = 10000  // bench_steps
)

func atLeast(m float64) func(float64) bool { return func(x float64) bool { return x >= m } }

func between(lo, hi float64) func(float64) bool {
	return func(x float64) bool { return x >= lo && x <= hi }
}

// LimitOf returns the limit of a setting by its spec key or flag name
// (e.g. "eval_every" or "eval-every"), and false for a setting without one.
//
// The settings, every value finite: epochs and eval_every integers
// 0 … MaxEpochs, k 0 … MaxK, max_m 0 … MaxM, train_runs and test_runs
// 0 … MaxRuns (0 keeps the protocol's value); lr 0 or a number float32
// holds (0 keeps the protocol's); subset and train_windows integers ≥ 0
// (0: all); split_seed an integer ≥ 0; width 1 … MaxWidth; blocks
// 1 … MaxBlocks; shards 1 … MaxShards; the seed count (seeds)
// 1 … MaxSeeds; mask_ratio a number in (0, 1); sigma and sigmas a number
// in (0, MaxSigma]; throughput a number ≥ 0 (0: measure); bench_steps
// 0 … MaxBench (0: no estimate).
func LimitOf(name string) (Limit, bool) {
	key := strings.ReplaceAll(name, "-", "_")
	upTo := func(hi int, what string) Limit {
		return Limit{Key: key, Int: true, Want: fmt.Sprintf("an integer 0 … %d (%s)", hi, what), ok: between(0, float64(hi))}
	}
	keep := func(hi int, what string) Limit { return upTo(hi, "0 keeps the protocol's "+what) }
	switch key {
	case "epochs":
		return keep(MaxEpochs, "number of epochs"), true
	case "eval_every":
		return keep(MaxEpochs, "evaluation interval"), true
	case "k":
		return upTo(MaxK, "0: one step per device call"), true
	case "max_m":
		return keep(MaxM, "models per compiled step"), true
	case "train_runs", "test_runs":
		return keep(MaxRuns, "number of runs"), true
	case "lr":
		// Training is float32: a rate below its smallest normal number
		// (≈ 1.2e-38) would round to 0 or lose its precision, one above
		// its largest (≈ 3.4e38) to +Inf.
		return Limit{Key: key, Want: "0 (the protocol's learning rate) or a number float32 holds, 1.2e-38 … 3.4e38", ok: func(x float64) bool {
			return x == 0 || (x >= 0x1p-126 && x <= math.MaxFloat32)
		}}, true
	case "subset":
		return Limit{Key: key, Int: true, Want: "an integer ≥ 0 (0: every training puzzle)", ok: atLeast(0)}, true
	case "train_windows":
		return Limit{Key: key, Int: true, Want: "an integer ≥ 0 (0: every training window)", ok: atLeast(0)}, true
	case "split_seed":
		return Limit{Key: key, Int: true, Want: "an integer ≥ 0", ok: atLeast(0)}, true
	case "width":
		return Limit{Key: key, Int: true, Want: fmt.Sprintf("an integer 1 … %d", MaxWidth), ok: between(1, MaxWidth)}, true
	case "blocks":
		return Limit{Key: key, Int: true, Want: fmt.Sprintf("an integer 1 … %d", MaxBlocks), ok: between(1, MaxBlocks)}, true
	case "shards":
		return Limit{Key: key, Int: true, Want: fmt.Sprintf("an integer 1 … %d", MaxShards), ok: between(1, MaxShards)}, true
	case "seeds":
		return Limit{Key: key, Int: true, Want: fmt.Sprintf("a count 1 … %d (the experiment's first n seeds)", MaxSeeds), ok: between(1, MaxSeeds)}, true
	case "mask_ratio":
		return Limit{Key: key, Want: "a number in (0, 1)", ok: func(x float64) bool { return x > 0 && x < 1 }}, true
	case "sigma", "sigmas":
		return Limit{Key: key, Want: fmt.Sprintf("a finite σ in (0, %d]", MaxSigma), ok: func(x float64) bool { return x > 0 && x <= MaxSigma }}, true
	case "throughput":
		return Limit{Key: key, Want: "a finite number ≥ 0 (0: measure it)", ok: atLeast(0)}, true
	case "bench_steps":
		return upTo(MaxBench, "0: no estimate"), true
	}
	return Limit{}, false
}

// CheckSetting checks x against the limit of the setting name (see
// LimitOf); a setting without a limit accepts any finite x.
func CheckSetting(name string, x float64) error {
	l, ok := LimitOf(name)
	if !ok {
		l = Limit{Key: name, Want: "a finite number", ok: func(float64) bool { return true }}
	}
	return l.Check(x)
}

// FirstSeeds returns the first n seeds of an experiment's seed list (its
// PaperSeeds, of which every protocol's default seeds are a prefix). n must
// be between 1 and len(list): a larger count has no seeds to take and is an
// error that says to list the seeds instead.
func FirstSeeds(n int, list []int64) ([]int64, error) {
	if n < 1 {
		return nil, fmt.Errorf("seed count %d: want a count ≥ 1", n)
	}
	if n > len(list) {
		return nil, fmt.Errorf("seed count %d: the experiment lists only %d seeds (%s); give the seeds themselves for more", n, len(list), joinSeeds(list))
	}
	return append([]int64(nil), list[:n]...), nil
}

// CheckSeeds reports an empty seed list, one longer than MaxSeeds, or a
// seed that appears twice (the
// same seed twice is the same model: it would train twice and write one
// record).
func CheckSeeds(seeds []int64) error {
	if len(seeds) == 0 {
		return fmt.Errorf("no seeds")
	}
	if len(seeds) > MaxSeeds {
		return fmt.Errorf("%d seeds, more than %d (MaxSeeds)", len(seeds), MaxSeeds)
	}
	first := make(map[int64]int, len(seeds))
	for i, s := range seeds {
		if j, dup := first[s]; dup {
			return fmt.Errorf("seed %d appears twice (positions %d and %d); each seed is one model", s, j+1, i+1)
		}
		first[s] = i
	}
	return nil
}

func joinSeeds(s []int64) string {
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ",")
}
