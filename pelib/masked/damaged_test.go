package masked

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/internal/testfiles"
	"gonum.org/v1/gonum/mat"
)

// TestReadHDF5Damaged reads copies of a real subject file with one byte
// changed in its metadata. Each must end in an error naming the file; before
// the bounds checks, the first two ended the process ("fatal error: out of
// memory", not recoverable) and the third was read with rows misaligned.
func TestReadHDF5Damaged(t *testing.T) {
	real, err := os.ReadFile(shared.TestData(t, "hcp-glasser360", "rest", firstSubject))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		off  int
		b    byte // the new value of the byte at off
		want string
	}{
		// Byte 4 of the root local heap's data segment size: 1 TiB.
		{"heap size", 0x2b4, 0xff, "local heap"},
		// Byte 3 of the time dimension: 360 × 4278191275.
		{"huge shape", 0x34b, 0xff, "shape [360 4278191275]"},
		// The time dimension one short, 360 × 1194, with the data of 360 × 1195.
		{"shape 360x1194", 0x348, 0xaa, "shape [360 1194]"},
		// Byte 3 of the contiguous data address: past the end of the file.
		{"data address", 0x39d, 0x7f, "beyond the end"},
		// The dataset's datatype class, float (0x11) turned fixed-point
		// (0x10): was read as huge integers without an error.
		{"float read as integer", 0x368, 0x10, "fixed-point datatype with reserved bit-field bits set"},
		// The float's size, 8 → 9 bytes.
		{"float size", 0x36c, 0x09, "floating-point datatype of 9 bytes"},
		// The mantissa's size, 52 → 255 bits.
		{"mantissa size", 0x377, 0xff, "not inside its 64 bits"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(real)
			b[c.off] = c.b
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".h5")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadHDF5(p, hcpDataset, ReadOptions{Regions: hcpRegions})
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %s and containing %q", err, p, c.want)
			}
			t.Log(err)
		})
	}
}

// TestReadHDF5Transposed reads a time × regions file: the error must say
// which shape was found and which was expected.
func TestReadHDF5Transposed(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub-01.h5")
	testfiles.WriteH5(t, p, "/restdata", []uint64{5, 3}, make([]float64, 15))
	_, err := ReadHDF5(p, hcpDataset, ReadOptions{Regions: 3})
	for _, want := range []string{p, "/restdata", "[5 3]", "[3, T]", "transposed"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("error %v, want one containing %q", err, want)
		}
	}
}

// TestReadHDF5EveryByte damages each metadata byte of a small copy of a real
// subject file in turn (set to 0x7f and 0xff): every read must end,
// in an error naming the file or in a series the file can hold.
func TestReadHDF5EveryByte(t *testing.T) {
	seed := smallHCP(t)
	if seed == nil {
		t.Skip("shared data absent (../shared/data/hcp-glasser360)")
	}
	p := filepath.Join(t.TempDir(), "sub-01.h5")
	errs := 0
	for off := range 0x800 {
		for _, v := range []byte{0x7f, 0xff} {
			if seed[off] == v {
				continue
			}
			b := bytes.Clone(seed)
			b[off] = v
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := ReadHDF5(p, hcpDataset, ReadOptions{})
			if err != nil {
				if !strings.Contains(err.Error(), p) {
					t.Fatalf("byte %#x = %#x: error %q does not name the file", off, v, err)
				}
				errs++
				continue
			}
			if r, c := s.Data.Dims(); r*c*8 > len(b) {
				t.Fatalf("byte %#x = %#x: read %d × %d values from a %d-byte file", off, v, r, c, len(b))
			}
		}
	}
	t.Logf("%d damaged copies were errors", errs)
}

// TestReadHDF5EveryMetadataByte damages a real subject file one metadata
// byte at a time (every byte before the data, which starts at 0x800; each
// flipped by ^0xff, ^0x01 and ^0x80: 6,144 files) and reads it: each must
// give an error or exactly the original data — never a crash, a hang or
// other numbers without an error. Before the datatype checks one did (the
// class byte at 0x368 flipped to fixed-point: read as huge integers).
// Damage inside the values is the plausibility check's (TestReadHDF5DataBytes).
func TestReadHDF5EveryMetadataByte(t *testing.T) {
	real, p, ref, f := damageableCopy(t)
	const metadata = 0x800
	var errs, same int
	for off := range metadata {
		for _, m := range []byte{0xff, 0x01, 0x80} {
			if _, err := f.WriteAt([]byte{real[off] ^ m}, int64(off)); err != nil {
				t.Fatal(err)
			}
			// The outlier bound off: this test is about the metadata (and
			// reads 6,144 files); the values' check has its own tests.
			s, err := ReadHDF5(p, hcpDataset, ReadOptions{Regions: hcpRegions, MaxOutlierZ: math.Inf(1)})
			if _, werr := f.WriteAt(real[off:off+1], int64(off)); werr != nil {
				t.Fatal(werr)
			}
			switch {
			case err != nil:
				errs++
				if !strings.Contains(err.Error(), p) {
					t.Errorf("byte %#x ^ %#02x: error %q does not name the file", off, m, err)
				}
			case mat.Equal(s.Data, ref.Data):
				same++
			default:
				t.Errorf("byte %#x ^ %#02x: read other data without an error", off, m)
			}
		}
	}
	t.Logf("%d damaged files: %d errors, %d read the original data (bytes the reader does not use)", 3*metadata, errs, same)
}

// TestReadHDF5DataBytes changes single bytes of a real subject file's
// stored values (600 draws of an offset in the data and a new byte) and
// reads each copy: it must be an error naming the file, or read data whose
// every changed value is plausible — within DefaultMaxOutlierZ robust SDs
// of its region's median (CheckPlausible). Before the check, one such copy
// (0xda at 0xf47) was read as −7.8e126 without an error.
func TestReadHDF5DataBytes(t *testing.T) {
	real, p, ref, f := damageableCopy(t)
	const data = 0x800 // the data's address in this file
	rng := rand.New(rand.NewPCG(21, 1))
	var errs, same, read int
	worst := 0.0
	for range 600 {
		off := data + rng.IntN(len(real)-data)
		v := byte(rng.IntN(256))
		if _, err := f.WriteAt([]byte{v}, int64(off)); err != nil {
			t.Fatal(err)
		}
		s, err := ReadHDF5(p, hcpDataset, ReadOptions{Regions: hcpRegions})
		if _, werr := f.WriteAt(real[off:off+1], int64(off)); werr != nil {
			t.Fatal(werr)
		}
		if err != nil {
			errs++
			if !strings.Contains(err.Error(), p) {
				t.Errorf("byte %#x = %#02x: error %q does not name the file", off, v, err)
			}
			continue
		}
		i := (off - data) / 8
		r, c := i/s.Times(), i%s.Times()
		if s.Data.At(r, c) == ref.Data.At(r, c) {
			same++
			continue
		}
		read++
		row := ref.Data.RawRowView(r)
		m, scale := robustScale(row, make([]float64, len(row)))
		z := math.Abs(s.Data.At(r, c)-m) / scale
		worst = max(worst, z)
		if z > DefaultMaxOutlierZ {
			t.Errorf("byte %#x = %#02x: read %v at region %d, time %d (was %v), %.3g robust SDs out, without an error", off, v, s.Data.At(r, c), r, c, ref.Data.At(r, c), z)
		}
	}
	t.Logf("600 damaged copies: %d errors, %d read the original data (the same byte drawn), %d read a changed value (largest robust z %.3g)", errs, same, read, worst)
}

// damageableCopy copies the first real subject file to a temporary file
// and returns its bytes, the copy's path, the copy as read, and the copy
// open for writing (closed when the test ends), for tests that damage it
// byte by byte.
func damageableCopy(t *testing.T) (real []byte, p string, ref *Series, f *os.File) {
	t.Helper()
	real, err := os.ReadFile(shared.TestData(t, "hcp-glasser360", "rest", firstSubject))
	if err != nil {
		t.Fatal(err)
	}
	p = filepath.Join(t.TempDir(), "damaged.h5")
	if err := os.WriteFile(p, real, 0o644); err != nil {
		t.Fatal(err)
	}
	ref, err = ReadHDF5(p, hcpDataset, ReadOptions{Regions: hcpRegions})
	if err != nil {
		t.Fatal(err)
	}
	f, err = os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return real, p, ref, f
}
