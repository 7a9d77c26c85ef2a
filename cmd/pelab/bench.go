package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/pelab/pelab/pelib/model"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/train"
	"github.com/pelab/pelab/xla"
)

func init() {
	register(command{name: "bench", short: "model-steps per second of the paper's LST model at several M", run: runBench})
}

func runBench(args []string, stdout io.Writer) error {
	fs := newFlagSet("bench")
	backend := fs.String("backend", "", "backend (go, onnx:cpu, xla:<plugin>; default: automatic, see pelab env)")
	ms := fs.String("m", "1,8,32,128", "comma-separated numbers of models per compiled step")
	steps := fs.Int("steps", 5, "timed steps per M (after one compiling step)")
	batch := fs.Int("batch", 128, "batch size per model")
	spec := fs.String("pe", "learn:0.2", "PE spec (see pe.Syntax)")
	csvPath := fs.String("csv", "", "also write the table as CSV to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var Ms []int
	for _, f := range strings.Split(*ms, ",") {
		m, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || m < 1 {
			return fmt.Errorf("-m: %q is not a list of positive integers", *ms)
		}
		Ms = append(Ms, m)
	}
	if *steps < 1 || *batch < 1 {
		return fmt.Errorf("-steps and -batch must be ≥ 1")
	}
	p, err := pe.Parse(*spec)
	if err != nil {
		return fmt.Errorf("-pe: %w", err)
	}
	ch, err := xla.Choose(*backend)
	if err != nil {
		return err
	}
	defer ch.Backend.Finalize()
	fmt.Fprintf(stdout, "backend: %s\ndevice: %s\ncpus: %d\nmodel: paper LST (B%d, S16, D160, 1 head, 4 blocks, PE %s at every block), Adam\n",
		ch, strings.Join(ch.Devices(), "; "), runtime.NumCPU(), *batch, p)
	cfg := train.Config{Model: model.PaperLST(p), Optimizer: train.PaperAdam(), BatchSize: *batch}
	var rows [][]string
	for _, m := range Ms {
		res, err := train.Bench(ch.Backend, cfg, m, *steps)
		if err != nil {
			return fmt.Errorf("M=%d: %w", m, err)
		}
		fmt.Fprintln(stdout, res)
		rows = append(rows, []string{ch.Config, strconv.Itoa(m), strconv.Itoa(*batch),
			fmt.Sprintf("%.3f", float64(res.PerStep.Microseconds())/1000),
			fmt.Sprintf("%.4f", float64(res.PerStep.Microseconds())/1000/float64(m)),
			fmt.Sprintf("%.2f", res.ModelStepsSec), fmt.Sprintf("%.2f", res.Compile.Seconds())})
	}
	if *csvPath != "" {
		f, err := os.CreateTemp(".", ".bench*.csv")
		if err != nil {
			return err
		}
		w := csv.NewWriter(f)
		w.Write([]string{"backend", "m", "batch", "ms_per_step", "ms_per_model_step", "model_steps_per_s", "first_step_s"})
		w.WriteAll(rows)
		f.Close()
		if err := w.Error(); err != nil {
			return err
		}
		return os.Rename(f.Name(), *csvPath)
	}
	return nil
}
