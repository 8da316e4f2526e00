#!/usr/bin/env bash
# Documents (issue 15): upload and download throughput of a 20 MB PDF on loopback with the
# local storage folder, and the server's memory while 16 clients upload at once (20 MB
# files, then 2 MB files: the peak must not grow with the file size).
#
#   bench/documents.sh                 # SQLite, fresh database and storage in a temp folder
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ntm_bench_docs bench/documents.sh
#
# Tunables: ROUNDS (sequential uploads and downloads, default 10), CLIENTS (16), BIN (a
# binary to measure instead of building this checkout in release mode).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-18085}"
BASE="http://127.0.0.1:$PORT"
ROUNDS="${ROUNDS:-10}"
CLIENTS="${CLIENTS:-16}"
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/ntm-api
fi
WORK=$(mktemp -d)
PID=
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [ "${BACKEND:-}" = postgres ]; then psql -q "$admin" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  export DATABASE_URL="sqlite://$WORK/bench.db?mode=rwc"
  BACKEND=sqlite
else
  BACKEND=postgres
  db=${DATABASE_URL##*/}; db=${db%%\?*}
  admin=${DATABASE_URL%/*}/postgres
  psql -q "$admin" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\""
fi
export NTM_BIND="127.0.0.1:$PORT" NTM_ADMIN_PASSWORD=bench-admin-password \
  NTM_JWT_SECRET=bench-secret-of-at-least-32-bytes-0123456789 RUST_LOG=warn \
  NTM_STORAGE_URL="$WORK/files"
"$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
until curl -fs "$BASE/ready" >/dev/null 2>&1; do
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.05
done
echo "== documents ($BACKEND, $(nproc) cores, commit $(git rev-parse --short HEAD), storage: a local folder)"
python3 bench/documents.py "$BASE" "$PID" "$WORK" "$ROUNDS" "$CLIENTS"
