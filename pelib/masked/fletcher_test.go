package masked

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scigolib/hdf5"
)

// TestFletcher32 checks the checksum on the published Fletcher-32 values
// (Wikipedia's "abcde", "abcdef", "abcdefgh", computed on little-endian
// words: HDF5's byte-swapped form) and on HDF5's own form.
func TestFletcher32(t *testing.T) {
	for _, c := range []struct {
		data   string
		stored uint32
		want   bool
	}{
		{"abcde", 0xF04FC729, true},
		{"abcdef", 0x56502D2A, true},
		{"abcdefgh", 0xEBE19591, true},
		{"abcdefgh", 0xEBE19592, false},
		{"abcdefgi", 0xEBE19591, false},
		{"", 0, true},
	} {
		if got := fletcher32Matches([]byte(c.data), c.stored); got != c.want {
			t.Errorf("%q, %#08x: %t, want %t (computed %#08x)", c.data, c.stored, got, c.want, fletcher32([]byte(c.data)))
		}
	}
	// HDF5's form: big-endian words, so "ab" is the word 0x6162.
	if got := fletcher32([]byte("ab")); got != 0x6162_6162 {
		t.Errorf("fletcher32(ab) = %#08x, want 0x61626162", got)
	}
}

// fletcherH5 writes a 4 × 6 float64 dataset in 2 × 3 chunks with the
// Fletcher-32 filter through the HDF5 library's writer, with its filter
// pipeline message made valid (the writer labels a version 1 message as
// version 2, which its own reader then misreads as filter 0), and returns
// the file's bytes and the chunks' addresses (each 48 bytes of data and 4
// of checksum).
func fletcherH5(t *testing.T) ([]byte, []int) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.h5")
	fw, err := hdf5.CreateForWrite(p, hdf5.CreateTruncate)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := fw.CreateDataset("/data", hdf5.Float64, []uint64{4, 6}, hdf5.WithChunkDims([]uint64{2, 3}), hdf5.WithFletcher32())
	if err != nil {
		t.Fatal(err)
	}
	data := make([]float64, 24)
	for i := range data {
		data[i] = float64(i*i%7) - 3
	}
	if err := ds.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// Filter pipeline message: type 0x0b, 32 bytes, flags 0, version 2,
	// one filter, then version 1's six reserved bytes.
	i := bytes.Index(b, []byte{0x0b, 0x20, 0x00, 0x00, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0x03, 0x00})
	if i < 0 {
		t.Fatal("no filter pipeline message of the expected form: has the library's writer changed?")
	}
	b[i+4] = 1
	// The chunks: the B-tree's keys, 0x34 (52) bytes each.
	tree := bytes.Index(b, []byte("TREE\x01\x00\x04\x00"))
	if tree < 0 {
		t.Fatal("no chunk B-tree of 4 entries")
	}
	var chunks []int
	for k := range 4 {
		key := tree + 8 + 16 + k*(8+24+8)
		if binary.LittleEndian.Uint32(b[key:]) != 52 {
			t.Fatalf("chunk %d: size %d, want 52", k, binary.LittleEndian.Uint32(b[key:]))
		}
		chunks = append(chunks, int(binary.LittleEndian.Uint64(b[key+32:])))
	}
	return b, chunks
}

// TestReadHDF5Fletcher32: a chunked dataset with the Fletcher-32 filter is
// read when its checksums hold and refused, naming the file, the dataset
// and the chunk, when a byte of a chunk or of its checksum is changed (the
// library's reader strips checksums without verifying them: it read the
// damaged values).
func TestReadHDF5Fletcher32(t *testing.T) {
	good, chunks := fletcherH5(t)
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		off  int // byte changed (^0x01); -1: none
		want string
	}{
		{"intact", -1, ""},
		{"data byte of chunk 0", chunks[0] + 5, "chunk at offset [0 0] "},
		{"data byte of chunk 3", chunks[3] + 40, "chunk at offset [2 3] "},
		{"checksum of chunk 1", chunks[1] + 49, "chunk at offset [0 3] "},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := bytes.Clone(good)
			if c.off >= 0 {
				b[c.off] ^= 0x01
			}
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".h5")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			s, err := ReadHDF5(p, "/data", ReadOptions{})
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if v := s.Data.At(1, 4); v != float64(10*10%7)-3 {
					t.Errorf("value [1 4] = %v, want %v", v, float64(10*10%7)-3)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "dataset /data") ||
				!strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "Fletcher-32 checksum") {
				t.Fatalf("error %v, want one naming %s, dataset /data, %q and the checksum", err, p, c.want)
			}
			t.Log(err)
		})
	}
}
