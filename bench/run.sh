#!/usr/bin/env bash
# Benchmarks of ntm-api: cold start to ready, throughput and latency under wrk, memory.
#
#   bench/run.sh                     # SQLite, fresh database in a temp folder
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/ntm_bench bench/run.sh   # PostgreSQL
#
# Every figure is printed next to GET /health measured in the same run. Tunables:
# DURATION (seconds per target, default 10), CONNECTIONS (64), THREADS (2), ASSESSMENTS
# (assessments seeded for the assessment figures, default 10051: one per pre-reform commune;
# 0 skips them), SPONSORSHIPS (agencies seeded with one sponsorship and 5 activities each,
# for the agency and sponsorship lists, default 100; 0 skips them), REPORTS (1: generate the
# national 10-year data set and measure the reports; 0 skips it), BIN (a binary to measure
# instead of building this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
PORT="${PORT:-18080}"
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null || apt-get install -y -qq curl >/dev/null

if [ -z "${BIN:-}" ]; then  # BIN=path measures another build (e.g. an older commit's)
  cargo build --release --quiet
  BIN=target/release/ntm-api
fi

WORK=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  export DATABASE_URL="sqlite://$WORK/bench.db?mode=rwc"
  BACKEND=sqlite
else
  BACKEND=postgres
  db=${DATABASE_URL##*/}; db=${db%%\?*}
  admin=${DATABASE_URL%/*}/postgres
  psql -q "$admin" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" -c "CREATE DATABASE \"$db\""
fi
export NTM_BIND="127.0.0.1:$PORT" NTM_ADMIN_PASSWORD=bench-admin-password NTM_JWT_SECRET=bench-secret-of-at-least-32-bytes-0123456789 RUST_LOG=warn

echo "== ntm-api benchmarks ($BACKEND, $(nproc) cores, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s)"
start=$(date +%s.%N)
"$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
until curl -fs "$BASE/ready" >/dev/null 2>&1; do
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.02
done
ready=$(date +%s.%N)
printf 'cold start to ready on an empty database (migrations + reference data): %.2f s\n' "$(echo "$ready - $start" | bc)"
printf 'resident memory after start: %s\n' "$(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MiB"}')"

TOKEN=$(curl -fs -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin-password"}' "$BASE/api/v1/auth/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
VERSION=$(curl -fs "$BASE/api/v1/criteria-versions?level=commune&scope=national&effective_on=2023-01-01" | python3 -c 'import json,sys; d=json.load(sys.stdin)["items"]; print(d[0]["id"] if d else "")')
BASE_VERSION=$(curl -fs "$BASE/api/v1/criteria-versions?level=commune&scope=national&effective_on=2018-01-01" | python3 -c 'import json,sys; d=json.load(sys.stdin)["items"]; print(d[0]["id"] if d else "")')

run() {  # name path [wrk lua script]; AUTH=1 sends the admin's token (public reads go without)
  local out script=() auth=()
  [ -n "${3:-}" ] && script=(-s "$3")
  [ -n "${AUTH:-}" ] && auth=(-H "Authorization: Bearer $TOKEN")
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${script[@]}" "${auth[@]}" "$BASE$2")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '%-44s %10s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$1" "$rps" "$p50" "$p99" "${errors:-0}"
}

run "GET /health" "/health"
run "GET /api/v1/provinces" "/api/v1/provinces"
run "GET /api/v1/communes?q=ky lac" "/api/v1/communes?q=ky%20lac"
run "GET /api/v1/communes?q=an (2 letters)" "/api/v1/communes?q=an"
run "GET /api/v1/communes?q=Hương Trà (exact first)" "/api/v1/communes?q=H%C6%B0%C6%A1ng%20Tr%C3%A0"
run "GET /api/v1/communes?q=thanh (inner word)" "/api/v1/communes?q=thanh"
python3 bench/search_queries.py "$BASE" "$WORK/search_paths.txt"
SEARCH_PATHS="$WORK/search_paths.txt" run "GET /api/v1/communes?q={random of many}" "/" bench/search_mix.lua
run "GET /api/v1/communes?province=42&on=2024-12-31" "/api/v1/communes?province=42&on=2024-12-31"
run "GET /api/v1/communes/18850?on=2021-09-25" "/api/v1/communes/18850?on=2021-09-25"
AUTH=1 run "GET /api/v1/provinces (with a token)" "/api/v1/provinces"
printf 'resident memory after the unit lists: %s\n' "$(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MiB"}')"
if [ -n "$VERSION" ]; then
  run "GET /api/v1/criteria-versions/$VERSION (whole tree)" "/api/v1/criteria-versions/$VERSION"
  [ -n "$BASE_VERSION" ] && run "GET /api/v1/criteria-versions/$VERSION/diff" "/api/v1/criteria-versions/$VERSION/diff?base=$BASE_VERSION"
fi
if [ "${SPONSORSHIPS:-100}" != 0 ]; then
  python3 bench/seed_sponsorships.py "$BASE" "$TOKEN" "${SPONSORSHIPS:-100}" 5
  run "GET /api/v1/agencies?per_page=100 (with totals)" "/api/v1/agencies?per_page=100"
  run "GET /api/v1/sponsorships?per_page=100 (with totals)" "/api/v1/sponsorships?per_page=100"
fi
if [ "${ASSESSMENTS:-10051}" != 0 ]; then
  python3 bench/seed_assessments.py "$BASE" "$TOKEN" "$WORK" "${ASSESSMENTS:-10051}"
  ID=$(head -n 1 "$WORK/ids.txt")
  AUTH=1 run "GET /api/v1/assessments?province=42 (admin)" "/api/v1/assessments?province=42"
  AUTH=1 run "GET /api/v1/assessments/$ID (57 indicators)" "/api/v1/assessments/$ID"
  AUTH=1 ASSESSMENT_IDS="$WORK/ids.txt" VALUES_JSON="$WORK/values.json" \
    run "PUT /assessments/{random}/indicator-values (57)" "/" bench/put_values.lua
fi
if [ -n "${REPORTS:-1}" ] && [ "${REPORTS:-1}" != 0 ]; then
  bench/national_dataset.sh "$DATABASE_URL"
  # Reports are measured one request at a time: their latency is the figure that matters,
  # and 64 concurrent national reports only queue on two cores.
  CONNECTIONS=1 THREADS=1 run "GET /api/v1/reports/progress?year=2021 (national, 1 conn)" "/api/v1/reports/progress?year=2021"
  CONNECTIONS=1 THREADS=1 run "GET /api/v1/reports/progress?province=42&year=2021 (1 conn)" "/api/v1/reports/progress?province=42&year=2021"
fi
run "GET /health (again, after the rest)" "/health"
printf 'resident memory after the load: %s (peak %s)\n' \
  "$(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MiB"}')" \
  "$(grep VmHWM /proc/$PID/status | awk '{print $2/1024 " MiB"}')"
