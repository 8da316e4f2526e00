#!/usr/bin/env python3
"""Driver of bench/documents.sh: makes a draft assessment, uploads and downloads 20 MB
PDFs with curl (which streams the file from disk), and samples the server's memory from
/proc while CLIENTS uploads run at once. Prints the figures.

Usage: documents.py BASE PID WORKDIR ROUNDS CLIENTS
"""
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

BASE, PID, WORK, ROUNDS, CLIENTS = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
MB = 1_000_000


def call(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


token = call("POST", "/api/v1/auth/token", {"username": "admin", "password": "bench-admin-password"})["access_token"]
version = call("GET", "/api/v1/criteria-versions?level=commune&scope=national&effective_on=2023-01-01")["items"][0]["id"]
commune = call("GET", "/api/v1/communes?on=2023-01-01&per_page=1")["items"][0]["code"]


def draft(day):
    body = {"unit_code": commune, "criteria_version_id": version, "assessed_on": day, "kind": "self"}
    return call("POST", "/api/v1/assessments", body, token)["id"]


def pdf(path, size, tag):
    """A file that is detected as a PDF, `size` bytes, different for each tag."""
    head = f"%PDF-1.4\n% bench {tag}\n".encode()
    with open(path, "wb") as f:
        f.write(head)
        block = os.urandom(1 << 20)
        left = size - len(head)
        while left > 0:
            f.write(block[: min(left, len(block))])
            left -= len(block)


def upload(assessment, path):
    out = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-H", f"Authorization: Bearer {token}",
         "-F", f"file=@{path};filename=bao-cao.pdf", f"{BASE}/api/v1/assessments/{assessment}/documents"],
        capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "201", out
    return float(out[1])


def rss():
    fields = {}
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return int(fields["VmRSS"].split()[0]) / 1024


# Sequential uploads and downloads of 20 MB.
target = draft("2023-03-01")
size = 20 * MB
times = []
for i in range(ROUNDS):
    path = os.path.join(WORK, f"seq-{i}.pdf")
    pdf(path, size, f"seq-{i}")
    times.append(upload(target, path))
    os.remove(path)
docs = call("GET", f"/api/v1/assessments/{target}/documents?per_page=500", token=token)["items"]
print(f"upload of a 20 MB PDF, {ROUNDS} in a row: median {statistics.median(times)*1000:.0f} ms, max {max(times)*1000:.0f} ms, "
      f"{size / MB / statistics.median(times):.0f} MB/s")
down = []
for d in docs:
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total} %{size_download}",
                          "-H", f"Authorization: Bearer {token}", BASE + d["content_url"]],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[0] == "200" and int(out[2]) == size, out
    down.append(float(out[1]))
print(f"download of a 20 MB PDF, {len(down)} in a row: median {statistics.median(down)*1000:.0f} ms, max {max(down)*1000:.0f} ms, "
      f"{size / MB / statistics.median(down):.0f} MB/s")


def concurrent(size, label):
    paths = []
    for n in range(CLIENTS):
        p = os.path.join(WORK, f"c-{label}-{n}.pdf")
        pdf(p, size, f"{label}-{n}")
        paths.append(p)
    target = draft(f"2023-0{5 if label == 'big' else 6}-01")
    base = rss()
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.time()
    threads = [threading.Thread(target=upload, args=(target, p)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - started
    done.set()
    sampler.join()
    for p in paths:
        os.remove(p)
    print(f"{CLIENTS} clients uploading {size // MB} MB at once: {elapsed:.1f} s ({CLIENTS * size / MB / elapsed:.0f} MB/s in all); "
          f"server RSS before {base:.0f} MiB, peak {peak[0]:.0f} MiB (+{peak[0] - base:.0f} MiB)")


concurrent(20 * MB, "big")
concurrent(2 * MB, "small")
print(f"server RSS at the end: {rss():.0f} MiB")
