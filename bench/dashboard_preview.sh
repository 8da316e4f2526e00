#!/usr/bin/env bash
# Draws docs/img/dashboard.png: starts a release build on a fresh SQLite database with
# /metrics on a separate address, loads it for SECONDS (default 60) and samples it (see
# bench/dashboard_preview.py). BIN=path uses another build.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import matplotlib' 2>/dev/null || pip install --quiet matplotlib
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN=target/release/ntm-api
fi
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
DATABASE_URL="sqlite://$WORK/preview.db?mode=rwc" NTM_BIND=127.0.0.1:18090 NTM_METRICS_BIND=127.0.0.1:19100 \
  NTM_ADMIN_PASSWORD=preview-password-0123 RUST_LOG=warn "$BIN" serve >"$WORK/log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do curl -fs http://127.0.0.1:18090/ready >/dev/null 2>&1 && break; sleep 0.2; done
python3 bench/dashboard_preview.py --api http://127.0.0.1:18090 --metrics http://127.0.0.1:19100/metrics \
  --seconds "${SECONDS_TO_RUN:-60}" --out docs/img/dashboard.png
