#!/usr/bin/env bash
# browser-check.sh checks notebooks in a real browser: it installs Chromium
# (Debian package, through scripts/setup.sh with PELAB_BROWSER=1), starts
# `make notebook` (the classic Jupyter Notebook server with the GoNB kernel)
# on a free port with a random token, opens each notebook in headless
# Chromium, runs all cells (Cell > Run All), and fails when a cell does not
# run, shows an error, prints a panic or traceback, shows a broken or blank
# (one-colour) image, has an interactive view (pelib/plots/interactive) that
# plotly.js did not draw — a 3D view whose WebGL plot was not created (its
# fallback text instead; WebGL runs in software, SwiftShader), a 2D view
# with no point, line or heatmap drawn, a view whose legend covers its axis
# labels — or shows no image although its code displays one (nb.Show,
# interactive.Show, gonbui's image displays; a drawn view counts). Screenshots
# (<name>-NN.png, the page top to bottom), the executed notebooks and
# summary.txt go to $OUT/browser (OUT defaults to out). The server and its
# kernels are shut down also on failure; the notebook files are never written.
#
# Usage: scripts/browser-check.sh NOTEBOOK.ipynb...
#
# Notebooks run in quick mode (PELAB_QUICK=1 unless set); PELAB_BACKEND
# passes through. BROWSER_TIMEOUT bounds each notebook (default 15m).
# The driver is Go (internal/nbbrowser, chromedp over the DevTools protocol).
set -euo pipefail

if (($# < 1)); then
	echo "usage: $0 NOTEBOOK.ipynb..." >&2
	exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PELAB_BROWSER=1 "$root/scripts/setup.sh"

out="${OUT:-out}/browser"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
(cd "$root" && go build -o "$bin/browser-check" ./internal/nbbrowser/cmd/browser-check)
PELAB_QUICK="${PELAB_QUICK:-1}" "$bin/browser-check" -root "$root" -out "$out" -timeout "${BROWSER_TIMEOUT:-15m}" "$@"
