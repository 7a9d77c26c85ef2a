package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/pelab/pelab/internal/atomicfile"
)

// Default figure sizes and resolution.
const (
	DefaultWidth  = 6 * vg.Inch
	DefaultHeight = 4.5 * vg.Inch
	DefaultDPI    = 120
)

// Figure is a drawable figure. Width and Height are the size used by Save
// and by PNG/SVG when they are passed zero; DPI is the PNG resolution.
type Figure struct {
	Width, Height vg.Length
	DPI           int
	draw          func(c draw.Canvas) error
	// keys is the number of legend or key entries drawn (for tests).
	keys int
}

// drawHook, when set (by tests), sees every plot a figure draws and the
// canvas it is drawn on.
var drawHook func(p *plot.Plot, c draw.Canvas)

// drawPlot draws p on c, its title wrapped to c's width (FitTitle),
// telling drawHook.
func drawPlot(p *plot.Plot, c draw.Canvas) {
	p.Title.Text = FitTitle(p.Title.Text, p.Title.TextStyle, c.Max.X-c.Min.X)
	p.Draw(c)
	if drawHook != nil {
		drawHook(p, c)
	}
}

func newFigure(w, h vg.Length, fn func(c draw.Canvas) error) *Figure {
	return &Figure{Width: w, Height: h, DPI: DefaultDPI, draw: fn}
}

// Draw draws the figure on c (for composing figures into a larger canvas).
func (f *Figure) Draw(c draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: drawing failed: %v", r)
		}
	}()
	c.FillPolygon(color.White, []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	})
	return f.draw(c)
}

// PNG renders the figure as PNG bytes at w×h (zero: the figure's size) and
// the figure's DPI.
func (f *Figure) PNG(w, h vg.Length) ([]byte, error) { return f.Render("png", w, h) }

// SVG renders the figure as SVG bytes at w×h (zero: the figure's size).
func (f *Figure) SVG(w, h vg.Length) ([]byte, error) { return f.Render("svg", w, h) }

// Render renders the figure in format "png", "svg" or "pdf" at w×h (zero:
// the figure's size).
func (f *Figure) Render(format string, w, h vg.Length) ([]byte, error) {
	if f == nil || f.draw == nil {
		return nil, fmt.Errorf("plots: Render: empty figure")
	}
	if w == 0 {
		w = f.Width
	}
	if h == 0 {
		h = f.Height
	}
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("plots: Render: size %v×%v is not positive", w, h)
	}
	var c vg.CanvasWriterTo
	switch format {
	case "png":
		dpi := f.DPI
		if dpi <= 0 {
			dpi = DefaultDPI
		}
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))}
	case "svg":
		c = vgsvg.New(w, h)
	case "pdf":
		c = vgpdf.New(w, h)
	default:
		return nil, fmt.Errorf("plots: Render: unknown format %q (want png, svg or pdf)", format)
	}
	if err := f.Draw(draw.New(c)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plots: Render: writing %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// Save renders the figure at its own size in the format named by path's
// extension (.png, .svg or .pdf) and writes it atomically: to a temporary
// file in the same folder, then renamed over path.
func (f *Figure) Save(path string) error {
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	data, err := f.Render(format, 0, 0)
	if err != nil {
		return fmt.Errorf("plots: Save %s: %w", path, err)
	}
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("plots: Save: %w", err)
	}
	return nil
}

// Row draws figs side by side, left to right, each in an equal share of the
// width, at the size of one panel times their number (the first figure's
// size). It is for panels meant to be read together, e.g. similarity
// matrices on one colour scale; figs must not be empty or nil.
func Row(figs ...*Figure) (*Figure, error) {
	if len(figs) == 0 {
		return nil, fmt.Errorf("plots: Row: no figures")
	}
	for i, f := range figs {
		if f == nil || f.draw == nil {
			return nil, fmt.Errorf("plots: Row: figure %d is empty", i)
		}
	}
	w, h := figs[0].Width, figs[0].Height
	keys := 0
	for _, f := range figs {
		keys += f.keys
	}
	out := newFigure(w*vg.Length(len(figs)), h, func(c draw.Canvas) error {
		tiles := draw.Tiles{Rows: 1, Cols: len(figs)}
		for i, f := range figs {
			if err := f.Draw(tiles.At(c, i, 0)); err != nil {
				return fmt.Errorf("plots: Row: panel %d: %w", i, err)
			}
		}
		return nil
	})
	out.keys = keys
	return out, nil
}

// FitTitle wraps each line of a title at spaces so that no line is wider
// than w in style sty: a title centred over a figure narrower than itself
// ran off both edges (the left one clipped). A single word wider than w
// stays on its own line.
func FitTitle(title string, sty text.Style, w vg.Length) string {
	if title == "" || w <= 0 {
		return title
	}
	var out []string
	for _, line := range strings.Split(title, "\n") {
		if sty.Width(line) <= w {
			out = append(out, line)
			continue
		}
		cur := ""
		for _, word := range strings.Fields(line) {
			try := word
			if cur != "" {
				try = cur + " " + word
			}
			if cur != "" && sty.Width(try) > w {
				out = append(out, cur)
				cur = word
				continue
			}
			cur = try
		}
		out = append(out, cur)
	}
	return strings.Join(out, "\n")
}
