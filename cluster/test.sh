#!/usr/bin/env bash
# End-to-end test on a real single-node SLURM (started here by slurm-local.sh, stopped at the end): a small
# ShapeWorld study (8-configuration ESD sweep + 16-image protocol) as a 4-task job array with a dependent merge
# job; task 1 gets SIGTERM mid-run (scancel --batch --signal=TERM), exits 75 and requeues itself, resumes;
# the merged table and images must equal a single-process run byte for byte. Needs root (apt, daemons).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d /tmp/erasure-cluster-test.XXXXXX)"
export ERASURE_SLURM_DIR="$work/slurm"
export ERASURE_JAVA_OPTS="${ERASURE_JAVA_OPTS:--Xmx1g}"
checks=0
ok() { checks=$((checks + 1)); echo "ok $checks - $*"; }
fail() { echo "FAIL: $*" >&2; [ -d "$work/results/logs" ] && tail -n 30 "$work"/results/logs/* >&2; exit 1; }
cleanup() { bash "$root/cluster/slurm-local.sh" stop || true; }
trap cleanup EXIT

# the jar and classpath ./erasure runs (package, not install: nothing is written to ~/.m2)
# (the jobs' own ./erasure must find it current: four tasks building one tree at once would race)
jar=api/target/erasure-api-0.1.0-SNAPSHOT.jar
if [ ! -f api/target/classpath.txt ] || [ ! -f "$jar" ] || [ -n "$(find api/src/main api/pom.xml pom.xml -newer "$jar" -type f 2>/dev/null | head -1)" ]; then
  mvn -B -q ${ERASURE_MVN_FLAGS:-} -pl api -am package -DskipTests
  mvn -B -q ${ERASURE_MVN_FLAGS:-} -pl api dependency:build-classpath -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
  touch "$jar"   # the jar plugin keeps an up-to-date jar's old time
fi

bash cluster/slurm-local.sh start
eval "$(bash cluster/slurm-local.sh env)"
ok "slurmctld and slurmd up: $(sinfo -h -o '%P %t %D')"

mkdir -p "$work/study"
{ echo "prompt,evaluation_seed"
  for s in star circle square heart; do for c in red blue; do echo "a $c $s,${#s}"; echo "a $s on a light background,$((${#c} * 7))"; done; done
} > "$work/study/prompts.csv"
cat > "$work/study/study.json" <<JSON
{"model": "$root/models/shapeworld",
 "erasure": {"target": "star", "params": "xattn", "preserve": "none", "ddimGrid": 5, "iterations": 1, "learningRate": 1e-3},
 "grid": {"learningRate": [0.001, 0.003], "seed": [1, 2, 3, 4]},
 "metrics": ["final_loss"],
 "protocol": {"prompts": "prompts.csv", "samplingSteps": 50, "size": 16}}
JSON

t0=$(date +%s)
./erasure cluster run --study "$work/study/study.json" --results "$work/single" --shard 0 --shards 1 >"$work/single.log" 2>&1 || fail "single run: $(tail "$work/single.log")"
./erasure cluster merge --study "$work/study/study.json" --results "$work/single" >"$work/single-merge.log" 2>&1 || fail "single merge"
ok "single-process run and merge ($(( $(date +%s) - t0 )) s)"

out="$(./erasure cluster slurm --study "$work/study/study.json" --results "$work/results" --shards 4 --gpus 0 --cpus 1 --name erasure-test)"
array="$(sed -n 's/^submitted array job \([0-9]*\) .*merge job \([0-9]*\)$/\1/p' <<<"$out")"
merge="$(sed -n 's/^submitted array job \([0-9]*\) .*merge job \([0-9]*\)$/\2/p' <<<"$out")"
[ -n "$array" ] && [ -n "$merge" ] || fail "submission: $out"
ok "submitted array job $array (4 tasks) and merge job $merge"
grep -q -- "--dependency=afterok:$array" <(scontrol show job "$merge") || scontrol show job "$merge" | grep -q "Dependency=afterok:${array}" || fail "merge job has no afterok dependency"
ok "merge job waits for the array (afterok)"

# SIGTERM to task 1 once it has finished an item and is still running (its 4 images of 50 sampling steps leave it
# running for several seconds more, so the TERM lands mid-run even on a busy machine)
status1="$work/results/status/shard-1-of-4.json"
deadline=$(( $(date +%s) + 300 ))
until { [ -f "$status1" ] && grep -q '"state": "running"' "$status1" && grep -q '"done": [1-9]' "$status1"; } || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.1; done
grep -q '"state": "running"' "$status1" || fail "task 1 never ran with an item done: $(cat "$status1" 2>/dev/null)"
for _ in $(seq 50); do scancel --batch --signal=TERM "${array}_1" 2>/dev/null && break; sleep 0.2; done   # "can not be altered now" while it starts
ok "scancel --batch --signal=TERM ${array}_1 while it ran ($(grep -o '"done": [0-9]*' "$status1"))"

# Waits by the clock, not by a count of polls: on a loaded machine each poll can take seconds. The requeued
# run may already have started when we look (SLURM delays it ~2 min, a busy machine can take longer than
# that to get here), so "preempted" is only checked in the status while it is still the current attempt;
# the durable evidence (exit 75 logged, requeue logged, attempt ≥ 2 resumed with items done) is checked below.
requeued_already=0
deadline=$(( $(date +%s) + 300 ))
until grep -q '"state": "preempted"' "$status1" || grep -q '"attempt": [2-9]' "$status1" || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.2; done
if grep -q '"state": "preempted"' "$status1"; then
  ok "task 1 saved its finished items and exited 75: $(grep -o '"done": [0-9]*' "$status1")"
  ./erasure cluster status --results "$work/results" > "$work/status-mid.txt"
  if grep -q '"state": "preempted"' "$status1"; then
    grep -q preempted "$work/status-mid.txt" || fail "cluster status does not show the preempted shard: $(cat "$work/status-mid.txt")"
    ok "cluster status shows it: $(head -1 "$work/status-mid.txt")"
  fi
  # the job script requeued it: SLURM counts a restart. SLURM delays a requeued job (BeginTime ~2 min);
  # the test lets it start at once.
  deadline=$(( $(date +%s) + 120 ))
  until scontrol show job "${array}_1" 2>/dev/null | grep -q 'Restarts=[1-9]' || grep -q '"attempt": [2-9]' "$status1" || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.2; done
  scontrol show job "${array}_1" 2>/dev/null | grep -q 'Restarts=[1-9]' || grep -q '"attempt": [2-9]' "$status1" \
    || fail "task 1 was not requeued: $(scontrol show job "${array}_1" 2>&1 | grep -E 'JobState|Restarts')"
  ok "task 1 requeued by its script (scontrol requeue): $(scontrol show job "${array}_1" 2>/dev/null | grep -o 'Restarts=[0-9]*')"
  if squeue -h -j "${array}_1" -o %T 2>/dev/null | grep -q PENDING; then
    scontrol update JobId="${array}_1" StartTime=now || true
  else
    requeued_already=1
  fi
else
  grep -q '"attempt": [2-9]' "$status1" || fail "task 1 neither stopped as preempted nor restarted within 300 s: $(cat "$status1")"
  requeued_already=1
fi
[ "$requeued_already" = 0 ] || echo "# the requeued run had already started when the test looked; its log and status are checked below"
deadline=$(( $(date +%s) + 600 ))
until [ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.5; done
[ -z "$(squeue -h -j "$array,$merge")" ] || fail "jobs still queued: $(squeue)"
scontrol show job "$merge" | grep -q "JobState=COMPLETED" || fail "merge job: $(scontrol show job "$merge" | grep JobState)"
ok "all tasks and the merge job completed"
# attempt ≥ 2: a TERM that arrives while SLURM still marks the task as starting can be delivered again to the requeued run
grep -q '"attempt": [2-9]' "$status1" && grep -q '"state": "done"' "$status1" && grep -q '"doneAtStart": [1-9]' "$status1" \
  || fail "task 1 did not resume with its finished items: $(cat "$status1")"
ok "task 1 resumed after the requeue and finished ($(grep -o '"attempt": [0-9]*' "$status1"))"
grep -q "erasure: shard 1 of 4 preempted" "$work"/results/logs/${array}_1.out || fail "task 1 log does not show exit 75 (preempted)"
grep -q "preempted: requeueing" "$work"/results/logs/${array}_1.out || fail "task 1 log has no requeue"
ok "task 1 log holds both attempts"
./erasure cluster status --results "$work/results" > "$work/status-end.txt"
grep -q "4 shards: 4 done" "$work/status-end.txt" || fail "status: $(cat "$work/status-end.txt")"
ok "cluster status: $(head -1 "$work/status-end.txt")"

cmp "$work/single/merged/sweep.csv" "$work/results/merged/sweep.csv" || fail "merged sweep differs from the single run"
ok "merged sweep table = single-process table ($(($(wc -l < "$work/results/merged/sweep.csv") - 1)) configurations)"
cmp "$work/single/merged/protocol/manifest.csv" "$work/results/merged/protocol/manifest.csv" || fail "merged manifest differs"
ok "merged protocol manifest = single-process manifest"
n=0
for f in "$work"/single/merged/protocol/*.png; do cmp "$f" "$work/results/merged/protocol/$(basename "$f")" || fail "image $(basename "$f") differs"; n=$((n + 1)); done
[ "$n" = 16 ] || fail "expected 16 images, found $n"
ok "all $n protocol images identical"
grep -q "sweep.csv: 8 of 8 items" "$work"/results/logs/merge-*.out || fail "merge log: $(cat "$work"/results/logs/merge-*.out)"
ok "merge job log: $(grep -h "of 8 items" "$work"/results/logs/merge-*.out)"
./erasure cluster merge --study "$work/study/study.json" --results "$work/results" >/dev/null
cmp "$work/single/merged/sweep.csv" "$work/results/merged/sweep.csv" || fail "a second merge changed the result"
ok "merging again gives the same files"
rm -f "$work/results/sweep/shard-3-of-4.csv"
set +e; ./erasure cluster merge --study "$work/study/study.json" --results "$work/results" > "$work/partial.txt"; rc=$?; set -e
[ "$rc" = 3 ] && grep -q "6 of 8 items, missing" "$work/partial.txt" || fail "partial merge: rc $rc, $(head -1 "$work/partial.txt")"
ok "a missing shard output is reported (exit 3): $(head -1 "$work/partial.txt")"
echo "cluster/test.sh: $checks checks passed in $(( $(date +%s) - t0 )) s"
cleanup; trap - EXIT   # stop SLURM while its config still exists (stop reads it), then remove the folder
rm -rf "$work"
