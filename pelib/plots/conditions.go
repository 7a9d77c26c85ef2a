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
// (SigmaColour) spans: every σ trained by pelab's experiments (0.01 to 3);
// σ outside it take the ramp's end colours.
const SigmaMin, SigmaMax = 0.01, 3.0

// LearnedStyle is the style of a curve that runs over the learned PEs of
// many σ (a metric against σ): solid dark green-grey, the colour of no
// single σ.
func LearnedStyle() Style { return Style{Colour: color.RGBA{0x1b, 0x4d, 0x3e, 0xff}, Dash: "solid"} }

// controlStyles are the fixed styles of the conditions that are not a
// learned σ, by canonical name and alias. The ground-truth sinusoids (the
// oracle of each experiment) are black and dashed; no colour here is
// close to one on the σ ramp (purple, blue, cyan, green, lime, ochre,
// brown: TestConditionStyle measures the distances).
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
	"uniform":        {color.RGBA{0xbb, 0xbb, 0x88, 0xff}, "dot"},
	// The PE families, as curves over σ (a metric against σ per family):
	// the learned table is "learned"; the coordinate functions each have
	// their colour and their dash, the dash their σ conditions also carry.
	"coordlin": {color.RGBA{0x00, 0x55, 0x66, 0xff}, "dash"},
	"coordmlp": {color.RGBA{0xaa, 0x44, 0x99, 0xff}, "longdash"},
	"dpb":      {color.RGBA{0x99, 0x66, 0x66, 0xff}, "dashdot"},
}

// familyDash is the dash of a coordinate-function family's σ conditions
// ("coordlin-<σ>" …): the family's own dash in the colour of σ.
var familyDash = map[string]string{"coordlin": "dash", "coordmlp": "longdash", "dpb": "dashdot"}

// unknownStyle is the style of a condition pelab does not name: grey.
var unknownStyle = Style{Colour: color.RGBA{0x99, 0x99, 0x99, 0xff}, Dash: "dashdot"}

// ConditionStyle returns the one style of a condition, by its canonical
// name (sweep.Vocabulary.Canonical) or an alias: a learned PE "learn-<σ>"
// takes the colour of σ on a ramp over log σ from SigmaMin to SigmaMax
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

// sigmaStops are the σ ramp's colours at the σ values the experiments
// train most (every σ of netsim's and fmri's sweeps, LST's ends): between
// two stops the colour is interpolated over log σ. Neighbouring stops
// differ by at least 28 in CIE L*a*b* (ΔE76) and σ 0.1, 0.5 and 2 by more
// than 60: a viridis ramp put 0.1–0.5 in one teal and 1–2 in one green.
// The ramp runs purple, blue, cyan, green, lime, ochre to brown, away
// from the controls' red, orange, magenta and black.
var sigmaStops = []struct {
	sigma  float64
	colour color.RGBA
}{
	{0.01, color.RGBA{0x3b, 0x0f, 0x70, 0xff}},
	{0.05, color.RGBA{0x8a, 0x3f, 0xc4, 0xff}},
	{0.1, color.RGBA{0x24, 0x53, 0xc7, 0xff}},
	{0.2, color.RGBA{0x0a, 0x8f, 0xd0, 0xff}},
	{0.3, color.RGBA{0x00, 0xa8, 0xa0, 0xff}},
	{0.5, color.RGBA{0x2a, 0x9d, 0x3c, 0xff}},
	{1, color.RGBA{0x8f, 0xb8, 0x00, 0xff}},
	{1.5, color.RGBA{0xd6, 0xb0, 0x00, 0xff}},
	{2, color.RGBA{0xa8, 0x74, 0x00, 0xff}},
	{3, color.RGBA{0x5e, 0x3c, 0x00, 0xff}},
}

// SigmaColour is the colour of a learned PE initialised with σ: the stop
// colour at the σ values of sigmaStops (0.01 deep purple, 0.1 blue, 0.5
// green, 1 lime, 2 ochre, 3 brown), interpolated over log σ between
// them, clamped at SigmaMin and SigmaMax.
func SigmaColour(sigma float64) color.RGBA {
	if math.IsNaN(sigma) || sigma <= sigmaStops[0].sigma {
		return sigmaStops[0].colour
	}
	last := sigmaStops[len(sigmaStops)-1]
	if sigma >= last.sigma {
		return last.colour
	}
	i := 1
	for sigmaStops[i].sigma < sigma {
		i++
	}
	a, b := sigmaStops[i-1], sigmaStops[i]
	f := (math.Log(sigma) - math.Log(a.sigma)) / (math.Log(b.sigma) - math.Log(a.sigma))
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return color.RGBA{mix(a.colour.R, b.colour.R), mix(a.colour.G, b.colour.G), mix(a.colour.B, b.colour.B), 0xff}
}
