package tokens

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/npy"
)

// series returns S × L values that vary per token and time.
func series(S, L int, seed float64) []float64 {
	x := make([]float64, S*L)
	for s := range S {
		for t := range L {
			x[s*L+t] = math.Sin(seed + float64(s)*0.7 + float64(t)*(0.3+0.01*float64(s)))
		}
	}
	return x
}

const goodCoords = "name,x,y,network\na,0,0,left\nb,0,1,left\nc,1,0,right\nd,1,1,right\n"

// testInput writes files (name → CSV text, or name → values for .npy of
// shape S × len/S with S = 4) into a folder and returns the input reading
// them: coords.csv, signals/.
func testInput(t *testing.T, csvs map[string]string, npys map[string][]float64) Input {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "signals"), 0o755); err != nil {
		t.Fatal(err)
	}
	for n, s := range csvs {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for n, x := range npys {
		if err := npy.Write(filepath.Join(dir, n), x, 4, len(x)/4); err != nil {
			t.Fatal(err)
		}
	}
	return Input{Coords: filepath.Join(dir, "coords.csv"), Signals: filepath.Join(dir, "signals"), Tokens: TokenOptions{Partition: "network"}}
}

func smallProtocol() Protocol {
	p := Quick()
	p.Window, p.Batch = 4, 2
	return p
}

// TestNewTaskValidation checks that every kind of bad input is an error
// that names the file, the line or token, and what was expected.
func TestNewTaskValidation(t *testing.T) {
	good := map[string][]float64{"signals/r1.npy": series(4, 12, 0), "signals/r2.npy": series(4, 12, 1), "signals/r3.npy": series(4, 12, 2)}
	with := func(extra map[string][]float64, drop ...string) map[string][]float64 {
		out := map[string][]float64{}
		for k, v := range good {
			out[k] = v
		}
		for _, k := range drop {
			delete(out, k)
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	constant := series(4, 12, 3)
	for t := range 12 {
		constant[2*12+t] = 5
	}
	withNaN := series(4, 12, 3)
	withNaN[13] = math.NaN()
	damaged := series(4, 12, 3)
	damaged[12+5] = -7.8e26 // token b, time 5: one damaged exponent byte
	cases := []struct {
		name   string
		csvs   map[string]string
		npys   map[string][]float64
		modify func(*Input)
		want   []string // substrings of the error
	}{
		{"non-numeric coordinate", map[string]string{"coords.csv": "name,x,y\na,0,0\nb,0,one\nc,1,0\nd,1,1\n"}, good, nil,
			[]string{"coords.csv line 3 (token b), column y", `"one" is not a number`}},
		{"NaN coordinate", map[string]string{"coords.csv": "name,x,y\na,0,0\nb,0,1\nc,NaN,0\nd,1,1\n"}, good, nil,
			[]string{"coords.csv line 4 (token c), column x", "want a finite coordinate"}},
		{"Inf coordinate", map[string]string{"coords.csv": "name,x,y\na,0,0\nb,0,1\nc,1,0\nd,1,+Inf\n"}, good, nil,
			[]string{"coords.csv line 5 (token d), column y", "finite"}},
		{"duplicate names", map[string]string{"coords.csv": "name,x,y\na,0,0\nb,0,1\na,1,0\nd,1,1\n"}, good, nil,
			[]string{"coords.csv", `token name "a" given twice`, "unique"}},
		{"short row", map[string]string{"coords.csv": "name,x,y\na,0,0\nb,0\nc,1,0\nd,1,1\n"}, good, nil,
			[]string{"coords.csv line 3", "2 fields, the header has 3"}},
		{"too few tokens", map[string]string{"coords.csv": "name,x\na,0\nb,1\nc,2\n"}, good, nil,
			[]string{"coords.csv", "3 tokens, want at least 4"}},
		{"no coordinate column", map[string]string{"coords.csv": "name\na\nb\nc\nd\n"}, good, nil,
			[]string{"coords.csv line 1", "no coordinate column"}},
		{"one network", map[string]string{"coords.csv": "name,x,network\na,0,n\nb,1,n\nc,2,n\nd,3,n\n"}, good, nil,
			[]string{"column network", "at least 2 networks"}},
		{"partition file, unknown token", map[string]string{"coords.csv": "name,x,y\na,0,0\nb,0,1\nc,1,0\nd,1,1\n",
			"part.csv": "name,network\na,l\nb,l\nz,r\nd,r\n"}, good,
			func(in *Input) { in.Tokens.Partition = filepath.Join(filepath.Dir(in.Coords), "part.csv") },
			[]string{"part.csv line 4", `token "z" is not in the coordinates`}},
		{"partition file, token without network", map[string]string{"coords.csv": "name,x,y\na,0,0\nb,0,1\nc,1,0\nd,1,1\n",
			"part.csv": "name,network\na,l\nb,l\nd,r\n"}, good,
			func(in *Input) { in.Tokens.Partition = filepath.Join(filepath.Dir(in.Coords), "part.csv") },
			[]string{"part.csv", `token "c" has no network`}},
		{"partition neither column nor file", map[string]string{"coords.csv": "name,x,y\na,0,0\nb,0,1\nc,1,0\nd,1,1\n"}, good,
			func(in *Input) { in.Tokens.Partition = "nets" },
			[]string{`partition "nets" is neither a column of`, "coords.csv"}},
		{"signals with 5 tokens", map[string]string{"coords.csv": goodCoords, "signals/r4.csv": "1,2,3,4,5\n1,2,3,4,6\n1,2,3,4,7\n1,2,3,4,8\n1,2,3,4,9\n"}, good, nil,
			[]string{"r4.csv", "5 rows × 5 time points, want 4 rows, one per token of", "coords.csv"}},
		{"transposed signals", map[string]string{"coords.csv": goodCoords,
			"signals/r4.csv": "1,2,3,4\n2,3,4,1\n3,4,1,2\n4,1,2,3\n5,1,2,3\n6,1,2,3\n"}, good, nil,
			[]string{"r4.csv", "6 rows × 4 time points", "looks transposed"}},
		{"NaN in signals", map[string]string{"coords.csv": goodCoords}, with(map[string][]float64{"signals/r3.npy": withNaN}), nil,
			[]string{"r3.npy", "NaN", "time 1", "finite"}},
		{"damaged value", map[string]string{"coords.csv": goodCoords}, with(map[string][]float64{"signals/r3.npy": damaged}), nil,
			[]string{"r3.npy", "-7.8e+26 at token b (row 1), time 5 (0-based)", "robust standard deviations"}},
		{"damaged value, bound off", map[string]string{"coords.csv": goodCoords}, with(map[string][]float64{"signals/r3.npy": damaged}),
			func(in *Input) { in.MaxOutlierZ = math.Inf(1) }, nil},
		{"constant token", map[string]string{"coords.csv": goodCoords}, with(map[string][]float64{"signals/r3.npy": constant}), nil,
			[]string{"r3.npy", "token c (row 2", "constant series"}},
		{"too few time points", map[string]string{"coords.csv": goodCoords}, with(map[string][]float64{"signals/r3.npy": series(4, 3, 2)}), nil,
			[]string{"r3.npy", "3 time points, fewer than one window of 4"}},
		{"one recording", map[string]string{"coords.csv": goodCoords}, with(nil, "signals/r2.npy", "signals/r3.npy"), nil,
			[]string{"signals", "1 recording (r1)", "held-out recordings need at least 2"}},
		{"no recordings", map[string]string{"coords.csv": goodCoords}, nil, nil,
			[]string{"signals", "no recordings"}},
		{"two files, one recording", map[string]string{"coords.csv": goodCoords, "signals/r1.csv": "1,2,3,4\n1,2,3,5\n1,2,3,6\n1,2,3,7\n"}, good, nil,
			[]string{"recording r1 has two files, r1.csv and r1.npy"}},
		{"unknown held-out", map[string]string{"coords.csv": goodCoords}, good, func(in *Input) { in.Split.Test = []string{"r9"} },
			[]string{`held-out recording "r9": no recording of that name`, "have r1, r2, r3"}},
		{"everything held out", map[string]string{"coords.csv": goodCoords}, good, func(in *Input) { in.Split.Test = []string{"r*"} },
			[]string{"every recording is held out"}},
		{"train and test overlap", map[string]string{"coords.csv": goodCoords}, good,
			func(in *Input) { in.Split.Test, in.Split.Train = []string{"r1"}, []string{"r1", "r2"} },
			[]string{"recording r1 is both held out and a training recording"}},
		{"fewer windows than the batch", map[string]string{"coords.csv": goodCoords},
			map[string][]float64{"signals/r1.npy": series(4, 4, 0), "signals/r2.npy": series(4, 4, 1)},
			func(in *Input) { in.Split.Test = []string{"r2"} },
			[]string{"1 training windows of 4 points (recordings r1), fewer than the batch size 2"}},
		{"all tokens at one point", map[string]string{"coords.csv": "name,x,y,network\na,1,2,l\nb,1,2,l\nc,1,2,r\nd,1,2,r\n"}, good, nil,
			[]string{"coords.csv", "every token is at the same point [1 2]"}},
		{"coordinates of 1e300", map[string]string{"coords.csv": "name,x,y,network\na,1e300,0,l\nb,0,1,l\nc,1,0,r\nd,1,1,r\n"}, good, nil,
			[]string{"coords.csv", "token a, coordinate x: 1e+300 / -coord-unit 1", "within ±1e+06"}},
		{"coordinates of 1e-310", map[string]string{"coords.csv": "name,x,y,network\na,0,0,l\nb,0,1e-310,l\nc,1e-310,0,r\nd,1e-310,1e-310,r\n"}, good,
			func(in *Input) { in.CoordUnit = 1 },
			[]string{"coords.csv", "the coordinates span 1e-310 (along x, after -coord-unit 1), want at least 1e-06"}},
		{"coordinates of 1e-310, unit auto", map[string]string{"coords.csv": "name,x,y,network\na,0,0,l\nb,0,1e-310,l\nc,1e-310,0,r\nd,1e-310,1e-310,r\n"}, good, nil,
			[]string{"coords.csv", "-coord-unit auto: neighbouring tokens are 1.00000000000005e-310 apart", "write them in a larger unit"}},
		{"most tokens at one point, unit auto", map[string]string{"coords.csv": "name,x,y,network\na,0,0,l\nb,0,0,l\nc,0,0,r\nd,1,1,r\n"}, good, nil,
			[]string{"coords.csv", "-coord-unit auto", "median distance from a token to its nearest neighbour is 0", "give -coord-unit"}},
		{"coordinate unit 1e300", map[string]string{"coords.csv": goodCoords}, good, func(in *Input) { in.CoordUnit = 1e300 },
			[]string{"coords.csv", "span 1e-300", "after -coord-unit 1e+300"}},
		{"token named #t3", map[string]string{"coords.csv": "name,x,y,network\na,0,0,l\nb,0,1,l\n#t3,1,0,r\nd,1,1,r\n"}, good, nil, nil},
		{"comment before the header", map[string]string{"coords.csv": "# positions in mm\n" + goodCoords}, good, nil, nil},
		{"comment after the header", map[string]string{"coords.csv": goodCoords + "# end\n"}, good, nil,
			[]string{"coords.csv line 6: 1 fields, the header has 4"}},
		{"byte order mark", map[string]string{"coords.csv": "\uFEFF" + goodCoords}, good, nil, nil},
		{"byte order mark in the partition file", map[string]string{"coords.csv": "name,x,y\na,0,0\nb,0,1\nc,1,0\nd,1,1\n",
			"part.csv": "\uFEFFname,network\na,l\nb,l\nc,r\nd,r\n"}, good,
			func(in *Input) { in.Tokens.Partition = filepath.Join(filepath.Dir(in.Coords), "part.csv") }, nil},
		{"bad coordinate unit", map[string]string{"coords.csv": goodCoords}, good, func(in *Input) { in.CoordUnit = -1 },
			[]string{"-coord-unit -1, want auto (0) or a finite number > 0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := testInput(t, c.csvs, c.npys)
			if c.modify != nil {
				c.modify(&in)
			}
			task, err := NewTask(smallProtocol(), in)
			if c.want == nil {
				if err != nil {
					t.Fatalf("want no error, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want an error with %q, got a task of %d windows", c.want, task.Task.Train.N)
			}
			t.Log(err)
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

// TestNewTask checks a good input: the partition, the drawn split, the
// windows and the layout's units.
func TestNewTask(t *testing.T) {
	in := testInput(t, map[string]string{"coords.csv": goodCoords},
		map[string][]float64{"signals/r1.npy": series(4, 12, 0), "signals/r2.npy": series(4, 12, 1), "signals/r3.npy": series(4, 12, 2)})
	in.CoordUnit = 0.5
	task, err := NewTask(smallProtocol(), in)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(task.Tokens.Networks, ","); got != "left,right" {
		t.Errorf("networks %s, want left,right", got)
	}
	if len(task.Test) != 1 || len(task.Train) != 2 {
		t.Errorf("split %v / %v, want 2 training and 1 held-out recording", task.Train, task.Test)
	}
	if task.Task.Train.N != 6 || task.TestWindows.N != 3 || task.Task.Train.F != 4 {
		t.Errorf("%d training and %d held-out windows of %d points, want 6 and 3 of 4", task.Task.Train.N, task.TestWindows.N, task.Task.Train.F)
	}
	if got := task.Layout.Coords[3]; got[0] != 2 || got[1] != 2 {
		t.Errorf("token d at %v in units of 0.5, want [2 2]", got)
	}
	if _, err := NewAnalyzer(task, smallProtocol()); err != nil {
		t.Fatal(err)
	}
}

func TestNaturalCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"block2", "block10", -1}, {"block10", "block2", 1}, {"block02", "block2", -1}, {"a", "b", -1},
		{"Visual1", "Visual2", -1}, {"net", "net1", -1}, {"", "", 0}, {"x9y", "x10a", -1},
	} {
		if got := naturalCompare(tc.a, tc.b); got != tc.want {
			t.Errorf("naturalCompare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
