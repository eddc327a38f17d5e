#!/usr/bin/env bash
# A bounded soak of the shop: a fixed-rate mix of reads, order writes and logins for some
# minutes on loopback, then checks that nothing failed, that no write was lost (every
# product's stock drop equals the quantities of the orders taken during the run, and the
# orders created equal the 201s seen) and that the server's memory stayed flat.
# Usage: scripts/soak.sh [minutes, default 2]
# SOAK_RATE (requests/s over all kinds, default 200) and SOAK_THREADS (wrk threads, one
# connection each, default 4) tune the load. The mix per thread repeats every 20 requests:
# 14 reads, 5 orders, 1 login (70 %, 25 %, 5 %).
# Runs on a fresh SQLite file; then, when TEST_DATABASE_URL and TEST_REDIS_URL are set, on a
# fresh PostgreSQL database + Redis (Redis database index SOAK_REDIS_DB, default 11).
# Exits non-zero on any failure.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"
minutes="${1:-2}"
rate="${SOAK_RATE:-200}"
threads="${SOAK_THREADS:-4}"
secs=$((minutes * 60))
warmup=20
stock=100000
port=18284
url="http://127.0.0.1:$port"
for tool in wrk jq curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }
done
[ "$secs" -ge 60 ] || { echo "the soak lasts at least 1 minute" >&2; exit 1; }

# Other work may leave the tree briefly unbuildable: retry for a few minutes.
for attempt in $(seq 1 10); do
  cargo build --release -q -p shop && break
  [ "$attempt" = 10 ] && { echo "the shop does not build" >&2; exit 1; }
  echo "build failed, retrying in 30 s" >&2; sleep 30
done
bin="$CARGO_TARGET_DIR/release/shop"
work=$(mktemp -d)
server=""
sampler=""
pg_db=""
stop() {
  if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; fi; sampler=""
  if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true; fi; server=""
}
cleanup() {
  stop
  [ -n "$pg_db" ] && psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$work"; true
}
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

start() { # env...
  env APP_ENV=development PORT=$port RUST_LOG=error LOG_FORMAT=json \
    RATE_LIMIT=1000000000/1s RATE_LIMIT_AUTH=1000000000/1s JWT_ACCESS_TTL=1d "$@" \
    "$bin" serve > "$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do curl -fs "$url/ready" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "server did not start" >&2; tail -20 "$work/server.log" >&2; exit 1
}
login() { # email password -> access token
  curl -fs -X POST "$url/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" | jq -r .data.access_token
}
stocks() { # -> "id stock" lines, sorted by id
  curl -fs "$url/api/products?limit=100" | jq -r '.data[] | "\(.id) \(.stock_quantity)"' | sort
}
orders() { # admin token -> JSON lines of every order, paging through all of them
  local page=1 pages=1
  while [ "$page" -le "$pages" ]; do
    curl -fs "$url/api/orders?limit=100&page=$page" -H "Authorization: Bearer $1" > "$work/page.json"
    pages=$(jq .pagination.total_pages "$work/page.json")
    jq -c '.data[]' "$work/page.json"
    page=$((page + 1))
  done
}

write_lua() { # customer token, product ids...
  local token="$1"; shift
  local ids=""; for id in "$@"; do ids="$ids\"$id\","; done
  cat > "$work/soak.lua" <<LUA
local TOKEN = "$token"
local PRODUCTS = { $ids }
local INTERVAL = $threads * 1000 / $rate -- ms between two requests of one thread
local OUT = "$work/wrk-counts.txt"
LUA
  cat >> "$work/soak.lua" <<'LUA'
-- One connection per thread, so each response answers the last request() of its thread.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long soak_sec; long soak_nsec; } soak_timespec;
  int clock_gettime(int clock, soak_timespec *tp);
]]
local ts = ffi.new("soak_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.soak_sec) * 1000 + tonumber(ts.soak_nsec) / 1e6
end

local all = {}
local next_id = 0
function setup(thread)
  thread:set("thread_id", next_id)
  next_id = next_id + 1
  table.insert(all, thread)
end

local json = {["Content-Type"] = "application/json"}
local auth = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. TOKEN}
local reads = {
  function() return "/api/products?category=shoes&min_price=10&max_price=150&in_stock=true&sort=-price&limit=20" end,
  function() return "/api/products/" .. PRODUCTS[math.random(#PRODUCTS)] end,
  function() return "/api/categories" end,
  function() return "/api/products?q=running&limit=10" end,
  function() return "/api/products?category=hats&sort=price&page=1&limit=5" end,
  function() return "/api/products/" .. PRODUCTS[math.random(#PRODUCTS)] end,
  function() return "/api/products/popular" end,
}

function init(args)
  math.randomseed(thread_id * 7919 + 17)
  n = thread_id * 3 -- threads start at different points of the cycle
  counts = {}
  pending = "none"
  next_at = nil
end

function request()
  n = n + 1
  local slot = n % 20
  if slot == 0 then
    pending = "login"
    return wrk.format("POST", "/api/auth/login", json,
      '{"email":"customer@shop.example","password":"Customer123!demo"}')
  elseif slot % 4 == 1 then -- 1, 5, 9, 13, 17
    pending = "order"
    local body = string.format('{"items":[{"product_id":"%s","quantity":1}]}', PRODUCTS[math.random(#PRODUCTS)])
    return wrk.format("POST", "/api/orders", auth, body)
  else
    pending = "read"
    return wrk.format("GET", reads[n % #reads + 1]())
  end
end

-- A fixed schedule per thread: request k goes at start + k * INTERVAL; a late one goes at once.
function delay()
  local t = now_ms()
  if next_at == nil then next_at = t end
  next_at = next_at + INTERVAL
  local d = next_at - t
  if d < 0 then return 0 end
  return d
end

function response(status, headers, body)
  local key = pending .. " " .. status
  counts[key] = (counts[key] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(all) do
    for key, value in pairs(thread:get("counts")) do total[key] = (total[key] or 0) + value end
  end
  local f = io.open(OUT, "w")
  for key, value in pairs(total) do f:write(key, " ", value, "\n") end
  local e = summary.errors
  f:write("socket_errors ", e.connect + e.read + e.write + e.timeout, "\n")
  f:write("duration_us ", summary.duration, "\n")
  f:write("requests ", summary.requests, "\n")
  f:write("p50_ms ", latency:percentile(50) / 1000, "\n")
  f:write("p99_ms ", latency:percentile(99) / 1000, "\n")
  f:write("max_ms ", latency.max / 1000, "\n")
  f:close()
end
LUA
}

soak() { # label
  local label="$1" admin customer
  echo "== $label: ${minutes} min at $rate req/s ($threads threads, one connection each)"
  admin=$(login admin@shop.example 'Admin123!demo')
  customer=$(login customer@shop.example 'Customer123!demo')
  [ -n "$admin" ] && [ "$admin" != null ] && [ -n "$customer" ] && [ "$customer" != null ] \
    || { fail "$label: demo logins"; return; }
  # Large stock, so that 409 (not enough stock) stays rare.
  local ids; ids=$(stocks | awk '{print $1}')
  for id in $ids; do
    curl -fs -o /dev/null -X PATCH "$url/api/products/$id" -H "Authorization: Bearer $admin" \
      -H 'Content-Type: application/json' -d "{\"stock_quantity\":$stock}" || fail "$label: PATCH stock of $id"
  done
  stocks > "$work/stock0"
  orders "$admin" | jq -r .id | sort > "$work/orders0"
  # shellcheck disable=SC2086
  write_lua "$customer" $ids

  local pid="$server"
  (t0=$(date +%s)
    while kill -0 "$pid" 2>/dev/null; do
      echo "$(($(date +%s) - t0)) $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")"
      sleep 2
    done) > "$work/rss" &
  sampler=$!
  wrk -t"$threads" -c"$threads" -d"${secs}s" --timeout 5s -s "$work/soak.lua" "$url" > "$work/wrk.txt"
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; sampler=""

  # Statuses per kind. Expected: reads 200, logins 200, orders 201 or 409.
  local c="$work/wrk-counts.txt"
  get() { awk -v k="$1" '$1 " " $2 == k || ($1 == k && NF == 2) {s += $NF} END {print s + 0}' "$c"; }
  local dur; dur=$(awk '$1 == "duration_us" {print $2 / 1e6}' "$c")
  local reads orders logins created conflicts socket unexpected
  reads=$(awk '$1 == "read" {s += $3} END {print s + 0}' "$c")
  orders=$(awk '$1 == "order" {s += $3} END {print s + 0}' "$c")
  logins=$(awk '$1 == "login" {s += $3} END {print s + 0}' "$c")
  created=$(get "order 201"); conflicts=$(get "order 409"); socket=$(get socket_errors)
  unexpected=$(awk '($1 == "read" || $1 == "login") && $2 != 200 {s += $3}
    $1 == "order" && $2 != 201 && $2 != 409 {s += $3} $1 == "none" {s += $3} END {print s + 0}' "$c")
  awk -v d="$dur" -v r="$reads" -v o="$orders" -v l="$logins" 'BEGIN {
    printf "  duration %.1f s; achieved %.1f req/s: reads %.1f/s, orders %.1f/s, logins %.1f/s\n",
      d, (r + o + l) / d, r / d, o / d, l / d }'
  echo "  totals: $reads reads, $orders orders ($created created, $conflicts 409), $logins logins"
  echo "  latency (all kinds): p50 $(get p50_ms) ms, p99 $(get p99_ms) ms, max $(get max_ms) ms"
  echo "  unexpected statuses: $unexpected; socket errors: $socket"
  [ "$unexpected" = 0 ] || { fail "$label: unexpected statuses"; sort "$c" | sed 's/^/    /'; }
  [ "$socket" = 0 ] || fail "$label: socket errors"
  [ "$created" -gt 0 ] || fail "$label: no order was created"
  local lo hi; lo=$(awk -v r="$rate" 'BEGIN {print r * 0.95}'); hi=$(awk -v r="$rate" 'BEGIN {print r * 1.05}')
  awk -v d="$dur" -v n="$((reads + orders + logins))" -v lo="$lo" -v hi="$hi" \
    'BEGIN {exit !(n / d >= lo && n / d <= hi)}' || fail "$label: achieved rate is not within 5 % of $rate req/s"

  # Reconciliation: stock drop per product == quantities of the new orders' items.
  stocks > "$work/stock1"
  orders "$admin" > "$work/orders1.jsonl"
  local listed unique new
  listed=$(wc -l < "$work/orders1.jsonl")
  unique=$(jq -r .id "$work/orders1.jsonl" | sort -u | wc -l)
  [ "$listed" = "$unique" ] || fail "$label: paging listed $listed orders, $unique distinct"
  jq -r .id "$work/orders1.jsonl" | sort -u > "$work/orders1"
  comm -23 "$work/orders0" "$work/orders1" | grep -q . && fail "$label: orders present at start are gone"
  jq -c 'select($old[.id] | not)' --argjson old "$(jq -Rn '[inputs | {(.): true}] | add // {}' "$work/orders0")" \
    "$work/orders1.jsonl" > "$work/new.jsonl"
  new=$(wc -l < "$work/new.jsonl")
  jq -r '.items[] | "\(.product_id) \(.quantity)"' "$work/new.jsonl" \
    | awk '{q[$1] += $2} END {for (p in q) print p, q[p]}' | sort > "$work/sold"
  local mismatch
  mismatch=$(join -a1 -a2 -e 0 -o 0,1.2,2.2 "$work/stock0" "$work/stock1" \
    | join -a1 -e 0 -o 0,1.2,1.3,2.2 - "$work/sold" \
    | awk '{if ($2 - $3 != $4) {print "    " $1 ": start " $2 ", end " $3 ", ordered " $4; bad++}}
      END {exit bad > 0}') || true
  local sold; sold=$(awk '{s += $2} END {print s + 0}' "$work/sold")
  local drop; drop=$(join "$work/stock0" "$work/stock1" | awk '{s += $2 - $3} END {print s + 0}')
  echo "  reconciliation: $(wc -l < "$work/stock0") products, stock drop $drop, ordered units $sold;" \
    "orders in the database $new new, 201s seen $created"
  [ -z "$mismatch" ] || { fail "$label: stock does not reconcile"; echo "$mismatch"; }
  [ "$new" = "$created" ] || fail "$label: $new new orders in the database, $created 201s seen"

  # Memory: the last window's peak RSS against the first window's after warm-up.
  local win=$(( (secs - warmup) / 2 )); [ "$win" -gt 60 ] && win=60
  local rss
  rss=$(awk -v w="$warmup" -v win="$win" -v end="$secs" '
    NF == 2 && $2 != "" { if (!first) first = $2; if ($2 > max) max = $2; last = $2
      if ($1 >= w && $1 < w + win && $2 > a) a = $2
      if ($1 >= end - win && $1 <= end && $2 > b) b = $2 }
    END { printf "%d %d %d %d %d %.1f", first, max, last, a, b, (a > 0 ? (b / a - 1) * 100 : 999) }' "$work/rss")
  read -r first max last a b growth <<< "$rss"
  echo "  RSS: first $((first / 1024)) MiB, max $((max / 1024)) MiB, last $((last / 1024)) MiB" \
    "($(wc -l < "$work/rss") samples, every 2 s); peak of ${warmup}-$((warmup + win)) s $((a / 1024)) MiB," \
    "of the last $win s $((b / 1024)) MiB: ${growth} % (bound 10 %)"
  awk -v g="$growth" 'BEGIN {exit !(g <= 10)}' || fail "$label: RSS grew ${growth} % (bound 10 %)"
  grep -q '"level":"ERROR"' "$work/server.log" && { fail "$label: errors in the server log"; grep '"level":"ERROR"' "$work/server.log" | head -5; }
  return 0
}

start DATABASE_URL="sqlite://$work/soak.db?mode=rwc"
soak sqlite
stop

if [ -n "${TEST_DATABASE_URL:-}" ] && [ -n "${TEST_REDIS_URL:-}" ]; then
  pg_db="rustbe_soak_$$"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $pg_db" >/dev/null
  start DATABASE_URL="${TEST_DATABASE_URL%/*}/$pg_db" REDIS_URL="${TEST_REDIS_URL%/}/${SOAK_REDIS_DB:-11}"
  soak "postgres + redis"
  stop
  psql "$TEST_DATABASE_URL" -qc "DROP DATABASE $pg_db WITH (FORCE)" >/dev/null; pg_db=""
else
  echo "postgres + redis: skipped (TEST_DATABASE_URL and TEST_REDIS_URL are not both set)"
fi

if [ "$failures" -gt 0 ]; then echo "soak: $failures failure(s)"; exit 1; fi
echo "soak: passed"
