package tokens

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pelab/pelab/pelib/masked"
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

// TestPEMetricsFourTokens: MinTokens (4) tokens are accepted, so their
// PEs must be analysable; with netsim's 5 decoding folds every model of 4
// tokens failed ("Decode: 5 folds for 4 tokens").
func TestPEMetricsFourTokens(t *testing.T) {
	good := map[string][]float64{"signals/r1.npy": series(4, 12, 0), "signals/r2.npy": series(4, 12, 1), "signals/r3.npy": series(4, 12, 2)}
	task, err := NewTask(smallProtocol(), testInput(t, map[string]string{"coords.csv": goodCoords}, good))
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAnalyzer(task, smallProtocol())
	if err != nil {
		t.Fatal(err)
	}
	const L, S, D = 1, 4, 8
	table := make([]float64, L*S*D)
	for i := range table {
		table[i] = math.Sin(float64(i)*0.37) + 0.1*float64(i%5)
	}
	m, err := a.PEMetrics(table, L, S, D)
	if err != nil {
		t.Fatalf("PE metrics of 4 tokens: %v", err)
	}
	if _, ok := m[masked.MetricDecodeR2]; !ok {
		t.Errorf("no %s among %v", masked.MetricDecodeR2, m)
	}
}
