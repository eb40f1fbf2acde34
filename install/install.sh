#!/usr/bin/env bash
# Installs the Erasure Jupyter kernel spec ("Java (Erasure)"): builds the kernel if needed,
# stages kernel.json + logos + lib/*.jar, and hands them to `jupyter kernelspec install`.
# Idempotent: running it again replaces the installed spec.
#
#   install/install.sh [--user | --sys-prefix | --prefix DIR] [--name NAME] [--display-name TEXT]
#                      [--heap SIZE] [--device cpu|gpu|gpu:N] [--threads N] [--jvm-opt OPT]... [--java PATH] [--no-build] [--no-cds]
# --threads: libtorch intra-op threads (default: half the cores this machine gives the process; see install/threads.sh).
# --no-cds: skip the class-data-sharing archive (made by starting the kernel once, about 10 s; saves ~1 s a start).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$ROOT/install/threads.sh"
. "$ROOT/install/mvn.sh"
THREADS=""
WHERE=(--user)
NAME=erasure
DISPLAY_NAME="Java (Erasure)"
HEAP="${ERASURE_HEAP:-}"
DEVICE="${ERASURE_DEVICE:-}"
JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/java}"
BUILD=1
CDS=1
JVM_OPTS=()

die() { echo "install.sh: $*" >&2; exit 1; }
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --user) WHERE=(--user); shift ;;
    --sys-prefix) WHERE=(--sys-prefix); shift ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; WHERE=(--prefix "$2"); shift 2 ;;
    --name) NAME="$2"; shift 2 ;;
    --display-name) DISPLAY_NAME="$2"; shift 2 ;;
    --heap) HEAP="$2"; shift 2 ;;
    --device) DEVICE="$2"; shift 2 ;;
    --threads) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || die "--threads needs a positive number (got ${2:-nothing})"; THREADS="$2"; shift 2 ;;
    --jvm-opt) JVM_OPTS+=("$2"); shift 2 ;;
    --java) JAVA_BIN="$2"; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    --no-cds) CDS=0; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

if ! command -v jupyter >/dev/null 2>&1 || ! jupyter kernelspec --version >/dev/null 2>&1; then
  die "Jupyter is not installed (no 'jupyter kernelspec' command). On Debian/Ubuntu:
    sudo apt-get update && sudo apt-get install -y jupyter-core jupyter-client jupyter-notebook
  (add jupyter-nbconvert python3-nbclient to run notebooks headless), then run this again."
fi

[ -n "$JAVA_BIN" ] || JAVA_BIN="$(command -v java || true)"
[ -n "$JAVA_BIN" ] && [ -x "$JAVA_BIN" ] || die "no java found: install a JDK 17+ (apt-get install openjdk-17-jdk) or pass --java PATH"
JAVA_BIN="$(readlink -f "$JAVA_BIN")"
"$JAVA_BIN" -version 2>&1 | head -1 | grep -Eq '"(1[7-9]|[2-9][0-9])' || die "$JAVA_BIN is older than Java 17"

TARGET="$ROOT/kernel/target"
shaded() { ls "$TARGET"/erasure-kernel-*-shaded.jar 2>/dev/null | head -1; }
stale() {  # no jar yet, or a source of api/kernel is newer than it
  local jar; jar="$(shaded)"
  [ -z "$jar" ] || [ ! -d "$TARGET/lib" ] && return 0
  [ -n "$(find "$ROOT/api/src/main" "$ROOT/kernel/src/main" "$ROOT/pom.xml" "$ROOT/api/pom.xml" "$ROOT/kernel/pom.xml" -newer "$jar" -type f 2>/dev/null | head -1)" ]
}
if [ "$BUILD" = 1 ] && stale; then
  command -v mvn >/dev/null 2>&1 || die "the kernel is not built and Maven is missing (apt-get install maven)"
  echo "Building the kernel (mvn package -pl kernel -am) ..."
  (cd "$ROOT" && { quiet_mvn -o package -DskipTests -pl kernel -am || quiet_mvn package -DskipTests -pl kernel -am; }) \
    || die "the Maven build failed"
fi
JAR="$(shaded)"
[ -n "$JAR" ] && [ -d "$TARGET/lib" ] || die "no kernel build in $TARGET (run without --no-build)"

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
SPEC="$STAGE/$NAME"
mkdir -p "$SPEC/lib"
cp "$TARGET"/lib/*.jar "$SPEC/lib/"
cp "$JAR" "$SPEC/lib/erasure-kernel.jar"
cp "$ROOT/install/logo-32x32.png" "$ROOT/install/logo-64x64.png" "$SPEC/"
# The API's sources: Shift-Tab reads its javadoc from them (kernel/README.md "In a cell").
cp -r "$ROOT/api/src/main/java" "$SPEC/api-sources"

ENV_JSON='{"OMP_WAIT_POLICY": "PASSIVE"}'
case "$DEVICE" in
  "") ;;
  cpu) ENV_JSON='{"OMP_WAIT_POLICY": "PASSIVE", "CUDA_VISIBLE_DEVICES": ""}'; JVM_OPTS+=("-Derasure.device=cpu") ;;
  gpu) JVM_OPTS+=("-Derasure.device=gpu") ;;
  gpu:*) ENV_JSON="{\"OMP_WAIT_POLICY\": \"PASSIVE\", \"CUDA_VISIBLE_DEVICES\": \"${DEVICE#gpu:}\"}"; JVM_OPTS+=("-Derasure.device=gpu") ;;
  *) die "--device must be cpu, gpu or gpu:N (got $DEVICE)" ;;
esac
[ -n "$HEAP" ] && JVM_OPTS+=("-Xmx$HEAP")
# An explicit -Dai.djl.pytorch.num_threads in --jvm-opt wins over the default.
if [ -n "$THREADS" ] || ! printf '%s\n' "${JVM_OPTS[@]+"${JVM_OPTS[@]}"}" | grep -q '^-Dai.djl.pytorch.num_threads='; then
  JVM_OPTS+=("-Dai.djl.pytorch.num_threads=${THREADS:-$(erasure_threads)}")
fi

# kernel.json: argv is not run through a shell; the java launcher expands lib/*.
/usr/bin/env python3 - "$SPEC/kernel.json" "$JAVA_BIN" "$DISPLAY_NAME" "$ENV_JSON" "${JVM_OPTS[@]+"${JVM_OPTS[@]}"}" <<'PY' \
  || die "could not write kernel.json (python3 is needed, as Jupyter itself is)"
import json, sys
out, java, display_name, env = sys.argv[1:5]
opts = sys.argv[5:]
env = json.loads(env)
# glibc malloc settings of ./erasure (bench/README.md "Performance")
env.update({"MALLOC_ARENA_MAX": "1", "MALLOC_MMAP_THRESHOLD_": "33554432", "MALLOC_TRIM_THRESHOLD_": "1073741824"})
argv = [java, "-Djava.awt.headless=true", "-Dai.djl.offline=true", "-XX:+UseG1GC", "-Dslf4j.internal.verbosity=ERROR",
        "--add-opens", "jdk.jshell/jdk.jshell=ALL-UNNAMED", "-Derasure.kernel.sources={resource_dir}/api-sources", *opts,
        "-cp", "{resource_dir}/lib/*", "dev.erasure.kernel.Main", "{connection_file}"]
spec = {"argv": argv, "display_name": display_name, "language": "java",
        "interrupt_mode": "message", "env": env, "metadata": {"erasure": {"jvm_options": opts}}}
json.dump(spec, open(out, "w"), indent=2)
PY

jupyter kernelspec install "$SPEC" --name "$NAME" "${WHERE[@]}" >/dev/null 2>"$STAGE/err" || { cat "$STAGE/err" >&2; die "jupyter kernelspec install failed"; }

# AppCDS: the classes a kernel start loads, archived by one start in the installed folder (the
# archive is only valid for that exact class path), then named in kernel.json. Measured in
# bench/README.md "Kernel start-up"; a failure here only costs that second.
if [ "$CDS" = 1 ]; then
  if [ "${WHERE[0]}" = --prefix ]; then
    INSTALLED="${WHERE[1]}/share/jupyter/kernels/$NAME"
  else
    INSTALLED="$(jupyter kernelspec list --json 2>/dev/null | /usr/bin/env python3 -c 'import json, sys; print(json.load(sys.stdin)["kernelspecs"][sys.argv[1]]["resource_dir"])' "$NAME" 2>/dev/null || true)"
  fi
  if [ -n "$INSTALLED" ] && [ -f "$INSTALLED/kernel.json" ]; then
    rm -f "$INSTALLED/kernel.jsa"
    /usr/bin/env python3 - "$INSTALLED" > "$STAGE/cds-argv" <<'PY'
import json, sys
d = sys.argv[1]
argv = json.load(open(d + "/kernel.json"))["argv"]
# the kernel's own command line with {resource_dir} filled in, up to (without) the main class
for a in argv[:argv.index("dev.erasure.kernel.Main")]:
    print(a.replace("{resource_dir}", d))
PY
    mapfile -t CDS_ARGV < "$STAGE/cds-argv"
    if timeout 300 "${CDS_ARGV[@]:0:1}" -XX:ArchiveClassesAtExit="$INSTALLED/kernel.jsa" "${CDS_ARGV[@]:1}" \
         dev.erasure.kernel.Main --warm-up >"$STAGE/cds.log" 2>&1 && [ -s "$INSTALLED/kernel.jsa" ]; then
      /usr/bin/env python3 - "$INSTALLED/kernel.json" <<'PY'
import json, sys
path = sys.argv[1]
spec = json.load(open(path))
spec["argv"].insert(1, "-XX:SharedArchiveFile={resource_dir}/kernel.jsa")
json.dump(spec, open(path, "w"), indent=2)
PY
      echo "Class-data-sharing archive: $INSTALLED/kernel.jsa"
    else
      rm -f "$INSTALLED/kernel.jsa"
      echo "install.sh: no class-data-sharing archive (kernel start-up about 1 s slower): $(tail -1 "$STAGE/cds.log")" >&2
    fi
  fi
fi
case "${WHERE[0]}" in
  --prefix) echo "Installed kernel '$NAME' ($DISPLAY_NAME) into ${WHERE[1]}/share/jupyter/kernels/$NAME"
            echo "If that prefix is not on Jupyter's search path: export JUPYTER_PATH=${WHERE[1]}/share/jupyter" ;;
  *) echo "Installed kernel '$NAME' ($DISPLAY_NAME):"; jupyter kernelspec list 2>/dev/null | grep -E "^ +$NAME " || true ;;
esac
echo "JVM: $JAVA_BIN ${JVM_OPTS[*]:-}"
echo "Start Jupyter with:  jupyter notebook   and pick \"$DISPLAY_NAME\";"
echo "headless:            jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=$NAME notebooks/00-kernel-tour.ipynb"
