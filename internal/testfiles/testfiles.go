// Package testfiles holds the helpers that several packages' tests use to
// write input files and to run fuzz inputs: an HDF5 dataset written
// through the HDF5 library's own writer, a file rewritten per fuzz input,
// and a deadline that turns a hang into a failure.
package testfiles

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/scigolib/hdf5"
)

// FuzzDeadline is how long one fuzz input may take.
const FuzzDeadline = 10 * time.Second

// WriteH5 writes data as a float64 dataset name of shape dims to a new
// HDF5 file at path.
func WriteH5(t testing.TB, path, name string, dims []uint64, data []float64) {
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

// NoHang runs f and fails t if it takes longer than FuzzDeadline.
func NoHang(t testing.TB, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(FuzzDeadline):
		t.Fatalf("no answer after %v (a hang)", FuzzDeadline)
	}
}

// WriteFile writes b to dir/name and returns its path (one file per fuzz
// target and process, rewritten for each input: cheaper than a folder per
// input).
func WriteFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
