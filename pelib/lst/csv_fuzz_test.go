package lst

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// FuzzReadCSV feeds ReadCSV damaged reference files. Each must end in an
// error naming the file, or in puzzles that pass Validate and survive a round
// trip through WriteCSV; never a panic or a hang (go test's -timeout).
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		header + "0,1,Binary,0040405210200030,1\n7,,quaternary,0015004040000001,4\n",
		"\ufeff" + header + "3,,Ternary,1250003000000000,4\r\n",
		header + "0,,Binary,0040405210200030\n",
		header + "0,,Binary,0040405210200036,1\n",
		header + "\"0\",\"\",\"Binary\",\"0040405210200030\",\"1\"\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := ReadCSV(bytes.NewReader(b), "pool.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "lst: pool.csv") {
				t.Fatalf("error %q does not start by naming the file", err)
			}
			return
		}
		for i := range ps {
			if err := ps[i].Validate(); err != nil {
				t.Fatalf("puzzle %d accepted but invalid: %v", i, err)
			}
		}
		var buf bytes.Buffer
		if err := WriteCSV(&buf, ps); err != nil {
			t.Fatal(err)
		}
		back, err := ReadCSV(&buf, "round-trip.csv")
		if err != nil || !reflect.DeepEqual(back, ps) {
			t.Fatalf("round trip: %v\ngot  %+v\nwant %+v", err, back, ps)
		}
	})
}
