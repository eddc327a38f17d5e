#!/usr/bin/env bash
# Login throughput against the argon2 ceiling, and /health latency while logins flood in.
# Loopback only, bounded in time. Usage: scripts/bench-auth.sh [seconds per run, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"
secs="${1:-20}"
port=18181
url="http://127.0.0.1:$port"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

cargo build --release -q -p rustbe-auth --example auth_server
bin="$CARGO_TARGET_DIR/release/examples/auth_server"
cores=$(nproc)
verify_ms=$("$bin" verify-time)

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
cat > "$work/login.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"Correct1!horse"}'
LUA
cat > "$work/probe.lua" <<'LUA'
-- One /health request every 10 ms per connection: a probe, not a load.
function delay() return 10 end
LUA

APP_ENV=test PORT=$port RUST_LOG=error "$bin" &
server=$!
for _ in $(seq 1 100); do curl -fs "$url/health" >/dev/null 2>&1 && break; sleep 0.1; done

p99() { awk '/^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' "$1"; }
rps() { awk '/^Requests\/sec/ {print $2}' "$1"; }
errors() { awk '/Non-2xx|Socket errors/ {print}' "$1"; }

wrk -t1 -c1 -d"${secs}s" --latency -s "$work/probe.lua" "$url/health" > "$work/idle.txt"
wrk -t1 -c1 -d"${secs}s" --latency -s "$work/probe.lua" "$url/health" > "$work/busy.txt" &
probe=$!
wrk -t1 -c$((cores * 8)) -d"${secs}s" --latency -s "$work/login.lua" "$url/api/auth/login" > "$work/login.txt"
wait "$probe"

login_rps=$(rps "$work/login.txt")
ceiling=$(awk -v c="$cores" -v ms="$verify_ms" 'BEGIN {printf "%.1f", c * 1000 / ms}')
idle=$(p99 "$work/idle.txt")
busy=$(p99 "$work/busy.txt")
echo "cores                         $cores"
echo "one argon2 verify (median)    ${verify_ms} ms"
echo "ceiling (cores / verify)      ${ceiling} logins/s"
echo "login throughput              ${login_rps} logins/s  ($(awk -v a="$login_rps" -v b="$ceiling" 'BEGIN {printf "%.0f", 100 * a / b}') % of the ceiling; target >= 90 %)"
echo "/health p99 idle              ${idle} ms"
echo "/health p99 during the flood  ${busy} ms  ($(awk -v a="$busy" -v b="$idle" 'BEGIN {printf "%.2f", a / b}') x idle; target < 2 x)"
echo "login errors                  $(errors "$work/login.txt" | tr '\n' ' ')"
