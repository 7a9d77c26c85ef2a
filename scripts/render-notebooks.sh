#!/usr/bin/env bash
# render-notebooks.sh renders the notebooks for readers who do not run them:
# each notebook is executed in its default (full, not smoke) mode with a
# fresh output folder, and its executed copy becomes docs/notebooks/<name>.ipynb
# (scripts/render-notebooks: interactive views replaced by a still and a
# line on how to explore them, plotly.js dropped, the inputs' hash and the
# commit recorded in the notebook's metadata; TestRenderedNotebooksFresh in
# notebooks/ compares that hash with the sources).
#
# Usage: scripts/render-notebooks.sh [NOTEBOOK.ipynb...]   (default: all)
#
# RENDER_SKIP_EXEC=1 reuses the executed copies of an earlier run in
# $OUT/render/executed (to redo the post-processing only).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${OUT:-out}/render"
if (($# == 0)); then
	set -- notebooks/*.ipynb
fi
mkdir -p "$out/executed" docs/notebooks
if [[ "${RENDER_SKIP_EXEC:-}" != 1 ]]; then
	for nb in "$@"; do
		name="$(basename "$nb" .ipynb)"
		# A fresh results folder: the rendered copy shows one run of this
		# code, never records resumed from an older one.
		rm -rf "$out/stores/$name"
		start=$(date +%s)
		env -u PELAB_QUICK PELAB_NOTEBOOK_OUT="$root/$out/stores" scripts/nbexec.sh "$out/executed" "$nb"
		echo "$name $(($(date +%s) - start))" >>"$out/wall.txt"
		echo "render: $name executed in $(($(date +%s) - start)) s"
	done
fi
go run ./scripts/render-notebooks -executed "$out/executed" -docs docs/notebooks -wall "$out/wall.txt" "$@"
