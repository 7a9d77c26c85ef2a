package tokens

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pelab/pelab/pelib/npy"
)

// TestReadSignalsSpecialFiles: a recording that is not a regular file is
// refused by name. A named pipe in the recordings folder made pelab tokens
// wait forever; a .npy symlink to /dev/zero grew without bound.
func TestReadSignalsSpecialFiles(t *testing.T) {
	for _, c := range []struct {
		what, name string
		make       func(path string) error
		want       string
	}{
		{"fifo", "r3.csv", func(p string) error { return syscall.Mkfifo(p, 0o644) }, "is a named pipe (FIFO), not a regular file"},
		{"fifo", "r3.h5", func(p string) error { return syscall.Mkfifo(p, 0o644) }, "is a named pipe (FIFO), not a regular file"},
		{"fifo", "r3.npy", func(p string) error { return syscall.Mkfifo(p, 0o644) }, "is a named pipe (FIFO), not a regular file"},
		{"symlink to /dev/zero", "r3.npy", func(p string) error { return os.Symlink("/dev/zero", p) }, "is a character device, not a regular file"},
		{"symlink to /dev/zero", "r3.hdf5", func(p string) error { return os.Symlink("/dev/zero", p) }, "is a character device, not a regular file"},
		{"symlink to a fifo", "r3.csv", func(p string) error {
			fifo := filepath.Join(filepath.Dir(p), ".pipe")
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				return err
			}
			return os.Symlink(fifo, p)
		}, "is a named pipe (FIFO), not a regular file"},
	} {
		t.Run(c.what+" "+c.name, func(t *testing.T) {
			dir := t.TempDir()
			for i, n := range []string{"r1.npy", "r2.npy"} {
				if err := npy.Write(filepath.Join(dir, n), series(4, 12, float64(i)), 4, 12); err != nil {
					t.Fatal(err)
				}
			}
			p := filepath.Join(dir, c.name)
			if err := c.make(p); err != nil {
				t.Skipf("making %s: %v", c.name, err)
			}
			_, err := ReadSignals(dir, 4, "coords.csv", SignalOptions{Dataset: "/data", MinTimes: 4})
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %s and %q", err, p, c.want)
			}
			t.Log(err)
		})
	}
}
