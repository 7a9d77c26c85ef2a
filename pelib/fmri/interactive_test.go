package fmri

import (
	"image/color"
	"testing"
)

func TestPartitionLabels(t *testing.T) {
	p := &Partition{
		Regions:  []Region{{Name: "L_V1_ROI", Hemisphere: "L", Network: 1}, {Name: "L_4_ROI", Hemisphere: "L", Network: 2}, {Name: "R_V1_ROI", Hemisphere: "R", Network: 1}},
		Networks: []Network{{Key: 1, Name: "Visual1", Color: color.RGBA{0, 0, 255, 255}}, {Key: 2, Name: "Somatomotor", Color: color.RGBA{0, 255, 255, 255}}},
	}
	l := p.Labels()
	if l.Names[1] != "L_4_ROI" || l.Groups[2] != 1 || l.GroupNames[2] != "Somatomotor" || l.GroupTitle != "network" {
		t.Errorf("labels %+v", l)
	}
	if l.GroupColours[1] != (color.RGBA{0, 0, 255, 255}) {
		t.Errorf("Visual1 colour %v", l.GroupColours[1])
	}
}
