package fmri

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/masked"
	"gonum.org/v1/gonum/mat"
)

func TestReadDir(t *testing.T) {
	dir := t.TempDir()
	if err := masked.WriteNPY(filepath.Join(dir, "b.npy"), mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("1,2\n3,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	ss, err := ReadDir(dir, masked.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].Name != "a" || ss[1].Name != "b" || ss[1].Times() != 3 {
		t.Fatalf("got %d series, want a (2×2) and b (2×3)", len(ss))
	}
	if _, err := ReadDir(dir, masked.ReadOptions{}, "b", "c"); err == nil || !strings.Contains(err.Error(), "no file for subject c") {
		t.Errorf("missing subject: error %v", err)
	}
	os.WriteFile(filepath.Join(dir, "c.csv"), []byte("1,2\n3,4\n5,6\n"), 0o644)
	if _, err := ReadDir(dir, masked.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "regions") {
		t.Errorf("region count mismatch: error %v", err)
	}
}

func TestSubjectID(t *testing.T) {
	for in, want := range map[string]string{
		"/x/HCP_example_restrun1_subj100206_data.h5": "100206",
		"sub-07.npy": "sub-07",
		"a/b.c.csv":  "b.c",
	} {
		if got := SubjectID(in); got != want {
			t.Errorf("SubjectID(%q) = %q, want %q", in, got, want)
		}
	}
}
