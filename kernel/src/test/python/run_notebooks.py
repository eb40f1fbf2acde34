#!/usr/bin/env python3
"""Executes every notebook in a folder with a real Jupyter client (nbclient), the way CI does.

    run_notebooks.py [--kernel erasure] [--out DIR] [--timeout 2400] [notebooks/ | a.ipynb ...]

Cells tagged "raises-exception" may fail; any other error fails the notebook. Executed copies
(with outputs) are written to --out. Exit status: the number of failed notebooks (0 = all ran).
"""
import argparse
import os
import pathlib
import sys
import time

import nbformat
from jupyter_client.channels import HBChannel
from nbclient import NotebookClient

# nbclient declares the kernel dead when one heartbeat is not echoed within HBChannel.time_to_dead
# (1 s). On a busy 2-core machine (a CI run beside other jobs: load 12) a JVM in a GC pause or
# descheduled for a second misses one, and a healthy kernel was reported dead mid-notebook.
# A crashed kernel is still detected, within this many seconds.
HBChannel.time_to_dead = 30.0

ROOT = pathlib.Path(__file__).resolve().parents[4]


def notebooks(paths):
    found = []
    for p in map(pathlib.Path, paths or [ROOT / "notebooks"]):
        found += sorted(p.glob("*.ipynb")) if p.is_dir() else [p]
    return [p for p in found if ".ipynb_checkpoints" not in p.parts]


def execute(path, kernel=None, timeout=2400):
    """Runs one notebook; returns it with outputs. Raises nbclient's CellExecutionError on failure."""
    nb = nbformat.read(str(path), as_version=4)
    name = kernel or os.environ.get("ERASURE_KERNEL_NAME") or nb.metadata.get("kernelspec", {}).get("name") or "erasure"
    NotebookClient(nb, kernel_name=name, timeout=timeout, startup_timeout=90, allow_errors=False,
                   interrupt_on_timeout=True, resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def execute_reporting(path, kernel=None, timeout=2400):
    """execute() for a worker process: returns (notebook, None, seconds) or (None, error text, seconds),
    since nbclient's exceptions do not survive pickling back to the parent."""
    start = time.monotonic()
    try:
        return execute(path, kernel, timeout), None, time.monotonic() - start
    except Exception as e:
        return None, f"{type(e).__name__}: {str(e)[:4000]}", time.monotonic() - start


def workers():
    """One notebook per core the process may use: each kernel runs libtorch on one thread."""
    n = int(os.environ.get("ERASURE_NOTEBOOK_WORKERS", "0"))
    return n if n > 0 else max(1, len(os.sched_getaffinity(0)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--kernel", default=os.environ.get("ERASURE_KERNEL_NAME"))
    ap.add_argument("--out", default=None)
    ap.add_argument("--timeout", type=int, default=2400)
    args = ap.parse_args()
    failed = 0
    for path in notebooks(args.paths):
        start = time.monotonic()
        try:
            nb = execute(path, args.kernel, args.timeout)
            if args.out:
                os.makedirs(args.out, exist_ok=True)
                nbformat.write(nb, os.path.join(args.out, path.name))
            print(f"ok     {path.name} ({time.monotonic() - start:.1f}s)")
        except Exception as e:  # report every notebook, then fail
            failed += 1
            print(f"FAILED {path.name}: {str(e)[:2000]}")
    return failed


if __name__ == "__main__":
    sys.exit(main())
