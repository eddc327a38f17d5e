#!/usr/bin/env bash
# GET of one row by id: uncached (SQLite, PostgreSQL), in-process cache hit, Redis hit; and the
# cost of the rate-limit layer. Loopback only, bounded in time.
# Usage: scripts/bench-cache.sh [seconds per run, default 10]
# PostgreSQL and Redis come from TEST_DATABASE_URL / TEST_REDIS_URL (skipped when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"
secs="${1:-10}"
port=18282
url="http://127.0.0.1:$port"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release -q -p rustbe-core --features redis --example cache_server
bin="$CARGO_TARGET_DIR/release/examples/cache_server"
work=$(mktemp -d)
server=""
stop() { if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; fi; server=""; }
trap 'stop; rm -rf "$work"; true' EXIT
cat > "$work/ids.lua" <<'LUA'
-- Ids 1..1000 in turn: every row is read, the cached routes stay hot after the first pass.
local n = 0
request = function()
  n = n % 1000 + 1
  return wrk.format("GET", string.format(wrk.path, n))
end
LUA

start() { # env... : starts the server with the given environment
  env APP_ENV=test PORT=$port RUST_LOG=error RATE_LIMIT=4000000000/1s "$@" "$bin" &
  server=$!
  for _ in $(seq 1 100); do curl -fs "$url/health" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
run() { # name path
  curl -fs "$url${2/\%d/1}" >/dev/null
  wrk -t1 -c32 -d"${secs}s" -s "$work/ids.lua" "$url$2" > "$work/out.txt"
  local rps; rps=$(awk '/^Requests\/sec/ {print $2}' "$work/out.txt")
  local bad; bad=$(awk '/Non-2xx|Socket errors/' "$work/out.txt")
  printf '%-34s %10s req/s %s\n' "$1" "$rps" "$bad"
  echo "$1=$rps" >> "$work/results"
}
ratio() { awk -F= -v a="$1" -v b="$2" '$1==a {x=$2} $1==b {y=$2} END {if (y>0) printf "%.2f", x/y; else print "n/a"}' "$work/results"; }

redis_env=()
[ -n "${TEST_REDIS_URL:-}" ] && redis_env=(REDIS_URL="$TEST_REDIS_URL")

start DATABASE_URL="sqlite://$work/bench.db?mode=rwc" "${redis_env[@]}"
run "sqlite, uncached" "/api/products/%d"
run "sqlite, in-process cache hit" "/api/memory/products/%d"
[ -n "${TEST_REDIS_URL:-}" ] && run "sqlite, redis cache hit" "/api/redis/products/%d"
stop

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  db="rustbe_bench_$$"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
  pg_url="${TEST_DATABASE_URL%/*}/$db"
  start DATABASE_URL="$pg_url" "${redis_env[@]}"
  run "postgres, uncached" "/api/products/%d"
  run "postgres, in-process cache hit" "/api/memory/products/%d"
  [ -n "${TEST_REDIS_URL:-}" ] && run "postgres, redis cache hit" "/api/redis/products/%d"
  stop
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
fi

# The rate-limit layer's cost, inside one process: the same cached handler at two paths under
# `/api`, one limited and one not, measured in turn five times each.
env APP_ENV=test PORT=$((port + 1)) RUST_LOG=error RATE_LIMIT=4000000000/1s DATABASE_URL="sqlite://$work/bench.db?mode=rwc" BENCH_RATE_LIMIT=1 "$bin" &
ab_server=$!
trap 'stop; kill "$ab_server" 2>/dev/null; rm -rf "$work"; true' EXIT
ab="http://127.0.0.1:$((port + 1))"
for _ in $(seq 1 100); do curl -fs "$ab/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$ab/api/memory/products/1" >/dev/null
curl -fsI "$ab/api/memory/products/1" | grep -qi '^ratelimit-limit' || { echo "the /api route is not rate limited" >&2; exit 1; }
for round in 1 2 3 4 5; do
  for variant in plain limited; do
    path="/api/plain/memory/products/%d"; [ "$variant" = limited ] && path="/api/memory/products/%d"
    wrk -t1 -c32 -d"${secs}s" -s "$work/ids.lua" "$ab$path" > "$work/out.txt"
    rps=$(awk '/^Requests\/sec/ {print $2}' "$work/out.txt")
    printf '%-34s %10s req/s (round %s)\n' "in-process hit, $variant" "$rps" "$round"
    echo "$variant $rps" >> "$work/ab"
  done
done
kill "$ab_server" 2>/dev/null || true
rl_ratio=$(awk '$1=="plain" {p+=$2} $1=="limited" {l+=$2} END {printf "%.3f", l/p}' "$work/ab")

echo
echo "in-process hit / sqlite uncached      $(ratio 'sqlite, in-process cache hit' 'sqlite, uncached')  (target >= 2)"
[ -n "${TEST_DATABASE_URL:-}" ] && echo "in-process hit / postgres uncached    $(ratio 'postgres, in-process cache hit' 'postgres, uncached')  (target >= 2)"
[ -n "${TEST_DATABASE_URL:-}" ] && [ -n "${TEST_REDIS_URL:-}" ] && echo "redis hit / postgres uncached         $(ratio 'postgres, redis cache hit' 'postgres, uncached')  (target >= 1)"
echo "rate limited / not limited            $rl_ratio  (one process, five interleaved runs each; target >= 0.95)"
exit 0
