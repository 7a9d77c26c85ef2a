package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// categorical holds 12 distinguishable colours for groups and series
// (Paul Tol's "muted" scheme plus four more), ordered so that neighbours
// differ in hue: the first two series are never two similar blues.
var categorical = []color.RGBA{
	{0x33, 0x22, 0x88, 0xff}, {0xee, 0x77, 0x33, 0xff}, {0x11, 0x77, 0x33, 0xff},
	{0xcc, 0x66, 0x77, 0xff}, {0x88, 0xcc, 0xee, 0xff}, {0xaa, 0x44, 0x99, 0xff},
	{0x99, 0x99, 0x33, 0xff}, {0x88, 0x22, 0x55, 0xff}, {0x44, 0xaa, 0x99, 0xff},
	{0xdd, 0xcc, 0x77, 0xff}, {0x77, 0x77, 0x77, 0xff}, {0x00, 0x44, 0x88, 0xff},
}

// colour returns the i-th categorical colour, cycling.
func colour(i int) color.RGBA { return categorical[i%len(categorical)] }

// glyph returns a glyph shape that changes each time the colours cycle.
func glyph(i int) draw.GlyphDrawer {
	shapes := []draw.GlyphDrawer{
		draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{},
		draw.PlusGlyph{}, draw.CrossGlyph{}, draw.RingGlyph{},
	}
	return shapes[(i/len(categorical))%len(shapes)]
}

// checkValues reports the first NaN or infinite value.
func checkValues(fn, name string, x []float64) error {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("plots: %s: %s[%d] = %v, want a finite value", fn, name, i, v)
		}
	}
	return nil
}

func checkMatrix(fn, name string, m mat.Matrix) (r, c int, err error) {
	if m == nil {
		return 0, 0, fmt.Errorf("plots: %s: %s is nil", fn, name)
	}
	r, c = m.Dims()
	if r == 0 || c == 0 {
		return r, c, fmt.Errorf("plots: %s: %s is empty", fn, name)
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			if v := m.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return r, c, fmt.Errorf("plots: %s: %s[%d,%d] = %v, want a finite value", fn, name, i, j, v)
			}
		}
	}
	return r, c, nil
}

// newPlot returns a plot with the given title and axis labels and a
// slightly larger default font.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = NumberTicks{}
	p.Y.Tick.Marker = NumberTicks{}
	return p
}

// intTicks marks integers in [lo, hi] with at most about n labels. With
// flip, the integer at y is labelled size−1−y (a heatmap's flipped rows).
type intTicks struct {
	n    int
	flip bool
	size int
}

func (t intTicks) Ticks(lo, hi float64) []plot.Tick {
	a, b := int(math.Ceil(lo)), int(math.Floor(hi))
	if b < a {
		return nil
	}
	// Steps 1, 2, 5, 10, 20, 50, …
	step := 1
	for k := 0; (b-a)/step+1 > max(t.n, 1); k++ {
		step = []int{2, 5, 10}[k%3] * int(math.Pow(10, float64(k/3)))
	}
	var ticks []plot.Tick
	for v := a; v <= b; v++ {
		label := v
		if t.flip {
			label = t.size - 1 - v
		}
		if label%step == 0 {
			ticks = append(ticks, plot.Tick{Value: float64(v), Label: fmt.Sprint(label)})
		}
	}
	return ticks
}

// sideLegend is a legend drawn in a strip to the right of the plots, so it
// never hides data. When its entries do not fit the strip's height it
// wraps them into further columns, so that every series keeps its entry
// (25 σ of a sweep on a 4-inch figure).
type sideLegend struct {
	entries []legendEntry
	n       int           // entries
	cols    []plot.Legend // the columns of the last split
	rows    []int         // and their numbers of entries
}

type legendEntry struct {
	name   string
	thumbs []plot.Thumbnailer
}

func newSideLegend() *sideLegend { return &sideLegend{} }

func (s *sideLegend) add(name string, thumbs ...plot.Thumbnailer) {
	s.entries = append(s.entries, legendEntry{name, thumbs})
	s.n++
}

// legendColumn returns a legend of entries, drawn from its top left.
func legendColumn(entries []legendEntry) plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.Padding = vg.Points(4)
	for _, e := range entries {
		l.Add(e.name, e.thumbs...)
	}
	return l
}

// legendTitleRoom is the height above the data that split leaves to a
// plot's title when it fits the legend's columns.
const legendTitleRoom = 36

// columns splits the entries into columns of at most as many rows as fit
// the height h, and returns the columns and their numbers of entries.
func (s *sideLegend) columns(h vg.Length) ([]plot.Legend, []int) {
	if len(s.entries) == 0 {
		return nil, nil
	}
	probe := legendColumn(s.entries[:1])
	row := probe.Rectangle(draw.Canvas{}).Size().Y + probe.Padding
	per := max(int((h+probe.Padding)/row), 1)
	var cols []plot.Legend
	var rows []int
	for i := 0; i < len(s.entries); i += per {
		j := min(i+per, len(s.entries))
		cols, rows = append(cols, legendColumn(s.entries[i:j])), append(rows, j-i)
	}
	return cols, rows
}

// split returns the canvas left for the plots after reserving the legend's
// columns on the right of c.
func (s *sideLegend) split(c draw.Canvas) draw.Canvas {
	if s == nil || s.n == 0 {
		return c
	}
	s.cols, s.rows = s.columns(c.Max.Y - c.Min.Y - vg.Points(legendTitleRoom))
	rest := c
	for i := range s.cols {
		r := s.cols[i].Rectangle(c)
		rest.Max.X -= r.Max.X - r.Min.X + vg.Points(12)
	}
	return rest
}

// draw draws the legend's columns right of rest, their tops level with
// top.
func (s *sideLegend) draw(c, rest draw.Canvas, top vg.Length) {
	if s == nil || s.n == 0 {
		return
	}
	x := rest.Max.X + vg.Points(8)
	for i := range s.cols {
		strip := c
		strip.Min.X = x
		strip.Max.Y = top
		s.cols[i].Draw(strip)
		r := s.cols[i].Rectangle(c)
		x += r.Max.X - r.Min.X + vg.Points(12)
	}
}

// legendFigure is a figure of plot p with the side legend leg at its right
// (7 in. wide, the default height).
func legendFigure(p *plot.Plot, leg *sideLegend) *Figure {
	f := newFigure(7*vg.Inch, DefaultHeight, func(c draw.Canvas) error {
		rest := leg.split(c)
		drawPlot(p, rest)
		leg.draw(c, rest, p.DataCanvas(rest).Max.Y)
		return nil
	})
	f.keys = leg.n
	return f
}
