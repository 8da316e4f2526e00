#!/usr/bin/env bash
# A/B of `GET /api/v1/criteria-versions/{id}` (a whole national tree) between two release
# builds, interleaved in one run so both see the same machine: each build on its own fresh
# SQLite database, `wrk -t2 -c64 -d${DURATION}s` on /health, the version as identity, and the
# version with `Accept-Encoding: gzip` (as browsers and mobile clients ask), ROUNDS times.
#
#   BEFORE=/tmp/ntm-before AFTER=target/release/ntm-api bench/criteria_ab.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BEFORE:?path of the first build}" "${AFTER:?path of the second build}"
DURATION="${DURATION:-8}"
ROUNDS="${ROUNDS:-2}"
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
wrk_line() {  # label url [header]
  local out header=()
  [ -n "${3:-}" ] && header=(-H "$3")
  out=$(wrk -t2 -c64 -d"${DURATION}s" --latency "${header[@]}" "$2")
  printf '  %-34s %10s req/s   p50 %8s   p99 %8s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
}
for round in $(seq 1 "$ROUNDS"); do
  for name in before after; do
    bin=$BEFORE; [ "$name" = after ] && bin=$AFTER
    rm -f "$WORK"/ab.db*
    DATABASE_URL="sqlite://$WORK/ab.db?mode=rwc" NTM_BIND=127.0.0.1:18095 NTM_ADMIN_PASSWORD=ab-password-0123 \
      RUST_LOG=warn "$bin" serve >"$WORK/log" 2>&1 &
    PID=$!
    for _ in $(seq 1 300); do curl -fs http://127.0.0.1:18095/ready >/dev/null 2>&1 && break; sleep 0.2; done
    id=$(curl -fs "http://127.0.0.1:18095/api/v1/criteria-versions?level=commune&scope=national&effective_on=2023-01-01" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
    echo "round $round, $name (version $id)"
    wrk_line "GET /health" "http://127.0.0.1:18095/health"
    wrk_line "GET /criteria-versions/$id" "http://127.0.0.1:18095/api/v1/criteria-versions/$id"
    wrk_line "GET /criteria-versions/$id (gzip)" "http://127.0.0.1:18095/api/v1/criteria-versions/$id" "Accept-Encoding: gzip"
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=
  done
done
