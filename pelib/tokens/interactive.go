package tokens

import "github.com/pelab/pelab/pelib/plots/interactive"

// Labels names the tokens for the interactive views (package interactive):
// each token by its name and, with a partition, grouped by its network
// (legend and hover "network: <name>"; heatmaps ordered by network).
func (t *Tokens) Labels() interactive.Labels {
	l := interactive.Labels{Names: t.Names}
	if t.Partition != nil {
		l.Groups, l.GroupNames, l.GroupTitle = t.Partition, map[int]string{}, "network"
		for k, n := range t.Networks {
			l.GroupNames[k] = n
		}
	}
	return l
}
