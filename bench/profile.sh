#!/usr/bin/env bash
# Where a request's time goes: runs the service under `perf record`, loads one request
# with wrk, and prints the functions that took the most CPU (perf's flat profile).
#
#   bench/profile.sh assessment     # GET /api/v1/assessments/{id} (57 indicators, a token)
#   bench/profile.sh list           # GET /api/v1/assessments?province=42 (a token)
#   bench/profile.sh put            # PUT …/indicator-values (57 values, random assessments)
#   bench/profile.sh search         # GET /api/v1/communes?q=an (anonymous)
#   bench/profile.sh signed-in      # GET /api/v1/provinces (a token)
#
# BIN= a release binary (default target/release/ntm-api), DATABASE_URL= PostgreSQL instead
# of a fresh SQLite database, DURATION= seconds under load (10), CONNECTIONS= (64),
# ASSESSMENTS= seeded (2000), TOP= lines of the profile (40). The perf data stays in
# target/profile/<what>.data for `perf report -i`.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT="${1:?what to profile: assessment, list, put, search or signed-in}"
BIN="${BIN:-target/release/ntm-api}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
PORT="${PORT:-18083}"
BASE="http://127.0.0.1:$PORT"
TOP="${TOP:-40}"
command -v perf >/dev/null || { echo "perf is not installed (Debian: linux-perf)"; exit 1; }
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill -INT "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  export DATABASE_URL="sqlite://$WORK/profile.db?mode=rwc"
else
  db=${DATABASE_URL##*/}; db=${db%%\?*}
  psql -q "${DATABASE_URL%/*}/postgres" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\""
fi
export NTM_BIND="127.0.0.1:$PORT" NTM_ADMIN_PASSWORD=bench-admin-password \
  NTM_JWT_SECRET=bench-secret-of-at-least-32-bytes-0123456789 RUST_LOG=warn \
  NTM_STORAGE_URL="$WORK/files"
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
until curl -fs "$BASE/ready" >/dev/null 2>&1; do
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.05
done
TOKEN=$(curl -fs -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin-password"}' \
  "$BASE/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
auth=(-H "Authorization: Bearer $TOKEN")
script=()
case "$WHAT" in
  assessment | list | put)
    python3 bench/seed_assessments.py "$BASE" "$TOKEN" "$WORK" "${ASSESSMENTS:-2000}" >/dev/null
    ID=$(head -n 1 "$WORK/ids.txt")
    case "$WHAT" in
      assessment) path="/api/v1/assessments/$ID" ;;
      list) path="/api/v1/assessments?province=42" ;;
      put) path="/"; script=(-s bench/put_values.lua)
        export ASSESSMENT_IDS="$WORK/ids.txt" VALUES_JSON="$WORK/values.json" ;;
    esac ;;
  search) path="/api/v1/communes?q=an"; auth=() ;;
  signed-in) path="/api/v1/provinces" ;;
  *) echo "unknown: $WHAT"; exit 2 ;;
esac
mkdir -p target/profile
perf record -F 999 -g -p "$SERVER" -o "target/profile/$WHAT.data" 2>"$WORK/perf.log" &
PID=$!
sleep 0.5
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "${script[@]}" "${auth[@]}" "$BASE$path" |
  grep -E "Requests/sec|50%|99%|Non-2xx"
kill -INT "$PID"; wait "$PID" 2>/dev/null || true
PID=
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
echo "== $WHAT: functions by CPU time (self), perf report -i target/profile/$WHAT.data"
perf report -i "target/profile/$WHAT.data" --stdio --no-children --sort symbol 2>/dev/null |
  grep -E "^ +[0-9]+\.[0-9]+%" | sed -E "s/ +- +- *$//" | head -n "$TOP"
