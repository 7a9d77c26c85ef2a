package regular

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOpen: regular files (and symlinks to them) open; a named pipe, a
// device, a folder and symlinks to them are refused by name, without
// blocking on the pipe.
func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.csv")
	if err := os.WriteFile(file, []byte("1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := func(name, to string) string {
		p := filepath.Join(dir, name)
		if err := os.Symlink(to, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		path, want string // want "": opens
	}{
		{file, ""},
		{link("to-file.csv", file), ""},
		{fifo, "is a named pipe (FIFO), not a regular file"},
		{link("to-pipe.csv", fifo), "is a named pipe (FIFO), not a regular file"},
		{link("zero.npy", "/dev/zero"), "is a character device, not a regular file"},
		{dir, "is a folder, not a regular file"},
	} {
		f, info, err := Open(c.path)
		_, serr := Stat(c.path)
		if c.want == "" {
			if err != nil || serr != nil || info.Size() != 4 {
				t.Errorf("Open(%s): %v, %v", c.path, err, serr)
			} else {
				f.Close()
			}
			continue
		}
		for _, e := range []error{err, serr} {
			if e == nil || !strings.Contains(e.Error(), c.path+" "+c.want) {
				t.Errorf("%s: error %v, want %q", c.path, e, c.want)
			}
		}
	}
}

// TestTextReader: a leading UTF-8 byte order mark is skipped, nothing else.
func TestTextReader(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"\uFEFFname,x\n", "name,x\n"},
		{"name,x\n", "name,x\n"},
		{"\uFEFF", ""},
		{"", ""},
		{"\uFEFF\uFEFFa", "\uFEFFa"},
		{"\xef\xbb", "\xef\xbb"},
	} {
		b, err := io.ReadAll(TextReader(strings.NewReader(c.in)))
		if err != nil || string(b) != c.want {
			t.Errorf("TextReader(%q) read %q, %v; want %q", c.in, b, err, c.want)
		}
	}
}
