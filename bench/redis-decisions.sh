#!/usr/bin/env bash
# Decisions a single Redis sustains for Sluice's shared rate limits, and the CPU Redis spends on
# each: redis-benchmark runs the store's own Lua script (limits-redis, take.lua) by EVALSHA over a
# client bucket (100,000 distinct clients) and the upstream's bucket, as one call with both limits
# does, against a fresh redis-server on a free loopback port; a plain GET is the baseline.
# Usage: bench/redis-decisions.sh [requests]   (default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200000}
port=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
pid=$!
trap 'kill $pid' EXIT
sleep 0.5
sha=$(redis-cli -p "$port" SCRIPT LOAD "$(cat limits-redis/src/main/resources/dev/sluice/limits/redis/take.lua)")
cpu() { redis-cli -p "$port" INFO cpu | grep -E "used_cpu_(user|sys):" | cut -d: -f2 | tr -d '\r' | paste -sd+ | bc; }
run() {
  local label=$1; shift
  local before after line
  before=$(cpu)
  line=$(redis-benchmark -p "$port" -n "$n" "$@" 2>&1 | tr '\r' '\n' | grep "requests per second" | tail -1 | sed 's/.*: \([0-9.]* requests per second\)/\1/')
  after=$(cpu)
  printf '| %s | %s | %.1f |\n' "$label" "$line" "$(echo "($after - $before) * 1000000 / $n" | bc -l)"
}
echo "| load | decisions per second, p50 | Redis CPU per decision (µs) |"
echo "|---|---|---|"
run "EVALSHA, 50 connections, one call each" -c 50 -P 1 -r 100000 -q evalsha "$sha" 2 '{sluice:b}:__rand_int__' '{sluice:b}:all' 20000 100000 10 100000000
run "EVALSHA, 8 connections, 16 in flight each" -c 8 -P 16 -r 100000 -q evalsha "$sha" 2 '{sluice:b}:__rand_int__' '{sluice:b}:all' 20000 100000 10 100000000
run "GET (baseline), 50 connections" -c 50 -P 1 -q get foo
