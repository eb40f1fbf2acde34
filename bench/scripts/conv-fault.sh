#!/usr/bin/env bash
# Is libtorch's CPU convolution right here, and what does the GEMM path cost? (README "Reliability")
#   bench/scripts/conv-fault.sh [ITERATIONS]    -> stdout; recorded in bench/onednn-conv-fault-*.txt
# 1. ./erasure bench conv under oneDNN's default ISA, AVX2 and SSE4.1 (every shape, both paths, vs float64)
# 2. the ShapeWorld trainer for ITERATIONS (default 150) with -Derasure.conv=onednn and =gemm, alternating, twice:
#    iterations/s of the 25-iteration windows and the train.log lines that report a non-finite step
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-150}"
lscpu | grep -E 'Model name|CPU family|^Model:' || true
for isa in "" AVX2 SSE41; do
  echo "== ONEDNN_MAX_CPU_ISA=${isa:-(default)}"
  ONEDNN_MAX_CPU_ISA="$isa" ./erasure bench conv 2>&1 | grep -vE 'INFO|WARN|NNPACK'
done
cp="api/target/erasure-api-0.1.0-SNAPSHOT.jar:$(cat api/target/classpath.txt)"
. install/threads.sh
export MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824
tmp="$(mktemp -d)"
for round in 1 2; do
  for conv in onednn gemm; do
    d="$tmp/$conv-$round"
    start=$(date +%s.%N)
    java -Xmx2g -Derasure.conv=$conv -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -cp "$cp" \
      dev.erasure.toy.TrainMain "$d" 10000 "$n" > "$d.out" 2>&1
    printf "trainer -Derasure.conv=%-6s wall %6.1f s  iterations/s per window: %s non-finite lines: %s  %s\n" "$conv" \
      "$(echo "$(date +%s.%N) - $start" | bc)" "$(grep -oE 'steps/s [0-9.]+' "$d/train.log" | awk '{printf "%s ", $2}')" \
      "$(grep -c non-finite "$d/train.log" || true)" "$(tail -1 "$d.out")"
  done
done
rm -rf "$tmp"
