package tokens

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewUserErrors: what a researcher meeting `pelab tokens` with their
// own folder sees (issue 23 item 5a, 5b). The coordinates file may sit
// beside the recordings; any other non-recording file is named with what
// was expected, and no message carries another package's prefix.
func TestNewUserErrors(t *testing.T) {
	const coords = "name,x,y\na,0,0\nb,1,0\nc,0,1\nd,1,1\n"
	rec := "1,2,3,4\n2,3,4,5\n3,4,5,7\n4,5,6,9\n"
	for _, c := range []struct {
		name  string
		files map[string]string // in the signals folder
		skip  bool              // coords.csv is the tokens' file
		want  []string          // in the error; nil: no error
		recs  int
	}{
		{"coordinates beside the recordings", map[string]string{"coords.csv": coords, "r1.csv": rec, "r2.csv": rec}, true, nil, 2},
		{"a notes file beside the recordings", map[string]string{"notes.csv": "subject,age\ns1,30\n", "r1.csv": rec}, false,
			[]string{"notes.csv line 1 field 1: want a number", "folder of their own"}, 0},
		{"coordinates not named as the tokens' file", map[string]string{"coords.csv": coords, "r1.csv": rec}, false,
			[]string{"coords.csv line 1 field 1: want a number", "folder of their own"}, 0},
		{"too few rows", map[string]string{"r1.csv": "1,2,3\n"}, false, []string{"r1.csv: 1 rows × 3 time points, want 4 rows"}, 0},
		{"not finite", map[string]string{"r1.csv": "1,2,3,4\n2,NaN,4,5\n3,4,5,7\n4,5,6,9\n"}, false, []string{"r1.csv", "token b (row 1)", "must be finite"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, body := range c.files {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			opt := SignalOptions{MinTimes: 2, Names: []string{"a", "b", "c", "d"}}
			if c.skip {
				opt.Skip = []string{filepath.Join(dir, "coords.csv")}
			}
			recs, err := ReadSignals(dir, 4, filepath.Join(dir, "coords.csv"), opt)
			if c.want == nil {
				if err != nil || len(recs) != c.recs {
					t.Fatalf("%d recordings, %v; want %d, no error", len(recs), err, c.recs)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one containing %q", c.want)
			}
			msg := err.Error()
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q: want %q in it", msg, w)
				}
			}
			for _, bad := range []string{"fmri:", "masked:", "netsim:"} {
				if strings.Contains(msg, bad) {
					t.Errorf("error %q carries an internal prefix %q", msg, bad)
				}
			}
		})
	}
}
