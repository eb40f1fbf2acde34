#!/usr/bin/env bash
# Records bench/compare-kernels-*.txt: ./erasure bench compare kernels with glibc malloc defaults, then with
# the settings ./erasure applies. Build first: mvn -o -q -pl api test-compile dependency:build-classpath
#   -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=test
cd "$(dirname "$0")/../.."
CP="api/target/test-classes:api/target/classes:$(cat api/target/classpath.txt)"
J="java -Xmx6g -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dslf4j.internal.verbosity=ERROR -cp $CP dev.erasure.bench.Bench compare kernels "${ERASURE_FIXTURE:-../shared/fixtures/tiny-sd}" 2"
echo "## glibc defaults; load $(cut -d' ' -f1-3 /proc/loadavg)"
env -u MALLOC_ARENA_MAX -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ OMP_WAIT_POLICY=PASSIVE nice -n 10 $J 2>&1 | grep -v WARN
echo "## MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824; load $(cut -d' ' -f1-3 /proc/loadavg)"
MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 OMP_WAIT_POLICY=PASSIVE nice -n 10 $J 2>&1 | grep -v WARN
echo "## end load $(cut -d' ' -f1-3 /proc/loadavg)"
