package lst

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/pelib/results"
)

// TestTaskInputs: the task's Inputs are the SHA-256 of the four reference
// CSVs it read, by file name (so the cell IDs do not depend on the
// folder); one byte changed in a copy gives another digest, and NewTask
// refuses that copy (FindDir checks each file against the data set's
// checksums), naming the file.
func TestTaskInputs(t *testing.T) {
	src, err := FindDir("")
	if err != nil {
		t.Skipf("skipping: LST reference data not found (../shared/data/lst): %v", err)
	}
	dir := t.TempDir()
	for _, f := range Dataset().Files {
		b, err := os.ReadFile(filepath.Join(src, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Path), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	task, err := NewTask(TaskOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := results.Inputs{}
	for _, f := range Dataset().Files {
		if f.Path != FileLicense {
			want[f.Path] = f.SHA256
		}
	}
	if len(task.Inputs) != 4 || task.Inputs.Digest() != want.Digest() {
		t.Errorf("task inputs %v, want the data set's checksums of the four CSVs %v", task.Inputs, want)
	}
	orig := filepath.Join(dir, FileOriginal)
	b, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-2] ^= 1 // one byte of the last puzzle's solution: 1 ↔ 0, 2 ↔ 3
	if err := os.WriteFile(orig, b, 0o644); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for n := range want {
		files[n] = filepath.Join(dir, n)
	}
	changed, err := results.HashFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	if changed.Digest() == want.Digest() || changed[FileOriginal] == want[FileOriginal] {
		t.Error("one byte changed in a reference CSV, same input digest")
	}
	if _, err := NewTask(TaskOptions{Dir: dir}); err == nil || !strings.Contains(err.Error(), FileOriginal) {
		t.Errorf("NewTask on a changed copy: %v, want an error naming %s", err, FileOriginal)
	}
}
