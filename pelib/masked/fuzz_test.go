package masked

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/internal/testfiles"
)

// The fuzz tests below feed the readers damaged files. Each reader must
// return, within testfiles.FuzzDeadline, either a value consistent with itself or an
// error naming the file; never panic, hang or allocate what the file cannot
// back (the fuzzer runs under its memory limits, so a huge allocation shows
// up as a crash). Seeds are small valid files built here; `make fuzz` runs
// each for longer, and go test runs the seeds and testdata/fuzz/ every time.

// smallHCP returns a copy of the real subject file's metadata (the first 2 KiB,
// superblock version 0, symbol-table root group) holding a 2 × 3 /restdata,
// or nil when the shared data is absent.
func smallHCP(t testing.TB) []byte {
	p, err := shared.Data("hcp-glasser360", "rest", firstSubject)
	if err != nil {
		return nil
	}
	real, err := os.ReadFile(p)
	if err != nil || len(real) < 0x800 || binary.LittleEndian.Uint64(real[0x340:]) != 360 {
		return nil
	}
	b := bytes.Clone(real[:0x800])
	le := binary.LittleEndian
	for _, off := range []int{0x340, 0x350} { // dims, then max dims
		le.PutUint64(b[off:], 2)
		le.PutUint64(b[off+8:], 3)
	}
	le.PutUint64(b[0x3a2:], 6*8) // contiguous storage size
	le.PutUint64(b[0x28:], 0x800+6*8)
	return append(b, f64bytes(1, 2, 3, 4, 5, 6)...)
}

func FuzzReadHDF5(f *testing.F) {
	if b := smallHCP(f); b != nil {
		f.Add(b)
	}
	// Files of the HDF5 library's writer (superblock version 2).
	p := filepath.Join(f.TempDir(), "seed.h5")
	for _, dims := range [][]uint64{{2, 3}, {6}} {
		testfiles.WriteH5(f, p, hcpDataset, dims, []float64{1, 2, 3, 4, 5, 6})
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := testfiles.WriteFile(t, dir, "sub-01.h5", b)
		testfiles.NoHang(t, func() {
			s, err := ReadHDF5(p, hcpDataset, ReadOptions{})
			if err != nil {
				if !strings.Contains(err.Error(), p) {
					t.Fatalf("error %q does not name the file", err)
				}
				return
			}
			r, c := s.Data.Dims()
			if r*c*8 > len(b) {
				t.Fatalf("read %d × %d values from a %d-byte file", r, c, len(b))
			}
		})
	})
}

// TestSmallHCP checks that FuzzReadHDF5's seed cut from the real file is a
// valid file, so that the fuzzer starts from the real layout.
func TestSmallHCP(t *testing.T) {
	b := smallHCP(t)
	if b == nil {
		t.Skip("shared data absent (../shared/data/hcp-glasser360): no seed from the real file")
	}
	s, err := ReadHDF5(testfiles.WriteFile(t, t.TempDir(), "sub-01.h5", b), hcpDataset, ReadOptions{Regions: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.Regions() != 2 || s.Times() != 3 || s.Data.At(1, 2) != 6 {
		t.Fatalf("got %d × %d, [1, 2] = %v; want 2 × 3, 6", s.Regions(), s.Times(), s.Data.At(1, 2))
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{"1, 2, 3\n4,5,6\n", "# subject 7\r\n1.5,-2e3\r\n0,1\r\n", "r,t\n1,2\n", "1,2\n3\n", "1,\"2\"\n3,4\n"} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := testfiles.WriteFile(t, dir, "sub-01.csv", b)
		testfiles.NoHang(t, func() {
			s, err := ReadCSV(p, ReadOptions{})
			if err != nil {
				if !strings.Contains(err.Error(), p) {
					t.Fatalf("error %q does not name the file", err)
				}
				return
			}
			if r, c := s.Data.Dims(); r*c == 0 {
				t.Fatalf("empty %d × %d series without an error", r, c)
			}
		})
	})
}
