#!/usr/bin/env bash
# Does what a new user does with docs/getting-started.md: a fresh `cargo new` outside the
# workspace with rustbe as a path dependency, the guide's files (copied from
# examples/library, which the guide holds word for word), `cargo test`, then a curl session
# against `cargo run` on a free loopback port. Every step is checked; any failure exits
# non-zero.
#
# For speed it copies the workspace's Cargo.lock into the new crate and builds into the
# shared CARGO_TARGET_DIR, so registry dependencies already built are not built again.
set -euo pipefail
cd "$(dirname "$0")/.."
workspace=$(pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"
export CARGO_TERM_COLOR=never
started=$(date +%s)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rustbe-new-user.XXXXXX")
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "new-user: FAILED: $*" >&2; [ -f "$tmp/server.log" ] && tail -20 "$tmp/server.log" >&2; exit 1; }
step() { printf 'new-user: %s\n' "$*"; }

step "cargo new in $tmp"
(cd "$tmp" && cargo new --quiet --vcs none library) || fail "cargo new"
app="$tmp/library"
mkdir -p "$app/tests"
cp examples/library/src/lib.rs examples/library/src/main.rs "$app/src/"
cp examples/library/tests/api.rs "$app/tests/"
cp Cargo.lock "$app/Cargo.lock"
# The dependencies of docs/getting-started.md, as paths to this workspace, and its profile
# lines. The last block matches the workspace's dev profile only so that the shared target
# directory is reused; a new user does not need it.
cat >>"$app/Cargo.toml" <<EOF
rustbe-core = { path = "$workspace/rustbe-core" }
rustbe-auth = { path = "$workspace/rustbe-auth" }
sea-orm = { version = "2.0.4", default-features = false, features = [
    "macros", "runtime-tokio", "sqlx-sqlite", "sqlx-postgres", "with-uuid", "with-chrono",
] }
tokio = { version = "1.54", features = ["macros", "rt-multi-thread"] }
tracing = "0.1"

[dev-dependencies]
rustbe-core = { path = "$workspace/rustbe-core", features = ["testing"] }
serde_json = "1"
axum = "0.8.9"

[profile.dev.package.argon2]
opt-level = 3

[profile.dev.package.blake2]
opt-level = 3

[profile.dev.package."*"]
debug = false

[profile.dev]
debug = "line-tables-only"
EOF
grep -q '^\[dependencies\]' "$app/Cargo.toml" || fail "cargo new wrote no [dependencies]"

step "cargo test (the guide's tests/api.rs)"
(cd "$app" && cargo test --quiet 2>&1) | tee "$tmp/test.log" | tail -5
grep -qE '^test result: ok\. [1-9][0-9]* passed' "$tmp/test.log" || fail "cargo test"

step "cargo build"
(cd "$app" && cargo build --quiet) || fail "cargo build"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
admin_email="admin@library.example"
admin_password='Admin1!password'
# start LOG: `cargo run` of the app on $base, in the background ($server), until /health answers.
start() {
  step "cargo run on $base"
  (
    cd "$app" &&
      exec env APP_ENV=development HOST=127.0.0.1 PORT="$port" \
        DATABASE_URL="sqlite://$tmp/library.db?mode=rwc" \
        ADMIN_EMAIL="$admin_email" ADMIN_PASSWORD="$admin_password" \
        cargo run --quiet
  ) >"$1" 2>&1 &
  server=$!
  # Up to a minute: a loaded machine may still be linking.
  for _ in $(seq 1 600); do
    curl -fsS "$base/health" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || fail "the server exited"
    sleep 0.1
  done
  curl -fsS "$base/health" >/dev/null || { tail -20 "$1"; fail "/health does not answer"; }
}
start "$tmp/server.log"

# request METHOD PATH EXPECTED_STATUS [TOKEN] [BODY]: the body of the answer in $tmp/body.
request() {
  local method=$1 path=$2 want=$3 token=${4:-} body=${5:-} got
  local args=(-sS -o "$tmp/body" -w '%{http_code}' -X "$method" "$base$path")
  [ -n "$token" ] && args+=(-H "authorization: Bearer $token")
  [ -n "$body" ] && args+=(-H 'content-type: application/json' -d "$body")
  got=$(curl "${args[@]}") || fail "$method $path: curl failed"
  [ "$got" = "$want" ] || fail "$method $path: $got, expected $want: $(cat "$tmp/body")"
  step "$method $path -> $got"
}
# json EXPR: a value of the last answer, EXPR a Python expression over `d`.
json() { python3 -c "import json,sys; d = json.load(open(sys.argv[1])); print($1)" "$tmp/body"; }

request POST /api/auth/register 201 "" '{"email": "ada@example.com", "password": "Correct1!horse", "name": "Ada"}'
reader=$(json 'd["data"]["access_token"]')
request POST /api/auth/login 200 "" "{\"email\": \"$admin_email\", \"password\": \"$admin_password\"}"
admin=$(json 'd["data"]["access_token"]')
request GET /api/users/me 200 "$admin"
[ "$(json 'd["data"]["email"]')" = "$admin_email" ] || fail "the token is not the bootstrapped admin's"
# The admin's role is proven by the 201 below, where a customer gets 403.

request POST /api/authors 201 "$admin" '{"name": "Ursula K. Le Guin"}'
author=$(json 'd["data"]["id"]')
request POST /api/authors 403 "$reader" '{"name": "Ada"}'
[ "$(json 'd["error"]["code"]')" = FORBIDDEN ] || fail "a customer's write is not FORBIDDEN"
request POST /api/authors 401 "" '{"name": "Nobody"}'
for book in '"A Wizard of Earthsea", "year": 1968' '"The Dispossessed", "year": 1974' '"Lavinia", "year": 2008'; do
  request POST /api/books 201 "$admin" "{\"author_id\": $author, \"title\": $book}"
done
request POST /api/books 403 "$reader" "{\"author_id\": $author, \"title\": \"Tehanu\", \"year\": 1990}"

request GET "/api/authors/$author/books?min_year=1960&max_year=1999&sort=-year" 200
[ "$(json '[b["title"] for b in d["data"]]')" = "['The Dispossessed', 'A Wizard of Earthsea']" ] ||
  fail "the filtered list is wrong: $(cat "$tmp/body")"
request GET "/api/books?q=wizard" 200
[ "$(json 'd["pagination"]["total"]')" = 1 ] || fail "search found $(json 'd["pagination"]["total"]')"
request GET "/api/books?colour=red" 400
request GET /api/authors/9999/books 404

request POST /api/loans 201 "$reader" '{"book_id": 1}'
request GET /api/loans 200 "$reader"
[ "$(json 'd["pagination"]["total"]')" = 1 ] || fail "the reader does not see their loan"
request GET /api/loans 200 "$admin"
request GET /api/loans 401
request GET /openapi.json 200
[ "$(json '"/api/authors/{author_id}/books" in d["paths"]')" = True ] || fail "nested route not documented"
request GET /docs/ 200

grep -q "JWT_SECRET is not set" "$tmp/server.log" || fail "no warning about the unset JWT_SECRET"

# Accounts are in the database (rustbe-auth's `users` table), not in the process: they
# outlive a restart.
kill "$server"
wait "$server" 2>/dev/null || true
start "$tmp/server-again.log"
request POST /api/auth/login 200 "" '{"email": "ada@example.com", "password": "Correct1!horse"}'
kill "$server"
wait "$server" 2>/dev/null || true
echo "new-user: every step passed in $(($(date +%s) - started))s"
