package tokens

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/results"
)

// TestInputsInCellID checks that the cell IDs depend on every byte of the
// input files, and only on their contents: one byte changed in a file
// gives new cell IDs — even a byte the readers skip (a comment), which
// leaves the parsed data, and so the old data_sha parameter, unchanged —
// and an identical copy of the data set in another folder gives the same
// IDs. Before input hashes, the comment case kept its cell IDs: a run on
// changed files looked like the clean one.
func TestInputsInCellID(t *testing.T) {
	coords := "# tokens v1\n" + goodCoords
	recording := "0.5,1e0,2,0.25,1,3\n1,0,-1,0.5,2,1\n0,1,0,1,0.5,2\n2,1,0.5,0,1,1\n"
	files := map[string]string{"coords.csv": coords}
	for _, r := range []string{"r1", "r2", "r3"} {
		files["signals/"+r+".csv"] = recording
	}
	files["signals/r2.csv"] = strings.Replace(recording, "0.5,1e0", "0.75,1e0", 1)
	files["signals/r3.csv"] = strings.Replace(recording, "2,1,0.5", "2,1,0.3", 1)
	ids := func(t *testing.T, in Input) ([]string, results.Inputs) {
		t.Helper()
		p := smallProtocol()
		p.Window = 3
		task, err := NewTask(p, in)
		if err != nil {
			t.Fatal(err)
		}
		conds, err := Vocabulary().Parse("learn-0.1,none")
		if err != nil {
			t.Fatal(err)
		}
		plan, err := NewPlan(p, task, conds)
		if err != nil {
			t.Fatal(err)
		}
		cells, err := plan.Cells()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cells {
			out = append(out, c.ID)
		}
		return out, task.Inputs
	}
	clean := testInput(t, files, nil)
	cleanIDs, cleanIn := ids(t, clean)
	var names []string
	for n := range cleanIn {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := "coords/coords.csv signals/r1.csv signals/r2.csv signals/r3.csv"; strings.Join(names, " ") != want {
		t.Errorf("inputs %q, want %s", names, want)
	}
	for _, tc := range []struct {
		name, file  string
		old, new    string // one byte of file
		sameCellIDs bool
	}{
		{"copy in another folder", "coords.csv", "", "", true},
		{"a comment byte of the coordinates", "coords.csv", "v1", "v2", false},
		{"a value byte of a training or held-out recording", "signals/r1.csv", "1e0", "1e1", false},
		{"an exponent's case (same value)", "signals/r1.csv", "1e0", "1E0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed := map[string]string{}
			for k, v := range files {
				changed[k] = v
			}
			if tc.old != "" {
				if !strings.Contains(changed[tc.file], tc.old) || len(tc.old) != len(tc.new) {
					t.Fatalf("bad test case: %q in %s", tc.old, tc.file)
				}
				changed[tc.file] = strings.Replace(changed[tc.file], tc.old, tc.new, 1)
				if n := diffBytes(files[tc.file], changed[tc.file]); n != 1 {
					t.Fatalf("bad test case: %d bytes changed, want 1", n)
				}
			}
			in := testInput(t, changed, nil)
			got, _ := ids(t, in)
			if same := slices.Equal(got, cleanIDs); same != tc.sameCellIDs {
				t.Errorf("cell IDs %v, clean %v: same = %v, want %v", got, cleanIDs, same, tc.sameCellIDs)
			}
		})
	}
}

func diffBytes(a, b string) int {
	n := 0
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			n++
		}
	}
	return n + max(len(a), len(b)) - min(len(a), len(b))
}

// TestInputsRoles checks that a names file and a partition file are
// hashed when read, under their roles.
func TestInputsRoles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	coords := write("coords.csv", []byte("name,x,y\na,0,0\nb,0,1\nc,1,0\nd,1,1\n"))
	part := write("part.csv", []byte("name,network\na,l\nb,l\nc,r\nd,r\n"))
	tok, err := ReadTokens(coords, TokenOptions{Partition: part})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Files["coords"] != coords || tok.Files["partition"] != part || len(tok.Files) != 2 {
		t.Errorf("files read %v, want coords and partition", tok.Files)
	}
	tok, err = ReadTokens(write("c2.csv", []byte("name,x,y,net\na,0,0,l\nb,0,1,l\nc,1,0,r\nd,1,1,r\n")), TokenOptions{Partition: "net"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tok.Files) != 1 || !strings.HasSuffix(tok.Files["coords"], "c2.csv") {
		t.Errorf("files read %v, want the coordinates alone (the partition is a column)", tok.Files)
	}
}
