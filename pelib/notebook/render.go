package notebook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// RenderedDir is where the rendered copies of the notebooks live, under
// the checkout: docs/notebooks/<name>.ipynb, executed in full mode, with
// their outputs (scripts/render-notebooks.sh, `make render-notebooks`).
const RenderedDir = "docs/notebooks"

// RenderMeta is what a rendered notebook records about how it was made,
// under the key "pelab_render" of the notebook's metadata.
type RenderMeta struct {
	// Notebook is the source notebook, relative to the checkout.
	Notebook string `json:"notebook"`
	// InputsSHA256 is RenderHash of the source notebook and the committed
	// results folders it reads, when it was rendered.
	InputsSHA256 string `json:"inputs_sha256"`
	// Results are the committed results folders hashed (results/<name>).
	Results []string `json:"results"`
	// Commit is the checkout's commit (with "-dirty" when files differed).
	Commit string `json:"commit"`
	// Mode is the session's mode: "full" for a rendered copy.
	Mode string `json:"mode"`
	// Rendered is when (UTC, RFC 3339), WallSeconds how long the
	// notebook's execution took, Backend on what.
	Rendered    string `json:"rendered"`
	WallSeconds int    `json:"wall_seconds"`
	// Command re-renders this notebook.
	Command string `json:"command"`
}

// RenderCommand is the command that re-renders the notebook at path
// (relative to the checkout, e.g. notebooks/01_latin_square.ipynb).
func RenderCommand(path string) string {
	return "make render-notebooks NOTEBOOKS=" + filepath.ToSlash(path)
}

// cellSource is a notebook cell as the hash sees it.
type cellSource struct {
	CellType string          `json:"cell_type"`
	Source   json.RawMessage `json:"source"`
}

// notebookCells reads the cells (type and source) of the notebook at path.
func notebookCells(path string) ([]cellSource, []string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var doc struct {
		Cells []cellSource `json:"cells"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	srcs := make([]string, len(doc.Cells))
	for i, c := range doc.Cells {
		var lines []string
		if err := json.Unmarshal(c.Source, &lines); err != nil {
			var s string
			if err := json.Unmarshal(c.Source, &s); err != nil {
				return nil, nil, fmt.Errorf("%s: cell %d: source: %w", path, i, err)
			}
			lines = []string{s}
		}
		srcs[i] = strings.Join(lines, "")
	}
	return doc.Cells, srcs, nil
}

// CellSources returns the notebook's cells as "type\x00source" strings, in
// order: what RenderHash hashes of it (its outputs and metadata are not).
func CellSources(path string) ([]string, error) {
	cells, srcs, err := notebookCells(path)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = c.CellType + "\x00" + srcs[i]
	}
	return out, nil
}

var quoted = regexp.MustCompile(`"([A-Za-z0-9][A-Za-z0-9._-]*)"`)

// ResultsRead returns the committed results folders (names under
// <root>/results) that the notebook's code cells name in a string literal
// — nb.ShowResults("lst-paper100-h100"), nb.Committed("netsim-geometry-cpu")
// —, sorted.
func ResultsRead(root, path string) ([]string, error) {
	cells, srcs, err := notebookCells(path)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, c := range cells {
		if c.CellType != "code" {
			continue
		}
		for _, m := range quoted.FindAllStringSubmatch(srcs[i], -1) {
			if isDir(filepath.Join(root, "results", m[1])) {
				seen[m[1]] = true
			}
		}
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// RenderHash is the SHA-256 of what a rendered notebook is made from, as
// far as the checkout holds it: the source notebook's cells (types and
// sources, in order; not its outputs or metadata) and every file of each
// committed results folder its cells read (ResultsRead: records, artifacts,
// figures, README; by path and content). It leaves out the Go source of
// the packages the notebook calls: they change with every engine and
// library commit (three people work on them at once), and re-rendering
// trains every model again (minutes per notebook), so a hash over them
// would fail the freshness test on nearly every commit; the rendered
// copy's metadata names the commit it was rendered at instead. It leaves
// out the data sets too (not in the checkout; fetched, checksummed by
// pelib/fetch).
func RenderHash(root, path string) (hash string, results []string, err error) {
	cells, err := CellSources(path)
	if err != nil {
		return "", nil, err
	}
	h := sha256.New()
	io.WriteString(h, "pelab render inputs v1\n")
	for _, c := range cells {
		fmt.Fprintf(h, "cell %d\n%s\n", len(c), c)
	}
	results, err = ResultsRead(root, path)
	if results == nil {
		results = []string{}
	}
	if err != nil {
		return "", nil, err
	}
	for _, name := range results {
		dir := filepath.Join(root, "results", name)
		var files []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return "", nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return "", nil, err
			}
			rel, _ := filepath.Rel(root, f)
			sum := sha256.Sum256(b)
			fmt.Fprintf(h, "file %s %d %x\n", filepath.ToSlash(rel), len(b), sum)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), results, nil
}

// ReadRenderMeta returns the RenderMeta recorded in the rendered notebook
// at path; ok is false when it has none.
func ReadRenderMeta(path string) (meta RenderMeta, ok bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return meta, false, err
	}
	var doc struct {
		Metadata struct {
			Render *RenderMeta `json:"pelab_render"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return meta, false, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Metadata.Render == nil {
		return meta, false, nil
	}
	return *doc.Metadata.Render, true, nil
}

// CheckRendered compares the rendered copy of the notebook at nbPath
// (relative to root: docs/notebooks/<name>.ipynb) with its inputs now, and
// returns an error that names the notebook and the command that re-renders
// it when the copy is missing, carries no record, was not a full run, or
// was made from other inputs (older than the cells or results it shows).
func CheckRendered(root, nbPath string) error {
	name := strings.TrimSuffix(filepath.Base(nbPath), ".ipynb")
	rendered := filepath.Join(RenderedDir, name+".ipynb")
	cmd := RenderCommand(nbPath)
	meta, ok, err := ReadRenderMeta(filepath.Join(root, rendered))
	switch {
	case os.IsNotExist(err):
		return fmt.Errorf("%s has no rendered copy %s: render it with `%s`", nbPath, rendered, cmd)
	case err != nil:
		return fmt.Errorf("%s: %w (re-render it with `%s`)", rendered, err, cmd)
	case !ok:
		return fmt.Errorf("%s records no pelab_render metadata: re-render it with `%s`", rendered, cmd)
	case meta.Mode != "full":
		return fmt.Errorf("%s was rendered in mode %q, not a full run: re-render it with `%s`", rendered, meta.Mode, cmd)
	}
	hash, results, err := RenderHash(root, filepath.Join(root, nbPath))
	if err != nil {
		return err
	}
	if hash != meta.InputsSHA256 {
		return fmt.Errorf("%s is older than what makes it: %s's cells or the results it reads (%s) changed since it was rendered at %s (inputs %.12s…, now %.12s…): re-render it with `%s`",
			rendered, nbPath, strings.Join(prefixed("results/", results), ", "), meta.Commit, meta.InputsSHA256, hash, cmd)
	}
	return nil
}

func prefixed(p string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p + n
	}
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
