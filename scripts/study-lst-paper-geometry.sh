#!/usr/bin/env bash
# study-lst-paper-geometry.sh starts, or resumes, the paper-width LST geometry
# study (issue 22): the paper's protocol (d 160, 4 post-LN blocks, PE at every
# block, Adam 1e-4, batch 128) for 100 epochs, σ 0.1 / 0.5 / 2 and 2d-fixed × the
# first 3 reference seeds (2235, 6312, 6068) and no PE × the first seed, geometry per block and a
# PE snapshot every 10 epochs, attention maps and the PE interventions at the
# end, each epoch's last batch of 36 puzzles kept as the reference code does
# (-last-batch keep: 64 steps per epoch). 13 models, about 6 hours of one
# core on the project's 2-core machine (≈ 0.24 s per model-step at M = 9),
# niced so that it yields to interactive work; it runs only while a session
# does (a session's processes end with it), so it resumes in the next.
#
# Usage: scripts/study-lst-paper-geometry.sh [PELAB_BINARY] [OUT]
#
# It resumes from the checkpoints in OUT; a resumed run must use a binary whose
# cell IDs match the records' (the study was started with bin/pelab built with
# -tags onnx at commit 18f54e6, kept as /root/pelab-studies/pelab-18f54e6; to rebuild
# it: git worktree add /tmp/18f54e6 18f54e6; cd /tmp/18f54e6; go build -tags onnx -o
# pelab-18f54e6 ./cmd/pelab). When it
# ends: `PELAB_BINARY report OUT`, then copy OUT (without checkpoints/ and
# claims/) to results/lst-paper-geometry-cpu.
set -euo pipefail
# One CPU for the study, the other for whoever works beside it: ONNX Runtime
# gets one intra-op thread (pelab's default is one per CPU).
export ORT_INTRA_OP_NUM_THREADS="${ORT_INTRA_OP_NUM_THREADS:-1}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-/root/pelab-studies/pelab-18f54e6}"
out="${2:-/root/pelab-studies/lst-paper-geometry-cpu}"
data="${PELAB_LST_DATA:-$root/../shared/data/lst}"
cd "$root"
nice -n 10 "$bin" lst -protocol paper -epochs 100 -eval-every 10 \
	-pe learn-0.1,learn-0.5,learn-2,2d-fixed -seeds 3 -last-batch keep -data "$data" -out "$out"
exec nice -n 10 "$bin" lst -protocol paper -epochs 100 -eval-every 10 \
	-pe none -seeds 1 -last-batch keep -data "$data" -out "$out"
