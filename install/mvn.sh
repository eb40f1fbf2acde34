# Sourced by install.sh and jshell.sh: Maven, quiet, with its output on stderr. Debian's Maven 3.8
# prints raw colour codes ("ESC[0m") even with -B, so they are stripped; the exit status is Maven's.
quiet_mvn() {
  mvn -B -q "$@" 2>&1 | sed $'s/\e\\[[0-9;]*m//g' >&2
  return "${PIPESTATUS[0]}"
}
