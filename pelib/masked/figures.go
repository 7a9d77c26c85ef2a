package masked

import (
	"fmt"
	"math"
	"strconv"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/experiment"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"gonum.org/v1/gonum/mat"
)

// rowGroups labels each node by its first coordinate, rounded.
func rowGroups(coords mat.Matrix) []int {
	S, _ := coords.Dims()
	g := make([]int, S)
	for s := range S {
		g[s] = int(math.Round(coords.At(s, 0)))
	}
	return g
}

func embed(xy mat.Matrix, groups []int, title string) (*plots.Figure, error) {
	return embedFramed(xy, groups, title, nil)
}

// embedFramed is embed with the axes covering at least the points of frame
// (the true positions, for a PE aligned to them).
func embedFramed(xy mat.Matrix, groups []int, title string, frame mat.Matrix) (*plots.Figure, error) {
	_, c := xy.Dims()
	axes := []string{"x₁", "x₂", "x₃"}
	opt := plots.EmbeddingOptions{Title: title, Groups: groups, Frame: frame}
	names := map[int]string{}
	for _, g := range groups {
		names[g] = "x₁ = " + strconv.Itoa(g)
	}
	opt.GroupNames = names
	switch c {
	case 2:
		opt.AxisLabels = axes[:2]
		return plots.Embedding2D(xy, opt)
	case 3:
		opt.AxisLabels = axes
		return plots.Embedding3D(xy, opt)
	}
	return nil, fmt.Errorf("netsim: figure: %d-D positions, want 2 or 3", c)
}

// LayoutFigure draws the true node positions of g: one scatter in 2D,
// three orthogonal views in 3D.
func LayoutFigure(g *Geometry, title string) (*plots.Figure, error) {
	if g == nil {
		return nil, fmt.Errorf("netsim: layout figure: no geometry")
	}
	return embed(g.Coords, rowGroups(g.Coords), title)
}

// PEGeometryFigure draws block l of a PE table [L, S, D] as node positions:
// the table's top-k principal component scores (k = the layout's
// dimension) aligned to the true coordinates by orthogonal Procrustes with
// a fitted scale (analysis.AlignToCoords), so a PE that holds the layout
// reproduces LayoutFigure, and one that does not gives a cloud. When the
// alignment collapses (analysis.Alignment.Collapsed: the fitted scale puts
// every node within a fiftieth of the layout's size of the centre, as for
// the sinusoid oracle, whose channels wrap around), it draws the unaligned
// top-k principal component scores instead and says so in the title, so
// the reader sees the PE's shape rather than one dot. It also returns the
// alignment (its MeanError is align_err for that block).
func PEGeometryFigure(table []float64, L, S, D, l int, g *Geometry, title string) (*plots.Figure, *analysis.Alignment, error) {
	if g == nil {
		return nil, nil, fmt.Errorf("netsim: PE figure: no geometry")
	}
	blocks, err := analysis.Blocks(table, L, S, D)
	if err != nil {
		return nil, nil, fmt.Errorf("netsim: PE figure: %w", err)
	}
	if l < 0 || l >= L {
		return nil, nil, fmt.Errorf("netsim: PE figure: block %d outside [0, %d)", l, L)
	}
	al, err := analysis.AlignToCoords(blocks[l], g.Coords, analysis.AlignConfig{})
	if err != nil {
		return nil, nil, fmt.Errorf("netsim: PE figure: %w", err)
	}
	if al.Collapsed() {
		f, err := collapsedFigure(blocks[l], g.Coords, al, title)
		return f, al, err
	}
	f, err := embedFramed(al.Aligned, rowGroups(g.Coords), title, g.Coords)
	return f, al, err
}

// CollapsedNote says, in two short lines, why a layout is drawn as
// principal components: aligned to the true positions, the nodes would
// keep only Spread of the layout's size.
func CollapsedNote(al *analysis.Alignment) string {
	return fmt.Sprintf("aligned: all %d nodes within %.1f %% of the layout's size (one dot)\n"+
		"drawn instead: top PCs, unaligned (position is not linear in them)", len(al.Errors), 100*al.Spread)
}

// collapsedFigure draws the top-k principal component scores of pe, nodes
// coloured by their first true coordinate, with CollapsedNote.
func collapsedFigure(pe, coords mat.Matrix, al *analysis.Alignment, title string) (*plots.Figure, error) {
	pca, err := analysis.PrincipalComponents(pe)
	if err != nil {
		return nil, fmt.Errorf("netsim: PE figure: %w", err)
	}
	S, k := coords.Dims()
	if _, n := pca.Scores.Dims(); n < k {
		return nil, fmt.Errorf("netsim: PE figure: %d principal components, need %d", n, k)
	}
	groups := rowGroups(coords)
	names := map[int]string{}
	for _, g := range groups {
		names[g] = "x₁ = " + strconv.Itoa(g)
	}
	axes := make([]string, k)
	for i := range k {
		axes[i] = fmt.Sprintf("PC %d (%.0f %% of variance)", i+1, 100*pca.Ratios[i])
	}
	if title != "" {
		title += "\n"
	}
	opt := plots.EmbeddingOptions{Title: title + CollapsedNote(al), Groups: groups, GroupNames: names, AxisLabels: axes}
	scores := pca.Scores.Slice(0, S, 0, k)
	if k == 2 {
		return plots.Embedding2D(scores, opt)
	}
	return plots.Embedding3D(scores, opt)
}

// SweepFigure draws a final metric against σ for the learned-σ
// conditions of recs (mean ± SD over seeds, log σ axis) and every other
// condition named in refs as a horizontal line at its mean (dashed black
// for the oracle, sinnd): sweep.SigmaFigure with Experiment 2's choices.
func SweepFigure(recs []results.Record, metric string, refs []string, title string) (*plots.Figure, error) {
	if refs == nil {
		refs = []string{} // only the named ones
	}
	return sweep.SigmaFigure(recs, metric, sweep.SigmaOptions{Title: title, Controls: refs, LogX: true})
}

// MSEPart is the report part of a masked-token experiment (netsim,
// tokens): its Markdown and the held-out masked MSE against σ
// (SweepFigure), every condition of summaries without a σ drawn as a
// reference level.
func MSEPart(rs []results.Record, markdown string, summaries []results.Summary) experiment.ReportPart {
	part := experiment.ReportPart{Markdown: markdown, SigmaCaption: "held-out masked MSE against σ (mean ± SD over seeds)"}
	var refs []string
	for _, sm := range summaries {
		if _, ok := sweep.SigmaOf(sm.Group); !ok {
			refs = append(refs, sm.Group)
		}
	}
	part.SigmaFigure, part.SigmaErr = SweepFigure(rs, "test_mse", refs, "held-out MSE against σ")
	return part
}
