#!/usr/bin/env bash
# Plain JShell with the Erasure API on the class path and the kernel's startup imports.
#
#   install/jshell.sh                         interactive
#   install/jshell.sh my-experiment.jsh       runs the script, then exits (an /exit is added)
#   install/jshell.sh -R-Xmx8g script.jsh     options are passed to jshell (-R: the JVM running the code)
#
# Builds the API jar if it is missing. The dependency class path is resolved by Maven once and
# kept in api/target/classpath.txt (the same file ./erasure writes), so later runs start JShell
# directly (install/jshell.sh on a tiny script: bench/README.md "jshell.sh start").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/install/threads.sh"
. "$ROOT/install/mvn.sh"
TARGET="$ROOT/api/target"
die() { echo "jshell.sh: $*" >&2; exit 1; }
command -v jshell >/dev/null 2>&1 || die "jshell not found: install a JDK 17+ (apt-get install openjdk-17-jdk)"

api_jar() { ls "$TARGET"/erasure-api-*.jar 2>/dev/null | grep -v -- '-sources\|-javadoc' | head -1; }
if [ -z "$(api_jar)" ]; then
  command -v mvn >/dev/null 2>&1 || die "the API is not built and Maven is missing (apt-get install maven)"
  echo "Building the API ..." >&2
  (cd "$ROOT" && { quiet_mvn -o package -DskipTests -pl api -am || quiet_mvn package -DskipTests -pl api -am; }) || die "the Maven build failed"
fi
JAR="$(api_jar)"

CP_FILE="$TARGET/classpath.txt"
if [ ! -s "$CP_FILE" ] || [ "$ROOT/api/pom.xml" -nt "$CP_FILE" ] || [ "$ROOT/pom.xml" -nt "$CP_FILE" ]; then
  echo "Resolving the API's class path (once) ..." >&2
  resolve() { quiet_mvn "$@" dependency:build-classpath -pl api -Dmdep.includeScope=runtime -Dmdep.outputFile="$CP_FILE"; }
  (cd "$ROOT" && { resolve -o || resolve; }) || die "could not resolve the API's dependencies with Maven"
fi
CP="$JAR:$(cat "$CP_FILE")"

# The same imports as the kernel: one wildcard import per package present in the API jar
# (JShell rejects imports of packages that do not exist yet), then the fixed third-party ones.
IMPORTS="$TARGET/erasure-imports.jsh"
{
  unzip -Z1 "$JAR" 2>/dev/null || jar tf "$JAR"
} | grep '^dev/erasure/.*\.class$' | grep -v 'package-info\|module-info' | sed 's|/[^/]*$||' | sort -u | tr / . \
  | sed 's/.*/import &.*;/' > "$IMPORTS"
cat "$ROOT/kernel/src/main/resources/dev/erasure/kernel/imports.jsh" >> "$IMPORTS"

ARGS=()
SCRIPT_COPY=""
trap '[ -n "$SCRIPT_COPY" ] && rm -f "$SCRIPT_COPY"' EXIT
for a in "$@"; do
  if [ -z "$SCRIPT_COPY" ] && [ -f "$a" ] && [[ "$a" != -* ]]; then
    # A script that does not end in /exit would leave JShell waiting at its prompt.
    SCRIPT_COPY="$(mktemp --suffix=.jsh)"
    { cat "$a"; printf '\n/exit\n'; } > "$SCRIPT_COPY"
    ARGS+=("$SCRIPT_COPY")
  else
    ARGS+=("$a")
  fi
done

# glibc malloc settings of ./erasure (bench/README.md "Performance"); the remote JVM inherits them
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-1}" MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-33554432}" \
  MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-1073741824}"
exec jshell -J-Dai.djl.offline=true -R-Dai.djl.offline=true -R-Dai.djl.pytorch.num_threads="$(erasure_threads)" -R-Djava.awt.headless=true -R-Dslf4j.internal.verbosity=ERROR \
  --class-path "$CP" --startup DEFAULT --startup "$IMPORTS" "${ARGS[@]+"${ARGS[@]}"}"
