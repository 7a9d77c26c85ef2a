package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/testbackend"
)

// TestBenchCommand runs a tiny bench (the netsim-sized model at batch 2) on
// the test backend and checks the table and the CSV.
func TestBenchCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.csv")
	var out, errb bytes.Buffer
	code := runMain([]string{"bench", "-model", "netsim", "-batch", "2", "-m", "1,2", "-steps", "1", "-k", "2", "-csv", path}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	t.Log(out.String())
	if !strings.Contains(out.String(), "GFLOP per model-step") || !strings.Contains(out.String(), "ms/model-step") {
		t.Errorf("no table header in %q", out.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || strings.Join(recs[0], ",") != strings.Join(benchColumns, ",") {
		t.Fatalf("CSV has %d records, header %v", len(recs), recs[0])
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	for i, m := range []string{"1", "2"} {
		r := recs[i+1]
		if r[col["m"]] != m || r[col["model"]] != "netsim" {
			t.Errorf("row %d: m %s model %s", i, r[col["m"]], r[col["model"]])
		}
		rate, err := strconv.ParseFloat(r[col["model_steps_per_s"]], 64)
		if err != nil || !(rate > 0) {
			t.Errorf("row %d: model_steps_per_s %q", i, r[col["model_steps_per_s"]])
		}
		if r[col["epoch_s"]] != "" {
			t.Errorf("row %d: epoch_s %q for a model without an epoch definition", i, r[col["epoch_s"]])
		}
	}
}

func TestBenchCommandErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "-model", "mnist"},
		{"bench", "-m", "0"},
		{"bench", "-k", "0"},
		{"bench", "-matmul", "fp8"},
		{"bench", "-pe", "nonsense"},
	} {
		var out, errb bytes.Buffer
		if code := runMain(args, &out, &errb); code == 0 {
			t.Errorf("%v: exit 0", args)
		} else if !strings.Contains(errb.String(), "pelab bench:") {
			t.Errorf("%v: stderr %q", args, errb.String())
		}
	}
}

// TestBenchFlagErrors: every bad bench flag is a usage error (exit 2)
// naming the flag, -m beyond the 1 … 1024 its help states included; with
// -soak the timing flags, which a soak ignores, are errors; an output file
// that cannot be written fails (exit 1) before anything is timed.
func TestBenchFlagErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-m", "0"}, 2, `pelab bench: -m "0": item 1 ("0"): want comma-separated numbers of models per compiled step, each 1 … 1024`},
		{[]string{"-m", "1,2000"}, 2, `pelab bench: -m "1,2000": item 2 ("2000"): want`},
		{[]string{"-m", "1,x"}, 2, `pelab bench: -m "1,x": item 2 ("x")`},
		{[]string{"-steps", "-1"}, 2, "pelab bench: -steps -1: want an integer ≥ 1"},
		{[]string{"-batch", "0"}, 2, "pelab bench: -batch 0: want an integer ≥ 1"},
		{[]string{"-k", "0"}, 2, "pelab bench: -k 0: want an integer ≥ 1"},
		{[]string{"-pe", "nonsense"}, 2, `pelab bench: -pe: pe: spec "nonsense"`},
		{[]string{"-matmul", "fp8"}, 2, "pelab bench: -matmul:"},
		{[]string{"-soak", "20", "-m", "8"}, 2, "pelab bench: -m: not used with -soak"},
		{[]string{"-soak", "20", "-csv", filepath.Join(dir, "x.csv")}, 2, "pelab bench: -csv: not used with -soak"},
		{[]string{"-m", "1", "-csv", dir}, 1, "pelab bench: -csv " + dir + ": is a folder, want a file name"},
		{[]string{"-m", "1", "-csv", filepath.Join(file, "x.csv")}, 1, "pelab bench: -csv " + filepath.Join(file, "x.csv") + ": results: " + file + " is a file, not a directory"},
		{[]string{"-m", "1", "-save-program", filepath.Join(file, "x.onnx")}, 1, "pelab bench: -save-program " + filepath.Join(file, "x.onnx") + ": results: " + file + " is a file, not a directory"},
	} {
		var out, errb bytes.Buffer
		args := []string{"bench", "-model", "netsim"}
		if tc.args[0] != "-soak" { // a small bench, should a check fail to stop it
			args = append(args, "-batch", "2", "-steps", "1")
		}
		code := runMain(append(args, tc.args...), &out, &errb)
		if code != tc.code || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("pelab bench %s: exit %d, stderr %q;\nwant exit %d and %q", strings.Join(tc.args, " "), code, errb.String(), tc.code, tc.want)
		}
		if strings.Contains(out.String(), "ms/step") {
			t.Errorf("pelab bench %s: timed before failing:\n%s", strings.Join(tc.args, " "), out.String())
		}
	}
}

// TestBenchSaveProgram: on ONNX Runtime -save-program writes the step as an
// ONNX model (a protobuf naming its producer); elsewhere it is a clear error.
func TestBenchSaveProgram(t *testing.T) {
	path := filepath.Join(t.TempDir(), "step.onnx")
	var out, errb bytes.Buffer
	code := runMain([]string{"bench", "-model", "netsim", "-batch", "2", "-m", "2", "-steps", "1", "-save-program", path}, &out, &errb)
	if name := testbackend.Name(t); !strings.HasPrefix(name, "onnx") {
		if code == 0 || !strings.Contains(errb.String(), "-save-program") {
			t.Fatalf("-save-program on %s: exit %d, stderr %q; want an error naming the flag", name, code, errb.String())
		}
		return
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 1000 || !bytes.Contains(b, []byte("MatMul")) {
		t.Errorf("%s: %d bytes, no MatMul node: not the step program", path, len(b))
	}
}
