#!/usr/bin/env bash
# A newcomer's view of /docs in a real browser: starts the shop (debug build, fresh SQLite,
# demo data), opens Swagger UI in headless Chromium (Debian's `chromium`), lets the page run,
# and checks that the rendered page lists the shop's operations, grouped by tag, with the
# bearer scheme's Authorize button. Loopback only.
# Usage: scripts/browser-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "chromium is needed: apt-get install chromium" >&2
  exit 1
fi
port=18284
cargo build -q -p shop
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
(cd "$work" && exec env APP_ENV=development PORT=$port RUST_LOG=warn \
  DATABASE_URL="sqlite://$work/shop.db?mode=rwc" "$CARGO_TARGET_DIR/debug/shop" >"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break; sleep 0.2; done
"$browser" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --user-data-dir="$work/profile" --virtual-time-budget=15000 \
  --dump-dom "http://127.0.0.1:$port/docs/" > "$work/dom.html" 2>"$work/browser.log"
missing=0
for expected in 'class="swagger-ui"' 'btn authorize' \
  '/api/auth/register' '/api/auth/login' '/api/users/me' '/api/categories' '/api/products' \
  '/api/products/{id}' '/api/products/popular' '/api/products/{id}/reviews' '/api/addresses' \
  '/api/users/{user_id}/addresses' '/api/orders' '/api/orders/{id}' \
  'data-tag="auth"' 'data-tag="products"' 'data-tag="orders"'; do
  if ! grep -qF -- "$expected" "$work/dom.html"; then
    echo "missing in the rendered /docs page: $expected" >&2
    missing=1
  fi
done
operations=$(grep -o 'class="opblock-summary-path"' "$work/dom.html" | wc -l)
echo "Swagger UI rendered $operations operations"
if [ "$missing" -ne 0 ] || [ "$operations" -lt 25 ]; then
  echo "the /docs page does not list the shop's operations" >&2
  exit 1
fi
echo "ok: /docs lists the shop's operations in headless Chromium"
