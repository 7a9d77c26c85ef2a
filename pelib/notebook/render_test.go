package notebook

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/pelab/pelab/pelib/plots"
)

// writeNotebook writes a notebook of the given cells (type, source) and
// outputs on the first code cell.
func writeNotebook(t *testing.T, path string, outputs []any, meta map[string]any, cells ...[2]string) {
	t.Helper()
	var cs []any
	for _, c := range cells {
		cell := map[string]any{"cell_type": c[0], "metadata": map[string]any{}, "source": strings.SplitAfter(c[1], "\n")}
		if c[0] == "code" {
			cell["outputs"], cell["execution_count"] = outputs, 1
			outputs = []any{}
		}
		cs = append(cs, cell)
	}
	if meta == nil {
		meta = map[string]any{}
	}
	b, err := json.Marshal(map[string]any{"cells": cs, "metadata": meta, "nbformat": 4, "nbformat_minor": 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, path, string(b))
}

// TestRenderHash checks what the freshness hash covers: a cell's source
// and a file of a results folder the cells name change it; outputs,
// metadata and a results folder the cells do not name do not.
func TestRenderHash(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module "+modulePath+"\n")
	for _, d := range []string{"results/lst-a", "results/lst-b"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(root, d, "r.json"), "{}")
	}
	nb := filepath.Join(root, "notebooks", "01_x.ipynb")
	cells := [][2]string{{"markdown", "# Title\n"}, {"code", "%%\nnb.ShowResults(\"lst-a\", \"not-a-folder\")\n"}}
	writeNotebook(t, nb, nil, nil, cells...)
	h0, res, err := RenderHash(root, nb)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0] != "lst-a" {
		t.Fatalf("results read: %v, want [lst-a]", res)
	}
	hash := func() string {
		t.Helper()
		h, _, err := RenderHash(root, nb)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	writeNotebook(t, nb, []any{map[string]any{"output_type": "stream", "name": "stdout", "text": "x"}}, map[string]any{"k": 1}, cells...)
	write(t, filepath.Join(root, "results/lst-b/r.json"), "{\"changed\": true}")
	if h := hash(); h != h0 {
		t.Errorf("outputs, metadata or an unread results folder changed the hash")
	}
	write(t, filepath.Join(root, "results/lst-a/r.json"), "{\"changed\": true}")
	h1 := hash()
	if h1 == h0 {
		t.Errorf("a changed file of a results folder the notebook reads left the hash as it was")
	}
	writeNotebook(t, nb, nil, nil, cells[0], [2]string{"code", "%%\nnb.ShowResults(\"lst-a\") // edited\n"})
	if h := hash(); h == h1 {
		t.Errorf("an edited cell left the hash as it was")
	}
	writeNotebook(t, nb, nil, nil, [2]string{"markdown", "# Title, edited\n"}, [2]string{"code", "%%\nnb.ShowResults(\"lst-a\") // edited\n"})
	h2 := hash()

	// CheckRendered: missing, fresh, stale.
	err = CheckRendered(root, "notebooks/01_x.ipynb")
	if err == nil || !strings.Contains(err.Error(), "make render-notebooks NOTEBOOKS=notebooks/01_x.ipynb") {
		t.Errorf("missing rendered copy: %v", err)
	}
	rendered := filepath.Join(root, RenderedDir, "01_x.ipynb")
	meta := func(hash, mode string) map[string]any {
		return map[string]any{"pelab_render": RenderMeta{Notebook: "notebooks/01_x.ipynb", InputsSHA256: hash, Mode: mode, Commit: "abc"}}
	}
	writeNotebook(t, rendered, nil, meta(h2, "full"), cells...)
	if err := CheckRendered(root, "notebooks/01_x.ipynb"); err != nil {
		t.Errorf("fresh rendered copy: %v", err)
	}
	writeNotebook(t, rendered, nil, meta(h2, "quick-go"), cells...)
	if err := CheckRendered(root, "notebooks/01_x.ipynb"); err == nil || !strings.Contains(err.Error(), "not a full run") {
		t.Errorf("a smoke-run rendered copy: %v", err)
	}
	writeNotebook(t, rendered, nil, meta(h1, "full"), cells...)
	err = CheckRendered(root, "notebooks/01_x.ipynb")
	for _, want := range []string{"docs/notebooks/01_x.ipynb is older", "notebooks/01_x.ipynb", "results/lst-a", "make render-notebooks NOTEBOOKS=notebooks/01_x.ipynb"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("stale rendered copy: error %v lacks %q", err, want)
		}
	}
}

// TestMarkdownTables checks that a live table becomes an HTML table that
// wraps (no column cut at the cell's edge), and that in a smoke run it is
// headed by the smoke label and loses its paper columns, while committed
// results keep theirs unlabelled.
func TestMarkdownTables(t *testing.T) {
	md := "## Report\n\nText with `code`.\n\n| group | n | val_acc | procrustes_disparity | paper val | paper 1/2/3 |\n|---|---|---:|---:|---:|---:|\n" +
		"| learn-0.1 | 2 | 92 ± 3 | 0.74 | 92.47 ± 8.33 | 94.1 / 92.6 / 90.7 |\n\nAfter.\n"
	full, rec := testSession(t, env{})
	full.Markdown(md)
	if len(rec.md) != 2 || !strings.Contains(rec.md[0], "## Report") || !strings.Contains(rec.md[1], "After.") || len(rec.html) != 1 {
		t.Fatalf("full run: markdown %q, html %d blocks", rec.md, len(rec.html))
	}
	h := rec.html[0]
	for _, want := range []string{"overflow-x:auto", "white-space:normal", ">learn-0.1</td>", "procrustes_<wbr>disparity", ">paper val</th>", "text-align:right"} {
		if !strings.Contains(h, want) {
			t.Errorf("full run's table lacks %q: %s", want, h)
		}
	}
	if strings.Contains(h, "SMOKE") {
		t.Errorf("a full run labelled as smoke")
	}
	smoke, rec := testSession(t, env{EnvQuick: "1"})
	defer func() { plots.OmitReferences = false }()
	smoke.Markdown(md)
	all := strings.Join(rec.html, "")
	if !strings.Contains(all, html.EscapeString(SmokeLabel)) || strings.Contains(all, ">paper") || !strings.Contains(all, ">92 ± 3</td>") {
		t.Errorf("smoke run's table: want the label, no paper column, the run's numbers: %s", all)
	}
	if !plots.OmitReferences {
		t.Errorf("a smoke session leaves the paper's reference curves in its figures")
	}
}

// TestSmokeFigures checks that a smoke run's figures carry the label in
// the image (taller than the figure, the saved file too) and in the page,
// and a full run's do not.
func TestSmokeFigures(t *testing.T) {
	defer func() { plots.OmitReferences = false }()
	f, err := plots.Heatmap(mat.NewDense(2, 2, []float64{1, -1, 0.5, 0}), plots.HeatmapOptions{Title: "a"})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := f.PNG(0, 0)
	plain, _ := png.DecodeConfig(bytes.NewReader(raw))
	for _, quick := range []bool{false, true} {
		e := env{}
		if quick {
			e[EnvQuick] = "1"
		}
		s, rec := testSession(t, e)
		s.Show("one", f)
		b, err := os.ReadFile(filepath.Join(s.Out, "figures", "one.png"))
		if err != nil {
			t.Fatal(err)
		}
		saved, _ := png.DecodeConfig(bytes.NewReader(b))
		page := strings.Join(rec.html, "")
		if quick {
			m := regexp.MustCompile(`base64,([^"]+)`).FindStringSubmatch(page)
			if m == nil || !strings.Contains(page, html.EscapeString(SmokeLabel)) || saved.Height <= plain.Height {
				t.Fatalf("smoke run: label in page %v, saved height %d (figure %d)", strings.Contains(page, html.EscapeString(SmokeLabel)), saved.Height, plain.Height)
			}
			shown, _ := base64.StdEncoding.DecodeString(m[1])
			if c, _ := png.DecodeConfig(bytes.NewReader(shown)); c.Height != saved.Height {
				t.Errorf("shown figure %d px high, saved %d", c.Height, saved.Height)
			}
		} else if rec.pngs != 1 || page != "" || saved.Height != plain.Height {
			t.Errorf("full run: %d PNGs, html %q, saved height %d (figure %d)", rec.pngs, page, saved.Height, plain.Height)
		}
	}
}
