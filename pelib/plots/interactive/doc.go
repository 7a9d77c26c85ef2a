// Package interactive draws pelab's views for exploring results in a
// notebook — hover, zoom, pan, legend toggles, rotatable 3D — with
// plotly.js: PE layouts (PELayout, PELayoutOf, Scatter, Brain), similarity
// and FC matrices (Heatmap, RSM, RSMOf) and metrics against σ with every
// seed (MetricVsSigma). The static figures of package plots stay the ones
// for reports.
//
// A view is a Figure: typed Go structs marshalled to Plotly's JSON figure
// format (Figure.JSON); only the few trace types pelab needs (scatter,
// scatter3d, heatmap) are written out. Inputs are pelab's own: matrices
// with rows = tokens, PE tables [L, S, D] with their shape as
// sweep.ReadArtifact returns them, results.Records, and Labels — token
// names and groups, from GridLabels (coordinates) or fmri's
// Partition.Labels (regions and networks).
//
// Conditions look as they do in the static figures: each in its one
// style (plots.ConditionStyle: a learned σ its colour on the σ ramp, the
// oracle sinusoid dashed black, none red, random orange, …), and bounded
// metrics stay within their bounds (results.MetricBounds, BoundedSD).
//
// Display shows a view in a GoNB cell (Show: in one line, panicking on an
// error). It works offline: the first view of a kernel inlines plotly.js
// (the bundle `make setup` installs into .tools/plotly/, found through
// $PELAB_PLOTLY_JS or above $GONB_DIR, the working directory or this
// package's source; BundlePath), and later views reuse window.Plotly.
// WriteHTML writes views to one self-contained HTML file. Titles are
// Plotly pseudo-HTML (<br> breaks a line); names are escaped.
//
// See docs/interactive.md for each view's one-line call in a notebook.
package interactive
