#!/usr/bin/env bash
# WebSocket bench: echo round trips through Sluice (its Tomcat 10.1, tomcat-config/), through
# nginx's WebSocket proxying (one worker) and to the echo node directly, in turn (A B C A B C),
# on loopback only, then the memory an idle tunnel costs Sluice's Tomcat.
#
#   bench/websocket.sh [seconds-per-run] [rounds] [idle-tunnels]   (defaults: 10 s, 2 rounds, 1000)
#
# The node is Jetty 12's WebSocket server (bench/websocket/EchoNode.java), the client the JDK's
# (bench/websocket/EchoLoad.java), both in JVMs of their own. Columns: scenario target round
# round-trips/s MiB/s p50-ms p99-ms cpu-us/round-trip of the proxy. Everything it starts is
# stopped by PID on exit, also on failure or Ctrl-C.
set -euo pipefail

DURATION=${1:-10}
ROUNDS=${2:-2}
IDLE=${3:-1000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HERE=$ROOT/bench/websocket
T=$ROOT/bench/target
TOMCAT_VERSION=${BENCH_TOMCAT:-10.1.59}
PIDS=()

# Stops what it started by PID: TERM to all, a moment for JVMs to exit, then KILL to any left.
stop() {
    kill "$@" 2>/dev/null || true
    local waited=0
    while [ $waited -lt 50 ] && ps -p "$(IFS=,; echo "$*")" > /dev/null; do sleep 0.1; waited=$((waited + 1)); done
    kill -9 "$@" 2>/dev/null || true
    wait "$@" 2>/dev/null || true
}
trap '[ ${#PIDS[@]} -eq 0 ] || stop "${PIDS[@]}"' EXIT INT TERM
log() { echo "[ws-bench] $*" >&2; }
for tool in nginx curl java mvn jcmd; do
    command -v "$tool" >/dev/null || { echo "the WebSocket bench needs $tool" >&2; exit 1; }
done

# ---- build: the example WAR, the node's class path (Jetty's WebSocket server, a test dependency) ----
mkdir -p "$T"
if [ -z "${WS_BENCH_BUILT:-}" ]; then # WS_BENCH_BUILT=1: the WAR and class path of the last run again
    log "building Sluice's example WAR"
    (cd "$ROOT" && mvn -q -B -DskipTests -pl war-example -am package)
    (cd "$ROOT" && mvn -q -B -pl filter dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$T/ws-node.classpath")
fi
if [ ! -d "$T/apache-tomcat-$TOMCAT_VERSION" ]; then
    mvn -q -B dependency:copy -Dartifact=org.apache.tomcat:tomcat:$TOMCAT_VERSION:zip -DoutputDirectory="$T"
    (cd "$T" && unzip -q "tomcat-$TOMCAT_VERSION.zip")
fi
CATALINA_HOME=$T/apache-tomcat-$TOMCAT_VERSION
chmod +x "$CATALINA_HOME"/bin/*.sh
mkdir -p "$T/ws-classes"
javac -d "$T/ws-classes" "$HERE/EchoLoad.java"
javac -d "$T/ws-classes" -cp "$(cat "$T/ws-node.classpath")" "$HERE/EchoNode.java"

# ---- the node, nginx, Sluice's Tomcat ----
java -Xmx512m -cp "$T/ws-classes:$(cat "$T/ws-node.classpath")" EchoNode 19021 > "$T/ws-node.log" 2>&1 & PIDS+=($!)
mkdir -p "$T/nginx-ws/logs" "$T/nginx-ws/tmp"
cp "$HERE/nginx.conf" "$T/nginx-ws/nginx.conf"
nginx -p "$T/nginx-ws" -c nginx.conf & NGINX_PID=$!
PIDS+=($NGINX_PID)
BASE=$T/base-ws
rm -rf "$BASE" && mkdir -p "$BASE"/{conf,webapps,logs,temp,work}
cp "$CATALINA_HOME"/conf/* "$BASE/conf/"
sed -e 's/port="8080"/port="18090"/' -e 's/<Server port="8005"/<Server port="-1"/' "$ROOT/tomcat-config/server.xml" > "$BASE/conf/server.xml"
cp "$ROOT/tomcat-config/context.xml" "$BASE/conf/context.xml"
cp "$(ls "$ROOT"/war-example/target/sluice-war-example-*.war)" "$BASE/webapps/sluice.war"
SLUICE_OPTS="-Dsluice.route.ws.path=/ws -Dsluice.route.ws.upstream=ws -Dsluice.route.ws.strip-prefix=true \
 -Dsluice.upstream.ws.nodes=127.0.0.1:19021 -Dsluice.upstream.ws.websocket.max-connections=10000"
CATALINA_BASE=$BASE CATALINA_OPTS="-Xmx512m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError $SLUICE_OPTS" \
    "$CATALINA_HOME/bin/catalina.sh" run > "$BASE/logs/stdout.log" 2>&1 &
SLUICE_PID=$!
PIDS+=($SLUICE_PID)
for _ in $(seq 1 120); do
    curl -fs -o /dev/null http://127.0.0.1:18090/sluice/ && break
    sleep 0.5
done
sleep 2

declare -A URL=( [direct]=ws://127.0.0.1:19021/echo [sluice]=ws://127.0.0.1:18090/sluice/ws/echo [nginx]=ws://127.0.0.1:19023/ws/echo )
# nginx runs a master and a worker: the worker's CPU is the proxy's
NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -1)
declare -A PID=( [direct]="" [sluice]=$SLUICE_PID [nginx]=$NGINX_WORKER )
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))
load() { java -cp "$T/ws-classes" EchoLoad echo "$@"; }

log "warming up (the JIT of Sluice's Tomcat, the node and the client)"
for target in sluice nginx direct; do
    load "${URL[$target]}" 16 64 $((DURATION * 2)) > /dev/null
    load "${URL[$target]}" 4 1048576 "$DURATION" > /dev/null
done

RESULTS=$T/websocket.tsv
: > "$RESULTS"
run() { # scenario target round connections bytes
    local pid=${PID[$2]} before=0 after=0 out
    [ -n "$pid" ] && before=$(cpu_ticks "$pid")
    out=$(load "${URL[$2]}" "$4" "$5" "$DURATION")
    [ -n "$pid" ] && after=$(cpu_ticks "$pid")
    echo "$out" | awk -v s="$1" -v t="$2" -v r="$3" -v cpu=$(( (after - before) * TICK_US )) -v d="$DURATION" '
        { printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, t, r, $2, $4, $6, $8, (cpu > 0 ? sprintf("%.0f", cpu / ($2 * d)) : "-") }' \
        | tee -a "$RESULTS" >&2
}
log "columns: scenario target round round-trips/s MiB/s p50-ms p99-ms cpu-us/round-trip"
for round in $(seq 1 "$ROUNDS"); do
    for target in direct sluice nginx; do run W1-64B-x16 "$target" "$round" 16 64; done
done
for round in $(seq 1 "$ROUNDS"); do
    for target in direct sluice nginx; do run W2-1MiB-x4 "$target" "$round" 4 1048576; done
done

# ---- memory per idle tunnel: live heap (a class histogram runs a full GC) and RSS, none open vs IDLE open ----
heap_kib() { jcmd "$1" GC.class_histogram 2>/dev/null | awk '/^Total/ {printf "%d", $3 / 1024}'; }
idle() { # target pid
    local heap0 rss0 heap1 rss1
    heap0=$(heap_kib "$2"); rss0=$(rss_kib "$2")
    coproc HOLD { java -Xmx1g -cp "$T/ws-classes" EchoLoad idle "${URL[$1]}" "$IDLE"; }
    local hold_pid=$HOLD_PID
    read -r line <&"${HOLD[0]}"
    sleep 2
    heap1=$(heap_kib "$2"); rss1=$(rss_kib "$2")
    printf "idle\t%s\t%s tunnels\theap-KiB %s -> %s (%s per tunnel)\trss-KiB %s -> %s (%s per tunnel)\n" "$1" "${line#open }" \
        "$heap0" "$heap1" "$(( (heap1 - heap0) / IDLE ))" "$rss0" "$rss1" "$(( (rss1 - rss0) / IDLE ))" | tee -a "$RESULTS" >&2
    exec {HOLD[1]}>&-
    stop "$hold_pid"
}
log "memory of $IDLE idle tunnels"
idle sluice "$SLUICE_PID"
# nginx has no heap to histogram: its worker's RSS alone
rss0=$(rss_kib "$NGINX_WORKER")
coproc HOLD { java -Xmx1g -cp "$T/ws-classes" EchoLoad idle "${URL[nginx]}" "$IDLE"; }
hold_pid=$HOLD_PID
read -r line <&"${HOLD[0]}"
sleep 2
rss1=$(rss_kib "$NGINX_WORKER")
printf "idle\tnginx\t%s tunnels\trss-KiB %s -> %s (%s per tunnel)\n" "${line#open }" "$rss0" "$rss1" "$(( (rss1 - rss0) / IDLE ))" \
    | tee -a "$RESULTS" >&2
exec {HOLD[1]}>&-
stop "$hold_pid"
log "results in $RESULTS"
