package notebook

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/plots"
	"gonum.org/v1/gonum/mat"
)

// env is a fake environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// checkout makes a folder holding pelab's go.mod, with a sub-folder, and a
// folder holding another module's go.mod.
func checkout(t *testing.T) (root, sub, other string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "pelab")
	sub = filepath.Join(root, "notebooks", "deep")
	other = filepath.Join(base, "gonb_tmp")
	for _, d := range []string{sub, other} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(root, "go.mod"), "module "+modulePath+"\n\ngo 1.26\n")
	write(t, filepath.Join(other, "go.mod"), "module gonb_abc\n")
	return root, sub, other
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindRoot(t *testing.T) {
	root, sub, other := checkout(t)
	for _, c := range []struct {
		name     string
		env      env
		src, cwd string
		want     string
		wantErr  string
	}{
		{name: "source folder wins over the working directory", src: sub, cwd: other, want: root},
		{name: "GoNB's temporary module is not pelab", cwd: other, env: env{envGoNBDir: sub}, want: root},
		{name: "working directory inside the checkout", cwd: sub, want: root},
		{name: "$PELAB_ROOT first", env: env{EnvRoot: root}, src: other, want: root},
		{name: "$PELAB_ROOT must be pelab", env: env{EnvRoot: other}, src: sub, wantErr: "holds no go.mod of module"},
		{name: "nothing found", cwd: other, want: ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := findRoot(c.env.get, c.src, c.cwd)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("findRoot = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestOpenFolders(t *testing.T) {
	root, _, other := checkout(t)
	out := t.TempDir()
	for _, c := range []struct {
		name, nb string
		env      env
		src      string
		want     string // output folder
		quick    bool
		wantErr  string
	}{
		{name: "PELAB_NOTEBOOK_OUT", nb: "03_fmri", env: env{EnvOut: out}, src: root, want: filepath.Join(out, "03_fmri")},
		{name: "relative PELAB_NOTEBOOK_OUT is from the checkout", nb: "02", env: env{EnvOut: "out/notebooks"}, src: root,
			want: filepath.Join(root, "out", "notebooks", "02")},
		{name: "under the checkout", nb: "01_latin_square", env: env{EnvQuick: "1"}, src: root,
			want: filepath.Join(root, "out", "notebooks", "01_latin_square"), quick: true},
		{name: "PELAB_QUICK must be 1", nb: "x", env: env{EnvQuick: "true"}, src: root, want: filepath.Join(root, "out", "notebooks", "x")},
		{name: "no checkout, no PELAB_NOTEBOOK_OUT", nb: "x", src: other, wantErr: "nowhere to keep"},
		{name: "no checkout, PELAB_NOTEBOOK_OUT", nb: "x", env: env{EnvOut: out}, src: other, want: filepath.Join(out, "x")},
		{name: "name with a slash", nb: "../x", src: root, wantErr: "plain folder name"},
		{name: "empty name", nb: "", src: root, wantErr: "plain folder name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := open(c.nb, c.env.get, c.src, other)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Out != c.want || s.Quick != c.quick {
				t.Fatalf("Out %q Quick %v, want %q %v", s.Out, s.Quick, c.want, c.quick)
			}
			if !isDir(s.Out) {
				t.Fatalf("output folder %s not created", s.Out)
			}
			if strings.HasPrefix(s.Out, os.Getenv("GONB_TMP_DIR")+"/") && os.Getenv("GONB_TMP_DIR") != "" {
				t.Fatalf("output folder %s is in GoNB's temporary folder", s.Out)
			}
		})
	}
}

// TestStoreResumes: a second session of the same notebook finds the first
// one's records (the folder is never emptied).
func TestStoreResumes(t *testing.T) {
	root, _, _ := checkout(t)
	e := env{EnvQuick: "1", "PELAB_BACKEND": "onnx:cpu"}
	s, err := open("nb", e.get, root, root)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Mode(); got != "quick-onnx" {
		t.Fatalf("Mode = %q, want quick-onnx", got)
	}
	marker := filepath.Join(s.Store().Dir, "kept.txt")
	write(t, marker, "x")
	s2, err := open("nb", e.get, root, root)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Store().Dir != filepath.Dir(marker) {
		t.Fatalf("second session's store %s, first %s", s2.Store().Dir, filepath.Dir(marker))
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("a new session emptied the store: %v", err)
	}
}

func TestKindFromEnvironment(t *testing.T) {
	for _, c := range []struct {
		env  env
		want string
	}{
		{env{"PELAB_BACKEND": "go"}, "go"},
		{env{"PELAB_BACKEND": "onnx:cpu"}, "onnx"},
		{env{"PELAB_BACKEND": "ONNXRuntime"}, "onnx"},
		{env{"GOMLX_BACKEND": "xla:cuda"}, "xla"},
		{env{"PELAB_BACKEND": "go", "GOMLX_BACKEND": "xla:cpu"}, "go"},
		{env{"PELAB_BACKEND": "pjrt:/x/y.so"}, "xla"},
	} {
		s := &Session{getenv: c.env.get}
		if got := s.Kind(); got != c.want {
			t.Errorf("%v: Kind = %q, want %q", c.env, got, c.want)
		}
		if s.choice != nil {
			t.Errorf("%v: Kind started a backend", c.env)
		}
	}
}

func TestData(t *testing.T) {
	root, _, _ := checkout(t)
	beside := filepath.Join(filepath.Dir(root), "shared", "data", "lst")
	sharedEnv := t.TempDir()
	viaEnv := filepath.Join(sharedEnv, "data", "lst")
	cache := t.TempDir()
	t.Setenv("PELAB_DATA", cache) // fetch.DefaultDir
	cached := filepath.Join(cache, "fmri-x")
	for _, d := range []string{beside, viaEnv, cached} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, data string
		env        env
		want       string
	}{
		{"beside the checkout", "lst", env{}, beside},
		{"$PELAB_SHARED first", "lst", env{EnvShared: sharedEnv}, viaEnv},
		{"the download cache", "fmri-x", env{EnvShared: sharedEnv}, cached},
		{"absent: the package searches", "nope", env{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := &Session{Root: root, getenv: c.env.get}
			if got := s.Data(c.data); got != c.want {
				t.Fatalf("Data(%q) = %q, want %q", c.data, got, c.want)
			}
		})
	}
}

// recorder is a Display that keeps what it is given.
type recorder struct {
	html, md []string
	pngs     int
}

func (r *recorder) HTML(h string)     { r.html = append(r.html, h) }
func (r *recorder) Markdown(m string) { r.md = append(r.md, m) }
func (r *recorder) PNG([]byte)        { r.pngs++ }

func testSession(t *testing.T, e env) (*Session, *recorder) {
	t.Helper()
	root, _, _ := checkout(t)
	s, err := open("nb", e.get, root, root)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	s.Display = rec
	s.Log = &strings.Builder{}
	return s, rec
}

func TestShowSavesFigures(t *testing.T) {
	s, rec := testSession(t, env{})
	fig := func(title string) *plots.Figure {
		f, err := plots.Heatmap(mat.NewDense(2, 2, []float64{1, -1, 0.5, 0}), plots.HeatmapOptions{Title: title})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	s.Show("one", fig("a"))
	s.Show("pair", fig("a"), nil, fig("b"))
	if rec.pngs != 1 || len(rec.html) != 1 || strings.Count(rec.html[0], "<img") != 2 {
		t.Fatalf("displayed %d PNGs and %d HTML blocks (%d images), want 1 PNG and 1 block of 2", rec.pngs, len(rec.html), strings.Count(strings.Join(rec.html, ""), "<img"))
	}
	for _, f := range []string{"one.png", "pair-1.png", "pair-2.png"} {
		if _, err := os.Stat(filepath.Join(s.Out, "figures", f)); err != nil {
			t.Errorf("figure file: %v", err)
		}
	}
}

func TestMustAndCheck(t *testing.T) {
	catch := func(fn func()) (e *Error) {
		defer func() {
			r := recover()
			var ok bool
			if e, ok = r.(*Error); r != nil && !ok {
				t.Fatalf("panicked with %T %v, want *Error", r, r)
			}
		}()
		fn()
		return nil
	}
	if got := Must(3, nil); got != 3 {
		t.Fatalf("Must(3, nil) = %d", got)
	}
	Check(nil)
	base := errors.New("lst: reference data not found")
	_, file, line, _ := runtime.Caller(0)
	for _, c := range []struct {
		name string
		fn   func()
		line int
	}{
		{"Must", func() { Must(0, base) }, line + 7},
		{"Check", func() { Check(base) }, line + 8},
	} {
		e := catch(c.fn)
		if e == nil {
			t.Fatalf("%s: no panic", c.name)
		}
		if !errors.Is(e, base) {
			t.Errorf("%s: %v does not wrap the error", c.name, e)
		}
		if want := file + ":"; !strings.HasPrefix(e.At, want) {
			t.Errorf("%s: At = %q, want the caller's line in %s", c.name, e.At, file)
		}
		if e.Error() != base.Error() {
			t.Errorf("%s: message %q, want the error's own (no location: GoNB's annotator crashes on a main.go:N in it)", c.name, e.Error())
		}
	}
	// An error that is already an *Error keeps its first location.
	first := catch(func() { Check(base) })
	again := catch(func() { Check(first) })
	if again != first {
		t.Errorf("re-checking an *Error changed it: %v → %v", first, again)
	}
	// An interruption says how to resume.
	if e := catch(func() { Check(&Interrupted{Err: errors.New("train: interrupted at step 16: context canceled")}) }); e == nil ||
		!strings.Contains(e.Error(), "run this cell again to resume") {
		t.Errorf("interrupted: %v", e)
	}
}

func TestShowResults(t *testing.T) {
	repoRoot := moduleAbove(sourceDir())
	if repoRoot == "" || !isDir(filepath.Join(repoRoot, "results", "lst-paper100-h100")) {
		t.Skip("skipping: no committed results/lst-paper100-h100 in this checkout")
	}
	extra := t.TempDir()
	s, rec := testSession(t, env{EnvResults: extra + string(os.PathListSeparator) + "/no/such/folder"})
	s.Root = repoRoot
	shown := s.ShowResults("lst-paper100-h100", "netsim-not-committed")
	if len(shown) != 2 || !strings.HasSuffix(shown[0], "lst-paper100-h100") || shown[1] != extra {
		t.Fatalf("shown %v", shown)
	}
	all := strings.Join(rec.md, "\n")
	tables := strings.Join(rec.html, "\n")
	if !strings.Contains(tables, ">learn-0.1</td>") || !strings.Contains(tables, ">paper val</th>") {
		t.Errorf("the report's tables (as HTML, paper columns kept for committed results) lack learn-0.1's row or the paper column")
	}
	if strings.Contains(tables+all, "SMOKE RUN") {
		t.Errorf("committed results labelled as a smoke run")
	}
	for _, want := range []string{
		"Skipped: no results folder `results/netsim-not-committed`",
		"/no/such/folder (from $PELAB_RESULTS)",
		"Recorded results: `results/lst-paper100-h100` (20 records)",
		"\n### lst, protocol paper",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(all, "](lst-paper-sigma.png)") {
		t.Errorf("markdown still refers to figure files")
	}
	if !strings.Contains(tables, "<figcaption") {
		t.Errorf("the report's figures were not shown with captions")
	}
}

func TestReadmeLead(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ text, want string }{
		{"# Title\n\nCommand (commit x):\n\n    bin/pelab lst \\\n        -seeds 3\n\nMore.\n", "Command (commit x):\n\n    bin/pelab lst \\\n        -seeds 3"},
		{"# T\n\nOne paragraph\nin two lines.\n\nSecond.\n", "One paragraph\nin two lines."},
		{"", ""},
	} {
		p := filepath.Join(dir, "README.md")
		write(t, p, c.text)
		if got := readmeLead(p); got != c.want {
			t.Errorf("readmeLead(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestCommittedAndPick(t *testing.T) {
	repoRoot := moduleAbove(sourceDir())
	if repoRoot == "" || !isDir(filepath.Join(repoRoot, "results", "lst-paper100-h100")) {
		t.Skip("skipping: no committed results/lst-paper100-h100 in this checkout")
	}
	s, rec := testSession(t, env{})
	s.Root = repoRoot
	store, recs, ok := s.Committed("lst-paper100-h100")
	if !ok || len(recs) != 20 || store.Dir != filepath.Join(repoRoot, "results", "lst-paper100-h100") {
		t.Fatalf("Committed: ok %v, %d records, store %v", ok, len(recs), store)
	}
	if _, _, ok := s.Committed("no-such-results"); ok || len(rec.md) != 1 || !strings.Contains(rec.md[0], "results/no-such-results") {
		t.Errorf("a missing folder: ok %v, markdown %q", ok, rec.md)
	}
	if isDir(filepath.Join(repoRoot, "results", "no-such-results")) {
		t.Errorf("Committed created the missing folder")
	}
	r, err := SmallestSigma(recs)
	if err != nil || r.Condition != "learn-0.1" {
		t.Errorf("SmallestSigma: %s seed %d, %v", r.Condition, r.Seed, err)
	}
	for _, o := range recs {
		if o.Condition == r.Condition && o.Seed < r.Seed {
			t.Errorf("SmallestSigma: seed %d, but seed %d exists", r.Seed, o.Seed)
		}
	}
	if p, err := Pick(recs, "learn-2"); err != nil || p.Condition != "learn-2" {
		t.Errorf("Pick: %s, %v", p.Condition, err)
	}
	if _, err := Pick(recs, "sinnd"); err == nil || !strings.Contains(err.Error(), "learn-0.1") {
		t.Errorf("Pick of a missing condition: %v", err)
	}
	if _, err := SmallestSigma(nil); err == nil {
		t.Errorf("SmallestSigma(nil): no error")
	}
}

func TestShowFamiliesAndInterventions(t *testing.T) {
	repoRoot := moduleAbove(sourceDir())
	if repoRoot == "" || !isDir(filepath.Join(repoRoot, "results", "netsim-families-2d-cpu")) || !isDir(filepath.Join(repoRoot, "results", "netsim-interventions-cpu")) {
		t.Skip("skipping: no committed results/netsim-families-2d-cpu and results/netsim-interventions-cpu in this checkout")
	}
	s, rec := testSession(t, env{})
	s.Root = repoRoot
	_, fam, ok := s.Committed("netsim-families-2d-cpu")
	if !ok {
		t.Fatal("families records not found")
	}
	s.ShowFamilies(fam, "test_mse")
	all := strings.Join(rec.md, "\n") + strings.Join(rec.html, "\n")
	for _, want := range []string{"### PE families", ">coordmlp-0.5</td>", "Does σ still matter?"} {
		if !strings.Contains(all, want) {
			t.Errorf("families: output lacks %q", want)
		}
	}
	if n := strings.Count(strings.Join(rec.html, ""), "<img"); n != 2 {
		t.Errorf("families: %d figures shown, want 2 (held-out metric and geometry against σ)", n)
	}
	if strings.Contains(all, "-families-1.png)") {
		t.Errorf("families: markdown still refers to figure files")
	}

	s, rec = testSession(t, env{})
	s.Root = repoRoot
	_, iv, _ := s.Committed("netsim-interventions-cpu")
	s.ShowInterventions(iv)
	all = strings.Join(rec.md, "\n") + strings.Join(rec.html, "\n")
	if !strings.Contains(all, "Interventions at evaluation") || !strings.Contains(all, "rows permuted") {
		t.Errorf("interventions: output lacks the section or its rows-permuted column:\n%.600s", all)
	}

	s, rec = testSession(t, env{})
	s.ShowFamilies(nil, "test_mse")
	s.ShowInterventions(nil)
	all = strings.Join(rec.md, "\n") + strings.Join(rec.html, "\n")
	if !strings.Contains(all, "No PE-families comparison") || !strings.Contains(all, "No interventions in these records") {
		t.Errorf("empty records: %q", all)
	}
}

func TestShowRecordedInterventions(t *testing.T) {
	repoRoot := moduleAbove(sourceDir())
	if repoRoot == "" || !isDir(filepath.Join(repoRoot, "results", "netsim-interventions-cpu")) {
		t.Skip("skipping: no committed results/netsim-interventions-cpu in this checkout")
	}
	s, rec := testSession(t, env{EnvQuick: "1"})
	s.Root = repoRoot
	shown := s.ShowRecordedInterventions("netsim-interventions-cpu", "not-committed")
	all := strings.Join(rec.md, "\n") + strings.Join(rec.html, "\n")
	if len(shown) != 1 || !strings.Contains(all, "Recorded interventions: `results/netsim-interventions-cpu`") ||
		!strings.Contains(all, "rows permuted") || !strings.Contains(all, "Skipped: no results folder `results/not-committed`") {
		t.Errorf("shown %v; output:\n%.800s", shown, all)
	}
	if strings.Contains(all, "SMOKE RUN") {
		t.Errorf("committed interventions labelled as a smoke run")
	}
}
