package lst

import (
	"errors"
	"fmt"
	"html"
	"math"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/pelab/pelab/pelib/analysis"
	"github.com/pelab/pelab/pelib/pe"
	"github.com/pelab/pelab/pelib/plots"
	"github.com/pelab/pelab/pelib/results"
	"github.com/pelab/pelab/pelib/sweep"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot/vg"
)

// shapeGlyphs draws the four shapes and the query in HTML.
var shapeGlyphs = [...]string{"", "■", "▲", "●", "★", "?"}

// PuzzlesHTML draws puzzles as 4×4 HTML grids side by side, each captioned
// with its condition and answer.
func PuzzlesHTML(ps []Puzzle) string {
	var b strings.Builder
	b.WriteString(`<div style="display:flex;gap:18px;flex-wrap:wrap">`)
	for _, p := range ps {
		b.WriteString(`<div><table style="border-collapse:collapse;font-size:20px">`)
		for r := range 4 {
			b.WriteString("<tr>")
			for c := range 4 {
				v := p.Cells[4*r+c]
				style := "border:1px solid #555;width:30px;height:30px;text-align:center"
				if v == 5 {
					style += ";background:#fde68a"
				}
				fmt.Fprintf(&b, `<td style="%s">%s</td>`, style, shapeGlyphs[v])
			}
			b.WriteString("</tr>")
		}
		fmt.Fprintf(&b, `</table><div style="font-size:12px">%s, answer %s</div></div>`,
			html.EscapeString(p.Condition.String()), shapeGlyphs[p.Solution])
	}
	b.WriteString("</div>")
	return b.String()
}

// AccuracyVsSigma plots metric (e.g. "val_acc", in percent) of the
// learned-σ conditions against σ, mean ± SD over seeds, beside the paper's
// reference curve, chance level (25 %: one of four symbols) and, when
// present, the 2d-fixed and no-PE models' levels; x ticks mark the σ values trained.
func AccuracyVsSigma(recs []results.Record, metric string) (*plots.Figure, error) {
	var extra []plots.Series
	refKey := map[string]func(Reference) float64{
		"val_acc": func(r Reference) float64 { return r.Val }, "test_acc": func(r Reference) float64 { return r.Test },
		"val_acc_1vec": func(r Reference) float64 { return r.Val1 }, "val_acc_2vec": func(r Reference) float64 { return r.Val2 },
		"val_acc_3vec": func(r Reference) float64 { return r.Val3 },
	}
	if get, ok := refKey[metric]; ok {
		ref := plots.Series{Name: "paper (epoch 4000)", Reference: true}
		type pt struct{ s, v float64 }
		var pts []pt
		for name, r := range References() {
			if s, ok := sweep.SigmaOf(name); ok {
				pts = append(pts, pt{s, get(r)})
			}
		}
		sort.Slice(pts, func(i, j int) bool { return pts[i].s < pts[j].s })
		for _, p := range pts {
			ref.X, ref.Mean = append(ref.X, p.s), append(ref.Mean, p.v)
		}
		extra = append(extra, ref)
	}
	f, err := sweep.SigmaFigure(recs, metric, sweep.SigmaOptions{Scale: 100, Controls: []string{"2d-fixed", "none"}, Extra: extra,
		Title:  "LST: " + strings.TrimSuffix(results.MetricLabel(metric), " (%)") + " against σ",
		Levels: []plots.Level{{Name: "chance (25 %)", Y: ChancePercent}}})
	if err != nil {
		return nil, fmt.Errorf("lst: %w", err)
	}
	return f, nil
}

// ChancePercent is the accuracy of guessing among the four symbols.
const ChancePercent = 25

// cellLabels are "r,c" for the 16 tokens.
func cellLabels() []string {
	out := make([]string, Tokens)
	for i, c := range Coords() {
		out[i] = fmt.Sprintf("%d,%d", c[0], c[1])
	}
	return out
}

// PESimilarity draws the block-averaged cosine similarity of a PE table
// [L, 16, D] as a labelled heatmap, on the fixed colour scale [−1, 1] so
// that every model's figure can be compared with every other's.
func PESimilarity(table []float64, L, D int, title string) (*plots.Figure, error) {
	blocks, err := analysis.Blocks(table, L, Tokens, D)
	if err != nil {
		return nil, err
	}
	_, mean, err := analysis.BlockSimilarity(blocks, analysis.Cosine)
	if err != nil {
		return nil, err
	}
	lab := cellLabels()
	return plots.Heatmap(mean, plots.HeatmapOptions{Title: title, XLabel: "cell (row,col)", YLabel: "cell (row,col)",
		RowLabels: lab, ColLabels: lab, ColorLabel: "cosine similarity (scale fixed at ±1)", Min: -1, Max: 1})
}

// PELayout draws block b of a PE table [L, 16, D] projected on its first two
// principal components, each cell labelled and coloured by its grid row: for
// a PE that learned the grid, the 4×4 layout appears.
func PELayout(table []float64, L, D, b int, title string) (*plots.Figure, error) {
	blocks, err := analysis.Blocks(table, L, Tokens, D)
	if err != nil {
		return nil, err
	}
	if b < 0 || b >= len(blocks) {
		return nil, fmt.Errorf("lst: block %d outside [0, %d)", b, len(blocks))
	}
	pca, err := analysis.PrincipalComponents(blocks[b])
	if err != nil {
		return nil, err
	}
	groups := make([]int, Tokens)
	names := map[int]string{}
	for i, c := range Coords() {
		groups[i] = c[0]
		names[c[0]] = fmt.Sprintf("row %d", c[0])
	}
	return plots.Embedding2D(pca.Scores, plots.EmbeddingOptions{Title: title, Groups: groups, GroupNames: names,
		PointLabels: cellLabels(), AxisLabels: []string{"PC 1", "PC 2"}})
}

// headMean is the head-averaged attention of block b of maps flat
// [L, H, 16, 16], as a 16 × 16 matrix (query × key).
func headMean(maps []float64, H, b int) *mat.Dense {
	S := Tokens
	m := mat.NewDense(S, S, nil)
	for h := range H {
		off := (b*H + h) * S * S
		for i := range S * S {
			m.Set(i/S, i%S, m.At(i/S, i%S)+maps[off+i]/float64(H))
		}
	}
	return m
}

// uniformAttention is the weight of attention spread evenly over the 16
// cells.
const uniformAttention = 1.0 / Tokens

// attentionDeviation is the largest |weight − 1/16| of m.
func attentionDeviation(m *mat.Dense) float64 {
	d := 0.0
	r, c := m.Dims()
	for i := range r {
		for j := range c {
			d = math.Max(d, math.Abs(m.At(i, j)-uniformAttention))
		}
	}
	return d
}

// attentionHeatmap draws a 16 × 16 head-averaged attention map as its
// departure from uniform attention (weight − 1/16) on a diverging scale
// ±dev centred on uniform: a model that attends evenly is white, not a
// dark square on a scale from 0 that hides it.
func attentionHeatmap(m *mat.Dense, dev float64, title, scale string) (*plots.Figure, error) {
	if dev <= 0 {
		dev = uniformAttention
	}
	r, c := m.Dims()
	d := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			d.Set(i, j, m.At(i, j)-uniformAttention)
		}
	}
	lab := cellLabels()
	return plots.Heatmap(d, plots.HeatmapOptions{Title: title, XLabel: "key cell (row,col)", YLabel: "query cell (row,col)",
		RowLabels: lab, ColLabels: lab, ColorLabel: "attention weight − 1/16 (0: uniform; " + scale + ")", Min: -dev, Max: dev})
}

// AttentionMap draws the attention of block b (heads averaged) from maps
// flat [L, H, 16, 16], as returned by train.Run.Attention, as its
// departure from uniform attention (attentionHeatmap) on a scale set by
// the largest departure of any block, so that the blocks of one model
// share a scale (the colour bar says so).
func AttentionMap(maps []float64, L, H, b int, title string) (*plots.Figure, error) {
	if len(maps) != L*H*Tokens*Tokens || b < 0 || b >= L {
		return nil, fmt.Errorf("lst: attention maps have %d values for L=%d, H=%d (block %d)", len(maps), L, H, b)
	}
	dev := 0.0
	for k := range L {
		dev = math.Max(dev, attentionDeviation(headMean(maps, H, k)))
	}
	return attentionHeatmap(headMean(maps, H, b), dev, title, "scale shared by all blocks")
}

// AttentionFigures draws, for every record of recs with saved attention
// maps (the "attn" artifact, [L, H, 16, 16], averaged over the 108 original
// puzzles), the head-averaged attention of block b (b < 0: the last block),
// as its departure from uniform attention (weight − 1/16), all on one
// diverging scale set by the largest departure among them, so that
// conditions can be compared panel by panel (the colour bar says so).
// Records without the artifact are skipped; none with it is an error.
func AttentionFigures(store *results.Store, recs []results.Record, b int) ([]*plots.Figure, error) {
	type panel struct {
		m     *mat.Dense
		title string
	}
	var panels []panel
	dev := 0.0
	for _, r := range recs {
		path := sweep.ArtifactPath(store, r.ID, "attn")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		}
		maps, shape, err := sweep.ReadArtifact(store, r.ID, "attn")
		if err != nil {
			return nil, fmt.Errorf("lst: attention of %s: %w", r.ID, err)
		}
		if len(shape) != 4 || shape[2] != Tokens || shape[3] != Tokens {
			return nil, fmt.Errorf("lst: attention of %s: shape %v, want [L, H, %d, %d]", r.ID, shape, Tokens, Tokens)
		}
		L, H := shape[0], shape[1]
		blk := b
		if blk < 0 {
			blk = L - 1
		}
		if blk >= L {
			return nil, fmt.Errorf("lst: attention of %s: block %d of %d", r.ID, blk, L)
		}
		m := headMean(maps, H, blk)
		dev = math.Max(dev, attentionDeviation(m))
		panels = append(panels, panel{m, fmt.Sprintf("%s, seed %d: block %d", r.Condition, r.Seed, blk)})
	}
	if len(panels) == 0 {
		return nil, fmt.Errorf("lst: none of %d records has saved attention maps", len(recs))
	}
	figs := make([]*plots.Figure, len(panels))
	for i, p := range panels {
		f, err := attentionHeatmap(p.m, dev, p.title, "one scale for all panels")
		if err != nil {
			return nil, err
		}
		figs[i] = f
	}
	return figs, nil
}

// SimilarityPanels draws, side by side on one colour scale (±1), the
// cosine similarity matrix (16 × 16, cells row-major) of block b of the PE
// tables of recs, one panel per condition (the mean of its seeds' RSMs),
// after two reference panels: the grid itself, as 1 − 2·d/6 with d the
// Manhattan distance between cells (1 for a cell with itself, −1 for
// opposite corners), and the 2d-fixed sinusoid at the records' width.
// epoch selects the PE snapshot (sweep.SnapshotName); a negative epoch the
// final table ("pe"). Conditions without a table (none) are left out, and
// conditions are drawn in the report's order. A record with one table
// shared by every block (shape [1, 16, D]: a fixed PE such as 2d-fixed)
// stands for any block b.
func SimilarityPanels(store *results.Store, recs []results.Record, b, epoch int) (*plots.Figure, error) {
	name := "pe"
	when := "final"
	if epoch >= 0 {
		name, when = sweep.SnapshotName(epoch), fmt.Sprintf("epoch %d", epoch)
	}
	lab := cellLabels()
	heat := func(m mat.Matrix, title string) (*plots.Figure, error) {
		f, err := plots.Heatmap(m, plots.HeatmapOptions{Title: title, XLabel: "cell", YLabel: "cell", RowLabels: lab, ColLabels: lab,
			ColorLabel: "cosine similarity (grid: 1 − 2d/6)", Min: -1, Max: 1})
		if f != nil {
			f.Width, f.Height = 4.2*vg.Inch, 3.6*vg.Inch
		}
		return f, err
	}
	// The grid.
	coords := Coords()
	grid := mat.NewSymDense(Tokens, nil)
	for i := range Tokens {
		for j := i; j < Tokens; j++ {
			d := math.Abs(float64(coords[i][0]-coords[j][0])) + math.Abs(float64(coords[i][1]-coords[j][1]))
			grid.SetSym(i, j, 1-2*d/6)
		}
	}
	gridFig, err := heat(grid, "4×4 grid (Manhattan distance)")
	if err != nil {
		return nil, err
	}
	panels := []*plots.Figure{gridFig}
	// The conditions' mean RSMs.
	byCond := map[string][]*mat.SymDense{}
	var order []string
	D := 0
	for _, r := range recs {
		path := sweep.ArtifactPath(store, r.ID, name)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		}
		t, shape, err := sweep.ReadArtifact(store, r.ID, name)
		if err != nil {
			return nil, fmt.Errorf("lst: PE of %s: %w", r.ID, err)
		}
		if !slices.ContainsFunc(t, func(v float64) bool { return v != 0 }) {
			continue // no PE (none): an all-zero table has no similarity
		}
		if len(shape) != 3 || shape[1] != Tokens || b < 0 || (b >= shape[0] && shape[0] != 1) {
			return nil, fmt.Errorf("lst: PE of %s: shape %v, want [L, %d, D] with block %d", r.ID, shape, Tokens, b)
		}
		bb := b
		if shape[0] == 1 {
			bb = 0 // one table shared by every block (a fixed PE)
		}
		blocks, err := analysis.Blocks(t, shape[0], Tokens, shape[2])
		if err != nil {
			return nil, err
		}
		s, err := analysis.Similarity(blocks[bb], analysis.Cosine)
		if err != nil {
			return nil, fmt.Errorf("lst: PE of %s: %w", r.ID, err)
		}
		if _, ok := byCond[r.Condition]; !ok {
			order = append(order, r.Condition)
		}
		byCond[r.Condition] = append(byCond[r.Condition], s)
		D = shape[2]
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("lst: none of %d records has a PE table %q", len(recs), name)
	}
	if _, ok := byCond["2d-fixed"]; !ok && D%4 == 0 {
		sin := pe.Sinusoid2D(Side, Side, D, 10000)
		s, err := analysis.Similarity(mat.NewDense(Tokens, D, sin), analysis.Cosine)
		if err != nil {
			return nil, err
		}
		f, err := heat(s, fmt.Sprintf("2d-fixed sinusoid (d %d)", D))
		if err != nil {
			return nil, err
		}
		panels = append(panels, f)
	}
	slices.SortStableFunc(order, func(a, b string) int { return sweep.CompareConditions(Vocabulary().First, a, b) })
	for _, c := range order {
		ms := byCond[c]
		mean := mat.NewSymDense(Tokens, nil)
		for _, m := range ms {
			mean.AddSym(mean, m)
		}
		mean.ScaleSym(1/float64(len(ms)), mean)
		title := fmt.Sprintf("%s, block %d, %s (mean of %d)", c, b, when, len(ms))
		if len(ms) == 1 {
			title = fmt.Sprintf("%s, block %d, %s", c, b, when)
		}
		f, err := heat(mean, title)
		if err != nil {
			return nil, err
		}
		panels = append(panels, f)
	}
	return plots.Row(panels...)
}
