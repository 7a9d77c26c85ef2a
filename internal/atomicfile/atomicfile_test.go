package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// onlyFiles fails t unless dir holds exactly the named files.
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("folder holds %v, want %v", got, names)
	}
}

func TestRoundTrip(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<14) // 256 KiB, more than the buffer
	cases := []struct {
		name  string
		write func(path string) error
		want  []byte
	}{
		{"Write", func(p string) error { return Write(p, []byte("hello\n")) }, []byte("hello\n")},
		{"Write empty", func(p string) error { return Write(p, nil) }, []byte{}},
		{"Write big", func(p string) error { return Write(p, big) }, big},
		{"WriteFunc", func(p string) error {
			return WriteFunc(p, func(w io.Writer) error {
				for i := range 3 {
					if _, err := fmt.Fprintf(w, "line %d\n", i); err != nil {
						return err
					}
				}
				return nil
			})
		}, []byte("line 0\nline 1\nline 2\n")},
		{"WriteFunc big", func(p string) error {
			return WriteFunc(p, func(w io.Writer) error {
				for i := 0; i < len(big); i += 1000 {
					if _, err := w.Write(big[i:min(i+1000, len(big))]); err != nil {
						return err
					}
				}
				return nil
			})
		}, big},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "out.txt")
			// Once to create the file, once to replace it.
			for range 2 {
				if err := c.write(p); err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, c.want) {
					t.Fatalf("file holds %d bytes %.40q, want %d bytes %.40q", len(got), got, len(c.want), c.want)
				}
			}
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o644 {
				t.Errorf("mode %v, want 0644", fi.Mode().Perm())
			}
			onlyFiles(t, dir, "out.txt")
		})
	}
}

func TestRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := Write("rel.txt", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "rel.txt")); string(got) != "x" {
		t.Errorf("rel.txt holds %q, want \"x\"", got)
	}
	onlyFiles(t, dir, "rel.txt")
}

// TestFailureKeepsOld checks that a failed write leaves the old file as it
// was, leaves no temporary file, and names the path in its error.
func TestFailureKeepsOld(t *testing.T) {
	errBoom := errors.New("boom")
	cases := []struct {
		name   string
		fn     func(io.Writer) error
		target string // relative to the folder; "old.txt" holds the old content
		is     error  // what errors.Is must find in the error
	}{
		{"fn fails at once", func(io.Writer) error { return errBoom }, "old.txt", errBoom},
		{"fn fails after writing", func(w io.Writer) error {
			w.Write(bytes.Repeat([]byte("new"), 1<<16))
			return errBoom
		}, "old.txt", errBoom},
		{"missing folder", func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }, "nodir/old.txt", fs.ErrNotExist},
		{"no file name", func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }, "sub" + string(filepath.Separator), fs.ErrInvalid},
		{"target is a folder", func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }, "sub", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			old := filepath.Join(dir, "old.txt")
			if err := os.WriteFile(old, []byte("old content"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(dir, c.target)
			if strings.HasSuffix(c.target, string(filepath.Separator)) {
				target += string(filepath.Separator) // Join drops it
			}
			err := WriteFunc(target, c.fn)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), target) {
				t.Errorf("error %q does not name %s", err, target)
			}
			var pe *fs.PathError
			if !errors.As(err, &pe) || pe.Path != target || pe.Op != "write" {
				t.Errorf("error %#v, want a *fs.PathError for write %s", err, target)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %q does not wrap %v", err, c.is)
			}
			got, rerr := os.ReadFile(old)
			if rerr != nil || string(got) != "old content" {
				t.Errorf("old file now holds %q (%v), want \"old content\"", got, rerr)
			}
			fi, serr := os.Stat(old)
			if serr != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("old file mode changed: %v, %v", fi.Mode().Perm(), serr)
			}
			onlyFiles(t, dir, "old.txt", "sub")
			onlyFiles(t, filepath.Join(dir, "sub"))
		})
	}
}

func TestPanicRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x")
	func() {
		defer func() {
			if r := recover(); r != "inside fn" {
				t.Errorf("recovered %v, want the panic of fn", r)
			}
		}()
		WriteFunc(p, func(w io.Writer) error {
			w.Write([]byte("part"))
			panic("inside fn")
		})
	}()
	onlyFiles(t, dir)
}

func TestReadOnlyFolder(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x")
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	if f, err := os.Create(filepath.Join(dir, "probe")); err == nil {
		f.Close()
		t.Skip("this user can write to a read-only folder (root?)")
	}
	err := Write(p, []byte("x"))
	if err == nil || !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), p) {
		t.Errorf("error %v, want a permission error naming %s", err, p)
	}
}

func TestConcurrentDistinctPaths(t *testing.T) {
	dir := t.TempDir()
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = Write(filepath.Join(dir, fmt.Sprintf("f%02d", i)), bytes.Repeat([]byte{byte('A' + i)}, 1000+i))
		})
	}
	wg.Wait()
	var names []string
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		name := fmt.Sprintf("f%02d", i)
		names = append(names, name)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if want := bytes.Repeat([]byte{byte('A' + i)}, 1000+i); !bytes.Equal(got, want) {
			t.Errorf("%s holds %d bytes %.10q…, want %d bytes of %c", name, len(got), got, len(want), 'A'+i)
		}
	}
	onlyFiles(t, dir, names...)
}

// TestConcurrentSamePath races writers of different whole contents on one
// path while readers check that the file is always one complete version.
func TestConcurrentSamePath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "shared")
	const writers, rounds, size = 8, 10, 200_000
	version := func(i int) []byte { return bytes.Repeat([]byte{byte('a' + i)}, size+i) }
	if err := Write(p, version(0)); err != nil {
		t.Fatal(err)
	}
	whole := func(b []byte) bool {
		if len(b) < size || len(b) >= size+writers {
			return false
		}
		i := len(b) - size
		return bytes.Equal(b, version(i))
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	var readErr error
	var readOnce sync.Once
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				b, err := os.ReadFile(p)
				if err != nil || !whole(b) {
					readOnce.Do(func() { readErr = fmt.Errorf("reader saw %d bytes (%v), not a whole version", len(b), err) })
					return
				}
			}
		})
	}
	var ww sync.WaitGroup
	errs := make(chan error, writers*rounds)
	for i := range writers {
		ww.Go(func() {
			for range rounds {
				if err := Write(p, version(i)); err != nil {
					errs <- err
				}
			}
		})
	}
	ww.Wait()
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if readErr != nil {
		t.Error(readErr)
	}
	b, err := os.ReadFile(p)
	if err != nil || !whole(b) {
		t.Errorf("final file has %d bytes (%v), not a whole version", len(b), err)
	}
	onlyFiles(t, dir, "shared")
}

// TestIsTemp checks that IsTemp knows the name of the temporary file a
// write in progress makes (the name a killed writer leaves), and refuses
// other names.
func TestIsTemp(t *testing.T) {
	dir := t.TempDir()
	var during []string
	err := WriteFunc(filepath.Join(dir, "group-1.ckpt"), func(w io.Writer) error {
		es, err := os.ReadDir(dir)
		for _, e := range es {
			during = append(during, e.Name())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(during) != 1 || !IsTemp(during[0]) {
		t.Errorf("files during the write: %q; want one temporary file that IsTemp knows", during)
	}
	for _, tc := range []struct {
		name string
		want bool
	}{
		{".a.json.tmp123", true},
		{".x.npy.tmp0", true},
		{".a.json.tmp", false},
		{".a.json.tmp12x", false},
		{"a.json.tmp12", false},
		{".tmp12", false},
		{"..tmp1", false},
		{".a.tmp1.json", false},
		{"", false},
	} {
		if got := IsTemp(tc.name); got != tc.want {
			t.Errorf("IsTemp(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
