package masked

import (
	"maps"
	"slices"
	"strings"

	"github.com/pelab/pelab/pelib/train"
)

// UnitMark marks a held-out unit's label in a metric name: the held-out
// windows carry, as their train.Data.Groups, the label UnitMark+name of the
// unit they were cut from (a held-out run of Experiment 2, a held-out
// subject of Experiment 3, a held-out recording of `pelab tokens`), so an
// evaluation returns "mse_@<name>" per unit beside "mse", and the records
// hold e.g. "test_mse_@test-003" and "test90_mse_@143224": the units a
// comparison between conditions is paired over (UnitValues).
const UnitMark = "@"

// UnitGroups labels N windows by their unit: UnitMark + names[source[n]].
func UnitGroups(names []string, source []int) []string {
	out := make([]string, len(source))
	for n, s := range source {
		out[n] = UnitMark + names[s]
	}
	return out
}

// CopyUnits copies the per-unit values of an evaluation's metric (keys
// metric+"_"+UnitMark+unit of from) into to under prefix+"_"+metric+"_"+UnitMark+unit
// (e.g. "test90_mse_@143224").
func CopyUnits(to, from train.Metrics, prefix, metric string) {
	for k, v := range from {
		if unit, ok := strings.CutPrefix(k, metric+"_"+UnitMark); ok {
			to[prefix+"_"+metric+"_"+UnitMark+unit] = v
		}
	}
}

// UnitValues returns the per-unit values of metric in a record's final
// metrics (keys metric+"_"+UnitMark+unit), by unit name, and the units in
// sorted order; none when the record has no per-unit values.
func UnitValues(final map[string]float64, metric string) (map[string]float64, []string) {
	out := map[string]float64{}
	for k, v := range final {
		if unit, ok := strings.CutPrefix(k, metric+"_"+UnitMark); ok {
			out[unit] = v
		}
	}
	return out, slices.Sorted(maps.Keys(out))
}
