package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pelab/pelab/pelib/report"
)

func init() {
	register(command{name: "report", short: "aggregate a results directory into report.md / report.html with figures", run: runReport})
}

func runReport(args []string, stdout io.Writer) error {
	fs := newFlagSet("report", stdout)
	withHTML := fs.Bool("html", true, "also write report.html (self-contained, figures inline)")
	outDir := fs.String("o", "", "where to write the report (default: the results directory)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: pelab report [-html=false] [-o DIR] RESULTS_DIR\n\n"+
			"Aggregates every record of RESULTS_DIR (any experiment, protocol, shard) into report.md,\n"+
			"report.html and PNG figures: per-condition mean ± SD and 95 %% CI tables, metric-vs-σ plots,\n"+
			"interpretability-vs-generalisation scatter with Spearman ρ, and the paper's reference numbers.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one results directory, got %d arguments (%s)", len(pos), strings.Join(pos, " "))
	}
	if fi, err := os.Stat(pos[0]); err != nil || !fi.IsDir() {
		return usagef("results directory %s: not a directory (%v)", pos[0], err)
	}
	dir, flagName := *outDir, "-o"
	if dir == "" {
		dir, flagName = pos[0], "results directory"
	}
	if err := checkOut(flagName, dir); err != nil { // before the figures are drawn
		return err
	}
	rep, err := report.FromDir(pos[0])
	if err != nil {
		return err
	}
	paths, err := rep.Write(dir, *withHTML)
	if err != nil {
		return err
	}
	for _, e := range rep.Corrupt {
		fmt.Fprintf(stdout, "warning: %v\n", e)
	}
	for _, w := range rep.Warnings { // records trained on different input files
		fmt.Fprintf(os.Stderr, "pelab report: warning: %s\n", w)
	}
	for _, p := range paths {
		fmt.Fprintf(stdout, "wrote %s\n", p)
	}
	return nil
}
