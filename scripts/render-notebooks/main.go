// Command render-notebooks turns executed copies of pelab's notebooks (from
// scripts/nbexec.sh in full mode) into the rendered copies committed under
// docs/notebooks, which a reader sees on the code host without running
// anything:
//
//   - every interactive view (pelib/plots/interactive: plotly.js) becomes a
//     still PNG drawn by headless Chromium (WebGL in software, as the
//     browser check) and one line on how to explore it; plotly.js itself
//     (4.8 MB per notebook) is dropped;
//   - a row of figures sent as HTML (nb.Show of several) becomes one PNG
//     output per figure, each followed by its caption, so that renderers
//     that do not show data: images inside HTML still show them;
//   - the notebook's metadata records pelab_render (notebook.RenderMeta):
//     the hash of its inputs (notebook.RenderHash), the commit, the mode,
//     the execution's wall time and the command that re-renders it.
//
// It takes the Markdown cells' text from the source notebook and refuses an
// executed copy whose code cells differ from the source notebook's (made
// from other code), one with an error output, and a result over
// -max-bytes.
//
// Usage (scripts/render-notebooks.sh runs it):
//
//	go run ./scripts/render-notebooks -executed out/render/executed -docs docs/notebooks notebooks/00_tutorial.ipynb ...
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/pelab/pelab/pelib/notebook"
	"github.com/pelab/pelab/pelib/plots/interactive"
)

// exploreLine follows every still of an interactive view.
const exploreLine = "*Still image of an interactive view (plotly.js). To rotate, zoom and hover it, run this notebook: `make notebook`, open it, Cell ▸ Run All.*"

func main() {
	executed := flag.String("executed", "out/render/executed", "folder of the executed copies (nbexec.sh's OUTDIR)")
	docs := flag.String("docs", notebook.RenderedDir, "folder of the rendered copies")
	wall := flag.String("wall", "", "file of \"<name> <seconds> …\" lines: each notebook's execution time")
	maxBytes := flag.Int("max-bytes", 2<<20, "largest rendered notebook accepted")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("usage: render-notebooks [flags] notebooks/NN_name.ipynb...")
	}
	root, err := os.Getwd()
	if err != nil {
		log.Fatal(err)
	}
	walls := readWalls(*wall)
	commit := gitCommit()
	ctx, cancel := browser()
	defer cancel()
	status := 0
	for _, src := range flag.Args() {
		name := strings.TrimSuffix(filepath.Base(src), ".ipynb")
		start := time.Now()
		n, size, err := render(ctx, root, src, filepath.Join(*executed, name+".ipynb"), filepath.Join(*docs, name+".ipynb"), commit, walls[name], *maxBytes)
		if err != nil {
			log.Printf("render-notebooks: %s: %v", src, err)
			status = 1
			continue
		}
		log.Printf("render-notebooks: %s: %d interactive view(s) as stills, %.2f MB, in %s", filepath.Join(*docs, name+".ipynb"), n, float64(size)/(1<<20), time.Since(start).Round(time.Second))
	}
	if err := writeIndex(*docs); err != nil {
		log.Printf("render-notebooks: index: %v", err)
		status = 1
	}
	os.Exit(status)
}

// writeIndex writes docs/README.md: every rendered notebook with its
// source, size, wall time, date and commit, from their metadata.
func writeIndex(docs string) error {
	m, err := filepath.Glob(filepath.Join(docs, "*.ipynb"))
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# Rendered notebooks\n\n" +
		"The notebooks of `notebooks/`, executed in their default (full, not smoke) mode with fresh results by\n" +
		"`make render-notebooks` (scripts/render-notebooks.sh), with their outputs, so that they can be read without\n" +
		"running anything. Interactive views are still images here; run the notebook (`make notebook`) to explore\n" +
		"them. Each notebook's metadata (`pelab_render`) records the hash of what made it — its cells and the\n" +
		"committed results folders it reads —, and `go test ./notebooks/ -run TestRenderedNotebooks` fails when a\n" +
		"copy is older than its notebook or those results (the Go packages are not hashed: see\n" +
		"`notebook.RenderHash`). Wall times are the notebook's execution on the machine that rendered it.\n\n" +
		"| notebook | source | size | execution wall time | rendered | commit |\n|---|---|---:|---:|---|---|\n")
	for _, p := range m {
		meta, ok, err := notebook.ReadRenderMeta(p)
		if err != nil || !ok {
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return err
		}
		name := filepath.Base(p)
		commit, dirty := strings.CutSuffix(meta.Commit, "-dirty")
		if len(commit) > 12 {
			commit = commit[:12]
		}
		if dirty {
			commit += " + uncommitted changes"
		}
		fmt.Fprintf(&b, "| [%s](%s) | [`%s`](../../%s) | %.2f MB | %d s | %s | `%s` |\n", strings.TrimSuffix(name, ".ipynb"), name,
			meta.Notebook, meta.Notebook, float64(st.Size())/(1<<20), meta.WallSeconds, meta.Rendered, commit)
	}
	return os.WriteFile(filepath.Join(docs, "README.md"), []byte(b.String()), 0o644)
}

// readWalls reads "<name> <seconds> …" lines; the last line of a name wins.
func readWalls(path string) map[string]int {
	m := map[string]int{}
	if path == "" {
		return m
	}
	f, err := os.Open(path)
	if err != nil {
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 2 {
			if s, err := strconv.Atoi(fs[1]); err == nil {
				m[fs[0]] = s
			}
		}
	}
	return m
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if err := exec.Command("git", "diff", "--quiet", "HEAD", "--", "notebooks", "pelib", "results").Run(); err != nil {
		c += "-dirty"
	}
	return c
}

// browser starts headless Chromium with WebGL in software (as
// internal/nbbrowser does for the browser check).
func browser() (context.Context, context.CancelFunc) {
	path := "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		if p, err := exec.LookPath("chromium"); err == nil {
			path = p
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("use-gl", "angle"), chromedp.Flag("use-angle", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1000, 900))
	actx, c1 := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, c2 := chromedp.NewContext(actx)
	return bctx, func() { c2(); c1() }
}

type output = map[string]any

func render(ctx context.Context, root, src, executed, dst, commit string, wall, maxBytes int) (int, int, error) {
	want, err := notebook.CellSources(src)
	if err != nil {
		return 0, 0, err
	}
	got, err := notebook.CellSources(executed)
	if err != nil {
		return 0, 0, fmt.Errorf("executed copy: %w (run scripts/render-notebooks.sh without RENDER_SKIP_EXEC)", err)
	}
	// The code cells must be those executed; Markdown cells (no outputs)
	// are taken from the source, so that a change of text re-renders
	// without re-running (RENDER_SKIP_EXEC=1).
	if len(want) != len(got) {
		return 0, 0, fmt.Errorf("%s has %d cells, %s %d: execute it again", executed, len(got), src, len(want))
	}
	for i := range want {
		wt, _, _ := strings.Cut(want[i], "\x00")
		gt, _, _ := strings.Cut(got[i], "\x00")
		if wt != gt || (wt == "code" && want[i] != got[i]) {
			return 0, 0, fmt.Errorf("%s was executed from other code than %s's (cell %d): execute it again", executed, src, i)
		}
	}
	srcCells, err := rawCells(src)
	if err != nil {
		return 0, 0, err
	}
	b, err := os.ReadFile(executed)
	if err != nil {
		return 0, 0, err
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return 0, 0, err
	}
	bundle, err := interactive.BundlePath()
	if err != nil {
		return 0, 0, err
	}
	js, err := os.ReadFile(bundle)
	if err != nil {
		return 0, 0, err
	}
	var st *stiller
	defer func() {
		if st != nil {
			st.close()
		}
	}()
	views := 0
	for i, c := range doc["cells"].([]any) {
		cell := c.(map[string]any)
		if cell["cell_type"] != "code" {
			cell["source"] = srcCells[i]["source"]
			continue
		}
		outs, _ := cell["outputs"].([]any)
		var next []any
		for _, o := range outs {
			out := o.(output)
			if out["output_type"] == "error" {
				return 0, 0, fmt.Errorf("cell %d has an error output (%v: %v)", i, out["ename"], out["evalue"])
			}
			data, _ := out["data"].(map[string]any)
			h := joined(data["text/html"])
			switch {
			case strings.Contains(h, `class="pelab-plotly"`):
				figs, err := plotlyFigures(h)
				if err != nil {
					return 0, 0, fmt.Errorf("cell %d: %w", i, err)
				}
				if st == nil {
					if st, err = newStiller(ctx, js); err != nil {
						return 0, 0, fmt.Errorf("starting the browser tab for stills: %w", err)
					}
				}
				for _, fig := range figs {
					png, err := st.still(fig)
					if err != nil {
						return 0, 0, fmt.Errorf("cell %d: drawing a still: %w", i, err)
					}
					next = append(next, pngOutput(png), markdownOutput(exploreLine))
					views++
				}
			case strings.Contains(h, "data:image/png;base64,"):
				next = append(next, splitImages(h)...)
			default:
				next = append(next, out)
			}
		}
		for _, o := range next {
			shrinkOutput(o.(output))
		}
		if outs != nil {
			cell["outputs"] = next
		}
	}
	hash, results, err := notebook.RenderHash(root, src)
	if err != nil {
		return 0, 0, err
	}
	meta := doc["metadata"].(map[string]any)
	meta["pelab_render"] = notebook.RenderMeta{
		Notebook: filepath.ToSlash(src), InputsSHA256: hash, Results: results, Commit: commit, Mode: "full",
		Rendered: time.Now().UTC().Format(time.RFC3339), WallSeconds: wall, Command: notebook.RenderCommand(src),
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return 0, 0, err
	}
	if buf.Len() > maxBytes {
		return 0, 0, fmt.Errorf("rendered copy is %.2f MB, over the %.2f MB limit", float64(buf.Len())/(1<<20), float64(maxBytes)/(1<<20))
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, 0, err
	}
	return views, buf.Len(), os.WriteFile(dst, buf.Bytes(), 0o644)
}

// shrinkOutput re-encodes the output's PNG smaller where it can (shrinkPNG).
func shrinkOutput(o output) {
	data, _ := o["data"].(map[string]any)
	v, ok := data["image/png"]
	if !ok {
		return
	}
	b, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(joined(v), "\n", ""))
	if err != nil {
		return
	}
	data["image/png"] = base64.StdEncoding.EncodeToString(shrinkPNG(b))
}

// rawCells returns the cells of the notebook at path as JSON objects.
func rawCells(path string) ([]map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Cells []map[string]any `json:"cells"`
	}
	return doc.Cells, json.Unmarshal(b, &doc)
}

// joined is a notebook string field (a string or a list of lines).
func joined(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		var b strings.Builder
		for _, s := range t {
			b.WriteString(fmt.Sprint(s))
		}
		return b.String()
	}
	return ""
}

// figStart finds each view's figure in interactive's fragment: `var id =
// "…", fig = {…};`.
var figStart = regexp.MustCompile(`var id = "[^"]*", fig = `)

func plotlyFigures(h string) ([]json.RawMessage, error) {
	var figs []json.RawMessage
	for _, loc := range figStart.FindAllStringIndex(h, -1) {
		dec := json.NewDecoder(strings.NewReader(h[loc[1]:]))
		var fig json.RawMessage
		if err := dec.Decode(&fig); err != nil {
			return nil, fmt.Errorf("reading a plotly figure: %w", err)
		}
		figs = append(figs, fig)
	}
	if len(figs) == 0 {
		return nil, errors.New("an interactive view without a figure")
	}
	return figs, nil
}

// stiller draws plotly figures in one browser tab that loads plotly.js
// once.
type stiller struct {
	ctx    context.Context
	cancel context.CancelFunc
	file   string
}

func newStiller(ctx context.Context, js []byte) (*stiller, error) {
	doc := `<!doctype html><html><head><meta charset="utf-8"><script>` + string(js) + `</script></head>
<body style="margin:0;background:white"><div id="v"></div><script>
window.drawFig = function (fig, w, h) {
	window.done = false;
	var el = document.getElementById("v");
	Plotly.purge(el);
	el.style.width = w + "px"; el.style.height = h + "px";
	window.img = "";
	Plotly.newPlot(el, fig.data, fig.layout, fig.config).then(function () {
		// toImage redraws WebGL (3D) scenes into the image; a screenshot
		// of the page shows them blank.
		return Plotly.toImage(el, {format: "png", width: w, height: h});
	}).then(function (url) { window.img = url; window.done = true; },
		function (e) { window.img = "error: " + e; window.done = true; });
	return true;
};
</script></body></html>`
	tmp, err := os.CreateTemp("", "pelab-still-*.html")
	if err != nil {
		return nil, err
	}
	if _, err := tmp.WriteString(doc); err != nil {
		return nil, err
	}
	tmp.Close()
	// The browser's own (foreground) tab: a screenshot of a second,
	// background tab never completes in headless Chromium.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 1000), chromedp.Navigate("file://"+tmp.Name())); err != nil {
		return nil, err
	}
	return &stiller{ctx: ctx, cancel: func() {}, file: tmp.Name()}, nil
}

func (s *stiller) close() { s.cancel(); os.Remove(s.file) }

// still draws fig with plotly.js and returns a screenshot of it.
func (s *stiller) still(fig json.RawMessage) ([]byte, error) {
	var f struct {
		Layout struct {
			Width, Height int
		} `json:"layout"`
	}
	_ = json.Unmarshal(fig, &f)
	w, h := f.Layout.Width, f.Layout.Height
	if w <= 0 {
		w = 900
	}
	if h <= 0 {
		h = 520
	}
	tctx, cancel := context.WithTimeout(s.ctx, 120*time.Second)
	defer cancel()
	if _, err := chromedp.Run(tctx, chromedp.Evaluate[bool](fmt.Sprintf("drawFig(%s, %d, %d)", fig, w, h))); err != nil {
		return nil, err
	}
	for {
		done, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`window.done === true`))
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
		select {
		case <-tctx.Done():
			return nil, fmt.Errorf("plotly.js did not finish drawing: %w", tctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	fallback, err := chromedp.Run(tctx, chromedp.Evaluate[bool](`document.body.innerText.indexOf("WebGL is not supported") >= 0`))
	if err != nil {
		return nil, err
	}
	if fallback {
		return nil, errors.New("WebGL did not start: the still would show plotly.js's fallback text")
	}
	url, err := chromedp.Run(tctx, chromedp.Evaluate[string](`window.img`))
	if err != nil {
		return nil, err
	}
	data, ok := strings.CutPrefix(url, "data:image/png;base64,")
	if !ok {
		return nil, fmt.Errorf("plotly.js gave no image: %.200s", url)
	}
	png, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, err
	}
	if f, err := drawnFraction(png); err != nil || f < 0.01 {
		return nil, fmt.Errorf("the still is blank (%.2f %% of its middle drawn, %v)", 100*f, err)
	}
	return png, nil
}

func pngOutput(png []byte) output {
	return output{"output_type": "display_data", "metadata": map[string]any{},
		"data": map[string]any{"image/png": base64.StdEncoding.EncodeToString(png), "text/plain": "<still image of an interactive view>"}}
}

func markdownOutput(md string) output {
	return output{"output_type": "display_data", "metadata": map[string]any{},
		"data": map[string]any{"text/markdown": md, "text/plain": md}}
}

var (
	imgRe = regexp.MustCompile(`<img[^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"[^>]*/?>`)
	capRe = regexp.MustCompile(`^\s*<figcaption[^>]*>(.*?)</figcaption>`)
	tagRe = regexp.MustCompile(`<[^>]+>`)
)

// splitImages turns an HTML row of figures (data: PNGs with optional
// captions) into one PNG output per figure, each followed by its caption;
// text around them (a banner) stays as HTML before them.
func splitImages(h string) []any {
	var outs []any
	locs := imgRe.FindAllStringSubmatchIndex(h, -1)
	if pre := strings.TrimSpace(tagRe.ReplaceAllString(h[:locs[0][0]], "")); pre != "" {
		outs = append(outs, markdownOutput("**"+html.UnescapeString(pre)+"**"))
	}
	for _, l := range locs {
		png, err := base64.StdEncoding.DecodeString(h[l[2]:l[3]])
		if err != nil {
			continue
		}
		outs = append(outs, output{"output_type": "display_data", "metadata": map[string]any{},
			"data": map[string]any{"image/png": base64.StdEncoding.EncodeToString(png), "text/plain": "<figure>"}})
		if m := capRe.FindStringSubmatch(h[l[1]:]); m != nil {
			c := html.UnescapeString(m[1])
			outs = append(outs, markdownOutput("*"+strings.TrimSpace(c)+"*"))
		}
	}
	return outs
}
