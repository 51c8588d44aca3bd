#!/usr/bin/env bash
# S6 side by side: the 200 ms origin path (BenchOrigin /delay) under an open load (OpenLoad) at
# fixed rates, through Sluice, mitre, the Tomcat floor (FloorServlet in mitre's Tomcat) and
# direct, each target in turn, the order reversed every round. Per run: CPU µs per answered
# request of the target's Tomcat (/proc/PID/stat), p50/p99, and context switches per request
# (voluntary + involuntary, summed over /proc/PID/task/*/status before and after the run).
# Then a table per rate: medians over the rounds, ratios to mitre and above the floor, and each
# Tomcat's switches and CPU per request split by thread group (name with digits taken out).
#
#   bench/s6.sh [seconds-per-run] [rounds]      (defaults: 10 s, 2 rounds; S6_RATES="200 800 2000")
#
# BENCH_S6_MORE="name=war[:options] ..." adds Sluice targets, each in a Tomcat of its own: that WAR
# (an engine before a change, against the one built here) with those Sluice options (commas
# between them); the same WAR with an option on one side weighs a setting. BENCH_S6_OPTS adds
# options to "sluice"; BENCH_S6_WAR=path deploys that WAR as "sluice"; BENCH_NO_BUILD=1 uses the
# WARs already built; BENCH_SERVE=1 starts and warms everything, then waits (to profile by hand);
# S6_PROFILE=rate ends with a perf profile of each Sluice and mitre Tomcat at that rate.
# Needs java, mvn, curl (and perf for S6_PROFILE). Everything it starts is stopped by PID on exit.
# Hold the bench lock (one benchmark at a time on the machine): flock /tmp/bench.lock bash bench/s6.sh
set -euo pipefail

DURATION=${1:-10}
ROUNDS=${2:-2}
RATES=${S6_RATES:-200 800 2000}
HEAP=-Xmx512m
source "$(dirname "$0")/lib.sh"
need java mvn curl

if [ -z "${BENCH_NO_BUILD:-}" ]; then
    log "building Sluice's example WAR and the mitre reference WAR"
    (cd "$ROOT" && mvn -q -B -DskipTests -Pbench -pl war-example,bench/mitre-war -am package)
fi
fetch_tomcat
mkdir -p "$T/s6"
cp "${BENCH_S6_WAR:-$(ls "$ROOT"/war-example/target/sluice-war-example-*.war)}" "$T/s6/sluice.war"
javac -d "$T/openload" "$BENCH/OpenLoad.java"

ORIGIN=19001  # mitre's WAR names this port; take the bench lock, as every bench script does
java -Xmx1g -Xss256k -Dsun.net.httpserver.maxIdleConnections=4096 -Dsun.net.httpserver.nodelay=true \
    "$BENCH/BenchOrigin.java" "$ORIGIN" > "$T/s6/origin.log" 2>&1 & PIDS+=($!)
ROUTE="-Dsluice.route.bj.path=/bj -Dsluice.route.bj.upstream=bj -Dsluice.route.bj.strip-prefix=true \
 -Dsluice.upstream.bj.nodes=127.0.0.1:$ORIGIN -Dsluice.metrics=false -Dsluice.access-log=false"
declare -A URL=([direct]=http://127.0.0.1:$ORIGIN/delay) PID=([direct]="")
TARGETS="direct sluice mitre floor"
tomcat() { # target war url-path extra-options
    local port; port=$(free_port)
    start_tomcat "s6-$1" "$port" "$4" "$2"
    PID[$1]=$LAST_PID; URL[$1]=http://127.0.0.1:$port$3
}
tomcat sluice "$T/s6/sluice.war" /sluice/bj/delay "$ROUTE ${BENCH_S6_OPTS:-}"
tomcat mitre "$BENCH/mitre-war/target/mitre.war" /mitre/bj/delay ""
PID[floor]=${PID[mitre]}; URL[floor]=${URL[mitre]/\/mitre\/bj/\/mitre\/floor\/bj}
for variant in ${BENCH_S6_MORE:-}; do # name=war[:options]
    name=${variant%%=*}; war=${variant#*=}; options=""
    case $war in *:*) options=${war#*:}; war=${war%%:*} ;; esac
    mkdir -p "$T/s6/$name" && cp "$war" "$T/s6/$name/sluice.war"
    tomcat "$name" "$T/s6/$name/sluice.war" /sluice/bj/delay "$ROUTE ${options//,/ }"
    TARGETS="${TARGETS/direct/direct $name}"
done
for t in $TARGETS; do wait_for "${URL[$t]}"; done
log "targets: $(for t in $TARGETS; do printf '%s=%s(pid %s) ' "$t" "${URL[$t]}" "${PID[$t]:--}"; done)"

openload() { java -cp "$T/openload" OpenLoad "$@"; }
# Context switches and CPU ticks of each thread, by thread group: the Java name (from a thread
# dump taken before the run: /proc truncates names to 15 characters, which merges Tomcat's
# poller, acceptor and workers) with its digits squashed; threads started since, by their /proc name.
thread_names() { jcmd "$1" Thread.print 2>/dev/null | sed -n 's/^"\([^"]*\)".* nid=0x\([0-9a-f]*\).*/\2\t\1/p' \
        | while IFS=$'\t' read -r hex name; do printf "%d\t%s\n" "$((16#$hex))" "$name"; done > "$T/s6/names-$1"; }
thread_counts() { for task in /proc/"$1"/task/*; do
        printf "%s\t%s\t%s\t%s\n" "${task##*/}" "$(tr -d '\n' < "$task/comm")" \
            "$(awk '/ctxt_switches/ {s += $2} END {print s}' "$task/status")" "$(awk '{print $14 + $15}' "$task/stat")"
    done 2>/dev/null | awk -F'\t' -v names="$T/s6/names-$1" 'BEGIN { while ((getline line < names) > 0) { split(line, f, "\t"); java[f[1]] = f[2] } }
        { g = ($1 in java) ? java[$1] : $2; sub(/127\.0\.0\.1-[0-9]+-/, "", g); gsub(/[0-9]+/, "#", g); cs[g] += $3; tk[g] += $4 }
        END { for (g in cs) print g "\t" cs[g] "\t" tk[g] }' | sort; }

# Warm-up until the JIT is done: on a loaded 2-core machine C2 was still compiling after 30 s,
# and its threads then took a third of Sluice's CPU per request at 200/s. So each Tomcat gets
# 10 s runs at 2,000/s until a run adds fewer than 20 compilations (at most 8 runs), then 200/s.
compiled() { jstat -compiler "$1" | awk 'NR == 2 {print $1}'; }
log "warming up every Tomcat until its JIT settles"
for t in $TARGETS; do
    [ "$t" = direct ] || [ "$t" = floor ] && continue
    last=0
    for _ in $(seq 1 8); do
        openload "${URL[$t]}" 2000 10 > /dev/null
        [ "$t" = mitre ] && openload "${URL[floor]}" 2000 10 > /dev/null
        now=$(compiled "${PID[$t]}"); [ $((now - last)) -lt 20 ] && break; last=$now
    done
    openload "${URL[$t]}" 200 5 > /dev/null
    log "$t: $(compiled "${PID[$t]}") methods compiled"
done
if [ -n "${BENCH_SERVE:-}" ]; then log "BENCH_SERVE set: everything is up and warm; Ctrl-C stops it"; wait; fi
log "uptime before measuring: $(uptime)"

RESULTS=$T/s6/results.tsv THREADS=$T/s6/threads.tsv
: > "$RESULTS"; : > "$THREADS"
measure() { # target round rate
    local t=$1 round=$2 rate=$3 pid=${PID[$1]} before=0 after=0 out
    openload "${URL[$t]}" "$rate" 3 > /dev/null # settle, unmeasured: pools and threads for this rate
    if [ -n "$pid" ]; then thread_names "$pid"; thread_counts "$pid" > "$T/s6/before"; before=$(cpu_ticks "$pid"); fi
    out=$(openload "${URL[$t]}" "$rate" "$DURATION")
    if [ -n "$pid" ]; then after=$(cpu_ticks "$pid"); thread_counts "$pid" > "$T/s6/after"; fi
    local n; n=$(echo "$out" | awk '{for (i = 1; i < NF; i++) if ($i == "answered") print $(i + 1)}')
    if [ -n "$pid" ]; then # threads started during the run count from 0, those gone are lost
        join -t$'\t' -a2 -e0 -o 0,1.2,1.3,2.2,2.3 "$T/s6/before" "$T/s6/after" \
            | awk -F'\t' -v t="$t" -v r="$round" -v rate="$rate" -v n="$n" -v tick="$TICK_US" \
                '{ printf "%s\t%s\t%s\t%s\t%.3f\t%.1f\n", rate, t, r, $1, ($4 - $2) / n, ($5 - $3) * tick / n }' >> "$THREADS"
    fi
    echo "$out" | awk -v t="$t" -v r="$round" -v rate="$rate" -v cpu=$(( (after - before) * TICK_US )) -v cs="$(awk -F'\t' -v t="$t" -v r="$round" -v rate="$rate" \
            '$1 == rate && $2 == t && $3 == r {s += $5} END {print s + 0}' "$THREADS")" '
        { for (i = 1; i < NF; i++) v[$i] = $(i + 1)
          printf "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%.2f\n", rate, t, r, v["sent"], v["answered"], v["non-2xx"] + v["errors"],
              v["p50"], v["p99"], v["max"], (cpu > 0 && v["answered"] > 0 ? sprintf("%.0f", cpu / v["answered"]) : "-"), cs }' \
        | tee -a "$RESULTS" >&2
}
log "columns: rate target round sent answered failed p50-ms p99-ms max-ms cpu-us/req switches/req"
for rate in $RATES; do
    for round in $(seq 1 "$ROUNDS"); do
        order=$TARGETS; [ $((round % 2)) = 0 ] && order=$(echo "$TARGETS" | tr ' ' '\n' | tac | tr '\n' ' ')
        for t in $order; do measure "$t" "$round" "$rate"; done
    done
done
log "uptime after: $(uptime)"
# S6_PROFILE=rate: then each Tomcat again at that rate under perf record (call graphs, with
# the JIT's symbol map for Java frames), to read where its CPU goes: perf report -i bench/target/s6/perf-<target>.data
if [ -n "${S6_PROFILE:-}" ]; then
    need perf
    for t in $TARGETS; do
        [ "$t" = direct ] || [ "$t" = floor ] && continue
        openload "${URL[$t]}" "$S6_PROFILE" 16 > /dev/null & load=$!
        sleep 3
        perf record -F 999 -g -p "${PID[$t]}" -o "$T/s6/perf-$t.data" -- sleep 10 2> /dev/null
        jcmd "${PID[$t]}" Compiler.perfmap > /dev/null
        wait $load
    done
fi

# ---- report: per rate, each target's medians over the rounds ----
awk -F'\t' -v targets="$TARGETS" '
    function median(list,   a, n, i, j, t) { n = split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    function worst(list,   a, n, i, w) { n = split(list, a, " "); w = a[1]; for (i = 2; i <= n; i++) if (a[i] == "inf" || (w != "inf" && a[i] + 0 > w + 0)) w = a[i]; return w }
    { k = $1 SUBSEP $2; if (!($1 in seen)) { seen[$1] = 1; rates[++nr] = $1 }
      fail[k] += $5 < $4 ? $4 - $5 : 0; fail[k] += $6; p50[k] = p50[k] " " $7; p99[k] = p99[k] " " $8; cpu[k] = cpu[k] " " $10; cs[k] = cs[k] " " $11 }
    END {
        nt = split(targets, tl, " ")
        for (i = 1; i <= nr; i++) { r = rates[i]
            fl = median(cpu[r SUBSEP "floor"]); mi = median(cpu[r SUBSEP "mitre"]) 
            printf "\nS6 at %s/s: medians of the rounds (p99: worst round)\n%-7s %8s %8s %9s %10s %8s %12s %10s %12s\n", r, "target", "p50 ms", "p99 ms", "failed", "cpu us/r", "x mitre", "above floor", "abv x mitre", "switches/r"
            for (j = 1; j <= nt; j++) { t = tl[j]; k = r SUBSEP t; c = median(cpu[k])
                above = (t != "direct" && t != "floor") ? sprintf("%.0f", c - fl) : "-"
                printf "%-7s %8.1f %8s %9d %10s %8s %12s %10s %12.2f\n", t, median(p50[k]), worst(p99[k]), fail[k], (t == "direct" ? "-" : c),
                    (t == "direct" || mi == 0 ? "-" : sprintf("%.2f", c / mi)), above, (above == "-" || mi - fl < 0.1 * fl ? "-" : sprintf("%.2f", (c - fl) / (mi - fl))), median(cs[k]) }
        }
    }' "$RESULTS"
# per rate and Tomcat: switches and CPU µs per request by thread group, medians of the rounds
echo; echo "by thread group (rate target group switches/req cpu-us/req, medians of the rounds; groups under 0.05 switches and 1 us left out)"
awk -F'\t' '{ k = $1 "\t" $2 "\t" $4; cs[k] = cs[k] " " $5; us[k] = us[k] " " $6 }
    function median(list,   a, n, i, j, t) { n = split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    END { for (k in cs) { c = median(cs[k]); u = median(us[k]); if (c >= 0.05 || u >= 1) printf "%s\t%.2f\t%.0f\n", k, c, u } }' "$THREADS" \
    | sort -t$'\t' -k1,1n -k2,2 -k4,4gr | column -t -s$'\t'
