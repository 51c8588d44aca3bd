#!/usr/bin/env bash
# A gateway in one Tomcat (issue 28): the example WAR with N upstreams of five nodes and ten routes
# each in its microprofile-config.properties, every node one nginx port on a loopback address
# 127.0.0.1-5 (bench/gateway-nginx.conf). Tomcat as in bench/ab.sh (tomcat-config/, -Xmx512m, G1).
#
#   bench/gateway.sh scale [seconds-per-run] [rounds] [upstream counts]   (10 s, 4 rounds, "1 100 1000")
#     For each count, one Tomcat at a time: threads (all, Sluice's), heap after a full GC and RSS,
#     idle and under S1 load (GET 1 KiB, 32 connections) spread over the first 100 upstreams
#     (bench/routes.lua); then, where there are 100 or more, rounds of that spread load against
#     the same load on one upstream, in turn in both orders: req/s and CPU-µs per request of the
#     Tomcat, and the ratio spread / one.
#
#   bench/gateway.sh checks [seconds-per-window] [windows] [upstreams]    (10 s, 6, 1000)
#     Two Tomcats with the same upstreams, A without active checks, B checking every node every
#     5 s (health.check.path=/health); both idle, measured over the same windows: each one's CPU
#     (ms a second) and B/A; then how B's checks fall in time (nginx logs each with its ms):
#     checks per 100 ms, and per node address; threads, heap and RSS of both.
#
# BENCH_NO_BUILD=1 uses the WAR already built. Needs wrk, nginx, curl, java, mvn, jar, jcmd.
# Everything it starts is stopped by PID on exit, also on failure or Ctrl-C.
set -euo pipefail

MODE=${1:?"usage: bench/gateway.sh scale|checks [seconds] [rounds|windows] [counts|upstreams]"}
HEAP=-Xmx512m
source "$(dirname "$0")/lib.sh"
need wrk nginx curl java mvn jar jcmd

if [ -z "${BENCH_NO_BUILD:-}" ]; then
    log "building the example WAR"
    (cd "$ROOT" && mvn -q -B -DskipTests -pl war-example -am package)
fi
fetch_tomcat
ORIGIN_DIR=$T/gateway-nginx
mkdir -p "$ORIGIN_DIR/logs" "$ORIGIN_DIR/html" "$ORIGIN_DIR/tmp"
head -c 1024 /dev/urandom > "$ORIGIN_DIR/html/1k"
: > "$ORIGIN_DIR/logs/checks.log"
ORIGIN_PORT=$(free_port)
sed -e "s/19102/$ORIGIN_PORT/g" "$BENCH/gateway-nginx.conf" > "$ORIGIN_DIR/nginx.conf"
nginx -p "$ORIGIN_DIR" -c nginx.conf & ORIGIN_PID=$!
PIDS+=($ORIGIN_PID)
for a in 1 2 3 4 5; do wait_for "http://127.0.0.$a:$ORIGIN_PORT/1k"; done

# gateway_war name upstreams [key=value added to every upstream...]: a WAR configured with them,
# in $T/gateway-NAME/sluice.war
gateway_war() {
    local name=$1 count=$2; shift 2
    local dir=$T/gateway-$name
    rm -rf "$dir" && mkdir -p "$dir/WEB-INF/classes/META-INF"
    awk -v n="$count" -v port="$ORIGIN_PORT" -v extra="$*" 'BEGIN {
        print "sluice.status.path=/_sluice/status"; print "sluice.status.allow=127.0.0.1/32"
        print "sluice.metrics=false"; print "sluice.access-log=false"
        split(extra, more, " ")
        for (u = 0; u < n; u++) {
            printf "sluice.upstream.u%d.nodes=127.0.0.1:%d, 127.0.0.2:%d, 127.0.0.3:%d, 127.0.0.4:%d, 127.0.0.5:%d\n", u, port, port, port, port, port
            for (k in more) printf "sluice.upstream.u%d.%s\n", u, more[k]
            for (r = 0; r < 10; r++) printf "sluice.route.r%d-%d.path=/u%d/r%d\nsluice.route.r%d-%d.upstream=u%d\nsluice.route.r%d-%d.strip-prefix=true\n", u, r, u, r, u, r, u, u, r
        } }' > "$dir/WEB-INF/classes/META-INF/microprofile-config.properties"
    cp "$(ls "$ROOT"/war-example/target/sluice-war-example-*.war)" "$dir/sluice.war"
    (cd "$dir" && jar uf sluice.war WEB-INF/classes/META-INF/microprofile-config.properties)
}

# Live heap: the class histogram runs a full GC and counts what survived (as run.sh does).
heap_mib() { jcmd "$1" GC.class_histogram 2>/dev/null | awk '/^Total/ {printf "%.1f", $3 / 1048576}'; }
threads() { awk '/^Threads/ {print $2}' "/proc/$1/status"; }
sluice_threads() { jcmd "$1" Thread.print 2>/dev/null | grep -c '^"sluice' || true; }
figures() { # pid: threads (Sluice's) heap-MiB RSS-MiB
    local rss; rss=$(rss_kib "$1")
    echo "$(threads "$1") ($(sluice_threads "$1"))	$(heap_mib "$1")	$((rss / 1024))"
}
# S1 over the first N upstreams' routes (N = 1: one upstream); extra wrk options may follow
spread() { # port upstreams seconds [wrk options...]
    local port=$1 upstreams=$2 seconds=$3; shift 3
    wrk -t2 -c32 -d"${seconds}s" --timeout 10s "$@" -s "$BENCH/routes.lua" "http://127.0.0.1:$port/sluice" -- "$upstreams"
}

scale() {
    local duration=${1:-10} rounds=${2:-4} counts=${3:-1 100 1000}
    local results=$T/gateway-scale.tsv figures_file=$T/gateway-figures.tsv
    : > "$results"; : > "$figures_file"
    log "figures columns: upstreams state threads(Sluice's) heap-after-GC-MiB RSS-MiB"
    for count in $counts; do
        gateway_war "scale-$count" "$count"
        local port; port=$(free_port)
        start_tomcat "gateway-$count" "$port" "" "$T/gateway-scale-$count/sluice.war"
        local pid=$LAST_PID loaded=$((count < 100 ? count : 100))
        wait_for "http://127.0.0.1:$port/sluice/index.html"
        sleep 5
        printf "%s\tidle\t%s\n" "$count" "$(figures "$pid")" | tee -a "$figures_file" >&2
        log "$count upstreams: warming up, S1 over $loaded of them, then over one"
        spread "$port" "$loaded" $((duration * 3)) > /dev/null
        spread "$port" 1 $((duration * 2)) > /dev/null
        # figures half-way through a loaded run; the heap's full GC happens under the load
        spread "$port" "$loaded" "$duration" > /dev/null &
        local load=$!
        sleep $((duration / 2))
        printf "%s\tS1 over %s\t%s\n" "$count" "$loaded" "$(figures "$pid")" | tee -a "$figures_file" >&2
        wait "$load"
        if [ "$count" -ge 100 ]; then
            for round in $(seq 1 "$rounds"); do
                local order="100 1"; [ $((round % 2)) = 0 ] && order="1 100"
                for over in $order; do
                    local before after out rps mib p50 p99 n errs non2xx
                    before=$(cpu_ticks "$pid")
                    out=$(spread "$port" "$over" "$duration" --latency)
                    after=$(cpu_ticks "$pid")
                    read -r rps mib p50 p99 n errs non2xx < <(echo "$out" | wrk_figures)
                    printf "%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%s\n" "$count" "$over" "$round" "$rps" "$p50" "$p99" \
                        "$(echo "($after - $before) * $TICK_US / $n" | bc -l)" "$((errs + non2xx))" | tee -a "$results" >&2
                done
            done
        fi
        stop "$pid"
    done
    echo; echo "upstreams	state	threads (Sluice's)	heap after GC MiB	RSS MiB"; cat "$figures_file"
    awk -F'\t' 'function median(list, n,   a, i, j, t) { split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
            return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
        { v[$1, $2, $3, "rps"] = $4; v[$1, $2, $3, "cpu"] = $7; err[$1] += $8; if ($3 > rounds[$1]) rounds[$1] = $3
          if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
        END { for (i = 1; i <= n; i++) { c = order[i]; cr = ""; rr = ""; ca = ""; cb = ""
                for (r = 1; r <= rounds[c]; r++) { cr = cr " " sprintf("%.3f", v[c, 100, r, "cpu"] / v[c, 1, r, "cpu"]); rr = rr " " sprintf("%.3f", v[c, 100, r, "rps"] / v[c, 1, r, "rps"])
                    ca = ca " " v[c, 1, r, "cpu"]; cb = cb " " v[c, 100, r, "cpu"] }
                printf "\n%d upstreams configured, S1 over 100 of them against over one, %d rounds, %d errors\n", c, rounds[c], err[c]
                printf "CPU us/req median: one %.1f, spread %.1f\nspread/one CPU per request, each round:%s; median %.3f\n", median(ca, rounds[c]), median(cb, rounds[c]), cr, median(cr, rounds[c])
                printf "spread/one req/s, each round:%s; median %.3f\n", rr, median(rr, rounds[c]) } }' "$results"
}

checks() {
    local window=${1:-10} windows=${2:-6} count=${3:-1000}
    gateway_war checks-off "$count"
    gateway_war checks-on "$count" health.check.path=/health health.check.interval=5000
    declare -A port pid
    for side in A B; do
        port[$side]=$(free_port)
        local war=$T/gateway-checks-off/sluice.war; [ $side = B ] && war=$T/gateway-checks-on/sluice.war
        start_tomcat "checks-$side" "${port[$side]}" "" "$war"
        pid[$side]=$LAST_PID
    done
    for side in A B; do wait_for "http://127.0.0.1:${port[$side]}/sluice/index.html"; done
    log "A (no checks) pid ${pid[A]}, B ($count upstreams x 5 nodes checked every 5 s) pid ${pid[B]}; settling 30 s"
    sleep 30
    local start_ms; start_ms=$(date +%s%3N)
    log "columns: window A-ms-CPU/s B-ms-CPU/s B-A B/A"
    for w in $(seq 1 "$windows"); do
        local a0 b0 a1 b1 t0 t1
        a0=$(cpu_ticks "${pid[A]}"); b0=$(cpu_ticks "${pid[B]}"); t0=$(date +%s%N)
        sleep "$window"
        a1=$(cpu_ticks "${pid[A]}"); b1=$(cpu_ticks "${pid[B]}"); t1=$(date +%s%N)
        awk -v w="$w" -v a=$(( (a1 - a0) * TICK_US )) -v b=$(( (b1 - b0) * TICK_US )) -v ns=$((t1 - t0)) \
            'BEGIN { s = ns / 1e9; printf "%d\t%.1f\t%.1f\t%.1f\t%.2f\n", w, a / 1000 / s, b / 1000 / s, (b - a) / 1000 / s, (a > 0 ? b / a : 0) }' >&2
    done
    local end_ms; end_ms=$(date +%s%3N)
    echo; echo "side	threads (Sluice's)	heap after GC MiB	RSS MiB"
    for side in A B; do echo "$side	$(figures "${pid[$side]}")"; done
    echo "B's connections to the origin: $(ss -Htn state established "( dport = :$ORIGIN_PORT )" | wc -l)"
    curl -fs "http://127.0.0.1:${port[B]}/sluice/_sluice/status" -H 'Accept: application/json' \
        | grep -o '"state":"[^"]*"' | sort | uniq -c | sed 's/^/B node states: /' || true
    # checks in the measured windows, per 100 ms and per second, and per node address
    awk -v from="$start_ms" -v to="$end_ms" '{ ms = int($1 * 1000); if (ms < from || ms >= to) next
            n++; tenth[int((ms - from) / 100)]++; second[int((ms - from) / 1000)]++; node[$2]++; if ($3 != 200) bad++ }
        END { slots = int((to - from) / 100); lo = -1; for (i = 0; i < slots; i++) { c = tenth[i] + 0; if (lo < 0 || c < lo) lo = c; if (c > hi) hi = c; sum += c; sq += c * c }
            mean = sum / slots; sd = sqrt(sq / slots - mean * mean)
            printf "\nchecks logged in %.1f s: %d (%.0f a second; expected %d), not 200: %d\n", (to - from) / 1000, n, n * 1000 / (to - from), '"$count"' * 5 / 5, bad
            printf "per 100 ms: mean %.1f, sd %.1f, min %d, max %d over %d slots\n", mean, sd, lo, hi, slots
            slo = -1; for (i = 0; i < int((to - from) / 1000); i++) { c = second[i] + 0; if (slo < 0 || c < slo) slo = c; if (c > shi) shi = c }
            printf "per second: min %d, max %d\n", slo, shi
            for (a in node) printf "to %s: %d\n", a, node[a] }' "$ORIGIN_DIR/logs/checks.log"
}

case $MODE in
    scale) scale "${2:-}" "${3:-}" "${4:-}" ;;
    checks) checks "${2:-}" "${3:-}" "${4:-}" ;;
    *) echo "unknown mode: $MODE (scale or checks)" >&2; exit 2 ;;
esac
