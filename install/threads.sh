# Sourced by install.sh, jshell.sh and ./erasure: libtorch's thread defaults, measured by
# `./erasure bench threads` (bench/threads-*.txt). OpenMP's default spinning wait collapses when
# the cores are shared (an ESD-like step 0.13 s -> 2.6 s idle, 14 s contended, with 2 threads on
# 2 cores); with passive waiting, one intra-op thread per core the process may use is fastest
# both idle and contended. ERASURE_THREADS (or install.sh --threads N) overrides the count.
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
  echo "$n"
}
