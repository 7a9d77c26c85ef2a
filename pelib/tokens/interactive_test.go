package tokens

import "testing"

func TestLabels(t *testing.T) {
	tk := &Tokens{Names: []string{"a", "b", "c"}, Axes: []string{"x", "y"}, Coords: [][]float64{{0, 0}, {1, 0}, {0, 1}},
		Partition: []int{1, 0, 1}, Networks: []string{"left", "right"}}
	l := tk.Labels()
	if len(l.Names) != 3 || l.Names[2] != "c" || l.Groups[0] != 1 || l.GroupNames[1] != "right" || l.GroupTitle != "network" {
		t.Errorf("labels %+v", l)
	}
	tk.Partition, tk.Networks = nil, nil
	if l := tk.Labels(); l.Groups != nil || l.GroupNames != nil {
		t.Errorf("without a partition: %+v", l)
	}
}
