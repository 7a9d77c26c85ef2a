package fmri

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/pelab/pelab/internal/regular"
)

// NIfTI-1 datatype codes of the integer (and integral float) label volumes
// that ReadNIfTI accepts.
const (
	niftiUint8   = 2
	niftiInt16   = 4
	niftiInt32   = 8
	niftiFloat32 = 16
	niftiFloat64 = 64
	niftiInt8    = 256
	niftiUint16  = 512
	niftiUint32  = 768
	niftiInt64   = 1024
	niftiUint64  = 1280
)

// niftiHeaderSize is sizeof_hdr of a NIfTI-1 header.
const niftiHeaderSize = 348

// NIfTIHeader holds the fields of a NIfTI-1 header that locate and scale the
// voxels and map voxel indices (i, j, k) to world millimetres.
type NIfTIHeader struct {
	// Dim is dim[0..7]: Dim[0] is the rank, Dim[1..3] the spatial sizes.
	Dim [8]int
	// Datatype is the NIfTI datatype code, Bitpix its bits per voxel.
	Datatype, Bitpix int
	// Pixdim is pixdim[0..7]: Pixdim[0] is qfac (±1), Pixdim[1..3] the voxel
	// sizes in mm.
	Pixdim [8]float64
	// VoxOffset is the byte offset of the voxel data.
	VoxOffset int64
	// SclSlope and SclInter scale stored values, v = slope·stored + inter,
	// when SclSlope ≠ 0.
	SclSlope, SclInter float64
	// QformCode and SformCode say whether each affine is set (> 0).
	QformCode, SformCode int
	// QuaternB, QuaternC, QuaternD, QOffset define the qform (method 2).
	QuaternB, QuaternC, QuaternD float64
	QOffset                      [3]float64
	// Srow holds the sform rows (method 3): world = Srow · [i j k 1]ᵀ.
	Srow [3][4]float64
	// ByteOrder is the file's byte order.
	ByteOrder binary.ByteOrder
}

// Affine is a voxel-to-world map: world = A[:, :3]·[i j k]ᵀ + A[:, 3] (mm).
type Affine [3][4]float64

// Apply maps voxel index coordinates (possibly fractional) to world mm.
func (a Affine) Apply(ijk [3]float64) [3]float64 {
	var w [3]float64
	for r := range 3 {
		w[r] = a[r][0]*ijk[0] + a[r][1]*ijk[1] + a[r][2]*ijk[2] + a[r][3]
	}
	return w
}

// SformAffine returns the sform affine (the srow_x, srow_y, srow_z rows).
func (h *NIfTIHeader) SformAffine() Affine { return Affine(h.Srow) }

// QformAffine returns the qform affine built from the quaternion (b, c, d),
// a = √(1 − b² − c² − d²), the voxel sizes and qfac = Pixdim[0] (taken as 1
// when 0): A = R(a,b,c,d)·diag(dx, dy, qfac·dz) with offset QOffset, where
//
//	R = [a²+b²−c²−d²  2(bc−ad)     2(bd+ac)
//	     2(bc+ad)     a²+c²−b²−d²  2(cd−ab)
//	     2(bd−ac)     2(cd+ab)     a²+d²−b²−c²].
func (h *NIfTIHeader) QformAffine() Affine {
	b, c, d := h.QuaternB, h.QuaternC, h.QuaternD
	aa := 1 - (b*b + c*c + d*d)
	var a float64
	if aa < 1e-7 { // a = 0: a 180° rotation; renormalise (b, c, d)
		n := math.Sqrt(b*b + c*c + d*d)
		if n > 0 {
			b, c, d = b/n, c/n, d/n
		}
	} else {
		a = math.Sqrt(aa)
	}
	R := [3][3]float64{
		{a*a + b*b - c*c - d*d, 2 * (b*c - a*d), 2 * (b*d + a*c)},
		{2 * (b*c + a*d), a*a + c*c - b*b - d*d, 2 * (c*d - a*b)},
		{2 * (b*d - a*c), 2 * (c*d + a*b), a*a + d*d - b*b - c*c},
	}
	qfac := h.Pixdim[0]
	if qfac == 0 {
		qfac = 1
	}
	scale := [3]float64{h.Pixdim[1], h.Pixdim[2], qfac * h.Pixdim[3]}
	var A Affine
	for r := range 3 {
		for col := range 3 {
			A[r][col] = R[r][col] * scale[col]
		}
		A[r][3] = h.QOffset[r]
	}
	return A
}

// Affine returns the voxel-to-world affine: the sform when SformCode > 0,
// else the qform when QformCode > 0, else (NIfTI "method 1") the voxel sizes
// on the diagonal with no offset.
func (h *NIfTIHeader) Affine() Affine {
	switch {
	case h.SformCode > 0:
		return h.SformAffine()
	case h.QformCode > 0:
		return h.QformAffine()
	}
	var A Affine
	for r := range 3 {
		A[r][r] = h.Pixdim[r+1]
	}
	return A
}

// Volume is a 3D integer label volume: Labels[i + Nx·(j + Ny·k)] is the label
// of voxel (i, j, k) (NIfTI order, i fastest).
type Volume struct {
	Header     NIfTIHeader
	Nx, Ny, Nz int
	Labels     []int32
}

// maxNIfTIVoxels bounds the voxels of a label volume ReadNIfTI accepts:
// 2³⁰, 4 GiB of int32 labels, about 150 times the MNI atlas (182 × 218 × 182).
const maxNIfTIVoxels = 1 << 30

// ReadNIfTI reads a NIfTI-1 label volume from a .nii or .nii.gz file (gzip is
// detected from the content). It accepts the integer datatypes (u)int8,
// (u)int16, (u)int32, (u)int64 and float32/float64 volumes whose scaled
// values are all integers; labels must fit in int32. The volume must be 3D
// (or 4D with one volume) with at most 2³⁰ voxels.
//
// The file is untrusted input: memory is allocated only for voxel data that
// the file actually holds (a header declaring more voxels than the file
// has is an error, however large), and a gzip file must end with a valid
// trailer (its CRC-32 and length are checked, so a damaged .nii.gz is an
// error, not a silently wrong atlas). Errors name the file.
func ReadNIfTI(path string) (*Volume, error) {
	f, _, err := regular.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fmri: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	var gz *gzip.Reader
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		if gz, err = gzip.NewReader(br); err != nil {
			return nil, fmt.Errorf("fmri: %s: gzip: %w", path, err)
		}
		defer gz.Close()
		r = bufio.NewReaderSize(gz, 1<<16)
	}
	v, err := readNIfTI(r)
	if err != nil {
		if gz != nil && errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w (gzip stream ends early: truncated file?)", err)
		}
		return nil, fmt.Errorf("fmri: %s: %w", path, err)
	}
	if gz != nil {
		// Read to the end of the gzip stream: only there does gzip check
		// the CRC-32 and length of what it decompressed.
		if _, err := io.Copy(io.Discard, r); err != nil {
			return nil, fmt.Errorf("fmri: %s: gzip: %w (damaged .nii.gz)", path, err)
		}
	}
	return v, nil
}

func readNIfTI(r io.Reader) (*Volume, error) {
	var hb [niftiHeaderSize]byte
	if _, err := io.ReadFull(r, hb[:]); err != nil {
		return nil, fmt.Errorf("NIfTI header: want %d bytes: %w", niftiHeaderSize, err)
	}
	h, err := parseNIfTIHeader(hb[:])
	if err != nil {
		return nil, err
	}
	nx, ny, nz := h.Dim[1], h.Dim[2], h.Dim[3]
	for d := 4; d <= h.Dim[0]; d++ {
		if h.Dim[d] != 1 {
			return nil, fmt.Errorf("NIfTI: dim %v has %d entries along axis %d, want a single 3D volume", h.Dim[:h.Dim[0]+1], h.Dim[d], d)
		}
	}
	if h.Dim[0] < 3 || nx <= 0 || ny <= 0 || nz <= 0 {
		return nil, fmt.Errorf("NIfTI: dim %v, want a 3D volume with positive sizes", h.Dim[:max(1, min(h.Dim[0]+1, 8))])
	}
	// Each size is at most 32767, so n fits in an int.
	n := nx * ny * nz
	if n > maxNIfTIVoxels {
		return nil, fmt.Errorf("NIfTI: dim %d × %d × %d = %d voxels, want at most 2³⁰ (%d) in a label volume", nx, ny, nz, n, maxNIfTIVoxels)
	}
	size, err := niftiTypeSize(h.Datatype)
	if err != nil {
		return nil, err
	}
	if h.VoxOffset < niftiHeaderSize {
		return nil, fmt.Errorf("NIfTI: vox_offset %d is inside the %d-byte header", h.VoxOffset, niftiHeaderSize)
	}
	if _, err := io.CopyN(io.Discard, r, h.VoxOffset-niftiHeaderSize); err != nil {
		return nil, fmt.Errorf("NIfTI: skip to vox_offset %d: %w", h.VoxOffset, err)
	}
	// Read the voxels as they come rather than allocating what the header
	// declares: the buffer grows only as far as the file has data.
	want := int64(n) * int64(size)
	raw, err := io.ReadAll(io.LimitReader(r, want))
	if err == nil && int64(len(raw)) < want {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, fmt.Errorf("NIfTI: voxel data: want %d × %d × %d × %d = %d bytes, the file has %d (truncated file?): %w", nx, ny, nz, size, want, len(raw), err)
	}
	labels := make([]int32, n)
	slope, inter := h.SclSlope, h.SclInter
	scaled := slope != 0 && (slope != 1 || inter != 0)
	bo := h.ByteOrder
	for i := range n {
		var v float64
		p := raw[i*size:]
		switch h.Datatype {
		case niftiUint8:
			v = float64(p[0])
		case niftiInt8:
			v = float64(int8(p[0]))
		case niftiInt16:
			v = float64(int16(bo.Uint16(p)))
		case niftiUint16:
			v = float64(bo.Uint16(p))
		case niftiInt32:
			v = float64(int32(bo.Uint32(p)))
		case niftiUint32:
			v = float64(bo.Uint32(p))
		case niftiInt64:
			v = float64(int64(bo.Uint64(p)))
		case niftiUint64:
			v = float64(bo.Uint64(p))
		case niftiFloat32:
			v = float64(math.Float32frombits(bo.Uint32(p)))
		case niftiFloat64:
			v = math.Float64frombits(bo.Uint64(p))
		}
		if scaled {
			v = slope*v + inter
		}
		if v != math.Trunc(v) || v < math.MinInt32 || v > math.MaxInt32 {
			x, y, z := i%nx, (i/nx)%ny, i/(nx*ny)
			return nil, fmt.Errorf("NIfTI: voxel (%d, %d, %d) has value %v, want an integer label in int32 range", x, y, z, v)
		}
		labels[i] = int32(v)
	}
	return &Volume{Header: *h, Nx: nx, Ny: ny, Nz: nz, Labels: labels}, nil
}

func niftiTypeSize(code int) (int, error) {
	switch code {
	case niftiUint8, niftiInt8:
		return 1, nil
	case niftiInt16, niftiUint16:
		return 2, nil
	case niftiInt32, niftiUint32, niftiFloat32:
		return 4, nil
	case niftiInt64, niftiUint64, niftiFloat64:
		return 8, nil
	}
	return 0, fmt.Errorf("NIfTI: datatype %d not supported for labels, want an integer type (2, 4, 8, 256, 512, 768, 1024, 1280) or integral float32/float64 (16, 64)", code)
}

// parseNIfTIHeader decodes the 348-byte NIfTI-1 header, detecting the byte
// order from sizeof_hdr.
func parseNIfTIHeader(b []byte) (*NIfTIHeader, error) {
	var bo binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(b) == niftiHeaderSize:
		bo = binary.LittleEndian
	case binary.BigEndian.Uint32(b) == niftiHeaderSize:
		bo = binary.BigEndian
	default:
		if binary.LittleEndian.Uint32(b) == 540 || binary.BigEndian.Uint32(b) == 540 {
			return nil, errors.New("NIfTI-2 header (sizeof_hdr 540): only NIfTI-1 is supported")
		}
		return nil, fmt.Errorf("not a NIfTI-1 file: sizeof_hdr %d, want 348", binary.LittleEndian.Uint32(b))
	}
	if magic := string(b[344:348]); magic != "n+1\x00" && magic != "ni1\x00" {
		return nil, fmt.Errorf("not a NIfTI-1 file: magic %q, want \"n+1\" or \"ni1\"", magic)
	}
	f32 := func(off int) float64 { return float64(math.Float32frombits(bo.Uint32(b[off:]))) }
	i16 := func(off int) int { return int(int16(bo.Uint16(b[off:]))) }
	h := &NIfTIHeader{ByteOrder: bo}
	for i := range 8 {
		h.Dim[i] = i16(40 + 2*i)
		h.Pixdim[i] = f32(76 + 4*i)
	}
	if h.Dim[0] < 1 || h.Dim[0] > 7 {
		return nil, fmt.Errorf("NIfTI: dim[0] = %d, want 1–7", h.Dim[0])
	}
	h.Datatype = i16(70)
	h.Bitpix = i16(72)
	vo := f32(108)
	if vo != math.Trunc(vo) || vo < 0 || vo > 1<<40 {
		return nil, fmt.Errorf("NIfTI: vox_offset %v, want a non-negative integer below 2⁴⁰", vo)
	}
	h.VoxOffset = int64(vo)
	h.SclSlope = f32(112)
	h.SclInter = f32(116)
	h.QformCode = i16(252)
	h.SformCode = i16(254)
	h.QuaternB, h.QuaternC, h.QuaternD = f32(256), f32(260), f32(264)
	h.QOffset = [3]float64{f32(268), f32(272), f32(276)}
	for r := range 3 {
		for c := range 4 {
			h.Srow[r][c] = f32(280 + 16*r + 4*c)
		}
	}
	if size, err := niftiTypeSize(h.Datatype); err == nil && h.Bitpix != 8*size {
		return nil, fmt.Errorf("NIfTI: bitpix %d does not match datatype %d (%d bits)", h.Bitpix, h.Datatype, 8*size)
	}
	return h, nil
}

// Centroids returns, for each label in labels, the centroid of its voxels in
// world mm, A·[ī, j̄, k̄, 1]ᵀ with (ī, j̄, k̄) the mean voxel index and A the
// header's Affine, and the voxel counts. A label with no voxel is an error.
func (v *Volume) Centroids(labels []int) ([][3]float64, []int, error) {
	index := make(map[int32]int, len(labels))
	for i, l := range labels {
		if l < math.MinInt32 || l > math.MaxInt32 {
			return nil, nil, fmt.Errorf("fmri: label %d out of int32 range", l)
		}
		if _, dup := index[int32(l)]; dup {
			return nil, nil, fmt.Errorf("fmri: label %d requested twice", l)
		}
		index[int32(l)] = i
	}
	// A dense lookup table (label − lo → position + 1) when the requested
	// labels span a small range, else the map.
	lo, hi := math.MaxInt, math.MinInt
	for _, l := range labels {
		lo, hi = min(lo, l), max(hi, l)
	}
	var table []int
	if len(labels) > 0 && hi-lo < 1<<20 {
		table = make([]int, hi-lo+1)
		for i, l := range labels {
			table[l-lo] = i + 1
		}
	}
	sum := make([][3]float64, len(labels))
	count := make([]int, len(labels))
	p := 0
	for k := range v.Nz {
		for j := range v.Ny {
			for i := range v.Nx {
				at, ok := -1, false
				if table != nil {
					if d := int(v.Labels[p]) - lo; d >= 0 && d < len(table) && table[d] > 0 {
						at, ok = table[d]-1, true
					}
				} else {
					at, ok = index[v.Labels[p]]
				}
				if ok {
					sum[at][0] += float64(i)
					sum[at][1] += float64(j)
					sum[at][2] += float64(k)
					count[at]++
				}
				p++
			}
		}
	}
	A := v.Header.Affine()
	out := make([][3]float64, len(labels))
	for at, n := range count {
		if n == 0 {
			return nil, nil, fmt.Errorf("fmri: label %d has no voxels in the volume", labels[at])
		}
		mean := [3]float64{sum[at][0] / float64(n), sum[at][1] / float64(n), sum[at][2] / float64(n)}
		out[at] = A.Apply(mean)
	}
	return out, count, nil
}

// GlasserLabel returns the atlas label of region r (0-based): regions 0–179
// (left) are labels 1–180, regions 180–359 (right) labels 201–380.
func GlasserLabel(r int) int {
	if r < RegionsPerHemisphere {
		return r + 1
	}
	return r - RegionsPerHemisphere + 201
}

// GlasserCentroids returns the MNI centroids (mm) of the 360 Glasser regions
// in region order, rows x, y, z: shape [NumRegions, 3].
func GlasserCentroids(v *Volume) ([][3]float64, error) {
	labels := make([]int, NumRegions)
	for r := range labels {
		labels[r] = GlasserLabel(r)
	}
	c, _, err := v.Centroids(labels)
	if err != nil {
		return nil, fmt.Errorf("%w (Glasser atlas: labels 1–180 left, 201–380 right)", err)
	}
	return c, nil
}
