package notebook

import (
	"fmt"
	"path/filepath"

	"github.com/pelab/pelab/pelib/plots/interactive"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
)

// Committed returns the store and the valid records of the committed
// results folder results/<name> (or of name itself when it is an absolute
// path), for the interactive views of recorded runs: MetricVsSigma of its
// records, PELayoutOf and RSMOf with its store (package
// pelib/plots/interactive). When the folder is missing it says so in the
// notebook and returns ok false; unusable record files are logged and
// skipped. The folder is only read.
func (s *Session) Committed(name string) (store *results.Store, recs []results.Record, ok bool) {
	d := name
	if !filepath.IsAbs(d) && s.Root != "" {
		d = filepath.Join(s.Root, "results", name)
	}
	if !isDir(d) {
		s.showMarkdown(fmt.Sprintf("*Skipped: no results folder `%s` here.*", s.rel(d)), false)
		return nil, nil, false
	}
	store = &results.Store{Dir: d} // not results.Open: it would create the folder
	recs, corrupt, err := store.All()
	Check(err)
	for _, e := range corrupt {
		s.Logf("skipping an unusable record file: %v", e)
	}
	return store, recs, true
}

// Pick returns the record of condition among recs with the lowest seed,
// or an error naming what recs hold.
func Pick(recs []results.Record, condition string) (results.Record, error) {
	var best results.Record
	found := false
	for _, r := range recs {
		if r.Condition == condition && (!found || r.Seed < best.Seed) {
			best, found = r, true
		}
	}
	if !found {
		return best, fmt.Errorf("no record of condition %q among %d records (conditions %v): run the training cell first", condition, len(recs), conditions(recs))
	}
	return best, nil
}

// SmallestSigma returns the record of the learned PE (a "learn-<σ>"
// condition) with the smallest σ among recs, lowest seed first, or an
// error when there is none.
func SmallestSigma(recs []results.Record) (results.Record, error) {
	var best results.Record
	bestS := -1.0
	for _, r := range recs {
		s, ok := sweep.SigmaOf(r.Condition)
		if ok && (bestS < 0 || s < bestS || (s == bestS && r.Seed < best.Seed)) {
			best, bestS = r, s
		}
	}
	if bestS < 0 {
		return best, fmt.Errorf("no learned-σ record among %d records (conditions %v): run the training cell first", len(recs), conditions(recs))
	}
	return best, nil
}

// conditions lists the distinct conditions of recs in order of appearance.
func conditions(recs []results.Record) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range recs {
		if !seen[r.Condition] {
			seen[r.Condition] = true
			out = append(out, r.Condition)
		}
	}
	return out
}

// SmallestSigmaPE returns the record of the live run's learned PE with the
// smallest σ (SmallestSigma: its lowest seed) and its PE table, flat
// [L, S, D] with its shape; it stops the cell when there is none.
func (s *Session) SmallestSigmaPE() (results.Record, []float64, []int) {
	r := Must(SmallestSigma(s.Records()))
	table, shape, ok := s.Artifact(r.ID, "pe")
	if !ok {
		Check(fmt.Errorf("record %s (%s) has no PE table in %s", r.ID, r.Condition, s.Store().Dir))
	}
	return r, table, shape
}

// Explore shows an interactive view of this run (interactive.Show): in a
// smoke run headed by SmokeLabel, its title marked "smoke run, not
// results". Views of committed records go through interactive.Show.
func (s *Session) Explore(f *interactive.Figure, err error) {
	Check(err)
	if s.Smoke() {
		s.Display.HTML(smokeBanner())
		if f.Layout.Title == nil {
			f.Layout.Title = &interactive.Title{}
		}
		f.Layout.Title.Text = "SMOKE RUN, not results — " + f.Layout.Title.Text
	}
	Check(f.Display())
}
