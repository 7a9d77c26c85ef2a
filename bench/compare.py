#!/usr/bin/env python3
"""Side-by-side table of `pelab bench -csv` and bench/torch_bench.py CSVs.

Usage: compare.py [--floor MATMUL.csv] FILE.csv [FILE.csv ...]

Prints every row (implementation, M, ms per model-step, model-steps/s,
TFLOP/s) and, for each pelab row, its speed-up per model-step over
PyTorch eager (one model per step) and over the fastest PyTorch ensemble
(vmap or compile, any M) in the same files. Ratios only compare rows from
one run on one machine: pass the files of one invocation.

With --floor (the CSV of bench/matmul_rate.py from the same invocation) it
also prints each row's rate as a fraction of this machine's float32 matrix
product: of a 1024³ product through torch, and of the model's own product
shapes (FLOP-weighted, torch) — the latter's time for one model-step's
products is the floor no implementation of this model beats with these
kernels.
"""
import csv
import sys


def read_floor(path):
    """(1024³ GFLOP/s, model-mix GFLOP/s or None) of torch in a
    matmul_rate.py CSV."""
    with open(path, newline="") as f:
        got = {r["shape"]: float(r["gflops"]) for r in csv.DictReader(f) if r["lib"] == "torch"}
    if "1024^3" not in got:
        raise ValueError(f"{path}: no torch 1024^3 row")
    return got["1024^3"], got.get("model mix")


def main(paths):
    floor = None
    if len(paths) >= 2 and paths[0] == "--floor":
        try:
            floor = read_floor(paths[1])
        except (OSError, ValueError, KeyError) as e:
            print(f"compare: --floor {paths[1]}: {e}", file=sys.stderr)
        paths = paths[2:]
    rows = []
    for p in paths:
        try:
            with open(p, newline="") as f:
                rows += list(csv.DictReader(f))
        except OSError as e:
            print(f"compare: {p}: {e}", file=sys.stderr)
    if not rows:
        print("compare: no rows", file=sys.stderr)
        return 1
    ms = lambda r: float(r["ms_per_model_step"])
    eager = [r for r in rows if r["impl"].startswith("torch-eager")]
    ens = [r for r in rows if r["impl"].startswith(("torch-vmap", "torch-compile"))]
    best_eager = min(eager, key=ms) if eager else None
    best_ens = min(ens, key=ms) if ens else None
    gf = lambda r: float(r["tflops"]) * 1e3
    pct = lambda r, f: f"{100 * gf(r) / f:.0f}%" if f else ""
    print(f"{'impl':14s} {'backend':28s} {'model':6s} {'dtype':5s} {'M':>5s} {'K':>3s} {'ms/model-step':>14s} "
          f"{'model-steps/s':>13s} {'GFLOP/s':>8s} {'of 1024³':>8s} {'of mix':>7s} {'first s':>8s} {'RSS MiB':>8s} "
          f"{'× eager':>8s} {'× best ens.':>11s}")
    for r in rows:
        x_e = f"{ms(best_eager) / ms(r):.2f}" if best_eager and r["impl"].startswith("pelab") else ""
        x_v = f"{ms(best_ens) / ms(r):.2f}" if best_ens and r["impl"].startswith("pelab") else ""
        print(f"{r['impl']:14s} {r['backend'][:28]:28s} {r.get('model', ''):6s} {r['dtype']:5s} {r['m']:>5s} {r['k']:>3s} "
              f"{ms(r):14.4f} {float(r['model_steps_per_s']):13.1f} {gf(r):8.1f} "
              f"{pct(r, floor[0] if floor else None):>8s} {pct(r, floor[1] if floor else None):>7s} "
              f"{float(r['first_step_s']):8.2f} {r.get('peak_rss_mib', ''):>8s} {x_e:>8s} {x_v:>11s}")
    if floor:
        top = max(rows, key=gf)  # the least rounded of the (rounded) TFLOP/s columns
        flops = gf(top) * ms(top) / 1e3  # GFLOP per model-step
        line = f"floor: float32 product through torch, 1024³ {floor[0]:.1f} GFLOP/s"
        if floor[1]:
            line += (f"; the model's own product shapes {floor[1]:.1f} GFLOP/s → its {flops:.3f} GFLOP per "
                     f"model-step in {flops / floor[1] * 1e3:.1f} ms at the least")
        print(line)
    if best_eager:
        print(f"PyTorch eager: {ms(best_eager):.4f} ms per model-step")
    if best_ens:
        print(f"best PyTorch ensemble: {best_ens['impl']} M={best_ens['m']}: {ms(best_ens):.4f} ms per model-step")
    pel = [r for r in rows if r["impl"].startswith("pelab")]
    if pel:
        b = min(pel, key=ms)
        line = f"best pelab: {b['backend']} M={b['m']} K={b['k']} {b['dtype']}: {ms(b):.4f} ms per model-step"
        if best_eager:
            line += f", {ms(best_eager) / ms(b):.2f}× eager"
        if best_ens:
            line += f", {ms(best_ens) / ms(b):.2f}× the best ensemble"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
