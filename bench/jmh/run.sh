#!/usr/bin/env bash
# JMH micro-benchmarks of Sluice's per-request pieces: route match, balancer picks, rate limits,
# client address, request header copy, the observer path (outcome record, meters, access log). Builds the filter and this module, then runs JMH with any arguments given
# (e.g. bench/jmh/run.sh -f 1 -wi 3 -i 5 Route). Numbers are ns per call on this machine.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# The filter comes from the same build (the root POM's "bench" profile), not from ~/.m2.
(cd "$ROOT" && mvn -q -B -DskipTests -Pbench -pl bench/jmh -am package)
exec java -cp "$HERE/target/classes:$(cat "$HERE/target/classpath.txt")" org.openjdk.jmh.Main "$@"
