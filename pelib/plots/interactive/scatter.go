package interactive

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/pelab/pelab/pelib/analysis"
)

// ScatterOptions configures Scatter. All fields are optional.
type ScatterOptions struct {
	Title string
	// AxisTitles names the axes; default "dim 1", "dim 2", "dim 3".
	AxisTitles []string
	// Dims is 2 or 3, the columns drawn; 0: 3 when the matrix has 3 or
	// more columns, else 2.
	Dims int
	// Colours gives each point its own colour (e.g. a PE's principal
	// components as RGB) instead of its group's; groups then have no
	// legend entry (its swatch would show one point's colour, not the
	// group's) and are named in the hover only.
	Colours []color.Color
	// CoordsLabel names the coordinates in the hover text; default the
	// axis titles, "(dim 1, dim 2) = (…)".
	CoordsLabel string
	// Hover adds a line to each point's hover text.
	Hover []string
	// Extra traces drawn after the points (e.g. the true positions).
	Extra []*ScatterTrace
}

// Scatter draws the first two or three columns of the (S, ≥2) matrix xy
// as a 2D scatter with equal units on both axes, or a rotatable 3D
// scatter with equal units on all three, one trace (colour, legend entry)
// per group of lab. Hovering over a point shows its name, its group, its
// coordinates and any opt.Hover line.
func Scatter(xy mat.Matrix, lab Labels, opt ScatterOptions) (*Figure, error) {
	const fn = "Scatter"
	if xy == nil {
		return nil, fmt.Errorf("interactive: %s: no coordinates", fn)
	}
	S, c := xy.Dims()
	dims := opt.Dims
	if dims == 0 {
		dims = min(max(c, 2), 3)
	}
	switch {
	case S == 0:
		return nil, fmt.Errorf("interactive: %s: no points", fn)
	case dims != 2 && dims != 3:
		return nil, fmt.Errorf("interactive: %s: %d dimensions, want 2 or 3", fn, dims)
	case c < dims:
		return nil, fmt.Errorf("interactive: %s: coordinates have %d columns, need %d", fn, c, dims)
	}
	if err := lab.check(fn, S); err != nil {
		return nil, err
	}
	if opt.Colours != nil && len(opt.Colours) != S {
		return nil, fmt.Errorf("interactive: %s: %d colours for %d points", fn, len(opt.Colours), S)
	}
	if opt.Hover != nil && len(opt.Hover) != S {
		return nil, fmt.Errorf("interactive: %s: %d hover lines for %d points", fn, len(opt.Hover), S)
	}
	if opt.AxisTitles != nil && len(opt.AxisTitles) < dims {
		return nil, fmt.Errorf("interactive: %s: %d axis titles for %d axes", fn, len(opt.AxisTitles), dims)
	}
	for i := range S {
		for j := range dims {
			if v := xy.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("interactive: %s: point %d coordinate %d is %v", fn, i, j, v)
			}
		}
	}
	axis := func(j int) string {
		if opt.AxisTitles != nil {
			return opt.AxisTitles[j]
		}
		return fmt.Sprintf("dim %d", j+1)
	}
	coordsLabel := opt.CoordsLabel
	if coordsLabel == "" {
		coordsLabel = coordNames(axis, dims)
	}
	typ, size := "scatter", 11.0
	if dims == 3 {
		typ, size = "scatter3d", 5
	}
	colours := lab.colours()
	f := &Figure{Config: defaultConfig()}
	for _, k := range lab.keys() {
		t := &ScatterTrace{Type: typ, Mode: "markers", HoverTemplate: "%{text}<extra></extra>",
			Marker: &Marker{Color: colours[k], Size: size, Line: &Line{Color: "#333333", Width: 0.5}}}
		if lab.Groups != nil {
			t.Name, t.LegendGroup = lab.groupName(k), lab.groupName(k)
		}
		if opt.Colours != nil {
			t.Marker.Colors = []string{}
			t.ShowLegend = ptr(false)
		}
		for i := range S {
			if lab.group(i) != k {
				continue
			}
			v := make([]float64, dims)
			for j := range dims {
				v[j] = xy.At(i, j)
			}
			t.X, t.Y = append(t.X, v[0]), append(t.Y, v[1])
			if dims == 3 {
				t.Z = append(t.Z, v[2])
			}
			text := lab.hoverHead(i) + "<br>" + esc(coordsLabel) + " = " + point(v...)
			if opt.Hover != nil && opt.Hover[i] != "" {
				text += "<br>" + esc(opt.Hover[i])
			}
			t.Text = append(t.Text, text)
			if opt.Colours != nil {
				t.Marker.Colors = append(t.Marker.Colors, hexColour(opt.Colours[i]))
			}
		}
		f.Data = append(f.Data, t)
	}
	for _, t := range opt.Extra {
		f.Data = append(f.Data, t)
	}
	f.Layout = Layout{HoverMode: "closest", Margin: &Margin{L: 60, R: 20, T: 60, B: 50}}
	if opt.Title != "" {
		f.Layout.Title = &Title{Text: opt.Title}
	}
	groupLegend := lab.Groups != nil && opt.Colours == nil
	if groupLegend || len(opt.Extra) > 0 {
		f.Layout.Legend = &Legend{ItemSizing: "constant"}
		if groupLegend {
			f.Layout.Legend.Title = &Title{Text: esc(lab.groupTitle())}
		}
	} else {
		f.Layout.ShowLegend = ptr(false)
	}
	if dims == 2 {
		f.Layout.Height = 560
		f.Layout.XAxis = &Axis{Title: &Title{Text: esc(axis(0))}, Constrain: "domain"}
		f.Layout.YAxis = &Axis{Title: &Title{Text: esc(axis(1))}, ScaleAnchor: "x", ScaleRatio: 1, Constrain: "domain"}
	} else {
		f.Layout.Height = 680
		// The camera farther out than Plotly's 1.25, so that the axis
		// titles ("y (mm, posterior → anterior)") stay inside the view.
		f.Layout.Scene = &Scene{AspectMode: "data", Camera: &Camera{Eye: &Point3{X: 1.6, Y: 1.6, Z: 1.1}},
			XAxis: &Axis{Title: &Title{Text: esc(axis(0))}},
			YAxis: &Axis{Title: &Title{Text: esc(axis(1))}},
			ZAxis: &Axis{Title: &Title{Text: esc(axis(2))}}}
	}
	return f, nil
}

// coordNames is "(dim 1, dim 2)" for the hover's coordinates line.
func coordNames(axis func(int) string, dims int) string {
	s := "("
	for j := range dims {
		if j > 0 {
			s += ", "
		}
		s += axis(j)
	}
	return s + ")"
}

// Brain draws brain regions at their MNI centroids (mm) in a rotatable 3D
// view, coloured by their group of lab (fmri's Partition.Labels: the
// Cole-Anticevic network, in the partition's colours) or, when colours is
// not nil, each in its own colour (e.g. fmri.PCColours of a PE). Hover: the
// region's name, its network and its MNI coordinates.
func Brain(centroids [][3]float64, lab Labels, colours []color.Color, title string) (*Figure, error) {
	if len(centroids) == 0 {
		return nil, fmt.Errorf("interactive: Brain: no regions")
	}
	m := mat.NewDense(len(centroids), 3, nil)
	for i, c := range centroids {
		m.SetRow(i, c[:])
	}
	if lab.GroupTitle == "" && lab.Groups != nil {
		lab.GroupTitle = "network"
	}
	return Scatter(m, lab, ScatterOptions{Title: title, Dims: 3, Colours: colours, CoordsLabel: "MNI (x, y, z), mm",
		AxisTitles: []string{"x (mm, left → right)", "y (mm, posterior → anterior)", "z (mm, inferior → superior)"}})
}

// PELayout draws where block b of a PE table [L, S, D] (flat, as
// sweep.ReadArtifact returns it with its shape) puts the tokens. With the
// true positions truth (S, c), c = 2 or 3 (a geometry.Truth's Coords, or
// CoordsMatrix of a record's Coords), the table's top-c principal
// component scores are aligned to them by orthogonal Procrustes with a
// fitted scale (analysis.AlignToCoords, as the static netsim figure): a PE
// that holds the layout reproduces it, in its units. The hover adds each
// token's true position and alignment error; a legend entry shows the true
// positions; with lab.CoordUnit, axes and error state the unit. Without
// truth, or when the alignment collapses every token
// onto one point (analysis.Alignment.Collapsed, e.g. a sinusoid whose
// channels wrap around), the first two principal components are drawn,
// the latter with a subtitle saying why.
func PELayout(table []float64, shape []int, b int, truth mat.Matrix, lab Labels, title string) (*Figure, error) {
	const fn = "PELayout"
	if len(shape) != 3 {
		return nil, fmt.Errorf("interactive: %s: PE table of shape %v, want [L, S, D]", fn, shape)
	}
	L, S, D := shape[0], shape[1], shape[2]
	blocks, err := analysis.Blocks(table, L, S, D)
	if err != nil {
		return nil, fmt.Errorf("interactive: %s: %w", fn, err)
	}
	if b < 0 || b >= L {
		return nil, fmt.Errorf("interactive: %s: block %d outside [0, %d)", fn, b, L)
	}
	if err := lab.check(fn, S); err != nil {
		return nil, err
	}
	pcs := func(title string) (*Figure, error) {
		pca, err := analysis.PrincipalComponents(blocks[b])
		if err != nil {
			return nil, fmt.Errorf("interactive: %s: %w", fn, err)
		}
		if _, k := pca.Scores.Dims(); k < 2 {
			return nil, fmt.Errorf("interactive: %s: the table has %d principal components, need 2", fn, k)
		}
		axes := []string{fmt.Sprintf("PC 1 (%.0f %% of variance)", 100*pca.Ratios[0]), fmt.Sprintf("PC 2 (%.0f %% of variance)", 100*pca.Ratios[1])}
		return Scatter(pca.Scores, lab, ScatterOptions{Title: title, Dims: 2, AxisTitles: axes})
	}
	if truth == nil {
		return pcs(title)
	}
	ts, c := truth.Dims()
	if ts != S || (c != 2 && c != 3) {
		return nil, fmt.Errorf("interactive: %s: true positions are %d × %d, want %d × 2 or 3", fn, ts, c, S)
	}
	al, err := analysis.AlignToCoords(blocks[b], truth, analysis.AlignConfig{})
	if err != nil {
		return nil, fmt.Errorf("interactive: %s: %w", fn, err)
	}
	if al.Collapsed() {
		// One dot says nothing: show the PE's own top axes and why.
		sub := fmt.Sprintf("aligned to the true positions, all %d tokens would sit within %.1f %% of the layout's size (one dot): "+
			"position is not linear in the top axes; drawn: PC 1–2, unaligned", S, 100*al.Spread)
		if title != "" {
			return pcs(title + "<br><sup>" + esc(sub) + "</sup>")
		}
		return pcs(esc(sub))
	}
	hover := make([]string, S)
	tr := &ScatterTrace{Type: "scatter", Mode: "markers", Name: "true positions", Visible: "legendonly",
		HoverTemplate: "%{text}<extra></extra>",
		Marker:        &Marker{Color: "rgba(0,0,0,0)", Size: 11, Line: &Line{Color: "#555555", Width: 1.5}}}
	if c == 3 {
		tr.Type, tr.Marker.Size = "scatter3d", 5
	}
	for i := range S {
		v := mat.Row(nil, i, truth)
		hover[i] = fmt.Sprintf("true position %s, error %s", point(v...), num(al.Errors[i]))
		tr.X, tr.Y = append(tr.X, v[0]), append(tr.Y, v[1])
		if c == 3 {
			tr.Z = append(tr.Z, v[2])
		}
		tr.Text = append(tr.Text, lab.hoverHead(i)+"<br>true position "+point(v...))
	}
	errText := num(al.MeanError)
	if lab.CoordUnit != "" {
		errText += " units of " + lab.CoordUnit
	}
	sub := fmt.Sprintf("block %d aligned to the true positions: mean error %s, %.0f %% of the PE's variance on its top %d axes",
		b, errText, 100*al.Explained, c)
	if title != "" {
		title += "<br><sup>" + esc(sub) + "</sup>"
	} else {
		title = esc(sub)
	}
	axes := []string{"x₁", "x₂", "x₃"}
	if lab.CoordUnit != "" {
		for i := range axes {
			axes[i] += " (units of " + lab.CoordUnit + ")"
		}
	}
	return Scatter(al.Aligned, lab, ScatterOptions{Title: title, Dims: c, AxisTitles: axes, Hover: hover,
		CoordsLabel: "position read from the PE", Extra: []*ScatterTrace{tr}})
}
