#!/usr/bin/env bash
# The document tests (tests/api/documents.rs) against an S3-compatible store instead of a
# local folder. Deployments with several instances keep documents in S3 (NTM_STORAGE_URL=
# s3://bucket/prefix), and the S3 path of object_store differs from the local one in what
# matters here: multipart parts of at least 5 MiB, rename as copy + delete, listing by
# prefix, HTTP errors instead of file errors. So CI runs the same tests on both.
#
# Starts a moto server (PyPI moto[server], an in-memory S3) on a free port of 127.0.0.1,
# creates a bucket, and runs `cargo test --test api documents` with TEST_STORAGE_URL=
# s3://<bucket>: each test database gets the prefix s3://<bucket>/<database name> (see
# storage_url_for in tests/api/helpers/database.rs). Then, when PG_URL is set, the same on
# PostgreSQL. The server is stopped on exit; nothing outlives the run.
#
#   tests/s3/run.sh
#   PG_URL=postgres://postgres@127.0.0.1:5432/postgres tests/s3/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -c 'import moto.server, flask, flask_cors' 2>/dev/null || pip install -q "moto[server]==5.2.1"

BUCKET=ntm-test-documents
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ENDPOINT="http://127.0.0.1:$PORT"
LOG=$(mktemp)
PID=
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -f "$LOG"
}
trap cleanup EXIT

python3 -m moto.server -H 127.0.0.1 -p "$PORT" >"$LOG" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$ENDPOINT/moto-api/" && break
  if ! kill -0 "$PID" 2>/dev/null; then cat "$LOG" >&2; echo "moto server did not start" >&2; exit 1; fi
  sleep 0.1
done
curl -sf -o /dev/null "$ENDPOINT/moto-api/" || { cat "$LOG" >&2; echo "moto server does not answer on $ENDPOINT" >&2; exit 1; }

export AWS_ACCESS_KEY_ID=ntm-test AWS_SECRET_ACCESS_KEY=ntm-test-secret AWS_REGION=us-east-1 \
  AWS_ENDPOINT="$ENDPOINT" AWS_ALLOW_HTTP=true TEST_STORAGE_URL="s3://$BUCKET"
python3 -c "import boto3; boto3.client('s3', endpoint_url='$ENDPOINT').create_bucket(Bucket='$BUCKET')"
echo "moto S3 on $ENDPOINT, bucket $BUCKET"

echo "--- documents on S3, SQLite"
cargo test --test api documents
if [ -n "${PG_URL:-}" ]; then
  echo "--- documents on S3, PostgreSQL"
  TEST_DATABASE_URL="$PG_URL" cargo test --test api documents
fi
