#!/usr/bin/env bash
# Validates the OpenAPI documents rustbe generates against the OpenAPI 3.1 schema, with
# openapi-spec-validator (PyPI, installed once into ~/.cache/rustbe-venv):
# the document of the derive's test resources, merged into the app's base document
# (rustbe-core/tests/resource/spec.rs), and the shop's /openapi.json as it serves it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"
venv="$HOME/.cache/rustbe-venv"
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "openapi-spec-validator==0.7.*"
fi
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
OPENAPI_OUT="$work/resources.json" cargo test -q -p rustbe-core --test resource \
  the_merged_document_is_written_for_validation >/dev/null
test -s "$work/resources.json"
"$venv/bin/openapi-spec-validator" --schema 3.1.0 "$work/resources.json"

port=18285
cargo build -q -p shop
(cd "$work" && exec env APP_ENV=test PORT=$port RUST_LOG=warn \
  DATABASE_URL="sqlite://$work/shop.db?mode=rwc" "$CARGO_TARGET_DIR/debug/shop" >"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$port/openapi.json" > "$work/shop.json"
"$venv/bin/openapi-spec-validator" --schema 3.1.0 "$work/shop.json"
