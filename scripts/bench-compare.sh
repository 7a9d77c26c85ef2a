#!/usr/bin/env bash
# bench-compare.sh runs `pelab bench` and the PyTorch references
# (bench/torch_bench.py) in one invocation, on this machine, and prints
# them side by side with pelab's speed-up over each.
#
# Usage: scripts/bench-compare.sh [OUTDIR]      (default: out/bench)
#
# Environment (all optional):
#   PELAB      the pelab binary (default bin/pelab, built by `make build`)
#   BACKEND    pelab's backend (default: automatic; e.g. onnx:cpu, go, xla:…)
#   MS         pelab's M values (default 1,8,32)
#   TORCH_MS   the vmap/compile M values (default 1,8)
#   STEPS      timed steps per row (default 3; CPU steps take seconds)
#   K          steps per call (default 1)
#   MATMUL     f32 or bf16 (default f32)
#   MODEL      lst, netsim or fmri (default lst; the references are LST only)
#   PYTHON     the Python with torch (default /usr/bin/python3, Debian's python3-torch)
#   TORCH_ARGS extra arguments to torch_bench.py (e.g. --sdpa, --device cuda)
# Each part runs on its own: a failure is reported and the rest goes on.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${1:-out/bench}"
mkdir -p "$out"
PELAB="${PELAB:-bin/pelab}"
PYTHON="${PYTHON:-/usr/bin/python3}"
MS="${MS:-1,8,32}"
TORCH_MS="${TORCH_MS:-1,8}"
STEPS="${STEPS:-3}"
K="${K:-1}"
MATMUL="${MATMUL:-f32}"
MODEL="${MODEL:-lst}"

run() { echo "+ $*" >&2; "$@"; }
status=0
csvs=()

if [[ -x "$PELAB" ]]; then
	args=(bench -m "$MS" -steps "$STEPS" -k "$K" -matmul "$MATMUL" -model "$MODEL" -csv "$out/pelab.csv")
	[[ -n "${BACKEND:-}" ]] && args+=(-backend "$BACKEND")
	if run "$PELAB" "${args[@]}"; then csvs+=("$out/pelab.csv"); else echo "bench-compare: pelab bench failed" >&2; status=1; fi
else
	echo "bench-compare: $PELAB not found: run \`make build\` first" >&2
	status=1
fi

if [[ "$MODEL" != lst ]]; then
	echo "bench-compare: the PyTorch references exist for the LST model only" >&2
elif "$PYTHON" -c 'import torch' 2>/dev/null; then
	# shellcheck disable=SC2086 # TORCH_ARGS is a list of words
	if run "$PYTHON" bench/torch_bench.py --m "$TORCH_MS" --steps "$STEPS" --dtype "$MATMUL" ${TORCH_ARGS:-} --csv "$out/torch.csv"; then
		csvs+=("$out/torch.csv")
	else
		echo "bench-compare: torch_bench.py failed" >&2
		status=1
	fi
else
	echo "bench-compare: $PYTHON has no torch (Debian: apt-get install python3-torch)" >&2
	status=1
fi

if ((${#csvs[@]} > 0)); then
	echo
	run python3 bench/compare.py "${csvs[@]}" | tee "$out/compare.txt"
fi
exit $status
