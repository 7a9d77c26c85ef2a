package notebook

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pelab/pelab/pelib/report"
	"github.com/pelab/pelab/pelib/results"
)

// ResultsDirs returns the results folders to show: each of names under the
// checkout's results/ (the committed paper-scale records) that exists, then
// every folder listed in $PELAB_RESULTS. A committed folder that is missing
// is left out with a line saying so, as is a listed one; missing lists them
// for the caller to show.
func (s *Session) ResultsDirs(names ...string) (dirs, missing []string) {
	for _, n := range names {
		d := n
		if !filepath.IsAbs(n) && s.Root != "" {
			d = filepath.Join(s.Root, "results", n)
		}
		if isDir(d) {
			dirs = append(dirs, d)
		} else {
			missing = append(missing, d)
		}
	}
	for _, d := range filepath.SplitList(s.getenv(EnvResults)) {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if isDir(d) {
			dirs = append(dirs, d)
		} else {
			missing = append(missing, d+" (from $"+EnvResults+")")
		}
	}
	return dirs, missing
}

func isDir(d string) bool {
	st, err := os.Stat(d)
	return err == nil && st.IsDir()
}

// ShowResults shows the report (pelib/report: tables beside the paper's
// numbers, 95 % CIs, figures) of each results folder ResultsDirs finds for
// names, headed by the first paragraph of the folder's README.md (the
// command that produced it); a folder that is missing is named and skipped.
// It returns the folders shown.
func (s *Session) ShowResults(names ...string) []string {
	dirs, missing := s.ResultsDirs(names...)
	for _, d := range missing {
		s.showMarkdown(fmt.Sprintf("*Skipped: no results folder `%s` here.*", s.rel(d)), false)
	}
	for _, d := range dirs {
		rep, err := report.FromDir(d)
		if err != nil {
			s.showMarkdown(fmt.Sprintf("*Skipped `%s`: %v*", s.rel(d), err), false)
			continue
		}
		n := 0
		for _, sec := range rep.Sections {
			n += len(sec.Records)
		}
		head := fmt.Sprintf("## Recorded results: `%s` (%d records)\n\n", s.rel(d), n)
		if p := readmeLead(filepath.Join(d, "README.md")); p != "" {
			head += p + "\n\n"
		}
		for _, e := range rep.Corrupt {
			head += fmt.Sprintf("*Unusable record file: %v*\n\n", e)
		}
		s.showMarkdown(head, false)
		for si, sec := range rep.Sections {
			s.showMarkdown(report.Demote(withoutFigures(sec.Markdown), 2), false) // under the notebook's own headings
			var pngs [][]byte
			var caps []string
			for _, f := range sec.Figures {
				pngs = append(pngs, f.PNG)
				caps = append(caps, f.Caption)
			}
			s.showPNGs(fmt.Sprintf("results-%s-%d", filepath.Base(d), si+1), pngs, caps, false)
		}
	}
	return dirs
}

// ShowFiles displays the PNG files of dir matching pattern (e.g. the brain
// maps a run wrote beside its records), each captioned with its name.
func (s *Session) ShowFiles(dir, pattern string) {
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	Check(err)
	var pngs [][]byte
	var caps []string
	for _, f := range m {
		pngs = append(pngs, Must(os.ReadFile(f)))
		caps = append(caps, filepath.Base(f))
	}
	if len(pngs) == 0 {
		s.showMarkdown(fmt.Sprintf("*No `%s` in `%s`.*", pattern, s.rel(dir)), false)
		return
	}
	s.showPNGs("files-"+filepath.Base(dir), pngs, caps, false)
}

// rel shows a path relative to the checkout where it is inside it.
func (s *Session) rel(p string) string {
	if s.Root != "" {
		if r, err := filepath.Rel(s.Root, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return p
}

// withoutFigures cuts a report section's "## Figures" part, which refers to
// PNG files by name; the notebook shows the figures themselves.
func withoutFigures(md string) string {
	if i := strings.Index(md, "\n## Figures"); i >= 0 {
		return md[:i]
	}
	return md
}

// readmeLead returns the first paragraph of a README after its title, with
// the indented (code) paragraph that follows it — the command of a results
// folder's README —, or "".
func readmeLead(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var paras [][]string
	var cur []string
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "#") && len(paras) == 0 && len(cur) == 0:
		case t == "":
			if len(cur) > 0 {
				paras, cur = append(paras, cur), nil
			}
		default:
			cur = append(cur, line)
		}
	}
	if len(cur) > 0 {
		paras = append(paras, cur)
	}
	if len(paras) == 0 {
		return ""
	}
	lead := strings.Join(paras[0], "\n")
	if len(paras) > 1 && (strings.HasPrefix(paras[1][0], "    ") || strings.HasPrefix(paras[1][0], "\t")) {
		lead += "\n\n" + strings.Join(paras[1], "\n")
	}
	return lead
}

// ShowRecordedInterventions shows, for each results folder ResultsDirs
// finds for names, the first paragraph of its README.md (the command that
// produced it) and only the interventions section of its report
// (report.Interventions: Δ held-out error with each model's PE altered),
// for a notebook where the folder's full report would repeat what it
// already shows. A missing folder is named and skipped, as in ShowResults.
func (s *Session) ShowRecordedInterventions(names ...string) []string {
	dirs, missing := s.ResultsDirs(names...)
	for _, d := range missing {
		s.showMarkdown(fmt.Sprintf("*Skipped: no results folder `%s` here.*", s.rel(d)), false)
	}
	for _, d := range dirs {
		recs, corrupt, err := (&results.Store{Dir: d}).All()
		if err != nil {
			s.showMarkdown(fmt.Sprintf("*Skipped `%s`: %v*", s.rel(d), err), false)
			continue
		}
		for _, e := range corrupt {
			s.Logf("skipping an unusable record file: %v", e)
		}
		head := fmt.Sprintf("## Recorded interventions: `%s` (%d records)\n\n", s.rel(d), len(recs))
		if p := readmeLead(filepath.Join(d, "README.md")); p != "" {
			head += p + "\n\n"
		}
		md := report.Interventions(recs)
		if md == "" {
			md = "*No interventions in these records.*"
		}
		s.showMarkdown(head+report.Demote(md, 1), false)
	}
	return dirs
}
