#!/usr/bin/env bash
# Import benchmark (issue: sync at national scale): every pre-reform commune (10,051) x one
# assessment of a 57-indicator version = 572,907 values.
#
#   bench/import.sh                                                        # SQLite
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ntm_import bench/import.sh   # PostgreSQL
#
# Prints: `ntm-api import assessments` (creates), the same import again (all unchanged),
# POST /sync/assessments over HTTP in batches of 1,000 (creates, then the replay), the
# change-feed read rate, and on PostgreSQL the floor: COPY of the same 572,907 value rows
# into a table shaped like assessment_values (same columns and indexes), then the same COPY
# into such a table with assessment_values' foreign key to assessments. BIN=path measures
# another build. SYNC=0 skips the HTTP sync and feed rows.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-18081}"
BASE="http://127.0.0.1:$PORT"
command -v curl >/dev/null || apt-get install -y -qq curl >/dev/null

if [ -z "${BIN:-}" ]; then  # BIN=path measures another build (e.g. an older commit's)
  cargo build --release --quiet
  BIN=target/release/ntm-api
fi
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  export DATABASE_URL="sqlite://$WORK/import.db?mode=rwc"
  BACKEND=sqlite
else
  BACKEND=postgres
  db=${DATABASE_URL##*/}; db=${db%%\?*}
  ADMIN_URL=${DATABASE_URL%/*}/postgres
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\""
fi
export NTM_BIND="127.0.0.1:$PORT" NTM_ADMIN_PASSWORD=bench-admin-password NTM_JWT_SECRET=bench-secret-of-at-least-32-bytes-0123456789 RUST_LOG=warn

start_server() {
  "$BIN" serve >>"$WORK/server.log" 2>&1 &
  PID=$!
  until curl -fs "$BASE/ready" >/dev/null 2>&1; do
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
    sleep 0.05
  done
  TOKEN=$(curl -fs -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin-password"}' \
    "$BASE/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
}
stop_server() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

echo "== import benchmark ($BACKEND, $(nproc) cores)"
start_server
python3 bench/import_dataset.py "$BASE" "$TOKEN" "$WORK"
stop_server

s=$(date +%s.%N); "$BIN" import assessments "$WORK/import.jsonl" >"$WORK/out.txt" 2>&1; e=$(date +%s.%N)
printf 'ntm-api import assessments, 10,051 x 57 values (create):  %6.1f s  %s\n' "$(echo "$e - $s" | bc)" "$(tail -n 1 "$WORK/out.txt")"
s=$(date +%s.%N); "$BIN" import assessments "$WORK/import.jsonl" >"$WORK/out.txt" 2>&1; e=$(date +%s.%N)
printf 'the same import again (every item unchanged):             %6.1f s  %s\n' "$(echo "$e - $s" | bc)" "$(tail -n 1 "$WORK/out.txt")"

if [ "${SYNC:-1}" != 0 ]; then
  start_server
  python3 bench/sync_http.py "$BASE" "$TOKEN" "$WORK/sync.jsonl"
  python3 bench/sync_http.py "$BASE" "$TOKEN" "$WORK/sync.jsonl" --feed
  printf 'resident memory of the server after the syncs: %s\n' "$(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MiB"}')"
  stop_server
fi

if [ "$BACKEND" = postgres ]; then
  # copy_floor CONSTRAINT_SQL: seconds to \copy the value rows into a fresh table shaped like
  # assessment_values (same columns and indexes) after CONSTRAINT_SQL altered it.
  copy_floor() {
    psql -q "$DATABASE_URL" -c "DROP TABLE IF EXISTS copy_floor" \
      -c "CREATE TABLE copy_floor (LIKE assessment_values INCLUDING ALL)" -c "$1"
    local s e
    s=$(date +%s.%N)
    psql -q "$DATABASE_URL" -c "\\copy copy_floor (assessment_id, indicator_code, value_number, value_bool, recorded_by) FROM '$WORK/copy_values.csv' WITH (FORMAT csv)"
    e=$(date +%s.%N)
    echo "$e - $s" | bc
  }
  t=$(copy_floor "ALTER TABLE copy_floor DROP CONSTRAINT IF EXISTS copy_floor_assessment_id_fkey")
  printf 'floor: PostgreSQL COPY of the 572,907 value rows:          %6.1f s  (%s rows)\n' "$t" \
    "$(psql -tA "$DATABASE_URL" -c 'SELECT COUNT(*) FROM copy_floor')"
  # The same rows into a table that also has assessment_values' foreign key (every row is
  # checked against assessments, as the import's rows are): the floor for this schema.
  t=$(copy_floor "ALTER TABLE copy_floor ADD FOREIGN KEY (assessment_id) REFERENCES assessments (id) ON DELETE CASCADE")
  printf 'floor with the foreign key to assessments:                 %6.1f s\n' "$t"
  psql -q "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
fi
