// Package npy reads and writes NumPy .npy files holding N-dimensional float
// arrays, the format numpy.save writes and numpy.load reads.
//
// An NPY file is the magic "\x93NUMPY", a major and minor version byte, the
// header length (uint16 little-endian in version 1, uint32 in versions 2 and
// 3), an ASCII (version 3: UTF-8) Python dict literal such as
//
//	{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }
//
// padded with spaces and a final '\n', and then the raw array data.
//
// Design choices:
//   - Arrays come and go as a flat []float64 in C (row-major) order plus a
//     shape: element (i₀, …, iₖ) is at Σ iⱼ·Πₗ₌ⱼ₊₁ shape[l]. Shape () is a
//     scalar (one element); a zero dimension makes an empty array.
//   - Only little-endian float64 ('<f8') and float32 ('<f4') data in C order
//     are read; Fortran order and every other dtype are errors naming what
//     the file holds, so that a wrong file is never silently misread.
//     float32 values are widened exactly to float64.
//   - Values are returned as stored, NaN and ±Inf included: the format has
//     no opinion on them, so checking finiteness is the caller's business.
//   - Files are written in version 1.0 with the header padded so that the
//     data starts at a multiple of 64 bytes, as numpy does, and atomically
//     (see internal/atomicfile): a reader never sees a partial file.
package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/pelab/pelab/internal/atomicfile"
	"github.com/pelab/pelab/internal/regular"
)

// magic starts every NPY file.
const magic = "\x93NUMPY"

// align is the multiple of bytes at which the data starts in written files.
const align = 64

// Read reads the float array in the NPY file at path and returns its values
// in C order and its shape; len(data) is the product of shape. See Decode.
//
// Only a regular file is read (internal/regular: a named pipe, a device or
// a symlink to one is an error naming it). The header is read first, from
// at most the first headerMax bytes: a file whose length is not the
// header's plus the data its shape and dtype promise is an error before its
// data are read, so that a file far longer than its header says is never
// read whole.
func Read(path string) (data []float64, shape []int, err error) {
	f, info, err := regular.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %w", err)
	}
	defer f.Close()
	size := info.Size()
	head := make([]byte, min(size, headerMax))
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, nil, fmt.Errorf("npy: %s: read the header: %w", path, err)
	}
	if size > headerMax {
		h, body, err := parseHeader(head)
		if err == nil {
			var item, n int
			if item, n, err = h.layout(); err == nil && size-int64(len(head)-len(body)) != int64(n)*int64(item) {
				return nil, nil, fmt.Errorf("npy: %s: data has %d bytes, want %d for shape %v of %s (the file is longer than its header says)",
					path, size-int64(len(head)-len(body)), n*item, h.shape, h.descr)
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("npy: %s: %w", path, err)
		}
		rest := make([]byte, size)
		copy(rest, head)
		if _, err := io.ReadFull(f, rest[len(head):]); err != nil {
			return nil, nil, fmt.Errorf("npy: %s: read %d bytes: %w", path, size, err)
		}
		head = rest
	}
	data, shape, err = decode(head)
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %s: %w", path, err)
	}
	return data, shape, nil
}

// headerMax is the most bytes Read reads before it has checked the file's
// length against its header: numpy's headers are a few hundred bytes.
const headerMax = 1 << 20

// Decode decodes the bytes of an NPY file (format versions 1, 2 and 3). The
// dtype must be '<f8' or '<f4' and the array in C order; the data must be
// exactly the product of the shape times the item size. Anything else is an
// error saying what was found.
func Decode(b []byte) (data []float64, shape []int, err error) {
	data, shape, err = decode(b)
	if err != nil {
		return nil, nil, fmt.Errorf("npy: %w", err)
	}
	return data, shape, nil
}

func decode(b []byte) ([]float64, []int, error) {
	h, body, err := parseHeader(b)
	if err != nil {
		return nil, nil, err
	}
	size, n, err := h.layout()
	if err != nil {
		return nil, nil, err
	}
	if len(body) != n*size {
		return nil, nil, fmt.Errorf("data has %d bytes, want %d for shape %v of %s (truncated file?)", len(body), n*size, h.shape, h.descr)
	}
	data := make([]float64, n)
	if size == 8 {
		for i := range data {
			data[i] = math.Float64frombits(binary.LittleEndian.Uint64(body[8*i:]))
		}
	} else {
		for i := range data {
			data[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:])))
		}
	}
	return data, h.shape, nil
}

// header holds the fields of an NPY header dict.
type header struct {
	descr   string
	fortran bool
	shape   []int
}

// layout returns the item size in bytes and the number of elements of the
// array h describes, or an error for Fortran order, a dtype other than
// '<f8' and '<f4', or more elements than an int counts.
func (h header) layout() (size, n int, err error) {
	if h.fortran {
		return 0, 0, fmt.Errorf("array of shape %v is in Fortran (column-major) order, want C order; save it in C order (numpy.ascontiguousarray)", h.shape)
	}
	switch h.descr {
	case "<f8":
		size = 8
	case "<f4":
		size = 4
	default:
		return 0, 0, fmt.Errorf("dtype %q not supported, want '<f8' or '<f4' (little-endian float)", h.descr)
	}
	n = 1
	for _, d := range h.shape {
		if d == 0 {
			return size, 0, nil
		}
	}
	for _, d := range h.shape {
		if n > math.MaxInt/size/d {
			return 0, 0, fmt.Errorf("shape %v has more elements than an int can count", h.shape)
		}
		n *= d
	}
	return size, n, nil
}

// parseHeader splits an NPY file into its header fields and data bytes.
func parseHeader(b []byte) (h header, body []byte, err error) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return h, nil, errors.New("not an NPY file (missing \\x93NUMPY magic)")
	}
	if len(b) < len(magic)+4 {
		return h, nil, fmt.Errorf("NPY header truncated: file has %d bytes", len(b))
	}
	major, minor := b[6], b[7]
	var hlen, start int
	switch major {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:10])), 10
	case 2, 3:
		if len(b) < 12 {
			return h, nil, fmt.Errorf("NPY header truncated: file has %d bytes", len(b))
		}
		n := binary.LittleEndian.Uint32(b[8:12])
		if uint64(n) > uint64(len(b)) {
			return h, nil, fmt.Errorf("NPY header says %d bytes but the file has %d after the preamble (truncated file?)", n, len(b)-12)
		}
		hlen, start = int(n), 12
	default:
		return h, nil, fmt.Errorf("NPY format version %d.%d not supported (want 1, 2 or 3)", major, minor)
	}
	if start+hlen > len(b) {
		return h, nil, fmt.Errorf("NPY header says %d bytes but the file has %d after the preamble (truncated file?)", hlen, len(b)-start)
	}
	h, err = parseDict(string(b[start : start+hlen]))
	return h, b[start+hlen:], err
}

// parseDict parses the header dict literal. Keys may come in any order;
// unknown keys are ignored. Shape entries may carry Python 2's 'L' suffix.
func parseDict(s string) (h header, err error) {
	d := strings.TrimSpace(s)
	if !strings.HasPrefix(d, "{") || !strings.HasSuffix(d, "}") {
		return h, fmt.Errorf("NPY header %q is not a dict", d)
	}
	d = strings.TrimSpace(d[1 : len(d)-1])
	var haveDescr, haveOrder, haveShape bool
	for d != "" {
		key, rest, ok := cutQuoted(d)
		if !ok {
			return h, fmt.Errorf("NPY header: cannot parse key at %q", d)
		}
		rest = strings.TrimSpace(rest)
		if !strings.HasPrefix(rest, ":") {
			return h, fmt.Errorf("NPY header: want ':' after %q", key)
		}
		rest = strings.TrimSpace(rest[1:])
		var val string
		switch {
		case strings.HasPrefix(rest, "("), strings.HasPrefix(rest, "["):
			end := closing(rest)
			if end < 0 {
				return h, fmt.Errorf("NPY header: unterminated %c for %q", rest[0], key)
			}
			val, rest = rest[:end+1], rest[end+1:]
		case strings.HasPrefix(rest, "'"), strings.HasPrefix(rest, `"`):
			val, rest, ok = cutQuoted(rest)
			if !ok {
				return h, fmt.Errorf("NPY header: unterminated string for %q", key)
			}
		default:
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		switch key {
		case "descr":
			h.descr, haveDescr = val, true
		case "fortran_order":
			switch val {
			case "True":
				h.fortran = true
			case "False":
				h.fortran = false
			default:
				return h, fmt.Errorf("NPY header: fortran_order %q, want True or False", val)
			}
			haveOrder = true
		case "shape":
			if h.shape, err = parseShape(val); err != nil {
				return h, err
			}
			haveShape = true
		}
		rest = strings.TrimSpace(rest)
		if rest != "" && !strings.HasPrefix(rest, ",") {
			return h, fmt.Errorf("NPY header: want ',' after the value of %q, found %q", key, rest)
		}
		d = strings.TrimSpace(strings.TrimPrefix(rest, ","))
	}
	if !haveDescr || !haveOrder || !haveShape {
		return h, errors.New("NPY header lacks one of 'descr', 'fortran_order', 'shape'")
	}
	return h, nil
}

// parseShape parses a shape tuple such as "()", "(6,)" or "(2, 3)".
func parseShape(val string) ([]int, error) {
	if !strings.HasPrefix(val, "(") || !strings.HasSuffix(val, ")") {
		return nil, fmt.Errorf("NPY header: shape %s is not a tuple", val)
	}
	inner := strings.TrimSpace(val[1 : len(val)-1])
	shape := []int{}
	if inner == "" {
		return shape, nil
	}
	fields := strings.Split(inner, ",")
	if strings.TrimSpace(fields[len(fields)-1]) == "" {
		fields = fields[:len(fields)-1] // trailing comma, as in (6,)
	}
	for _, f := range fields {
		f = strings.TrimSuffix(strings.TrimSpace(f), "L")
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("NPY header: bad shape %s, want a tuple of non-negative integers", val)
		}
		shape = append(shape, n)
	}
	return shape, nil
}

// closing returns the index of the bracket that closes the '(' or '[' at
// s[0], or -1. Quoted strings inside are skipped.
func closing(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
			if depth == 0 {
				return i
			}
		case '\'', '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return -1
			}
			i += 1 + end
		}
	}
	return -1
}

// cutQuoted splits a leading single- or double-quoted string off s.
func cutQuoted(s string) (val, rest string, ok bool) {
	if s == "" || (s[0] != '\'' && s[0] != '"') {
		return "", s, false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", s, false
	}
	return s[1 : 1+end], s[2+end:], true
}

// Write writes data, in C order with the given shape, to path as a '<f8'
// NPY version 1.0 file, atomically. len(data) must equal the product of
// shape: no shape means a scalar (one value); Write(path, v, len(v)) writes
// a vector.
func Write(path string, data []float64, shape ...int) error {
	return write(path, "<f8", 8, data, shape, func(b []byte, v float64) {
		binary.LittleEndian.PutUint64(b, math.Float64bits(v))
	})
}

// WriteFloat32 is like Write but writes data as '<f4'.
func WriteFloat32(path string, data []float32, shape ...int) error {
	return write(path, "<f4", 4, data, shape, func(b []byte, v float32) {
		binary.LittleEndian.PutUint32(b, math.Float32bits(v))
	})
}

// write writes data as dtype descr of size bytes per value, each value
// encoded by put.
func write[T float32 | float64](path, descr string, size int, data []T, shape []int, put func([]byte, T)) error {
	if err := checkShape(len(data), shape); err != nil {
		return fmt.Errorf("npy: write %s: %w", path, err)
	}
	err := atomicfile.WriteFunc(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, encodeHeader(descr, shape)); err != nil {
			return err
		}
		buf := make([]byte, 4096)
		for len(data) > 0 {
			k := min(len(data), len(buf)/size)
			for i, v := range data[:k] {
				put(buf[size*i:], v)
			}
			if _, err := w.Write(buf[:size*k]); err != nil {
				return err
			}
			data = data[k:]
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}

// maxHeader is the longest header a version 1.0 file can hold.
const maxHeader = math.MaxUint16

// checkShape checks that shape is non-negative, that its product n fits in
// an int and equals n, and that its header fits in a version 1.0 file.
func checkShape(n int, shape []int) error {
	prod := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("shape %v has a negative dimension", shape)
		}
	}
	for _, d := range shape {
		if d == 0 {
			prod = 0
			break
		}
		if prod > math.MaxInt/d {
			return fmt.Errorf("shape %v has more elements than an int can count", shape)
		}
		prod *= d
	}
	if prod != n {
		return fmt.Errorf("shape %v has %d elements but data has %d", shape, prod, n)
	}
	if l := len(encodeHeader("<f8", shape)) - 10; l > maxHeader {
		return fmt.Errorf("shape %v needs a %d-byte header, more than the %d of NPY version 1.0", shape, l, maxHeader)
	}
	return nil
}

// encodeHeader returns the preamble and header of a version 1.0 file: the
// magic, version 1.0, the header length and the dict, padded with spaces
// and ended by '\n' so that the whole is a multiple of align bytes.
func encodeHeader(descr string, shape []int) string {
	var tuple strings.Builder
	tuple.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			tuple.WriteString(", ")
		}
		tuple.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		tuple.WriteByte(',')
	}
	tuple.WriteByte(')')
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, tuple.String())
	pre := len(magic) + 2 + 2
	pad := (align - (pre+len(dict)+1)%align) % align
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	var lenb [2]byte
	binary.LittleEndian.PutUint16(lenb[:], uint16(len(hdr)))
	return magic + "\x01\x00" + string(lenb[:]) + hdr
}
