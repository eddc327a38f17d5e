#!/usr/bin/env bash
# The fixed cost of rustbe's stack in instructions per request (callgrind), for one shop binary:
# `GET /health` and an in-process cache hit of `GET /api/products/{id}` (anonymous), each 1000
# requests over one keep-alive connection after 50 warm-ups (scripts/callgrind.sh). The
# table of docs/benchmarks.md ("The cost of the stack, layer by layer") is made with it.
#
# Usage: scripts/callgrind-stack.sh NAME SHOP_BINARY [VAR=value ...]
#   The variables go to the shop (METRICS=on, OTEL_EXPORTER_OTLP_ENDPOINT=…, …). The demo
#   data is seeded into a fresh SQLite file first; the dumps are $CALLGRIND_DIR/NAME-health.*
#   and NAME-hit.* (default /tmp), read with `callgrind_annotate --inclusive=yes --auto=no`.
#   CALLGRIND_COUNT (default 1000) sets the requests per route.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
cd "$(dirname "$0")/.."
name=$1 bin=$2
shift 2
count="${CALLGRIND_COUNT:-1000}"
port=18411
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=(APP_ENV=development SEED_DEMO_DATA=true HOST=127.0.0.1 PORT=$port
  "DATABASE_URL=sqlite://$work/shop.db?mode=rwc" RATE_LIMITS=off RUST_LOG=warn)

# Seed, and pick a product.
env "${base[@]}" "$@" "$bin" serve >"$work/seed.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.1; done
id=$(curl -fs "http://127.0.0.1:$port/api/products?limit=1" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')
kill $pid
wait $pid 2>/dev/null || true

health=$(env "${base[@]}" "$@" scripts/callgrind.sh "$name-health" $port "$count" \
  "http://127.0.0.1:$port/health" -- "$bin" serve | awk '{ print $2 }')
hit=$(env "${base[@]}" "$@" scripts/callgrind.sh "$name-hit" $port "$count" \
  "http://127.0.0.1:$port/api/products/$id" -- "$bin" serve | awk '{ print $2 }')
echo "$name: GET /health $health, cache hit $hit instructions per request"
