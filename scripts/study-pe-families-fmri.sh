#!/usr/bin/env bash
# study-pe-families-fmri.sh runs (or resumes) issue 23's comparison of PE
# families on Experiment 3 (HCP resting-state fMRI, 360 Glasser regions): the
# learned table, coordlin, coordmlp and dpb at σ 0.1 / 0.5 / 2 (their output
# layer's Normal(0, σ²) init), the 3D sinusoid of the regions' MNI centroids
# (sin3d) and no PE, 3 seeds, on the subjects of results/fmri-controls-cpu
# (10 for training, all their windows; 10 others held out), the quick
# protocol's model, 10 epochs (the geometry is in place by epoch 10 in
# results/fmri-interventions-cpu), evaluated every 5.
#
# Usage: scripts/study-pe-families-fmri.sh [PELAB_BINARY] [OUT_ROOT]
#
# Records go to OUT_ROOT/fmri-families-cpu (resumable). Niced.
set -euo pipefail
# One CPU for the study, the other for whoever works beside it: ONNX Runtime
# gets one intra-op thread (pelab's default is one per CPU).
export ORT_INTRA_OP_NUM_THREADS="${ORT_INTRA_OP_NUM_THREADS:-1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/bin/pelab}"
out="${2:-$root/out}"
pes=learn-0.1,learn-0.5,learn-2,coordlin-0.1,coordlin-0.5,coordlin-2,coordmlp-0.1,coordmlp-0.5,coordmlp-2,dpb-0.1,dpb-0.5,dpb-2,sin3d,none
cd "$root"
exec nice -n 10 "$bin" fmri -protocol quick \
	-subjects 100206,100408,108020,108222,117930,118124,126325,126426,133928,134021 \
	-test-subjects 143224,144832,153934,164636,174437,183034,194443,204521,212823,268749 \
	-train-windows 0 -pe "$pes" -seeds 3 -epochs 10 -eval-every 5 -out "$out/fmri-families-cpu"
