package fmri

import (
	"image/color"

	"github.com/pelab/pelab/pelib/plots/interactive"
)

// Labels names the partition's regions for the interactive views (package
// interactive): each region by its Glasser name, grouped by its network,
// with the networks' names and the partition's own colours (as
// BrainViews and NetworkHeatmap draw them).
func (p *Partition) Labels() interactive.Labels {
	l := interactive.Labels{Names: make([]string, len(p.Regions)), Groups: p.Keys(),
		GroupNames: p.NetworkNames(), GroupColours: map[int]color.Color{}, GroupTitle: "network"}
	for i, r := range p.Regions {
		l.Names[i] = r.Name
	}
	for _, n := range p.Networks {
		l.GroupColours[n.Key] = n.Color
	}
	return l
}
