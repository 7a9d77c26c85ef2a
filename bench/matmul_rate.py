#!/usr/bin/env python3
"""This machine's float32 matrix-product rate, and which BLAS gives it.

scripts/bench-compare.sh runs this in the same invocation as the speed
benchmarks, in the environment it runs the PyTorch peer in, so that pelab
and the peers can be read as a fraction of what the machine's matrix
products reach. It prints

  * the BLAS each library runs: torch.__config__.show()'s BLAS line, and
    for every OpenBLAS mapped into this process its build configuration
    and the kernel (core) it selected, through OpenBLAS's own
    openblas_get_config / openblas_get_corename / openblas_get_num_threads;
  * the threads: torch.get_num_threads() and OpenBLAS's thread count;
  * GFLOP/s of a 1024³ float32 product and of the model's own product
    shapes (forward and the two backward layouts of each), through torch
    and through numpy, each the best of --repeats timings of a loop of
    at least --min-seconds.

With --csv it writes one row per (library, shape): lib, shape, m, k, n,
batch, gflops. The row (torch, 1024³) is the floor bench/compare.py uses.
"""
import argparse
import csv
import ctypes
import os
import re
import sys
import time

# Tokens S and width D of pelab bench's models (the LST model is the paper's;
# the others are the masked-token model of pelib/netsim.BenchSpeedModel).
MODELS = {"lst": (16, 160), "netsim": (64, 64), "fmri": (360, 64), "tokens": (0, 64)}


def shapes(model, tokens, batch):
    """(name, weight, batch, m, k, n) of the model's products: the 1024³
    reference (weight 0), then each dense layer's forward x·W and its
    backward v·Wᵀ and xᵀ·v, and attention's Q·Kᵀ-shaped and A·V-shaped
    products, weighted by how often one training step runs them (per block:
    4 D×D layers — q, k, v, out — one of each MLP layer; attention's
    backward adds one Q·Kᵀ-shaped and three A·V-shaped products)."""
    out = [("1024^3", 0, 1, 1024, 1024, 1024)]
    if model is None:
        return out
    S, D = MODELS[model]
    S = tokens or S
    R, H = batch * S, 4 * D
    for name, w, din, dout in (("DxD", 4, D, D), ("DxMLP", 1, D, H), ("MLPxD", 1, H, D)):
        out += [(f"{name} fwd", w, 1, R, din, dout), (f"{name} dx", w, 1, R, dout, din), (f"{name} dW", w, 1, din, R, dout)]
    out += [("QK^T", 2, batch, S, D, S), ("AV", 4, batch, S, S, D)]
    return out


def openblas_info():
    """[(path, config, corename, threads)] for every OpenBLAS mapped into
    this process (after torch and numpy have been imported)."""
    paths = []
    with open("/proc/self/maps") as f:
        for line in f:
            p = line.split()[-1]
            if "openblas" in os.path.basename(p) and p not in paths:
                paths.append(p)
    out = []
    for p in paths:
        try:
            lib = ctypes.CDLL(p)
            lib.openblas_get_config.restype = ctypes.c_char_p
            lib.openblas_get_corename.restype = ctypes.c_char_p
            out.append((p, lib.openblas_get_config().decode(), lib.openblas_get_corename().decode(),
                        lib.openblas_get_num_threads()))
        except (OSError, AttributeError) as e:
            out.append((p, f"(no OpenBLAS info: {e})", "?", "?"))
    return out


def torch_config(torch):
    """The BLAS and CPU-kernel lines of torch.__config__.show()."""
    show = torch.__config__.show()
    keys = ("BLAS_INFO", "LAPACK_INFO", "USE_MKLDNN", "USE_OPENMP")
    out = [l.strip().lstrip("- ") for l in show.splitlines() if "CPU capability" in l]
    out += [f"{k}={v}" for k, v in re.findall(r"\b(" + "|".join(keys) + r")=([^,\s]+)", show)]
    return ", ".join(out)


def rate(mul, a, b, flops, min_s, repeats):
    """Best GFLOP/s of `repeats` timed loops of mul(a, b), each ≥ min_s."""
    for _ in range(3):
        mul(a, b)
    n = 1
    while True:  # size a loop to min_s
        t = time.perf_counter()
        for _ in range(n):
            mul(a, b)
        dt = time.perf_counter() - t
        if dt >= min_s / 4:
            break
        n *= 2
    n = max(1, int(n * min_s / max(dt, 1e-9)))
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            mul(a, b)
        best = max(best, n * flops / (time.perf_counter() - t) / 1e9)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="lst", help="whose product shapes to time: " + ", ".join(MODELS) + ", or none")
    ap.add_argument("--tokens", type=int, default=0, help="tokens S of a masked-token model (tokens: required; netsim, fmri: overrides)")
    ap.add_argument("--batch", type=int, default=128, help="batch per model")
    ap.add_argument("--libs", default="torch,numpy", help="comma-separated: torch, numpy")
    ap.add_argument("--min-seconds", type=float, default=0.15, help="length of one timed loop")
    ap.add_argument("--repeats", type=int, default=3, help="timed loops per shape (the best counts)")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: every CPU, as torch_bench.py)")
    ap.add_argument("--csv", default="", help="also write the rates to this CSV file")
    args = ap.parse_args()
    model = None if args.model == "none" else args.model
    if model is not None and model not in MODELS:
        ap.error(f"--model {args.model!r}: want one of {', '.join(MODELS)} or none")
    if model == "tokens" and args.tokens < 2:
        ap.error("--model tokens needs --tokens N (N ≥ 2)")
    if model == "lst" and args.tokens:
        ap.error("--tokens: the LST model has 16 tokens")
    libs = args.libs.split(",")
    mods = {}
    for name in libs:
        try:
            mods[name] = __import__(name)
        except ImportError as e:
            print(f"matmul_rate: {name}: {e}", file=sys.stderr)
    env = {k: os.environ[k] for k in sorted(os.environ) if k.startswith(("OPENBLAS", "GOTO", "OMP", "MKL"))}
    print(f"BLAS-related environment: {env or 'none'}")
    if "torch" in mods:
        torch = mods["torch"]
        torch.set_num_threads(args.threads if args.threads > 0 else max(torch.get_num_threads(), os.cpu_count() or 1))
        print(f"torch {torch.__version__}: threads {torch.get_num_threads()}; {torch_config(torch)}")
    if "numpy" in mods:
        np = mods["numpy"]
        try:
            from numpy.__config__ import blas_opt_info  # numpy < 1.26
            blas = ", ".join(blas_opt_info.get("libraries", [])) or "?"
        except ImportError:
            blas = "? (see the OpenBLAS lines)"
        print(f"numpy {np.__version__}: BLAS libraries {blas}")
    for p, cfg, core, th in openblas_info():
        print(f"OpenBLAS {p}: config {cfg!r}; kernel (core) {core}; threads {th}")
    rows = []
    print(f"{'lib':6s} {'product':12s} {'batch':>5s} {'m':>6s} {'k':>6s} {'n':>6s} {'GFLOP/s':>8s}")
    for lib in libs:
        if lib not in mods:
            continue
        work = spent = 0.0
        for name, wt, B, m, k, n in shapes(model, args.tokens, args.batch):
            if lib == "torch":
                torch = mods["torch"]
                a, b = torch.randn(B, m, k), torch.randn(B, k, n)
                if B == 1:
                    a, b, mul = a[0], b[0], torch.mm
                else:
                    mul = torch.bmm
            else:
                np = mods["numpy"]
                a = np.random.standard_normal((B, m, k)).astype(np.float32)
                b = np.random.standard_normal((B, k, n)).astype(np.float32)
                if B == 1:
                    a, b = a[0], b[0]
                mul = np.matmul
            f = 2.0 * B * m * k * n
            g = rate(mul, a, b, f, args.min_seconds, args.repeats)
            work, spent = work + wt * f, spent + wt * f / g
            rows.append({"lib": lib, "shape": name, "batch": B, "m": m, "k": k, "n": n, "gflops": f"{g:.1f}"})
            print(f"{lib:6s} {name:12s} {B:5d} {m:6d} {k:6d} {n:6d} {g:8.1f}", flush=True)
        if spent > 0:  # the step's products at their measured rates, FLOP-weighted
            rows.append({"lib": lib, "shape": "model mix", "batch": "", "m": "", "k": "", "n": "", "gflops": f"{work / spent:.1f}"})
            print(f"{lib:6s} {'model mix':12s} {'':5s} {'':6s} {'':6s} {'':6s} {work / spent:8.1f}  (one step's products, FLOP-weighted)", flush=True)
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["lib", "shape", "batch", "m", "k", "n", "gflops"])
            w.writeheader()
            w.writerows(rows)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
