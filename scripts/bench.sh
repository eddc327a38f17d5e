#!/usr/bin/env bash
# The benchmark harness: the shop (rustbe) against a hand-written axum + SeaORM server doing
# the same work over the same data (benches/baseline), on SQLite and, when TEST_DATABASE_URL is
# set, on PostgreSQL (Redis rows when TEST_REDIS_URL is set too). Release builds, loopback
# only, `wrk` as the load generator; each scenario runs on both servers in turn, BENCH_ROUNDS
# times, and the ratio is of the summed requests per second.
#
# Usage: scripts/bench.sh            (BENCH_SECONDS per run, default 8; BENCH_ROUNDS, default 2;
#                                      BENCH_PRODUCTS, default 10000; BENCH_COMPILE=0 skips
#                                      the compile-cost measurement; BASELINE_STACK=on runs the
#                                      baseline behind the tower-http layers a careful team adds,
#                                      request id, trace, security headers, compression,
#                                      catch-panic, timeout, body limit, CORS; run once with it
#                                      and once without for both comparisons)
# Prints Markdown tables: requests/s, p50/p99 latency, CPU time per request and peak memory of
# each server, the ratios against the targets, the ceilings (a static JSON route; one argon2
# verify, and the verifies/s of every core at once), and the compile cost of the shop. Exits non-zero if a run saw errors.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"
secs="${BENCH_SECONDS:-8}"
rounds="${BENCH_ROUNDS:-2}"
products="${BENCH_PRODUCTS:-10000}"
shop_port=18301
base_port=18302
redis_db=12
command -v wrk >/dev/null || { echo "bench: wrk is needed (apt-get install wrk)" >&2; exit 1; }

cargo build --release -q -p shop -p rustbe-baseline
shop_bin="$CARGO_TARGET_DIR/release/shop"
base_bin="$CARGO_TARGET_DIR/release/rustbe-baseline"
tck=$(getconf CLK_TCK)
cores=$(nproc)

work=$(mktemp -d)
results="$work/results"
: >"$results"
shop_pid=""
base_pid=""
pg_db=""
stop() {
  for pid in $shop_pid $base_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  shop_pid=""
  base_pid=""
}
cleanup() {
  stop
  if [ -n "$pg_db" ]; then psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

wait_up() { # port pid log
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$1/health" >/dev/null 2>&1 && return
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench: the server on port $1 did not start" >&2
  cat "$3" >&2
  exit 1
}

# The shop as shipped, minus the rate limits (the baseline has none) and with warn-level logs
# (the baseline logs nothing). Extra variables (CACHE=off, REDIS_URL=…) come as arguments.
start_shop() {
  env APP_ENV=development SEED_DEMO_DATA=true HOST=127.0.0.1 PORT=$shop_port \
    DATABASE_URL="$db_url" RATE_LIMITS=off JWT_ACCESS_TTL=1h RUST_LOG=warn "$@" \
    "$shop_bin" serve >"$work/shop.log" 2>&1 &
  shop_pid=$!
  wait_up $shop_port "$shop_pid" "$work/shop.log"
}
start_base() {
  env PORT=$base_port DATABASE_URL="$db_url" "$@" "$base_bin" >"$work/base.log" 2>&1 &
  base_pid=$!
  wait_up $base_port "$base_pid" "$work/base.log"
}

token() { # port email password
  curl -fsS -X POST "http://127.0.0.1:$1/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$2\",\"password\":\"$3\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["access_token"])'
}

# --- wrk scripts -------------------------------------------------------------------------
write_scripts() {
  # ids.lua: product ids and category ids, loaded by every script.
  DATABASE_URL="$db_url" "$base_bin" ids 1000 | awk '
    BEGIN { print "ids = {" }
    $0 == "categories" { print "}"; print "categories = {"; next }
    { printf "\"%s\",\n", $0 }
    END { print "}" }' >"$work/ids.lua"
  cat >"$work/common.lua" <<LUA
dofile("$work/ids.lua")
local token = os.getenv("BENCH_TOKEN")
auth = {}
if token and token ~= "" then auth["Authorization"] = "Bearer " .. token end
json = {["Content-Type"] = "application/json"}
if token and token ~= "" then json["Authorization"] = "Bearer " .. token end
n = 0
function get_one() n = n % #ids + 1; return wrk.format("GET", "/api/products/" .. ids[n], auth) end
function list()
  n = n % 30 + 1
  local min = (n * 13) % 400
  return wrk.format("GET", string.format("/api/products?category=%s&min_price=%d&max_price=%d&sort=-price&page=2&limit=20",
    categories[n % #categories + 1], min, min + 60), auth)
end
function create()
  n = n + 1
  local body = string.format('{"name":"Load %d","description":"made by wrk","price":%d.5,"category_id":"%s","stock_quantity":3,"images":[]}',
    n, n % 500 + 1, categories[n % #categories + 1])
  return wrk.format("POST", "/api/products", json, body)
end
function me() return wrk.format("GET", "/api/users/me", auth) end
function login()
  return wrk.format("POST", "/api/auth/login", {["Content-Type"] = "application/json"},
    '{"email":"customer@shop.example","password":"Customer123!demo"}')
end
LUA
  for fn in get_one list create me login; do
    printf 'dofile("%s/common.lua")\nrequest = function() return %s() end\n' "$work" "$fn" >"$work/$fn.lua"
  done
  # The mixed workload, per 20 requests: 12 reads by id, 4 filtered lists, 2 profiles,
  # 2 creates (60/20/10/10). Logins are measured on their own: at this rate they would be
  # nothing but argon2.
  cat >"$work/mixed.lua" <<LUA
dofile("$work/common.lua")
local k = 0
request = function()
  k = k % 20 + 1
  if k <= 12 then return get_one() elseif k <= 16 then return list() elseif k <= 18 then return me() else return create() end
end
LUA
  printf 'request = function() return wrk.format("GET", wrk.path) end\n' >"$work/static.lua"
}

# --- one measured run --------------------------------------------------------------------
to_ms() { # wrk's 1.23ms / 456.78us / 1.02s
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else { sub(/s$/, "", v); printf "%.3f", v * 1000 } }'
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

run() { # backend config scenario server(shop|base) script path conns [token]
  local backend=$1 config=$2 scenario=$3 server=$4 script=$5 path=$6 conns=$7 tok=${8:-}
  local port=$shop_port pid=$shop_pid
  if [ "$server" = base ]; then port=$base_port; pid=$base_pid; fi
  local before after
  before=$(ticks "$pid")
  BENCH_TOKEN="$tok" wrk --latency --timeout 10s -t1 -c"$conns" -d"${secs}s" -s "$work/$script.lua" \
    "http://127.0.0.1:$port$path" >"$work/wrk.txt"
  after=$(ticks "$pid")
  local rps total p50 p99 errors cpu
  rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk.txt")
  total=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")")
  errors=$(awk '/Non-2xx/ { e += $NF } /Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } END { print e + 0 }' "$work/wrk.txt")
  cpu=$(awk -v a="$after" -v b="$before" -v t="$tck" -v n="$total" 'BEGIN { printf "%.1f", (a - b) / t * 1e6 / (n > 0 ? n : 1) }')
  echo "$backend $config ${scenario// /_} $server $rps $p50 $p99 $cpu $errors" >>"$results"
  printf '  %-9s %-14s %-5s %10s req/s  p50 %7s ms  p99 %7s ms  cpu %7s us/req  errors %s\n' \
    "$config" "$scenario" "$server" "$rps" "$p50" "$p99" "$cpu" "$errors" >&2
}

both() { # backend config scenario script path conns [shop token] [base token]
  for _ in $(seq 1 "$rounds"); do
    run "$1" "$2" "$3" shop "$4" "$5" "$6" "${7:-}"
    run "$1" "$2" "$3" base "$4" "$5" "$6" "${8:-}"
  done
}

peak() { # backend config: the shop's and the baseline's peak RSS (VmHWM), MiB
  local s b
  s=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$shop_pid/status")
  b=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$base_pid/status")
  echo "$1 $2 $s $b" >>"$work/memory"
}

bench_backend() { # backend
  local backend=$1
  echo "== $backend" >&2
  # Schema and demo data from the shop, then the benchmark catalogue.
  start_shop
  stop
  DATABASE_URL="$db_url" "$base_bin" seed "$products"
  write_scripts

  # Uncached: every read goes to the database.
  start_shop CACHE=off
  start_base CACHE=off
  local shop_admin base_admin
  shop_admin=$(token $shop_port admin@shop.example 'Admin123!demo')
  base_admin=$(token $base_port admin@shop.example 'Admin123!demo')
  both "$backend" uncached "get by id" get_one "" 32
  both "$backend" uncached "list" list "" 32
  both "$backend" uncached "create" create "" 32 "$shop_admin" "$base_admin"
  both "$backend" uncached "login" login "" 8
  peak "$backend" uncached
  stop

  # The in-process cache.
  start_shop
  start_base CACHE=memory
  local shop_customer base_customer
  shop_customer=$(token $shop_port customer@shop.example 'Customer123!demo')
  base_customer=$(token $base_port customer@shop.example 'Customer123!demo')
  shop_admin=$(token $shop_port admin@shop.example 'Admin123!demo')
  base_admin=$(token $base_port admin@shop.example 'Admin123!demo')
  run "$backend" memory "static" base static /static 32
  run "$backend" memory "static" shop static /health 32
  both "$backend" memory "get by id" get_one "" 32
  both "$backend" memory "get, signed in" get_one "" 32 "$shop_customer" "$base_customer"
  both "$backend" memory "profile (me)" me "" 32 "$shop_customer" "$base_customer"
  both "$backend" memory "mixed" mixed "" 32 "$shop_admin" "$base_admin"
  peak "$backend" memory
  stop

  if [ -n "${TEST_REDIS_URL:-}" ]; then
    local redis="${TEST_REDIS_URL%/}/$redis_db"
    redis-cli -n $redis_db flushdb >/dev/null
    start_shop REDIS_URL="$redis"
    start_base CACHE=redis REDIS_URL="$redis"
    both "$backend" redis "get by id" get_one "" 32
    peak "$backend" redis
    stop
    redis-cli -n $redis_db flushdb >/dev/null
  else
    echo "  redis: skipped (TEST_REDIS_URL is not set)" >&2
  fi
}

db_url="sqlite://$work/bench.db?mode=rwc"
bench_backend sqlite
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  pg_db="rustbe_bench_$$"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $pg_db" >/dev/null
  db_url="${TEST_DATABASE_URL%/*}/$pg_db"
  bench_backend postgres
else
  echo "== postgres: skipped (TEST_DATABASE_URL is not set)" >&2
fi

read -r argon_us argon_parallel < <("$base_bin" argon2)

# --- the tables ----------------------------------------------------------------------------
baseline_kind="bare handlers"
case "${BASELINE_STACK:-}" in on | 1 | true) baseline_kind="handlers behind the tower-http stack (BASELINE_STACK=on)" ;; esac
echo
echo "Baseline: $baseline_kind."
echo
echo "### Throughput, latency, CPU ($secs s runs, $rounds rounds, wrk -t1, $(nproc) cores)"
echo
echo "| backend | cache | scenario | rustbe req/s | baseline req/s | ratio | p50 ms (r / b) | p99 ms (r / b) | CPU µs/req (r / b) |"
echo "|---|---|---|---|---|---|---|---|---|"
awk '
  { key = $1 "|" $2 "|" $3; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    s = $4; rps[key, s] += $5; runs[key, s]++; p50[key, s] += $6; p99[key, s] += $7; cpu[key, s] += $8; err += $9 }
  END {
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, f, "|"); gsub(/_/, " ", f[3])
      if (runs[k, "shop"] == 0 || runs[k, "base"] == 0) continue
      printf "| %s | %s | %s | %.0f | %.0f | **%.3f** | %.2f / %.2f | %.2f / %.2f | %.0f / %.0f |\n", f[1], f[2], f[3],
        rps[k, "shop"] / runs[k, "shop"], rps[k, "base"] / runs[k, "base"], rps[k, "shop"] / rps[k, "base"],
        p50[k, "shop"] / runs[k, "shop"], p50[k, "base"] / runs[k, "base"],
        p99[k, "shop"] / runs[k, "shop"], p99[k, "base"] / runs[k, "base"],
        cpu[k, "shop"] / runs[k, "shop"], cpu[k, "base"] / runs[k, "base"]
    }
  }' "$results"
echo
echo "### Ceilings and targets"
echo
echo "| measure | value | target |"
echo "|---|---|---|"
awk -v argon="$argon_us" -v parallel="$argon_parallel" -v cores="$cores" '
  function mean(b, c, s, srv) { return rps[b "|" c "|" s "|" srv] / runs[b "|" c "|" s "|" srv] }
  { k = $1 "|" $2 "|" $3 "|" $4; rps[k] += $5; runs[k]++; backends[$1] = 1 }
  END {
    printf "| one argon2 verify (median of 25) | %.1f ms | |\n", argon / 1000
    naive = cores / (argon / 1e6)
    printf "| cores ÷ one verify | %.1f verifies/s | |\n", naive
    ceiling = parallel
    printf "| login ceiling: %d cores verifying at once, measured | %.1f verifies/s = %.3f of cores ÷ one verify | |\n", cores, ceiling, ceiling / naive
    for (b in backends) {
      printf "| %s: static JSON, baseline (the HTTP ceiling) | %.0f req/s | |\n", b, mean(b, "memory", "static", "base")
      printf "| %s: `/health` through the whole rustbe stack | %.0f req/s = %.3f of the ceiling | |\n", b, mean(b, "memory", "static", "shop"), mean(b, "memory", "static", "shop") / mean(b, "memory", "static", "base")
      printf "| %s: signed-in ÷ anonymous `GET` by id (rustbe) | **%.3f** | ≥ 0.95 |\n", b, mean(b, "memory", "get,_signed_in", "shop") / mean(b, "memory", "get_by_id", "shop")
      printf "| %s: in-process hit ÷ uncached `GET` by id (rustbe) | **%.2f** | ≥ 2 |\n", b, mean(b, "memory", "get_by_id", "shop") / mean(b, "uncached", "get_by_id", "shop")
      if (runs[b "|redis|get_by_id|shop"] > 0)
        printf "| %s: Redis hit ÷ uncached `GET` by id (rustbe) | **%.2f** | |\n", b, mean(b, "redis", "get_by_id", "shop") / mean(b, "uncached", "get_by_id", "shop")
      printf "| %s: logins/s ÷ ceiling (rustbe) | **%.3f** (%.3f of cores ÷ one verify; baseline %.3f) | ≥ 0.9 |\n", b, mean(b, "uncached", "login", "shop") / ceiling, mean(b, "uncached", "login", "shop") / naive, mean(b, "uncached", "login", "base") / ceiling
    }
  }' "$results"
echo
echo "### Peak memory (VmHWM of each server process over its runs)"
echo
echo "| backend | cache | rustbe MiB | baseline MiB |"
echo "|---|---|---|---|"
awk '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$work/memory"
awk '{ if ($3 > m) m = $3 } END { printf "\nrustbe peak over every run: **%d MiB** (target < 100)\n", m }' "$work/memory"
errors=$(awk '{ e += $9 } END { print e + 0 }' "$results")

if [ "${BENCH_COMPILE:-1}" != 0 ]; then
  # A clean release build of the shop in a target dir of its own, then the rebuild after one
  # entity changes (its file is touched).
  clean_dir="$HOME/.cache/rustbe-bench-clean"
  rm -rf "$clean_dir"
  start=$(date +%s.%N)
  CARGO_TARGET_DIR="$clean_dir" cargo build --release -q -p shop
  mid=$(date +%s.%N)
  touch examples/shop/src/entities/product.rs
  CARGO_TARGET_DIR="$clean_dir" cargo build --release -q -p shop
  end=$(date +%s.%N)
  rm -rf "$clean_dir"
  echo
  echo "### Compile cost (release, $cores cores)"
  echo
  echo "| build | seconds |"
  echo "|---|---|"
  awk -v a="$start" -v b="$mid" -v c="$end" 'BEGIN {
    printf "| clean release build of the shop | %.0f |\n", b - a
    printf "| rebuild after touching one entity (`product.rs`) | %.1f |\n", c - b }'
fi

if [ "$errors" -ne 0 ]; then
  echo "bench: $errors requests failed (non-2xx or socket errors); see the lines above" >&2
  exit 1
fi
