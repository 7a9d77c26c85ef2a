// Package report aggregates any pelab results directory into one report:
// Markdown (report.md) and a self-contained HTML page (report.html), with
// PNG figures beside them.
//
// The records of a directory are split into sections by experiment and
// protocol (and the experiment's section key, experiment.Sectioner: the
// layout for netsim). The experiments are those registered with
// pelib/experiment (this package imports pelib/experiment/all); it names
// none of them. Each section holds
//
//   - the experiment's own report (Experiment.Report): per-condition
//     mean ± SD tables side by side with the paper's reference numbers
//     where they exist, and its Spearman correlations;
//   - a per-condition table of the headline metrics (Experiment.Headline)
//     as mean ± SD with the Student-t 95 % confidence interval of the mean
//     (results.Summarize);
//   - the generalisation metric against the learned-PE σ (the
//     experiment's ReportPart.SigmaFigure);
//   - interpretability against generalisation across the learned-σ
//     conditions' means, with Spearman ρ (plots.ScatterFit).
//
// Design choices: the report depends only on the records' final metrics,
// conditions, seeds and configurations — never on wall times, backends or
// file order — so two runs that produced the same records (say, a single
// process and three interrupted shards) give byte-identical reports.
// Records of unknown experiments still get the generic tables. A figure
// that cannot be drawn (too few σ values, say) is replaced by a one-line
// note rather than failing the report. Corrupt record files are listed by
// name with what is wrong, never used. Diverged and failed models are left
// out of every mean ± SD, counted in each table's n column ("3 (+1
// diverged)") and listed per condition with their reasons. Conditions are
// read under their canonical names (sweep.Vocabulary.Canonical): records
// written under other spellings of one PE (learn-0.10, LEARN-0.1,
// learn:0.1) are one condition. Each section checks the records' input
// files (the digest of every input file's SHA-256 in each record's config,
// results.Inputs): records of one condition, or of one section, trained
// on different files get a warning line in the section's "Input files"
// part and at the top of report.md (Report.Warnings; pelab report prints
// them on stderr); records without input hashes (written before pelab
// stored them; netsim reads no files) are said to be unchecked, never an
// error. Files are written atomically (internal/atomicfile).
package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pelab/pelab/internal/atomicfile"
	"github.com/pelab/pelab/pelib/experiment"
	_ "github.com/pelab/pelab/pelib/experiment/all" // every experiment's report
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// Figure is one PNG of a report.
type Figure struct {
	File    string // file name beside report.md, e.g. "lst-quick-sigma.png"
	Caption string
	PNG     []byte
}

// Section is the part of a report about one experiment and protocol.
type Section struct {
	Experiment, Protocol, Layout string
	Records                      []results.Record
	Markdown                     string
	Figures                      []Figure
	// Warnings say where records of the section were trained on different
	// input files (see inputsCheck); they are also in Markdown.
	Warnings []string
}

// Report is the aggregate of a results directory.
type Report struct {
	Title    string
	Sections []Section
	Corrupt  []error // record files that could not be used
	// Warnings gather the sections' Warnings: records of one condition (or
	// of one section) trained on different input files. The Markdown
	// says them too; pelab report also prints them on stderr.
	Warnings []string
	Markdown string // the whole report, figures referenced by file name
}

// Title is the default title of a report.
const Title = "pelab results"

// FromDir reads every record of the results store in dir and builds the
// report.
func FromDir(dir string) (*Report, error) {
	st := &results.Store{Dir: dir}
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("report: results directory: %w", err)
	}
	recs, bad, err := st.All()
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	canonicalConditions(recs) // before Prepare, which looks conditions up by name
	// Experiments that complete their records from the store's files (lst:
	// attention similarity to the 2d-fixed model from the saved maps).
	for _, e := range experiment.All() {
		if p, ok := e.(experiment.Preparer); ok {
			if err := p.Prepare(st, recs); err != nil {
				return nil, fmt.Errorf("report: %w", err)
			}
		}
	}
	return build(Title+": "+filepath.Base(filepath.Clean(dir)), recs, bad, st)
}

// Build builds the report of recs; corrupt lists the files that could not
// be read (they are named in the report).
func Build(title string, recs []results.Record, corrupt []error) (*Report, error) {
	return build(title, recs, corrupt, nil)
}

// build is Build with the store the records came from (nil: none), for the
// experiments' figures drawn from saved artifacts (experiment.ArtifactFigurer).
func build(title string, recs []results.Record, corrupt []error, st *results.Store) (*Report, error) {
	if len(recs) == 0 {
		if len(corrupt) == 0 {
			return nil, errors.New("report: no records")
		}
		msgs := make([]string, len(corrupt))
		for i, e := range corrupt {
			msgs[i] = "  " + e.Error()
		}
		return nil, fmt.Errorf("report: no valid records; %d unusable file(s):\n%s", len(corrupt), strings.Join(msgs, "\n"))
	}
	recs = slices.Clone(recs)
	canonicalConditions(recs)
	type key struct{ exp, proto, layout string }
	by := map[key][]results.Record{}
	for _, r := range recs {
		if len(r.Config) > 0 && !json.Valid(r.Config) {
			return nil, fmt.Errorf("report: record %s: its config is not valid JSON", r.ID)
		}
		k := key{r.Experiment, r.ProtocolName(), ""}
		if e, err := experiment.Get(r.Experiment); err == nil {
			if sk, ok := e.(experiment.Sectioner); ok {
				k.layout = sk.SectionKey(r)
			}
		}
		by[k] = append(by[k], r)
	}
	keys := make([]key, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.exp != b.exp {
			return a.exp < b.exp
		}
		if a.proto != b.proto {
			return a.proto < b.proto
		}
		return a.layout < b.layout
	})
	rep := &Report{Title: title, Corrupt: corrupt}
	var md strings.Builder
	fmt.Fprintf(&md, "# %s\n\n", title)
	fmt.Fprintf(&md, "%d records in %d section(s)", len(recs), len(keys))
	if n := countStatus(recs, results.StatusDiverged); n > 0 {
		fmt.Fprintf(&md, "; %d diverged", n)
	}
	if n := countStatus(recs, results.StatusFailed); n > 0 {
		fmt.Fprintf(&md, "; %d failed", n)
	}
	md.WriteString(".\n")
	var body strings.Builder
	for _, k := range keys {
		rs := by[k]
		results.Sort(rs)
		s, err := section(k.exp, k.proto, k.layout, rs, st)
		if err != nil {
			return nil, err
		}
		rep.Sections = append(rep.Sections, s)
		rep.Warnings = append(rep.Warnings, s.Warnings...)
		body.WriteString(s.Markdown)
		body.WriteString("\n")
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(&md, "\n**Warning: records trained on different input files** (see each section's \"Input files\"):\n\n")
		for _, w := range rep.Warnings {
			fmt.Fprintf(&md, "- %s\n", w)
		}
	}
	md.WriteString(results.UnusableMarkdown(corrupt))
	md.WriteString("\n")
	md.WriteString(body.String())
	rep.Markdown = md.String()
	return rep, nil
}

// canonicalConditions renames each record's condition to its canonical
// name in its experiment's vocabulary (sweep.Vocabulary.Canonical), so that
// records written under other spellings of one PE (learn-0.10, LEARN-0.1,
// learn:0.1, nope for none) are read, grouped and reported as one
// condition. Conditions of unknown experiments, and names no vocabulary
// parses, are kept as they are.
func canonicalConditions(recs []results.Record) {
	vocab := map[string]sweep.Vocabulary{}
	for i, r := range recs {
		v, ok := vocab[r.Experiment]
		if !ok {
			e, err := experiment.Get(r.Experiment)
			if err != nil {
				continue
			}
			v = e.Vocabulary()
			vocab[r.Experiment] = v
		}
		recs[i].Condition = v.Canonical(r.Condition)
	}
}

func countStatus(rs []results.Record, status string) int {
	n := 0
	for _, r := range rs {
		if r.Status == status {
			n++
		}
	}
	return n
}

func slug(parts ...string) string {
	var ps []string
	for _, p := range parts {
		if p != "" {
			ps = append(ps, p)
		}
	}
	s := strings.Join(ps, "-")
	return regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(s, "_")
}

func section(exp, proto, layout string, rs []results.Record, st *results.Store) (Section, error) {
	s := Section{Experiment: exp, Protocol: proto, Layout: layout, Records: rs}
	var b strings.Builder
	title := exp
	if proto != "" {
		title += ", protocol " + proto
	}
	if layout != "" {
		title += ", layout " + layout
	}
	fmt.Fprintf(&b, "# %s\n\n", title)
	inMD, warnings := inputsCheck(title, rs)
	b.WriteString(inMD)
	s.Warnings = warnings

	// The experiment's own report, with the paper's references.
	e, expErr := experiment.Get(exp)
	known := expErr == nil
	var part experiment.ReportPart
	var h experiment.Headline
	if known {
		h = e.Headline()
		part, expErr = e.Report(rs, proto, layout)
	} else {
		expErr = nil // an unknown experiment gets the generic tables
	}
	expMD := part.Markdown
	if expErr != nil {
		fmt.Fprintf(&b, "(The experiment's own report could not be made: %v.)\n\n", expErr)
	}
	if expMD != "" {
		b.WriteString(Demote(expMD, 1))
		b.WriteString("\n")
	} else if st := results.StatusMarkdown(rs, func(r results.Record) string { return r.Condition }); st != "" {
		// The experiments' own reports say this; others get it here.
		b.WriteString("## Diverged and failed models\n\n")
		b.WriteString(st)
		b.WriteString("\n")
	}

	// Mean ± SD and 95 % CI per condition.
	shown := sweep.Percent(rs, h.Percent)
	sums := results.Summarize(shown, func(r results.Record) string { return r.Condition })
	ci := h.CI // nil for an unknown experiment: every metric
	b.WriteString("## Per condition: mean ± SD [95 % CI of the mean]\n\n")
	if h.Note != "" {
		b.WriteString(h.Note + "\n\n")
	}
	b.WriteString(CITable(sums, ci))
	b.WriteString("\n")

	// Figures.
	base := slug(exp, proto, layout)
	add := func(file, caption string, f *plots.Figure, err error) {
		if err == nil && f != nil {
			var png []byte
			png, err = f.PNG(0, 0)
			if err == nil {
				s.Figures = append(s.Figures, Figure{File: file, Caption: caption, PNG: png})
				fmt.Fprintf(&b, "![%s](%s)\n\n", caption, file)
				return
			}
		}
		fmt.Fprintf(&b, "(No figure %q: %v.)\n\n", caption, err)
	}
	if known {
		b.WriteString("## Figures\n\n")
		if part.SigmaFigure == nil && part.SigmaErr == nil {
			part.SigmaCaption, part.SigmaErr = part.Label(h.Gen)+" against σ", expErr
		}
		add(base+"-sigma.png", part.SigmaCaption, part.SigmaFigure, part.SigmaErr)
		x, y, labels, conds := learnedMeans(sums, h.Interp, h.Gen)
		var f *plots.Figure
		err := fmt.Errorf("%d learned-σ conditions have both %s and %s; need ≥ 3", len(x), h.Interp, h.Gen)
		if len(x) >= 3 {
			f, err = plots.ScatterFit(x, y, plots.FitOptions{Title: "learned-σ conditions (means over seeds)",
				XLabel: part.Label(h.Interp) + " (interpretability)", YLabel: part.Label(h.Gen) + " (generalisation)", PointLabels: labels, PointConditions: conds})
		}
		add(base+"-interp.png", part.Label(h.Interp)+" against "+part.Label(h.Gen)+" across learned-σ conditions, Spearman ρ", f, err)
		geometrySection(&b, shown, h.Gen, base, add)
		if af, ok := e.(experiment.ArtifactFigurer); ok && st != nil {
			for _, f := range af.ArtifactFigures(st, rs) {
				add(base+"-"+f.File, f.Caption, f.Figure, f.Err)
			}
		}
		familiesSection(&b, shown, h.Gen, part.Label(h.Gen), base, add)
		interventionSection(&b, rs)
		pairedSection(&b, shown, pairedMetrics(h.Gen))
	}
	s.Markdown = b.String()
	return s, nil
}

// Demote moves every Markdown heading of md down by levels ("# x" →
// "## x" for 1), to nest a report under other headings.
func Demote(md string, levels int) string {
	lines := strings.Split(md, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "#") {
			lines[i] = strings.Repeat("#", levels) + l
		}
	}
	return strings.Join(lines, "\n")
}

// learnedMeans returns, for each learned-σ condition ("learn-<σ>") with
// both metrics, the condition means of xm and ym, in σ order, with the
// points' labels ("σ=0.1") and condition names.
func learnedMeans(sums []results.Summary, xm, ym string) (x, y []float64, labels, conds []string) {
	type pt struct {
		s, x, y float64
		name    string
	}
	var pts []pt
	for _, s := range sums {
		sigma, ok := sweep.SigmaOf(s.Group)
		if !ok {
			continue
		}
		a, ok1 := s.Mean[xm]
		c, ok2 := s.Mean[ym]
		if ok1 && ok2 && !math.IsNaN(a) && !math.IsNaN(c) {
			pts = append(pts, pt{sigma, a, c, s.Group})
		}
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].s < pts[j].s })
	for _, p := range pts {
		x, y, labels = append(x, p.x), append(y, p.y), append(labels, "σ="+strconv.FormatFloat(p.s, 'g', -1, 64))
		conds = append(conds, p.name)
	}
	return x, y, labels, conds
}

// CITable renders summaries as a Markdown table with one row per group and
// one column per metric (all metrics when metrics is nil; metrics no group
// has are dropped), each cell "mean ± SD [lo, hi]" with the Student-t 95 %
// confidence interval of the mean; just the mean for one value; "–" when
// absent. Values are written with 4 significant digits.
func CITable(sums []results.Summary, metrics []string) string {
	have := map[string]bool{}
	for _, s := range sums {
		for k := range s.Count {
			have[k] = true
		}
	}
	if metrics == nil {
		for k := range have {
			metrics = append(metrics, k)
		}
		sort.Strings(metrics)
	}
	var cols []string
	for _, m := range metrics {
		if have[m] {
			cols = append(cols, m)
		}
	}
	var b strings.Builder
	b.WriteString("| condition | n |")
	for _, c := range cols {
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n|---|---|")
	for range cols {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	for _, s := range sums {
		n := strconv.Itoa(s.N) + s.NotOK()
		fmt.Fprintf(&b, "| %s | %s |", strings.ReplaceAll(s.Group, "|", `\|`), n)
		for _, c := range cols {
			cell := "–"
			if mean, ok := s.Mean[c]; ok {
				cell = g(mean)
				if sd, ok := s.SD[c]; ok {
					ci := s.CI95[c]
					cell = fmt.Sprintf("%s ± %s [%s, %s]", g(mean), g(sd), g(ci[0]), g(ci[1]))
				}
				if s.Count[c] < s.N {
					cell += fmt.Sprintf(" (n=%d)", s.Count[c])
				}
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Write writes report.md and the PNG figures into dir and, when withHTML,
// report.html (figures embedded as base64, so the page stands alone). It
// returns the paths written.
func (r *Report) Write(dir string, withHTML bool) ([]string, error) {
	var paths []string
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	for _, s := range r.Sections {
		for _, f := range s.Figures {
			p := filepath.Join(dir, f.File)
			if err := atomicfile.Write(p, f.PNG); err != nil {
				return paths, fmt.Errorf("report: %w", err)
			}
			paths = append(paths, p)
		}
	}
	p := filepath.Join(dir, "report.md")
	if err := atomicfile.Write(p, []byte(r.Markdown)); err != nil {
		return paths, fmt.Errorf("report: %w", err)
	}
	paths = append(paths, p)
	if withHTML {
		p := filepath.Join(dir, "report.html")
		if err := atomicfile.Write(p, []byte(r.HTML())); err != nil {
			return paths, fmt.Errorf("report: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

var imageLine = regexp.MustCompile(`^!\[(.*)\]\((.*)\)$`)

// HTML renders the report as one self-contained page: the Markdown's
// headings, paragraphs, lists and tables as HTML, and each figure as an
// inline base64 PNG.
func (r *Report) HTML() string {
	figs := map[string][]byte{}
	for _, s := range r.Sections {
		for _, f := range s.Figures {
			figs[f.File] = f.PNG
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #222; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.88rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; }
th { background: #f2f2f2; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafafa; }
figure { margin: 1rem 0; } figcaption { font-size: 0.9rem; color: #555; }
img { max-width: 100%%; }
</style></head><body>
`, html.EscapeString(r.Title))
	lines := strings.Split(r.Markdown, "\n")
	inline := func(s string) string {
		s = html.EscapeString(s)
		return regexp.MustCompile("`([^`]*)`").ReplaceAllString(s, "<code>$1</code>")
	}
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], " ")
		switch {
		case l == "":
		case strings.HasPrefix(l, "#"):
			n := len(l) - len(strings.TrimLeft(l, "#"))
			n = min(n, 6)
			fmt.Fprintf(&b, "<h%d>%s</h%d>\n", n, inline(strings.TrimSpace(l[n:])), n)
		case imageLine.MatchString(l):
			m := imageLine.FindStringSubmatch(l)
			src := html.EscapeString(m[2])
			if png, ok := figs[m[2]]; ok {
				src = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
			}
			fmt.Fprintf(&b, "<figure><img src=\"%s\" alt=\"%s\"><figcaption>%s</figcaption></figure>\n", src, html.EscapeString(m[1]), inline(m[1]))
		case strings.HasPrefix(l, "|"):
			var rows []string
			for ; i < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[i]), "|"); i++ {
				rows = append(rows, strings.TrimSpace(lines[i]))
			}
			i--
			b.WriteString(tableHTML(rows, inline))
		case strings.HasPrefix(l, "- "):
			b.WriteString("<ul>\n")
			for ; i < len(lines) && strings.HasPrefix(lines[i], "- "); i++ {
				fmt.Fprintf(&b, "<li>%s</li>\n", inline(lines[i][2:]))
			}
			i--
			b.WriteString("</ul>\n")
		default:
			var para []string
			for ; i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "#") && !strings.HasPrefix(lines[i], "|") &&
				!strings.HasPrefix(lines[i], "- ") && !imageLine.MatchString(lines[i]); i++ {
				para = append(para, inline(lines[i]))
			}
			i--
			fmt.Fprintf(&b, "<p>%s</p>\n", strings.Join(para, "\n"))
		}
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// tableHTML renders Markdown table rows (header, separator, body).
func tableHTML(rows []string, inline func(string) string) string {
	cells := func(row string) []string {
		row = strings.TrimSuffix(strings.TrimPrefix(row, "|"), "|")
		var out []string
		var cur strings.Builder
		for i := 0; i < len(row); i++ {
			if row[i] == '\\' && i+1 < len(row) && row[i+1] == '|' {
				cur.WriteByte('|')
				i++
				continue
			}
			if row[i] == '|' {
				out = append(out, strings.TrimSpace(cur.String()))
				cur.Reset()
				continue
			}
			cur.WriteByte(row[i])
		}
		return append(out, strings.TrimSpace(cur.String()))
	}
	var b bytes.Buffer
	b.WriteString("<table>\n")
	for i, r := range rows {
		if i == 1 && strings.Trim(r, "|-: ") == "" {
			continue
		}
		tag, class := "td", ` class="num"`
		if i == 0 {
			tag, class = "th", ""
		}
		b.WriteString("<tr>")
		for j, c := range cells(r) {
			cl := class
			if j == 0 {
				cl = ""
			}
			fmt.Fprintf(&b, "<%s%s>%s</%s>", tag, cl, inline(c), tag)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</table>\n")
	return b.String()
}

// pairedMetrics are the metrics a section compares conditions on: the
// generalisation metric and, for masked-token experiments, the held-out
// error at the training ratio beside the harder test's.
func pairedMetrics(gen string) []string {
	out := []string{gen}
	if strings.HasSuffix(gen, "_mse") {
		for _, m := range []string{"test_mse", "test90_mse"} {
			if m != gen {
				out = append(out, m)
			}
		}
	}
	return out
}
