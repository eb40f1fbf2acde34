#!/usr/bin/env bash
# One erasure iteration on an SD-1.4-shaped model at the real size, its peak memory measured
# (RealSizeMemoryBench), with the process's RSS sampled every second into OUT.rss and the run killed
# (not the machine) when RSS passes LIMIT_GIB.
#   bench/scripts/erase-memory-real.sh RECIPE DTYPE LATENT OUT [LIMIT_GIB, default: total memory − 2] [--checkpointing] [--attention-slice N]
# RECIPE esd-x|esd-u|eap-x|eap-u, DTYPE fp32|fp16, LATENT 64 for 512 px. The launcher's malloc settings
# apply unless the caller sets MALLOC_* (MALLOC_MMAP_THRESHOLD_=131072 MALLOC_TRIM_THRESHOLD_=131072
# returns freed buffers at once, so RSS follows the live tensors).
set -uo pipefail
cd "$(dirname "$0")/../.."
recipe=$1 dtype=$2 latent=$3 out=$4
limit_gib=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1048576 - 2 ))
shift 4
if [ $# -ge 1 ] && [[ "$1" != --* ]]; then limit_gib=$1; shift; fi
# what is left: the memory-saving options
limit_kb=$(( limit_gib * 1048576 ))
: > "$out.rss"
ERASURE_JAVA_OPTS=${ERASURE_JAVA_OPTS:--Xmx4g} /usr/bin/time -v ./erasure bench erase-memory-real "$recipe" "$dtype" "$latent" "$@" > "$out.log" 2>&1 &
runner=$!
while kill -0 "$runner" 2>/dev/null; do
  jvm=$(pgrep -f "dev.erasure.bench.Bench erase-memory-real $recipe" | head -1)
  if [ -n "$jvm" ]; then
    rss=$(awk '/VmRSS/{print $2}' "/proc/$jvm/status" 2>/dev/null)
    if [ -n "$rss" ]; then
      echo "$SECONDS $rss" >> "$out.rss"
      if [ "$rss" -gt "$limit_kb" ]; then
        echo "killed: RSS ${rss} kB passed ${limit_gib} GiB at ${SECONDS} s" | tee -a "$out.rss"
        kill -9 "$jvm"
      fi
    fi
  fi
  sleep 1
done
wait "$runner"; rc=$?
grep -v '^\s\s*[A-Z]' "$out.log" | grep -v '^\[' ; grep -E 'Maximum resident|Elapsed' "$out.log"
exit $rc
