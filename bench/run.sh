#!/usr/bin/env bash
# Sluice benchmark: Sluice against mitre's proxy servlet (each in its own Tomcat 10.1), nginx as a
# reverse proxy, and the origin directly, driven by wrk in turn (A B A B), on loopback only.
# Prints requests/s, p50, p99, CPU-µs per request of the proxy process, and ratios, then an open
# load at fixed rates (S6, bench/OpenLoad.java), then memory.
# The "tomcat" target is the floor: the same answers made by Tomcat itself (FloorServlet in the mitre
# WAR's Tomcat), so each proxy's own CPU per request is its figure minus the floor's. The "bare"
# target (S1-S4) is the design minimum: BareFilter, the design Sluice is built on and nothing
# else, in a third Tomcat set up as the others (stopped after S4, so that it weighs on nothing
# else), so Sluice's engine costs its figure minus bare's.
#
#   bench/run.sh [seconds-per-run] [rounds]        (defaults: 10 s, 2 rounds; needs wrk, nginx, curl)
#
# Everything it starts is stopped by PID on exit, also on failure or Ctrl-C.
set -euo pipefail

DURATION=${1:-10}
ROUNDS=${2:-2}
HEAP=-Xmx512m       # S1-S4; S5 restarts both Tomcats with -Xmx128m
source "$(dirname "$0")/lib.sh"
need wrk nginx curl java mvn

# ---- build and fetch ----
mkdir -p "$T"
log "building Sluice, the mitre reference WAR and the design minimum"
(cd "$ROOT" && mvn -q -B -DskipTests -Pbench -pl war-example,bench/mitre-war,bench/bare-war -am package)
fetch_tomcat

# ---- origins ----
start_nginx 19002 19003
java -Xmx1g -Xss256k -Dsun.net.httpserver.maxIdleConnections=4096 -Dsun.net.httpserver.nodelay=true "$BENCH/BenchOrigin.java" 19001 > "$T/origin.log" 2>&1 & PIDS+=($!)

# ---- Tomcats, same configuration (tomcat-config/server.xml), one proxy each ----
SLUICE_OPTS="${BENCH_SLUICE_OPTS:-} -Dsluice.route.bj.path=/bj -Dsluice.route.bj.upstream=bj -Dsluice.route.bj.strip-prefix=true \
 -Dsluice.upstream.bj.nodes=127.0.0.1:19001 \
 -Dsluice.route.bn.path=/bn -Dsluice.route.bn.upstream=bn -Dsluice.route.bn.strip-prefix=true \
 -Dsluice.upstream.bn.nodes=127.0.0.1:19002"
SLUICE_WAR=$(ls "$ROOT"/war-example/target/sluice-war-example-*.war)
cp "$SLUICE_WAR" "$T/sluice.war"
start_proxies() {
    start_tomcat sluice 18080 "$SLUICE_OPTS" "$T/sluice.war"
    SLUICE_PID=$LAST_PID
    start_tomcat mitre 18081 "" "$BENCH/mitre-war/target/mitre.war"
    MITRE_PID=$LAST_PID
    wait_for http://127.0.0.1:18080/sluice/bn/1k
    wait_for http://127.0.0.1:18081/mitre/bn/1k
    log "proxies up ($HEAP): sluice pid $SLUICE_PID, mitre pid $MITRE_PID"
}
wait_for http://127.0.0.1:19002/1k
wait_for http://127.0.0.1:19001/bytes?n=1
wait_for http://127.0.0.1:19003/bn/1k
start_proxies
start_tomcat bare 18082 "" "$BENCH/bare-war/target/bare.war"
BARE_PID=$LAST_PID
wait_for http://127.0.0.1:18082/bare/bn/1k

# ---- measuring ----
# target name -> base URL and the PID whose CPU counts
declare -A URL=( [direct]="" [sluice]=http://127.0.0.1:18080/sluice [mitre]=http://127.0.0.1:18081/mitre [nginx]=http://127.0.0.1:19003
                 [tomcat]=http://127.0.0.1:18081/mitre/floor [bare]=http://127.0.0.1:18082/bare )
declare -A PID=( [direct]="" [sluice]=$SLUICE_PID [mitre]=$MITRE_PID [nginx]="" [tomcat]=$MITRE_PID [bare]=$BARE_PID )
if [ -n "${BENCH_SERVE:-}" ]; then log "BENCH_SERVE set: everything is up; Ctrl-C stops it"; wait; fi
RESULTS=$T/results.tsv
: > "$RESULTS"

# run scenario target round connections path [wrk options...]
run() {
    local scenario=$1 target=$2 round=$3 conns=$4 path=$5; shift 5
    local url
    if [ "$target" = direct ]; then
        case $path in /bn/*) url=http://127.0.0.1:19002${path#/bn} ;; *) url=http://127.0.0.1:19001${path#/bj} ;; esac
    else
        url=${URL[$target]}$path
    fi
    local pid=${PID[$target]} before=0 after=0 rss=0
    [ -n "$pid" ] && before=$(cpu_ticks "$pid")
    local out
    out=$(wrk -t2 -c"$conns" -d"${DURATION}s" --timeout 10s --latency "$@" "$url")
    if [ -n "$pid" ]; then after=$(cpu_ticks "$pid"); rss=$(rss_kib "$pid"); fi
    local rps mib p50 p99 n errs non2xx
    read -r rps mib p50 p99 n errs non2xx < <(echo "$out" | wrk_figures)
    local cpu=$(( (after - before) * TICK_US )) per_request=-
    [ "$cpu" -gt 0 ] && [ "$n" -gt 0 ] && per_request=$(( (cpu + n / 2) / n ))
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$scenario" "$target" "$round" "$rps" "$mib" "$p50" "$p99" \
        "$per_request" "$errs" "$non2xx" "$rss" | tee -a "$RESULTS" >&2
}

scenario() { # name conns path [wrk options...]
    local name=$1 conns=$2 path=$3; shift 3
    for round in $(seq 1 "$ROUNDS"); do
        for target in direct sluice mitre nginx tomcat bare; do
            if [ "$name" = S4 ]; then settle "$target" "$conns" "$path"; fi
            run "$name" "$target" "$round" "$conns" "$path" "$@"
        done
    done
}

# S4 measures the steady state of a thousand requests in flight: each target first gets 5 s of
# the same load, unmeasured, so that every one of them (the origin too, whose executor starts a
# thread per waiting request) has its threads and connections before the clock starts. A proxy's
# pool that has to open a thousand upstream connections at once, and the origin starting a
# thousand threads, put 300-700 ms on the first burst's p99 (docs/dev/performance-log.md).
settle() { # target conns path
    local url
    if [ "$1" = direct ]; then url=http://127.0.0.1:19001${3#/bj}; else url=${URL[$1]}$3; fi
    wrk -t2 -c"$2" -d5s --timeout 10s "$url" > /dev/null
}

# Each JVM gets every scenario's path until the JIT is done with it: on a loaded 2-core machine
# C2 needs 30-40 s of S1 before a Tomcat reaches its steady rate (both proxies alike).
log "warming up the JVMs"
for target in sluice mitre tomcat bare; do
    wrk -t2 -c32 -d"$((DURATION * 4))s" "${URL[$target]}/bn/1k" > /dev/null
    wrk -t2 -c4 -d"$((DURATION * 3))s" "${URL[$target]}/bn/10m" > /dev/null # Sluice's S2 path needs 30 s to reach its steady rate
    wrk -t2 -c16 -d"$((DURATION * 2))s" -s "$BENCH/post.lua" "${URL[$target]}/bj/echo" > /dev/null
    wrk -t2 -c32 -d"${DURATION}s" "${URL[$target]}/bj/delay" > /dev/null # few connections: the pool stays small until S4
done

log "columns: scenario target round req/s MiB/s p50-ms p99-ms cpu-us/req socket-errors non-2xx rss-KiB"
scenario S1 32 /bn/1k
scenario S2 4 /bn/10m
scenario S3 16 /bj/echo -s "$BENCH/post.lua"
# Live heap: the class histogram runs a full GC and counts what survived, at one safepoint (a
# GC.run followed by GC.heap_info would also count what a loaded proxy allocated in between).
heap_after_gc() { jcmd "$1" GC.class_histogram 2>/dev/null | awk '/^Total/ {printf "%dK", $3 / 1024}'; }
S5=$T/memory.tsv
: > "$S5"
# S5 under load, before S4 leaves a thousand pooled connections behind: S2 and S3 again for a few
# seconds; half-way through, the RSS as the load left it, then a full GC, the live heap and the RSS
# after it. Both RSS figures matter: a full GC gives back the pages of a heap that had grown (G1
# uncommits the surplus), so the RSS after it favours a proxy whose heap grew under the earlier
# scenarios over one that stayed small.
under_load() { # label target conns path [wrk options...]
    local label=$1 target=$2 conns=$3 path=$4; shift 4
    wrk -t2 -c"$conns" -d6s "$@" "${URL[$target]}$path" > /dev/null &
    local load=$!
    sleep 3
    local rss_under_load; rss_under_load=$(rss_kib "${PID[$target]}")
    printf "%s\t%s\trss-KiB-under-load=%s\theap-after-gc=%s\trss-KiB=%s\n" "$target" "$label" "$rss_under_load" \
        "$(heap_after_gc "${PID[$target]}")" "$(rss_kib "${PID[$target]}")" | tee -a "$S5" >&2
    wait "$load"
}
for target in sluice mitre; do
    under_load during-S2 "$target" 4 /bn/10m
    under_load during-S3 "$target" 16 /bj/echo -s "$BENCH/post.lua"
done
scenario S4 1000 /bj/delay
stop "$BARE_PID"

# ---- S5: memory ----
for target in sluice mitre; do # steady state after S1-S4 at the larger heap
    printf "%s\tafter-S1-S4\theap-after-gc=%s\trss-KiB=%s\n" "$target" "$(heap_after_gc "${PID[$target]}")" "$(rss_kib "${PID[$target]}")" | tee -a "$S5" >&2
done

# ---- S6: an open load on S4's path ----
# wrk is a closed loop: a connection sends its next request only once the last is answered, so a
# proxy that falls behind is sent less and hides part of its delay. OpenLoad sends at a fixed rate,
# as independent clients would, and charges each request from the moment it was due.
# One rate every target carries; one twice what a proxy holding a thread per request can carry
# (200 threads each waiting 200 ms: 1,000 a second). BENCH_OPEN_RATES="800 2000 3000" adds one
# near Sluice's limit on a 2-core machine.
OPEN_RATES=${BENCH_OPEN_RATES:-800 2000}
OPEN=$T/open.tsv
: > "$OPEN"
javac -d "$T/openload" "$BENCH/OpenLoad.java"
open_run() { # target round rate
    local target=$1 round=$2 rate=$3 url
    if [ "$target" = direct ]; then url=http://127.0.0.1:19001/delay; else url=${URL[$target]}/bj/delay; fi
    java -cp "$T/openload" OpenLoad "$url" "$rate" 5 > /dev/null # settle, unmeasured, as in S4
    local pid=${PID[$target]} before=0 after=0 out
    [ -n "$pid" ] && before=$(cpu_ticks "$pid")
    out=$(java -cp "$T/openload" OpenLoad "$url" "$rate" "$DURATION")
    [ -n "$pid" ] && after=$(cpu_ticks "$pid")
    echo "$out" | awk -v t="$target" -v r="$round" -v rate="$rate" -v cpu=$(( (after - before) * TICK_US )) '
        { for (i = 1; i < NF; i++) v[$i] = $(i + 1)
          printf "S6\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", t, r, rate, v["sent"], v["answered"], v["non-2xx"], v["late"],
              v["p50"], v["p90"], v["p99"], v["max"], (cpu > 0 && v["answered"] > 0 ? sprintf("%.0f", cpu / v["answered"]) : "-") }' \
        | tee -a "$OPEN" >&2
}
log "S6 columns: scenario target round rate sent answered non-2xx late(>1ms) p50-ms p90-ms p99-ms max-ms cpu-us/req"
for rate in $OPEN_RATES; do
    for round in $(seq 1 "$ROUNDS"); do
        for target in direct sluice mitre nginx tomcat; do open_run "$target" "$round" "$rate"; done
    done
done

stop "$SLUICE_PID" "$MITRE_PID"
HEAP=-Xmx128m
start_proxies
PID[sluice]=$SLUICE_PID
PID[mitre]=$MITRE_PID
log "S5: 1 GiB upload and 1 GiB download through each Tomcat ($HEAP)"
for target in sluice mitre; do
    up=$(set +o pipefail; head -c 1073741824 /dev/zero | curl -s -m 300 -X POST -T - -H 'Content-Type: application/octet-stream' "${URL[$target]}/bj/sink" | tr -d '\n')
    down=$(curl -s -m 300 -o /dev/null -w '%{http_code}/%{size_download}' "${URL[$target]}/bj/bytes?n=1073741824" || true)
    printf "%s\t1GiB-transfers\tupload-bytes-received=%s\tdownload=%s\theap-after-gc=%s\trss-KiB=%s\n" "$target" "${up:-failed}" "${down:-failed}" \
        "$(heap_after_gc "${PID[$target]}")" "$(rss_kib "${PID[$target]}" 2>/dev/null || echo dead)" | tee -a "$S5" >&2
done

# ---- report ----
awk -F'\t' -v rounds="$ROUNDS" '
    { key = $1 SUBSEP $2; rps[key] += $4; mib[key] += $5; p50[key] += $6; p99[key] += $7; errs[key] += $9 + $10
      if ($8 != "-") { cpu[key] += $8; cpun[key]++ }; if ($11 > rss[key]) rss[key] = $11; seen[$1] = 1 }
    END {
        printf "\n%-4s %-7s %10s %8s %8s %8s %9s %7s %9s %10s %10s %10s\n", "", "target", "req/s", "MiB/s", "p50 ms", "p99 ms", "cpu us/r", "errors", "rss MiB", "x mitre", "x nginx", "x direct"
        n = split("S1 S2 S3 S4", order, " ")
        for (i = 1; i <= n; i++) {
            s = order[i]; if (!(s in seen)) continue
            split("direct sluice mitre nginx tomcat bare", targets, " ")
            for (j = 1; j <= 6; j++) {
                t = targets[j]; k = s SUBSEP t
                if (!(k in rps)) continue
                r = rps[k] / rounds; m = mib[k] / rounds
                printf "%-4s %-7s %10.0f %8.1f %8.2f %8.2f %9s %7d %9s %10.2f %10.2f %10.2f\n", s, t, r, m, p50[k] / rounds, p99[k] / rounds,
                    (cpun[k] ? sprintf("%.0f", cpu[k] / cpun[k]) : "-"), errs[k], (rss[k] ? sprintf("%.0f", rss[k] / 1024) : "-"),
                    r / (rps[s SUBSEP "mitre"] / rounds), r / (rps[s SUBSEP "nginx"] / rounds), r / (rps[s SUBSEP "direct"] / rounds)
            }
            k = s SUBSEP "sluice"; km = s SUBSEP "mitre"
            kt = s SUBSEP "tomcat"
            if (cpun[k] && cpun[km]) printf "%-4s sluice CPU per request = %.2f x mitre\n", s, (cpu[k] / cpun[k]) / (cpu[km] / cpun[km])
            if (cpun[k] && cpun[km] && cpun[kt]) {
                floor = cpu[kt] / cpun[kt]; own = cpu[k] / cpun[k] - floor; ownm = cpu[km] / cpun[km] - floor
                printf "%-4s above the Tomcat floor (%.0f us/req): sluice %.0f us/req, mitre %.0f us/req = %.2f x mitre\n", s, floor, own, ownm, (ownm > 0 ? own / ownm : 0)
            }
            kb = s SUBSEP "bare"
            if (cpun[k] && cpun[kb]) printf "%-4s design minimum (bare) %.0f us/req = %.2f x mitre; sluice = %.2f x bare\n", s, cpu[kb] / cpun[kb],
                (cpun[km] ? (cpu[kb] / cpun[kb]) / (cpu[km] / cpun[km]) : 0), (cpu[k] / cpun[k]) / (cpu[kb] / cpun[kb])
        }
    }' "$RESULTS"
# S6: each percentile the worst of the rounds ("inf": beyond the answers, see OpenLoad)
awk -F'\t' '
    function worse(a, b) { return a == "" ? b : (a == "inf" || b == "inf" ? "inf" : (b + 0 > a + 0 ? b : a)) }
    { k = $4 SUBSEP $2; if (!(k in sent)) order[++n] = k
      sent[k] += $5; ans[k] += $6; bad[k] += $7; late[k] += $8
      p50[k] = worse(p50[k], $9); p90[k] = worse(p90[k], $10); p99[k] = worse(p99[k], $11); mx[k] = worse(mx[k], $12)
      if ($13 != "-") { cpu[k] += $13; cpun[k]++ } }
    END {
        if (n) printf "\n%-8s %-7s %9s %8s %7s %8s %8s %8s %8s %9s\n", "S6 rate", "target", "answered", "non-2xx", "late", "p50 ms", "p90 ms", "p99 ms", "max ms", "cpu us/r"
        for (i = 1; i <= n; i++) { k = order[i]; split(k, kk, SUBSEP)
            printf "%-8s %-7s %8.1f%% %8d %6.1f%% %8s %8s %8s %8s %9s\n", kk[1] "/s", kk[2], 100 * ans[k] / sent[k], bad[k], 100 * late[k] / sent[k], p50[k], p90[k], p99[k], mx[k],
                (cpun[k] ? sprintf("%.0f", cpu[k] / cpun[k]) : "-") }
    }' "$OPEN"
echo
cat "$S5"
