#!/usr/bin/env bash
# gpu-bench.sh builds, on this machine (Go, cgo, no GPU needed), what the GPU
# bench runs on a lent GPU machine (which has no Go):
#
#   bin/pelab-gpu        pelab with the XLA backend compiled in (cgo, no onnx tag)
#   bin/train-gpu.test   pelib/train's tests, to check on XLA that K steps per
#                        call (the in-graph loop) equal one step per call
#
# and prints the one command that runs everything there: scripts/device-run.sh
# (pelab bench at M = 1, 64, 512 with 1 and 16 steps per call, f32 and bf16;
# the PyTorch references with that machine's torch; a side-by-side table).
#
# Usage: scripts/gpu-bench.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p bin
run() { echo "+ $*" >&2; "$@"; }

# -trimpath and -s -w keep the binaries small: bin/ travels to the device
# machine (64 MiB in all).
export CGO_ENABLED=1
run go build -trimpath -ldflags='-s -w' -o bin/pelab-gpu ./cmd/pelab
run go test -c -trimpath -ldflags='-s -w' -o bin/train-gpu.test ./pelib/train
ls -l bin/pelab-gpu bin/train-gpu.test
total=$(du -cb bin/pelab-gpu bin/train-gpu.test | tail -1 | cut -f1)
if ((total > 60 * 1024 * 1024)); then
	echo "gpu-bench: warning: the binaries total $((total / 1024 / 1024)) MiB; the device tool carries at most 64 MiB" >&2
fi
cat <<'MSG'

Built. On the GPU machine, from the repository root with bin/ carried, run:

    scripts/device-run.sh

(with the device tool: run(command="scripts/device-run.sh",
 carry=["bin/pelab-gpu", "bin/train-gpu.test"], timeout_s=540); carry only
 these two: all of bin/ exceeds the 64 MiB the tool carries).
It writes its log, CSVs and the side-by-side table under $OUT and finishes in
about 6–8 minutes, XLA compiles included.
MSG
