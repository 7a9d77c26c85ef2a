package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// NumberTicks is gonum/plot's default tick placement with labels written at
// one precision per axis, the fewest decimals that tell the labelled ticks
// apart ("-75 / 0 / 75", never "-75.00 / 0.00"; "3.0 / 3.3 / 3.6", never
// "3 / 3 / 4"). Every figure of this package uses it; BrainViews-style
// figures built on gonum/plot directly can set it as an axis's Tick.Marker.
type NumberTicks struct{}

// Ticks returns the ticks for the range [lo, hi].
func (NumberTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	var major []float64
	for _, t := range ticks {
		if t.Label != "" {
			major = append(major, t.Value)
		}
	}
	if len(major) == 0 {
		return ticks
	}
	prec := labelPrecision(major)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = formatTick(t.Value, prec)
		}
	}
	return ticks
}

// labelPrecision returns the fewest decimals (0 to 10) at which the values
// have distinct labels that read back as the values (to 1e-6 of the
// spacing of the ticks).
func labelPrecision(v []float64) int {
	tol := math.Inf(1)
	for i := 1; i < len(v); i++ {
		tol = math.Min(tol, 1e-6*math.Abs(v[i]-v[i-1]))
	}
	if len(v) < 2 {
		tol = 1e-9 * math.Max(1, math.Abs(v[0]))
	}
	for prec := 0; prec < 10; prec++ {
		seen := map[string]bool{}
		ok := true
		for _, x := range v {
			l := formatTick(x, prec)
			back, _ := strconv.ParseFloat(l, 64)
			if seen[l] || math.Abs(back-x) > tol {
				ok = false
				break
			}
			seen[l] = true
		}
		if ok {
			return prec
		}
	}
	return 10
}

// formatTick writes v with prec decimals, without a minus sign on zero.
func formatTick(v float64, prec int) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if z := strconv.FormatFloat(0, 'f', prec, 64); s == "-"+z {
		s = z
	}
	return s
}

// ValueTicks marks exactly the given values (for example the σ values of a
// sweep), labelled with the shortest decimal that reads back as the value
// ("0.1", "0.5", "1", "2"). When labels would crowd (23 σ values), every
// value keeps its tick mark but only some are labelled: the first and the
// last, then values of the form 1, 2 or 5 × 10ᵏ, then the others, each
// where it lies at least a sixteenth of the axis from every label already
// placed (measured on the axis's scale: LogValueTicks for a log axis).
func ValueTicks(values []float64) plot.Ticker { return valueTicks{values, false} }

// LogValueTicks is ValueTicks for a logarithmic axis (positive values).
func LogValueTicks(values []float64) plot.Ticker { return valueTicks{values, true} }

type valueTicks struct {
	values []float64
	log    bool
}

// minLabelGap is the least distance between two labelled ticks, as a
// fraction of the axis: about five characters of tick label on a 6 in axis.
const minLabelGap = 1.0 / 16

func (vt valueTicks) Ticks(lo, hi float64) []plot.Tick {
	v := slices.Compact(slices.Sorted(slices.Values(vt.values)))
	labels := ValueLabels(v, lo, hi, vt.log)
	ticks := make([]plot.Tick, len(v))
	for i, x := range v {
		ticks[i] = plot.Tick{Value: x, Label: labels[i]}
	}
	return ticks
}

// ValueLabels are ValueTicks' labels of the sorted, distinct values on an
// axis from lo to hi (logarithmic when log): each value's shortest decimal,
// or "" where it would crowd a label already placed (the ends first, then
// 1, 2 or 5 × 10ᵏ, then the rest). The interactive σ axes use it too.
func ValueLabels(v []float64, lo, hi float64, log bool) []string {
	pos := func(x float64) float64 {
		a, b := lo, hi
		if log {
			x, a, b = math.Log(x), math.Log(a), math.Log(b)
		}
		if b <= a {
			return 0
		}
		return (x - a) / (b - a)
	}
	labels := make([]string, len(v))
	var at []float64
	place := func(i int) {
		if labels[i] != "" {
			return
		}
		for _, q := range at {
			if math.Abs(pos(v[i])-q) < minLabelGap {
				return
			}
		}
		labels[i] = strconv.FormatFloat(v[i], 'g', -1, 64)
		at = append(at, pos(v[i]))
	}
	if len(v) > 0 {
		place(0)
		place(len(v) - 1)
	}
	for _, round := range []bool{true, false} {
		for i, x := range v {
			if isRound(x) == round {
				place(i)
			}
		}
	}
	return labels
}

// isRound reports whether x is 1, 2 or 5 × 10ᵏ (or 0).
func isRound(x float64) bool {
	if x == 0 {
		return true
	}
	m := math.Abs(x) / math.Pow(10, math.Floor(math.Log10(math.Abs(x))))
	for _, r := range []float64{1, 2, 5, 10} {
		if math.Abs(m-r) < 1e-9 {
			return true
		}
	}
	return false
}

// FormatP writes a p-value as a statement a reader can take at face value:
// "p < 0.001" below 0.001 (a computed p of 0 is a bound, never exact),
// otherwise "p = " with two significant digits ("p = 0.032", "p = 0.5").
func FormatP(p float64) string {
	switch {
	case math.IsNaN(p):
		return "p = n/a"
	case p < 0.001:
		return "p < 0.001"
	case p >= 0.995:
		return "p = 1"
	}
	return "p = " + strconv.FormatFloat(p, 'g', 2, 64)
}

// KeyEntry is one entry of a colour key: a colour and what it means.
type KeyEntry struct {
	Name  string
	Color color.Color
}

// swatch is a legend thumbnail: a filled square of one colour.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	side := min(c.Max.X-c.Min.X, c.Max.Y-c.Min.Y)
	x0 := c.Min.X + (c.Max.X-c.Min.X-side)/2
	y0 := c.Min.Y + (c.Max.Y-c.Min.Y-side)/2
	c.FillPolygon(s.c, []vg.Point{{X: x0, Y: y0}, {X: x0 + side, Y: y0}, {X: x0 + side, Y: y0 + side}, {X: x0, Y: y0 + side}})
}

// checkKey reports an entry without a name or colour.
func checkKey(fn string, key []KeyEntry) error {
	for i, k := range key {
		if k.Name == "" || k.Color == nil {
			return fmt.Errorf("plots: %s: key entry %d has no name or no colour", fn, i)
		}
	}
	return nil
}
