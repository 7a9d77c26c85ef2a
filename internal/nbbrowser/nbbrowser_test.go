package nbbrowser

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestExpectImages(t *testing.T) {
	cells := []string{
		// 0: declares helpers only.
		"import \"github.com/janpfeifer/gonb/gonbui\"\n\nfunc show(png []byte) {\n\tgonbui.DisplayPNG(png)\n}\n\nfunc plotAll() {\n\tshow(nil)\n}\n\nfunc quiet() {\n\tfmt.Println(\"x\")\n}\n",
		// 1: calls the helper from main.
		"%%\nshow(makePNG())",
		// 2: calls a helper of the helper.
		"%%\nplotAll()",
		// 3: prints only.
		"%%\nquiet()\nfmt.Println(\"show(\")",
		// 4: displays directly.
		"%%\ngonbui.DisplaySVG(s)",
		// 5: HTML is not an image.
		"%%\ngonbui.DisplayHTML(\"<b>x</b>\")",
		// 6: a main function instead of %%.
		"func main() {\n\tplotAll()\n}\n",
		// 7: a method named like a display helper, called as a method.
		"%%\nfig.show()",
		// 8: a pelib/notebook session's figures.
		"%%\nnb.Show(\"x\", fig)",
		// 9: an interactive view, inside a condition.
		"%%\nif ok {\n\tinteractive.Show(interactive.RSMOf(store, r, -1, interactive.Labels{}))\n}",
		// 10: a session's Markdown and results are not images.
		"%%\nnb.Markdown(\"x\")\nnb.ShowResults(\"lst\")",
	}
	want := []bool{false, true, true, true, true, false, true, true, true, true, false}
	got := ExpectImages(cells)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d: expect image %v, want %v:\n%s", i, got[i], want[i], cells[i])
		}
	}
}

// requireBrowser skips where Chromium, Jupyter or the GoNB kernel is absent
// (`make browser-setup` and `make setup` install them).
func requireBrowser(t *testing.T) {
	t.Helper()
	if _, err := findChromium(""); err != nil {
		t.Skipf("skipping: %v", err)
	}
	if _, err := exec.LookPath("jupyter"); err != nil {
		t.Skip("skipping: jupyter not on PATH (run `make setup`)")
	}
	out, err := exec.Command("jupyter", "kernelspec", "list", "--json").Output()
	if err != nil || !strings.Contains(string(out), `"gonb"`) {
		t.Skip("skipping: the GoNB kernel is not installed (run `make setup`)")
	}
}

func writeNotebook(t *testing.T, path string, cells ...string) {
	t.Helper()
	var cs []any
	for i, src := range cells {
		cs = append(cs, map[string]any{"cell_type": "code", "id": "c" + string(rune('0'+i)), "execution_count": nil,
			"metadata": map[string]any{}, "outputs": []any{}, "source": src})
	}
	doc := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{"kernelspec": map[string]any{"name": "gonb", "display_name": "Go (gonb)", "language": "go"}},
		"cells":    cs,
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCheckFails runs the check on two broken notebooks in a real browser: one
// whose cell panics after a cell that should show an image shows none and an
// interactive view fails to draw (its plotly.js throws), one with a compile
// error. Both must fail, for those reasons, with screenshots,
// and the files must be unchanged.
func TestCheckFails(t *testing.T) {
	requireBrowser(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The kernel uses this checkout's module (for gonbui), as the project's
	// notebooks do.
	workspace := "!*rm -f go.work go.work.sum && go work init && go work use . " + root + "\n%goworkfix\n%noautoget"
	panics := filepath.Join(dir, "panics.ipynb")
	writeNotebook(t, panics,
		workspace,
		"import \"github.com/janpfeifer/gonb/gonbui\"\n\nfunc show(png []byte) {\n\tif len(png) > 0 {\n\t\tgonbui.DisplayPNG(png)\n\t}\n}\n\n%%\nshow(nil)\nfmt.Println(\"no image shown\")",
		// An interactive view whose plotly.js (the stand-in below) fails.
		"import (\n\t\"github.com/pelab/pelab/pelib/plots/interactive\"\n\t\"gonum.org/v1/gonum/mat\"\n)\n\n%%\n"+
			"interactive.Show(interactive.Heatmap(mat.NewDense(2, 2, []float64{1, 0, 0, 1}), interactive.HeatmapOptions{Title: \"broken\"}))",
		"%%\npanic(\"deliberate panic from the browser check's test\")",
		"%%\nfmt.Println(\"after the panic\")",
	)
	broken := filepath.Join(dir, "compile_error.ipynb")
	writeNotebook(t, broken, "%%\nfmt.Println(undefinedName)")
	before, err := hashFiles([]string{panics, broken})
	if err != nil {
		t.Fatal(err)
	}

	tmp := t.TempDir()
	// A plotly.js whose newPlot throws: the view's script fails.
	badPlotly := filepath.Join(tmp, "plotly-broken.js")
	if err := os.WriteFile(badPlotly, []byte(`window.Plotly = {newPlot: function () { throw new Error("deliberate plotly failure"); }};`), 0o644); err != nil {
		t.Fatal(err)
	}
	kpath, err := KernelPath(tmp)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out")
	var log strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	results, err := Check(ctx, Options{Root: root, Notebooks: []string{panics, broken}, Out: out,
		Timeout: 4 * time.Minute, KernelPath: kpath, Log: &log, Env: []string{"PELAB_PLOTLY_JS=" + badPlotly}})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(results) != 2 {
		t.Fatalf("%d results, want 2", len(results))
	}
	has := func(r Result, sub string) bool {
		for _, p := range r.Problems {
			if strings.Contains(p, sub) {
				return true
			}
		}
		return false
	}
	p, c := results[0], results[1]
	t.Logf("panics.ipynb: %q", p.Problems)
	t.Logf("compile_error.ipynb: %q", c.Problems)
	if p.OK() || !has(p, "deliberate panic") || !has(p, "shows no image") || !has(p, "deliberate plotly failure") {
		t.Errorf("panics.ipynb: problems %q: want the panic, the missing image and the interactive view that failed\n%s", p.Problems, log.String())
	}
	if c.OK() || !has(c, "undefinedName") {
		t.Errorf("compile_error.ipynb: problems %q: want the compile error naming undefinedName\n%s", c.Problems, log.String())
	}
	for _, r := range results {
		if len(r.Screenshots) == 0 {
			t.Errorf("%s: no screenshot", r.Notebook)
		}
		if _, err := os.Stat(r.Saved); err != nil {
			t.Errorf("%s: executed copy: %v", r.Notebook, err)
		}
	}
	after, err := hashFiles([]string{panics, broken})
	if err != nil {
		t.Fatal(err)
	}
	if before[0] != after[0] || before[1] != after[1] {
		t.Errorf("the check changed a notebook file")
	}
}

func TestClip(t *testing.T) {
	got := clip("panic: x\n\ngoroutine 1 [running]:\n\t \x1b[7m[[ Cell [3] Line 2 ]]\x1b[0m main.go:23", 200)
	want := "panic: x goroutine 1 [running]: [[ Cell [3] Line 2 ]] main.go:23"
	if got != want {
		t.Errorf("clip: %q, want %q", got, want)
	}
	if got := stripTags("<style>.a { b: c; }</style><div>x &lt; y</div>"); got != "x < y" {
		t.Errorf("stripTags: %q", got)
	}
}

// TestViewProblems checks what fails an interactive view: before, a 3D
// view counted as drawn once its SVG layer existed, though with WebGL off
// plotly.js draws its fallback text there; a view with no data, or whose
// legend covers its axis labels, passed too.
func TestViewProblems(t *testing.T) {
	cases := []struct {
		name string
		pl   plotState
		want string // "" for none
	}{
		{"2D drawn", plotState{Drawn: true, Marks: 64}, ""},
		{"3D drawn", plotState{Drawn: true, Scenes: 1, GL: 1}, ""},
		{"not drawn", plotState{Text: "Interactive view (plotly.js) gave up"}, "was not drawn: Interactive view"},
		{"3D without WebGL, message", plotState{Drawn: true, Scenes: 1, Text: "WebGL is not supported by your browser"}, "(3D) could not draw"},
		{"3D without WebGL, no message", plotState{Drawn: true, Scenes: 1, GL: 0}, "0 of 1 scenes"},
		{"2D blank", plotState{Drawn: true}, "is blank"},
		{"legend over tick labels", plotState{Drawn: true, Marks: 10, Covered: []string{"0,1", "0,2"}}, "legend covers axis labels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := viewProblems("view 1", c.pl, nil)
			switch {
			case c.want == "" && len(got) > 0:
				t.Errorf("problems %q, want none", got)
			case c.want != "" && (len(got) != 1 || !strings.Contains(got[0], c.want)):
				t.Errorf("problems %q, want one with %q", got, c.want)
			}
		})
	}
}
