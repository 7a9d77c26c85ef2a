// Command browser-check opens notebooks in headless Chromium through the
// project's Jupyter server (`make notebook`), runs all their cells and fails
// on any error, missing image or cell that did not run; screenshots, the
// executed notebooks and summary.txt go to -out. scripts/browser-check.sh
// runs it after installing Chromium; see package internal/nbbrowser.
//
// Usage: browser-check [-out DIR] [-timeout D] NOTEBOOK.ipynb...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pelab/pelab/internal/nbbrowser"
)

func main() {
	out := flag.String("out", "out/browser", "folder for screenshots, executed notebooks and summary.txt")
	timeout := flag.Duration("timeout", 15*time.Minute, "limit for each notebook, from opening it to its last cell")
	root := flag.String("root", ".", "repository root (the Makefile with the notebook target)")
	chromium := flag.String("chromium", "", "Chromium executable (default /usr/bin/chromium, else chromium on PATH)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: %s [flags] NOTEBOOK.ipynb...\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	tmp, err := os.MkdirTemp("", "pelab-browser-kernel-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)
	kpath, err := nbbrowser.KernelPath(tmp)
	if err != nil {
		fatal(err)
	}
	// The notebooks' results stores (PELAB_NOTEBOOK_OUT): a fresh folder, so
	// that nothing is resumed from an earlier run.
	nbOut := filepath.Join(tmp, "notebook-out")
	env := []string{"PELAB_NOTEBOOK_OUT=" + nbOut}
	if os.Getenv("PELAB_QUICK") == "" {
		env = append(env, "PELAB_QUICK=1")
	}
	results, err := nbbrowser.Check(ctx, nbbrowser.Options{
		Root: *root, Notebooks: flag.Args(), Out: *out, Timeout: *timeout,
		Chromium: *chromium, KernelPath: kpath, Env: env, Log: os.Stderr,
	})
	if err != nil {
		fatal(err)
	}
	failed := 0
	for _, r := range results {
		status := "ok"
		if !r.OK() {
			status, failed = "FAILED", failed+1
		}
		fmt.Printf("%-40s %-6s %2d/%-2d cells ran, %2d images, %6v, %d screenshots\n",
			r.Notebook, status, r.Executed, r.CodeCells, r.Images, r.Duration.Round(time.Second), len(r.Screenshots))
		for _, p := range r.Problems {
			fmt.Printf("    problem: %s\n", p)
		}
	}
	fmt.Printf("browser-check: %d of %d notebooks passed; screenshots, executed notebooks and summary.txt in %s\n",
		len(results)-failed, len(results), *out)
	if failed > 0 {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "browser-check:", err)
	os.Exit(1)
}
