package plots

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"
)

// Style is how every figure of pelab draws one condition (a PE): its
// colour and its line's dash pattern, the same in every static figure
// (this package) and every interactive view (package interactive).
type Style struct {
	Colour color.RGBA
	// Dash is the line's dash pattern by name, as Plotly names it:
	// "solid", "dash", "dot", "dashdot" or "longdash".
	Dash string
}

// Dashes returns the style's dash pattern for gonum/plot (nil: solid).
func (s Style) Dashes() []vg.Length {
	p := func(v ...float64) []vg.Length {
		out := make([]vg.Length, len(v))
		for i, x := range v {
			out[i] = vg.Points(x)
		}
		return out
	}
	switch s.Dash {
	case "dash":
		return p(5, 3)
	case "dot":
		return p(1.5, 2.5)
	case "dashdot":
		return p(6, 2.5, 1.5, 2.5)
	case "longdash":
		return p(10, 4)
	}
	return nil
}

// SigmaMin and SigmaMax are the range of σ that the σ colour ramp
// (SigmaColour) spans: every σ trained by pelab's experiments; σ outside
// it take the ramp's end colours.
const SigmaMin, SigmaMax = 0.01, 2.0

// LearnedStyle is the style of a curve that runs over the learned PEs of
// many σ (a metric against σ): solid indigo, the colour of no single σ.
func LearnedStyle() Style { return Style{Colour: color.RGBA{0x33, 0x22, 0x88, 0xff}, Dash: "solid"} }

// controlStyles are the fixed styles of the conditions that are not a
// learned σ, by canonical name and alias. The ground-truth sinusoids (the
// oracle of each experiment) are black and dashed; no colour here occurs
// on the σ ramp (viridis: purple, blue, green, yellow).
var controlStyles = map[string]Style{
	"learned":  LearnedStyle(),
	"2d-fixed": {color.RGBA{0x00, 0x00, 0x00, 0xff}, "dash"},
	"sinnd":    {color.RGBA{0x00, 0x00, 0x00, 0xff}, "dash"},
	"nd-fixed": {color.RGBA{0x00, 0x00, 0x00, 0xff}, "dash"},
	"sin3d":    {color.RGBA{0x00, 0x00, 0x00, 0xff}, "dash"},
	"sin2d":    {color.RGBA{0x00, 0x00, 0x00, 0xff}, "dash"},
	"1d-fixed": {color.RGBA{0x77, 0x77, 0x77, 0xff}, "dash"},
	"sin1d":    {color.RGBA{0x77, 0x77, 0x77, 0xff}, "dash"},
	"none":     {color.RGBA{0xcc, 0x33, 0x11, 0xff}, "dashdot"},
	"random":   {color.RGBA{0xee, 0x77, 0x33, 0xff}, "dot"},
	"rope1d":   {color.RGBA{0xee, 0x33, 0x77, 0xff}, "longdash"},
	"rope2d":   {color.RGBA{0xee, 0x33, 0x77, 0xff}, "longdash"},
	"ropend":   {color.RGBA{0xee, 0x33, 0x77, 0xff}, "longdash"},
	"rope3d":   {color.RGBA{0xee, 0x33, 0x77, 0xff}, "longdash"},
	"relative": {color.RGBA{0x88, 0x22, 0x55, 0xff}, "longdash"},
	"shaw":     {color.RGBA{0x88, 0x22, 0x55, 0xff}, "longdash"},
	// relative-bidir is shaw's LST spelling; t5 another relative bias.
	"relative-bidir": {color.RGBA{0xcc, 0x66, 0x77, 0xff}, "longdash"},
	"t5":             {color.RGBA{0x99, 0x44, 0x00, 0xff}, "longdash"},
	"alibi":          {color.RGBA{0x66, 0x66, 0x33, 0xff}, "dashdot"},
	"alibi2d":        {color.RGBA{0x66, 0x66, 0x33, 0xff}, "dashdot"},
	"uniform":        {color.RGBA{0x99, 0x77, 0x00, 0xff}, "dot"},
	// The PE families, as curves over σ (a metric against σ per family):
	// the learned table is "learned"; the coordinate functions each have
	// their colour and their dash, the dash their σ conditions also carry.
	"coordlin": {color.RGBA{0x00, 0x99, 0xdd, 0xff}, "dash"},
	"coordmlp": {color.RGBA{0xaa, 0x44, 0x99, 0xff}, "longdash"},
	"dpb":      {color.RGBA{0x77, 0x44, 0x11, 0xff}, "dashdot"},
}

// familyDash is the dash of a coordinate-function family's σ conditions
// ("coordlin-<σ>" …): the family's own dash in the colour of σ.
var familyDash = map[string]string{"coordlin": "dash", "coordmlp": "longdash", "dpb": "dashdot"}

// unknownStyle is the style of a condition pelab does not name: grey.
var unknownStyle = Style{Colour: color.RGBA{0x99, 0x99, 0x99, 0xff}, Dash: "dashdot"}

// ConditionStyle returns the one style of a condition, by its canonical
// name (sweep.Vocabulary.Canonical) or an alias: a learned PE "learn-<σ>"
// takes the colour of σ on a viridis ramp over log σ from SigmaMin to SigmaMax
// (SigmaColour), solid, and "learn-<σ>-wd" the same colour dotted; the
// controls have fixed colours off that ramp (oracle sinusoids black and
// dashed, none red, random orange, RoPE magenta, relative wine);
// "learned" (a curve over many σ) is LearnedStyle; a coordinate-function
// PE "coordlin-<σ>", "coordmlp-<σ>" or "dpb-<σ>" the colour of σ with its
// family's dash (dash, long dash, dash-dot), and the family itself as a
// curve over σ ("coordlin", …) a fixed colour with that dash; any other
// name is grey.
func ConditionStyle(name string) Style {
	if s, ok := controlStyles[name]; ok {
		return s
	}
	base, wd := strings.CutSuffix(name, "-wd")
	if rest, ok := strings.CutPrefix(base, "learn-"); ok {
		if sigma, err := strconv.ParseFloat(rest, 64); err == nil && sigma > 0 && !math.IsInf(sigma, 0) {
			s := Style{Colour: SigmaColour(sigma), Dash: "solid"}
			if wd {
				s.Dash = "dot"
			}
			return s
		}
	}
	if fam, rest, ok := strings.Cut(name, "-"); ok && familyDash[fam] != "" {
		if sigma, err := strconv.ParseFloat(rest, 64); err == nil && sigma > 0 && !math.IsInf(sigma, 0) {
			return Style{Colour: SigmaColour(sigma), Dash: familyDash[fam]}
		}
	}
	return unknownStyle
}

// viridis holds stops of the viridis colour map from 0 to 0.9 (its
// lightest yellow left out: it would vanish on white).
var viridis = []color.RGBA{
	{0x44, 0x01, 0x54, 0xff}, {0x48, 0x28, 0x78, 0xff}, {0x3e, 0x4a, 0x89, 0xff},
	{0x31, 0x68, 0x8e, 0xff}, {0x26, 0x82, 0x8e, 0xff}, {0x1f, 0x9e, 0x89, 0xff},
	{0x35, 0xb7, 0x79, 0xff}, {0x6d, 0xcd, 0x59, 0xff}, {0xb4, 0xde, 0x2c, 0xff},
}

// SigmaColour is the colour of a learned PE initialised with σ: viridis
// over log σ from SigmaMin (dark purple) to SigmaMax (yellow-green),
// clamped at the ends.
func SigmaColour(sigma float64) color.RGBA {
	lo, hi := math.Log(SigmaMin), math.Log(SigmaMax)
	t := (math.Log(sigma) - lo) / (hi - lo)
	if math.IsNaN(t) {
		t = 0
	}
	t = min(max(t, 0), 1) * float64(len(viridis)-1)
	i := min(int(t), len(viridis)-2)
	f := t - float64(i)
	a, b := viridis[i], viridis[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}
