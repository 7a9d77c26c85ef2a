package pe

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseSpec checks Parse, ParseList and SplitList on arbitrary strings:
// no panic or hang; an error names the input (Parse: `pe: spec "<input>"`;
// ParseList: the element's position); an accepted spec is valid and
// round-trips: Parse(s.String()) gives s again, with the same String.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"none", "random", "learn", "learn:0.2", "learn:normal:1e-7", "learn:uniform:2:3", "learn:xavier,wd=0.5,input",
		"sin1d,base=0.5", "sin2d", "sinnd,input", "rope1d", "rope2d,base=1e6", "ropend", "shaw", "shaw:xavier,causal,maxdist=3",
		"t5", "t5,buckets=6,causal,maxdist=7", "alibi", "alibind,causal", "nope", "learn-0.1", "learn-1e39", "uniform",
		"1d-fixed", "2d-fixed", "rope", "relative", "LEARN : 0.2 , WD = 1", "learn:0.1..1/0.1", "learn:0..1e9/1e-9",
		"shaw,causal;t5", ",", "learn-0.1,shaw,causal,sin2d", "learn:func", "learn:uniform:1:1", "t5,buckets=0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, str string) {
		s, err := Parse(str)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "pe: spec "+strconv.Quote(str)+": ") {
				t.Fatalf("Parse(%q): error %q does not name the input", str, err)
			}
		} else {
			if err := s.Validate(); err != nil {
				t.Fatalf("Parse(%q) = %v, which is invalid: %v", str, s, err)
			}
			again, err := Parse(s.String())
			if err != nil || !reflect.DeepEqual(again, s) || again.String() != s.String() {
				t.Fatalf("Parse(%q) = %#v; Parse(%q) = %#v, %v", str, s, s.String(), again, err)
			}
		}
		if specs, err := ParseList(str); err != nil {
			if !strings.HasPrefix(err.Error(), "pe: spec list "+strconv.Quote(str)) {
				t.Fatalf("ParseList(%q): error %q does not name the list", str, err)
			}
		} else if len(specs) == 0 {
			t.Fatalf("ParseList(%q): no specs and no error", str)
		}
		// SplitList loses nothing but separators and spaces.
		parts := SplitList(str)
		strip := func(s string) string {
			return strings.Map(func(r rune) rune {
				if r == ',' || r == ';' || strings.ContainsRune(" \t\n\v\f\r\u0085\u00a0", r) {
					return -1
				}
				return r
			}, s)
		}
		if got, want := strip(strings.Join(parts, "")), strip(str); utf8.ValidString(str) && got != want {
			t.Fatalf("SplitList(%q) = %q: lost text (%q vs %q)", str, parts, got, want)
		}
		if again := SplitList(strings.Join(parts, ";")); !reflect.DeepEqual(again, parts) {
			t.Fatalf("SplitList(%q) = %q, but SplitList of them joined by ';' = %q", str, parts, again)
		}
	})
}

func TestSplitList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"learn-0.1,sin2d", []string{"learn-0.1", "sin2d"}},
		{"learn-0.1,shaw,causal,sin2d", []string{"learn-0.1", "shaw,causal", "sin2d"}},
		{"shaw,causal,noout,learn-0.1,noout", []string{"shaw,causal,noout", "learn-0.1,noout"}},
		{"shaw, causal ,maxdist=3; t5,buckets=6", []string{"shaw,causal,maxdist=3", "t5,buckets=6"}},
		{"learn:0.2,wd=0.1,input,every", []string{"learn:0.2,wd=0.1,input,every"}},
		{"causal,shaw", []string{"causal", "shaw"}}, // an option with no spec before it stands alone
		{"a,,b;", []string{"a", "", "b", ""}},
		{"", []string{""}},
	} {
		if got := SplitList(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitList(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
