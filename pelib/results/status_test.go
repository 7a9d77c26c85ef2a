package results

import (
	"errors"
	"strings"
	"testing"
)

func TestStatusMarkdown(t *testing.T) {
	withErr := func(r Record, e string) Record { r.Error = e; return r }
	byCond := func(r Record) string { return r.Condition }
	cases := []struct {
		name string
		recs []Record
		want []string // substrings, in order
		none bool     // the section is empty
	}{
		{name: "all ok", recs: []Record{rec("a", 0, 1, StatusOK, nil), rec("a", 0, 2, StatusOK, nil)}, none: true},
		{name: "no records", none: true},
		{
			name: "diverged and failed with reasons",
			recs: []Record{
				rec("learn-0.1", 0.1, 1, StatusOK, nil),
				withErr(rec("learn-1e39", 1e39, 1, StatusDiverged, nil), "initial parameter pe/table has non-finite values"),
				withErr(rec("learn-1e39", 1e39, 2, StatusDiverged, nil), "initial parameter pe/table has non-finite values"),
				withErr(rec("learn-1e39", 1e39, 3, StatusFailed, nil), "analysis: Blocks: flat[0] = +Inf"),
				rec("learn-2", 2, 4, StatusFailed, nil),
			},
			want: []string{
				"| condition | ok | diverged | failed |",
				"| learn-1e39 | 0 | 2 | 1 |",
				"| learn-2 | 0 | 0 | 1 |",
				"- learn-1e39: 2 diverged (seeds 1, 2): initial parameter pe/table has non-finite values\n",
				"- learn-1e39: 1 failed (seed 3): analysis: Blocks: flat[0] = +Inf\n",
				"- learn-2: 1 failed (seed 4): no reason recorded\n",
			},
		},
		{
			name: "multi-line reason and pipe in the condition",
			recs: []Record{withErr(rec("a|b", 0, 7, StatusFailed, nil), "line one\nline two")},
			want: []string{`| a\|b | 0 | 0 | 1 |`, "- a|b: 1 failed (seed 7): line one line two\n"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := StatusMarkdown(c.recs, byCond)
			if c.none {
				if got != "" {
					t.Fatalf("got %q, want nothing", got)
				}
				return
			}
			rest := got
			for _, w := range c.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("missing (or out of order) %q in\n%s", w, got)
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(got, "learn-0.1") {
				t.Errorf("an all-ok condition is listed:\n%s", got)
			}
		})
	}
}

func TestSummaryNotOK(t *testing.T) {
	cases := []struct {
		recs []Record
		want string
	}{
		{[]Record{rec("a", 0, 1, StatusOK, nil)}, ""},
		{[]Record{rec("a", 0, 1, StatusOK, nil), rec("a", 0, 2, StatusDiverged, nil)}, " (+1 diverged)"},
		{[]Record{rec("a", 0, 1, StatusFailed, nil), rec("a", 0, 2, StatusFailed, nil)}, " (+2 failed)"},
		{[]Record{rec("a", 0, 1, StatusDiverged, nil), rec("a", 0, 2, StatusFailed, nil)}, " (+1 diverged, +1 failed)"},
	}
	for i, c := range cases {
		ss := Summarize(c.recs, func(r Record) string { return r.Condition })
		if len(ss) != 1 {
			t.Fatalf("case %d: %d summaries", i, len(ss))
		}
		if got := ss[0].NotOK(); got != c.want {
			t.Errorf("case %d: NotOK() = %q, want %q", i, got, c.want)
		}
	}
}

func TestUnusableMarkdown(t *testing.T) {
	if got := UnusableMarkdown(nil); got != "" {
		t.Errorf("no errors: got %q", got)
	}
	errs := []error{
		&CorruptError{Path: "/r/abc.json", Err: errors.New("checksum mismatch")},
		errors.New("results: read /r/def.json: permission denied"),
	}
	got := UnusableMarkdown(errs)
	for _, w := range []string{"2 record file(s) could not be used", "- results: corrupt record file /r/abc.json: checksum mismatch\n", "- results: read /r/def.json: permission denied\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
}
