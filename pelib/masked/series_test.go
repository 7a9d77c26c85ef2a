package masked

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/internal/testfiles"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

const firstSubject = "HCP_example_restrun1_subj100206_data.h5"

func TestReadHDF5Real(t *testing.T) {
	path := shared.TestData(t, "hcp-glasser360", "rest", firstSubject)
	start := time.Now()
	s, err := ReadHDF5(path, hcpDataset, ReadOptions{Regions: hcpRegions})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("read %s (%d × %d) in %v", filepath.Base(path), s.Regions(), s.Times(), time.Since(start))
	if s.Name != "HCP_example_restrun1_subj100206_data" || s.Regions() != 360 || s.Times() != 1195 {
		t.Fatalf("got recording %q %d × %d, want HCP_example_restrun1_subj100206_data (the file stem) 360 × 1195", s.Name, s.Regions(), s.Times())
	}
	// Known values: the first entries of region 0 (read once with the HDF5
	// library and checked against its float64 bit patterns).
	for i, want := range []float64{-107.27224186800096, -57.33142322473887, -95.26470941981296} {
		if got := s.Data.At(0, i); got != want {
			t.Errorf("restdata[0, %d] = %v, want %v", i, got, want)
		}
	}
	// SOURCE.md: per-region mean ≈ 0, std 22–130.
	lo, hi := math.Inf(1), math.Inf(-1)
	for r := range s.Regions() {
		mu, sd := stat.MeanStdDev(s.Data.RawRowView(r), nil)
		if math.Abs(mu) > 1e-6*sd {
			t.Errorf("region %d mean %v, want ≈ 0", r, mu)
		}
		lo, hi = math.Min(lo, sd), math.Max(hi, sd)
	}
	t.Logf("per-region std %.1f … %.1f", lo, hi)
	if lo < 20 || hi > 135 {
		t.Errorf("per-region std %v … %v, want within 22–130", lo, hi)
	}
}

func TestReadHDF5RoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub-01.h5")
	data := []float64{1, 2, 3, 4, 5, 6}
	testfiles.WriteH5(t, path, "/restdata", []uint64{2, 3}, data)
	s, err := ReadHDF5(path, "restdata", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "sub-01" || !mat.Equal(s.Data, mat.NewDense(2, 3, data)) {
		t.Fatalf("got %q %v, want sub-01 %v", s.Name, mat.Formatted(s.Data), data)
	}
}

func TestReadHDF5Errors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	nan := filepath.Join(dir, "nan.h5")
	testfiles.WriteH5(t, nan, "/restdata", []uint64{2, 2}, []float64{1, math.NaN(), 3, 4})
	rank3 := filepath.Join(dir, "rank3.h5")
	testfiles.WriteH5(t, rank3, "/restdata", []uint64{2, 2, 2}, make([]float64, 8))
	other := filepath.Join(dir, "other.h5")
	testfiles.WriteH5(t, other, "/data", []uint64{2, 2}, []float64{1, 2, 3, 4})

	type tc struct {
		name, path, dataset string
		opt                 ReadOptions
		want                string
	}
	cases := []tc{
		{"missing file", filepath.Join(dir, "absent.h5"), hcpDataset, ReadOptions{}, "no such file"},
		{"not HDF5", write("text.h5", []byte("region,time\n1,2\n")), hcpDataset, ReadOptions{}, "open HDF5"},
		{"NaN", nan, hcpDataset, ReadOptions{}, "region 0, time 1"},
		{"rank 3", rank3, hcpDataset, ReadOptions{}, "rank 3"},
		{"missing dataset", other, hcpDataset, ReadOptions{}, "no dataset /restdata"},
		{"wrong region count", other, "/data", ReadOptions{Regions: 360}, "want 360 regions"},
		{"too short", other, "/data", ReadOptions{MinTimes: 10}, "at least 10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadHDF5(c.path, c.dataset, c.opt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestReadHDF5Truncated reads copies of a real file cut at several lengths,
// from inside the superblock to 8 bytes short of the end.
func TestReadHDF5Truncated(t *testing.T) {
	real, err := os.ReadFile(shared.TestData(t, "hcp-glasser360", "rest", firstSubject))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, n := range []int{0, 100, 1000, 5000, len(real) / 2, len(real) - 8} {
		p := filepath.Join(dir, fmt.Sprintf("trunc%d.h5", n))
		if err := os.WriteFile(p, real[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadHDF5(p, hcpDataset, ReadOptions{})
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("truncated to %d of %d bytes: error %v, want one naming the file", n, len(real), err)
			continue
		}
		t.Logf("truncated to %d bytes: %v", n, err)
	}
}

func TestReadCSV(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, text string
		opt        ReadOptions
		want       *mat.Dense
		err        string
	}{
		{"ok", "1, 2, 3\n4,5,6\n", ReadOptions{}, mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6}), ""},
		{"comment and CRLF", "# subject 7\r\n1.5,-2e3\r\n0,1\r\n", ReadOptions{Regions: 2}, mat.NewDense(2, 2, []float64{1.5, -2000, 0, 1}), ""},
		{"byte order mark", "\uFEFF1,2\n3,4\n", ReadOptions{}, mat.NewDense(2, 2, []float64{1, 2, 3, 4}), ""},
		{"header", "r,t\n1,2\n", ReadOptions{}, nil, "line 1 field 1"},
		{"ragged", "1,2,3\n4,5\n", ReadOptions{}, nil, "wrong number of fields"},
		{"NaN", "1,2\n3,NaN\n", ReadOptions{}, nil, "region 1, time 1"},
		{"Inf", "1,+Inf\n3,4\n", ReadOptions{}, nil, "region 0, time 1"},
		{"regions", "1,2\n3,4\n", ReadOptions{Regions: 360}, nil, "want 360 regions"},
		{"empty", "", ReadOptions{}, nil, "no data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".csv")
			if err := os.WriteFile(p, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := ReadCSV(p, c.opt)
			checkRead(t, s, err, c.err, c.want)
		})
	}
}

// npyFile builds an NPY v1.0 file from a header dict and raw data, the way
// numpy lays it out (header padded with spaces and ending in '\n' so that
// the data starts at a multiple of 64 bytes).
func npyFile(dict string, data []byte) []byte {
	pad := (64 - (10+len(dict)+1)%64) % 64
	h := dict + strings.Repeat(" ", pad) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	b.Write(data)
	return b.Bytes()
}

func f64bytes(v ...float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestReadNPY(t *testing.T) {
	dir := t.TempDir()
	six := []float64{1, 2, 3, 4, 5, 6.5}
	cases := []struct {
		name string
		file []byte
		want *mat.Dense
		err  string
	}{
		{"f8", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", f64bytes(six...)), mat.NewDense(2, 3, six), ""},
		{"f4", npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f32bytes(1, 2, 3, 4, 5, 6.5)), mat.NewDense(3, 2, six), ""},
		{"key order", npyFile("{'shape': (1, 2), 'fortran_order': False, 'descr': '<f8'}", f64bytes(7, 8)), mat.NewDense(1, 2, []float64{7, 8}), ""},
		{"fortran", npyFile("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f64bytes(six...)), nil, "Fortran"},
		{"big endian", npyFile("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }", f64bytes(six...)), nil, `dtype ">f8"`},
		{"int", npyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", f64bytes(six...)), nil, `dtype "<i8"`},
		{"rank 1", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", f64bytes(six...)), nil, "rank 1"},
		{"rank 3", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }", f64bytes(six...)), nil, "rank 3"},
		{"truncated data", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", f64bytes(six[:5]...)), nil, "truncated"},
		{"NaN", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", f64bytes(1, 2, 3, 4, math.NaN(), 6)), nil, "region 1, time 1"},
		{"not npy", []byte("1,2,3\n"), nil, "magic"},
		{"truncated header", npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", nil)[:30], nil, "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".npy")
			if err := os.WriteFile(p, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := ReadNPY(p, ReadOptions{})
			checkRead(t, s, err, c.err, c.want)
		})
	}
}

func TestWriteNPYRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.npy")
	want := mat.NewDense(3, 4, []float64{1, -2, 3.25, 4, 5, 6, 7, 8, 9, 10, 11, 1e-300})
	if err := WriteNPY(p, want); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if len(b) != 128+12*8 { // header padded to 128 bytes
		t.Errorf("file is %d bytes, want %d", len(b), 128+12*8)
	}
	s, err := readAny(p, ReadOptions{Regions: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(s.Data, want) {
		t.Fatalf("got %v, want %v", mat.Formatted(s.Data), mat.Formatted(want))
	}
	if ents, _ := os.ReadDir(filepath.Dir(p)); len(ents) != 1 {
		t.Errorf("%d files left in the folder, want only x.npy", len(ents))
	}
}

// checkRead fails t unless a read gave an error containing wantErr (when
// wantErr is not empty) or, without an error, exactly the data want.
func checkRead(t *testing.T, s *Series, err error, wantErr string, want mat.Matrix) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error %v, want one containing %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(s.Data, want) {
		t.Fatalf("got %v, want %v", mat.Formatted(s.Data), mat.Formatted(want))
	}
}
