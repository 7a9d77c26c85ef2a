package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/pelab/pelab/pelib/results"
)

// digestShown is how many hexadecimal digits of an input digest a report
// shows (48 bits: enough to tell data sets apart by eye).
const digestShown = 12

// InputsWarnings returns inputsCheck's warnings for records rs (one line
// each; none when every condition was trained on one set of input files):
// what an experiment's own summary says beside `pelab report`.
func InputsWarnings(rs []results.Record) []string {
	_, w := inputsCheck("these records", rs)
	return w
}

// inputsCheck compares the input files the records of one section were
// trained on (results.Record.InputDigest: the SHA-256 over every input
// file's SHA-256, stored in each record's config). It returns the
// section's "Input files" Markdown ("" when there is nothing to say) and
// one warning per problem found:
//
//   - records of one condition with different digests (the same condition
//     trained on different data: its mean ± SD mixes them);
//   - else, conditions whose records agree among themselves but not with
//     the other conditions (conditions compared across different data).
//
// Records without a digest — written before pelab stored input hashes, or
// of an experiment that reads no files (netsim) — are counted and said to
// be unchecked, never an error.
func inputsCheck(title string, rs []results.Record) (md string, warnings []string) {
	type group struct {
		digests map[string][]int64 // digest → seeds
		unknown int
	}
	var conds []string
	by := map[string]*group{}
	all := map[string]bool{}
	unknown := 0
	for _, r := range rs {
		g, ok := by[r.Condition]
		if !ok {
			g = &group{digests: map[string][]int64{}}
			by[r.Condition] = g
			conds = append(conds, r.Condition)
		}
		d, ok := r.InputDigest()
		if !ok {
			g.unknown++
			unknown++
			continue
		}
		g.digests[d] = append(g.digests[d], r.Seed)
		all[d] = true
	}
	if len(all) == 0 {
		if unknown == 0 {
			return "", nil
		}
		return "## Input files\n\nNo record of this section carries input-file hashes (records written before pelab stored them; " +
			"netsim simulates its data and reads no file), so whether they were trained on the same data files is unknown.\n\n", nil
	}
	var b strings.Builder
	b.WriteString("## Input files\n\n")
	slices.Sort(conds)
	var split []string
	for _, c := range conds {
		g := by[c]
		if len(g.digests) > 1 {
			w := fmt.Sprintf("%s: condition %s was trained on %d different sets of input files (%s): its records are not one condition's repeats",
				title, c, len(g.digests), describeDigests(g.digests))
			warnings = append(warnings, w)
			fmt.Fprintf(&b, "**Warning:** condition %s was trained on %d different sets of input files (%s); its mean ± SD mixes them.\n\n",
				c, len(g.digests), describeDigests(g.digests))
		}
		if g.unknown > 0 {
			split = append(split, fmt.Sprintf("%s (%d)", c, g.unknown))
		}
	}
	switch {
	case len(warnings) > 0: // said per condition
	case len(all) > 1:
		per := map[string][]string{} // digest → conditions
		for _, c := range conds {
			for d := range by[c].digests {
				per[d] = append(per[d], c)
			}
		}
		var parts []string
		for _, d := range sortedDigests(all) {
			parts = append(parts, fmt.Sprintf("%s for %s", short(d), strings.Join(per[d], ", ")))
		}
		w := fmt.Sprintf("%s: records were trained on %d different sets of input files (%s): conditions are compared across different data",
			title, len(all), strings.Join(parts, "; "))
		warnings = append(warnings, w)
		fmt.Fprintf(&b, "**Warning:** the records of this section were trained on %d different sets of input files (%s).\n\n",
			len(all), strings.Join(parts, "; "))
	default:
		fmt.Fprintf(&b, "Every record that carries input-file hashes was trained on the same input files (digest %s).\n\n", short(sortedDigests(all)[0]))
	}
	if len(split) > 0 {
		fmt.Fprintf(&b, "%d record(s) carry no input-file hash (written before pelab stored them), so their data are unchecked: %s.\n\n",
			unknown, strings.Join(split, ", "))
	}
	return b.String(), warnings
}

// short is d's first digestShown digits and "…", or d when shorter.
func short(d string) string {
	if len(d) > digestShown {
		return d[:digestShown] + "…"
	}
	return d
}

func sortedDigests(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

// describeDigests lists digests (shortened) with the seeds of their records.
func describeDigests(ds map[string][]int64) string {
	set := map[string]bool{}
	for d := range ds {
		set[d] = true
	}
	var parts []string
	for _, d := range sortedDigests(set) {
		seeds := slices.Clone(ds[d])
		slices.Sort(seeds)
		ss := make([]string, len(seeds))
		for i, s := range seeds {
			ss[i] = strconv.FormatInt(s, 10)
		}
		parts = append(parts, fmt.Sprintf("%s for seed(s) %s", short(d), strings.Join(ss, ", ")))
	}
	return strings.Join(parts, "; ")
}
