package fmri

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelab/pelab/internal/testfiles"
	"github.com/pelab/pelab/pelib/masked"
	"gonum.org/v1/gonum/mat"
)

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestReadNIfTIDamaged(t *testing.T) {
	good := niftiBytes(testHeader(niftiUint8, 8), encodeLabels(niftiUint8, testLabels))
	huge := testHeader(niftiUint8, 8)
	huge.Dim = [8]int{3, 32767, 32767, 32767, 1, 1, 1, 1}
	badCRC := gzipBytes(good)
	badCRC[len(badCRC)-8] ^= 1 // the CRC-32 in the gzip trailer
	badSize := gzipBytes(good)
	badSize[len(badSize)-1] ^= 1 // the ISIZE in the gzip trailer
	cases := []struct {
		name string
		file []byte
		want string
	}{
		// 115 bytes of gzip declaring 32767³ voxels; before the fix, ReadNIfTI
		// allocated 35 GB up front and the process died.
		{"huge dims gzip", gzipBytes(niftiBytes(huge, nil)), "32767 × 32767 × 32767"},
		{"huge dims", niftiBytes(huge, nil), "32767 × 32767 × 32767"},
		{"bad CRC", badCRC, "checksum"},
		{"bad size", badSize, "checksum"},
		{"truncated gzip", gzipBytes(good)[:len(gzipBytes(good))/2], "unexpected EOF"},
		{"truncated gzip trailer", gzipBytes(good)[:len(gzipBytes(good))-4], "unexpected EOF"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".nii.gz")
			if err := os.WriteFile(p, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadNIfTI(p)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %s and containing %q", err, p, c.want)
			}
			t.Log(err)
		})
	}
	if n := len(gzipBytes(niftiBytes(huge, nil))); n > 200 {
		t.Errorf("huge-dims file is %d bytes, want a small one", n)
	}
}

// TestReadDirStray puts files that are not subjects beside real ones: hidden
// files, notes, other extensions. Beside HCP-named files only HCP-named files
// are subjects; elsewhere every non-hidden data file is. The experiment's
// subject listing (listSubjects: a protocol's first n subjects) must agree:
// it once listed .hidden and 0notes, so `pelab fmri` failed with "no file for
// subject .hidden" although ReadDir ignored them.
func TestReadDirStray(t *testing.T) {
	stray := []string{".hidden.h5", "0notes.csv", "._sub-03.npy", "notes.txt", "README.md", "#sub-04.csv#", "sub-05.csv~"}
	cases := []struct {
		name  string
		files []string
		want  string
	}{
		{"HCP", []string{"HCP_example_restrun1_subj100_data.h5", "HCP_example_restrun1_subj200_data.h5"}, "100,200"},
		{"own names", []string{"sub-01.npy", "sub-02.h5"}, "0notes,sub-01,sub-02"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range c.files {
				p := filepath.Join(dir, name)
				if strings.HasSuffix(name, ".npy") {
					if err := masked.WriteNPY(p, mat.NewDense(2, 3, []float64{1, 2, 3, 4, 5, 6})); err != nil {
						t.Fatal(err)
					}
				} else {
					testfiles.WriteH5(t, p, HCPDataset, []uint64{2, 3}, []float64{1, 2, 3, 4, 5, 6})
				}
			}
			for _, name := range stray {
				text := "not data\n"
				if name == "0notes.csv" {
					text = "1,2,3\n4,5,6\n" // readable: only the name can tell
				}
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ss, err := ReadDir(dir, masked.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range ss {
				got = append(got, s.Name)
			}
			if strings.Join(got, ",") != c.want {
				t.Fatalf("subjects %v, want %s", got, c.want)
			}
			// The experiment's subject listing (a protocol's first n
			// subjects, -test-subjects) must list the same subjects.
			ids, err := listSubjects(dir)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(ids, ",") != c.want {
				t.Fatalf("listSubjects: %v, want %s", ids, c.want)
			}
		})
	}
}
