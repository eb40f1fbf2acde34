#!/usr/bin/env bash
# Records bench/kernel-start-*.txt: where the kernel's start-up goes. Each run is a fresh kernel JVM
# with install.sh's options (`Main --warm-up engine`: no Jupyter client), timed by the kernel itself
# (magic/StartupTimes, the same numbers %jvm shows): JVM until main, renderers, JShell, the startup
# imports, the first cell, then loading DJL's engine (libtorch) as the first model call does.
# Then the same with an AppCDS archive made by one earlier run (-XX:ArchiveClassesAtExit).
#   bench/scripts/kernel-start.sh [N]        (./erasure bench kernel)
# Needs the kernel build: mvn -o -q -pl kernel -am package -DskipTests
set -euo pipefail
cd "$(dirname "$0")/../.."
. install/threads.sh
n="${1:-3}"
jar="$(ls kernel/target/erasure-kernel-*-shaded.jar 2>/dev/null | head -1)"
[ -n "$jar" ] && [ -d kernel/target/lib ] || { echo "build the kernel first: mvn -o -q -pl kernel -am package -DskipTests" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir "$work/lib"; cp kernel/target/lib/*.jar "$work/lib/"; cp "$jar" "$work/lib/erasure-kernel.jar"
java_cmd=(java -Djava.awt.headless=true -Dai.djl.offline=true -XX:+UseG1GC -Dslf4j.internal.verbosity=ERROR
  --add-opens jdk.jshell/jdk.jshell=ALL-UNNAMED -Derasure.kernel.sources="$PWD/api/src/main/java"
  -Dai.djl.pytorch.num_threads="$(erasure_threads)")
run() { "${java_cmd[@]}" "$@" -cp "$work/lib/*" dev.erasure.kernel.Main --warm-up engine 2>/dev/null | tail -1; }
echo "## $(nproc) cores, $(uname -m), $(java -version 2>&1 | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
run -XX:ArchiveClassesAtExit="$work/kernel.jsa" >/dev/null
echo "AppCDS archive: $(du -h "$work/kernel.jsa" | cut -f1)"
for i in $(seq "$n"); do
  echo "plain   $(run)"
  echo "AppCDS  $(run -XX:SharedArchiveFile="$work/kernel.jsa")"
done
echo "## end load $(cut -d' ' -f1-3 /proc/loadavg)"
