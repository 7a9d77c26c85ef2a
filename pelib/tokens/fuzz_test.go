package tokens

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/npy"
	"github.com/pelab/pelab/pelib/train"
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

// FuzzTokensFolder builds a small `pelab tokens` data set from fuzzed
// bytes — a coordinates file (CSV, or NPY [S, c] when npyCoords) and one
// recording (CSV, or NPY [S, T] when npyRec), stored twice in the signals
// folder as a.* and b.* so that one can be held out — and reads it as the
// command does (NewTask: coordinates, recordings, split, z-scores,
// windows). Any bytes: no panic, and an error that names the data set's
// folder or says what is wrong with the data set ("tokens: …"), or a task
// whose windows and layout agree with the tokens and hold only finite
// values.
func FuzzTokensFolder(f *testing.F) {
	npyOf := func(name string, data []float64, shape ...int) []byte {
		p := filepath.Join(f.TempDir(), name)
		if err := npy.Write(p, data, shape...); err != nil {
			f.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	rec := "0,1,2,3,4,5\n1,2,3,4,5,7\n2,3,4,5,6,9\n3,4,5,6,7,3\n"
	plain := "name,x,y\na,0,0\nb,0,1\nc,1,0\nd,1,1\n"
	for _, s := range []struct {
		coords, rec       []byte
		npyCoords, npyRec bool
	}{
		{[]byte(goodCoords), []byte(rec), false, false},
		{[]byte("x,y\n0,0\n0,1\n1,0\n1,1\n"), []byte(rec), false, false},
		{npyOf("c.npy", []float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2), []byte(rec), true, false},
		{[]byte(plain), npyOf("r.npy", []float64{0, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 7, 2, 3, 4, 5, 6, 9, 3, 4, 5, 6, 7, 3}, 4, 6), false, true},
		{[]byte(plain), []byte("1,1,1,1,1,1\n1,1,1,1,1,1\n1,1,1,1,1,1\n1,1,1,1,1,1\n"), false, false}, // constant: no z-score
		{[]byte(plain), []byte("0,1\n1,2\n2,3\n3,4\n"), false, false},                                 // shorter than a window
		{[]byte(plain), []byte("0,1,2,3,4,5\n1,2,3,4,5,7\n"), false, false},                           // too few tokens
		{[]byte("\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'}"), []byte(rec), true, false},
		{[]byte(plain), []byte("\x93NUMPY"), false, true},
		{nil, nil, false, false},
	} {
		f.Add(s.coords, s.rec, s.npyCoords, s.npyRec)
	}
	p := Quick()
	p.Window, p.Stride, p.Batch, p.TestRecordings = 3, 1, 1, 1
	// One folder per fuzzing process, emptied before each input (a fresh
	// t.TempDir per input doubled the time of 10,000 inputs).
	dir := f.TempDir()
	sig := filepath.Join(dir, "signals")
	f.Fuzz(func(t *testing.T, coords, rec []byte, npyCoords, npyRec bool) {
		if err := os.RemoveAll(sig); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"coords.csv", "coords.npy"} {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
		if err := os.Mkdir(sig, 0o755); err != nil {
			t.Fatal(err)
		}
		cp := filepath.Join(dir, "coords.csv")
		if npyCoords {
			cp = filepath.Join(dir, "coords.npy")
		}
		ext := ".csv"
		if npyRec {
			ext = ".npy"
		}
		for path, b := range map[string][]byte{cp: coords, filepath.Join(sig, "a"+ext): rec, filepath.Join(sig, "b"+ext): rec} {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		in := Input{Coords: cp, Signals: sig}
		if !npyCoords && strings.Contains(strings.SplitN(string(coords), "\n", 2)[0], "network") {
			in.Tokens.Partition = "network" // a partition column, as -partition network reads it
		}
		task, err := NewTask(p, in)
		if err != nil {
			if !strings.Contains(err.Error(), dir) && !strings.HasPrefix(err.Error(), "tokens: ") {
				t.Fatalf("error %q names neither the folder nor the data set", err)
			}
			return
		}
		S := task.Tokens.S()
		for _, d := range append([]*train.Data{task.Task.Train}, task.Task.Evals...) {
			if d.S != S || d.F != p.Window || d.N < 1 || len(d.X) != d.N*d.S*d.F {
				t.Fatalf("%s: N %d, S %d, F %d, %d values; want S %d, F %d, N·S·F values", d.Name, d.N, d.S, d.F, len(d.X), S, p.Window)
			}
			for i, x := range d.X {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					t.Fatalf("%s: value %v at %d accepted", d.Name, x, i)
				}
			}
		}
		if len(task.Train) != 1 || len(task.Test) != 1 {
			t.Fatalf("recordings: train %q, test %q; want one each", task.Train, task.Test)
		}
	})
}
