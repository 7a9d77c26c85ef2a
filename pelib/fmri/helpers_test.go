package fmri

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scigolib/hdf5"
)

// Test helpers of pelib/masked's reader tests that fmri's own tests of
// HCP folders, NIfTI and partition files need too.

// writeH5 writes a float64 dataset with the given dims through the HDF5
// library's writer.
func writeH5(t testing.TB, path, name string, dims []uint64, data []float64) {
	t.Helper()
	fw, err := hdf5.CreateForWrite(path, hdf5.CreateTruncate)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := fw.CreateDataset(name, hdf5.Float64, dims)
	if err != nil {
		t.Fatal(err)
	}
	if err := ds.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
}

// noHang runs f and fails t if it takes longer than fuzzDeadline.
func noHang(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(fuzzDeadline):
		t.Fatalf("no answer after %v (a hang)", fuzzDeadline)
	}
}

// writeFuzzFile writes b to dir/name (one file per fuzz target and process,
// rewritten for each input: cheaper than a folder per input).
func writeFuzzFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fuzzDeadline is how long one input may take.
const fuzzDeadline = 10 * time.Second
