#!/usr/bin/python3
"""nb-interrupt.py: interrupt a notebook's training cell in a real GoNB kernel
and check that running the cell again resumes from the checkpoint.

Usage: scripts/nb-interrupt.py NOTEBOOK.ipynb CELL_MARKER [STEP]

Runs the notebook's code cells in order in a fresh GoNB kernel (started by
jupyter_client, as Jupyter does) until the first cell whose source contains
CELL_MARKER. While that cell trains, once its progress bar has reported step
STEP (default 20), the kernel is interrupted the way Jupyter's stop button
does it (an interrupt_request; GoNB sends SIGINT to the cell's program). The
script then checks that the cell printed that it stopped and saved a
checkpoint, runs the same cell again, and checks that it resumed from a step
no earlier than the last one reported. It prints what it saw and the time
from the interrupt to the cell's end, and exits 0 on success, 1 on failure,
3 when Jupyter or the kernel is missing.

The environment passes through (PELAB_QUICK, PELAB_BACKEND,
PELAB_NOTEBOOK_OUT, PATH for go/goimports/gonb).
"""
import os
import re
import sys
import time

try:
    import jupyter_client
    import nbformat
except ImportError as e:
    print(f"nb-interrupt: {e}: run `make setup`", file=sys.stderr)
    sys.exit(3)

STEP_RE = re.compile(r"step (\d+)/(\d+)")
RESUMED_RE = re.compile(r"resumed from .* at epoch \d+ \(step (\d+)\)")


def run_cell(kc, km, src, interrupt_at=None, timeout=600):
    """Executes src; returns (text output, error or None, last step seen, seconds from interrupt to idle)."""
    msg_id = kc.execute(src)
    out, err, last, t_int = [], None, -1, None
    deadline = time.time() + timeout
    while True:
        if time.time() > deadline:
            raise TimeoutError(f"cell did not finish in {timeout} s")
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except Exception:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t, c = msg["msg_type"], msg["content"]
        if t == "stream":
            out.append(c["text"])
            for m in STEP_RE.finditer(c["text"]):
                if t_int is None:
                    last = int(m.group(1))
            if interrupt_at is not None and t_int is None and last >= interrupt_at:
                t_int = time.time()
                km.interrupt_kernel()
        elif t == "error":
            err = f"{c.get('ename')}: {c.get('evalue')}"
        elif t == "status" and c["execution_state"] == "idle":
            break
    took = None if t_int is None else time.time() - t_int
    return "".join(out), err, last, took


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    path, marker = sys.argv[1], sys.argv[2]
    at = int(sys.argv[3]) if len(sys.argv) == 4 else 20
    nb = nbformat.read(path, as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    target = next((i for i, s in enumerate(cells) if marker in s), None)
    if target is None:
        print(f"nb-interrupt: no code cell of {path} contains {marker!r}", file=sys.stderr)
        return 2
    try:
        km = jupyter_client.KernelManager(kernel_name="gonb")
        km.start_kernel(cwd=os.path.dirname(os.path.abspath(path)))
    except Exception as e:
        print(f"nb-interrupt: cannot start the GoNB kernel: {e}", file=sys.stderr)
        return 3
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        for i, src in enumerate(cells[:target]):
            _, err, _, _ = run_cell(kc, km, src)
            if err:
                print(f"nb-interrupt: cell {i} failed before the training cell: {err}", file=sys.stderr)
                return 1
        out, err, last, took = run_cell(kc, km, cells[target], interrupt_at=at)
        print(f"--- first run of the training cell (interrupted after step {last}):\n{out[-3000:]}\n--- error: {err}")
        if took is None:
            print(f"nb-interrupt: FAIL: the cell ended before reporting step {at}", file=sys.stderr)
            return 1
        print(f"nb-interrupt: the cell ended {took:.2f} s after the interrupt")
        problems = []
        if "stopping at the next step" not in out:
            problems.append("the cell did not say it was stopping")
        if not re.search(r"checkpoint .* saved", out):
            problems.append("the cell did not save a checkpoint")
        out2, err2, _, _ = run_cell(kc, km, cells[target])
        print(f"--- second run of the training cell:\n{out2[-3000:]}\n--- error: {err2}")
        m = RESUMED_RE.search(out2)
        if not m:
            problems.append("the second run did not resume from a checkpoint")
        elif int(m.group(1)) < last:
            problems.append(f"resumed at step {m.group(1)}, but step {last} had been reported")
        if err2:
            problems.append(f"the second run failed: {err2}")
        for p in problems:
            print(f"nb-interrupt: FAIL: {p}", file=sys.stderr)
        if not problems:
            print(f"nb-interrupt: ok: stopped {took:.2f} s after the interrupt at step ≥ {last}, resumed at step {m.group(1)}")
        return 1 if problems else 0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    sys.exit(main())
