#!/usr/bin/env bash
# Records bench/jshell-start-*.txt: wall time of install/jshell.sh on a one-line script, first with no
# cached class path (Maven resolves it), then N times with it cached, then plain `jshell` on the same
# script for the floor JShell itself sets. Needs the API jar (./erasure or install/jshell.sh builds it).
#   bench/scripts/jshell-start.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-3}"
script="$(mktemp --suffix=.jsh)"; trap 'rm -f "$script"' EXIT
echo 'System.out.println("hi " + (1 + 2));' > "$script"
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
echo "## $(nproc) cores, $(uname -m), $(java -version 2>&1 | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f api/target/classpath.txt
echo "jshell.sh, class path not cached: $(t install/jshell.sh "$script") s"
for i in $(seq "$n"); do echo "jshell.sh, cached, run $i: $(t install/jshell.sh "$script") s"; done
printf '/exit\n' >> "$script"
for i in $(seq "$n"); do echo "plain jshell, run $i: $(t jshell "$script") s"; done
echo "## end load $(cut -d' ' -f1-3 /proc/loadavg)"
