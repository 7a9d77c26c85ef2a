// Package nbbrowser checks notebooks in a real browser: it starts the
// project's Jupyter server (`make notebook`, the classic Notebook UI with the
// GoNB kernel) on a free port with a random token, opens each notebook in
// headless Chromium (driven over the DevTools protocol by chromedp), runs
// all its cells as a user's "Run All" does, and fails on any cell that did
// not run, any error output, a panic or traceback on stderr, an image that
// did not render, an interactive view (pelib/plots/interactive) that plotly.js
// did not draw, or a cell that should show an image and shows none (a drawn
// interactive view counts as an image). It
// saves full-page screenshots and the executed notebook (as the browser holds
// it) and shuts the server and its kernels down, also on failure.
//
// The notebooks on disk are never written: the server refuses every save
// (its contents manager is replaced by one that answers 403), the page's
// autosave is turned off, and each file's SHA-256 is compared before and
// after.
package nbbrowser

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Options configures a check.
type Options struct {
	// Root is the repository root, where the Makefile with the notebook
	// target is.
	Root string
	// Notebooks are the notebook files to check, all in one folder: the
	// server's notebook folder (`make notebook NOTEBOOK_DIR=…`).
	Notebooks []string
	// Out is where screenshots (<name>-NN.png), executed notebooks
	// (<name>.ipynb), the server's log and summary.txt go.
	Out string
	// Timeout bounds each notebook, from opening it to its last cell's
	// reply.
	Timeout time.Duration
	// Chromium is the browser's executable; empty: /usr/bin/chromium, else
	// chromium on PATH.
	Chromium string
	// KernelPath is the PATH the server and its kernels run with; empty:
	// $PATH. See KernelPath.
	KernelPath string
	// Env is added to the server's (and so the kernels') environment, e.g.
	// PELAB_QUICK=1.
	Env []string
	// Log receives progress lines; nil: discarded.
	Log io.Writer
}

// Result is one notebook's outcome.
type Result struct {
	Notebook    string        // the file checked
	Duration    time.Duration // from opening it to the end of its checks
	CodeCells   int           // non-empty code cells
	Executed    int           // code cells whose execution the kernel answered "ok"
	Images      int           // images rendered in outputs
	Problems    []string      // what failed ("cell N": the Nth cell, counting from 1); empty when the notebook passed
	Notes       []string      // stderr text and other things worth reading, not failures
	Screenshots []string      // the PNG files written
	Saved       string        // the executed notebook written under Out
}

// OK reports whether the notebook passed.
func (r Result) OK() bool { return len(r.Problems) == 0 }

// Check runs the check on every notebook and returns one result each. The
// error is for a check that could not run at all (no server, no browser);
// failing notebooks are reported in the results.
func Check(ctx context.Context, o Options) ([]Result, error) {
	logw := o.Log
	if logw == nil {
		logw = io.Discard
	}
	logf := func(format string, args ...any) { fmt.Fprintf(logw, "browser-check: "+format+"\n", args...) }
	if len(o.Notebooks) == 0 {
		return nil, errors.New("no notebooks given")
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Minute
	}
	dir := ""
	for _, nb := range o.Notebooks {
		abs, err := filepath.Abs(nb)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, err
		}
		if dir == "" {
			dir = filepath.Dir(abs)
		} else if filepath.Dir(abs) != dir {
			return nil, fmt.Errorf("notebooks must share one folder (the server's): %s is not in %s", nb, dir)
		}
	}
	chromium, err := findChromium(o.Chromium)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	before, err := hashFiles(o.Notebooks)
	if err != nil {
		return nil, err
	}

	srv, err := startServer(ctx, o, dir, logf)
	if err != nil {
		return nil, err
	}
	defer srv.stop(logf)

	allocOpts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		// WebGL in software (SwiftShader through ANGLE), so that 3D views
		// draw without a GPU; without it they show plotly.js's fallback
		// text, which the check fails (viewProblems).
		chromedp.Flag("use-gl", "angle"),
		chromedp.Flag("use-angle", "swiftshader"),
		chromedp.Flag("enable-unsafe-swiftshader", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(viewportWidth, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, allocOpts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		return nil, fmt.Errorf("starting %s: %w", chromium, err)
	}
	logf("server %s (notebook folder %s), browser %s", srv.base, dir, chromium)

	var results []Result
	for _, nb := range o.Notebooks {
		r := checkNotebook(bctx, srv, nb, o, logf)
		srv.deleteSessions() // stop its kernel before the next notebook
		results = append(results, r)
	}

	after, err := hashFiles(o.Notebooks)
	if err != nil {
		return results, err
	}
	for i := range results {
		if before[i] != after[i] {
			results[i].Problems = append(results[i].Problems, "the notebook file changed on disk during the check")
		}
	}
	writeSummary(o.Out, results, logf)
	return results, nil
}

// viewportWidth is the browser window's width in CSS pixels.
const viewportWidth = 1280

// tileHeight is the height of one screenshot: a long notebook is saved as
// several PNGs, top to bottom.
const tileHeight = 3000

// KernelPath returns a PATH for headless kernels: a new folder (under tmp)
// with links to go, goimports and gonb, then $PATH without Go's bin folder.
// GoNB starts gopls when it finds it on PATH; gopls serves only interactive
// completion and slows a headless run about threefold (scripts/nbexec.sh
// does the same).
func KernelPath(tmp string) (string, error) {
	goExe, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	out, err := exec.Command(goExe, "env", "GOBIN", "GOPATH").Output()
	if err != nil {
		return "", fmt.Errorf("go env: %w", err)
	}
	lines := strings.Split(string(out), "\n") // GOBIN, GOPATH; GOBIN may be empty
	bin := strings.TrimSpace(lines[0])
	if bin == "" && len(lines) > 1 {
		bin = filepath.Join(strings.TrimSpace(lines[1]), "bin")
	}
	tools := filepath.Join(tmp, "kernel-bin")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		return "", err
	}
	for name, target := range map[string]string{"go": goExe, "goimports": filepath.Join(bin, "goimports"), "gonb": filepath.Join(bin, "gonb")} {
		if _, err := os.Stat(target); err != nil {
			return "", fmt.Errorf("%s not found (run `make setup`): %w", name, err)
		}
		link := filepath.Join(tools, name)
		_ = os.Remove(link)
		if err := os.Symlink(target, link); err != nil {
			return "", err
		}
	}
	path := tools
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if d != "" && filepath.Clean(d) != filepath.Clean(bin) {
			path += string(os.PathListSeparator) + d
		}
	}
	return path, nil
}

func findChromium(p string) (string, error) {
	if p != "" {
		return exec.LookPath(p)
	}
	for _, c := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(c); err == nil {
			return path, nil
		}
	}
	return "", errors.New("chromium not found: run `make browser-setup` (Debian package chromium)")
}

func hashFiles(paths []string) ([]string, error) {
	var sums []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		s := sha256.Sum256(b)
		sums = append(sums, hex.EncodeToString(s[:]))
	}
	return sums, nil
}

// server is a running `make notebook`.
type server struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:PORT/
	token   string
	done    chan struct{}
	tmp     string
	logFile *os.File
}

// noSaveConfig replaces the server's contents manager by one that refuses
// every save, so that nothing a browser does can write a notebook.
const noSaveConfig = `# Written by pelab's browser check (internal/nbbrowser): no save reaches the disk.
from notebook.services.contents.filemanager import FileContentsManager
from tornado import web


class NoSaveContentsManager(FileContentsManager):
    def save(self, model, path=""):
        raise web.HTTPError(403, "pelab browser check: saving is disabled")


c.NotebookApp.contents_manager_class = NoSaveContentsManager
c.NotebookApp.open_browser = False
`

func startServer(ctx context.Context, o Options, dir string, logf func(string, ...any)) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "pelab-browser-check-")
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(tmp, "jupyter_notebook_config.py")
	if err := os.WriteFile(cfg, []byte(noSaveConfig), 0o644); err != nil {
		return nil, err
	}
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d/", port), token: hex.EncodeToString(tok), done: make(chan struct{}), tmp: tmp}
	flags := []string{"--no-browser", "--ip=127.0.0.1", fmt.Sprintf("--port=%d", port), "--port-retries=0",
		"--NotebookApp.token=" + s.token, "--config=" + cfg}
	if os.Getuid() == 0 {
		flags = append(flags, "--allow-root")
	}
	args := []string{"-C", o.Root, "--no-print-directory", "notebook", "NOTEBOOK_DIR=" + dir, "NOTEBOOK_FLAGS=" + strings.Join(flags, " ")}
	kpath := o.KernelPath
	if kpath == "" {
		kpath = os.Getenv("PATH")
	}
	args = append(args, "NOTEBOOK_PATH="+kpath)
	s.cmd = exec.Command("make", args...)
	s.cmd.Env = append(append(os.Environ(), o.Env...), "JUPYTER_TOKEN="+s.token)
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // one group: make, jupyter, kernels
	if s.logFile, err = os.Create(filepath.Join(o.Out, "server.log")); err != nil {
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = s.logFile, s.logFile
	logf("starting make notebook on port %d (log: %s)", port, s.logFile.Name())
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("make notebook: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(3 * time.Minute) // make setup runs first
	for {
		select {
		case <-s.done:
			s.stop(logf)
			return nil, fmt.Errorf("make notebook exited before serving (see %s)", s.logFile.Name())
		case <-ctx.Done():
			s.stop(logf)
			return nil, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		resp, err := http.Get(s.base + "api/status?token=" + s.token)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop(logf)
			return nil, fmt.Errorf("the Jupyter server did not answer on %s within 3 minutes (see %s)", s.base, s.logFile.Name())
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *server) api(method, path string) (*http.Response, error) {
	req, err := http.NewRequest(method, s.base+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "token "+s.token)
	return (&http.Client{Timeout: 20 * time.Second}).Do(req)
}

// deleteSessions shuts down every kernel the server runs.
func (s *server) deleteSessions() {
	resp, err := s.api("GET", "api/sessions")
	if err != nil {
		return
	}
	var sessions []struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&sessions)
	resp.Body.Close()
	for _, ss := range sessions {
		if r, err := s.api("DELETE", "api/sessions/"+url.PathEscape(ss.ID)); err == nil {
			r.Body.Close()
		}
	}
}

// stop asks the server to shut down (which stops its kernels), then
// terminates what is left of the process group.
func (s *server) stop(logf func(string, ...any)) {
	defer os.RemoveAll(s.tmp)
	defer s.logFile.Close()
	select {
	case <-s.done:
		return
	default:
	}
	if r, err := s.api("POST", "api/shutdown"); err == nil {
		r.Body.Close()
	}
	pgid := s.cmd.Process.Pid
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{0, 15 * time.Second}, {syscall.SIGTERM, 10 * time.Second}, {syscall.SIGKILL, 5 * time.Second}} {
		if step.sig != 0 {
			_ = syscall.Kill(-pgid, step.sig)
		}
		select {
		case <-s.done:
			_ = syscall.Kill(-pgid, syscall.SIGKILL) // any kernel left behind in the group
			logf("server stopped")
			return
		case <-time.After(step.wait):
		}
	}
	logf("the server (process group %d) did not exit", pgid)
}

// jsReady is true once the notebook is loaded and its kernel connected, a
// string saying what is missing before.
const jsReady = `(() => {
	const J = window.Jupyter;
	if (!J || !J.notebook || !J.notebook._fully_loaded) return "the notebook is loading";
	const k = J.notebook.kernel;
	if (!k || !k.is_connected()) return "the kernel is not connected";
	return "";
})()`

// jsRunAll turns saving off, hooks every code cell's execute reply and
// kernel trouble, and runs all cells (as Cell > Run All does).
const jsRunAll = `(() => {
	const nb = Jupyter.notebook;
	nb.set_autosave_interval(0);
	nb.save_notebook = function () { return Promise.resolve(); };
	nb.save_checkpoint = function () {};
	const st = {replies: {}, kernelEvents: [], jsErrors: []};
	window.__pelab = st;
	// Errors of the outputs' scripts (an interactive view that fails to draw).
	window.addEventListener("error", (e) => st.jsErrors.push(String(e.message || e.error || "error")));
	window.addEventListener("unhandledrejection", (e) => st.jsErrors.push("unhandled rejection: " + String((e.reason && e.reason.message) || e.reason)));
	nb.events.on("kernel_restarting.Kernel kernel_dead.Kernel kernel_autorestarting.Kernel kernel_killed.Kernel", (e) => st.kernelEvents.push(e.type));
	nb.get_cells().forEach((c, i) => {
		if (c.cell_type !== "code") return;
		const orig = c._handle_execute_reply;
		c._handle_execute_reply = function (msg) {
			const m = msg.content || {};
			st.replies[i] = {Status: m.status || "", Ename: m.ename || "", Evalue: String(m.evalue || "")};
			return orig.call(this, msg);
		};
	});
	nb.execute_all_cells();
	return true;
})()`

// progress is what jsProgress returns.
type progress struct {
	Want, Got    int
	Busy         bool
	Running      int
	KernelEvents []string
}

const jsProgress = `(() => {
	const st = window.__pelab;
	let want = 0, got = 0;
	Jupyter.notebook.get_cells().forEach((c, i) => {
		if (c.cell_type !== "code" || c.get_text().trim().length === 0) return;
		want++;
		if (st.replies[i]) got++;
	});
	return {Want: want, Got: got, Busy: !!Jupyter.notebook.kernel_busy,
		Running: document.querySelectorAll(".cell.running").length, KernelEvents: st.kernelEvents};
})()`

// jsImagesPending counts output images still loading.
const jsImagesPending = `Array.from(document.querySelectorAll(".output_area img")).filter(im => !im.complete).length`

// plotlyPlaceholder starts the text of an interactive view (package
// pelib/plots/interactive) that its script has not drawn yet.
const plotlyPlaceholder = "Interactive view (plotly.js)"

// jsPlotsPending counts interactive views still waiting for plotly.js
// (their script polls for up to 20 s, then says it gave up).
const jsPlotsPending = `Array.from(document.querySelectorAll(".output_area .pelab-plotly")).filter(d => !d.classList.contains("js-plotly-plot") && (d.textContent || "").trim().startsWith(` + "\"" + plotlyPlaceholder + "\"" + `)).length`

// jsErrors returns the page's script errors since Run All.
const jsErrors = `(window.__pelab && window.__pelab.jsErrors) || []`

// cellState is one code cell as the page holds it after the run.
type cellState struct {
	Index  int
	Text   string
	Reply  *struct{ Status, Ename, Evalue string }
	Output []struct {
		Type, Name, Text, Ename, Evalue, HTML string
		Mimes                                 []string
	}
	Imgs  []imgState
	Svgs  int // SVG elements outside interactive views
	Plots []plotState
}

// imgState is one <img> of a cell's output.
type imgState struct {
	OK   bool // loaded, with a width
	W, H int
	// Blank: fewer than 1 pixel in 500 differs from the image's corner
	// (the image could be read back; a blank figure draws nothing).
	Blank bool
}

// plotState is one interactive view (a div of class pelab-plotly) in a
// cell's output.
type plotState struct {
	Drawn bool   // plotly.js drew it (the div became a plot with its SVG layer)
	Text  string // its text: the placeholder or the give-up message when not drawn
	// Scenes counts its 3D scenes; GL those whose WebGL plot exists and
	// whose canvas has a size (with WebGL off, plotly.js shows a message
	// in its place and still builds the SVG layer).
	Scenes, GL int
	// Marks counts the drawn data elements of its 2D plots (points,
	// lines, heatmap images).
	Marks int
	// Covered holds the axis labels (tick labels, axis titles) the legend
	// box overlaps, as the page laid them out.
	Covered []string
}

// viewProblems says what a reader would miss in an interactive view: it
// was not drawn, a 3D scene has no WebGL plot (the fallback text instead),
// a 2D view drew no data, or its legend covers axis labels. where names
// the view; scriptErrors are the page's script errors, for a view that
// was not drawn.
func viewProblems(where string, pl plotState, scriptErrors []string) []string {
	switch {
	case !pl.Drawn:
		msg := clip(pl.Text, 300)
		if msg == "" {
			msg = "its script stopped"
		}
		if len(scriptErrors) > 0 {
			msg += "; script errors: " + clip(strings.Join(scriptErrors, " | "), 300)
		}
		return []string{fmt.Sprintf("%s was not drawn: %s", where, msg)}
	case strings.Contains(pl.Text, "WebGL is not supported") || pl.GL < pl.Scenes:
		return []string{fmt.Sprintf("%s (3D) could not draw: %d of %d scenes have a WebGL plot (the browser shows its fallback text)", where, pl.GL, pl.Scenes)}
	case pl.Scenes == 0 && pl.Marks == 0:
		return []string{fmt.Sprintf("%s is blank: no point, line or heatmap was drawn", where)}
	case len(pl.Covered) > 0:
		return []string{fmt.Sprintf("%s: its legend covers axis labels %q", where, pl.Covered)}
	}
	return nil
}

const jsCells = `(() => {
	const st = window.__pelab;
	// blank: whether fewer than 1 pixel in 500 of an image differs from its
	// top-left corner (false when it cannot be read back).
	const blank = (im) => {
		try {
			if (!im.complete || !im.naturalWidth) return false;
			const w = Math.min(im.naturalWidth, 600), h = Math.max(1, Math.round(im.naturalHeight * w / im.naturalWidth));
			const c = document.createElement("canvas");
			c.width = w; c.height = h;
			const x = c.getContext("2d");
			x.drawImage(im, 0, 0, w, h);
			const px = x.getImageData(0, 0, w, h).data;
			let n = 0;
			for (let i = 0; i < px.length; i += 4) {
				if (Math.abs(px[i] - px[0]) > 24 || Math.abs(px[i+1] - px[1]) > 24 || Math.abs(px[i+2] - px[2]) > 24) n++;
			}
			return n < w * h / 500;
		} catch (e) { return false; }
	};
	const str = (x) => Array.isArray(x) ? x.join("") : (x || "");
	return Jupyter.notebook.get_cells().map((c, i) => {
		if (c.cell_type !== "code") return null;
		const el = c.output_area.element[0];
		return {
			Index: i, Text: c.get_text(), Reply: st.replies[i] || null,
			Output: c.output_area.outputs.map(o => ({
				Type: o.output_type || "", Name: o.name || "", Text: str(o.text).slice(0, 8000),
				Ename: o.ename || "", Evalue: str(o.evalue).slice(0, 2000),
				HTML: str((o.data || {})["text/html"]).slice(0, 20000), Mimes: Object.keys(o.data || {})})),
			Imgs: Array.from(el.querySelectorAll("img")).map(im => ({OK: im.complete && im.naturalWidth > 0, W: im.naturalWidth, H: im.naturalHeight, Blank: blank(im)})),
			Svgs: Array.from(el.querySelectorAll("svg")).filter(s => !s.closest(".pelab-plotly")).length,
			Plots: Array.from(el.querySelectorAll(".pelab-plotly")).map(d => {
				const fl = d._fullLayout || {};
				const scenes = Object.keys(fl).filter(k => /^scene\d*$/.test(k));
				const canvases = Array.from(d.querySelectorAll(".gl-container canvas")).filter(c => c.width > 0 && c.height > 0);
				const leg = d.querySelector(".legend .bg") || d.querySelector(".legend");
				const lr = leg ? leg.getBoundingClientRect() : null;
				const hit = (b) => lr && lr.width > 0 && b.width > 0 && lr.left < b.right && b.left < lr.right && lr.top < b.bottom && b.top < lr.bottom;
				const labels = Array.from(d.querySelectorAll(".xtick text, .ytick text, .g-xtitle text, .g-ytitle text"));
				return {
					Drawn: d.classList.contains("js-plotly-plot") && !!d.querySelector(".main-svg"),
					Text: (d.textContent || "").trim().slice(0, 2000),
					Scenes: scenes.length,
					GL: canvases.length > 0 ? scenes.filter(k => fl[k]._scene && fl[k]._scene.glplot).length : 0,
					Marks: d.querySelectorAll(".scatterlayer .point, .scatterlayer path.js-line, .heatmaplayer image, .barlayer .point").length,
					Covered: labels.filter(t => hit(t.getBoundingClientRect())).map(t => t.textContent).slice(0, 5),
				};
			}),
		};
	}).filter(c => c !== null);
})()`

// jsUnfix lets the page grow to its content, so that a full-page screenshot
// holds the whole notebook (the classic UI scrolls inside #site).
const jsUnfix = `(() => {
	const s = document.createElement("style");
	s.textContent = "html, body { height: auto !important; overflow: visible !important; }" +
		" #site { height: auto !important; overflow: visible !important; position: static !important; }" +
		" #header { position: static !important; }" +
		" .output_scroll { height: auto !important; max-height: none !important; overflow: visible !important; box-shadow: none !important; }";
	document.head.appendChild(s);
	Jupyter.notebook.get_cells().forEach(c => { if (c.output_area && c.output_area.unscroll_area) c.output_area.unscroll_area(); });
	return Math.ceil(Math.max(document.documentElement.scrollHeight, document.body.scrollHeight));
})()`

// stderrFailure matches stderr text that fails a notebook.
var stderrFailure = regexp.MustCompile(`panic:|fatal error:|Traceback \(most recent call last\)|goroutine \d+ \[`)

func checkNotebook(bctx context.Context, srv *server, nb string, o Options, logf func(string, ...any)) (r Result) {
	name := strings.TrimSuffix(filepath.Base(nb), ".ipynb")
	r.Notebook = nb
	start := time.Now()
	defer func() {
		r.Duration = time.Since(start)
		status := "ok"
		if !r.OK() {
			status = fmt.Sprintf("FAILED (%d problems)", len(r.Problems))
		}
		logf("%s: %s in %v", name, status, r.Duration.Round(time.Second))
	}()
	fail := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }

	// Screenshots of an earlier check of this notebook would mislead.
	old, _ := filepath.Glob(filepath.Join(o.Out, name+"-*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	tctx, cancelTab := chromedp.NewContext(bctx)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(tctx, o.Timeout)
	defer cancel()

	u := srv.base + "notebooks/" + url.PathEscape(filepath.Base(nb)) + "?token=" + srv.token
	logf("%s: opening %s", name, strings.Replace(u, srv.token, "…", 1))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, 1000), chromedp.Navigate(u)); err != nil {
		fail("opening the notebook: %v", err)
		return r
	}
	rctx, rcancel := context.WithTimeout(ctx, min(o.Timeout, 3*time.Minute)) // a kernel that cannot start fails fast
	msg := poll(rctx, jsReady)
	rcancel()
	if msg != "" {
		fail("the notebook never became ready: %s", msg)
		r.Screenshots = screenshot(tctx, o.Out, name, logf)
		return r
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](jsRunAll)); err != nil {
		fail("Run All: %v", err)
		return r
	}
	logf("%s: Run All", name)

	var p progress
	last := -1
	for {
		var err error
		if p, err = chromedp.Run(ctx, chromedp.Evaluate[progress](jsProgress)); err != nil {
			if ctx.Err() != nil {
				fail("timed out after %v: %d of %d code cells answered", o.Timeout, p.Got, p.Want)
			} else {
				fail("reading progress: %v", err)
			}
			break
		}
		if p.Got != last {
			logf("%s: %d/%d cells done (%v)", name, p.Got, p.Want, time.Since(start).Round(time.Second))
			last = p.Got
		}
		if len(p.KernelEvents) > 0 {
			fail("the kernel died or restarted (%s) after %d of %d cells", strings.Join(p.KernelEvents, ", "), p.Got, p.Want)
			break
		}
		if p.Got == p.Want && !p.Busy && p.Running == 0 {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	// Late outputs (iopub after the reply) and images still decoding.
	time.Sleep(time.Second)
	for i := 0; i < 20; i++ {
		if pending, err := chromedp.Run(tctx, chromedp.Evaluate[int](jsImagesPending)); err != nil || pending == 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Interactive views still waiting for plotly.js: their scripts give up
	// after 20 s.
	for i := 0; i < 50; i++ {
		if pending, err := chromedp.Run(tctx, chromedp.Evaluate[int](jsPlotsPending)); err != nil || pending == 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	scriptErrors, _ := chromedp.Run(tctx, chromedp.Evaluate[[]string](jsErrors))
	for _, e := range scriptErrors {
		r.Notes = append(r.Notes, "script error: "+clip(e, 300))
	}

	cells, err := chromedp.Run(tctx, chromedp.Evaluate[[]cellState](jsCells))
	if err != nil {
		fail("reading the cells: %v", err)
	}
	texts := make([]string, len(cells))
	for i, c := range cells {
		texts[i] = c.Text
	}
	expect := ExpectImages(texts)
	for i, c := range cells {
		if strings.TrimSpace(c.Text) == "" {
			continue
		}
		r.CodeCells++
		where := fmt.Sprintf("cell %d (%s)", c.Index+1, cellLabel(c.Text))
		switch {
		case c.Reply == nil:
			fail("%s: not executed", where)
		case c.Reply.Status == "ok":
			r.Executed++
		case c.Reply.Status == "aborted":
			fail("%s: not executed (aborted after an earlier error)", where)
		case !hasErrorOutput(c):
			fail("%s: execution %s: %s %s", where, c.Reply.Status, c.Reply.Ename, clip(c.Reply.Evalue, 300))
		}
		images := c.Svgs
		for k, im := range c.Imgs {
			switch {
			case !im.OK:
				fail("%s: an image did not render (broken <img>)", where)
			case im.Blank:
				fail("%s: image %d (%d×%d) is blank: one colour", where, k+1, im.W, im.H)
			default:
				images++
			}
		}
		for k, pl := range c.Plots {
			ps := viewProblems(fmt.Sprintf("%s: interactive view %d", where, k+1), pl, scriptErrors)
			for _, p := range ps {
				fail("%s", p)
			}
			if len(ps) == 0 {
				images++
			}
		}
		r.Images += images
		for _, out := range c.Output {
			switch {
			case out.Type == "error":
				fail("%s: error output %s: %s", where, out.Ename, clip(out.Evalue, 300))
			case out.Name == "stderr" && stderrFailure.MatchString(out.Text):
				fail("%s: stderr: %s", where, clip(out.Text, 600))
			case out.Name == "stderr" && strings.TrimSpace(out.Text) != "":
				r.Notes = append(r.Notes, fmt.Sprintf("%s: stderr: %s", where, clip(out.Text, 300)))
			case strings.Contains(out.HTML, "gonb-err-"):
				fail("%s: GoNB error: %s", where, clip(stripTags(out.HTML), 600))
			}
			for _, m := range out.Mimes {
				if strings.HasPrefix(m, "image/") && len(c.Imgs)+c.Svgs == 0 {
					fail("%s: an %s output is not on the page", where, m)
				}
			}
		}
		if expect[i] && images == 0 && c.Reply != nil && c.Reply.Status == "ok" {
			fail("%s: shows no image, but its code displays one", where)
		}
	}

	r.Screenshots = screenshot(tctx, o.Out, name, logf)
	if doc, err := chromedp.Run(tctx, chromedp.Evaluate[string](`JSON.stringify(Jupyter.notebook.toJSON(), null, 1)`)); err != nil {
		fail("reading the executed notebook: %v", err)
	} else {
		r.Saved = filepath.Join(o.Out, name+".ipynb")
		if err := os.WriteFile(r.Saved, []byte(doc+"\n"), 0o644); err != nil {
			fail("saving the executed notebook: %v", err)
		}
	}
	return r
}

// poll evaluates js (a string expression, empty when done) every 300 ms
// until it is empty or ctx ends; it returns the last non-empty value.
func poll(ctx context.Context, js string) string {
	msg := "not evaluated"
	for {
		if s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js)); err == nil {
			if s == "" {
				return ""
			}
			msg = s
		}
		select {
		case <-ctx.Done():
			return msg
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// screenshot saves the whole page as PNG tiles of at most tileHeight pixels.
func screenshot(ctx context.Context, out, name string, logf func(string, ...any)) []string {
	height, err := chromedp.Run(ctx, chromedp.Evaluate[int](jsUnfix))
	if err != nil || height <= 0 {
		logf("%s: measuring the page: %v", name, err)
		height = 1000
	}
	var files []string
	for y, n := 0, 1; y < height; y, n = y+tileHeight, n+1 {
		h := min(tileHeight, height-y)
		yes := true
		shot, err := chromedp.Run(ctx, chromedp.Action[page.CaptureScreenshotResult](func(ctx context.Context, t *chromedp.Target) (page.CaptureScreenshotResult, error) {
			return cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
				Format:                page.CaptureScreenshotFormatPng,
				CaptureBeyondViewport: &yes,
				Clip:                  &page.Viewport{X: 0, Y: float64(y), Width: viewportWidth, Height: float64(h), Scale: 1},
			})
		}))
		png := shot.Data
		if err != nil {
			logf("%s: screenshot at y=%d: %v", name, y, err)
			break
		}
		f := filepath.Join(out, fmt.Sprintf("%s-%02d.png", name, n))
		if err := os.WriteFile(f, png, 0o644); err != nil {
			logf("%s: %v", name, err)
			break
		}
		files = append(files, f)
	}
	return files
}

func writeSummary(out string, results []Result, logf func(string, ...any)) {
	var b strings.Builder
	for _, r := range results {
		status := "ok"
		if !r.OK() {
			status = "FAILED"
		}
		fmt.Fprintf(&b, "%s: %s — %d/%d code cells ran, %d images, %v, %d screenshots, executed copy %s\n",
			r.Notebook, status, r.Executed, r.CodeCells, r.Images, r.Duration.Round(time.Second), len(r.Screenshots), r.Saved)
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  problem: %s\n", p)
		}
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  note: %s\n", n)
		}
	}
	if err := os.WriteFile(filepath.Join(out, "summary.txt"), []byte(b.String()), 0o644); err != nil {
		logf("writing the summary: %v", err)
	}
}

// cellLabel is a cell's first line of code, skipping GoNB's %% line and
// special commands.
func cellLabel(s string) string {
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "%") {
			return clip(l, 80)
		}
	}
	return firstLine(s)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return clip(s, 100)
}

// clip returns s on one line, without terminal escapes, cut at n bytes.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(ansiRE.ReplaceAllString(s, "")), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

var (
	ansiRE  = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")
	styleRE = regexp.MustCompile(`(?is)<style.*?</style>`)
	tagRE   = regexp.MustCompile(`<[^>]*>`)
)

// stripTags returns the text of an HTML fragment, without its style sheets.
func stripTags(s string) string {
	s = tagRE.ReplaceAllString(styleRE.ReplaceAllString(s, " "), " ")
	return html.UnescapeString(strings.Join(strings.Fields(s), " "))
}

func hasErrorOutput(c cellState) bool {
	for _, o := range c.Output {
		if o.Type == "error" {
			return true
		}
	}
	return false
}
