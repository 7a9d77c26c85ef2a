// Package atomicfile replaces a file's contents all at once: a reader of the
// path sees either the old file or the complete new one, never a part, even
// if the writer is killed or the machine stops mid-write.
//
// A write goes to a temporary file ".<base>.tmp…" in the target's own
// directory (so that the final rename never crosses filesystems), which is
// written, synced to disk, closed, given mode 0644 and renamed over the
// target; then the directory is synced so that the rename itself survives a
// crash. Some filesystems cannot sync a directory; as the rename has already
// happened by then, that step is best effort and never an error. On any
// error the temporary file is removed and the target is left as it was.
//
// Writers racing on one path each produce a whole file and the last rename
// wins. A writer killed mid-write can leave its temporary file behind;
// readers that list the directory should skip names starting with ".",
// and IsTemp tells its name, for a cleanup that knows no writer is left.
// The target's directory must exist: the package creates no directories.
//
// Errors are *fs.PathError values with Op "write" and the target path, in
// the manner of os.WriteFile, so callers add their own package prefix
// (fmt.Errorf("pkg: %w", err)) and errors.Is sees the underlying cause.
package atomicfile

import (
	"bufio"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// IsTemp reports whether name (a base name) is that of a temporary file
// of this package: ".<base>.tmp<digits>", as os.CreateTemp makes from the
// pattern ".<base>.tmp*". A writer killed mid-write leaves one behind.
func IsTemp(name string) bool {
	i := strings.LastIndex(name, ".tmp")
	if len(name) < 2 || name[0] != '.' || i < 2 || i+len(".tmp") == len(name) {
		return false
	}
	for _, c := range name[i+len(".tmp"):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Write replaces the file at path with data, atomically.
func Write(path string, data []byte) error {
	return WriteFunc(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc replaces the file at path with what fn writes to w, atomically.
// w is buffered; fn need not buffer its writes. If fn returns an error (or
// panics) the target is left as it was; a returned error comes back wrapped
// with the path.
func WriteFunc(path string, fn func(w io.Writer) error) error {
	if err := writeFunc(path, fn); err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}

func writeFunc(path string, fn func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if base == "" {
		return fs.ErrInvalid
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	renamed, closed := false, false
	defer func() {
		// Runs on every error return and on a panic in fn.
		if !renamed {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := fn(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	closed = true
	if err := f.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; give it the mode os.WriteFile gives
	// under the usual umask.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	renamed = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
