package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute"
	"github.com/pelab/pelab/internal/atomicfile"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"github.com/pelab/pelab/xla"
)

func init() {
	register(command{name: "bench", short: "training throughput (model-steps/s, TFLOP/s, memory) at several M", run: runBench})
}

// benchColumns are the CSV columns; bench/torch_bench.py writes the same.
var benchColumns = []string{"impl", "backend", "device", "model", "m", "k", "dtype", "batch",
	"ms_per_step", "ms_per_model_step", "model_steps_per_s", "tflops", "epoch_s", "sweep_h",
	"first_step_s", "peak_rss_mib", "go_heap_mib", "gpu_mem_mib"}

// benchmarked returns the experiment named by -model and its bench models.
func benchmarked(name string) (experiment.Benchmarked, error) {
	e, err := experiment.Get(name)
	if err != nil {
		return nil, usagef("-model: %w", err)
	}
	b, ok := e.(experiment.Benchmarked)
	if !ok {
		return nil, usagef("-model %s: this experiment has no bench model; want one of %s", name, strings.Join(benchNames(), ", "))
	}
	return b, nil
}

// benchNames lists the experiments pelab bench can run.
func benchNames() []string {
	var out []string
	for _, e := range experiment.All() {
		if _, ok := e.(experiment.Benchmarked); ok {
			out = append(out, e.Name())
		}
	}
	return out
}

func runBench(args []string, stdout io.Writer) error {
	fs := newFlagSet("bench", stdout)
	backend := fs.String("backend", "", "backend (go, onnx:cpu, xla:<plugin>; default: automatic, see pelab env)")
	ms := fs.String("m", "1,8,32", fmt.Sprintf("comma-separated numbers of models per compiled step (1 … %d; the largest is checked against -max-memory first)", maxBenchM))
	steps := fs.Int("steps", 5, "timed steps per M (after one compiling call and one warm-up call)")
	batch := fs.Int("batch", 128, "batch size per model")
	spec := fs.String("pe", "learn:0.2", "PE spec (see pe.Syntax)")
	modelName := fs.String("model", "lst", "the experiment whose model to time: "+strings.Join(benchNames(), ", ")+" (lst: the paper's; netsim: S64 d64 4 blocks, masked T16; fmri: S360 d64 4 blocks, masked T32); with -soak also all")
	tokens := fs.Int("tokens", 0, "masked-token models (netsim, fmri): this many tokens on a line instead of the experiment's own (e.g. 400: a whole-brain parcellation; the tokens experiment trains this model on a researcher's S tokens); 0: the experiment's")
	k := fs.Int("k", 1, "optimisation steps per call (an in-graph loop on XLA; one call per step elsewhere)")
	matmul := fs.String("matmul", "f32", "operand dtype of the matrix products: f32 or bf16 (f32 accumulation)")
	noDonate := fs.Bool("nodonate", false, "keep the parameter buffers of each call instead of donating them")
	label := fs.String("label", "pelab", "value of the impl column")
	csvPath := fs.String("csv", "", "also write the table as CSV to this file")
	program := fs.String("save-program", "", "write the compiled one-step program of the first M as an ONNX model to this file (onnx backend; for bench/ort_profile.js)")
	soak := fs.Int("soak", 0, "instead of timing: train each experiment's quick model (-model lst, netsim, fmri or all) this many steps per group, -soak-groups groups one after another, and report resident memory (0: off)")
	var maxMemory string
	registerMaxMemory(fs, &maxMemory)
	soakGroups := fs.Int("soak-groups", 3, "with -soak: groups trained one after another, each closed before the next")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *soak != 0 {
		if *soak < 10 || *soakGroups < 1 {
			return usagef("-soak %d -soak-groups %d: want at least 10 steps and 1 group", *soak, *soakGroups)
		}
		if err := soakOnly(fs); err != nil {
			return err
		}
		return runSoak(stdout, *backend, *modelName, *soak, *soakGroups)
	}
	Ms, err := benchMs(*ms)
	if err != nil {
		return err
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"steps", *steps}, {"batch", *batch}, {"k", *k}} {
		if v.n < 1 {
			return usagef("-%s %d: want an integer ≥ 1", v.name, v.n)
		}
	}
	p, err := pe.Parse(*spec)
	if err != nil {
		return usagef("-pe: %w", err)
	}
	mdt, err := model.ParseMatmulDType(*matmul)
	if err != nil {
		return usagef("-matmul: %w", err)
	}
	// Output files are checked before anything is timed, so that a path
	// that cannot be written fails now rather than after the first M.
	for _, o := range []struct{ flag, path string }{{"-csv", *csvPath}, {"-save-program", *program}} {
		if err := checkOutFile(o.flag, o.path); err != nil {
			return err
		}
	}
	be, err := benchmarked(*modelName)
	if err != nil {
		return err
	}
	bm, err := be.SpeedModel(p, *batch)
	if err != nil {
		return err
	}
	cfg, isLST := bm.Config, bm.StepsPerEpoch > 0
	if *tokens != 0 {
		if cfg.Objective != train.Masked {
			return usagef("-tokens %d: -model %s has a fixed token count; -tokens is for the masked-token models (netsim, fmri)", *tokens, *modelName)
		}
		if *tokens < 2 {
			return usagef("-tokens %d: want at least 2 tokens", *tokens)
		}
		cfg.Model.Tokens, cfg.Model.Layout = *tokens, pe.Line(*tokens)
	}
	cfg.Model.MatmulDType = mdt
	cfg.StepsPerCall = *k
	if _, err := cfg.Model.Normalize(); err != nil {
		return err
	}
	// The largest M is checked before anything is allocated.
	bud, err := budget(maxMemory)
	if err != nil {
		return err
	}
	est := train.BenchMemory(cfg, slices.Max(Ms))
	if err := train.CheckMemory(fmt.Sprintf("pelab bench -model %s -batch %d -m %d", *modelName, *batch, slices.Max(Ms)), est, bud); err != nil {
		return err
	}
	ch, err := xla.Choose(*backend)
	if err != nil {
		return err
	}
	defer ch.Backend.Finalize()
	var saveProgram func(compute.Executable) error
	if *program != "" {
		if saveProgram, err = programSaver(ch.Backend, *program); err != nil {
			return fmt.Errorf("-save-program: %w", err)
		}
	}
	device := strings.Join(ch.Devices(), "; ")
	mc := cfg.Model
	fmt.Fprintf(stdout, "backend: %s\ndevice: %s\ncpus: %d\n", ch, device, runtime.NumCPU())
	fmt.Fprintf(stdout, "model: %s (B%d, S%d, D%d, %d head, %d blocks, PE %s, products %s), %s, Adam; %.3f GFLOP per model-step (3 × forward products)\n",
		*modelName, *batch, mc.Tokens, mc.Width, mc.Heads, mc.Blocks, p, *matmul, objective(cfg), model.StepFLOPs(mc, *batch)/1e9)
	if isLST {
		fmt.Fprintf(stdout, "epoch = %d steps; sweep = %d models × %d epochs = %.3g model-steps\n",
			bm.StepsPerEpoch, bm.SweepModels, bm.SweepEpochs, float64(bm.SweepModels*bm.SweepEpochs*bm.StepsPerEpoch))
	}
	fmt.Fprintf(stdout, "memory: estimate at M = %d %s\n", slices.Max(Ms), est)
	header := fmt.Sprintf("%-6s %-3s %11s %14s %13s %8s %9s %8s %9s %9s %9s", "M", "K", "ms/step", "ms/model-step", "model-steps/s", "TFLOP/s", "epoch s", "sweep h", "first s", "RSS MiB", "GPU MiB")
	fmt.Fprintln(stdout, header)
	var rows [][]string
	for _, m := range Ms {
		res, err := train.BenchWith(ch.Backend, cfg, train.BenchOptions{M: m, Steps: *steps, NoDonate: *noDonate, Program: saveProgram})
		saveProgram = nil // the first M only
		if err != nil {
			return fmt.Errorf("M=%d: %w", m, err)
		}
		perStep := msOf(res.PerStep)
		epoch, sweep := "", ""
		if isLST {
			epoch = fmt.Sprintf("%.3f", perStep*float64(bm.StepsPerEpoch)/1000)
			sweep = fmt.Sprintf("%.3f", float64(bm.SweepModels*bm.SweepEpochs*bm.StepsPerEpoch)/res.ModelStepsSec/3600)
		}
		gpu := gpuMemMiB()
		fmt.Fprintf(stdout, "%-6d %-3d %11.3f %14.4f %13.1f %8.3f %9s %8s %9.2f %9.0f %9s\n",
			m, res.StepsPerCall, perStep, perStep/float64(m), res.ModelStepsSec, res.TFLOPS, dash(epoch), dash(sweep),
			res.Compile.Seconds(), float64(res.PeakRSS)/(1<<20), dash(gpu))
		rows = append(rows, []string{*label, ch.Config, device, *modelName, strconv.Itoa(m), strconv.Itoa(res.StepsPerCall),
			*matmul, strconv.Itoa(*batch), fmt.Sprintf("%.4f", perStep), fmt.Sprintf("%.5f", perStep/float64(m)),
			fmt.Sprintf("%.2f", res.ModelStepsSec), fmt.Sprintf("%.4f", res.TFLOPS), epoch, sweep,
			fmt.Sprintf("%.2f", res.Compile.Seconds()), fmt.Sprintf("%.0f", float64(res.PeakRSS)/(1<<20)),
			fmt.Sprintf("%.0f", float64(res.GoHeapPeak)/(1<<20)), gpu})
		if *csvPath != "" { // after every row: a run cut short keeps what it measured
			if err := writeCSVAtomic(*csvPath, benchColumns, rows); err != nil {
				return err
			}
		}
	}
	return nil
}

// runSoak is pelab bench -soak: for each named experiment, groups × steps
// of its quick model with its evaluations, and the resident memory at 10,
// 50 and 100 % of the run and its slope (see train.Soak).
func runSoak(stdout io.Writer, backend, models string, steps, groups int) error {
	names := []string{models}
	if models == "all" {
		names = benchNames()
	}
	ch, err := xla.Choose(backend)
	if err != nil {
		return err
	}
	defer ch.Backend.Finalize()
	fmt.Fprintf(stdout, "backend: %s\ncpus: %d\n", ch, runtime.NumCPU())
	for _, name := range names {
		be, err := benchmarked(name)
		if err != nil {
			return err
		}
		bm, err := be.SoakModel()
		if err != nil {
			return err
		}
		cfg, evalN, evalEvery := bm.Config, bm.EvalN, bm.EvalEvery
		M := 2
		mc := cfg.Model
		fmt.Fprintf(stdout, "\n%s quick model (S%d, D%d, %d blocks, batch %d), %d models per group, %d groups × %d steps, evaluated every %d steps on %d samples:\n",
			name, mc.Tokens, mc.Width, mc.Blocks, cfg.BatchSize, M, groups, steps, evalEvery, evalN)
		res, err := train.Soak(ch.Backend, cfg, train.SoakOptions{M: M, Steps: steps, Groups: groups,
			EvalEvery: evalEvery, EvalN: evalN, Samples: 10, Progress: stdout})
		if err != nil {
			return fmt.Errorf("soak %s: %w", name, err)
		}
		fmt.Fprintf(stdout, "%s: %s\n", name, res)
	}
	return nil
}

// maxBenchM is the most models per compiled step -m accepts (as -max-m
// and a spec's max_m).
const maxBenchM = sweep.MaxM

// benchMs parses -m: comma-separated numbers of models per compiled step,
// each 1 … maxBenchM.
func benchMs(list string) ([]int, error) {
	var Ms []int
	for i, f := range strings.Split(list, ",") {
		m, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || m < 1 || m > maxBenchM {
			return nil, usagef("-m %q: item %d (%q): want comma-separated numbers of models per compiled step, each 1 … %d", list, i+1, f, maxBenchM)
		}
		Ms = append(Ms, m)
	}
	return Ms, nil
}

// soakOnly rejects the timing flags with -soak, which would otherwise be
// ignored: a soak trains each experiment's quick model as it is.
func soakOnly(fs *flag.FlagSet) error {
	allowed := map[string]bool{"soak": true, "soak-groups": true, "model": true, "backend": true}
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err == nil && !allowed[f.Name] {
			err = usagef("-%s: not used with -soak (a soak trains each experiment's quick model as it is; with -soak give only -model, -soak-groups and -backend)", f.Name)
		}
	})
	return err
}

// checkOutFile checks, before any work, that the output file path of the
// flag name (empty: none) can be written: it is not a folder, and its folder
// exists or can be created and is writable.
func checkOutFile(name, path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("%s %s: is a folder, want a file name", name, path)
	}
	if err := results.CheckWritable(filepath.Dir(path)); err != nil {
		return fmt.Errorf("%s %s: %w", name, path, err)
	}
	return nil
}

func objective(c train.Config) string {
	if c.Objective == train.Masked {
		return fmt.Sprintf("masked regression (%.0f%% masked)", 100*c.MaskRatio)
	}
	return "classification"
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// gpuMemMiB is the memory in use on GPU 0 as nvidia-smi reports it (the
// whole device, allocator pools included), or "" without nvidia-smi.
func gpuMemMiB() string {
	path, err := exec.LookPath("nvidia-smi")
	if err != nil {
		return ""
	}
	out, err := exec.Command(path, "--query-gpu=memory.used", "--format=csv,noheader,nounits", "-i", "0").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// writeCSVAtomic writes header and rows to path through a temporary file in
// the same directory, renamed into place (see internal/atomicfile).
func writeCSVAtomic(path string, header []string, rows [][]string) error {
	err := atomicfile.WriteFunc(path, func(f io.Writer) error {
		w := csv.NewWriter(f)
		w.Write(header)
		return w.WriteAll(rows) // WriteAll flushes and reports any write error
	})
	if err != nil {
		return fmt.Errorf("-csv: %w", err)
	}
	return nil
}
