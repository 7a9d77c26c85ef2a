package interactive

import (
	"fmt"
	"html"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/pelab/pelab/pelib/plots"
)

// Labels names the tokens of a view (the points of a layout, the rows and
// columns of a similarity matrix) and groups them (a brain region's
// network, a grid cell's row). Every field is optional.
type Labels struct {
	// Names holds one name per token, shown on hover (and as heatmap ticks
	// when there are at most 40); default "token <i>".
	Names []string
	// Groups holds one group key per token: points of a group share a
	// colour and a legend entry (click it to hide them); a heatmap's rows
	// and columns are ordered by group, with the boundaries drawn.
	Groups []int
	// GroupNames names groups in legends and hover; default
	// "<GroupTitle> <key>".
	GroupNames map[int]string
	// GroupColours colours groups; default: package plots' categorical
	// colours in key order (the static figures' colours).
	GroupColours map[int]color.Color
	// GroupTitle says what a group is ("network", "row"); default "group".
	GroupTitle string
	// CoordUnit is the length of one unit of the tokens' true positions,
	// e.g. "10 mm" for fmri's centroids; a layout's axes and errors state
	// it. Empty: unitless (grid cells).
	CoordUnit string
}

func (l Labels) check(fn string, n int) error {
	if l.Names != nil && len(l.Names) != n {
		return fmt.Errorf("interactive: %s: %d names for %d tokens", fn, len(l.Names), n)
	}
	if l.Groups != nil && len(l.Groups) != n {
		return fmt.Errorf("interactive: %s: %d group keys for %d tokens", fn, len(l.Groups), n)
	}
	return nil
}

// name is token i's name, unescaped.
func (l Labels) name(i int) string {
	if l.Names != nil {
		return l.Names[i]
	}
	return "token " + strconv.Itoa(i)
}

func (l Labels) groupTitle() string {
	if l.GroupTitle != "" {
		return l.GroupTitle
	}
	return "group"
}

// keys returns the distinct group keys, sorted ({0} without groups).
func (l Labels) keys() []int {
	if l.Groups == nil {
		return []int{0}
	}
	return slices.Compact(slices.Sorted(slices.Values(l.Groups)))
}

func (l Labels) group(i int) int {
	if l.Groups == nil {
		return 0
	}
	return l.Groups[i]
}

func (l Labels) groupName(k int) string {
	if n, ok := l.GroupNames[k]; ok {
		return n
	}
	return l.groupTitle() + " " + strconv.Itoa(k)
}

// colours maps each group key to its colour.
func (l Labels) colours() map[int]string {
	out := map[int]string{}
	for i, k := range l.keys() {
		c := color.Color(plots.Categorical(i))
		if g, ok := l.GroupColours[k]; ok && g != nil {
			c = g
		}
		out[k] = hexColour(c)
	}
	return out
}

// hoverHead is the first lines of token i's hover text: its name in bold
// and, with groups, its group.
func (l Labels) hoverHead(i int) string {
	s := "<b>" + esc(l.name(i)) + "</b>"
	if l.Groups != nil {
		s += "<br>" + esc(l.groupLine(l.Groups[i]))
	}
	return s
}

// groupLine is "<GroupTitle>: <name>", or the name alone when it starts
// with the title ("x₁ = 2").
func (l Labels) groupLine(k int) string {
	name := l.groupName(k)
	if strings.HasPrefix(name, l.groupTitle()) {
		return name
	}
	return l.groupTitle() + ": " + name
}

// esc escapes text for Plotly's pseudo-HTML.
func esc(s string) string { return html.EscapeString(s) }

// GridLabels labels tokens by their coordinates (S, c), as the rows of a
// results.Record's Coords or a geometry.Truth's Coords: each is named by
// its coordinates ("1,3"; "0,2,1") and, when every first coordinate is an
// integer, grouped by it ("x₁ = 1", as the static layout figures colour
// a grid's rows).
func GridLabels(coords mat.Matrix) Labels {
	S, c := coords.Dims()
	l := Labels{Names: make([]string, S)}
	integer := true
	for s := range S {
		parts := make([]string, c)
		for j := range c {
			parts[j] = num(coords.At(s, j))
		}
		l.Names[s] = strings.Join(parts, ",")
		if v := coords.At(s, 0); v != math.Round(v) || math.Abs(v) > 1e6 {
			integer = false
		}
	}
	if integer && c > 1 {
		l.Groups = make([]int, S)
		l.GroupNames = map[int]string{}
		for s := range S {
			k := int(coords.At(s, 0))
			l.Groups[s] = k
			l.GroupNames[k] = "x₁ = " + strconv.Itoa(k)
		}
		l.GroupTitle = "x₁"
	}
	return l
}

// CoordsMatrix returns coordinates [S][c] (a results.Record's Coords) as an
// (S, c) matrix.
func CoordsMatrix(coords [][]float64) (*mat.Dense, error) {
	if len(coords) == 0 || len(coords[0]) == 0 {
		return nil, fmt.Errorf("interactive: no coordinates")
	}
	c := len(coords[0])
	m := mat.NewDense(len(coords), c, nil)
	for i, p := range coords {
		if len(p) != c {
			return nil, fmt.Errorf("interactive: token %d has %d coordinates, token 0 has %d", i, len(p), c)
		}
		m.SetRow(i, p)
	}
	return m, nil
}

// num formats a number for hover text: 4 significant digits, integers
// as integers.
func num(v float64) string {
	if v == math.Round(v) && math.Abs(v) < 1e9 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// point formats coordinates as "(x, y[, z])".
func point(vs ...float64) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = num(v)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
