package netsim

import (
	"fmt"

	"github.com/pelab/pelab/pelib/plots"
)

// Figures of Experiment 2, for the notebook and reports. Each returns a
// pelib/plots figure; points of a layout are coloured by their first
// coordinate (the grid row in 2D, the layer along x in 3D), so the same
// colours mark the same nodes in the true layout and in a recovered one.

// TracesFigure draws the recorded activity of the given nodes of one run
// against time in units of τ (one recorded point per Subsample steps).
func TracesFigure(net *Network, r *Run, nodes []int, title string) (*plots.Figure, error) {
	if net == nil || r == nil || len(nodes) == 0 {
		return nil, fmt.Errorf("netsim: traces figure: need a network, a run and at least one node")
	}
	d := net.Config().Dynamics
	step := float64(d.Subsample) * d.Dt / d.Tau
	x := make([]float64, r.L)
	for t := range x {
		x[t] = float64(t) * step
	}
	var ss []plots.Series
	for _, s := range nodes {
		if s < 0 || s >= r.S {
			return nil, fmt.Errorf("netsim: traces figure: node %d outside [0, %d)", s, r.S)
		}
		ss = append(ss, plots.Series{Name: fmt.Sprintf("node %d %v", s, net.coords[s]), X: x, Mean: r.Series(s)})
	}
	return plots.Lines(ss, plots.LinesOptions{Title: title, XLabel: "time (τ)", YLabel: "activity x"})
}

// CorrelationFigure draws, for every node pair, the run-averaged Pearson
// correlation of the activity against the pair's distance, with the
// least-squares line and Spearman's ρ.
func CorrelationFigure(net *Network, runs []*Run, title string) (*plots.Figure, error) {
	if net == nil {
		return nil, fmt.Errorf("netsim: correlation figure: no network")
	}
	c, err := MeanCorrelation(runs)
	if err != nil {
		return nil, err
	}
	dist := net.Dist()
	S := net.Nodes()
	if n := c.SymmetricDim(); n != S {
		return nil, fmt.Errorf("netsim: correlation figure: runs have %d nodes, the network %d", n, S)
	}
	var x, y []float64
	for i := range S {
		for j := i + 1; j < S; j++ {
			x, y = append(x, dist.At(i, j)), append(y, c.At(i, j))
		}
	}
	return plots.ScatterFit(x, y, plots.FitOptions{Title: title, XLabel: "distance (grid units)", YLabel: "activity correlation"})
}
