#!/usr/bin/env bash
# The derive against hand-written axum + SeaORM handlers doing the same work, on the same
# table, in one process: list with filters, sort and total; get by id; create. Each pair runs
# in turn (generated, hand-written) for several rounds, and the ratio is of the sums.
# Loopback only, bounded in time.
# Usage: scripts/bench-resource.sh [seconds per run, default 8] [rounds, default 3]
# PostgreSQL comes from TEST_DATABASE_URL (skipped when unset).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"
secs="${1:-8}"
rounds="${2:-3}"
port=18283
url="http://127.0.0.1:$port"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release -q -p rustbe-core --example resource_bench
bin="$CARGO_TARGET_DIR/release/examples/resource_bench"
work=$(mktemp -d)
server=""
stop() { if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; fi; server=""; }
trap 'stop; rm -rf "$work"; true' EXIT

cat > "$work/list.lua" <<'LUA'
-- A category and a price band in turn, sorted by price, second page of 20.
local categories = {"shoes", "hats", "bags", "coats", "socks", "belts", "gloves", "scarves", "boots", "shirts"}
local n = 0
request = function()
  n = n % 10 + 1
  local min = (n * 13) % 100
  return wrk.format("GET", string.format("%s?category=%s&min_price=%d&max_price=%d&sort=-price&page=2&limit=20", wrk.path, categories[n], min, min + 60))
end
LUA
cat > "$work/get.lua" <<'LUA'
local n = 0
request = function()
  n = n % 10000 + 1
  return wrk.format("GET", wrk.path .. "/" .. n)
end
LUA
cat > "$work/create.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"name":"New %d","category":"hats","price":%d.5,"stock":3}', n, n % 500)
  return wrk.format("POST", wrk.path, {["Content-Type"] = "application/json"}, body)
end
LUA

start() { # env...
  env APP_ENV=test PORT=$port RUST_LOG=error "$@" "$bin" &
  server=$!
  for _ in $(seq 1 300); do curl -fs "$url/health" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "server did not start" >&2; exit 1
}
run() { # label script path
  wrk -t1 -c32 -d"${secs}s" -s "$work/$2.lua" "$url$3" > "$work/out.txt"
  local rps; rps=$(awk '/^Requests\/sec/ {print $2}' "$work/out.txt")
  local bad; bad=$(awk '/Non-2xx|Socket errors/' "$work/out.txt")
  printf '  %-28s %10s req/s %s\n' "$1" "$rps" "$bad"
  echo "$1 $rps" >> "$work/results"
}
report() { # backend
  echo "$1: generated / hand-written (sum of $rounds rounds)"
  for op in list get create; do
    awk -v g="$op gen" -v h="$op hand" '
      { key = $1 " " $2; sum[key] += $3 }
      END { printf "  %-8s %.3f\n", substr(g, 1, index(g, " ") - 1), sum[g] / sum[h] }' "$work/results"
  done
  rm -f "$work/results"
}
bench() { # backend
  curl -fs "$url/api/gen/items/1" >/dev/null && curl -fs "$url/api/hand/items/1" >/dev/null
  for _ in $(seq 1 "$rounds"); do
    run "list gen" list /api/gen/items
    run "list hand" list /api/hand/items
    run "get gen" get /api/gen/items
    run "get hand" get /api/hand/items
  done
  for _ in $(seq 1 "$rounds"); do
    run "create gen" create /api/gen/items
    run "create hand" create /api/hand/items
  done
  report "$1"
}

start DATABASE_URL="sqlite://$work/bench.db?mode=rwc"
bench sqlite
stop

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  db="rustbe_bench_$$"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $db" >/dev/null
  start DATABASE_URL="${TEST_DATABASE_URL%/*}/$db"
  bench postgres
  stop
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
else
  echo "postgres: skipped (TEST_DATABASE_URL is not set)"
fi
