package results

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// StatusCount is how many of one group's records ended in each status, and
// why the ones that are not ok stopped.
type StatusCount struct {
	Group                string
	OK, Diverged, Failed int
	// Reasons lists each distinct reason (Record.Error) of the group's
	// diverged and failed records, in order of first appearance, with the
	// status and the seeds that share it.
	Reasons []StatusReason
}

// StatusReason is one reason why some records of a group are not ok.
type StatusReason struct {
	Status string  // StatusDiverged or StatusFailed
	Reason string  // the records' Error ("" when they give none)
	Seeds  []int64 // the seeds with this status and reason, sorted
}

// CountStatus groups rs by groupBy (ByCell when nil), in the order of
// Summarize, and counts each group's statuses.
func CountStatus(rs []Record, groupBy func(Record) string) []StatusCount {
	if groupBy == nil {
		groupBy = ByCell
	}
	sorted := slices.Clone(rs)
	Sort(sorted)
	var out []StatusCount
	at := map[string]int{}
	for _, r := range sorted {
		g := groupBy(r)
		i, ok := at[g]
		if !ok {
			i = len(out)
			at[g] = i
			out = append(out, StatusCount{Group: g})
		}
		c := &out[i]
		switch r.Status {
		case StatusOK:
			c.OK++
			continue
		case StatusDiverged:
			c.Diverged++
		default:
			c.Failed++
		}
		j := slices.IndexFunc(c.Reasons, func(x StatusReason) bool { return x.Status == r.Status && x.Reason == r.Error })
		if j < 0 {
			c.Reasons = append(c.Reasons, StatusReason{Status: r.Status, Reason: r.Error})
			j = len(c.Reasons) - 1
		}
		c.Reasons[j].Seeds = append(c.Reasons[j].Seeds, r.Seed)
	}
	for i := range out {
		for j := range out[i].Reasons {
			slices.Sort(out[i].Reasons[j].Seeds)
		}
	}
	return out
}

// StatusMarkdown renders the groups of rs (grouped by groupBy, ByCell when
// nil) that have diverged or failed records as a Markdown section: a table
// of ok / diverged / failed counts per group, then one line per distinct
// reason, e.g.
//
//   - learn-1e39: 3 diverged (seeds 1, 2, 3): initial parameter pe/table is not finite …
//
// It returns "" when every record is ok. Diverged and failed records are
// left out of every mean ± SD; this section says how many and why.
func StatusMarkdown(rs []Record, groupBy func(Record) string) string {
	var bad []StatusCount
	for _, c := range CountStatus(rs, groupBy) {
		if c.Diverged+c.Failed > 0 {
			bad = append(bad, c)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("Models not ok (left out of every mean ± SD): diverged = stopped on a NaN/Inf loss, gradient or parameter; failed = could not be trained or analysed.\n\n")
	b.WriteString("| condition | ok | diverged | failed |\n|---|---:|---:|---:|\n")
	for _, c := range bad {
		fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", escapeCell(c.Group), c.OK, c.Diverged, c.Failed)
	}
	b.WriteString("\n")
	for _, c := range bad {
		for _, r := range c.Reasons {
			seeds := make([]string, len(r.Seeds))
			for i, s := range r.Seeds {
				seeds[i] = strconv.FormatInt(s, 10)
			}
			word := "seed"
			if len(seeds) > 1 {
				word = "seeds"
			}
			reason := r.Reason
			if reason == "" {
				reason = "no reason recorded"
			}
			fmt.Fprintf(&b, "- %s: %d %s (%s %s): %s\n", c.Group, len(r.Seeds), r.Status, word, strings.Join(seeds, ", "), oneLine(reason))
		}
	}
	return b.String()
}

// UnusableMarkdown renders the errors of record files that could not be
// used (Store.All's corrupt list) as a Markdown list naming each file and
// what is wrong with it; "" when there are none.
func UnusableMarkdown(unusable []error) string {
	if len(unusable) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d record file(s) could not be used and are left out (a sweep run redoes them):\n\n", len(unusable))
	for _, e := range unusable {
		fmt.Fprintf(&b, "- %s\n", oneLine(e.Error()))
	}
	return b.String()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
