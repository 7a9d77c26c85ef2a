package results

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJSONLRoundTrip(t *testing.T) {
	a := sample(t, "learn:normal:0.2", 0.2, 2235)
	b := sample(t, "learn:normal:2.0", 2, 29)
	b.Status = StatusDiverged
	b.Final = map[string]float64{"train_loss": math.NaN(), "val_acc": math.Inf(-1)}
	c := Record{ID: "tut-1", Experiment: "tutorial", Condition: `odd "name", with | chars`, Status: StatusFailed, Error: "line one\nline two"}
	want := []Record{a, b, c}

	path := filepath.Join(t.TempDir(), "all.jsonl")
	if err := WriteJSONL(path, want); err != nil {
		t.Fatal(err)
	}
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(content), "\n"); n != len(want) {
		t.Errorf("JSONL file has %d lines, want %d", n, len(want))
	}
	got, err := ReadJSONL(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if d := diffRecord(got[i], want[i]); d != "" {
			t.Errorf("record %d: %s", i, d)
		}
	}

	// Blank lines and a missing final newline are fine.
	loose := "\n" + strings.ReplaceAll(string(content), "\n", "\n\n")
	loose = strings.TrimSuffix(loose, "\n\n")
	os.WriteFile(path, []byte(loose), 0o644)
	got, err = ReadJSONL(path)
	if err != nil || len(got) != len(want) {
		t.Errorf("ReadJSONL with blank lines: %d records, err %v; want %d records", len(got), err, len(want))
	}

	// An empty file is no records; an empty slice writes an empty file.
	if err := WriteJSONL(path, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadJSONL(path); err != nil || len(got) != 0 {
		t.Errorf("ReadJSONL of an empty file = %d records, %v", len(got), err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("WriteJSONL left %d files in its directory, want 1", len(entries))
	}
}

func TestReadJSONLErrors(t *testing.T) {
	good := `{"id":"a","experiment":"lst","status":"ok"}`
	tests := []struct {
		name, content string
		want          string // part of the error
	}{
		{"truncated line", good + "\n" + good + "\n" + `{"id":"b","experi`, "line 3"},
		{"not an object", good + "\n\n[1,2]\n", "line 3"},
		{"two records on one line", good + " " + good + "\n", "line 1"},
		{"invalid record", good + "\n" + `{"id":"b","experiment":"lst","status":"done"}` + "\n", "line 2"},
		{"bad metric", `{"id":"b","experiment":"lst","status":"ok","final":{"x":"lots"}}`, "line 1"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		path := filepath.Join(dir, "bad.jsonl")
		os.WriteFile(path, []byte(tt.content), 0o644)
		rs, err := ReadJSONL(path)
		if err == nil || !strings.Contains(err.Error(), path+" "+tt.want+":") {
			t.Errorf("%s: ReadJSONL = %d records, %v; want an error naming %s %s", tt.name, len(rs), err, path, tt.want)
		}
	}
	if _, err := ReadJSONL(filepath.Join(dir, "absent.jsonl")); err == nil {
		t.Error("ReadJSONL of a missing file: want an error")
	}
	if err := WriteJSONL(filepath.Join(dir, "x.jsonl"), []Record{{ID: "a"}}); err == nil {
		t.Error("WriteJSONL of an invalid record: want an error")
	}
	if err := WriteJSONL(filepath.Join(dir, "absent", "x.jsonl"), nil); err == nil {
		t.Error("WriteJSONL into a missing directory: want an error")
	}
}

func TestWriteCSV(t *testing.T) {
	a := sample(t, "learn:normal:0.2", 0.2, 2235)
	a.Final = map[string]float64{"val_acc": 0.9537, "test_acc": 1}
	a.WallSeconds = 0.1
	b := sample(t, `sin2d, "fixed"`, 0, 7)
	b.Params = map[string]float64{"mask": 0.25}
	b.Final = map[string]float64{"val_acc": math.NaN(), "mse": 1e-9}
	b.Status = StatusDiverged
	b.Backend = "xla:cuda"
	path := filepath.Join(t.TempDir(), "out.csv")
	if err := WriteCSV(path, []Record{a, b}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"id", "experiment", "condition", "seed", "params.mask", "params.sigma", "final.mse", "final.test_acc", "final.val_acc", "status", "backend", "wall_s"},
		{a.ID, "lst", "learn:normal:0.2", "2235", "", "0.2", "", "1", "0.9537", "ok", "onnx:cpu", "0.1"},
		{b.ID, "lst", `sin2d, "fixed"`, "7", "0.25", "", "1e-09", "", "NaN", "diverged", "xla:cuda", "12.5"},
	}
	if len(rows) != len(want) {
		t.Fatalf("CSV has %d rows, want %d: %q", len(rows), len(want), rows)
	}
	for i := range want {
		if strings.Join(rows[i], "\x00") != strings.Join(want[i], "\x00") {
			t.Errorf("CSV row %d:\n got %q\nwant %q", i, rows[i], want[i])
		}
	}
	if err := WriteCSV(filepath.Join(t.TempDir(), "absent", "x.csv"), nil); err == nil {
		t.Error("WriteCSV into a missing directory: want an error")
	}
}
