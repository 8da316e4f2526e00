#!/usr/bin/env bash
# Starts ntm-api (target/debug/ntm-api, BIN= to choose) on a fresh SQLite database and runs
# tests/browser/swagger_ui.py in Debian's headless Chromium; installs chromium,
# chromium-driver (apt) and selenium (PyPI) when missing. Screenshot: target/swagger-ui.png.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-target/debug/ntm-api}"
PORT="${PORT:-18092}"
BASE="http://127.0.0.1:$PORT"
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "installing chromium and chromium-driver (Debian packages)"
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
python3 -c 'import selenium' 2>/dev/null || pip install -q "selenium==4.*"
WORK=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT
export DATABASE_URL="sqlite://$WORK/ui.db?mode=rwc" NTM_BIND="127.0.0.1:$PORT" \
  NTM_ADMIN_PASSWORD=browser-admin NTM_JWT_SECRET=browser-secret-of-at-least-32-bytes-0123456789 RUST_LOG=warn \
  NTM_STORAGE_URL="$WORK/files"
"$BIN" serve >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 300); do curl -fs "$BASE/ready" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN=$(curl -fs -H 'content-type: application/json' \
  -d '{"username":"admin","password":"browser-admin"}' "$BASE/api/v1/auth/token" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
# A registration to attach a document to from the page, and the PDF to choose.
REGISTRATION=$(curl -fs -H 'content-type: application/json' -H "Authorization: Bearer $TOKEN" \
  -d '{"unit_code":"18850","level":"commune","target_year":2021}' "$BASE/api/v1/registrations" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' >"$WORK/dang-ky.pdf"
mkdir -p target
python3 tests/browser/swagger_ui.py "$BASE" "$TOKEN" target/swagger-ui.png "$REGISTRATION" "$WORK/dang-ky.pdf"
