package masked

import (
	"slices"
	"testing"

	"github.com/pelab/pelab/pelib/train"
)

func TestUnits(t *testing.T) {
	g := UnitGroups([]string{"a", "b"}, []int{1, 0, 1})
	if !slices.Equal(g, []string{"@b", "@a", "@b"}) {
		t.Errorf("UnitGroups = %v", g)
	}
	to := train.Metrics{}
	CopyUnits(to, train.Metrics{"mse": 1, "mse_@a": 2, "mse_@b": 3, "loss_@a": 4, "mse_x": 5}, "test90", "mse")
	if len(to) != 2 || to["test90_mse_@a"] != 2 || to["test90_mse_@b"] != 3 {
		t.Errorf("CopyUnits = %v", to)
	}
	v, units := UnitValues(map[string]float64{"test90_mse_@b": 3, "test90_mse_@a": 2, "test90_mse": 1, "test_mse_@a": 9}, "test90_mse")
	if !slices.Equal(units, []string{"a", "b"}) || v["a"] != 2 || v["b"] != 3 {
		t.Errorf("UnitValues = %v, %v", v, units)
	}
}
