#!/usr/bin/env python3
"""PyTorch reference timings for pelab's bench (issue 8).

Trains the paper's LST model (Ito et al. 2024; see
../shared/docs/paper-notes.md) on random data shaped like the task and times
optimisation steps, three ways:

  eager    one model per step, as the paper's reference code trains;
  vmap     an ensemble of M models in one step: torch.func (or functorch on
           PyTorch 1.x) vmap over functional_call with stacked parameters;
  compile  the vmap step under torch.compile (PyTorch 2 only).

It prints a table and writes a CSV with the columns of `pelab bench -csv`,
so the two can be read side by side (scripts/bench-compare.sh does).

Model (--model lst, the default): Linear(5→160) embedding; 4 post-LN blocks, each e = e + P_l (own
learned table per block); a = single-head self-attention with biases;
h = LN(a + e); m = GELU(W2·GELU(W1·h + b1) + b2) with W1: 160→640;
e = LN(m + h). Readout Linear(160→4) on token 15, cross-entropy; Adam lr 1e-4.
The attention is written with explicit products (q, k, v, out projections)
so vmap batches it; --sdpa uses F.scaled_dot_product_attention instead where
PyTorch has it.

--model netsim / fmri / tokens: pelab bench's masked-token model of those
experiments (pelib/netsim.BenchSpeedModel): S tokens (64, 360, --tokens)
of T features (16, 32, 32) plus the mask indicator, width 64, 4 post-LN
blocks with per-block learned PE tables, GELU after the MLP as well,
per-token Linear(64→T) head, 50 % of the tokens masked (their features
zeroed, indicator 1), loss the mean squared error over the masked tokens.
"""
import argparse
import copy
import csv
import math
import os
import resource
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

S, FEAT, D, BLOCKS, CLASSES, MLP = 16, 5, 160, 4, 4, 4
MODEL, GELU_AFTER_MLP = "lst", False  # set by configure()
STEPS_PER_EPOCH, SWEEP_MODELS, SWEEP_EPOCHS = 8100 // 128, 21 * 15, 4000
COLUMNS = ["impl", "backend", "device", "model", "m", "k", "dtype", "batch",
           "ms_per_step", "ms_per_model_step", "model_steps_per_s", "tflops", "epoch_s", "sweep_h",
           "first_step_s", "peak_rss_mib", "go_heap_mib", "gpu_mem_mib"]


def configure(model, tokens):
    """Sets the model's sizes (module globals) for --model and --tokens."""
    global S, FEAT, D, CLASSES, MODEL, GELU_AFTER_MLP
    MODEL = model
    if model == "lst":
        return
    T = 16 if model == "netsim" else 32
    S = {"netsim": 64, "fmri": 360}.get(model, tokens)
    if tokens:
        S = tokens
    FEAT, D, CLASSES, GELU_AFTER_MLP = T + 1, 64, T, True


def step_flops(batch):
    """3 × the forward matrix-product FLOPs of one model-step (the count of
    pelib/model.StepFLOPs): embedding, per block q/k/v, scores, context,
    out-projection and MLP, the readout (LST: token-15 selection and head;
    masked: the per-token head), and the per-block PE-table selection."""
    block = 2 * S * D * 3 * D + 2 * 2 * S * S * D + 2 * S * D * D + 2 * 2 * S * D * MLP * D
    readout = 2 * S * D + 2 * D * CLASSES if MODEL == "lst" else 2 * S * D * CLASSES
    per = 2 * S * FEAT * D + BLOCKS * block + readout
    return 3 * (per * batch + BLOCKS * 2 * BLOCKS * S * D)


class Block(nn.Module):
    def __init__(self, sdpa):
        super().__init__()
        self.pe = nn.Parameter(torch.randn(S, D) * 0.2)
        self.q, self.k, self.v = nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, D)
        bound = math.sqrt(6 / (D + 3 * D))  # Xavier-uniform on the stacked [3D, D] in-projection
        for lin in (self.q, self.k, self.v):
            nn.init.uniform_(lin.weight, -bound, bound)
            nn.init.zeros_(lin.bias)
        self.o = nn.Linear(D, D)
        nn.init.zeros_(self.o.bias)
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.fc1, self.fc2 = nn.Linear(D, MLP * D), nn.Linear(MLP * D, D)
        self.sdpa = sdpa

    def forward(self, e):
        e = e + self.pe
        q, k, v = self.q(e), self.k(e), self.v(e)
        if self.sdpa:
            ctx = F.scaled_dot_product_attention(q, k, v)
        else:
            w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D), dim=-1)
            ctx = w @ v
        h = self.ln1(self.o(ctx) + e)
        m = self.fc2(F.gelu(self.fc1(h)))
        if GELU_AFTER_MLP:
            m = F.gelu(m)
        return self.ln2(m + h)


class LST(nn.Module):
    def __init__(self, sdpa=False):
        super().__init__()
        self.embed = nn.Linear(FEAT, D)
        self.blocks = nn.ModuleList(Block(sdpa) for _ in range(BLOCKS))
        self.head = nn.Linear(D, CLASSES)

    def forward(self, x):  # x [B, S, F] → logits [B, 4] (LST) or [B, S, T] (masked)
        e = self.embed(x)
        for b in self.blocks:
            e = b(e)
        return self.head(e[:, S - 1] if MODEL == "lst" else e)


def functional_api():
    """(vmap, functional_call, stack) from torch.func (PyTorch ≥ 2.0) or
    functorch (1.13); stack(models) → (params, buffers) dicts of stacked
    tensors."""
    try:
        from torch.func import functional_call, stack_module_state, vmap
        return vmap, functional_call, stack_module_state
    except ImportError:
        from functorch import vmap
        from torch.nn.utils import stateless

        def functional_call(module, pb, a):  # 1.13's takes one dict
            return stateless.functional_call(module, {**pb[0], **pb[1]}, a)

        def stack(models):
            ps = {n: torch.stack([dict(m.named_parameters())[n].detach() for m in models]).requires_grad_()
                  for n, _ in models[0].named_parameters()}
            bs = {n: torch.stack([dict(m.named_buffers())[n] for m in models]) for n, _ in models[0].named_buffers()}
            return ps, bs
        return vmap, functional_call, stack


def random_data(n, device, gen):
    if MODEL != "lst":  # masked: windows x [n, S, T]; y is x, the mask is drawn per step
        x = torch.randn(n, S, FEAT - 1, generator=gen)
        return x.to(device), x.to(device)
    x = torch.zeros(n, S, FEAT)
    cell = torch.randint(0, FEAT + 1, (n, S), generator=gen)  # 0..4 one-hot channel, 5 = blank
    x.scatter_(2, cell.clamp(max=FEAT - 1).unsqueeze(-1), 1.0)
    x[cell == FEAT] = 0
    y = torch.randint(0, CLASSES, (n,), generator=gen)
    return x.to(device), y.to(device)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def autocast(device, dtype):
    if dtype == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return torch.autocast(device_type=device.type, enabled=False)


def masked_batch(y):
    """The masked model's input and mask for windows y [..., S, T]: half the
    tokens (at random) masked, their features zeroed, indicator appended."""
    mk = (torch.rand(y.shape[:-1], device=y.device) < 0.5).to(y.dtype).unsqueeze(-1)
    return torch.cat([y * (1 - mk), mk], -1), mk


def loss_fn(out, y, mk):
    """Cross-entropy (LST) or the masked mean squared error: per sample,
    Σ over masked tokens and features of (out − y)² / (masked tokens · T),
    averaged over the batch (pelab's perSample)."""
    if MODEL == "lst":
        return F.cross_entropy(out, y)
    se = ((out - y) ** 2).sum(-1) * mk.squeeze(-1)
    return (se.sum(-1) / (mk.squeeze(-1).sum(-1).clamp(min=1) * y.shape[-1])).mean()


def make_step(impl, M, args, device):
    """Returns step() running one optimisation step of M models."""
    gen = torch.Generator().manual_seed(1)
    N = max(4 * args.batch, 512)
    X, Y = random_data(N, device, gen)
    torch.manual_seed(0)
    if impl == "eager":
        net = LST(args.sdpa).to(device)
        opt = torch.optim.Adam(net.parameters(), lr=1e-4)

        def step():
            idx = torch.randint(0, N, (args.batch,), device=device)
            x, y, mk = X[idx], Y[idx], None
            if MODEL != "lst":
                x, mk = masked_batch(y)
            with autocast(device, args.dtype):
                loss = loss_fn(net(x), y, mk)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return step
    vmap, functional_call, stack = functional_api()
    models = [LST(args.sdpa).to(device) for _ in range(M)]
    params, buffers = stack(models)
    base = copy.deepcopy(models[0])
    del models
    opt = torch.optim.Adam(list(params.values()), lr=1e-4)

    def one(p, b, x, y, mk):
        return loss_fn(functional_call(base, (p, b), (x,)), y, mk)

    ens = vmap(one, in_dims=(0, 0, 0, 0, 0))

    def total(p, x, y, mk):  # Σ_m mean_b loss: each model gets its own gradient
        with autocast(device, args.dtype):
            return ens(p, buffers, x, y, mk).sum()
    if impl == "compile":
        if not hasattr(torch, "compile"):
            raise RuntimeError(f"torch.compile needs PyTorch ≥ 2.0, this is {torch.__version__}")
        total = torch.compile(total)

    def step():
        idx = torch.randint(0, N, (M, args.batch), device=device)
        x, y = X[idx], Y[idx]
        mk = torch.zeros(M, device=device)  # unused by the LST loss; vmap needs a tensor
        if MODEL != "lst":
            x, mk = masked_batch(y)
        loss = total(params, x, y, mk)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return step


def bench(impl, M, args, device):
    step = make_step(impl, M, args, device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    step()
    sync(device)
    first = time.perf_counter() - t0
    step()  # warm-up
    sync(device)
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync(device)
    per = (time.perf_counter() - t0) / args.steps
    rate = M / per
    gpu = f"{torch.cuda.max_memory_allocated() / 2**20:.0f}" if device.type == "cuda" else ""
    return {
        "impl": "torch-" + impl, "backend": f"torch {torch.__version__} {device.type}", "device": device_name(device),
        "model": MODEL, "m": M, "k": 1, "dtype": args.dtype, "batch": args.batch,
        "ms_per_step": f"{per * 1e3:.4f}", "ms_per_model_step": f"{per * 1e3 / M:.5f}",
        "model_steps_per_s": f"{rate:.2f}", "tflops": f"{step_flops(args.batch) * rate / 1e12:.4f}",
        "epoch_s": f"{per * STEPS_PER_EPOCH:.3f}",
        "sweep_h": f"{SWEEP_MODELS * SWEEP_EPOCHS * STEPS_PER_EPOCH / rate / 3600:.3f}",
        "first_step_s": f"{first:.2f}",
        "peak_rss_mib": f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}",
        "go_heap_mib": "", "gpu_mem_mib": gpu,
    }


def device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"CPU ({torch.get_num_threads()} threads)"


def cpu_gemm_note():
    """One line on the BLAS torch calls for float32 products on the CPU and
    its measured speed: Debian's python3-torch uses whatever libblas.so.3
    the alternatives system selects, and the reference BLAS (package
    libblas3) is ~50x slower here than OpenBLAS (libopenblas0-pthread), which
    would make PyTorch look slower than it is."""
    blas = "unknown"
    link = "/etc/alternatives/libblas.so.3-x86_64-linux-gnu"
    if os.path.islink(link):
        blas = os.path.realpath(link)
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    for _ in range(3):
        a @ b
    t = time.perf_counter()
    for _ in range(10):
        a @ b
    gflops = 10 * 2 * 1024 ** 3 / (time.perf_counter() - t) / 1e9
    note = f"BLAS {blas}: 1024³ float32 product {gflops:.0f} GFLOP/s"
    try:
        from matmul_rate import openblas_info  # bench/, beside this file
        for _, cfg, core, th in openblas_info():
            note += f"; {cfg.split(' NO_')[0]} kernel {core}, {th} threads"
    except ImportError:
        pass
    try:
        from matmul_rate import torch_config
        note += f"; torch: {torch_config(torch)}"
    except ImportError:
        pass
    if "openblas" not in blas and "mkl" not in blas:
        note += " (not OpenBLAS/MKL: apt-get install libopenblas0-pthread for a fair reference)"
    return note


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--impl", default="eager,vmap,compile", help="comma-separated: eager, vmap, compile")
    ap.add_argument("--m", default="1,8", help="models per step for vmap/compile (eager always runs one)")
    ap.add_argument("--steps", type=int, default=5, help="timed steps (after one first step and one warm-up)")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--dtype", default="f32", choices=["f32", "bf16"], help="bf16: autocast products")
    ap.add_argument("--sdpa", action="store_true", help="F.scaled_dot_product_attention (PyTorch ≥ 2.0)")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: all CPUs)")
    ap.add_argument("--model", default="lst", choices=["lst", "netsim", "fmri", "tokens"],
                    help="lst: the paper's; netsim/fmri/tokens: pelab bench's masked-token model (S 64 / 360 / --tokens)")
    ap.add_argument("--tokens", type=int, default=0, help="tokens of the masked model (netsim/fmri: overrides 64/360; tokens: required)")
    ap.add_argument("--csv", default="", help="also write the rows to this CSV file")
    args = ap.parse_args()
    if args.steps < 1 or args.batch < 1:
        ap.error("--steps and --batch must be ≥ 1")
    try:
        Ms = [int(v) for v in args.m.split(",")]
        assert all(m >= 1 for m in Ms)
    except (ValueError, AssertionError):
        ap.error(f"--m {args.m!r}: want a comma-separated list of positive integers")
    if args.model == "tokens" and args.tokens < 1:
        ap.error("--model tokens needs --tokens N")
    configure(args.model, args.tokens)
    if args.sdpa and not hasattr(F, "scaled_dot_product_attention"):
        ap.error(f"--sdpa needs PyTorch ≥ 2.0, this is {torch.__version__}")
    torch.set_num_threads(args.threads if args.threads > 0 else max(torch.get_num_threads(), os.cpu_count() or 1))
    device = torch.device(args.device)
    torch.backends.cuda.matmul.allow_tf32 = True  # as XLA's default on CUDA
    torch.backends.cudnn.allow_tf32 = True
    print(f"torch {torch.__version__} on {device_name(device)}; {MODEL} model B{args.batch} S{S} D{D}, "
          f"{step_flops(args.batch) / 1e9:.3f} GFLOP per model-step, products {args.dtype}", flush=True)
    if device.type == "cpu":
        print(cpu_gemm_note(), flush=True)
    print(f"{'impl':14s} {'M':>5s} {'ms/step':>11s} {'ms/model-step':>14s} {'model-steps/s':>13s} "
          f"{'TFLOP/s':>8s} {'first s':>8s} {'RSS MiB':>8s} {'GPU MiB':>8s}", flush=True)
    rows = []
    for impl in args.impl.split(","):
        for M in ([1] if impl == "eager" else Ms):
            try:
                try:
                    r = bench(impl, M, args, device)
                except Exception as e:
                    if not args.sdpa:
                        raise
                    print(f"torch-{impl:8s} {M:>5d} with SDPA failed ({type(e).__name__}: "
                          f"{str(e).splitlines()[0][:120]}); retrying with explicit attention products", flush=True)
                    args.sdpa = False
                    r = bench(impl, M, args, device)
                    args.sdpa = True
                    r["impl"] += "-nosdpa"
            except Exception as e:  # report and go on: one failure must not lose the rest
                print(f"torch-{impl:8s} {M:>5d} failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}", flush=True)
                continue
            rows.append(r)
            print(f"{r['impl']:14s} {M:>5d} {float(r['ms_per_step']):11.3f} {float(r['ms_per_model_step']):14.4f} "
                  f"{float(r['model_steps_per_s']):13.1f} {float(r['tflops']):8.3f} {float(r['first_step_s']):8.2f} "
                  f"{r['peak_rss_mib']:>8s} {r['gpu_mem_mib'] or '-':>8s}", flush=True)
    if args.csv:
        d = os.path.dirname(os.path.abspath(args.csv))
        fd, tmp = tempfile.mkstemp(prefix=".torch_bench", suffix=".csv", dir=d)
        with os.fdopen(fd, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, args.csv)
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
