#!/usr/bin/env bash
# Before/after comparison of `ntm-api import assessments` (creates) on PostgreSQL, with the
# two builds interleaved on one generated data set, so that the drift of a shared machine
# falls on both alike:
#
#   BEFORE=/tmp/ntm-api-old AFTER=target/release/ntm-api ROUNDS=2 bench/import_ab.sh
#
# The data set (10,051 assessments x 57 values, bench/import_dataset.py) is generated once
# into a template database by BEFORE; each run imports it into a fresh copy of the template
# (AFTER migrates the copy first, outside the timing). Prints the import's own timing line.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BEFORE:?the older binary}" "${AFTER:?the newer binary}"
ADMIN=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
BASE_URL=${ADMIN%/*}
PORT=${PORT:-18082}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
export NTM_ADMIN_PASSWORD=bench-admin-password NTM_JWT_SECRET=bench-secret-of-at-least-32-bytes-0123456789 RUST_LOG=warn
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS ntm_ab_template WITH (FORCE)" -c "CREATE DATABASE ntm_ab_template"
DATABASE_URL="$BASE_URL/ntm_ab_template" NTM_BIND="127.0.0.1:$PORT" "$BEFORE" serve >"$W/server.log" 2>&1 &
PID=$!
until curl -fs "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1; do sleep 0.1; done
TOKEN=$(curl -fs -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin-password"}' \
  "http://127.0.0.1:$PORT/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
python3 bench/import_dataset.py "http://127.0.0.1:$PORT" "$TOKEN" "$W" >/dev/null
kill "$PID"; wait "$PID" 2>/dev/null || true
for round in $(seq 1 "${ROUNDS:-2}"); do
  for which in BEFORE AFTER; do
    bin=${!which}
    psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS ntm_ab_run WITH (FORCE)" -c "CREATE DATABASE ntm_ab_run TEMPLATE ntm_ab_template"
    DATABASE_URL="$BASE_URL/ntm_ab_run" "$bin" migrate >/dev/null
    printf '%-6s round %s: ' "$which" "$round"
    DATABASE_URL="$BASE_URL/ntm_ab_run" "$bin" import assessments "$W/import.jsonl" 2>&1 | tail -n 1
  done
done
psql -q "$ADMIN" -c "DROP DATABASE IF EXISTS ntm_ab_run WITH (FORCE)" -c "DROP DATABASE IF EXISTS ntm_ab_template WITH (FORCE)"
