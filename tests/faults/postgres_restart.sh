#!/usr/bin/env bash
# Fault test: PostgreSQL is stopped and started under a running service.
# Expects: /ready turns 503 and back without restarting the service; requests that need the
# database fail with 503 problem+json meanwhile; what was written before is still there and
# writes work again after.
#
#   tests/faults/postgres_restart.sh          (uses target/debug/ntm-api; BIN= to choose)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-target/debug/ntm-api}"
PORT="${PORT:-18090}"
BASE="http://127.0.0.1:$PORT"
CLUSTER="$(ls /etc/postgresql | head -n 1)"
ADMIN_URL="postgres://postgres@127.0.0.1:5432/postgres"
DB="ntm_fault_$$"
WORK=$(mktemp -d)
PID=
pg_start() {
  pg_isready -q -h 127.0.0.1 -p 5432 && return 0
  pg_ctlcluster --skip-systemctl-redirect "$CLUSTER" main start
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.5; done
  echo "PostgreSQL did not come back" >&2; return 1
}
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  pg_start || true
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; echo "--- server log" >&2; tail -n 30 "$WORK/server.log" >&2; exit 1; }
status() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
content_type() { curl -s -o /dev/null -w '%{content_type}' "$@"; }

pg_start
psql -q "$ADMIN_URL" -c "CREATE DATABASE \"$DB\""
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" NTM_BIND="127.0.0.1:$PORT" \
  NTM_ADMIN_PASSWORD=fault-admin-password NTM_JWT_SECRET=fault-secret-of-at-least-32-bytes-0123456789 RUST_LOG=info
"$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do curl -fs "$BASE/ready" >/dev/null 2>&1 && break; sleep 0.1; done
[ "$(status "$BASE/ready")" = 200 ] || fail "the service did not become ready"
TOKEN=$(curl -fs -H 'content-type: application/json' \
  -d '{"username":"admin","password":"fault-admin-password"}' "$BASE/api/v1/auth/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
AUTH=(-H "Authorization: Bearer $TOKEN")
JSON=(-H 'content-type: application/json')
agency() { status "${AUTH[@]}" "${JSON[@]}" -d "{\"name\":\"$1\",\"kind\":\"state\",\"province_code\":\"42\"}" "$BASE/api/v1/agencies"; }
[ "$(agency 'Trước sự cố')" = 201 ] || fail "writing before the fault"
BEFORE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/body")
echo "service ready, agency $BEFORE written; stopping PostgreSQL"

pg_ctlcluster --skip-systemctl-redirect "$CLUSTER" main stop
[ "$(status "$BASE/ready")" = 503 ] || fail "/ready should be 503 while PostgreSQL is down"
[ "$(status "$BASE/health")" = 200 ] || fail "/health (alive) should stay 200"
code=$(status "$BASE/api/v1/agencies/$BEFORE")
[ "$code" = 503 ] || fail "a read needing the database answered $code, not 503: $(cat "$WORK/body")"
[ "$(content_type "$BASE/api/v1/agencies/$BEFORE")" = "application/problem+json" ] || fail "the 503 is not problem+json"
code=$(agency 'Trong sự cố')
[ "$code" = 503 ] || fail "a write answered $code, not 503: $(cat "$WORK/body")"
grep -q '"type":"/problems/unavailable"' "$WORK/body" || fail "the write's 503 is not the unavailable problem: $(cat "$WORK/body")"
echo "while down: /ready 503, reads and writes 503 problem+json, /health 200"

pg_start
for _ in $(seq 1 100); do [ "$(status "$BASE/ready")" = 200 ] && break; sleep 0.2; done
[ "$(status "$BASE/ready")" = 200 ] || fail "/ready did not come back"
kill -0 "$PID" || fail "the service died"
[ "$(status "$BASE/api/v1/agencies/$BEFORE")" = 200 ] || fail "the agency written before is gone"
[ "$(agency 'Sau sự cố')" = 201 ] || fail "writing after the fault"
COUNT=$(psql -tA "$DATABASE_URL" -c "SELECT COUNT(*) FROM agencies")
[ "$COUNT" = 2 ] || fail "expected 2 agencies (the write during the outage must not exist), found $COUNT"
# Secrets never reach the logs (the server logged its configuration and every request).
if grep -q -e fault-admin-password -e fault-secret "$WORK/server.log"; then fail "a secret is in the server log"; fi
echo "PASS: PostgreSQL stop/start: /ready 503 and back, requests 503 meanwhile, nothing lost, no restart"
