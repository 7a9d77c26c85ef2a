package train

import (
	"strings"
	"testing"
)

// TestBarBegin: the bar shows before the first step (which compiles), at the
// step a resumed run starts from, and not at all for a finished run or
// without a writer.
func TestBarBegin(t *testing.T) {
	for _, c := range []struct {
		total, done int
		want        string
	}{
		{10, 0, "step 0/10  starting"},
		{10, 5, "step 5/10  starting"},
		{10, 10, ""},
		{0, 0, ""},
	} {
		var w strings.Builder
		newBar(&w, c.total, c.done).begin()
		if got := w.String(); (c.want == "" && got != "") || !strings.Contains(got, c.want) {
			t.Errorf("total %d done %d: %q, want %q", c.total, c.done, got, c.want)
		}
	}
	newBar(nil, 10, 0).begin() // no writer: nothing, no panic
}
