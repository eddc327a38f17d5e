#!/usr/bin/env bash
# The benchmark harness: the shop (rustbe) against two hand-written axum + SeaORM servers doing
# the same work over the same data (benches/baseline): the bare handlers, and the same handlers
# behind the tower-http layers a careful team adds for rustbe's guarantees (request id, trace,
# security headers, compression, catch-panic, timeout, body limit, CORS; `BASELINE_STACK=on`).
# SQLite always; PostgreSQL when TEST_DATABASE_URL is set (Redis rows when TEST_REDIS_URL is set
# too). Release builds, loopback only, `wrk` as the load generator.
#
# The three servers are loaded at once: for every scenario one wrk per server runs for the same
# BENCH_SECONDS, the servers pinned together to the last CPU and the wrks to the others
# (`taskset`; BENCH_PIN=0 leaves placement to the kernel), BENCH_ROUNDS times. What is compared
# is CPU time per request (the server process's user + system time over the run, divided by
# the requests it served): the servers share one CPU and the same moment, so a busy machine
# slows all three alike, and the ratio rustbe ÷ baseline of CPU per request is what the issue's
# targets are written in (lower is better; 1.0 costs the same).
#
# Usage: scripts/bench.sh            (BENCH_SECONDS per run, default 8; BENCH_ROUNDS, default 2;
#                                      BENCH_PRODUCTS, default 10000; BENCH_COMPILE=0 skips
#                                      the compile-cost measurement; BENCH_PIN=0 no pinning;
#                                      BENCH_BUILD=0 uses the release binaries already built)
# Prints Markdown tables: CPU per request of each server and rustbe's ratio against each
# baseline, requests/s and p50/p99 latency, the targets of issue 19, peak memory, the argon2
# cost, and the compile cost of the shop. Exits non-zero if a run saw errors.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"
secs="${BENCH_SECONDS:-8}"
rounds="${BENCH_ROUNDS:-2}"
products="${BENCH_PRODUCTS:-10000}"
shop_port=18301
base_port=18302
stack_port=18303
redis_db=12 # the shop's; the baselines use the next two
command -v wrk >/dev/null || { echo "bench: wrk is needed (apt-get install wrk)" >&2; exit 1; }

if [ "${BENCH_BUILD:-1}" != 0 ]; then cargo build --release -q -p shop -p rustbe-baseline; fi
shop_bin="$CARGO_TARGET_DIR/release/shop"
base_bin="$CARGO_TARGET_DIR/release/rustbe-baseline"
tck=$(getconf CLK_TCK)
cores=$(nproc)

work=$(mktemp -d)
results="$work/results"
: >"$results"
shop_pid=""
base_pid=""
stack_pid=""
pg_db=""
# Servers on the last CPU, load generators on the others (when there are at least two).
server_cpus=""
load_cpus=""
if [ "${BENCH_PIN:-1}" != 0 ] && [ "$cores" -ge 2 ] && command -v taskset >/dev/null; then
  server_cpus=$((cores - 1))
  load_cpus="0-$((cores - 2))"
fi
# Command prefixes (taskset execs the command: `$!` is the server's own pid).
on_servers=(env)
on_load=(env)
if [ -n "$server_cpus" ]; then
  on_servers=(taskset -c "$server_cpus")
  on_load=(taskset -c "$load_cpus")
fi
stop() {
  for pid in $shop_pid $base_pid $stack_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  shop_pid=""
  base_pid=""
  stack_pid=""
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
  "${on_servers[@]}" env APP_ENV=development SEED_DEMO_DATA=true HOST=127.0.0.1 PORT=$shop_port \
    DATABASE_URL="$db_url" RATE_LIMITS=off JWT_ACCESS_TTL=1h RUST_LOG=warn "$@" \
    "$shop_bin" serve >"$work/shop.log" 2>&1 &
  shop_pid=$!
  wait_up $shop_port "$shop_pid" "$work/shop.log"
}
# The two baselines, each over its own copy of the SQLite file (a shared file would make the
# three servers queue for one write lock) or the same PostgreSQL database.
start_base() {
  "${on_servers[@]}" env PORT=$base_port DATABASE_URL="$base_db_url" "$@" "$base_bin" >"$work/base.log" 2>&1 &
  base_pid=$!
  wait_up $base_port "$base_pid" "$work/base.log"
}
start_stack() {
  "${on_servers[@]}" env PORT=$stack_port DATABASE_URL="$stack_db_url" BASELINE_STACK=on "$@" "$base_bin" >"$work/stack.log" 2>&1 &
  stack_pid=$!
  wait_up $stack_port "$stack_pid" "$work/stack.log"
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

# One scenario on the three servers at once: a wrk per server, same length, same moment.
trio() { # backend config scenario script path conns [shop token] [base token] [stack token]
  local backend=$1 config=$2 scenario=$3 script=$4 path=$5 conns=$6
  local toks=("${7:-}" "${8:-}" "${9:-}") servers=(shop base stack) ports=($shop_port $base_port $stack_port)
  local pids=($shop_pid $base_pid $stack_pid) before=() after=() wrks=() i
  local paths=("$path" "$path" "$path")
  if [ "$scenario" = static ]; then paths=(/health /static /static); fi
  for i in 0 1 2; do before[i]=$(ticks "${pids[i]}"); done
  for i in 0 1 2; do
    BENCH_TOKEN="${toks[i]}" "${on_load[@]}" wrk --latency --timeout 10s -t1 -c"$conns" -d"${secs}s" \
      -s "$work/$script.lua" "http://127.0.0.1:${ports[i]}${paths[i]}" >"$work/wrk.${servers[i]}.txt" &
    wrks[i]=$!
  done
  for i in 0 1 2; do wait "${wrks[i]}"; done
  for i in 0 1 2; do after[i]=$(ticks "${pids[i]}"); done
  for i in 0 1 2; do
    local out="$work/wrk.${servers[i]}.txt" rps total p50 p99 errors cpu
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$out")
    total=$(awk '/requests in/ { print $1 }' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$out")")
    errors=$(awk '/Non-2xx/ { e += $NF } /Socket errors/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 } END { print e + 0 }' "$out")
    cpu=$(awk -v a="${after[i]}" -v b="${before[i]}" -v t="$tck" -v n="$total" 'BEGIN { printf "%.1f", (a - b) / t * 1e6 / (n > 0 ? n : 1) }')
    echo "$backend $config ${scenario// /_} ${servers[i]} $rps $p50 $p99 $cpu $errors" >>"$results"
    printf '  %-9s %-14s %-5s %10s req/s  p50 %7s ms  p99 %7s ms  cpu %7s us/req  errors %s\n' \
      "$config" "$scenario" "${servers[i]}" "$rps" "$p50" "$p99" "$cpu" "$errors" >&2
  done
}

rounds_of() { for _ in $(seq 1 "$rounds"); do trio "$@"; done; }

peak() { # backend config: each server's peak RSS (VmHWM), MiB
  local s b k
  s=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$shop_pid/status")
  b=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$base_pid/status")
  k=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$stack_pid/status")
  echo "$1 $2 $s $b $k" >>"$work/memory"
}

logins() { # port: an admin's and a customer's token
  printf '%s %s\n' "$(token "$1" admin@shop.example 'Admin123!demo')" "$(token "$1" customer@shop.example 'Customer123!demo')"
}

bench_backend() { # backend
  local backend=$1
  echo "== $backend" >&2
  # Schema and demo data from the shop, then the benchmark catalogue.
  start_shop
  stop
  DATABASE_URL="$db_url" "$base_bin" seed "$products"
  if [ "$backend" = sqlite ]; then
    for copy in base stack; do
      for ext in "" -wal -shm; do
        if [ -f "$work/bench.db$ext" ]; then cp "$work/bench.db$ext" "$work/$copy.db$ext"; fi
      done
    done
  fi
  write_scripts

  # Uncached: every read goes to the database.
  start_shop CACHE=off
  start_base CACHE=off
  start_stack CACHE=off
  local shop_admin base_admin stack_admin shop_customer base_customer stack_customer
  read -r shop_admin shop_customer < <(logins $shop_port)
  read -r base_admin base_customer < <(logins $base_port)
  read -r stack_admin stack_customer < <(logins $stack_port)
  rounds_of "$backend" uncached "get by id" get_one "" 32
  rounds_of "$backend" uncached "list" list "" 32
  rounds_of "$backend" uncached "create" create "" 32 "$shop_admin" "$base_admin" "$stack_admin"
  rounds_of "$backend" uncached "login" login "" 8
  peak "$backend" uncached
  stop

  # The in-process cache.
  start_shop
  start_base CACHE=memory
  start_stack CACHE=memory
  read -r shop_admin shop_customer < <(logins $shop_port)
  read -r base_admin base_customer < <(logins $base_port)
  read -r stack_admin stack_customer < <(logins $stack_port)
  rounds_of "$backend" memory "static" static "" 32
  rounds_of "$backend" memory "get by id" get_one "" 32
  rounds_of "$backend" memory "get, signed in" get_one "" 32 "$shop_customer" "$base_customer" "$stack_customer"
  rounds_of "$backend" memory "profile (me)" me "" 32 "$shop_customer" "$base_customer" "$stack_customer"
  rounds_of "$backend" memory "mixed" mixed "" 32 "$shop_admin" "$base_admin" "$stack_admin"
  peak "$backend" memory
  stop

  if [ -n "${TEST_REDIS_URL:-}" ]; then
    local redis="${TEST_REDIS_URL%/}"
    for db in $redis_db $((redis_db + 1)) $((redis_db + 2)); do redis-cli -n $db flushdb >/dev/null; done
    start_shop REDIS_URL="$redis/$redis_db"
    start_base CACHE=redis REDIS_URL="$redis/$((redis_db + 1))"
    start_stack CACHE=redis REDIS_URL="$redis/$((redis_db + 2))"
    rounds_of "$backend" redis "get by id" get_one "" 32
    peak "$backend" redis
    stop
    for db in $redis_db $((redis_db + 1)) $((redis_db + 2)); do redis-cli -n $db flushdb >/dev/null; done
  else
    echo "  redis: skipped (TEST_REDIS_URL is not set)" >&2
  fi
}

db_url="sqlite://$work/bench.db?mode=rwc"
base_db_url="sqlite://$work/base.db?mode=rwc"
stack_db_url="sqlite://$work/stack.db?mode=rwc"
bench_backend sqlite
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  pg_db="rustbe_bench_$$"
  psql "$TEST_DATABASE_URL" -qc "CREATE DATABASE $pg_db" >/dev/null
  db_url="${TEST_DATABASE_URL%/*}/$pg_db"
  base_db_url="$db_url"
  stack_db_url="$db_url"
  bench_backend postgres
else
  echo "== postgres: skipped (TEST_DATABASE_URL is not set)" >&2
fi

read -r argon_us argon_parallel < <("$base_bin" argon2)

# --- the tables ----------------------------------------------------------------------------
pinning="servers pinned together to CPU $server_cpus, wrk on CPU $load_cpus"
if [ -z "$server_cpus" ]; then pinning="no pinning"; fi
echo
echo "### CPU per request, the three servers loaded at once ($secs s runs, $rounds rounds, wrk -t1 each, $cores cores; $pinning)"
echo
echo "rustbe is the shop; *bare* the hand-written handlers; *stacked* the same behind the tower-http"
echo "stack (\`BASELINE_STACK=on\`). Ratios are of CPU time per request: lower is cheaper."
echo
echo "| backend | cache | scenario | CPU µs/req (rustbe / bare / stacked) | rustbe ÷ bare | rustbe ÷ stacked | req/s (r / b / s) | p50 ms (r / b / s) | p99 ms (r / b / s) |"
echo "|---|---|---|---|---|---|---|---|---|"
awk '
  { key = $1 "|" $2 "|" $3; if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    s = $4; rps[key, s] += $5; runs[key, s]++; p50[key, s] += $6; p99[key, s] += $7; cpu[key, s] += $8 }
  function m(a, k, s) { return a[k, s] / runs[k, s] }
  END {
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, f, "|"); gsub(/_/, " ", f[3])
      if (runs[k, "shop"] == 0 || runs[k, "base"] == 0 || runs[k, "stack"] == 0) continue
      printf "| %s | %s | %s | %.1f / %.1f / %.1f | **%.3f** | **%.3f** | %.0f / %.0f / %.0f | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f |\n", f[1], f[2], f[3],
        m(cpu, k, "shop"), m(cpu, k, "base"), m(cpu, k, "stack"),
        cpu[k, "shop"] / cpu[k, "base"], cpu[k, "shop"] / cpu[k, "stack"],
        m(rps, k, "shop"), m(rps, k, "base"), m(rps, k, "stack"),
        m(p50, k, "shop"), m(p50, k, "base"), m(p50, k, "stack"),
        m(p99, k, "shop"), m(p99, k, "base"), m(p99, k, "stack")
    }
  }' "$results"
echo
echo "### The targets of issue 19 (CPU per request, this run)"
echo
echo "| backend | target | worst scenario | value | met |"
echo "|---|---|---|---|---|"
awk '
  { k = $1 "|" $2 "|" $3; cpu[k, $4] += $8; p99[k, $4] += $7; runs[k, $4]++; backends[$1] = 1; keys[k] = 1 }
  function judge(b, name, limit, filter,   k, f, r, worst, wk, scen) {
    worst = -1
    for (k in keys) {
      split(k, f, "|"); if (f[1] != b) continue
      scen = f[2] " " f[3]
      if (filter != "" && index(filter, "," scen ",") == 0) continue
      # Logins are not judged here: rustbe hashes on low-priority threads (so that requests
      # keep their latency under a login flood), which yield the shared CPU to the
      # baselines'"'"' normal-priority hashing when the three run at once.
      if (filter == "" && f[3] == "login") continue
      if (runs[k, "shop"] == 0) continue
      r = (name ~ /stacked/) ? cpu[k, "shop"] / cpu[k, "stack"] : cpu[k, "shop"] / cpu[k, "base"]
      if (r > worst) { worst = r; wk = scen }
    }
    if (worst < 0) return
    gsub(/_/, " ", wk)
    printf "| %s | %s | %s | %.3f | %s |\n", b, name, wk, worst, worst <= limit ? "yes" : "**no**"
  }
  END {
    for (b in backends) {
      judge(b, "rustbe ≤ 1.0 × stacked, every scenario but login", 1.0, "")
      judge(b, "rustbe ≤ 1.15 × bare: /health, cache hits", 1.15, ",memory static,memory get_by_id,memory get,_signed_in,redis get_by_id,")
      judge(b, "rustbe ≤ 1.05 × bare: uncached get, list, create", 1.05, ",uncached get_by_id,uncached list,uncached create,")
      k = b "|uncached|create"
      if (runs[k, "shop"] > 0) {
        r = (p99[k, "shop"] / runs[k, "shop"]) / (p99[k, "base"] / runs[k, "base"])
        printf "| %s | create p99 ≤ 1.5 × bare | create | %.3f | %s |\n", b, r, r <= 1.5 ? "yes" : "**no**"
      }
    }
  }' "$results"
echo
echo "### Other ratios (rustbe, CPU per request)"
echo
echo "| measure | value |"
echo "|---|---|"
awk -v argon="$argon_us" -v parallel="$argon_parallel" -v cores="$cores" '
  { k = $1 "|" $2 "|" $3 "|" $4; cpu[k] += $8; runs[k]++; backends[$1] = 1 }
  function c(b, cfg, s, srv) { return cpu[b "|" cfg "|" s "|" srv] / runs[b "|" cfg "|" s "|" srv] }
  END {
    printf "| one argon2 verify (median of 25, unpinned) | %.1f ms |\n", argon / 1000
    printf "| argon2 verifies/s, %d cores at once | %.1f |\n", cores, parallel
    for (b in backends) {
      printf "| %s: `/health` through the stack ÷ static JSON, bare | %.3f |\n", b, c(b, "memory", "static", "shop") / c(b, "memory", "static", "base")
      printf "| %s: signed-in ÷ anonymous cache hit | %.3f |\n", b, c(b, "memory", "get,_signed_in", "shop") / c(b, "memory", "get_by_id", "shop")
      printf "| %s: uncached get ÷ in-process hit | %.2f |\n", b, c(b, "uncached", "get_by_id", "shop") / c(b, "memory", "get_by_id", "shop")
      if (runs[b "|redis|get_by_id|shop"] > 0)
        printf "| %s: uncached get ÷ Redis hit | %.2f |\n", b, c(b, "uncached", "get_by_id", "shop") / c(b, "redis", "get_by_id", "shop")
      printf "| %s: CPU per login ÷ one verify (rustbe / bare / stacked) | %.2f / %.2f / %.2f |\n", b,
        c(b, "uncached", "login", "shop") / argon, c(b, "uncached", "login", "base") / argon, c(b, "uncached", "login", "stack") / argon
    }
  }' "$results"
echo
echo "### Peak memory (VmHWM of each server process over its runs)"
echo
echo "| backend | cache | rustbe MiB | bare MiB | stacked MiB |"
echo "|---|---|---|---|---|"
awk '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$work/memory"
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
