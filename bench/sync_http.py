#!/usr/bin/env python3
"""Sends a JSON-lines file of sync items to POST /api/v1/sync/assessments in batches of
1,000 (one client, one batch at a time) and prints the rate and the per-item statuses;
then reads the whole change feed (GET /changes, limit 1000) and prints its read rate.

Usage: sync_http.py BASE_URL TOKEN FILE [--feed]. Standard library only.
"""
import collections
import http.client
import json
import sys
import time
import urllib.parse

BASE, TOKEN, FILE = sys.argv[1], sys.argv[2], sys.argv[3]
HOST = urllib.parse.urlparse(BASE)
conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=600)
headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

items = [json.loads(line) for line in open(FILE) if line.strip()]
statuses = collections.Counter()
started = time.time()
for i in range(0, len(items), 1000):
    body = json.dumps({"items": items[i:i + 1000]}, ensure_ascii=False).encode()
    conn.request("POST", "/api/v1/sync/assessments", body=body, headers=headers)
    response = conn.getresponse()
    data = json.loads(response.read())
    if response.status != 207:
        raise SystemExit(f"status {response.status}: {data}")
    statuses.update(r["status"] for r in data["results"])
elapsed = time.time() - started
print(f"sync over HTTP: {len(items)} items in {elapsed:.1f} s ({len(items) / elapsed:.0f} items/s) {dict(statuses)}")

if "--feed" in sys.argv:
    since, n, started = 0, 0, time.time()
    while True:
        conn.request("GET", f"/api/v1/changes?since={since}&limit=1000", headers=headers)
        page = json.loads(conn.getresponse().read())
        if not page["items"]:
            break
        n += len(page["items"])
        since = page["next_since"]
    elapsed = time.time() - started
    print(f"change feed: {n} changes read in {elapsed:.2f} s ({n / elapsed:.0f} changes/s, pages of 1000)")
