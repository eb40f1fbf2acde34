# Sourced by install.sh, jshell.sh and ./erasure: libtorch's thread defaults, measured by
# `./erasure bench threads` (bench/threads-*.txt). OpenMP's default spinning wait collapses when
# the cores are shared (an ESD-like step 0.13 s -> 2.6 s idle, 14 s contended, with 2 threads on
# 2 cores), so waiting is passive. The count is half the cores the process may use (at least 1):
# on the truly idle 2-core machine one thread took 40 ms a step against 83 ms with two (contended
# 69 vs 253 ms), and tutorial 01 ran in 122 s against 222 s; the JVM's own threads (JIT, GC, the
# kernel's I/O) need a core, and on SMT machines half the logical CPUs is libtorch's own
# one-per-physical-core default. ERASURE_THREADS (or install.sh --threads N) overrides the count.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
erasure_threads() {
  if [ -n "${ERASURE_THREADS:-}" ]; then echo "$ERASURE_THREADS"; return; fi
  local n; n="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)"
  # A cgroup CPU quota (containers) caps the cores further.
  if [ -r /sys/fs/cgroup/cpu.max ]; then
    local quota period; read -r quota period < /sys/fs/cgroup/cpu.max || true
    if [ "${quota:-max}" != max ] && [ "${period:-0}" -gt 0 ]; then
      local q=$(( (quota + period - 1) / period )); [ "$q" -ge 1 ] && [ "$q" -lt "$n" ] && n=$q
    fi
  fi
  echo $(( n / 2 > 0 ? n / 2 : 1 ))
}
