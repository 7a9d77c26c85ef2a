// Package notebook holds what pelab's notebooks share, so that their cells
// hold only science calls: a Session (the notebook's backend, folders and
// display), one error idiom (Must and Check), and the showing of committed
// results beside the live ones.
//
// A GoNB notebook runs every cell as a new process, with the declarations of
// all earlier cells compiled in; a cell's variables do not survive it. A
// notebook therefore declares its session once, at the top level of its
// settings cell,
//
//	var nb = notebook.New("03_fmri")
//
// and every later cell uses nb: nb.Backend() is chosen on first use and once
// per cell (xla.Choose: $PELAB_BACKEND, else the best installed), nb.Data finds
// a data set wherever the kernel was started, nb.Store opens a results store
// under the notebook's persistent output folder, nb.Train runs a sweep with
// progress from its first line and an interrupt that checkpoints, and
// nb.Show, nb.Markdown and nb.ShowResults display.
//
// # Folders
//
// The checkout (Session.Root) is $PELAB_ROOT, else the directory of this
// package's source (a notebook compiles pelab from its checkout through a Go
// workspace), else the first pelab module above the working directory or
// $GONB_DIR. The output folder (Session.Out) is $PELAB_NOTEBOOK_OUT/<name>
// (a relative $PELAB_NOTEBOOK_OUT is taken from the checkout, as make run
// gives it), else <root>/out/notebooks/<name>: never GoNB's temporary folder, which is
// deleted with the kernel, and never wiped — a training cell run again skips
// the models already recorded and resumes an interrupted group from its
// checkpoint. A data set <name> is looked for in $PELAB_SHARED/data/<name>,
// <root>/../shared/data/<name> and pelab's download cache (fetch.DefaultDir),
// none of which depends on the working directory.
//
// # Errors
//
// Library calls return errors; a cell passes them through Must (a value and
// an error) or Check (an error alone), which stop the cell with the error and
// the cell line that failed. Session methods stop the cell themselves: they
// are for notebooks only, and a cell has nothing better to do with an error
// than to show it. An interrupted training cell (Jupyter's stop button) stops
// with an *Interrupted error after its checkpoint is saved; running the cell
// again resumes.
//
// # Quick mode
//
// PELAB_QUICK=1 (the notebook tests, make run) asks each notebook for a run of
// seconds to a few minutes that exercises every cell; Session.Quick reports
// it and Session.Mode names the results folder of the mode, so that quick and
// full records never mix in one report.
package notebook

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/janpfeifer/gonb/gonbui"

	"github.com/pelab/pelab/pelib/fetch"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"github.com/pelab/pelab/pelib/train"
	"github.com/pelab/pelab/xla"
)

// Environment variables a Session reads.
const (
	// EnvQuick set to 1 selects quick mode.
	EnvQuick = "PELAB_QUICK"
	// EnvOut is the folder under which each notebook gets its output folder.
	EnvOut = "PELAB_NOTEBOOK_OUT"
	// EnvRoot names the pelab checkout, overriding the search.
	EnvRoot = "PELAB_ROOT"
	// EnvShared is the shared folder holding data/ (as internal/shared).
	EnvShared = "PELAB_SHARED"
	// EnvResults lists further results folders to show beside the committed
	// ones (separated by the OS's path-list separator, ":" on Linux).
	EnvResults = "PELAB_RESULTS"
	// envGoNBDir is the folder GoNB's kernel was started in.
	envGoNBDir = "GONB_DIR"
)

// modulePath is pelab's module, looked for in go.mod files.
const modulePath = "github.com/pelab/pelab"

// Display shows cell output. The default sends it to the GoNB front end
// (nothing outside a notebook); tests record it.
type Display interface {
	HTML(html string)
	Markdown(md string)
	PNG(png []byte)
}

// gonbDisplay sends each output to GoNB and waits until GoNB has taken it
// (gonbui.Sync): a cell's process that exits while GoNB still forwards
// earlier, large outputs can lose the ones queued behind them (seen with
// GoNB v0.11.4: notebook 03's six brain maps after the committed report's
// figures, shown in one run and missing in the next).
type gonbDisplay struct{}

func (gonbDisplay) HTML(h string)     { gonbui.DisplayHTML(h); gonbui.Sync() }
func (gonbDisplay) Markdown(m string) { gonbui.DisplayMarkdown(m); gonbui.Sync() }
func (gonbDisplay) PNG(p []byte)      { gonbui.DisplayPNG(p); gonbui.Sync() }

// Session is one notebook's workspace for the cell that runs.
type Session struct {
	// Name is the notebook's name, e.g. "03_fmri": its output folder's name.
	Name string
	// Quick is true in quick mode ($PELAB_QUICK=1).
	Quick bool
	// Root is the pelab checkout ("" when none was found; Out is then under
	// $PELAB_NOTEBOOK_OUT).
	Root string
	// Out is the notebook's persistent output folder (created by Open).
	Out string
	// Log receives progress lines and training bars (default os.Stdout).
	Log io.Writer
	// Display shows HTML, Markdown and figures (default: GoNB's).
	Display Display

	getenv  func(string) string
	started time.Time
	choice  *xla.Choice
	ctx     context.Context
	stop    context.CancelFunc
}

// Open returns the session of notebook name (see the package doc for where
// its folders are); it creates the output folder and starts nothing else.
func Open(name string) (*Session, error) {
	return open(name, os.Getenv, sourceDir(), workingDir())
}

// New is Open for a notebook's top-level declaration: it stops the cell on
// an error (see Must).
func New(name string) *Session {
	s, err := Open(name)
	Check(err)
	return s
}

func open(name string, getenv func(string) string, src, cwd string) (*Session, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return nil, fmt.Errorf("notebook: name %q: want a plain folder name such as \"03_fmri\"", name)
	}
	s := &Session{Name: name, Quick: getenv(EnvQuick) == "1", Log: os.Stdout, Display: gonbDisplay{},
		getenv: getenv, started: time.Now()}
	root, err := findRoot(getenv, src, cwd)
	if err != nil {
		return nil, err
	}
	s.Root = root
	if s.Quick {
		plots.OmitReferences = true // no paper curve beside a smoke run
	}
	switch out := getenv(EnvOut); {
	case out != "" && !filepath.IsAbs(out) && root != "":
		// make run passes out/notebooks: relative to the checkout, not to
		// the kernel's folder (notebooks/).
		s.Out = filepath.Join(root, out, name)
	case out != "":
		s.Out = filepath.Join(out, name)
	case root != "":
		s.Out = filepath.Join(root, "out", "notebooks", name)
	default:
		return nil, fmt.Errorf("notebook: no pelab checkout found (set $%s to it) and $%s is unset: nowhere to keep %s's results", EnvRoot, EnvOut, name)
	}
	if err := os.MkdirAll(s.Out, 0o755); err != nil {
		return nil, fmt.Errorf("notebook: output folder: %w", err)
	}
	return s, nil
}

// sourceDir is the folder of this file as compiled (the checkout's
// pelib/notebook when a notebook builds pelab through a workspace; "" when
// built with -trimpath).
func sourceDir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return ""
	}
	return filepath.Dir(file)
}

func workingDir() string {
	d, _ := os.Getwd()
	return d
}

// findRoot returns the pelab checkout: $PELAB_ROOT (which must hold pelab's
// go.mod), else the first pelab module at or above src, cwd or $GONB_DIR;
// "" when there is none.
func findRoot(getenv func(string) string, src, cwd string) (string, error) {
	if r := getenv(EnvRoot); r != "" {
		if !isPelabModule(r) {
			return "", fmt.Errorf("notebook: $%s=%s holds no go.mod of module %s", EnvRoot, r, modulePath)
		}
		return filepath.Clean(r), nil
	}
	for _, start := range []string{src, cwd, getenv(envGoNBDir)} {
		if r := moduleAbove(start); r != "" {
			return r, nil
		}
	}
	return "", nil
}

// moduleAbove walks up from dir to the first folder whose go.mod declares
// pelab's module; "" if none.
func moduleAbove(dir string) string {
	if dir == "" {
		return ""
	}
	dir = filepath.Clean(dir)
	for {
		if isPelabModule(dir) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func isPelabModule(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" && f[1] == modulePath {
			return true
		}
	}
	return false
}

// Mode names the results folder of the current mode: "full", or in quick
// mode "quick-<backend kind>" (quick runs are cut to the backend's speed, so
// their records differ by backend).
func (s *Session) Mode() string {
	if !s.Quick {
		return "full"
	}
	return "quick-" + s.Kind()
}

// Kind is the backend's kind, "go", "onnx" or "xla": the requested one
// ($PELAB_BACKEND, $GOMLX_BACKEND) without starting it, else the chosen one.
func (s *Session) Kind() string {
	if s.choice == nil {
		for _, v := range []string{xla.EnvBackend, xla.EnvGoMLXBackend} {
			if req := strings.TrimSpace(s.getenv(v)); req != "" {
				k, _, _ := strings.Cut(strings.ToLower(req), ":")
				switch k {
				case "onnxruntime":
					k = xla.KindONNX
				case "stablehlo", "shlo", "hlo", "pjrt":
					k = xla.KindXLA
				}
				return k
			}
		}
	}
	return s.Backend().Kind
}

// Backend returns the backend, chosen on the first call (xla.Choose, which
// says why) and kept for the rest of the cell. Where $ONNXRUNTIME_SHARED_LIBRARY_PATH
// is unset and the checkout holds ONNX Runtime (.tools/onnxruntime, from make
// setup), it points there first, so that the choice does not depend on the
// folder the kernel started in.
func (s *Session) Backend() *xla.Choice {
	if s.choice != nil {
		return s.choice
	}
	if s.getenv(xla.EnvONNXRuntime) == "" && s.Root != "" {
		m, _ := filepath.Glob(filepath.Join(s.Root, ".tools", "onnxruntime", "*", "libonnxruntime.so.1"))
		sort.Sort(sort.Reverse(sort.StringSlice(m)))
		if len(m) > 0 {
			Check(os.Setenv(xla.EnvONNXRuntime, m[0]))
		}
	}
	c, err := xla.Choose("")
	Check(err)
	s.choice = c
	return c
}

// Close releases the backend and the signal handler, if they were started.
func (s *Session) Close() {
	if s.stop != nil {
		s.stop()
		s.ctx, s.stop = nil, nil
	}
	if s.choice != nil {
		s.choice.Backend.Finalize()
		s.choice = nil
	}
}

// Logf writes a progress line, prefixed with the seconds since the session
// opened, at once.
func (s *Session) Logf(format string, args ...any) {
	fmt.Fprintf(s.Log, "[%6.1f s] %s\n", time.Since(s.started).Seconds(), fmt.Sprintf(format, args...))
}

// Data returns the folder of data set name ("lst", "hcp-glasser360"):
// $PELAB_SHARED/data/<name>, <root>/../shared/data/<name> or the download
// cache, the first that exists; "" when none does, so that the data
// package's own search reports what is missing and how to fetch it.
func (s *Session) Data(name string) string {
	for _, d := range s.dataCandidates(name) {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	return ""
}

func (s *Session) dataCandidates(name string) []string {
	var c []string
	if d := s.getenv(EnvShared); d != "" {
		c = append(c, filepath.Join(d, "data", name))
	}
	if s.Root != "" {
		c = append(c, filepath.Join(filepath.Dir(s.Root), "shared", "data", name))
	}
	if d, err := fetch.DefaultDir(name); err == nil {
		c = append(c, d)
	}
	return c
}

// Path returns a path under the output folder, creating its parent folder.
func (s *Session) Path(parts ...string) string {
	p := filepath.Join(append([]string{s.Out}, parts...)...)
	Check(os.MkdirAll(filepath.Dir(p), 0o755))
	return p
}

// Store opens the results store of the current mode, <out>/<Mode()>; it is
// created if needed and never emptied.
func (s *Session) Store() *results.Store {
	return Must(results.Open(filepath.Join(s.Out, s.Mode())))
}

// Records returns the valid records of the current mode's store, and says
// how many record files could not be used.
func (s *Session) Records() []results.Record {
	recs, corrupt, err := s.Store().All()
	Check(err)
	for _, e := range corrupt {
		s.Logf("skipping an unusable record file: %v", e)
	}
	return recs
}

// Artifact returns the array name ("pe", "attn", a snapshot) kept for the
// record id in the current mode's store, and false when there is none (a
// PE without a table, say); an array that cannot be read stops the cell.
func (s *Session) Artifact(id, name string) (data []float64, shape []int, ok bool) {
	st := s.Store()
	if _, err := os.Stat(sweep.ArtifactPath(st, id, name)); errors.Is(err, os.ErrNotExist) {
		return nil, nil, false
	}
	data, shape, err := sweep.ReadArtifact(st, id, name)
	Check(err)
	return data, shape, true
}

// Context returns the cell's signal-aware context (train.SignalContext):
// SIGINT (Jupyter's stop button) or SIGTERM cancels it, and training stops
// at the next step with its checkpoint saved. Close releases it.
func (s *Session) Context() context.Context {
	if s.ctx == nil {
		s.ctx, s.stop = train.SignalContext(context.Background(), s.Log)
	}
	return s.ctx
}

// Train runs plan into the current mode's store (or opt.Store) on the
// session's backend, with opt's hooks. It logs at once what it trains and
// where, draws each group's progress from its first step, and logs the wall
// time. Jupyter's stop button (SIGINT) stops training at the next step and
// saves the group's checkpoint; the cell then stops with an *Interrupted
// error, and running it again resumes. Models already recorded are never
// retrained.
func (s *Session) Train(plan *sweep.Plan, opt sweep.Options) sweep.Summary {
	c := s.Backend()
	if opt.Store == nil {
		opt.Store = s.Store()
	}
	opt.Backend, opt.BackendName = c.Backend, c.Config
	if opt.Progress == nil {
		opt.Progress = s.Log
	}
	s.Logf("training on %s into %s", c.Config, opt.Store.Dir)
	ctx := s.Context()
	start := time.Now()
	sum, err := sweep.Run(ctx, plan, opt)
	if err != nil && ctx.Err() != nil {
		Check(&Interrupted{Err: err})
	}
	Check(err)
	s.Logf("%d model(s) trained in %s, %d recorded already", sum.Trained, time.Since(start).Round(time.Second), sum.Skipped)
	return sum
}

// Interrupted is the error of a training cell stopped by a signal.
type Interrupted struct{ Err error }

func (e *Interrupted) Error() string {
	return fmt.Sprintf("interrupted (%v): the checkpoint is saved; run this cell again to resume", e.Err)
}

func (e *Interrupted) Unwrap() error { return e.Err }

// Markdown displays Markdown of this run (a report's tables, say): its
// tables as HTML that fits the cell (see showMarkdown); in a smoke run
// headed by SmokeLabel and without "paper" columns.
func (s *Session) Markdown(md string) { s.showMarkdown(md, true) }

// HTML displays HTML.
func (s *Session) HTML(h string) { s.Display.HTML(h) }

// Show renders figures side by side (one row; the browser wraps them when
// the cell is narrow), each at its own size, and saves them under the
// output folder as figures/<name>.png (figures/<name>-<i>.png for several),
// so that every figure a notebook shows is also a file. A nil figure is
// skipped.
func (s *Session) Show(name string, figs ...*plots.Figure) {
	var pngs [][]byte
	for _, f := range figs {
		if f == nil {
			continue
		}
		pngs = append(pngs, Must(f.PNG(0, 0)))
	}
	s.showPNGs(name, pngs, nil, true)
}

// ShowPNG is Show for figures already rendered as PNG (fmri.BrainViews,
// say).
func (s *Session) ShowPNG(name string, pngs ...[]byte) { s.showPNGs(name, pngs, nil, true) }

// showPNGs displays pngs; live marks figures of this run, which a smoke
// run heads with SmokeLabel (in the saved files too: a figure of a smoke
// run never travels without its label).
func (s *Session) showPNGs(name string, pngs [][]byte, captions []string, live bool) {
	if len(pngs) == 0 {
		return
	}
	smoke := live && s.Smoke()
	if smoke {
		for i, p := range pngs {
			pngs[i] = Must(plots.LabelPNG(p, SmokeLabel))
		}
	}
	for i, p := range pngs {
		file := name + ".png"
		if len(pngs) > 1 {
			file = fmt.Sprintf("%s-%d.png", name, i+1)
		}
		Check(os.WriteFile(s.Path("figures", slug(file)), p, 0o644))
	}
	if len(pngs) == 1 && len(captions) == 0 && !smoke {
		s.Display.PNG(pngs[0])
		return
	}
	var b strings.Builder
	if smoke {
		b.WriteString(smokeBanner())
	}
	b.WriteString(`<div style="display:flex;flex-wrap:wrap;gap:8px;align-items:flex-start">`)
	for i, p := range pngs {
		b.WriteString(`<figure style="margin:0;max-width:100%">`)
		fmt.Fprintf(&b, `<img style="max-width:100%%" src="data:image/png;base64,%s"/>`, base64.StdEncoding.EncodeToString(p))
		if i < len(captions) && captions[i] != "" {
			fmt.Fprintf(&b, `<figcaption style="max-width:40em;font-size:90%%">%s</figcaption>`, html.EscapeString(captions[i]))
		}
		b.WriteString(`</figure>`)
	}
	b.WriteString(`</div>`)
	s.Display.HTML(b.String())
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// slug makes a file name of s.
func slug(s string) string { return strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "_") }

// Must returns v, or stops the cell with err: it shows the error and panics
// with an *Error naming the line of the call (GoNB maps it to the cell's
// line).
func Must[T any](v T, err error) T {
	if err != nil {
		fail(err, 2)
	}
	return v
}

// Must2 is Must for a call that returns two values and an error.
func Must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		fail(err, 2)
	}
	return a, b
}

// Check stops the cell with err, as Must does, when err is not nil.
func Check(err error) {
	if err != nil {
		fail(err, 2)
	}
}

// Error is what Must and Check panic with.
type Error struct {
	Err error
	At  string // file:line of the failing call (for a debugger; not in the message)
}

// Error is the error's message alone. The location stays out of it: GoNB
// maps the panic's stack trace to the cell's line itself, and a "main.go:N"
// inside a panic message crashes GoNB v0.11.4's stack-trace annotator
// (strings.Repeat with a negative count in errorLine.getColLine), killing
// the kernel.
func (e *Error) Error() string { return e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

func fail(err error, skip int) {
	var ne *Error
	if errors.As(err, &ne) {
		panic(ne)
	}
	e := &Error{Err: err}
	// The first caller outside this package (or its tests) is the cell's line.
	for i := skip; i < skip+8; i++ {
		_, file, line, ok := runtime.Caller(i)
		if !ok {
			break
		}
		if filepath.Dir(file) != sourceDir() || sourceDir() == "" || strings.HasSuffix(file, "_test.go") {
			e.At = fmt.Sprintf("%s:%d", file, line)
			break
		}
	}
	gonbui.DisplayHTML(`<pre style="color:#b00;white-space:pre-wrap">` + html.EscapeString("error: "+err.Error()) + `</pre>`)
	panic(e)
}
