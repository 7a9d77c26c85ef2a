// Package notebooks_test executes every notebook in this folder headlessly
// with the GoNB kernel, in quick mode (PELAB_QUICK=1), once per backend that
// runs here: pure Go always, ONNX Runtime where its library is installed. A
// cell that fails to compile, panics or returns an error fails the test, and
// the run's output goes to the test log.
//
// The tests skip, saying why, only where jupyter's nbconvert or the GoNB
// kernel is absent (`make setup` installs both).
package notebooks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/notebook"
	"github.com/pelab/pelab/xla"
)

// requireJupyter skips the test where nbconvert or the GoNB kernel is absent.
func requireJupyter(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("jupyter"); err != nil {
		t.Skip("skipping: jupyter not on PATH (run `make setup`)")
	}
	if err := exec.Command("jupyter", "nbconvert", "--version").Run(); err != nil {
		t.Skipf("skipping: jupyter nbconvert does not run (%v): run `make setup`", err)
	}
	out, err := exec.Command("jupyter", "kernelspec", "list", "--json").Output()
	if err != nil {
		t.Skipf("skipping: jupyter kernelspec list failed (%v)", err)
	}
	var specs struct {
		Kernelspecs map[string]json.RawMessage `json:"kernelspecs"`
	}
	if err := json.Unmarshal(out, &specs); err != nil {
		t.Fatalf("jupyter kernelspec list --json: %v", err)
	}
	if _, ok := specs.Kernelspecs["gonb"]; !ok {
		t.Skip("skipping: the GoNB kernel is not installed (run `make setup`)")
	}
}

// execute runs scripts/nbexec.sh on nb with extra environment variables and
// returns the executed notebook's path and the run's combined output.
func execute(t *testing.T, nb string, env ...string) (string, string, error) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "scripts", "nbexec.sh"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	cmd := exec.Command(script, out, nb)
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err = cmd.Run()
	return filepath.Join(out, filepath.Base(nb)), buf.String(), err
}

// cellProblems lists, for an executed notebook, the code cells that did not
// run and the error or panic outputs.
func cellProblems(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var nb struct {
		Cells []struct {
			ID             string `json:"id"`
			CellType       string `json:"cell_type"`
			ExecutionCount *int   `json:"execution_count"`
			Outputs        []struct {
				OutputType string          `json:"output_type"`
				Name       string          `json:"name"`
				Text       json.RawMessage `json:"text"`
				EName      string          `json:"ename"`
				EValue     string          `json:"evalue"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &nb); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var problems []string
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		if c.ExecutionCount == nil {
			problems = append(problems, fmt.Sprintf("cell %d (%s) was not executed", i, c.ID))
		}
		for _, o := range c.Outputs {
			text := string(o.Text)
			switch {
			case o.OutputType == "error":
				problems = append(problems, fmt.Sprintf("cell %d (%s): error %s: %s", i, c.ID, o.EName, o.EValue))
			case o.Name == "stderr" && strings.Contains(text, "panic:"):
				problems = append(problems, fmt.Sprintf("cell %d (%s): panic in stderr: %s", i, c.ID, text))
			}
		}
	}
	return problems, nil
}

// runNotebook executes nb and fails the test on any problem, logging the
// run's output.
func runNotebook(t *testing.T, nb string, env ...string) {
	t.Helper()
	executed, out, err := execute(t, nb, env...)
	if err != nil {
		t.Fatalf("%s (%s) failed: %v\n--- output ---\n%s", nb, strings.Join(env, " "), err, out)
	}
	problems, err := cellProblems(executed)
	if err != nil {
		t.Fatalf("reading the executed notebook: %v\n--- output ---\n%s", err, out)
	}
	if len(problems) > 0 {
		t.Fatalf("%s (%s):\n%s\n--- output ---\n%s", nb, strings.Join(env, " "), strings.Join(problems, "\n"), out)
	}
}

func TestNotebooks(t *testing.T) {
	requireJupyter(t)
	nbs, err := filepath.Glob("*.ipynb")
	if err != nil || len(nbs) == 0 {
		t.Fatalf("no notebooks in notebooks/ (%v)", err)
	}
	lib, looked := xla.FindONNXRuntime()
	for _, backend := range []string{"go", "onnx"} {
		t.Run(backend, func(t *testing.T) {
			if backend == "onnx" && lib == "" {
				t.Skipf("skipping: ONNX Runtime library absent (run `make setup`); looked at %s", strings.Join(looked, ", "))
			}
			for _, nb := range nbs {
				t.Run(strings.TrimSuffix(nb, ".ipynb"), func(t *testing.T) {
					abs, err := filepath.Abs(nb)
					if err != nil {
						t.Fatal(err)
					}
					// A fresh output folder per run: notebooks keep their
					// results stores under $PELAB_NOTEBOOK_OUT.
					runNotebook(t, abs, "PELAB_QUICK=1", "PELAB_BACKEND="+backend, "PELAB_NOTEBOOK_OUT="+t.TempDir())
				})
			}
		})
	}
}

// TestPanickingCellFails shows that the runner catches a panic: a temporary
// notebook whose second cell panics must fail, with the panic in the output,
// and its first cell must have run.
func TestPanickingCellFails(t *testing.T) {
	requireJupyter(t)
	dir := t.TempDir()
	nb := filepath.Join(dir, "panics.ipynb")
	cell := func(id, src string) map[string]any {
		return map[string]any{"cell_type": "code", "id": id, "execution_count": nil,
			"metadata": map[string]any{}, "outputs": []any{}, "source": src}
	}
	doc := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{"kernelspec": map[string]any{"name": "gonb", "display_name": "Go (gonb)", "language": "go"}},
		"cells": []any{
			cell("ok", "%%\nfmt.Println(\"first cell ran\")"),
			cell("boom", "%%\npanic(\"deliberate panic from pelab's notebook test\")"),
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(nb, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, err := execute(t, nb, "PELAB_QUICK=1")
	if err == nil {
		t.Fatalf("a notebook with a panicking cell ran without error\n--- output ---\n%s", out)
	}
	if !strings.Contains(out, "deliberate panic from pelab's notebook test") {
		t.Errorf("the run's output does not show the panic\n--- output ---\n%s", out)
	}
}

// kernelPath returns a PATH for a GoNB kernel started outside nbexec.sh: a
// folder with go, goimports and gonb, then $PATH without the Go bin folder
// (where gopls is, which slows a headless kernel; see nbexec.sh).
func kernelPath(t *testing.T) string {
	t.Helper()
	gobin, err := exec.Command("go", "env", "GOBIN").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := strings.TrimSpace(string(gobin))
	if bin == "" {
		gopath, err := exec.Command("go", "env", "GOPATH").Output()
		if err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(strings.TrimSpace(string(gopath)), "bin")
	}
	tools := t.TempDir()
	goPath, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"go": goPath, "goimports": filepath.Join(bin, "goimports"), "gonb": filepath.Join(bin, "gonb")}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(tools, name)); err != nil {
			t.Fatal(err)
		}
	}
	path := tools
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if d != "" && d != bin {
			path += string(os.PathListSeparator) + d
		}
	}
	return path
}

// TestInterruptCellResumes interrupts the training cell of the network
// notebook in a real GoNB kernel, as Jupyter's stop button does, and runs
// the cell again: scripts/nb-interrupt.py checks that the cell stopped,
// saved a checkpoint and then resumed from it (see its doc).
func TestInterruptCellResumes(t *testing.T) {
	requireJupyter(t)
	backend := "go"
	if lib, _ := xla.FindONNXRuntime(); lib != "" {
		backend = "onnx"
	}
	script, err := filepath.Abs(filepath.Join("..", "scripts", "nb-interrupt.py"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/python3", script, "02_network_simulation.ipynb", "trainLayout(layout)", "16")
	cmd.Env = append(os.Environ(), "PATH="+kernelPath(t), "PELAB_QUICK=1", "PELAB_BACKEND="+backend, "PELAB_NOTEBOOK_OUT="+t.TempDir())
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		t.Skipf("skipping: %s", out)
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	t.Log(lines[len(lines)-1])
}

// TestNotebooksUseSession checks, without running them, that every notebook's
// cells go through pelib/notebook: one session named after the notebook, one
// error idiom (notebook.Must/Check, no hand-written must or panic), the
// backend chosen by the session (no xla.Choose in a cell) and no output in
// GoNB's temporary folder.
func TestNotebooksUseSession(t *testing.T) {
	nbs, err := filepath.Glob("*.ipynb")
	if err != nil || len(nbs) == 0 {
		t.Fatalf("no notebooks in notebooks/ (%v)", err)
	}
	forbidden := []string{"panic(", "func must", "xla.Choose(", "GONB_TMP_DIR", "os.TempDir()", "train.SignalContext("}
	for _, nb := range nbs {
		b, err := os.ReadFile(nb)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Cells []struct {
				CellType string          `json:"cell_type"`
				Source   json.RawMessage `json:"source"`
			} `json:"cells"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", nb, err)
		}
		var code strings.Builder
		for _, c := range doc.Cells {
			if c.CellType != "code" {
				continue
			}
			var lines []string
			if err := json.Unmarshal(c.Source, &lines); err != nil {
				var s string
				if err := json.Unmarshal(c.Source, &s); err != nil {
					t.Fatalf("%s: cell source: %v", nb, err)
				}
				lines = []string{s}
			}
			code.WriteString(strings.Join(lines, "") + "\n")
		}
		src := code.String()
		name := strings.TrimSuffix(nb, ".ipynb")
		if want := fmt.Sprintf("var nb = notebook.New(%q)", name); strings.Count(src, want) != 1 {
			t.Errorf("%s: want exactly one %s", nb, want)
		}
		for _, f := range forbidden {
			if strings.Contains(src, f) {
				t.Errorf("%s: a cell uses %q; use the session of pelib/notebook", nb, f)
			}
		}
	}
}

// TestRenderedNotebooksFresh checks, without running anything, that every
// notebook has a rendered copy under docs/notebooks made from its current
// cells and the committed results it reads (notebook.CheckRendered: the
// copy's recorded pelab_render.inputs_sha256 against notebook.RenderHash
// now), and fails naming the notebook and the command that re-renders it.
func TestRenderedNotebooksFresh(t *testing.T) {
	nbs, err := filepath.Glob("*.ipynb")
	if err != nil || len(nbs) == 0 {
		t.Fatalf("no notebooks in notebooks/ (%v)", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, nb := range nbs {
		if err := notebook.CheckRendered(root, filepath.Join("notebooks", nb)); err != nil {
			t.Error(err)
		}
	}
}

// TestRenderedNotebooksSmall checks that every rendered notebook is at most
// 2 MB (a reader's browser opens it on the code host) and carries no
// plotly.js (interactive views are stills there), and that its code cells
// hold outputs.
func TestRenderedNotebooksSmall(t *testing.T) {
	const limit = 2 << 20
	rendered, err := filepath.Glob(filepath.Join("..", notebook.RenderedDir, "*.ipynb"))
	if err != nil || len(rendered) == 0 {
		t.Fatalf("no rendered notebooks in %s (%v): run `make render-notebooks`", notebook.RenderedDir, err)
	}
	for _, p := range rendered {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > limit {
			t.Errorf("%s is %.2f MB, over 2 MB", p, float64(len(b))/(1<<20))
		}
		if bytes.Contains(b, []byte("pelab-plotly")) || bytes.Contains(b, []byte("Plotly.newPlot")) {
			t.Errorf("%s carries an interactive view or plotly.js: re-render it (`%s`)", p, notebook.RenderCommand(filepath.Join("notebooks", filepath.Base(p))))
		}
		if !bytes.Contains(b, []byte(`"image/png"`)) {
			t.Errorf("%s shows no figure: its outputs are missing", p)
		}
	}
}
