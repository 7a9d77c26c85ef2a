#!/usr/bin/env bash
# ort-profile.sh profiles pelab's compiled training step in ONNX Runtime:
# it saves the step program with `pelab bench -save-program`, then runs it
# under ONNX Runtime's profiler (bench/ort_profile.js, Node.js binding) and
# prints the time per operator type and per operator and shapes.
#
# Usage: scripts/ort-profile.sh [M] [RUNS]      (default M=4, RUNS=5)
# Environment: PELAB (default bin/pelab, built with -tags onnx), MODEL (lst,
# netsim, fmri; default lst), OUT (default out/ort-profile).
# Needs node and npm (Debian: apt-get install nodejs npm). The binding comes
# from the npm registry (`npm pack onnxruntime-node@<version>` and
# onnxruntime-common, no install scripts run) into .tools/ort-node/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
M="${1:-4}"
RUNS="${2:-5}"
PELAB="${PELAB:-bin/pelab}"
MODEL="${MODEL:-lst}"
OUT="${OUT:-out/ort-profile}"
version="$(sed -n 's/^readonly ORT_VERSION=//p' scripts/setup.sh)"
version="${version:-1.30.0}"
for tool in node npm; do
	command -v "$tool" >/dev/null || { echo "ort-profile: $tool not found (apt-get install nodejs npm)" >&2; exit 1; }
done
[[ -x "$PELAB" ]] || { echo "ort-profile: $PELAB not found: run \`make build\` (with the ONNX Runtime library installed)" >&2; exit 1; }

mods=".tools/ort-node/$version/node_modules"
if [[ ! -f "$mods/onnxruntime-node/package.json" ]]; then
	tmp="$(mktemp -d)"
	trap 'rm -rf "$tmp"' EXIT
	for pkg in onnxruntime-node onnxruntime-common; do
		(cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
		mkdir -p "$mods/$pkg"
		tar xzf "$tmp/$pkg-$version.tgz" -C "$mods/$pkg" --strip-components=1
	done
fi

mkdir -p "$OUT"
"$PELAB" bench -backend onnx -model "$MODEL" -m "$M" -steps 1 -save-program "$OUT/$MODEL-m$M.onnx"
NODE_PATH="$root/$mods" node bench/ort_profile.js "$OUT/$MODEL-m$M.onnx" "$RUNS" | tee "$OUT/$MODEL-m$M.txt"
