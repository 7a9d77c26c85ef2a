package results

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHashFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	a, b := write("a.csv", "abc"), write("b.csv", "abd")
	in, err := HashFiles(map[string]string{"x/a.csv": a, "x/b.csv": b})
	if err != nil {
		t.Fatal(err)
	}
	// SHA-256("abc"), FIPS 180-2 appendix B.1.
	if got := in["x/a.csv"]; got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("SHA-256 of abc = %s", got)
	}
	for _, tc := range []struct {
		name    string
		other   Inputs
		sameDig bool
	}{
		{"same names and contents", Inputs{"x/b.csv": in["x/b.csv"], "x/a.csv": in["x/a.csv"]}, true},
		{"one file's contents differ", Inputs{"x/a.csv": in["x/b.csv"], "x/b.csv": in["x/b.csv"]}, false},
		{"a file renamed", Inputs{"y/a.csv": in["x/a.csv"], "x/b.csv": in["x/b.csv"]}, false},
		{"a file fewer", Inputs{"x/a.csv": in["x/a.csv"]}, false},
		{"contents swapped between names", Inputs{"x/a.csv": in["x/b.csv"], "x/b.csv": in["x/a.csv"]}, false},
	} {
		if same := tc.other.Digest() == in.Digest(); same != tc.sameDig {
			t.Errorf("%s: same digest = %v, want %v", tc.name, same, tc.sameDig)
		}
	}
	if d := (Inputs{}).Digest(); d != "" {
		t.Errorf("digest of no inputs %q, want \"\"", d)
	}
	if s := in.Summary(); s.Files != 2 || len(s.SHA256) != 64 || s.SHA256 != in.Digest() {
		t.Errorf("summary %+v", s)
	}
	for _, tc := range []struct {
		files map[string]string
		err   string
	}{
		{map[string]string{"x/c.csv": filepath.Join(dir, "c.csv")}, "c.csv"},
		{map[string]string{"": a}, "a.csv: name \"\": want a non-empty name"},
		{map[string]string{"x\ty": a}, "without tabs or newlines"},
	} {
		if _, err := HashFiles(tc.files); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("HashFiles(%v): %v, want an error containing %q", tc.files, err, tc.err)
		}
	}
}

// TestInputDigest reads a record's input digest from its config, and
// reports records without one (written before input hashes, or of an
// experiment that reads no files) as unknown.
func TestInputDigest(t *testing.T) {
	in := Inputs{"a": strings.Repeat("0", 64)}
	withInputs, _ := json.Marshal(map[string]any{"seed": 1, InputsKey: in.Summary()})
	for _, tc := range []struct {
		name   string
		config json.RawMessage
		want   string
		ok     bool
	}{
		{"with inputs", withInputs, in.Digest(), true},
		{"written before input hashes", json.RawMessage(`{"seed":1,"condition":"learn-1"}`), "", false},
		{"no config", nil, "", false},
		{"inputs of another shape", json.RawMessage(`{"inputs":"x"}`), "", false},
	} {
		got, ok := Record{Config: tc.config}.InputDigest()
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}
