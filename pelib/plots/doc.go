// Package plots draws the figures of pelab's interpretability analyses with
// gonum/plot: similarity heatmaps (optionally ordered by a network
// partition), 2D and 3D embeddings coloured by a label, line plots with
// error bands over seeds, and scatter plots with a fitted line and
// Spearman's ρ.
//
// Every constructor validates its input (shapes, NaN/Inf, empty data) and
// returns a *Figure or an error; nothing is drawn until the figure is
// rendered. A Figure renders to PNG or SVG bytes — for a notebook,
// gonbui.DisplayPNG(fig.PNG(0, 0)) — or is saved atomically to a .png, .svg
// or .pdf file chosen by extension. Rendering recovers from panics inside
// gonum/plot and reports them as errors.
//
// Every condition (PE) is drawn in one style in every figure of pelab,
// static or interactive (ConditionStyle): a learned PE "learn-<σ>" in the
// colour of σ on a purple–blue–green–ochre ramp over log σ (SigmaColour), the oracle
// sinusoids dashed black, none red, random orange, RoPE magenta, relative
// wine. A legend names every series (wrapping into columns when long);
// bands of bounded quantities stay within their bounds (SeriesOverSeeds,
// LinesOptions.Bounds), cut only with a mark.
//
// Conventions follow package analysis: matrices are gonum mat.Matrix values
// with rows = tokens; a partition is a []int with one network label per
// token. Heatmaps draw row 0 at the top, like a printed matrix. Signed data
// get a diverging blue–white–red colour map centred on zero; data of one
// sign a sequential map. Embeddings use equal units on every axis so that
// a recovered grid looks like a grid.
package plots
