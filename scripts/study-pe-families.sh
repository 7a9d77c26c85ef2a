#!/usr/bin/env bash
# study-pe-families.sh runs (or resumes) issue 23's comparison of PE families:
# the learned table beside the coordinate-function PEs — coordlin (a linear
# map of the coordinates), coordmlp (an MLP of them) and dpb (an MLP of
# coordinate differences giving each head's attention bias) — each at
# σ 0.1 / 0.5 / 2 (the output layer's Normal(0, σ²) init), with the oracle
# sinusoid of the true coordinates and no PE, 3 seeds, on Experiment 2's quick
# protocol (2D and 3D grids of 64 nodes, 50 epochs).
#
# Usage: scripts/study-pe-families.sh [PELAB_BINARY] [OUT_ROOT]
#
# Records go to OUT_ROOT/netsim-families-2d-cpu and OUT_ROOT/netsim-families-3d-cpu
# (resumable: a second run skips what is done). Niced, so that it yields to
# interactive work.
set -euo pipefail
# One CPU for the study, the other for whoever works beside it: ONNX Runtime
# gets one intra-op thread (pelab's default is one per CPU).
export ORT_INTRA_OP_NUM_THREADS="${ORT_INTRA_OP_NUM_THREADS:-1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/bin/pelab}"
out="${2:-$root/out}"
pes=learn-0.1,learn-0.5,learn-2,coordlin-0.1,coordlin-0.5,coordlin-2,coordmlp-0.1,coordmlp-0.5,coordmlp-2,dpb-0.1,dpb-0.5,dpb-2,sinnd,none
cd "$root"
for layout in 2d 3d; do
	nice -n 10 "$bin" netsim -protocol quick -layout "$layout" -pe "$pes" -seeds 3 -out "$out/netsim-families-$layout-cpu"
done
