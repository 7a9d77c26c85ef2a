package masked

import (
	"fmt"
	"math"
	"slices"
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

// Words are what a figure calls the tokens and their coordinate axes. The
// zero value is netsim's: "nodes", axes x₁, x₂, x₃ in grid cells, tokens
// grouped by their first coordinate "x₁ = k".
type Words struct {
	// Noun names the tokens in notes (default "nodes"; tokens: "tokens").
	Noun string
	// Axes name the c coordinate axes (default x₁, x₂, x₃) and Unit their
	// unit (e.g. "units of 10.5 mm"; "" none); an axis is labelled
	// "name (Unit)", and a group of tokens "name ≈ k" (the first
	// coordinate rounded to k) when Axes are given.
	Axes []string
	Unit string
}

func (w Words) noun() string {
	if w.Noun == "" {
		return "nodes"
	}
	return w.Noun
}

// names returns the c axis names: w.Axes when it names c, else x₁ … x_c.
func (w Words) names(c int) []string {
	if len(w.Axes) == c {
		return w.Axes
	}
	return []string{"x₁", "x₂", "x₃"}[:min(c, 3)]
}

// axes returns the c axis labels, with the unit.
func (w Words) axes(c int) []string {
	out := slices.Clone(w.names(c))
	if w.Unit != "" {
		for i := range out {
			out[i] += " (" + w.Unit + ")"
		}
	}
	return out
}

// groupNames names the groups of rowGroups: "x₁ = k" (netsim's integer
// rows), or "<first axis> ≈ k" for named axes (the coordinate rounded).
func (w Words) groupNames(groups []int) map[int]string {
	sep := " = "
	if len(w.Axes) > 0 {
		sep = " ≈ "
	}
	first := w.names(1)[0]
	if len(w.Axes) > 0 {
		first = w.Axes[0]
	}
	names := map[int]string{}
	for _, g := range groups {
		names[g] = first + sep + strconv.Itoa(g)
	}
	return names
}

// embedFramed draws points xy in 2 or 3 dimensions, coloured by groups,
// with the axes covering at least the points of frame (the true positions,
// for a PE aligned to them; nil: none).
func embedFramed(xy mat.Matrix, groups []int, title string, frame mat.Matrix, w Words) (*plots.Figure, error) {
	_, c := xy.Dims()
	opt := plots.EmbeddingOptions{Title: title, Groups: groups, GroupNames: w.groupNames(groups), Frame: frame}
	switch c {
	case 2, 3:
		opt.AxisLabels = w.axes(c)
	default:
		return nil, fmt.Errorf("netsim: figure: %d-D positions, want 2 or 3", c)
	}
	if c == 2 {
		return plots.Embedding2D(xy, opt)
	}
	return plots.Embedding3D(xy, opt)
}

// LayoutFigure draws the true node positions of g: one scatter in 2D,
// three orthogonal views in 3D, named in w's words.
func LayoutFigure(g *Geometry, title string, w Words) (*plots.Figure, error) {
	if g == nil {
		return nil, fmt.Errorf("netsim: layout figure: no geometry")
	}
	return embedFramed(g.Coords, rowGroups(g.Coords), title, nil, w)
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
func PEGeometryFigure(table []float64, L, S, D, l int, g *Geometry, title string, w Words) (*plots.Figure, *analysis.Alignment, error) {
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
		f, err := collapsedFigure(blocks[l], g.Coords, al, title, w)
		return f, al, err
	}
	f, err := embedFramed(al.Aligned, rowGroups(g.Coords), title, g.Coords, w)
	return f, al, err
}

// CollapsedNote says, in two short lines, why a layout is drawn as
// principal components: aligned to the true positions, the nodes (w's
// noun) would keep only Spread of the layout's size.
func CollapsedNote(al *analysis.Alignment, w Words) string {
	return fmt.Sprintf("aligned: all %d %s within %.1f %% of the layout's size (one dot)\n"+
		"drawn instead: top PCs, unaligned (position is not linear in them)", len(al.Errors), w.noun(), 100*al.Spread)
}

// collapsedFigure draws the top-k principal component scores of pe, nodes
// coloured by their first true coordinate, with CollapsedNote.
func collapsedFigure(pe, coords mat.Matrix, al *analysis.Alignment, title string, w Words) (*plots.Figure, error) {
	pca, err := analysis.PrincipalComponents(pe)
	if err != nil {
		return nil, fmt.Errorf("netsim: PE figure: %w", err)
	}
	S, k := coords.Dims()
	if _, n := pca.Scores.Dims(); n < k {
		return nil, fmt.Errorf("netsim: PE figure: %d principal components, need %d", n, k)
	}
	groups := rowGroups(coords)
	names := w.groupNames(groups)
	axes := make([]string, k)
	for i := range k {
		axes[i] = fmt.Sprintf("PC %d (%.0f %% of variance)", i+1, 100*pca.Ratios[i])
	}
	if title != "" {
		title += "\n"
	}
	opt := plots.EmbeddingOptions{Title: title + CollapsedNote(al, w), Groups: groups, GroupNames: names, AxisLabels: axes}
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
// ylabel titles the y axis ("": results.MetricLabel of the metric).
func SweepFigure(recs []results.Record, metric string, refs []string, title, ylabel string) (*plots.Figure, error) {
	if refs == nil {
		refs = []string{} // only the named ones
	}
	return sweep.SigmaFigure(recs, metric, sweep.SigmaOptions{Title: title, YLabel: ylabel, Controls: refs, LogX: true})
}

// MSEPart is the report part of a masked-token experiment (netsim,
// tokens): its Markdown and the held-out masked MSE against σ
// (SweepFigure), every condition of summaries without a σ drawn as a
// reference level; labels name metrics in the experiment's words
// (ReportPart.Labels; nil: results.MetricLabel's), the y axis included.
func MSEPart(rs []results.Record, markdown string, summaries []results.Summary, labels map[string]string) experiment.ReportPart {
	part := experiment.ReportPart{Markdown: markdown, Labels: labels, SigmaCaption: "held-out masked MSE against σ (mean ± SD over seeds)"}
	var refs []string
	for _, sm := range summaries {
		if _, ok := sweep.SigmaOf(sm.Group); !ok {
			refs = append(refs, sm.Group)
		}
	}
	part.SigmaFigure, part.SigmaErr = SweepFigure(rs, "test_mse", refs, "held-out MSE against σ", labels["test_mse"])
	return part
}
