#!/usr/bin/env bash
# Instructions per request of one route, counted by valgrind's callgrind: repeatable for the
# same binary and inputs however busy the machine is, so two servers can be compared where
# wall-clock runs are too noisy.
#
# Usage: scripts/callgrind.sh NAME PORT COUNT URL -- COMMAND [ARGS...]
#   Starts COMMAND under callgrind (its environment is this script's), waits for
#   http://127.0.0.1:PORT/health, sends 50 warm-up requests to URL, zeroes the counters,
#   sends COUNT requests to URL over one keep-alive connection, dumps the counters to
#   $CALLGRIND_DIR/NAME.* (default /tmp) and prints the instructions per request.
#   Read the dump with `callgrind_annotate --inclusive=yes --auto=no FILE`. With
#   CALLGRIND_BEARER set, every request carries `Authorization: Bearer $CALLGRIND_BEARER`.
#
# Example (docs/benchmarks.md):
#   APP_ENV=development PORT=18401 DATABASE_URL='sqlite:///tmp/b.db?mode=rwc' CACHE=off \
#     RATE_LIMITS=off RUST_LOG=warn scripts/callgrind.sh shop 18401 200 \
#     "http://127.0.0.1:18401/api/products/$ID" -- target/release/shop serve
set -euo pipefail
[ $# -ge 6 ] && [ "$5" = "--" ] || { sed -n '6,13p' "$0" >&2; exit 2; }
name=$1 port=$2 count=$3 url=$4
shift 5
command -v valgrind >/dev/null || { echo "callgrind: valgrind is needed" >&2; exit 1; }
dir="${CALLGRIND_DIR:-/tmp}"
rm -f "$dir/$name".*
valgrind --tool=callgrind --callgrind-out-file="$dir/$name.%p" "$@" >"$dir/$name.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { cat "$dir/$name.log" >&2; exit 1; }
  sleep 0.2
done
auth=()
if [ -n "${CALLGRIND_BEARER:-}" ]; then auth=(-H "Authorization: Bearer $CALLGRIND_BEARER"); fi
requests() { # n: n requests to $url over one connection
  local urls=() i
  for ((i = 0; i < $1; i++)); do urls+=("$url"); done
  curl -fs "${auth[@]}" "${urls[@]}" >/dev/null
}
requests 50
callgrind_control --zero $pid >/dev/null
requests "$count"
callgrind_control --dump $pid >/dev/null
sleep 1
dump=$(ls -t "$dir/$name".*.[0-9]* | head -1)
total=$(callgrind_annotate --auto=no "$dump" | awk '/PROGRAM TOTALS/ { gsub(/,/, "", $1); print $1 }')
echo "$name: $((total / count)) instructions per request ($count requests; $dump)"
