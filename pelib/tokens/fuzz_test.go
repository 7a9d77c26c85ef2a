package tokens

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadTokens feeds ReadTokens damaged coordinates and partition files:
// a coordinates CSV, and a partition given as a column of it ("network") or
// as a second CSV file. Each must end in an error naming one of the files,
// or in tokens that keep ReadTokens' promises: at least MinTokens, unique
// names, every coordinate finite and one per axis, and a partition (when
// asked for) that gives every token one of ≥ 2 networks. Never a panic or a
// hang (go test's -timeout).
func FuzzReadTokens(f *testing.F) {
	for _, s := range []struct {
		coords, part string
		file         bool
	}{
		{goodCoords, "", false},
		{"name,x,y,network\na,0,0,n1\nb,0,1,n1\nc,1,0,n2\nd,1,1,n2\n", "", false},
		{goodCoords, "name,network\nd,n2\nc,n2\nb,n1\na,n1\n", true},
		{goodCoords, "network\nn1\nn1\nn2\nn2\n", true},
		{"# comment\nx,y\n0,0\n\n0,1\n1,0\n1,1\n", "", false},
		{"name,x,y\na,0,0\nb,0,one\nc,1,0\nd,1,1\n", "", false},
		{"name,x\na,NaN\nb,1\nc,2\nd,3\n", "", false},
		{"name,x,y\na,0,0\nb,0\n", "", false},
		{"", "", false},
		{"name,\"x\ny\"\n\"a\",1e308\nb,-1e308\nc,0\nd,5e-324\n", "", false},
	} {
		f.Add(s.coords, s.part, s.file)
	}
	f.Fuzz(func(t *testing.T, coords, part string, file bool) {
		dir := t.TempDir()
		cp := filepath.Join(dir, "coords.csv")
		if err := os.WriteFile(cp, []byte(coords), 0o644); err != nil {
			t.Fatal(err)
		}
		opt := TokenOptions{}
		switch {
		case file:
			pp := filepath.Join(dir, "part.csv")
			if err := os.WriteFile(pp, []byte(part), 0o644); err != nil {
				t.Fatal(err)
			}
			opt.Partition = pp
		case strings.Contains(strings.SplitN(coords, "\n", 2)[0], "network"):
			opt.Partition = "network"
		}
		tok, err := ReadTokens(cp, opt)
		if err != nil {
			if !strings.Contains(err.Error(), cp) && (opt.Partition == "" || !strings.Contains(err.Error(), opt.Partition)) {
				t.Fatalf("error %q names neither file", err)
			}
			return
		}
		if tok.S() < MinTokens || len(tok.Coords) != tok.S() {
			t.Fatalf("%d tokens, %d coordinate rows: want ≥ %d, one row each", tok.S(), len(tok.Coords), MinTokens)
		}
		seen := map[string]bool{}
		for s, name := range tok.Names {
			if seen[name] {
				t.Fatalf("token name %q accepted twice", name)
			}
			seen[name] = true
			if len(tok.Coords[s]) != tok.Dim() || tok.Dim() < 1 {
				t.Fatalf("token %d: %d coordinates for %d axes", s, len(tok.Coords[s]), tok.Dim())
			}
			for _, x := range tok.Coords[s] {
				if math.IsNaN(x) || math.IsInf(x, 0) {
					t.Fatalf("token %d: coordinate %v accepted", s, x)
				}
			}
		}
		if opt.Partition == "" {
			return
		}
		if len(tok.Partition) != tok.S() || len(tok.Networks) < 2 {
			t.Fatalf("partition of %d tokens into %d networks accepted for %d tokens", len(tok.Partition), len(tok.Networks), tok.S())
		}
		for s, k := range tok.Partition {
			if k < 0 || k >= len(tok.Networks) {
				t.Fatalf("token %d: network index %d of %d", s, k, len(tok.Networks))
			}
		}
	})
}

// FuzzReadSignals feeds ReadSignals a damaged CSV recording beside a good
// one, for 4 tokens: an error naming the folder or the file, or recordings
// of exactly 4 rows, at least MinTimes columns and only finite values.
func FuzzReadSignals(f *testing.F) {
	for _, s := range []string{
		"1,2,3,4\n1,2,3,5\n1,2,3,6\n1,2,3,7\n",
		"1,2,3,4,5\n1,2,3,4,6\n1,2,3,4,7\n1,2,3,4,8\n1,2,3,4,9\n",
		"1,2,3,4\n1,2,NaN,5\n1,2,3,6\n1,2,3,7\n",
		"1,2\n1,2\n1,2\n1,2\n",
		"1,2,3,4\n1,2,3\n1,2,3,6\n1,2,3,7\n",
		"x,y,z,w\n1,2,3,4\n1,2,3,5\n1,2,3,6\n1,2,3,7\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("0,1,2,3\n1,2,3,4\n2,3,4,5\n3,4,5,6\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		bad := filepath.Join(dir, "b.csv")
		if err := os.WriteFile(bad, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		recs, err := ReadSignals(dir, 4, "coords.csv", SignalOptions{MinTimes: 3})
		if err != nil {
			if !strings.Contains(err.Error(), dir) {
				t.Fatalf("error %q does not name the folder or file", err)
			}
			return
		}
		if len(recs) != 2 {
			t.Fatalf("%d recordings, want 2", len(recs))
		}
		for _, r := range recs {
			rows, cols := r.Data.Dims()
			if rows != 4 || cols < 3 {
				t.Fatalf("%s: %d × %d accepted, want 4 rows and ≥ 3 time points", r.Name, rows, cols)
			}
			for i := range rows {
				for j := range cols {
					if x := r.Data.At(i, j); math.IsNaN(x) || math.IsInf(x, 0) {
						t.Fatalf("%s: value %v at row %d, time %d accepted", r.Name, x, i, j)
					}
				}
			}
		}
	})
}
