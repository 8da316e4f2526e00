"""What a conditional read saves a client: the same commune list read again and again, as a
phone refreshing its reference data does, three ways: the whole answer, the whole answer
gzip-compressed, and `If-None-Match` with the ETag of the first read (a 304, no body).
Prints bytes on the wire (headers + body) and time per read.

    python3 bench/conditional.py http://127.0.0.1:8080 [READS] [PATH]

Standard library only; one keep-alive connection; anonymous (public reads)."""
import http.client
import statistics
import sys
import time
import urllib.parse

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
reads = int(sys.argv[2]) if len(sys.argv) > 2 else 200
path = sys.argv[3] if len(sys.argv) > 3 else "/api/v1/communes?on=2026-01-01&per_page=500"
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)


def read(headers):
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - start
    head = sum(len(k) + len(v) + 4 for k, v in response.getheaders()) + 17
    return response.status, head + len(body), elapsed, response.getheader("ETag")


status, _, _, etag = read({})
assert status == 200 and etag, (status, etag)
print(f"GET {path}, {reads} reads each, one connection")
print(f"{'read':<34}{'status':>7}{'bytes/read':>12}{'p50 ms':>9}{'p99 ms':>9}")
rows = [
    ("whole answer", {}),
    ("whole answer, gzip", {"Accept-Encoding": "gzip"}),
    ("If-None-Match (current ETag)", {"If-None-Match": etag}),
    ("If-None-Match, gzip accepted", {"If-None-Match": etag, "Accept-Encoding": "gzip"}),
]
for label, headers in rows:
    results = [read(headers) for _ in range(reads)]
    statuses = {r[0] for r in results}
    sizes = [r[1] for r in results]
    times = sorted(r[2] * 1000 for r in results)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"{label:<34}{'/'.join(map(str, statuses)):>7}{statistics.mean(sizes):>12,.0f}"
          f"{statistics.median(times):>9.2f}{p99:>9.2f}")
