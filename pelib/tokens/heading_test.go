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
}
