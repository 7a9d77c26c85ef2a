#!/usr/bin/env bash
# device-run.sh runs pelab's GPU bench on a GPU machine: no Go there; the
# binaries come from scripts/gpu-bench.sh (bin/ carried), the CUDA PJRT
# plugin from the machine's JAX installation, PyTorch from its Python.
#
# Run from the repository root. Writes under $OUT (default out/device), at
# most 8 files:
#   log.txt             everything printed, with each command
#   pelab-k1.csv        pelab bench, f32, one step per call, M = 1, 64, 512
#   pelab-k16.csv       pelab bench, f32, 16 steps per call (in-graph loop), M = 512
#   lst-gpu.tgz         Experiment 1, paper protocol for 100 epochs, 4 σ × 5 seeds
#                       (needs devdata/lst carried: the reference CSVs)
#   pelab-bf16.csv      pelab bench, bf16 products, 16 steps per call, M = 512
#   torch.csv           PyTorch eager (one model per step) and vmap ensemble, M = 64, 512
#   torch-compile.csv   the vmap ensemble under torch.compile, M = 512
#   compare.txt         the side-by-side table with pelab's speed-ups
# Each part runs under its own time limit and within an overall budget
# (BUDGET seconds, default 540): one failure or overrun does not lose the
# others. XLA compiles take ~30–60 s per configuration, so the number of
# distinct (M, K, dtype) configurations is kept to six.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
OUT="${OUT:-out/device}"
mkdir -p "$OUT"
BUDGET="${BUDGET:-540}"
PY="${PYTHON:-python3}"
exec > >(tee -a "$OUT/log.txt") 2>&1

say() { printf '\n=== [%3ds] %s\n' "$SECONDS" "$*"; }
# part LIMIT CMD...: runs CMD under min(LIMIT, what is left of BUDGET).
part() {
	local limit=$1
	shift
	local left=$((BUDGET - SECONDS))
	if ((left < 20)); then
		echo "SKIPPED (budget spent): $*"
		return 1
	fi
	((limit > left)) && limit=$left
	echo "+ timeout $limit $*"
	timeout --signal=TERM --kill-after=10 "$limit" "$@"
	local rc=$?
	((rc != 0)) && echo "FAILED (exit $rc): $*"
	return $rc
}

say "environment"
for b in bin/pelab-gpu bin/train-gpu.test; do
	[[ -x "$b" ]] || echo "missing $b: run scripts/gpu-bench.sh on the build machine and carry bin/"
done
plugin=""
while IFS= read -r d; do
	for v in xla_cuda13 xla_cuda12; do
		if [[ -f "$d/jax_plugins/$v/xla_cuda_plugin.so" ]]; then
			plugin="$d/jax_plugins/$v/xla_cuda_plugin.so"
			break 2
		fi
	done
done < <("$PY" -c 'import site; print("\n".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null)
echo "CUDA PJRT plugin: ${plugin:-NOT FOUND (no jax_plugins/xla_cuda1x in $PY site-packages)}"
export GOMLX_NO_AUTO_INSTALL=1 GOPJRT_CUDA_CHECKS=0 XLA_FLAGS="${XLA_FLAGS:---xla_gpu_cuda_data_dir=/usr/local/cuda}"
if [[ -n "$plugin" ]]; then
	# No preallocation, so nvidia-smi's memory column shows what is used.
	export GOMLX_BACKEND="xla:$plugin,preallocate=false"
	export PELAB_BACKEND="$GOMLX_BACKEND"
fi
echo "GOMLX_BACKEND=${GOMLX_BACKEND:-} XLA_FLAGS=$XLA_FLAGS"
nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv 2>&1 | head -3
"$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0))' 2>&1 | tail -1
part 60 bin/pelab-gpu env
# Without the plugin pelab would fall back to its pure Go backend, far too
# slow for this budget: skip pelab's parts, keep PyTorch's.
pelab() {
	if [[ -z "$plugin" ]]; then
		echo "SKIPPED (no CUDA PJRT plugin): pelab $*"
		return 1
	fi
	part "$@"
}

say "pelab bench: f32, one step per call"
pelab 160 bin/pelab-gpu bench -m 1,64,512 -k 1 -steps 32 -label pelab -csv "$OUT/pelab-k1.csv"

# From here on the in-graph K-step loop is forced on (go-xla v0.4.1 runs
# While without listing it, so pelab does not use it on XLA by itself); the
# train tests below check that it gives the same training as K calls.
export PELAB_INGRAPH_LOOP=on

say "pelab bench: f32, 16 steps per call (in-graph loop)"
pelab 70 bin/pelab-gpu bench -m 512 -k 16 -steps 32 -label pelab -csv "$OUT/pelab-k16.csv"

say "PyTorch: eager (one model per step) and vmap ensemble"
part 90 "$PY" bench/torch_bench.py --device cuda --impl eager,vmap --m 64,512 --steps 20 --sdpa --csv "$OUT/torch.csv"

unset PELAB_INGRAPH_LOOP # the paper-protocol run below must not depend on the unverified loop
say "LST, paper protocol (d 160, 4 blocks, Adam 1e-4, batch 128) for 100 epochs: 4 learned σ × 5 seeds as one model-axis group"
if [[ -d devdata/lst ]]; then
	pelab 200 bin/pelab-gpu lst -protocol paper -epochs 100 -eval-every 50 -pe learn-0.1,learn-0.5,learn-1,learn-2 \
		-seeds 5 -k 16 -data devdata/lst -out /tmp/lst-gpu
	tar -C /tmp -czf "$OUT/lst-gpu.tgz" --exclude='*.ckpt' lst-gpu 2>/dev/null || true
else
	echo "SKIPPED: devdata/lst not carried (copy ../shared/data/lst/*.csv there)"
fi

export PELAB_INGRAPH_LOOP=on
say "check on XLA: K steps per call equal one step per call; bf16 toy accuracy"
pelab 60 bin/train-gpu.test -test.run 'StepsPerCall|LoopGraph|BF16' -test.v -test.count=1 2>&1 |
	grep -E '^(=== RUN|--- |PASS|FAIL|ok)|perf_test|panic|SKIPPED|FAILED|^\+ ' | head -60

say "pelab bench: bf16 products, 16 steps per call"
pelab 80 bin/pelab-gpu bench -m 512 -k 16 -steps 32 -matmul bf16 -label pelab -csv "$OUT/pelab-bf16.csv"

say "PyTorch: vmap ensemble under torch.compile"
part 120 "$PY" bench/torch_bench.py --device cuda --impl compile --m 512 --steps 20 --sdpa --csv "$OUT/torch-compile.csv"

say "side by side (H100, one run)"
csvs=()
for f in pelab-k1 pelab-k16 pelab-bf16 torch torch-compile; do
	[[ -s "$OUT/$f.csv" ]] && csvs+=("$OUT/$f.csv")
done
if ((${#csvs[@]} > 0)); then
	"$PY" bench/compare.py "${csvs[@]}" | tee "$OUT/compare.txt"
fi
say "done in ${SECONDS}s"
