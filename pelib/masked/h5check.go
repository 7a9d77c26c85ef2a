package masked

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"strings"

	"github.com/pelab/pelab/internal/regular"
)

// The HDF5 library (github.com/scigolib/hdf5) allocates buffers from sizes
// read from the file before it reads the bytes they describe: a local heap's
// data segment size, a dataset's shape. One damaged byte can make such a size
// a terabyte, and a failed allocation of that size ends the Go process
// ("fatal error: out of memory"), which no recover can catch. It also follows
// links without looking for cycles. checkHDF5 therefore walks the file's
// metadata first, the same structures the library walks when it opens the
// file, and checks every size and address against the file's length before
// the library sees it. It reads only what it checks, a few kilobytes for a
// subject file.
//
// The walk follows the HDF5 file format specification, version 3: superblock
// versions 0–3, object headers versions 1 and 2 (with continuation blocks),
// groups as symbol tables (version 1 B-tree, symbol table nodes, local heap)
// or compact link messages, and each dataset's dataspace, datatype, data
// layout and filter pipeline messages. A chunked dataset whose pipeline
// ends with the Fletcher-32 filter has its chunks' checksums verified
// (verifyChunks): the one case where the walk reads data.

// h5MaxSteps bounds the number of metadata structures checkHDF5 reads, so
// that a damaged file cannot make it (or the library after it) walk for long.
const h5MaxSteps = 100000

// h5MaxDepth bounds the nesting of groups and B-tree levels.
const h5MaxDepth = 64

// h5MaxExpand is the most bytes a dataset that is not stored contiguously
// (chunked, compressed, or not yet written) may hold per byte of the file:
// the deflate format's largest compression ratio, about 1032:1.
const h5MaxExpand = 1032

// h5Undefined is the "undefined address" of an 8-byte-offset file.
const h5Undefined = math.MaxUint64

// HDF5 object header message types that checkHDF5 reads.
const (
	h5MsgDataspace    = 0x01
	h5MsgDatatype     = 0x03
	h5MsgLink         = 0x06
	h5MsgLayout       = 0x08
	h5MsgFilters      = 0x0b
	h5MsgContinuation = 0x10
	h5MsgSymbolTable  = 0x11
)

// h5Dataset is what checkHDF5 learns about one dataset.
type h5Dataset struct {
	dims     []uint64
	elemSize uint64
	// layout is the storage class: 0 compact, 1 contiguous, 2 chunked,
	// 3 virtual; -1 when the header has no layout message.
	layout int
	// addr and size locate contiguous storage (addr is undefined when no
	// storage is allocated); size is the compact data size for compact
	// storage.
	addr, size uint64
	sizeKnown  bool
	// filters are the filter IDs of the dataset's pipeline, in order
	// (h5FilterFletcher32 is the checksum).
	filters []uint16
	// chunkIndex is the address of a chunked (version 3 layout) dataset's
	// version 1 B-tree of chunks, chunkDims its layout dimensionality (the
	// dataset's rank + 1); 0 when there is none.
	chunkIndex uint64
	chunkDims  int
}

// h5FilterFletcher32 is the ID of HDF5's Fletcher-32 checksum filter.
const h5FilterFletcher32 = 3

// h5Walker walks the metadata of one HDF5 file.
type h5Walker struct {
	r        io.ReaderAt
	fileSize uint64
	offSize  int // size of offsets (addresses) in bytes
	lenSize  int // size of lengths in bytes
	steps    int
	// onPath holds the object headers of the groups being walked (a link
	// back to one is a cycle); seen holds the structures already checked.
	onPath map[uint64]bool
	seen   map[uint64]bool
	// datasets maps each dataset's path ("/restdata") to what was found.
	datasets map[string]*h5Dataset
	// rootHeap is the root group's local heap address (0 if none), which the
	// library uses for symbol table nodes met outside a B-tree.
	rootHeap uint64
}

// checkHDF5 walks the metadata of the HDF5 file at path and returns its
// datasets by path, or an error saying which structure is damaged and how.
// Errors do not name the file; the caller adds it.
func checkHDF5(path string) (map[string]*h5Dataset, error) {
	f, _, err := regular.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return checkHDF5Reader(f, uint64(st.Size()))
}

func checkHDF5Reader(r io.ReaderAt, size uint64) (map[string]*h5Dataset, error) {
	w := &h5Walker{r: r, fileSize: size, onPath: map[uint64]bool{}, seen: map[uint64]bool{}, datasets: map[string]*h5Dataset{}}
	if err := w.walkFile(); err != nil {
		return nil, err
	}
	return w.datasets, nil
}

// read returns n bytes at addr, or an error naming what was to be read when
// they lie beyond the end of the file.
func (w *h5Walker) read(addr, n uint64, what string) ([]byte, error) {
	w.steps++
	if w.steps > h5MaxSteps {
		return nil, fmt.Errorf("more than %d metadata structures (a damaged file?)", h5MaxSteps)
	}
	if n > w.fileSize || addr > w.fileSize-n {
		return nil, fmt.Errorf("%s at address %#x, %d bytes: beyond the end of the file (%d bytes)", what, addr, n, w.fileSize)
	}
	b := make([]byte, n)
	if _, err := w.r.ReadAt(b, int64(addr)); err != nil {
		return nil, fmt.Errorf("%s at address %#x: %w", what, addr, err)
	}
	return b, nil
}

// uint decodes a little-endian unsigned integer of len(b) ≤ 8 bytes.
func h5Uint(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// field returns the n bytes of b at off, or an error when b is too short.
func h5Field(b []byte, off, n int, what string) ([]byte, error) {
	if off < 0 || n < 0 || off+n > len(b) {
		return nil, fmt.Errorf("%s: message of %d bytes too short for the field at byte %d", what, len(b), off)
	}
	return b[off : off+n], nil
}

func (w *h5Walker) addr(b []byte, off int, what string) (uint64, error) {
	f, err := h5Field(b, off, w.offSize, what)
	if err != nil {
		return 0, err
	}
	v := h5Uint(f)
	if v == h5Uint(bytesFF[:w.offSize]) {
		return h5Undefined, nil
	}
	return v, nil
}

func (w *h5Walker) length(b []byte, off int, what string) (uint64, error) {
	f, err := h5Field(b, off, w.lenSize, what)
	if err != nil {
		return 0, err
	}
	return h5Uint(f), nil
}

var bytesFF = [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

func (w *h5Walker) walkFile() error {
	sb, err := w.read(0, 16, "superblock")
	if err != nil {
		return err
	}
	if string(sb[:8]) != "\x89HDF\r\n\x1a\n" {
		return errors.New("not an HDF5 file (no signature at byte 0)")
	}
	version := sb[8]
	var root, cachedBTree, cachedHeap uint64
	switch version {
	case 0, 1:
		w.offSize, w.lenSize = int(sb[13]), int(sb[14])
		if err := w.checkSizes(); err != nil {
			return err
		}
		base := 24
		if version == 1 {
			base = 28
		}
		// Four addresses, then the root group's symbol table entry.
		entry := base + 4*w.offSize
		b, err := w.read(0, uint64(entry+2*w.offSize+24), "superblock")
		if err != nil {
			return err
		}
		if root, err = w.addr(b, entry+w.offSize, "superblock root entry"); err != nil {
			return err
		}
		if h5Uint(b[entry+2*w.offSize:entry+2*w.offSize+4]) == 1 { // cached symbol table
			scratch := entry + 2*w.offSize + 8
			cachedBTree, _ = w.addr(b, scratch, "superblock root entry")
			cachedHeap, _ = w.addr(b, scratch+w.offSize, "superblock root entry")
		}
	case 2, 3:
		w.offSize, w.lenSize = int(sb[9]), int(sb[10])
		if err := w.checkSizes(); err != nil {
			return err
		}
		b, err := w.read(0, uint64(12+4*w.offSize), "superblock")
		if err != nil {
			return err
		}
		if root, err = w.addr(b, 12+3*w.offSize, "superblock"); err != nil {
			return err
		}
	default:
		return fmt.Errorf("superblock version %d, want 0–3", version)
	}
	if root == 0 || root == h5Undefined || root >= w.fileSize {
		return fmt.Errorf("root group address %#x: beyond the end of the file (%d bytes)", root, w.fileSize)
	}
	return w.walkObject(root, "", 0, cachedBTree, cachedHeap)
}

func (w *h5Walker) checkSizes() error {
	for _, s := range []int{w.offSize, w.lenSize} {
		if s != 2 && s != 4 && s != 8 {
			return fmt.Errorf("superblock: sizes of offsets and lengths %d and %d, want 2, 4 or 8", w.offSize, w.lenSize)
		}
	}
	return nil
}

// walkObject checks the object whose header is at addr, named path. For the
// root group of a version 0 or 1 file, btree and heap are the symbol table
// cached in the superblock (0 if none).
func (w *h5Walker) walkObject(addr uint64, path string, depth int, btree, heap uint64) error {
	if depth > h5MaxDepth {
		return fmt.Errorf("groups nested more than %d deep at %s (a cycle?)", h5MaxDepth, path+"/")
	}
	if addr == h5Undefined || addr >= w.fileSize {
		return fmt.Errorf("object %s at address %#x: beyond the end of the file (%d bytes)", path+"/", addr, w.fileSize)
	}
	if w.onPath[addr] {
		return fmt.Errorf("object %s at address %#x links back to a group that contains it (a cycle)", path+"/", addr)
	}
	sig, err := w.read(addr, min(4, w.fileSize-addr), "object header")
	if err != nil {
		return err
	}
	if string(sig) == "SNOD" {
		// A symbol table node in place of an object header: the library reads
		// it as a group whose names are in the root group's local heap.
		if w.rootHeap == 0 {
			return fmt.Errorf("symbol table node %s at address %#x without a root local heap", path+"/", addr)
		}
		h, err := w.heap(w.rootHeap)
		if err != nil {
			return err
		}
		return w.walkSNOD(addr, h, path, depth)
	}
	msgs, err := w.header(addr)
	if err != nil {
		return fmt.Errorf("object %s: %w", path+"/", err)
	}
	var ds *h5Dataset
	var links []h5Link
	for _, m := range msgs {
		switch m.typ {
		case h5MsgSymbolTable:
			if btree, err = w.addr(m.data, 0, "symbol table message"); err != nil {
				return err
			}
			if heap, err = w.addr(m.data, w.offSize, "symbol table message"); err != nil {
				return err
			}
		case h5MsgLink:
			l, err := w.parseLink(m.data)
			if err != nil {
				return fmt.Errorf("group %s: %w", path+"/", err)
			}
			if l.hard {
				links = append(links, l)
			}
		case h5MsgDataspace, h5MsgDatatype, h5MsgLayout, h5MsgFilters:
			if ds == nil {
				ds = &h5Dataset{layout: -1}
			}
			if err := w.parseDatasetMessage(ds, m); err != nil {
				return fmt.Errorf("dataset %s: %w", path, err)
			}
		}
	}
	if ds != nil {
		if path == "" {
			path = "/"
		}
		if err := w.verifyChunks(ds); err != nil {
			return fmt.Errorf("dataset %s: %w", path, err)
		}
		w.datasets[path] = ds
		return nil
	}
	if depth == 0 && heap != 0 && heap != h5Undefined {
		w.rootHeap = heap
	}
	w.onPath[addr] = true
	defer delete(w.onPath, addr)
	for _, l := range links {
		if err := w.walkObject(l.addr, path+"/"+l.name, depth+1, 0, 0); err != nil {
			return err
		}
	}
	if btree != 0 && btree != h5Undefined {
		return w.walkSymbolTable(btree, heap, path, depth)
	}
	return nil
}

// h5Message is one object header message.
type h5Message struct {
	typ  int
	data []byte
}

// header reads the messages of the object header at addr, following
// continuation blocks.
func (w *h5Walker) header(addr uint64) ([]h5Message, error) {
	pre, err := w.read(addr, min(16, w.fileSize-addr), "object header")
	if err != nil {
		return nil, err
	}
	var msgs []h5Message
	v2 := len(pre) >= 4 && string(pre[:4]) == "OHDR"
	switch {
	case v2:
		if len(pre) < 7 || pre[4] != 2 {
			return nil, fmt.Errorf("object header at address %#x: version 2 header too short or version %d", addr, pre[min(4, len(pre)-1)])
		}
		flags := pre[5]
		pos := uint64(6)
		if flags&0x20 != 0 {
			pos += 16
		}
		if flags&0x10 != 0 {
			pos += 4
		}
		n := uint64(1) << (flags & 3)
		b, err := w.read(addr+pos, n, "object header")
		if err != nil {
			return nil, err
		}
		size := h5Uint(b)
		body, err := w.read(addr+pos+n, size, "object header chunk")
		if err != nil {
			return nil, err
		}
		if msgs, err = w.messagesV2(body, flags, msgs); err != nil {
			return nil, fmt.Errorf("object header at address %#x: %w", addr, err)
		}
	case len(pre) == 16 && pre[0] == 1:
		size := h5Uint(pre[8:12])
		body, err := w.read(addr+16, size, "object header")
		if err != nil {
			return nil, err
		}
		if msgs, err = w.messagesV1(body, msgs); err != nil {
			return nil, fmt.Errorf("object header at address %#x: %w", addr, err)
		}
	default:
		return nil, fmt.Errorf("no object header at address %#x (neither version 1 nor \"OHDR\")", addr)
	}
	// Follow continuation blocks, each once.
	for i := 0; i < len(msgs); i++ {
		if msgs[i].typ != h5MsgContinuation {
			continue
		}
		a, err := w.addr(msgs[i].data, 0, "continuation message")
		if err != nil {
			return nil, err
		}
		n, err := w.length(msgs[i].data, w.offSize, "continuation message")
		if err != nil {
			return nil, err
		}
		if w.seen[a] {
			return nil, fmt.Errorf("object header at address %#x: continuation block at %#x is used twice (a cycle)", addr, a)
		}
		w.seen[a] = true
		body, err := w.read(a, n, "object header continuation block")
		if err != nil {
			return nil, err
		}
		if v2 {
			if len(body) < 8 || string(body[:4]) != "OCHK" {
				return nil, fmt.Errorf("continuation block at address %#x: no \"OCHK\" signature", a)
			}
			msgs, err = w.messagesV2(body[4:len(body)-4], pre[5], msgs)
		} else {
			msgs, err = w.messagesV1(body, msgs)
		}
		if err != nil {
			return nil, fmt.Errorf("continuation block at address %#x: %w", a, err)
		}
	}
	return msgs, nil
}

// messagesV1 appends the version 1 messages in b: type (2 bytes), size (2),
// flags (1), reserved (3), data.
func (w *h5Walker) messagesV1(b []byte, msgs []h5Message) ([]h5Message, error) {
	for pos := 0; pos+8 <= len(b); {
		typ := int(binary.LittleEndian.Uint16(b[pos:]))
		size := int(binary.LittleEndian.Uint16(b[pos+2:]))
		pos += 8
		if pos+size > len(b) {
			return nil, fmt.Errorf("message type %#x of %d bytes runs past the end of its block", typ, size)
		}
		msgs = append(msgs, h5Message{typ, b[pos : pos+size]})
		pos += size
	}
	return msgs, nil
}

// messagesV2 appends the version 2 messages in b: type (1 byte), size (2),
// flags (1), creation order (2, when the header flags say so), data. A tail
// too short for a message is a gap.
func (w *h5Walker) messagesV2(b []byte, flags byte, msgs []h5Message) ([]h5Message, error) {
	head := 4
	if flags&0x04 != 0 {
		head = 6
	}
	for pos := 0; pos+head <= len(b); {
		typ := int(b[pos])
		size := int(binary.LittleEndian.Uint16(b[pos+1:]))
		pos += head
		if pos+size > len(b) {
			return nil, fmt.Errorf("message type %#x of %d bytes runs past the end of its chunk", typ, size)
		}
		msgs = append(msgs, h5Message{typ, b[pos : pos+size]})
		pos += size
	}
	return msgs, nil
}

// h5Link is a link message's name and target.
type h5Link struct {
	name string
	hard bool
	addr uint64
}

func (w *h5Walker) parseLink(b []byte) (h5Link, error) {
	var l h5Link
	if len(b) < 2 || b[0] != 1 {
		return l, errors.New("link message: too short or not version 1")
	}
	flags := b[1]
	pos := 2
	typ := byte(0)
	if flags&0x08 != 0 {
		f, err := h5Field(b, pos, 1, "link message")
		if err != nil {
			return l, err
		}
		typ = f[0]
		pos++
	}
	if flags&0x04 != 0 {
		pos += 8
	}
	if flags&0x10 != 0 {
		pos++
	}
	nl := 1 << (flags & 3)
	f, err := h5Field(b, pos, nl, "link message")
	if err != nil {
		return l, err
	}
	n := h5Uint(f)
	pos += nl
	if n > uint64(len(b)) {
		return l, fmt.Errorf("link message: name of %d bytes in a %d-byte message", n, len(b))
	}
	name, err := h5Field(b, pos, int(n), "link message")
	if err != nil {
		return l, err
	}
	l.name = string(name)
	pos += int(n)
	if typ == 0 {
		l.hard = true
		if l.addr, err = w.addr(b, pos, "link message"); err != nil {
			return l, err
		}
	}
	return l, nil
}

// checkNumericType checks the numeric datatypes (HDF5 format spec, IV.A.2.d):
// the message starts with class and version (byte 0: class in the low
// nibble, version 1–5 in the high one), a 24-bit class bit field (bytes
// 1–3) and the size in bytes (4–7), then the class's properties.
//
//   - fixed-point (class 0): bit field bits 0–3 are byte order, padding
//     and sign; bits 4–23 are reserved zero. Size 1, 2, 4 or 8; properties
//     bit offset and precision (2 bytes each), offset + precision ≤ 8 · size.
//   - floating-point (class 1): bit field bits 8–15 are the sign bit's
//     location, < 8 · size; size 2, 4 or 8; properties bit offset,
//     precision (2 bytes each), exponent location and size, mantissa
//     location and size (1 byte each) and exponent bias (4), with exponent
//     and mantissa inside the precision.
//
// Without it one bit flipped in a float64 dataset's class byte (0x11 →
// 0x10) made the file read as huge integers without an error; a float's
// bit field (0x20 0x3f 0x00: mantissa normalisation, sign at bit 63) sets
// fixed-point's reserved bits. Other classes pass unchecked: ReadHDF5
// refuses what is not a number.
func checkNumericType(b []byte, size uint64) error {
	class, version := b[0]&0x0f, b[0]>>4
	if version < 1 || version > 5 {
		return fmt.Errorf("datatype message version %d, want 1–5 (damaged header?)", version)
	}
	switch class {
	case 0:
		if b[1]&0xf0 != 0 || b[2] != 0 || b[3] != 0 {
			return fmt.Errorf("fixed-point datatype with reserved bit-field bits set (%#02x %#02x %#02x): damaged header? (a float's bit field reads so when its class byte is damaged)", b[1], b[2], b[3])
		}
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return fmt.Errorf("fixed-point datatype of %d bytes, want 1, 2, 4 or 8", size)
		}
		p, err := h5Field(b, 8, 4, "fixed-point datatype properties")
		if err != nil {
			return err
		}
		if off, prec := h5Uint(p[0:2]), h5Uint(p[2:4]); prec == 0 || off+prec > 8*size {
			return fmt.Errorf("fixed-point datatype: bit offset %d + precision %d outside its %d bits", off, prec, 8*size)
		}
	case 1:
		if size != 2 && size != 4 && size != 8 {
			return fmt.Errorf("floating-point datatype of %d bytes, want 2, 4 or 8", size)
		}
		if sign := uint64(b[2]); sign >= 8*size {
			return fmt.Errorf("floating-point datatype: sign bit %d outside its %d bits", sign, 8*size)
		}
		p, err := h5Field(b, 8, 12, "floating-point datatype properties")
		if err != nil {
			return err
		}
		off, prec := h5Uint(p[0:2]), h5Uint(p[2:4])
		eLoc, eSize, mLoc, mSize := uint64(p[4]), uint64(p[5]), uint64(p[6]), uint64(p[7])
		if prec == 0 || off+prec > 8*size || eSize == 0 || mSize == 0 || eLoc+eSize > prec || mLoc+mSize > prec {
			return fmt.Errorf("floating-point datatype: bit offset %d, precision %d, exponent %d bits at %d, mantissa %d bits at %d: not inside its %d bits", off, prec, eSize, eLoc, mSize, mLoc, 8*size)
		}
	}
	return nil
}

// parseDatasetMessage records a dataspace, datatype or layout message in ds.
func (w *h5Walker) parseDatasetMessage(ds *h5Dataset, m h5Message) error {
	b := m.data
	switch m.typ {
	case h5MsgDataspace:
		if len(b) < 4 {
			return errors.New("dataspace message too short")
		}
		rank, start := int(b[1]), 8
		if b[0] == 2 {
			start = 4
		} else if b[0] != 1 {
			return fmt.Errorf("dataspace message version %d, want 1 or 2", b[0])
		}
		ds.dims = make([]uint64, rank)
		for i := range rank {
			d, err := w.length(b, start+i*w.lenSize, "dataspace message")
			if err != nil {
				return err
			}
			ds.dims[i] = d
		}
	case h5MsgDatatype:
		f, err := h5Field(b, 4, 4, "datatype message")
		if err != nil {
			return err
		}
		ds.elemSize = h5Uint(f)
		if err := checkNumericType(b, ds.elemSize); err != nil {
			return err
		}
	case h5MsgLayout:
		if len(b) < 2 {
			return errors.New("data layout message too short")
		}
		switch v := b[0]; v {
		case 3, 4:
			ds.layout = int(b[1])
			if v == 3 && ds.layout == 2 {
				f, err := h5Field(b, 2, 1, "data layout message")
				if err != nil {
					return err
				}
				ds.chunkDims = int(f[0])
				if ds.chunkIndex, err = w.addr(b, 3, "data layout message"); err != nil {
					return err
				}
			}
			switch ds.layout {
			case 0:
				f, err := h5Field(b, 2, 2, "data layout message")
				if err != nil {
					return err
				}
				ds.size, ds.sizeKnown = h5Uint(f), true
			case 1:
				var err error
				if ds.addr, err = w.addr(b, 2, "data layout message"); err != nil {
					return err
				}
				if ds.size, err = w.length(b, 2+w.offSize, "data layout message"); err != nil {
					return err
				}
				ds.sizeKnown = true
			}
		case 1, 2:
			f, err := h5Field(b, 2, 1, "data layout message")
			if err != nil {
				return err
			}
			ds.layout = int(f[0])
			if ds.layout == 1 {
				if ds.addr, err = w.addr(b, 8, "data layout message"); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("data layout message version %d, want 1–4", v)
		}
	case h5MsgFilters:
		filters, err := parseFilters(b)
		if err != nil {
			return err
		}
		ds.filters = filters
	}
	return nil
}

// parseFilters returns the filter IDs of a filter pipeline message
// (versions 1 and 2), in pipeline order.
func parseFilters(b []byte) ([]uint16, error) {
	const what = "filter pipeline message"
	if len(b) < 2 {
		return nil, errors.New(what + " too short")
	}
	v, n, off := b[0], int(b[1]), 2
	switch v {
	case 1:
		off = 8 // 6 reserved bytes
	case 2:
	default:
		return nil, fmt.Errorf("%s version %d, want 1 or 2", what, v)
	}
	var ids []uint16
	for range n {
		f, err := h5Field(b, off, 2, what)
		if err != nil {
			return nil, err
		}
		id := uint16(h5Uint(f))
		off += 2
		nameLen := 0
		if v == 1 || id >= 256 {
			if f, err = h5Field(b, off, 2, what); err != nil {
				return nil, err
			}
			nameLen, off = int(h5Uint(f)), off+2
		}
		if f, err = h5Field(b, off, 4, what); err != nil { // flags, number of values
			return nil, err
		}
		values := int(binary.LittleEndian.Uint16(f[2:]))
		off += 4
		if v == 1 {
			nameLen = (nameLen + 7) / 8 * 8 // padded to a multiple of 8
			if values%2 == 1 {
				values++ // padded to a multiple of 8 bytes
			}
		}
		off += nameLen + 4*values
		if off > len(b) {
			return nil, fmt.Errorf("%s: filter %d of %d (ID %d) runs past the message's %d bytes", what, len(ids)+1, n, id, len(b))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// verifyChunks verifies the Fletcher-32 checksum of every chunk of ds when
// its filter pipeline ends with the Fletcher-32 filter and its chunks are
// indexed by a version 1 B-tree (layout version 3, as HDF5 1.8 and h5py
// write by default): the checksum then covers the chunk's stored bytes
// but its last 4. Chunks whose filter mask skips the filter carry none.
// Other layouts (version 4 chunk indexes) and a checksum followed by other
// filters are not verified.
func (w *h5Walker) verifyChunks(ds *h5Dataset) error {
	k := len(ds.filters) - 1
	if k < 0 || ds.filters[k] != h5FilterFletcher32 || ds.chunkIndex == 0 || ds.chunkIndex == h5Undefined {
		return nil
	}
	return w.walkChunks(ds, ds.chunkIndex, k, 0)
}

// walkChunks walks the version 1 B-tree of raw data chunks at addr (node
// type 1: keys of the chunk's size, filter mask and ds.chunkDims 8-byte
// offsets, between child addresses) and verifies each chunk's checksum,
// the filter at index k of the pipeline.
func (w *h5Walker) walkChunks(ds *h5Dataset, addr uint64, k, level int) error {
	if level > h5MaxDepth {
		return fmt.Errorf("chunk B-tree deeper than %d levels", h5MaxDepth)
	}
	if w.seen[addr] {
		return fmt.Errorf("chunk B-tree node at address %#x is reached twice (a cycle)", addr)
	}
	w.seen[addr] = true
	hn := uint64(8 + 2*w.offSize)
	b, err := w.read(addr, hn, "chunk B-tree node")
	if err != nil {
		return err
	}
	if string(b[:4]) != "TREE" || b[4] != 1 {
		return fmt.Errorf("chunk B-tree node at address %#x: signature %q type %d, want \"TREE\" type 1", addr, b[:4], b[4])
	}
	nodeLevel := int(b[5])
	entries := uint64(binary.LittleEndian.Uint16(b[6:]))
	keySize := 8 + 8*ds.chunkDims
	body, err := w.read(addr+hn, entries*uint64(keySize+w.offSize)+uint64(keySize), "chunk B-tree node keys")
	if err != nil {
		return err
	}
	for i := range int(entries) {
		key := body[i*(keySize+w.offSize):]
		child, _ := w.addr(key, keySize, "chunk B-tree node")
		if nodeLevel > 0 {
			err = w.walkChunks(ds, child, k, level+1)
		} else {
			err = w.verifyChunk(child, key[:keySize], ds.chunkDims, k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// verifyChunk verifies the Fletcher-32 checksum of the chunk at addr, whose
// B-tree key is key.
func (w *h5Walker) verifyChunk(addr uint64, key []byte, dims, k int) error {
	size := uint64(binary.LittleEndian.Uint32(key))
	offsets := make([]uint64, dims-1)
	for j := range offsets {
		offsets[j] = binary.LittleEndian.Uint64(key[8+8*j:])
	}
	if binary.LittleEndian.Uint32(key[4:])&(1<<k) != 0 {
		return nil // the filter was skipped for this chunk
	}
	if size < 4 || addr == h5Undefined || size > w.fileSize || addr > w.fileSize-size {
		return fmt.Errorf("chunk at offset %v: %d bytes at address %#x, want at least the 4-byte checksum, inside the file (%d bytes)", offsets, size, addr, w.fileSize)
	}
	b := make([]byte, size)
	if _, err := w.r.ReadAt(b, int64(addr)); err != nil {
		return fmt.Errorf("chunk at offset %v, address %#x: %w", offsets, addr, err)
	}
	stored := binary.LittleEndian.Uint32(b[size-4:])
	if !fletcher32Matches(b[:size-4], stored) {
		c := fletcher32(b[:size-4])
		return fmt.Errorf("chunk at offset %v (address %#x, %d bytes): Fletcher-32 checksum %#08x stored, the data's is %#08x (byte-swapped %#08x): the chunk is damaged", offsets, addr, size, stored, c, (c&0x00ff00ff)<<8|(c>>8)&0x00ff00ff)
	}
	return nil
}

// fletcher32 is HDF5's Fletcher-32 checksum (H5_checksum_fletcher32): the
// bytes as big-endian 16-bit words w₁ … wₙ (an odd last byte is the high
// byte of a last word), sum1 = Σ wᵢ and sum2 = Σᵢ Σⱼ≤ᵢ wⱼ, both mod 65535;
// the checksum is sum2·2¹⁶ + sum1.
func fletcher32(b []byte) uint32 {
	var sum1, sum2 uint64
	for i := 0; i < len(b); i += 2 {
		w := uint64(b[i]) << 8
		if i+1 < len(b) {
			w |= uint64(b[i+1])
		}
		sum1 = (sum1 + w) % 65535
		sum2 = (sum2 + sum1) % 65535
	}
	return uint32(sum2<<16 | sum1)
}

// fletcher32Matches reports whether stored is the Fletcher-32 checksum of
// b as HDF5 accepts it: each 16-bit half equal to the computed one mod
// 65535, directly or with its two bytes swapped (HDF5 before 1.6.3, and
// writers that sum little-endian words, store that form).
func fletcher32Matches(b []byte, stored uint32) bool {
	c := fletcher32(b)
	c1, c2 := c&0xffff, c>>16
	s1, s2 := stored&0xffff, stored>>16
	swap := func(x uint32) uint32 { return (x&0xff)<<8 | x>>8 }
	return (s1%65535 == c1 && s2%65535 == c2) || (swap(s1)%65535 == c1 && swap(s2)%65535 == c2)
}

// heap checks the local heap at addr and returns its data segment.
func (w *h5Walker) heap(addr uint64) ([]byte, error) {
	n := uint64(8 + 2*w.lenSize + w.offSize)
	b, err := w.read(addr, n, "local heap")
	if err != nil {
		return nil, err
	}
	if string(b[:4]) != "HEAP" {
		return nil, fmt.Errorf("local heap at address %#x: no \"HEAP\" signature", addr)
	}
	size, _ := w.length(b, 8, "local heap")
	data, _ := w.addr(b, 8+2*w.lenSize, "local heap")
	d, err := w.read(data, size, fmt.Sprintf("local heap (header at %#x) data segment", addr))
	if err != nil {
		return nil, err
	}
	return d, nil
}

// walkSymbolTable checks a group stored as a symbol table: the version 1
// B-tree at btree whose leaves are symbol table nodes, with names in the
// local heap at heap.
func (w *h5Walker) walkSymbolTable(btree, heap uint64, path string, depth int) error {
	h, err := w.heap(heap)
	if err != nil {
		return fmt.Errorf("group %s: %w", path+"/", err)
	}
	if w.seen[btree] {
		return nil // the library, too, reads each group B-tree once
	}
	return w.walkBTree(btree, h, path, depth, 0)
}

func (w *h5Walker) walkBTree(addr uint64, heap []byte, path string, depth, level int) error {
	if level > h5MaxDepth {
		return fmt.Errorf("group %s: B-tree deeper than %d levels", path+"/", h5MaxDepth)
	}
	if w.seen[addr] {
		return fmt.Errorf("group %s: B-tree node at address %#x is reached twice (a cycle)", path+"/", addr)
	}
	w.seen[addr] = true
	hn := uint64(8 + 2*w.offSize)
	b, err := w.read(addr, hn, "B-tree node")
	if err != nil {
		return fmt.Errorf("group %s: %w", path+"/", err)
	}
	if string(b[:4]) != "TREE" || b[4] != 0 {
		return fmt.Errorf("group %s: B-tree node at address %#x: signature %q type %d, want \"TREE\" type 0", path+"/", addr, b[:4], b[4])
	}
	nodeLevel := int(b[5])
	entries := uint64(binary.LittleEndian.Uint16(b[6:]))
	// Keys (lengths) and children (addresses), interleaved: key child … key.
	body, err := w.read(addr+hn, entries*uint64(w.offSize+w.lenSize)+uint64(w.lenSize), "B-tree node keys")
	if err != nil {
		return fmt.Errorf("group %s: %w", path+"/", err)
	}
	for i := range int(entries) {
		child, _ := w.addr(body, w.lenSize+i*(w.offSize+w.lenSize), "B-tree node")
		if nodeLevel > 0 {
			err = w.walkBTree(child, heap, path, depth, level+1)
		} else {
			err = w.walkSNOD(child, heap, path, depth)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// walkSNOD checks a symbol table node and the objects it names.
func (w *h5Walker) walkSNOD(addr uint64, heap []byte, path string, depth int) error {
	b, err := w.read(addr, 8, "symbol table node")
	if err != nil {
		return fmt.Errorf("group %s: %w", path+"/", err)
	}
	if string(b[:4]) != "SNOD" {
		return fmt.Errorf("group %s: symbol table node at address %#x: no \"SNOD\" signature", path+"/", addr)
	}
	n := uint64(binary.LittleEndian.Uint16(b[6:]))
	es := uint64(2*w.offSize + 24)
	body, err := w.read(addr+8, n*es, "symbol table node entries")
	if err != nil {
		return fmt.Errorf("group %s: %w", path+"/", err)
	}
	for i := range n {
		e := body[i*es : (i+1)*es]
		nameOff, _ := w.length(e, 0, "symbol table entry")
		obj, _ := w.addr(e, w.offSize, "symbol table entry")
		cache := h5Uint(e[2*w.offSize : 2*w.offSize+4])
		if obj == h5Undefined {
			continue // a soft link
		}
		if nameOff >= uint64(len(heap)) {
			return fmt.Errorf("group %s: symbol table node at address %#x: name at heap offset %d beyond the local heap's %d bytes", path+"/", addr, nameOff, len(heap))
		}
		name := string(heap[nameOff:])
		if i := strings.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		child := path + "/" + name
		if cache == 1 {
			bt, _ := w.addr(e, 2*w.offSize+8, "symbol table entry")
			hp, _ := w.addr(e, 3*w.offSize+8, "symbol table entry")
			if bt != 0 {
				// The library reads such a group from the cached symbol table
				// alone, without its object header.
				if depth+1 > h5MaxDepth {
					return fmt.Errorf("groups nested more than %d deep at %s", h5MaxDepth, child+"/")
				}
				if err := w.walkSymbolTable(bt, hp, child, depth+1); err != nil {
					return err
				}
				continue
			}
		}
		if err := w.walkObject(obj, child, depth+1, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

// storageCheck checks that the dataset's storage can hold its shape and lies
// inside the file, before anything the size of the shape is allocated.
func (ds *h5Dataset) storageCheck(fileSize uint64) error {
	n := uint64(1)
	for _, d := range ds.dims {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 {
			return fmt.Errorf("shape %v has more elements than 2⁶⁴", ds.dims)
		}
		n = lo
	}
	hi, need := bits.Mul64(n, ds.elemSize)
	if hi != 0 {
		return fmt.Errorf("shape %v of %d-byte values needs more than 2⁶⁴ bytes", ds.dims, ds.elemSize)
	}
	switch {
	case ds.layout == 1 && ds.addr != h5Undefined:
		if ds.sizeKnown && ds.size != need {
			return fmt.Errorf("shape %v of %d-byte values needs %d bytes, but the stored data has %d bytes (%.6g values): the header does not match the data", ds.dims, ds.elemSize, need, ds.size, float64(ds.size)/float64(max(ds.elemSize, 1)))
		}
		if need > fileSize || ds.addr > fileSize-need {
			return fmt.Errorf("shape %v of %d-byte values: %d bytes at address %#x run beyond the end of the file (%d bytes)", ds.dims, ds.elemSize, need, ds.addr, fileSize)
		}
	case ds.layout == 0:
		if ds.size != need {
			return fmt.Errorf("shape %v of %d-byte values needs %d bytes, but the compact data has %d bytes", ds.dims, ds.elemSize, need, ds.size)
		}
	default:
		if need/h5MaxExpand > fileSize {
			return fmt.Errorf("shape %v of %d-byte values needs %d bytes, more than %d times the file's %d bytes", ds.dims, ds.elemSize, need, h5MaxExpand, fileSize)
		}
	}
	return nil
}
