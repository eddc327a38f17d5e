#!/usr/bin/env bash
# Property-based fuzzing of the shop's HTTP API with schemathesis (PyPI, pinned below, installed
# into ~/.cache/rustbe-venv): a release build of the shop on loopback with a fresh SQLite file
# and the demo data, every default check (`--checks all`) in every phase the version has
# (examples, coverage, fuzzing and the stateful phase over the document's links), once
# authenticated as the demo customer and once as the demo admin. Any failure fails the script.
#
# Knobs: FUZZ_MAX_EXAMPLES (per operation, default 25), FUZZ_MAX_TIME (seconds per run,
# default 100), FUZZ_PORT (default 18287), FUZZ_SEED (a fixed seed to reproduce a run).
#
# Not yet at zero failures (open work, no check is switched off):
# - ST202 on `sort` with a field given twice (`name,name`): the pattern cannot forbid repeats and
#   the server rejects them; on `POST /api/orders` with one product on two lines (same story).
# - ST202 on `If-Match` (PUT/PATCH with an arbitrary or empty tag gets 412): a stale If-Match must
#   be 412 by API.md, and schemathesis does not count 412 as acceptance.
# - ST202 on `POST /api/auth/reset-password` with a random token (400 VALIDATION_ERROR).
# - (fixed) ST101 500 on `DELETE /api/categories/{id}` of a category still in use: SQLite's
#   code 1811 is now a 409 (tests/referenced.rs).
# - Intermittent schemathesis-internal runtime errors (hypothesis lambda_sources AST KeyError).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"

schemathesis_version="4.32.5"
venv="$HOME/.cache/rustbe-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "$schemathesis_version" ]; then
  "$venv/bin/pip" install -q "schemathesis==$schemathesis_version"
fi

port="${FUZZ_PORT:-18287}"
max_examples="${FUZZ_MAX_EXAMPLES:-25}"
max_time="${FUZZ_MAX_TIME:-100}"
base="http://127.0.0.1:$port"

work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

cargo build -q --release -p shop

(cd "$work" && exec env APP_ENV=development SEED_DEMO_DATA=true HOST=127.0.0.1 PORT="$port" \
  DATABASE_URL="sqlite://$work/shop.db?mode=rwc" \
  RATE_LIMIT=1000000/1m RATE_LIMIT_AUTH=1000000/1m JWT_ACCESS_TTL=1h RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/shop" >"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 1 150); do
  curl -fs "$base/health" >/dev/null 2>&1 && break
  sleep 0.2
done
if ! curl -fs "$base/health" >/dev/null; then
  echo "fuzz-api: the shop did not start" >&2
  cat "$work/server.log" >&2
  exit 1
fi

login() {
  curl -fsS -X POST "$base/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$2\"}" |
    "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["data"]["access_token"])'
}

# The fuzzer calls `POST /api/auth/logout` with the token it was given, which revokes it (as
# API.md requires), and every later request would be a 401. So the token from curl is only the
# first one: this auth hook logs in again every few seconds with the same account and sends
# `Authorization: Bearer <fresh token>`, the same header `-H` would send.
cat >"$work/fuzz_auth.py" <<'PY'
import json
import os
import urllib.request

import schemathesis


@schemathesis.auth(refresh_interval=2)
class Login:
    def get(self, case, ctx):
        request = urllib.request.Request(
            os.environ["FUZZ_BASE"] + "/api/auth/login",
            data=json.dumps({"email": os.environ["FUZZ_EMAIL"], "password": os.environ["FUZZ_PASSWORD"]}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                token = json.load(response)["data"]["access_token"]
                os.environ["FUZZ_TOKEN"] = token
        except Exception:
            # The fuzzer may have changed the account's email or password: keep the last token.
            pass
        return os.environ["FUZZ_TOKEN"]

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
PY

status=0
fuzz() {
  local who="$1" email="$2" password="$3" token
  token=$(login "$email" "$password")
  printf '\n=== schemathesis as %s\n' "$who"
  local seed_args=()
  [ -n "${FUZZ_SEED:-}" ] && seed_args=(--seed "$FUZZ_SEED")
  # From the temp dir, so schemathesis leaves no state in the checkout.
  (cd "$work" && exec env FUZZ_BASE="$base" FUZZ_EMAIL="$email" FUZZ_PASSWORD="$password" FUZZ_TOKEN="$token" \
    SCHEMATHESIS_HOOKS=fuzz_auth PYTHONPATH="$work" \
    "$venv/bin/schemathesis" run "$base/openapi.json" \
    --checks all \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$max_examples" \
    --max-time "$max_time" \
    --workers 4 \
    --request-timeout 10 \
    --generation-database none \
    --no-color \
    "${seed_args[@]}") || status=1
}

fuzz customer customer@shop.example 'Customer123!demo'
fuzz admin admin@shop.example 'Admin123!demo'

if [ "$status" -ne 0 ]; then
  echo "fuzz-api: schemathesis reported failures" >&2
  grep -E 'ERROR|panicked' "$work/server.log" | tail -20 >&2 || true
fi
exit "$status"
