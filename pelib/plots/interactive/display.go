package interactive

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/pelab/pelab/internal/atomicfile"
)

// The notebook side, replaced by tests.
var (
	inNotebook  = func() bool { return gonbui.IsNotebook }
	displayHTML = func(h string) {
		gonbui.DisplayHTML(h)
		// Wait until GoNB has taken the output: a cell's process that exits
		// while GoNB still forwards a large output (the bundle) can lose
		// the outputs queued behind it (seen with GoNB v0.11.4: the second
		// of two views in a cell went missing).
		gonbui.Sync()
	}
)

// Display shows the figure as the output of the running GoNB cell. The
// first view of a kernel carries plotly.js itself (about 4.8 MB, inlined:
// no network is needed); later views reuse window.Plotly. GoNB runs every
// cell as a new process, so "first" is remembered in a file in the
// kernel's temporary folder ($GONB_TMP_DIR), which a kernel restart
// replaces. After reloading the page in the browser (the kernel still
// running) call SendBundle once, or restart the kernel. Outside a notebook
// Display only checks the figure.
func (f *Figure) Display() error {
	frag, err := fragment(f)
	if err != nil {
		return err
	}
	if !inNotebook() {
		return nil
	}
	marker := sentMarker()
	if marker != "" {
		if _, err := os.Stat(marker); err == nil {
			displayHTML(frag)
			return nil
		}
	}
	js, err := bundleJS()
	if err != nil {
		return err
	}
	displayHTML(bundleScript(js) + frag)
	markSent(marker)
	return nil
}

// Show displays the figure in a GoNB cell and panics on an error (from
// the view's constructor or from Display): a notebook cell's one-line
// call, e.g. interactive.Show(interactive.Heatmap(m, opt)).
func Show(f *Figure, err error) {
	if err == nil {
		err = f.Display()
	}
	if err != nil {
		panic(err)
	}
}

// SendBundle sends plotly.js to the notebook page again (for a page
// reloaded while its kernel kept running: the views drawn after it work
// again) and remembers that it was sent.
func SendBundle() error {
	if !inNotebook() {
		return nil
	}
	js, err := bundleJS()
	if err != nil {
		return err
	}
	displayHTML(bundleScript(js) + fmt.Sprintf(`<p style="color:#666;font:12px sans-serif">plotly.js %s loaded for this page's interactive views.</p>`, PlotlyVersion))
	markSent(sentMarker())
	return nil
}

// sentMarker is the file whose presence says that this kernel has sent
// the bundle at the current BundlePath ("" without $GONB_TMP_DIR: then
// every view carries the bundle).
func sentMarker() string {
	dir := os.Getenv("GONB_TMP_DIR")
	if dir == "" {
		return ""
	}
	p, err := BundlePath()
	if err != nil {
		return ""
	}
	sum := sha256.Sum256([]byte(p))
	return filepath.Join(dir, "pelab-plotly-sent-"+hex.EncodeToString(sum[:6]))
}

func markSent(marker string) {
	if marker != "" {
		_ = os.WriteFile(marker, nil, 0o600) // failing only costs resending the bundle
	}
}

// Page returns a self-contained HTML page of the figures: plotly.js is
// inlined once in its head, so the page opens offline, from a file.
func Page(title string, figs ...*Figure) ([]byte, error) {
	if len(figs) == 0 {
		return nil, fmt.Errorf("interactive: Page %q: no figures", title)
	}
	frags := make([]string, len(figs))
	for i, f := range figs {
		frag, err := fragment(f)
		if err != nil {
			return nil, fmt.Errorf("interactive: Page %q: figure %d: %w", title, i, err)
		}
		frags[i] = frag
	}
	js, err := bundleJS()
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.Grow(len(js) + 4096)
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n", html.EscapeString(title))
	b.WriteString(bundleScript(js))
	b.WriteString("\n</head>\n<body style=\"font-family:sans-serif;margin:16px\">\n")
	if title != "" {
		fmt.Fprintf(&b, "<h1 style=\"font-size:20px\">%s</h1>\n", html.EscapeString(title))
	}
	for _, f := range frags {
		b.WriteString(f)
		b.WriteString("\n")
	}
	b.WriteString("</body>\n</html>\n")
	return []byte(b.String()), nil
}

// WriteHTML writes Page(title, figs...) to path atomically (for a report
// or an out/ folder; open it in any browser, offline).
func WriteHTML(path, title string, figs ...*Figure) error {
	page, err := Page(title, figs...)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, page); err != nil {
		return fmt.Errorf("interactive: %w", err)
	}
	return nil
}

// bundleMarker starts every inlined copy of plotly.js (tests count it).
const bundleMarker = "/* pelab: plotly.js bundle */"

// bundleScript wraps the bundle in a <script> element. It runs inside a
// function whose define, module and exports are undefined, so that the
// bundle sets window.Plotly even on a page with RequireJS (the classic
// Notebook's) or a CommonJS-like global.
func bundleScript(js string) string {
	return "<script type=\"text/javascript\">" + bundleMarker + "\n(function (define, module, exports) {\n" + js + "\n}).call(window);\n</script>\n"
}

// fragment returns the <div> and <script> that draw f with window.Plotly
// once both the div is in the page and plotly.js is loaded (polling for
// 20 s: JupyterLab may render outputs out of order). Until then the div
// says what it needs.
func fragment(f *Figure) (string, error) {
	js, err := f.JSON()
	if err != nil {
		return "", err
	}
	id, err := newID()
	if err != nil {
		return "", err
	}
	h := f.Layout.Height
	if h <= 0 {
		h = defaultHeight
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<div id="%s" class="pelab-plotly" style="width:100%%;min-height:%dpx">`, id, h)
	b.WriteString(`<p style="color:#666;font:13px sans-serif">Interactive view (plotly.js): it is drawn by this output's JavaScript, which runs in a trusted notebook once the kernel's first interactive view has loaded plotly.js. If it stays blank, re-run the cell.</p></div>`)
	fmt.Fprintf(&b, `<script type="text/javascript">
(function () {
	var id = %q, fig = %s;
	var s = document.currentScript;
	var find = function () {
		var p = s && s.previousElementSibling;
		if (p && p.id === id) return p;
		return document.getElementById(id);
	};
	var draw = function () {
		var el = find();
		if (!el || !el.isConnected || !window.Plotly) return false;
		el.textContent = "";
		window.Plotly.newPlot(el, fig.data, fig.layout, fig.config);
		return true;
	};
	if (draw()) return;
	var n = 0, t = setInterval(function () {
		if (draw()) { clearInterval(t); return; }
		if (++n >= 200) {
			clearInterval(t);
			var el = find();
			if (el) el.textContent = "plotly.js is not loaded in this page: it comes with the first interactive view of a kernel. After reloading the page, run interactive.SendBundle() in a cell (or restart the kernel), then re-run this cell.";
		}
	}, 100);
})();
</script>`, id, js)
	return b.String(), nil
}

// defaultHeight is a view's height in pixels when its layout has none.
const defaultHeight = 520

func newID() (string, error) {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("interactive: %w", err)
	}
	return "pelab-plotly-" + hex.EncodeToString(r[:]), nil
}
