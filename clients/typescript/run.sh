#!/usr/bin/env bash
# Contract check of openapi/openapi.json as a TypeScript client sees it: redocly lint,
# openapi-typescript generation, a tsc type-check and build of src/smoke.ts, then
# src/smoke.ts run with openapi-fetch against ntm-api (target/debug/ntm-api, BIN= to
# choose, relative to the repo root) started on a fresh SQLite database.
#
#   SKIP_LINT=1       skip `npm run lint` (needs openapi/redocly.yaml; warnings fail too)
#   NTM_EXPECT_304=0  only warn when the conditional GET does not answer 304 (default 1)
#   PORT=18093        port of the service
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CLIENT="$ROOT/clients/typescript"
BIN="${BIN:-target/debug/ntm-api}"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
PORT="${PORT:-18093}"
BASE="http://127.0.0.1:$PORT"
if [ ! -x "$BIN" ]; then
  echo "run.sh: $BIN is not an executable file (cargo build, or set BIN=)" >&2
  exit 1
fi

cd "$CLIENT"
if [ ! -d node_modules ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi
if [ "${SKIP_LINT:-0}" = 1 ]; then
  echo "== lint: skipped (SKIP_LINT=1)"
elif [ ! -f "$ROOT/openapi/redocly.yaml" ]; then
  echo "run.sh: openapi/redocly.yaml is missing, so the document cannot be linted; SKIP_LINT=1 skips this step" >&2
  exit 1
else
  echo "== npm run lint"
  npm run --silent lint
  # redocly exits 0 on warnings; openapi/redocly.yaml counts them as failures too.
  warnings=$(npm run --silent lint -- --format=json 2>/dev/null |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).totals.warnings));')
  if [ "$warnings" != 0 ]; then
    echo "run.sh: redocly lint reported $warnings warning(s); warnings count as failures (openapi/redocly.yaml)" >&2
    exit 1
  fi
fi
echo "== npm run generate"
npm run --silent generate
echo "== npm run check"
npm run --silent check
echo "== npm run build"
npm run --silent build

WORK=$(mktemp -d)
PID=
cleanup() {
  local status=$?
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ] && [ -s "$WORK/server.log" ]; then
    echo "--- server log (last 40 lines)" >&2
    tail -n 40 "$WORK/server.log" >&2
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
if curl -fs "$BASE/ready" >/dev/null 2>&1; then
  echo "run.sh: something already answers on $BASE; set PORT= to another port" >&2
  exit 1
fi
export DATABASE_URL="sqlite://$WORK/smoke.db?mode=rwc" NTM_BIND="127.0.0.1:$PORT" \
  NTM_ADMIN_PASSWORD=ts-client-admin NTM_JWT_SECRET=ts-client-secret-of-at-least-32-bytes-0123456789 RUST_LOG=warn
echo "== starting $BIN on $BASE"
"$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
ready=
for _ in $(seq 1 300); do
  if curl -fs "$BASE/ready" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "run.sh: the service did not become ready on $BASE/ready" >&2
  exit 1
fi
echo "== node dist/smoke.js $BASE"
NTM_BASE_URL="$BASE" node dist/smoke.js "$BASE"
