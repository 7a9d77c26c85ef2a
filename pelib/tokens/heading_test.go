package tokens

import (
	"encoding/json"
	"testing"

	"github.com/pelab/pelab/pelib/results"
)

// TestReportHeading checks that a report's heading names the data and
// protocol of its records when none is asked for (before: "Your tokens:
// (any), protocol (any)").
func TestReportHeading(t *testing.T) {
	rec := func(data, protocol string) results.Record {
		cfg, _ := json.Marshal(map[string]any{"task": map[string]string{"data": data}})
		return results.Record{Protocol: protocol, Config: cfg}
	}
	rs := []results.Record{rec("netsim-export", "quick"), rec("netsim-export", "quick"), rec("mine", "quick")}
	cases := []struct {
		data, protocol, want string
	}{
		{"", "", "data sets mine, netsim-export, protocol quick"},
		{"mine", "quick", "data mine, protocol quick"},
		{"", "quick", "data sets mine, netsim-export, protocol quick"},
	}
	for _, c := range cases {
		if got := reportHeading(rs, c.data, c.protocol); got != c.want {
			t.Errorf("reportHeading(%q, %q) = %q, want %q", c.data, c.protocol, got, c.want)
		}
	}
	if got := reportHeading(rs[:1], "", ""); got != "data netsim-export, protocol quick" {
		t.Errorf("one data set: %q", got)
	}
	// Records that hold their training: the protocol as it ran (issue 23
	// item 5f: "protocol quick" after -epochs 300).
	q := Quick()
	for _, c := range []struct {
		name   string
		epochs int
		window int
		want   string
	}{
		{"as stated", q.Epochs, q.Window, "data mine, quick protocol"},
		{"-epochs 300", 300, q.Window, "data mine, quick protocol, 300 epochs"},
		{"-epochs 300 -window 8", 300, 8, "data mine, quick protocol, 300 epochs, windows of 8 points"},
	} {
		cfg, _ := json.Marshal(map[string]any{"epochs": c.epochs, "batch_size": q.Batch, "mask_ratio": q.MaskRatio,
			"optimizer": map[string]any{"LR": q.LR}, "task": map[string]any{"data": "mine", "window": c.window, "stride": c.window, "test_mask_ratio": q.TestMaskRatio}})
		r := results.Record{Protocol: "quick", Config: cfg}
		if got := reportHeading([]results.Record{r}, "mine", "quick"); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
