# What bench/run.sh and bench/ab.sh share: sourced by them, not run. Sets ROOT, BENCH and T
# (bench/target), stops every PID added to PIDS when the script exits (also on failure or Ctrl-C).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
T=$BENCH/target
TOMCAT_VERSION=${BENCH_TOMCAT:-10.1.59}  # BENCH_TOMCAT=11.0.24 runs every Tomcat target in Tomcat 11
GC=${BENCH_GC:--XX:+UseG1GC}  # the same collector for every Tomcat
PIDS=()

stop() { # pid...: TERM, then KILL whatever is still there after 5 s (a JVM out of memory ignores TERM)
    for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local alive=0
        for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for pid in "$@"; do kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}
cleanup() { stop "${PIDS[@]}"; }
trap cleanup EXIT INT TERM

log() { echo "[bench] $*" >&2; }

need() { # tool...
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "bench needs $tool (Debian: apt-get install wrk nginx-light curl redis-server)" >&2; exit 1; }
    done
}

fetch_tomcat() { # sets CATALINA_HOME
    mkdir -p "$T"
    if [ ! -d "$T/apache-tomcat-$TOMCAT_VERSION" ]; then
        log "fetching Tomcat $TOMCAT_VERSION from Maven Central"
        mvn -q -B dependency:copy -Dartifact=org.apache.tomcat:tomcat:$TOMCAT_VERSION:zip -DoutputDirectory="$T"
        (cd "$T" && unzip -q "tomcat-$TOMCAT_VERSION.zip")
    fi
    CATALINA_HOME=$T/apache-tomcat-$TOMCAT_VERSION
    chmod +x "$CATALINA_HOME"/bin/*.sh
}

start_nginx() { # static-port proxy-port: the static origin (/1k, /10m) and nginx as a reverse proxy
    local dir=$T/nginx-$1
    mkdir -p "$dir/logs" "$dir/tmp" "$dir/html"
    head -c 1024 /dev/urandom > "$dir/html/1k"
    head -c $((10 * 1024 * 1024)) /dev/urandom > "$dir/html/10m"
    sed -e "s/19002/$1/g" -e "s/19003/$2/g" "$BENCH/nginx.conf" > "$dir/nginx.conf"
    nginx -p "$dir" -c nginx.conf & PIDS+=($!)
}

# A Tomcat with tomcat-config/ (its server.xml on this port, no shutdown port), in its own base
# directory under bench/target; its PID in LAST_PID. HEAP and GC apply to every Tomcat alike.
start_tomcat() { # name port extra-jvm-options war...
    local base=$T/base-$1
    rm -rf "$base" && mkdir -p "$base"/{conf,webapps,logs,temp,work}
    cp "$CATALINA_HOME"/conf/* "$base/conf/"
    sed -e "s/port=\"8080\"/port=\"$2\"/" -e 's/<Server port="8005"/<Server port="-1"/' \
        "$ROOT/tomcat-config/server.xml" > "$base/conf/server.xml"
    cp "$ROOT/tomcat-config/context.xml" "$base/conf/context.xml"
    local options=$3; shift 3
    cp "$@" "$base/webapps/"
    CATALINA_BASE=$base CATALINA_OPTS="$HEAP $GC -XX:+ExitOnOutOfMemoryError $options" "$CATALINA_HOME/bin/catalina.sh" run > "$base/logs/stdout.log" 2>&1 &
    LAST_PID=$!
    PIDS+=($LAST_PID)
}

wait_for() { # url
    for _ in $(seq 1 120); do
        curl -fs -o /dev/null "$1" && return 0
        sleep 0.5
    done
    echo "not answering: $1" >&2; exit 1
}

free_port() { python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # user + system time of a process
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# wrk's report (with --latency) on stdin as one line: req/s MiB/s p50-ms p99-ms requests socket-errors non-2xx
wrk_figures() {
    awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
         function mib(v) { if (v ~ /GB$/) return v * 1024; if (v ~ /MB$/) return v + 0; if (v ~ /KB$/) return v / 1024; return v / 1048576 }
         /Requests\/sec/ { rps = $2 }
         /Transfer\/sec/ { tps = mib($2) }
         /^ +50%/ { p50 = ms($2) }
         /^ +99%/ { p99 = ms($2) }
         /requests in/ { n = $1 }
         /Socket errors/ { errs = $4 + $6 + $8 + $10 }
         /Non-2xx/ { non2xx = $5 }
         END { printf "%.0f %.1f %.2f %.2f %d %d %d\n", rps, tps, p50, p99, n, errs + 0, non2xx + 0 }'
}
