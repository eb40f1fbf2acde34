#!/usr/bin/env bash
# A real single-node SLURM on this machine, for cluster/test.sh: Debian's slurm-wlm (slurmctld + slurmd)
# and munge, configured in a private folder (no /etc/slurm change) with their own ports.
#   cluster/slurm-local.sh start    install what is missing (apt), start munged (if not running), slurmctld, slurmd
#   cluster/slurm-local.sh stop     stop what start started
#   cluster/slurm-local.sh env      the SLURM_CONF line to eval in a shell that uses sbatch/squeue/scancel
# State, logs and the config live in $ERASURE_SLURM_DIR (default /tmp/erasure-slurm). Needs root (apt, daemons).
set -euo pipefail
dir="${ERASURE_SLURM_DIR:-/tmp/erasure-slurm}"
conf="$dir/slurm.conf"
node="$(hostname -s)"

install() {
  local missing=()
  for cmd in slurmctld:slurmctld slurmd:slurmd sbatch:slurm-client munged:munge; do
    command -v "${cmd%%:*}" >/dev/null || [ -x "/usr/sbin/${cmd%%:*}" ] || missing+=("${cmd#*:}")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} (apt)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
}

start_munge() {
  if munge -n </dev/null >/dev/null 2>&1; then return; fi   # a munged is already answering
  [ -f /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=128 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
  mkdir -p /run/munge /var/log/munge /var/lib/munge && chown munge:munge /run/munge /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  echo started > "$dir/munge.started"
  for _ in $(seq 50); do munge -n </dev/null >/dev/null 2>&1 && return; sleep 0.1; done
  echo "munged did not start" >&2; exit 1
}

write_conf() {
  mkdir -p "$dir/state" "$dir/spool"
  cat > "$conf" <<CONF
ClusterName=erasure-test
SlurmctldHost=$node
SlurmctldPort=${ERASURE_SLURMCTLD_PORT:-16817}
SlurmdPort=${ERASURE_SLURMD_PORT:-16818}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
JobRequeue=1
KillWait=30
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
}

case "${1:-}" in
  start)
    [ "$(id -u)" = 0 ] || { echo "slurm-local.sh needs root (apt-get, the daemons)" >&2; exit 1; }
    install
    mkdir -p "$dir"
    start_munge
    write_conf
    if [ -f "$dir/slurmctld.pid" ] && kill -0 "$(cat "$dir/slurmctld.pid")" 2>/dev/null; then echo "slurm already running ($dir)" >&2; exit 0; fi
    # a daemon of an earlier run still shutting down holds the port (and would answer sinfo for a state
    # folder that is gone): wait for the ports to be free
    for port in "${ERASURE_SLURMCTLD_PORT:-16817}" "${ERASURE_SLURMD_PORT:-16818}"; do
      for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break; sleep 0.2; done
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is in use (another slurmctld/slurmd?); set ERASURE_SLURMCTLD_PORT/ERASURE_SLURMD_PORT" >&2; exit 1; fi
    done
    slurmctld -f "$conf"
    slurmd -f "$conf" -N "$node"
    export SLURM_CONF="$conf"
    for _ in $(seq 100); do
      state="$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)"
      case "$state" in idle|mix|alloc) echo "slurm up: node $node $state ($conf)" >&2; exit 0 ;; esac
      sleep 0.3
    done
    echo "slurm did not come up; logs in $dir" >&2; tail -20 "$dir/slurmctld.log" "$dir/slurmd.log" >&2; exit 1 ;;
  stop)
    [ -f "$conf" ] || exit 0
    SLURM_CONF="$conf" scontrol shutdown >/dev/null 2>&1 || true
    for f in slurmctld slurmd; do
      for _ in $(seq 100); do [ -f "$dir/$f.pid" ] && kill -0 "$(cat "$dir/$f.pid")" 2>/dev/null || break; sleep 0.2; done
      # still there after 20 s: a daemon that outlives the test would hold its port for the next run
      [ -f "$dir/$f.pid" ] && kill -KILL "$(cat "$dir/$f.pid")" 2>/dev/null || true
    done
    if [ -f "$dir/munge.started" ] && [ -f /run/munge/munged.pid ]; then kill "$(cat /run/munge/munged.pid)" 2>/dev/null || true; rm -f "$dir/munge.started"; fi
    echo "slurm stopped" >&2 ;;
  env)
    echo "export SLURM_CONF=$conf" ;;
  *)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
