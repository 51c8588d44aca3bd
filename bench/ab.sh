#!/usr/bin/env bash
# What one setting costs, side by side: two Tomcats (tomcat-config/, the same WAR: the example's,
# with the Redis store's one JAR added to WEB-INF/lib) that differ only in Sluice's system
# properties, driven in turn by wrk with one of bench/run.sh's loads (S1 unless told), round after
# round in both orders (A B, B A, A B, ...). Prints each run's req/s, p50, p99 and CPU-µs per
# request of its Tomcat (from /proc/PID/stat), then each side's range and median and the ratio B/A.
#
#   bench/ab.sh COMPARISON [seconds-per-run] [rounds] [scenario]   (defaults: 10 s, 6 rounds, S1)
#
#   S1  GET 1 KiB from nginx, 32 connections      S3  POST 64 KiB echoed by bench/BenchOrigin.java, 16 connections
#   S2  GET 10 MiB from nginx, 4 connections      S4  GET, BenchOrigin answers after 200 ms, 1000 connections
#                                                     (each run after 5 s of the same load, unmeasured, as run.sh does)
#
#   same          A and B alike: how far two JVMs differ with nothing between them (the noise floor)
#   metrics       A: sluice.metrics=false; B: true (the example's Prometheus registry takes the meters)
#   access-log    A: sluice.access-log=false; B: true (Tomcat's logging.properties: its file and console)
#   shared-limit  A: rate-limit counted locally; B: counted in a redis-server this script starts on a
#                 free loopback port (also prints Redis's own CPU per decision); the limit never refuses
#
# Both sides have metrics and the access log off unless the comparison turns one on: the example's
# own properties turn the access log on. BENCH_AB_OPTS adds system properties to both sides,
# BENCH_AB_B_OPTS to B alone (e.g. -Dsluice.redis.timeout=50); BENCH_AB_WARMUP sets the seconds
# of each of the two warm-up passes per side (20); BENCH_NO_BUILD=1 uses the WAR and JAR already built;
# BENCH_AB_THREADS=1 ends with one more run per side that splits its CPU per request by thread
# (Tomcat's, the upstream lanes', Redis client's...), to see where a difference goes;
# BENCH_SERVE=1 starts everything, warms it up and waits, to measure or profile by hand;
# BENCH_AB_A_WAR=path deploys that WAR on A instead (with `same`: an engine before a change against
# the one built here; build it from the older commit with the same command as below).
# Needs wrk, nginx, curl, java, mvn, jar (and redis-server for shared-limit). Everything it starts
# is stopped by PID on exit, also on failure or Ctrl-C.
set -euo pipefail

COMPARISON=${1:?"usage: bench/ab.sh same|metrics|access-log|shared-limit [seconds-per-run] [rounds] [S1|S2|S3|S4]"}
DURATION=${2:-10}
ROUNDS=${3:-6}
SCENARIO=${4:-S1}
HEAP=-Xmx512m
source "$(dirname "$0")/lib.sh"
need wrk nginx curl java mvn jar

ORIGIN=$(free_port)
JAVA_ORIGIN=$(free_port)
# scenario -> connections, path, wrk's extra options
case $SCENARIO in
    S1) CONNS=32; LOAD_PATH=/bn/1k; WRK_OPTS=() ;;
    S2) CONNS=4; LOAD_PATH=/bn/10m; WRK_OPTS=() ;;
    S3) CONNS=16; LOAD_PATH=/bj/echo; WRK_OPTS=(-s "$BENCH/post.lua") ;;
    S4) CONNS=1000; LOAD_PATH=/bj/delay; WRK_OPTS=() ;;
    *) echo "unknown scenario: $SCENARIO (S1, S2, S3 or S4)" >&2; exit 2 ;;
esac
LIMIT=10000000  # calls a second: the highest rate-limit there is, so that no call is refused
BASE="${BENCH_AB_OPTS:-} -Dsluice.route.bn.path=/bn -Dsluice.route.bn.upstream=bn -Dsluice.route.bn.strip-prefix=true \
 -Dsluice.upstream.bn.nodes=127.0.0.1:$ORIGIN -Dsluice.metrics=false -Dsluice.access-log=false \
 -Dsluice.route.bj.path=/bj -Dsluice.route.bj.upstream=bj -Dsluice.route.bj.strip-prefix=true -Dsluice.upstream.bj.nodes=127.0.0.1:$JAVA_ORIGIN"
REDIS_PID=""
case $COMPARISON in
    same) A_OPTS=$BASE; B_OPTS=$BASE ;;
    metrics) A_OPTS=$BASE; B_OPTS="$BASE -Dsluice.metrics=true" ;;
    access-log) A_OPTS=$BASE; B_OPTS="$BASE -Dsluice.access-log=true" ;;
    shared-limit) # also counts, per run, the decisions B's fallback made (Redis slower than sluice.redis.timeout)
        need redis-server redis-cli
        REDIS_PORT=$(free_port)
        mkdir -p "$T/redis"
        redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$T/redis" > "$T/redis/redis.log" 2>&1 &
        REDIS_PID=$!
        PIDS+=($REDIS_PID)
        A_OPTS="$BASE -Dsluice.upstream.bn.rate-limit=$LIMIT"
        B_OPTS="$A_OPTS -Dsluice.upstream.bn.rate-limit.store=redis -Dsluice.redis.uri=redis://127.0.0.1:$REDIS_PORT" ;;
    *) echo "unknown comparison: $COMPARISON (same, metrics, access-log or shared-limit)" >&2; exit 2 ;;
esac
B_OPTS="$B_OPTS ${BENCH_AB_B_OPTS:-}"

# ---- build and fetch ----
if [ -z "${BENCH_NO_BUILD:-}" ]; then
    log "building the example WAR and the Redis store's one JAR"
    (cd "$ROOT" && mvn -q -B -DskipTests -Pbench -pl war-example,limits-redis-bundle -am package)
fi
fetch_tomcat
WAR=$T/ab/sluice.war
rm -rf "$T/ab" && mkdir -p "$T/ab/WEB-INF/lib"
cp "$(ls "$ROOT"/war-example/target/sluice-war-example-*.war)" "$WAR"
cp "$(ls "$ROOT"/limits-redis-bundle/target/sluice-limits-redis-bundle-*.jar)" "$T/ab/WEB-INF/lib/"
(cd "$T/ab" && jar uf sluice.war WEB-INF/lib)
declare -A WARS=([A]=$WAR [B]=$WAR)
if [ -n "${BENCH_AB_A_WAR:-}" ]; then
    mkdir -p "$T/ab/a" && cp "$BENCH_AB_A_WAR" "$T/ab/a/sluice.war"
    WARS[A]=$T/ab/a/sluice.war
fi

# ---- origin and Tomcats ----
start_nginx "$ORIGIN" "$(free_port)"
wait_for "http://127.0.0.1:$ORIGIN/1k"
if [ "$SCENARIO" = S3 ] || [ "$SCENARIO" = S4 ]; then
    java -Xmx1g -Xss256k -Dsun.net.httpserver.maxIdleConnections=4096 -Dsun.net.httpserver.nodelay=true "$BENCH/BenchOrigin.java" "$JAVA_ORIGIN" > "$T/ab-origin.log" 2>&1 & PIDS+=($!)
    wait_for "http://127.0.0.1:$JAVA_ORIGIN/bytes?n=1"
fi
declare -A PORT PID OPTS=([A]=$A_OPTS [B]=$B_OPTS)
for side in A B; do
    PORT[$side]=$(free_port)
    start_tomcat "ab-$side" "${PORT[$side]}" "${OPTS[$side]}" "${WARS[$side]}"
    PID[$side]=$LAST_PID
done
for side in A B; do wait_for "http://127.0.0.1:${PORT[$side]}/sluice/bn/1k"; done
log "$COMPARISON: A pid ${PID[A]} port ${PORT[A]}, B pid ${PID[B]} port ${PORT[B]}${REDIS_PID:+, redis pid $REDIS_PID port ${REDIS_PORT:-}}"

# ---- checks: each side is what its name says ----
meters() { curl -fs "http://127.0.0.1:${PORT[$1]}/sluice/app/metrics" | grep -c '^sluice_\|^http_client_request' || true; }
access_lines() { cat "$T/base-ab-$1"/logs/stdout.log "$T/base-ab-$1"/logs/sluice-access.* 2>/dev/null | grep -c ' upstream=bn ' || true; }
fallbacks() { # side: the decisions its fallback made so far (only B has one)
    if [ -z "$REDIS_PID" ] || [ "$1" != B ]; then echo 0; return; fi
    curl -fs "http://127.0.0.1:${PORT[B]}/sluice/_sluice/status" -H 'Accept: application/json' | grep -o '"fallbackDecisions":[0-9]*' | cut -d: -f2
}

# Warm-up until the JIT is done with the path (30-40 s of S1 on this machine), in turn.
log "warming up both JVMs with $SCENARIO: $CONNS connections, $LOAD_PATH"
load() { # side seconds [wrk options...]
    local side=$1 seconds=$2; shift 2
    wrk -t2 -c"$CONNS" -d"${seconds}s" --timeout 10s "${WRK_OPTS[@]}" "$@" "http://127.0.0.1:${PORT[$side]}/sluice$LOAD_PATH"
}
for side in A B A B; do load "$side" "${BENCH_AB_WARMUP:-20}" > /dev/null; done
for side in A B; do log "side $side: ${OPTS[$side]}"; log "side $side: Sluice meters in the registry: $(meters $side), access log lines: $(access_lines $side)"; done
if [ -n "${BENCH_SERVE:-}" ]; then log "BENCH_SERVE set: everything is up; Ctrl-C stops it"; wait; fi

# ---- measuring ----
RESULTS=$T/ab-$COMPARISON-$SCENARIO.tsv
: > "$RESULTS"
redis_ticks() { if [ -n "$REDIS_PID" ]; then cpu_ticks "$REDIS_PID"; else echo 0; fi; }
measure() { # side round
    local side=$1 round=$2 before after rbefore rafter fbefore fafter out
    # S4: a side's pool of a thousand connections is trimmed while the other side runs; it and the
    # origin's thousand threads come back before the clock starts (see run.sh's settle).
    if [ "$SCENARIO" = S4 ]; then load "$side" 5 > /dev/null; fi
    fbefore=$(fallbacks "$side"); before=$(cpu_ticks "${PID[$side]}"); rbefore=$(redis_ticks)
    out=$(load "$side" "$DURATION" --latency)
    after=$(cpu_ticks "${PID[$side]}"); rafter=$(redis_ticks); fafter=$(fallbacks "$side")
    local rps mib p50 p99 n errs non2xx
    read -r rps mib p50 p99 n errs non2xx < <(echo "$out" | wrk_figures)
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%.1f\t%s\t%.1f\n" "$COMPARISON" "$side" "$round" "$rps" "$p50" "$p99" \
        "$(echo "($after - $before) * $TICK_US / $n" | bc -l)" "$(echo "($rafter - $rbefore) * $TICK_US / $n" | bc -l)" \
        "$((errs + non2xx))" "$(echo "100 * ($fafter - $fbefore) / $n" | bc -l)" | tee -a "$RESULTS" >&2
}
log "columns: comparison side round req/s p50-ms p99-ms tomcat-cpu-us/req redis-cpu-us/req errors fallback-%"
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then order="A B"; else order="B A"; fi
    for side in $order; do measure "$side" "$round"; done
done
for side in A B; do log "side $side after the runs: Sluice meters $(meters $side), access log lines $(access_lines $side)"; done

# CPU ticks of each of a process's threads, by name with the digits taken out (one line a group)
thread_ticks() { for task in /proc/"$1"/task/*; do
        printf "%s\t%s\n" "$(tr -d '\n' < "$task/comm" | tr -s '0-9' '#')" "$(awk '{print $14 + $15}' "$task/stat")"
    done 2>/dev/null | awk -F'\t' '{ ticks[$1] += $2 } END { for (name in ticks) print name "\t" ticks[name] }' | sort; }
if [ -n "${BENCH_AB_THREADS:-}" ]; then
    for side in A B; do
        thread_ticks "${PID[$side]}" > "$T/ab-threads-before"
        n=$(load "$side" "$DURATION" | awk '/requests in/ {print $1}')
        thread_ticks "${PID[$side]}" > "$T/ab-threads-after"
        log "side $side, CPU-us per request by thread (threads gone or started during the run count as 0 before):"
        join -t$'\t' -a2 -e0 -o 0,1.2,2.2 "$T/ab-threads-before" "$T/ab-threads-after" \
            | awk -F'\t' -v n="$n" -v tick="$TICK_US" '{ us = ($3 - $2) * tick / n; total += us; if (us >= 0.5) printf "%8.1f  %s\n", us, $1 }
                END { printf "%8.1f  all\n", total }' | sort -rn >&2
    done
fi

# ---- report: each side's range and median, and B/A per round and of the medians ----
sort -t$'\t' -k2,2 -k3,3n "$RESULTS" | awk -F'\t' -v comparison="$COMPARISON" -v scenario="$SCENARIO" '
    function median(list, n,   a, i, j, t) { split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function range(list, n,   a, i, lo, hi) { split(list, a, " "); lo = hi = a[1]; for (i = 2; i <= n; i++) { if (a[i] + 0 < lo + 0) lo = a[i]; if (a[i] + 0 > hi + 0) hi = a[i] }
        return lo "-" hi }
    { s = $2; r = $3; n[s]++; rps[s] = rps[s] " " $4; p50[s] = p50[s] " " $5; p99[s] = p99[s] " " $6; cpu[s] = cpu[s] " " $7; red[s] = red[s] " " $8; err[s] += $9; fb[s] = fb[s] " " $10
      v[s, r, "rps"] = $4; v[s, r, "cpu"] = $7; v[s, r, "p50"] = $5; v[s, r, "p99"] = $6 }
    END {
        printf "\n%s: %s, %d rounds\n%-5s %22s %18s %18s %24s %18s %7s %12s\n", comparison, scenario, n["A"], "side", "req/s (median)", "p50 ms (median)", "p99 ms (median)", "tomcat CPU us/req (median)", "redis us/req", "errors", "fallback %"
        for (k = 1; k <= 2; k++) { s = k == 1 ? "A" : "B"
            printf "%-5s %13s (%6.0f) %10s (%5.2f) %10s (%5.2f) %16s (%5.1f) %18s %7d %12s\n", s, range(rps[s], n[s]), median(rps[s], n[s]), range(p50[s], n[s]), median(p50[s], n[s]),
                range(p99[s], n[s]), median(p99[s], n[s]), range(cpu[s], n[s]), median(cpu[s], n[s]), range(red[s], n[s]), err[s], range(fb[s], n[s]) }
        for (r = 1; r <= n["A"]; r++) { rr = rr " " sprintf("%.3f", v["B", r, "cpu"] / v["A", r, "cpu"]); rq = rq " " sprintf("%.3f", v["B", r, "rps"] / v["A", r, "rps"]) }
        printf "B/A CPU per request, each round:%s\n  median of the rounds %.3f, of the medians %.3f\n", rr, median(rr, n["A"]), median(cpu["B"], n["B"]) / median(cpu["A"], n["A"])
        printf "B/A req/s, each round:%s\n  median of the rounds %.3f, of the medians %.3f\n", rq, median(rq, n["A"]), median(rps["B"], n["B"]) / median(rps["A"], n["A"])
        printf "B-A p50 ms, of the medians: %+.2f; p99 ms: %+.2f\n", median(p50["B"], n["B"]) - median(p50["A"], n["A"]), median(p99["B"], n["B"]) - median(p99["A"], n["A"])
    }'
