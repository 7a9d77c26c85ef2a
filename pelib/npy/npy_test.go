package npy

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// numpyFiles are files written by numpy 1.24.2 (np.save, or
// numpy.lib.format.write_array for versions 2.0 and 3.0), as hex; "py2" is
// numpy's own test file win64python2.npy, written by Python 2 with 16-byte
// alignment and a 'L' suffix on the shape.
var numpyFiles = map[string]string{
	"f8 2x3":  "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000f03f00000000000000400000000000000840000000000000104000000000000014400000000000001a40",
	"f4 3x2":  "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c2032292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a0000803f0000004000004040000080400000a0400000d040",
	"fortran": "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a20547275652c20277368617065273a2028322c2033292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000f03f00000000000010400000000000000040000000000000144000000000000008400000000000001a40",
	"v2":      "934e554d50590200740000007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000f83f00000000000000c0",
	"v3":      "934e554d50590300740000007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000f83f00000000000000c0",
	"scalar":  "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a0000000000000a40",
	"empty":   "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028302c2033292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a",
	"i8":      "934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a01000000000000000200000000000000",
	"be":      "934e554d5059010076007b276465736372273a20273e6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a3ff00000000000004000000000000000",
	"f4 4d":   "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c20332c20322c2032292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a000000000000003f0000803f0000c03f0000004000002040000040400000604000008040000090400000a0400000b0400000c0400000d0400000e0400000f0400000004100000841000010410000184100002041000028410000304100003841",
	"py2":     "934e554d5059010046007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028324c2c292c207d20202020202020202020200a000000000000f03f000000000000f03f",
}

func numpyFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := hex.DecodeString(numpyFiles[name])
	if err != nil || len(b) == 0 {
		t.Fatalf("test file %q: %v", name, err)
	}
	return b
}

func TestDecodeNumpyFiles(t *testing.T) {
	halves := make([]float64, 24)
	for i := range halves {
		halves[i] = 0.5 * float64(i)
	}
	cases := []struct {
		name  string
		data  []float64
		shape []int
		err   string
	}{
		{"f8 2x3", []float64{1, 2, 3, 4, 5, 6.5}, []int{2, 3}, ""},
		{"f4 3x2", []float64{1, 2, 3, 4, 5, 6.5}, []int{3, 2}, ""},
		{"f4 4d", halves, []int{2, 3, 2, 2}, ""},
		{"v2", []float64{1.5, -2}, []int{2}, ""},
		{"v3", []float64{1.5, -2}, []int{2}, ""},
		{"scalar", []float64{3.25}, []int{}, ""},
		{"empty", []float64{}, []int{0, 3}, ""},
		{"py2", []float64{1, 1}, []int{2}, ""},
		{"fortran", nil, nil, "Fortran"},
		{"i8", nil, nil, `dtype "<i8" not supported`},
		{"be", nil, nil, `dtype ">f8" not supported`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, shape, err := Decode(numpyFile(t, c.name))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				if data != nil || shape != nil {
					t.Errorf("got data %v shape %v with an error", data, shape)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(data, c.data) || !slices.Equal(shape, c.shape) || data == nil || shape == nil {
				t.Errorf("got %v shape %v, want %v shape %v", data, shape, c.data, c.shape)
			}
		})
	}
}

// TestWriteKnownBytes compares written files with headers spelt out by
// hand: magic, version 1.0, header length, dict, spaces up to a multiple of
// 64 bytes less one, '\n', then the little-endian values.
func TestWriteKnownBytes(t *testing.T) {
	pre := "\x93NUMPY\x01\x00"
	cases := []struct {
		name  string
		write func(path string) error
		want  string
	}{
		{"f8 2x3", func(p string) error { return Write(p, []float64{1, 2, 3, 4, 5, 6.5}, 2, 3) },
			// 10 + 59 + 58 spaces + 1 = 128; header length 118 = 0x76.
			pre + "\x76\x00" + "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + strings.Repeat(" ", 58) + "\n" +
				"\x00\x00\x00\x00\x00\x00\xf0\x3f" + "\x00\x00\x00\x00\x00\x00\x00\x40" + "\x00\x00\x00\x00\x00\x00\x08\x40" +
				"\x00\x00\x00\x00\x00\x00\x10\x40" + "\x00\x00\x00\x00\x00\x00\x14\x40" + "\x00\x00\x00\x00\x00\x00\x1a\x40"},
		{"f4 3x2", func(p string) error { return WriteFloat32(p, []float32{1, 2, 3, 4, 5, 6.5}, 3, 2) },
			pre + "\x76\x00" + "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }" + strings.Repeat(" ", 58) + "\n" +
				"\x00\x00\x80\x3f" + "\x00\x00\x00\x40" + "\x00\x00\x40\x40" + "\x00\x00\x80\x40" + "\x00\x00\xa0\x40" + "\x00\x00\xd0\x40"},
		{"vector", func(p string) error { return Write(p, []float64{-2}, 1) },
			// 10 + 57 + 60 spaces + 1 = 128.
			pre + "\x76\x00" + "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }" + strings.Repeat(" ", 60) + "\n" +
				"\x00\x00\x00\x00\x00\x00\x00\xc0"},
		{"scalar", func(p string) error { return Write(p, []float64{3.25}) },
			// 10 + 55 + 62 spaces + 1 = 128.
			pre + "\x76\x00" + "{'descr': '<f8', 'fortran_order': False, 'shape': (), }" + strings.Repeat(" ", 62) + "\n" +
				"\x00\x00\x00\x00\x00\x00\x0a\x40"},
		{"empty", func(p string) error { return Write(p, nil, 0, 3) },
			pre + "\x76\x00" + "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }" + strings.Repeat(" ", 58) + "\n"},
		{"long shape", func(p string) error { return Write(p, make([]float64, 0), 10, 20, 30, 40, 0, 1000000) },
			// 10 + 81 + 36 spaces + 1 = 128.
			pre + "\x76\x00" + "{'descr': '<f8', 'fortran_order': False, 'shape': (10, 20, 30, 40, 0, 1000000), }" + strings.Repeat(" ", 36) + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.npy")
			if err := c.write(p); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("wrote\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	seq := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(i)*1.25 - 7
		}
		return v
	}
	special := []float64{math.Inf(1), math.Inf(-1), math.MaxFloat64, math.SmallestNonzeroFloat64, -0.0, 1e-300}
	cases := []struct {
		name  string
		data  []float64
		shape []int
	}{
		{"scalar", []float64{math.Pi}, nil},
		{"1-D", seq(7), []int{7}},
		{"2-D", seq(12), []int{3, 4}},
		{"3-D", seq(24), []int{2, 3, 4}},
		{"4-D", seq(120), []int{2, 3, 4, 5}},
		{"4-D big", seq(64 * 33 * 5 * 2), []int{64, 33, 5, 2}},
		{"zero dim", []float64{}, []int{4, 0, 2}},
		{"special values", special, []int{2, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			want := c.shape
			if want == nil {
				want = []int{}
			}
			p := filepath.Join(dir, "x.npy")
			if err := Write(p, c.data, c.shape...); err != nil {
				t.Fatal(err)
			}
			data, shape, err := Read(p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(shape, want) || !sameBits(data, c.data) {
				t.Errorf("f8: read %d values shape %v, want %d shape %v", len(data), shape, len(c.data), want)
			}
			if b, _ := os.ReadFile(p); (len(b)-8*len(c.data))%64 != 0 {
				t.Errorf("f8: file is %d bytes for %d values; the header must be a multiple of 64", len(b), len(c.data))
			}

			f32 := make([]float32, len(c.data))
			for i, v := range c.data {
				f32[i] = float32(v)
			}
			p4 := filepath.Join(dir, "x4.npy")
			if err := WriteFloat32(p4, f32, c.shape...); err != nil {
				t.Fatal(err)
			}
			data, shape, err = Read(p4)
			if err != nil {
				t.Fatal(err)
			}
			for i := range data {
				if data[i] != float64(f32[i]) && !(math.IsNaN(data[i]) && math.IsNaN(float64(f32[i]))) {
					t.Fatalf("f4: value %d is %v, want %v", i, data[i], f32[i])
				}
			}
			if !slices.Equal(shape, want) || len(data) != len(f32) {
				t.Errorf("f4: read %d values shape %v, want %d shape %v", len(data), shape, len(f32), want)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 2 {
				t.Errorf("%d files in the folder, want x.npy and x4.npy", len(ents))
			}
		})
	}
}

func TestNaNKept(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nan.npy")
	if err := Write(p, []float64{1, math.NaN()}, 2); err != nil {
		t.Fatal(err)
	}
	data, _, err := Read(p)
	if err != nil || len(data) != 2 || data[0] != 1 || !math.IsNaN(data[1]) {
		t.Errorf("got %v, %v; want [1 NaN]", data, err)
	}
}

// sameBits reports whether a and b hold the same float64 bit patterns.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// file builds a version-1.0 NPY file from a header dict and raw bytes.
func file(dict string, data ...byte) []byte {
	pad := (64 - (10+len(dict)+1)%64) % 64
	h := dict + strings.Repeat(" ", pad) + "\n"
	b := []byte("\x93NUMPY\x01\x00")
	b = append(b, byte(len(h)), byte(len(h)>>8))
	return append(append(b, h...), data...)
}

func TestBadFiles(t *testing.T) {
	d23 := "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
	six := make([]byte, 48)
	f8 := numpyFile(t, "f8 2x3")
	v2 := numpyFile(t, "v2")
	cases := []struct {
		name string
		file []byte
		err  string
	}{
		{"empty file", nil, "magic"},
		{"csv", []byte("1,2,3\n"), "magic"},
		{"magic only", []byte("\x93NUMPY"), "truncated"},
		{"truncated preamble", []byte("\x93NUMPY\x01\x00\x76"), "truncated"},
		{"truncated v2 preamble", v2[:10], "truncated"},
		{"truncated header", f8[:30], "truncated"},
		{"huge v2 header", append([]byte("\x93NUMPY\x02\x00\xff\xff\xff\xff"), v2[12:]...), "truncated"},
		{"version 4", append([]byte("\x93NUMPY\x04\x00"), f8[8:]...), "version 4.0"},
		{"truncated data", f8[:len(f8)-1], "data has 47 bytes, want 48"},
		{"extra data", append(slices.Clone(f8), 0), "data has 49 bytes, want 48"},
		{"no data", file(d23), "data has 0 bytes"},
		{"scalar without data", file("{'descr': '<f8', 'fortran_order': False, 'shape': (), }"), "data has 0 bytes, want 8"},
		{"huge shape", file("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904, 4), }", six...), "more elements than an int can count"},
		{"large shape", file("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", six...), "data has 48 bytes, want 8000000000000"},
		{"negative shape", file("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, 3), }", six...), "bad shape"},
		{"float shape", file("{'descr': '<f8', 'fortran_order': False, 'shape': (2.0, 3), }", six...), "bad shape"},
		{"shape not a tuple", file("{'descr': '<f8', 'fortran_order': False, 'shape': 6, }", six...), "not a tuple"},
		{"unterminated tuple", file("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, }", six...), "unterminated"},
		{"not a dict", file("'descr': '<f8'", six...), "not a dict"},
		{"no descr", file("{'fortran_order': False, 'shape': (2, 3), }", six...), "lacks"},
		{"bad order", file("{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3), }", six...), "fortran_order"},
		{"missing comma", file("{'descr': '<f8' 'fortran_order': False, 'shape': (2, 3), }", six...), "want ','"},
		{"bad key", file("{descr: '<f8', 'fortran_order': False, 'shape': (2, 3), }", six...), "cannot parse key"},
		{"object dtype", file("{'descr': '|O', 'fortran_order': False, 'shape': (2, 3), }", six...), `dtype "|O"`},
		{"structured dtype", file("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2, 3), }", six...), `dtype "[('a', '<f8')]" not supported`},
		{"unterminated list", file("{'descr': [('a', '<f8'), 'fortran_order': False, 'shape': (2, 3), }", six...), "unterminated ["},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, shape, err := Decode(c.file)
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.HasPrefix(err.Error(), "npy: ") {
				t.Fatalf("Decode: error %v, want one starting \"npy: \" and containing %q", err, c.err)
			}
			if data != nil || shape != nil {
				t.Errorf("Decode: got data and shape %v with an error", shape)
			}
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".npy")
			if err := os.WriteFile(p, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, _, err = Read(p)
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), p) {
				t.Errorf("Read: error %v, want one naming %s and containing %q", err, p, c.err)
			}
		})
	}
}

func TestReadMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "none.npy")
	_, _, err := Read(p)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), p) {
		t.Errorf("error %v, want not-exist naming %s", err, p)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name  string
		path  string
		data  []float64
		shape []int
		err   string
	}{
		{"too few", "a.npy", make([]float64, 5), []int{2, 3}, "shape [2 3] has 6 elements but data has 5"},
		{"too many", "a.npy", make([]float64, 7), []int{2, 3}, "has 6 elements but data has 7"},
		{"scalar needs one", "a.npy", make([]float64, 2), nil, "shape [] has 1 elements but data has 2"},
		{"zero dim", "a.npy", make([]float64, 1), []int{3, 0}, "has 0 elements but data has 1"},
		{"negative", "a.npy", make([]float64, 6), []int{-2, -3}, "negative"},
		{"overflow", "a.npy", nil, []int{1 << 40, 1 << 40}, "more elements than an int"},
		{"missing folder", "nodir/a.npy", make([]float64, 6), []int{2, 3}, "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.path)
			err := Write(p, c.data, c.shape...)
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), p) {
				t.Errorf("Write: error %v, want one naming %s and containing %q", err, p, c.err)
			}
			f32 := make([]float32, len(c.data))
			err = WriteFloat32(p, f32, c.shape...)
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), p) {
				t.Errorf("WriteFloat32: error %v, want one naming %s and containing %q", err, p, c.err)
			}
		})
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%d files left after failed writes", len(ents))
	}
}

// FuzzDecode checks that no input makes Decode panic and that whatever it
// accepts is self-consistent and survives a write and a read.
func FuzzDecode(f *testing.F) {
	for _, h := range numpyFiles {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Add(file("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"))
	f.Fuzz(func(t *testing.T, b []byte) {
		data, shape, err := Decode(b)
		if err != nil {
			return
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		if n != len(data) {
			t.Fatalf("shape %v but %d values", shape, len(data))
		}
		if len(encodeHeader("<f8", shape)) > 10+maxHeader {
			return // too many dimensions for a version 1.0 file
		}
		p := filepath.Join(t.TempDir(), "x.npy")
		if err := Write(p, data, shape...); err != nil {
			t.Fatal(err)
		}
		data2, shape2, err := Read(p)
		if err != nil || !sameBits(data, data2) || !slices.Equal(shape, shape2) {
			t.Fatalf("round trip: %v, shape %v vs %v", err, shape2, shape)
		}
	})
}

// FuzzRead reads damaged files through Read: an error must name the file,
// and what is read must match its shape.
func FuzzRead(f *testing.F) {
	for _, h := range numpyFiles {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "x.npy")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		data, shape, err := Read(p)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "npy: "+p+": ") {
				t.Fatalf("error %q does not start by naming the file", err)
			}
			return
		}
		n := 1
		for _, d := range shape {
			n *= d
		}
		if n != len(data) || 4*n > len(b) {
			t.Fatalf("shape %v but %d values from a %d-byte file", shape, len(data), len(b))
		}
	})
}

// TestReadSpecialAndLong: Read reads regular files only, and never more than
// the file's header says it holds. A symlink to /dev/zero grew without
// bound (os.ReadFile), a named pipe blocked forever, and a 64 GiB (sparse)
// file whose header promises 48 bytes was allocated whole before its length
// was checked.
func TestReadSpecialAndLong(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.npy")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	zero := filepath.Join(dir, "zero.npy")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	toFifo := filepath.Join(dir, "to-pipe.npy")
	if err := os.Symlink(fifo, toFifo); err != nil {
		t.Fatal(err)
	}
	long := filepath.Join(dir, "long.npy")
	f, err := os.Create(long)
	if err != nil {
		t.Fatal(err)
	}
	_, werr := f.Write(numpyFile(t, "f8 2x3"))
	if err := errors.Join(werr, f.Truncate(64<<30), f.Close()); err != nil {
		t.Skipf("sparse 64 GiB file: %v", err)
	}
	for _, c := range []struct {
		path, want string
	}{
		{fifo, "is a named pipe (FIFO), not a regular file"},
		{zero, "is a character device, not a regular file"},
		{toFifo, "is a named pipe (FIFO), not a regular file"},
		{long, "data has 68719476608 bytes, want 48 for shape [2 3] of <f8 (the file is longer than its header says)"},
	} {
		_, _, err := Read(c.path)
		if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Read(%s): %v, want an error naming it and %q", filepath.Base(c.path), err, c.want)
		}
	}
}
