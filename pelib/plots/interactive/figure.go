package interactive

import (
	"encoding/json"
	"fmt"
	"image/color"
	"math"
	"strconv"
)

// Figure is a Plotly figure: its traces, its layout and the plot's
// configuration, marshalled to Plotly's JSON figure format
// ({"data": [...], "layout": {...}, "config": {...}}) by JSON.
type Figure struct {
	Data   []Trace `json:"data"`
	Layout Layout  `json:"layout"`
	Config Config  `json:"config"`
}

// Trace is one Plotly trace: *ScatterTrace or *HeatmapTrace.
type Trace interface{ trace() }

// Numbers is a list of numbers; a NaN or infinite entry is written as
// JSON null (Plotly's gap), every other one exactly.
type Numbers []float64

// MarshalJSON writes the numbers, NaN and ±Inf as null.
func (n Numbers) MarshalJSON() ([]byte, error) {
	if n == nil {
		return []byte("[]"), nil
	}
	b := make([]byte, 0, 2+len(n)*8)
	b = append(b, '[')
	for i, v := range n {
		if i > 0 {
			b = append(b, ',')
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
	}
	return append(b, ']'), nil
}

// ScatterTrace is a "scatter" (2D) or "scatter3d" trace.
type ScatterTrace struct {
	Type string  `json:"type"` // "scatter" or "scatter3d"
	Mode string  `json:"mode"` // "markers", "lines", "lines+markers"
	Name string  `json:"name,omitempty"`
	X    Numbers `json:"x"`
	Y    Numbers `json:"y"`
	Z    Numbers `json:"z,omitempty"`
	// Text is each point's hover text (Plotly's pseudo-HTML: <br> breaks
	// lines; names are escaped).
	Text          []string  `json:"text,omitempty"`
	HoverTemplate string    `json:"hovertemplate,omitempty"`
	HoverInfo     string    `json:"hoverinfo,omitempty"`
	Marker        *Marker   `json:"marker,omitempty"`
	Line          *Line     `json:"line,omitempty"`
	ErrorY        *ErrorBar `json:"error_y,omitempty"`
	ShowLegend    *bool     `json:"showlegend,omitempty"`
	LegendGroup   string    `json:"legendgroup,omitempty"`
	// Visible is true (the default, when nil) or "legendonly" (hidden
	// until its legend entry is clicked).
	Visible any `json:"visible,omitempty"`
}

func (*ScatterTrace) trace() {}

// Marker styles a scatter's points: one colour for all (Color) or one per
// point (Colors).
type Marker struct {
	Color   string   `json:"-"`
	Colors  []string `json:"-"`
	Size    float64  `json:"size,omitempty"`
	Symbol  string   `json:"symbol,omitempty"`
	Opacity float64  `json:"opacity,omitempty"`
	Line    *Line    `json:"line,omitempty"`
}

// MarshalJSON writes Color or Colors as Plotly's "color".
func (m Marker) MarshalJSON() ([]byte, error) {
	type plain Marker
	out := struct {
		plain
		Color any `json:"color,omitempty"`
	}{plain: plain(m)}
	switch {
	case m.Colors != nil:
		out.Color = m.Colors
	case m.Color != "":
		out.Color = m.Color
	}
	return json.Marshal(out)
}

// Line styles a line (or a marker's outline).
type Line struct {
	Color string  `json:"color,omitempty"`
	Width float64 `json:"width,omitempty"`
	Dash  string  `json:"dash,omitempty"` // "dash", "dot", …
}

// ErrorBar is an error bar of given lengths: Array above (and below, when
// ArrayMinus is nil; Symmetric false with ArrayMinus draws them apart).
type ErrorBar struct {
	Type       string  `json:"type"` // "data"
	Symmetric  *bool   `json:"symmetric,omitempty"`
	Array      Numbers `json:"array"`
	ArrayMinus Numbers `json:"arrayminus,omitempty"`
	Visible    bool    `json:"visible"`
	Color      string  `json:"color,omitempty"`
	Thickness  float64 `json:"thickness,omitempty"`
	Width      float64 `json:"width,omitempty"`
}

// HeatmapTrace is a "heatmap" trace: Z[i][j] is drawn at (X[j], Y[i]).
type HeatmapTrace struct {
	Type string      `json:"type"` // "heatmap"
	Name string      `json:"name,omitempty"`
	Z    [][]float64 `json:"z"`
	// X and Y name the columns and rows: Plotly puts category k at
	// position k (shapes use those positions). Names must be distinct.
	X []string `json:"x,omitempty"`
	Y []string `json:"y,omitempty"`
	// Text[i][j] is cell (i, j)'s hover text.
	Text          [][]string `json:"text,omitempty"`
	HoverTemplate string     `json:"hovertemplate,omitempty"`
	ZMin          float64    `json:"zmin"`
	ZMax          float64    `json:"zmax"`
	ZAuto         bool       `json:"zauto"`
	ColorScale    ColorScale `json:"colorscale"`
	ColorBar      *ColorBar  `json:"colorbar,omitempty"`
	ShowLegend    *bool      `json:"showlegend,omitempty"`
}

func (*HeatmapTrace) trace() {}

// ColorScale maps [0, 1] (ZMin to ZMax) to colours: stops of increasing
// position, from 0 to 1.
type ColorScale []ColorStop

// ColorStop is one stop of a ColorScale.
type ColorStop struct {
	At    float64
	Color string
}

// MarshalJSON writes the stop as Plotly's [position, colour] pair.
func (s ColorStop) MarshalJSON() ([]byte, error) { return json.Marshal([2]any{s.At, s.Color}) }

// ColorBar is a heatmap's colour bar.
type ColorBar struct {
	Title *Title `json:"title,omitempty"`
	// Len is the bar's length as a fraction of the plot's height.
	Len float64 `json:"len,omitempty"`
}

// Title is a figure's, an axis' or a colour bar's title.
type Title struct {
	Text string `json:"text"`
}

// Layout is a figure's layout (the subset pelab uses).
type Layout struct {
	Title      *Title  `json:"title,omitempty"`
	Width      int     `json:"width,omitempty"`
	Height     int     `json:"height,omitempty"`
	XAxis      *Axis   `json:"xaxis,omitempty"`
	YAxis      *Axis   `json:"yaxis,omitempty"`
	Scene      *Scene  `json:"scene,omitempty"`
	Legend     *Legend `json:"legend,omitempty"`
	ShowLegend *bool   `json:"showlegend,omitempty"`
	HoverMode  string  `json:"hovermode,omitempty"`
	Shapes     []Shape `json:"shapes,omitempty"`
	Margin     *Margin `json:"margin,omitempty"`
	PlotBG     string  `json:"plot_bgcolor,omitempty"`
}

// Axis is a 2D axis or a 3D scene axis.
type Axis struct {
	Title *Title `json:"title,omitempty"`
	Type  string `json:"type,omitempty"` // "linear", "log"
	// TickMode "array" puts ticks at TickVals labelled TickText.
	TickMode  string    `json:"tickmode,omitempty"`
	TickVals  Numbers   `json:"tickvals,omitempty"`
	TickText  []string  `json:"ticktext,omitempty"`
	AutoRange any       `json:"autorange,omitempty"` // true, "reversed"
	Range     []float64 `json:"range,omitempty"`
	// ScaleAnchor "x" with ScaleRatio 1 gives equal units on x and y.
	ScaleAnchor    string  `json:"scaleanchor,omitempty"`
	ScaleRatio     float64 `json:"scaleratio,omitempty"`
	ZeroLine       *bool   `json:"zeroline,omitempty"`
	ShowGrid       *bool   `json:"showgrid,omitempty"`
	TickAngle      *int    `json:"tickangle,omitempty"`
	ShowTickLabels *bool   `json:"showticklabels,omitempty"`
	Constrain      string  `json:"constrain,omitempty"`
}

// Scene holds the axes of a 3D plot.
type Scene struct {
	XAxis *Axis `json:"xaxis,omitempty"`
	YAxis *Axis `json:"yaxis,omitempty"`
	ZAxis *Axis `json:"zaxis,omitempty"`
	// AspectMode "data" keeps one data unit the same length on every axis.
	AspectMode string `json:"aspectmode,omitempty"`
	// Camera places the viewpoint (nil: Plotly's, close enough that
	// long axis titles are cut at the view's edge).
	Camera *Camera `json:"camera,omitempty"`
}

// Camera is a 3D scene's viewpoint: Eye is where the camera is, in units
// of the scene's box (Plotly's default is 1.25 on each axis).
type Camera struct {
	Eye *Point3 `json:"eye,omitempty"`
}

// Point3 is a point in a 3D scene's box units.
type Point3 struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	Z float64 `json:"z"`
}

// Legend places the legend.
type Legend struct {
	Title       *Title   `json:"title,omitempty"`
	ItemSizing  string   `json:"itemsizing,omitempty"`  // "constant"
	Orientation string   `json:"orientation,omitempty"` // "v", "h"
	X           *float64 `json:"x,omitempty"`
	Y           *float64 `json:"y,omitempty"`
	XAnchor     string   `json:"xanchor,omitempty"`
	YAnchor     string   `json:"yanchor,omitempty"`
}

// Shape is a line or rectangle drawn on the plot (network boundaries).
type Shape struct {
	Type      string  `json:"type"` // "line", "rect"
	XRef      string  `json:"xref"` // "x", "paper"
	YRef      string  `json:"yref"`
	X0        float64 `json:"x0"`
	X1        float64 `json:"x1"`
	Y0        float64 `json:"y0"`
	Y1        float64 `json:"y1"`
	Line      *Line   `json:"line,omitempty"`
	FillColor string  `json:"fillcolor,omitempty"`
	Layer     string  `json:"layer,omitempty"` // "above", "below"
}

// Margin is the space around the plot, in pixels.
type Margin struct {
	L int `json:"l"`
	R int `json:"r"`
	T int `json:"t"`
	B int `json:"b"`
}

// Config is the plot's configuration.
type Config struct {
	Responsive  bool `json:"responsive"`
	DisplayLogo bool `json:"displaylogo"`
	ScrollZoom  bool `json:"scrollZoom"`
}

// defaultConfig: fits its cell's width, no link to plotly's web site,
// wheel zoom off (it would catch the notebook's scrolling; the mode bar
// and box selection zoom).
func defaultConfig() Config { return Config{Responsive: true} }

// JSON returns the figure in Plotly's JSON figure format. It fails on a
// figure with no traces or with a non-finite number where Plotly needs one
// (NaN in Numbers is written as null, a gap).
func (f *Figure) JSON() ([]byte, error) {
	if f == nil || len(f.Data) == 0 {
		return nil, fmt.Errorf("interactive: empty figure")
	}
	for i, t := range f.Data {
		if h, ok := t.(*HeatmapTrace); ok {
			for r, row := range h.Z {
				for c, v := range row {
					if math.IsNaN(v) || math.IsInf(v, 0) {
						return nil, fmt.Errorf("interactive: trace %d: z[%d][%d] = %v", i, r, c, v)
					}
				}
			}
			if !finite(h.ZMin) || !finite(h.ZMax) {
				return nil, fmt.Errorf("interactive: trace %d: colour range [%v, %v]", i, h.ZMin, h.ZMax)
			}
		}
	}
	b, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("interactive: %w", err)
	}
	return b, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// hexColour writes c as "#rrggbb", or "rgba(r,g,b,a)" when not opaque.
func hexColour(c color.Color) string {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	if n.A == 0xff {
		return fmt.Sprintf("#%02x%02x%02x", n.R, n.G, n.B)
	}
	return fmt.Sprintf("rgba(%d,%d,%d,%.3g)", n.R, n.G, n.B, float64(n.A)/255)
}

func ptr[T any](v T) *T { return &v }
