#!/usr/bin/env python3
"""Side-by-side table of `pelab bench -csv` and bench/torch_bench.py CSVs.

Usage: compare.py FILE.csv [FILE.csv ...]

Prints every row (implementation, M, ms per model-step, model-steps/s,
TFLOP/s) and, for each pelab row, its speed-up per model-step over
PyTorch eager (one model per step) and over the fastest PyTorch ensemble
(vmap or compile, any M) in the same files. Ratios only compare rows from
one run on one machine: pass the files of one invocation.
"""
import csv
import sys


def main(paths):
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
    print(f"{'impl':14s} {'backend':28s} {'dtype':5s} {'M':>5s} {'K':>3s} {'ms/model-step':>14s} "
          f"{'model-steps/s':>13s} {'TFLOP/s':>8s} {'first s':>8s} {'× eager':>8s} {'× best ens.':>11s}")
    for r in rows:
        x_e = f"{ms(best_eager) / ms(r):.2f}" if best_eager and r["impl"].startswith("pelab") else ""
        x_v = f"{ms(best_ens) / ms(r):.2f}" if best_ens and r["impl"].startswith("pelab") else ""
        print(f"{r['impl']:14s} {r['backend'][:28]:28s} {r['dtype']:5s} {r['m']:>5s} {r['k']:>3s} {ms(r):14.4f} "
              f"{float(r['model_steps_per_s']):13.1f} {float(r['tflops']):8.3f} {float(r['first_step_s']):8.2f} "
              f"{x_e:>8s} {x_v:>11s}")
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
