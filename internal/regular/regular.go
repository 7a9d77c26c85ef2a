// Package regular opens input files only when they are regular files.
//
// pelab reads its inputs (time series, coordinates, partitions, atlases)
// from folders a user points it at. A named pipe (FIFO) there blocks a
// reader forever, a device such as /dev/zero (or a symlink to it) never
// ends, and a directory or socket cannot be read at all; none is data. Open
// and Stat therefore refuse everything but regular files, following
// symlinks, with an error naming the path and what it is.
package regular

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Check returns nil when info describes a regular file, else an error
// naming path and the kind of file it is.
func Check(path string, info fs.FileInfo) error {
	m := info.Mode()
	if m.IsRegular() {
		return nil
	}
	kind := "not a regular file"
	switch {
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		kind = "a character device"
	case m&fs.ModeDevice != 0:
		kind = "a device"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m.IsDir():
		kind = "a folder"
	}
	return fmt.Errorf("%s is %s, not a regular file: only regular files are read as data", path, kind)
}

// Stat returns the file information of path (following symlinks) when it
// is a regular file, else an error naming it (see Check).
func Stat(path string) (fs.FileInfo, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := Check(path, info); err != nil {
		return nil, err
	}
	return info, nil
}

// Open opens path for reading when it is a regular file (following
// symlinks) and returns it with its file information, whose Size bounds
// what can be read; anything else is an error naming path (see Check). The
// file is opened without blocking, so that a named pipe with no writer is
// refused instead of waited on, and checked after opening (fstat), so that
// what is checked is what is read.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err == nil {
		err = Check(path, info)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

// ReadFile reads the whole regular file at path, at most its size at
// opening (a file that grows while read is not followed).
func ReadFile(path string) ([]byte, error) {
	f, info, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, info.Size())
	n, err := io.ReadFull(f, b)
	if err != nil {
		return nil, fmt.Errorf("%s: read %d of %d bytes: %w", path, n, len(b), err)
	}
	return b, nil
}

// bom is the UTF-8 byte order mark, which some editors (Excel's "CSV UTF-8")
// write at the start of a text file.
const bom = "\uFEFF"

// TextReader returns a buffered reader of r that skips a UTF-8 byte order
// mark at its start, so that a text file saved with one reads as without.
func TextReader(r io.Reader) *bufio.Reader {
	br := bufio.NewReader(r)
	if b, err := br.Peek(len(bom)); err == nil && string(b) == bom {
		br.Discard(len(bom))
	}
	return br
}
