package fmri

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pelab/pelab/internal/shared"
	"github.com/pelab/pelab/pelib/pe"
)

// niftiBytes encodes a header and voxel bytes as a little-endian NIfTI-1
// single-file image (vox_offset 352).
func niftiBytes(h *NIfTIHeader, voxels []byte) []byte {
	b := make([]byte, 352)
	le := binary.LittleEndian
	le.PutUint32(b, niftiHeaderSize)
	for i := range 8 {
		le.PutUint16(b[40+2*i:], uint16(int16(h.Dim[i])))
		le.PutUint32(b[76+4*i:], math.Float32bits(float32(h.Pixdim[i])))
	}
	le.PutUint16(b[70:], uint16(h.Datatype))
	le.PutUint16(b[72:], uint16(h.Bitpix))
	le.PutUint32(b[108:], math.Float32bits(float32(h.VoxOffset)))
	le.PutUint32(b[112:], math.Float32bits(float32(h.SclSlope)))
	le.PutUint32(b[116:], math.Float32bits(float32(h.SclInter)))
	le.PutUint16(b[252:], uint16(h.QformCode))
	le.PutUint16(b[254:], uint16(h.SformCode))
	for r := range 3 {
		for c := range 4 {
			le.PutUint32(b[280+16*r+4*c:], math.Float32bits(float32(h.Srow[r][c])))
		}
	}
	copy(b[344:], "n+1\x00")
	return append(b, voxels...)
}

// testLabels is a 4 × 3 × 2 volume (i fastest) holding labels 0, 1, 2, 7.
var testLabels = []int{
	0, 1, 1, 0, // k=0, j=0
	0, 2, 0, 0, // k=0, j=1
	0, 0, 0, 0, // k=0, j=2
	0, 1, 0, 0, // k=1, j=0
	0, 0, 0, 7, // k=1, j=1
	0, 0, 0, 0, // k=1, j=2
}

func encodeLabels(code int, labels []int) []byte {
	var b bytes.Buffer
	for _, l := range labels {
		switch code {
		case niftiUint8:
			b.WriteByte(byte(l))
		case niftiInt16, niftiUint16:
			binary.Write(&b, binary.LittleEndian, uint16(l))
		case niftiInt32, niftiUint32:
			binary.Write(&b, binary.LittleEndian, uint32(l))
		case niftiFloat32:
			binary.Write(&b, binary.LittleEndian, float32(l))
		case niftiFloat64:
			binary.Write(&b, binary.LittleEndian, float64(l))
		}
	}
	return b.Bytes()
}

func testHeader(code, bitpix int) *NIfTIHeader {
	return &NIfTIHeader{
		Dim: [8]int{3, 4, 3, 2, 1, 1, 1, 1}, Datatype: code, Bitpix: bitpix,
		Pixdim: [8]float64{1, 2, 2, 2}, VoxOffset: 352, SclSlope: 1,
		SformCode: 4,
		// world = (2i − 10, 2j + 20, 3k + 1): x, y, z in mm.
		Srow: [3][4]float64{{2, 0, 0, -10}, {0, 2, 0, 20}, {0, 0, 3, 1}},
	}
}

func TestReadNIfTISynthetic(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name         string
		code, bitpix int
		gz           bool
	}{
		{"uint8", niftiUint8, 8, false},
		{"int16 gz", niftiInt16, 16, true},
		{"uint16", niftiUint16, 16, false},
		{"int32", niftiInt32, 32, false},
		{"uint32 gz", niftiUint32, 32, true},
		{"float32", niftiFloat32, 32, false},
		{"float64", niftiFloat64, 64, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := niftiBytes(testHeader(c.code, c.bitpix), encodeLabels(c.code, testLabels))
			p := filepath.Join(dir, "v.nii")
			if c.gz {
				var z bytes.Buffer
				w := gzip.NewWriter(&z)
				w.Write(b)
				w.Close()
				b, p = z.Bytes(), p+".gz"
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			v, err := ReadNIfTI(p)
			if err != nil {
				t.Fatal(err)
			}
			if v.Nx != 4 || v.Ny != 3 || v.Nz != 2 || v.Header.Datatype != c.code {
				t.Fatalf("dims %d×%d×%d datatype %d", v.Nx, v.Ny, v.Nz, v.Header.Datatype)
			}
			for i, l := range testLabels {
				if int(v.Labels[i]) != l {
					t.Fatalf("voxel %d = %d, want %d", i, v.Labels[i], l)
				}
			}
			cent, count, err := v.Centroids([]int{1, 2, 7})
			if err != nil {
				t.Fatal(err)
			}
			// Label 1: voxels (1,0,0), (2,0,0), (1,0,1): mean (4/3, 0, 1/3).
			// Label 2: (1,1,0). Label 7: (3,1,1).
			want := [][3]float64{
				{2*4.0/3 - 10, 20, 3.0/3 + 1},
				{2 - 10, 22, 1},
				{6 - 10, 22, 4},
			}
			wantCount := []int{3, 1, 1}
			for i := range want {
				if count[i] != wantCount[i] {
					t.Errorf("count %d = %d, want %d", i, count[i], wantCount[i])
				}
				for d := range 3 {
					if math.Abs(cent[i][d]-want[i][d]) > 1e-5 {
						t.Errorf("centroid %d = %v, want %v", i, cent[i], want[i])
						break
					}
				}
			}
		})
	}
}

func TestReadNIfTIScaled(t *testing.T) {
	h := testHeader(niftiUint8, 8)
	h.SclSlope, h.SclInter = 2, 100
	p := filepath.Join(t.TempDir(), "s.nii")
	os.WriteFile(p, niftiBytes(h, encodeLabels(niftiUint8, testLabels)), 0o644)
	v, err := ReadNIfTI(p)
	if err != nil {
		t.Fatal(err)
	}
	if v.Labels[0] != 100 || v.Labels[1] != 102 || v.Labels[19] != 114 {
		t.Errorf("scaled labels %d %d %d, want 100 102 114", v.Labels[0], v.Labels[1], v.Labels[19])
	}
}

func TestReadNIfTIErrors(t *testing.T) {
	dir := t.TempDir()
	good := func() *NIfTIHeader { return testHeader(niftiUint8, 8) }
	vox := encodeLabels(niftiUint8, testLabels)
	fracVox := encodeLabels(niftiFloat32, testLabels)
	binary.LittleEndian.PutUint32(fracVox[4:], math.Float32bits(0.5))
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"not nifti", []byte(strings.Repeat("x", 400)), "sizeof_hdr"},
		{"short header", []byte("abc"), "header"},
		{"truncated voxels", niftiBytes(good(), vox[:10]), "truncated"},
		{"complex datatype", func() []byte { h := good(); h.Datatype, h.Bitpix = 32, 64; return niftiBytes(h, vox) }(), "datatype 32"},
		{"bitpix mismatch", func() []byte { h := good(); h.Bitpix = 16; return niftiBytes(h, vox) }(), "bitpix"},
		{"4D", func() []byte { h := good(); h.Dim[0], h.Dim[4] = 4, 2; return niftiBytes(h, vox) }(), "single 3D volume"},
		{"2D", func() []byte { h := good(); h.Dim[0] = 2; return niftiBytes(h, vox) }(), "3D volume"},
		{"vox_offset", func() []byte { h := good(); h.VoxOffset = 100; return niftiBytes(h, vox) }(), "vox_offset"},
		{"fractional label", func() []byte { return niftiBytes(testHeader(niftiFloat32, 32), fracVox) }(), "voxel (1, 0, 0)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad.nii")
			os.WriteFile(p, c.file, 0o644)
			_, err := ReadNIfTI(p)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	p := filepath.Join(dir, "ok.nii")
	os.WriteFile(p, niftiBytes(good(), vox), 0o644)
	v, err := ReadNIfTI(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := v.Centroids([]int{1, 3}); err == nil || !strings.Contains(err.Error(), "label 3 has no voxels") {
		t.Errorf("absent label: error %v", err)
	}
	if _, err := GlasserCentroids(v); err == nil || !strings.Contains(err.Error(), "Glasser") {
		t.Errorf("Glasser centroids of a small volume: error %v", err)
	}
}

func TestQformAffine(t *testing.T) {
	// Identity rotation (b = c = d = 0), voxel sizes 2, 3, 4, qfac −1.
	h := &NIfTIHeader{Pixdim: [8]float64{-1, 2, 3, 4}, QOffset: [3]float64{5, 6, 7}, QformCode: 1}
	want := Affine{{2, 0, 0, 5}, {0, 3, 0, 6}, {0, 0, -4, 7}}
	if got := h.Affine(); got != want {
		t.Errorf("identity qform = %v, want %v", got, want)
	}
	// 90° about z: (b, c, d) = (0, 0, sin 45°) maps x → y, y → −x.
	s := math.Sqrt(0.5)
	h = &NIfTIHeader{Pixdim: [8]float64{1, 1, 1, 1}, QuaternD: s, QformCode: 1}
	want = Affine{{0, -1, 0, 0}, {1, 0, 0, 0}, {0, 0, 1, 0}}
	if got := h.Affine(); !affineClose(got, want, 1e-12) {
		t.Errorf("90° qform = %v, want %v", got, want)
	}
	// Neither form set: voxel sizes only.
	h = &NIfTIHeader{Pixdim: [8]float64{1, 2, 3, 4}}
	if got, want := h.Affine(), (Affine{{2, 0, 0, 0}, {0, 3, 0, 0}, {0, 0, 4, 0}}); got != want {
		t.Errorf("method-1 affine = %v, want %v", got, want)
	}
}

func affineClose(a, b Affine, tol float64) bool {
	for r := range 3 {
		for c := range 4 {
			if math.Abs(a[r][c]-b[r][c]) > tol {
				return false
			}
		}
	}
	return true
}

func TestGlasserLabel(t *testing.T) {
	for r, want := range map[int]int{0: 1, 179: 180, 180: 201, 359: 380} {
		if got := GlasserLabel(r); got != want {
			t.Errorf("GlasserLabel(%d) = %d, want %d", r, got, want)
		}
	}
}

// TestGlasserAtlas checks the real atlas against SOURCE.md's facts.
func TestGlasserAtlas(t *testing.T) {
	path := shared.TestData(t, "hcp-glasser360", "atlas", "MMP_in_MNI_corr.nii.gz")
	start := time.Now()
	v, err := ReadNIfTI(path)
	if err != nil {
		t.Fatal(err)
	}
	read := time.Since(start)
	h := v.Header
	if v.Nx != 256 || v.Ny != 256 || v.Nz != 256 || h.Datatype != niftiUint32 || h.SformCode <= 0 {
		t.Fatalf("atlas %d×%d×%d datatype %d sform_code %d, want 256³ uint32 (768) with an sform", v.Nx, v.Ny, v.Nz, h.Datatype, h.SformCode)
	}
	// The file's qform (code 0, so unused) encodes the same affine as its
	// sform: a check of the quaternion formula on real data.
	if q, s := h.QformAffine(), h.SformAffine(); !affineClose(q, s, 1e-6) {
		t.Errorf("qform %v ≠ sform %v", q, s)
	}
	// Labels are 0 (background), 1–180 and 201–380 only.
	present := map[int32]bool{}
	for _, l := range v.Labels {
		present[l] = true
	}
	for l := range present {
		if l != 0 && !(l >= 1 && l <= 180) && !(l >= 201 && l <= 380) {
			t.Errorf("unexpected label %d", l)
		}
	}
	if len(present) != 361 {
		t.Errorf("%d distinct labels, want 361 (background + 360)", len(present))
	}
	start = time.Now()
	c, err := GlasserCentroids(v)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("atlas read in %v, centroids in %v; affine %v", read, time.Since(start), h.Affine())
	lo := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}
	hi := [3]float64{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for r := range c {
		for d := range 3 {
			lo[d], hi[d] = math.Min(lo[d], c[r][d]), math.Max(hi[d], c[r][d])
		}
		if (r < RegionsPerHemisphere) != (c[r][0] < 0) {
			t.Errorf("region %d centroid x = %.1f is in the wrong hemisphere", r, c[r][0])
		}
	}
	t.Logf("centroid ranges x %.1f…%.1f, y %.1f…%.1f, z %.1f…%.1f; L_V1 %.2f", lo[0], hi[0], lo[1], hi[1], lo[2], hi[2], c[0])
	// SOURCE.md: x −66…64, y −92…68, z −46…74 (rounded to 1 mm).
	wantLo, wantHi := [3]float64{-66, -92, -46}, [3]float64{64, 68, 74}
	for d := range 3 {
		if math.Abs(lo[d]-wantLo[d]) > 1 || math.Abs(hi[d]-wantHi[d]) > 1 {
			t.Errorf("axis %d range %.2f…%.2f, want %v…%v", d, lo[d], hi[d], wantLo[d], wantHi[d])
		}
	}
	wantV1 := [3]float64{-10.99, -84.36, 0.14}
	for d := range 3 {
		if math.Abs(c[0][d]-wantV1[d]) > 0.01 {
			t.Errorf("L_V1 centroid %v, want %v", c[0], wantV1)
			break
		}
	}
	// The package notes: the median distance from a centroid to its
	// nearest neighbour is 10.5 mm, so CoordUnit = 10 mm puts neighbouring
	// regions about one unit apart (what `pelab tokens -coord-unit auto`
	// takes from the same coordinates).
	coords := make([][]float64, len(c))
	for r := range c {
		coords[r] = c[r][:]
	}
	lay, err := pe.Points(coords)
	if err != nil {
		t.Fatal(err)
	}
	d, err := lay.NearestNeighbourSpacing()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("median nearest-neighbour distance of the centroids %.3f mm (CoordUnit %g mm)", d, CoordUnit)
	if math.Abs(d-10.5) > 0.05 || math.Abs(d/CoordUnit-1) > 0.1 {
		t.Errorf("median nearest-neighbour distance %.3f mm, want 10.5 ± 0.05 and CoordUnit %g within 10 %%", d, CoordUnit)
	}
}
