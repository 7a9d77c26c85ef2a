#!/usr/bin/env bash
# bench-compare.sh runs `pelab bench`, the PyTorch references
# (bench/torch_bench.py) and this machine's float32 matrix-product rate
# (bench/matmul_rate.py) in one invocation, and prints them side by side:
# ms per model-step, GFLOP/s, the fraction of the matrix-product rate, and
# pelab's speed-up over each peer.
#
# Fair by construction: the peers (PyTorch, numpy) run with the BLAS
# override variables unset for their command alone (PEER_ENV below), so
# that OpenBLAS picks its native kernel for this CPU, as a user's PyTorch
# does; the script prints the BLAS, kernel and thread count every side ran
# with. (This machine's environment sets OPENBLAS_CORETYPE=Haswell, which
# puts OpenBLAS on its AVX2 kernel on an AVX-512 CPU.)
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
#   MODEL      lst, netsim, fmri or tokens (default lst; tokens: the masked
#              model with TOKENS tokens, pelab's `-model fmri -tokens N`)
#   TOKENS     tokens of the masked model (netsim, fmri: overrides; tokens: required)
#   BATCH      batch per model (default 128)
#   PYTHON     the Python with torch (default /usr/bin/python3, Debian's python3-torch)
#   TORCH_ARGS extra arguments to torch_bench.py (e.g. --sdpa, --device cuda)
#   PEER_ENV   the command prefix of the peers (default: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
#   FLOOR      0: skip the matrix-product rate (default 1)
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
TOKENS="${TOKENS:-0}"
BATCH="${BATCH:-128}"
FLOOR="${FLOOR:-1}"
# shellcheck disable=SC2206 # PEER_ENV is a list of words
peer=(${PEER_ENV:-env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE})

run() { echo "+ $*" >&2; "$@"; }
status=0
csvs=()

echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD -- 2>/dev/null || echo ' (+ uncommitted changes)'); date: $(date -u +%FT%TZ)"
echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU flags: $(grep -o -w 'avx2\|avx512f\|avx512_bf16\|avx512_vnni\|amx_bf16\|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "environment: OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-(unset)} OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE-(unset)} OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS-(unset)} OMP_NUM_THREADS=${OMP_NUM_THREADS-(unset)}"
echo "peers run as: ${peer[*]} …"
# pelab's ONNX Runtime sessions get $ORT_INTRA_OP_NUM_THREADS intra-op
# threads, which xla.Choose sets to one per CPU unless it is set (ONNX
# Runtime's own default left one of this machine's two CPUs idle); its float32
# products are MLAS SGEMM, whose kernel MLAS picks from CPUID at load time.
echo "pelab: ONNX Runtime intra-op threads = ${ORT_INTRA_OP_NUM_THREADS:-$(nproc) (one per CPU, set by pelab)}; products: MLAS SGEMM, kernel chosen from CPUID (AVX-512F present: $(grep -q -w avx512f /proc/cpuinfo && echo yes || echo no))"
echo

pelab_model="$MODEL"
pelab_extra=()
case "$MODEL" in
tokens)
	pelab_model=fmri
	((TOKENS > 0)) || { echo "bench-compare: MODEL=tokens needs TOKENS=N" >&2; exit 2; }
	;;
esac
((TOKENS > 0)) && pelab_extra+=(-tokens "$TOKENS")
torch_extra=(--model "$MODEL")
((TOKENS > 0)) && torch_extra+=(--tokens "$TOKENS")

have_torch=0
"$PYTHON" -c 'import torch' 2>/dev/null && have_torch=1

floor=()
if [[ "$FLOOR" != 0 ]]; then
	if ((have_torch)); then
		echo "== float32 matrix-product rate (peer environment)"
		mm_extra=(--model "$MODEL" --batch "$BATCH")
		((TOKENS > 0)) && mm_extra+=(--tokens "$TOKENS")
		if run "${peer[@]}" "$PYTHON" bench/matmul_rate.py "${mm_extra[@]}" --csv "$out/matmul.csv"; then
			floor=(--floor "$out/matmul.csv")
		else
			echo "bench-compare: matmul_rate.py failed" >&2
			status=1
		fi
		echo "== for the record: 1024³ through torch in this shell's environment as it is (not the peers')"
		run "$PYTHON" bench/matmul_rate.py --model none --libs torch --repeats 2 --csv "$out/matmul-env.csv" | grep -v '^lib'
		echo
	else
		echo "bench-compare: $PYTHON has no torch: no matrix-product rate" >&2
	fi
fi

if [[ -x "$PELAB" ]]; then
	echo "== pelab"
	args=(bench -m "$MS" -steps "$STEPS" -k "$K" -matmul "$MATMUL" -model "$pelab_model" -batch "$BATCH" "${pelab_extra[@]}" -csv "$out/pelab.csv")
	[[ -n "${BACKEND:-}" ]] && args+=(-backend "$BACKEND")
	if run "$PELAB" "${args[@]}"; then csvs+=("$out/pelab.csv"); else echo "bench-compare: pelab bench failed" >&2; status=1; fi
	echo
else
	echo "bench-compare: $PELAB not found: run \`make build\` first" >&2
	status=1
fi

if ((have_torch)); then
	echo "== PyTorch"
	# shellcheck disable=SC2086 # TORCH_ARGS is a list of words
	if run "${peer[@]}" "$PYTHON" bench/torch_bench.py "${torch_extra[@]}" --m "$TORCH_MS" --steps "$STEPS" --batch "$BATCH" --dtype "$MATMUL" ${TORCH_ARGS:-} --csv "$out/torch.csv"; then
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
	run python3 bench/compare.py "${floor[@]}" "${csvs[@]}" | tee "$out/compare.txt"
fi
exit $status
