#!/usr/bin/env bash
# Records bench/tutorial-*.txt: how long tutorial 01 (notebooks/01-shapeworld.ipynb, which promises
# "2–3 minutes on one CPU core") takes in the kernel as install.sh installs it, with its default
# threads (install/threads.sh: one libtorch thread per usable core, passive OpenMP waiting), run by a
# real Jupyter client (nbclient, as kernel/test.sh), from the kernel's start to the last cell.
#   bench/scripts/tutorial.sh [notebook ...]      (part of ./erasure bench kernel)
# Needs Debian's jupyter-client and python3-nbclient (kernel/test.sh installs them) and the kernel build.
set -euo pipefail
cd "$(dirname "$0")/../.."
. install/threads.sh
[ $# -gt 0 ] || set -- notebooks/01-shapeworld.ipynb
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
export JUPYTER_PATH="$work/share/jupyter" JUPYTER_DATA_DIR="$work/data" JUPYTER_RUNTIME_DIR="$work/runtime"
# install.sh's defaults (threads, heap, AppCDS archive); --no-build: the caller built the kernel.
install/install.sh --prefix "$work" --name erasure-bench --no-build >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; exit 1; }
echo "## $(nproc) cores, $(uname -m), install.sh defaults: $(erasure_threads) libtorch thread(s), OMP_WAIT_POLICY=$OMP_WAIT_POLICY; load $(cut -d' ' -f1-3 /proc/loadavg)"
for nb in "$@"; do
  /usr/bin/python3 - "$nb" <<'PY'
import pathlib, sys, time
sys.path.insert(0, "kernel/src/test/python")
import run_notebooks
path = pathlib.Path(sys.argv[1]).resolve()
start = time.monotonic()
nb = run_notebooks.execute(path, kernel="erasure-bench")
print(f"{path.name}: {time.monotonic() - start:.1f} s from the kernel's start to the last cell's result")
from datetime import datetime
def seconds(cell):  # nbclient records when each cell started and ended
    t = cell.metadata.get("execution", {})
    a, b = t.get("iopub.execute_input"), t.get("shell.execute_reply")
    return (datetime.fromisoformat(b.rstrip("Z")) - datetime.fromisoformat(a.rstrip("Z"))).total_seconds() if a and b else 0.0
code = [(seconds(c), i, c.source.splitlines()[0][:70]) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
print(f"  cells: {sum(s for s, _, _ in code):.1f} s; slowest: " + "; ".join(f"[{i}] {s:.1f} s {first!r}" for s, i, first in sorted(code, reverse=True)[:4]))
PY
done
echo "## end load $(cut -d' ' -f1-3 /proc/loadavg)"
