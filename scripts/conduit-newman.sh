#!/usr/bin/env bash
# Runs the RealWorld project's own API test collection (api/Conduit.postman_collection.json
# of gothinkster/realworld) with newman against examples/conduit, and fails on any failed
# assertion.
#
#   scripts/conduit-newman.sh              # debug build, a fresh SQLite file
#   scripts/conduit-newman.sh --postgres   # a fresh PostgreSQL database, and Redis
#   scripts/conduit-newman.sh --release    # a release build (either database)
#
# The collection is read at run time from the realworld mirror ($REALWORLD_MIRROR, by default
# /work/.mirror/gothinkster+realworld/repo, a bare clone read with `git show`); it is never
# copied into this repository. newman is installed with npm into $NEWMAN_HOME (by default
# $HOME/.cache/rustbe-newman), outside the repository, once.
# --postgres uses $TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) to
# create and drop a database of its own, and $TEST_REDIS_URL (default redis://127.0.0.1:6379).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-target}"
export CARGO_TERM_COLOR=never
started=$(date +%s)

postgres=no
profile=debug
for arg in "$@"; do
  case "$arg" in
    --postgres) postgres=yes ;;
    --release) profile=release ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "conduit-newman: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

mirror="${REALWORLD_MIRROR:-/work/.mirror/gothinkster+realworld/repo}"
newman_home="${NEWMAN_HOME:-$HOME/.cache/rustbe-newman}"
pg_url="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
redis_url="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/conduit-newman.XXXXXX")
server=""
database=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$database" ]; then
    psql "$pg_url" -qAtc "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "conduit-newman: FAILED: $*" >&2; [ -f "$tmp/server.log" ] && tail -20 "$tmp/server.log" >&2; exit 1; }
step() { printf 'conduit-newman: %s\n' "$*"; }

# The collection, from the mirror only.
git --git-dir="$mirror" rev-parse --verify -q HEAD >/dev/null 2>&1 ||
  fail "no realworld mirror at $mirror (a bare clone of github.com/gothinkster/realworld; set REALWORLD_MIRROR)"
git --git-dir="$mirror" show HEAD:api/Conduit.postman_collection.json >"$tmp/collection.json" ||
  fail "$mirror has no api/Conduit.postman_collection.json at HEAD"
step "collection from $mirror at $(git --git-dir="$mirror" rev-parse --short HEAD)"

newman="$newman_home/node_modules/.bin/newman"
if [ ! -x "$newman" ]; then
  step "installing newman into $newman_home"
  command -v npm >/dev/null || fail "npm is not installed (newman runs on Node.js)"
  mkdir -p "$newman_home"
  npm install --prefix "$newman_home" --no-audit --no-fund --loglevel=error newman@6 >"$tmp/npm.log" 2>&1 ||
    { cat "$tmp/npm.log" >&2; fail "npm install newman"; }
fi

step "cargo build -p conduit ($profile)"
build=(cargo build --quiet -p conduit)
[ "$profile" = release ] && build+=(--release)
"${build[@]}" || fail "cargo build"
binary="$CARGO_TARGET_DIR/$profile/conduit"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env=(HOST=127.0.0.1 PORT="$port" RUST_LOG=warn)
if [ "$postgres" = yes ]; then
  command -v psql >/dev/null || fail "--postgres needs psql to create the database"
  database="conduit_newman_$(date +%s)_$$"
  psql "$pg_url" -qAtc "CREATE DATABASE $database" >/dev/null || fail "CREATE DATABASE on $pg_url"
  base="${pg_url%%\?*}"
  env+=(DATABASE_URL="${base%/*}/$database" REDIS_URL="$redis_url")
  step "PostgreSQL database $database, Redis $redis_url"
else
  env+=(DATABASE_URL="sqlite://$tmp/conduit.db?mode=rwc")
  step "SQLite file $tmp/conduit.db"
fi

(cd "$tmp" && exec env "${env[@]}" "$binary") >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || fail "conduit exited at start"
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/health" >/dev/null || fail "conduit did not answer /health on port $port"
step "conduit serving on 127.0.0.1:$port"

username="u$(date +%s)$RANDOM"
"$newman" run "$tmp/collection.json" \
  --global-var "APIURL=http://127.0.0.1:$port/api" \
  --global-var "USERNAME=$username" \
  --global-var "EMAIL=$username@mail.com" \
  --global-var "PASSWORD=password" \
  --reporters cli,json --reporter-json-export "$tmp/report.json" --color off \
  >"$tmp/newman.log" 2>&1 || true
[ -f "$tmp/report.json" ] || { cat "$tmp/newman.log" >&2; fail "newman wrote no report"; }
summary=$(node -e '
  const s = require(process.argv[1]).run.stats;
  console.log(`${s.requests.total} ${s.requests.failed} ${s.assertions.total} ${s.assertions.failed}`);
' "$tmp/report.json")
read -r requests failed_requests assertions failed <<<"$summary"
if [ "$failed" != 0 ] || [ "$failed_requests" != 0 ] || [ "$assertions" = 0 ]; then
  cat "$tmp/newman.log" >&2
  fail "$failed of $assertions assertions failed, $failed_requests of $requests requests failed"
fi
step "OK: $requests requests, $assertions assertions, 0 failed ($(( $(date +%s) - started ))s)"
