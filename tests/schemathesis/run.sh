#!/usr/bin/env bash
# Property-based API testing with schemathesis (PyPI) against the served OpenAPI document:
# every operation is called with generated valid and invalid input, authorized as an
# admin; the run fails on any 5xx, on a status code the document does not list for the
# operation, on a content type it does not declare, or on a body that does not match the
# documented schema.
#
#   tests/schemathesis/run.sh                 # the CI budget (MAX_TIME=150 seconds)
#   MAX_TIME=1800 MAX_EXAMPLES=500 tests/schemathesis/run.sh   # longer
#
# Uses target/debug/ntm-api (BIN= to choose) on a fresh SQLite database, or on a fresh
# PostgreSQL database with PG_URL=postgres://postgres@127.0.0.1:5432/postgres (created and
# dropped). Every check runs (schemathesis's default); tests/schemathesis/schemathesis.toml
# says what is configured and why. CHECKS= and PHASES= narrow a run.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-target/debug/ntm-api}"
PORT="${PORT:-18091}"
BASE="http://127.0.0.1:$PORT"
MAX_TIME="${MAX_TIME:-150}"
MAX_EXAMPLES="${MAX_EXAMPLES:-25}"
command -v schemathesis >/dev/null || pip install -q "schemathesis==4.*"
WORK=$(mktemp -d)
PID=
PG_DB=
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [ -n "$PG_DB" ]; then psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PG_DB" >/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -n "${PG_URL:-}" ]; then
  # A fresh PostgreSQL database for this run, dropped at the end.
  PG_DB="ntm_schemathesis_$$"
  psql "$PG_URL" -qc "CREATE DATABASE $PG_DB" >/dev/null
  DB_URL="${PG_URL%/*}/$PG_DB"
else
  DB_URL="sqlite://$WORK/st.db?mode=rwc"
fi
echo "schemathesis against ${DB_URL%%:*}"
export DATABASE_URL="$DB_URL" NTM_BIND="127.0.0.1:$PORT" \
  NTM_ADMIN_PASSWORD=schemathesis-admin NTM_JWT_SECRET=schemathesis-secret-of-at-least-32-bytes-0123456789 RUST_LOG=info \
  NTM_LOGIN_FAILURES_PER_ADDRESS=1000000 NTM_STORAGE_URL="$WORK/files"
"$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do curl -fs "$BASE/ready" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN=$(curl -fs -H 'content-type: application/json' \
  -d '{"username":"admin","password":"schemathesis-admin"}' "$BASE/api/v1/auth/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# Access tokens last 15 minutes; a longer run refreshes nothing, so keep runs under that
# or raise MAX_TIME in steps.
run_schemathesis() {  # seed
  python3 tests/schemathesis/launch.py --no-color --config-file tests/schemathesis/schemathesis.toml run "$BASE/api-docs/openapi.json" \
    --header "Authorization: Bearer $TOKEN" \
    ${CHECKS:+--checks "$CHECKS"} \
    --phases "${PHASES:-examples,coverage,fuzzing,stateful}" \
    --max-examples "$MAX_EXAMPLES" \
    --max-time "$MAX_TIME" \
    --workers 2 \
    --suppress-health-check all \
    --seed "$1" \
    2>&1 | tee "$WORK/report.txt" | tail -n 80
  return "${PIPESTATUS[0]}"
}
# launch.py is the schemathesis command with hypothesis' lambda descriptions made safe (the
# "AST constructor recursion depth mismatch" crash below; it says why).
# Hypothesis sometimes crashes inside itself with every generated case passed: in its
# optimiser ("IndexError: tuple index out of range", 6.170), while describing a lambda of
# schemathesis's coverage phase ("AST constructor recursion depth mismatch"), or elsewhere.
# schemathesis files an exception it cannot classify as a "Runtime Error" (a server that
# stops answering is "Server Unavailable", a bad schema has its own names), and such a run
# has no FAILURES section. That is the tool failing, not the API: its errors are printed
# and the run is repeated with the next seed, three seeds at most. A real failure (a
# FAILURES section) is never retried.
tool_crashed() {
  ! grep -q "= FAILURES =" "$WORK/report.txt" &&
    grep -q "Runtime Error" "$WORK/report.txt" &&
    ! grep -q -e "Server Unavailable" -e "Network Error" "$WORK/report.txt"
}
set +e
seed=1
run_schemathesis "$seed"
code=$?
while [ "$code" -ne 0 ] && [ "$seed" -lt 3 ] && tool_crashed; do
  echo "--- schemathesis crashed inside itself with no failure found (seed $seed):"
  sed -n '/= ERRORS =/,/= SUMMARY =/p' "$WORK/report.txt" | grep -v -e '^ *$' | head -n 40
  seed=$((seed + 1))
  echo "--- running once more (seed $seed)"
  run_schemathesis "$seed"
  code=$?
done
set -e
mkdir -p target
cp "$WORK/report.txt" target/schemathesis-report.txt
cp "$WORK/server.log" target/schemathesis-server.log
# Thousands of requests, token requests among them: no secret may reach the log.
if grep -q -e schemathesis-admin -e schemathesis-secret -e "$TOKEN" "$WORK/server.log"; then
  echo "FAIL: a password, the JWT secret or a token is in the server log"; exit 1
fi
if [ "$code" -ne 0 ]; then
  sed -n '/= ERRORS =/,/= SUMMARY =/p' "$WORK/report.txt" | grep -v -e '^ *$' | head -n 40
  echo "--- the whole report: target/schemathesis-report.txt; server errors:"
  grep -E "panicked|ERROR" "$WORK/server.log" | head -n 20 || true
  exit "$code"
fi
