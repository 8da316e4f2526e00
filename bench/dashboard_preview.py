#!/usr/bin/env python3
"""A picture of the main panels of deploy/grafana/ntm-api.json, drawn from real /metrics
samples of a running ntm-api under load (this machine has no Grafana: the picture is drawn
with matplotlib from the same metrics and the same arithmetic as the dashboard's queries).

    pip install matplotlib
    bench/dashboard_preview.sh            # builds, starts the service, loads it, draws

or, against a service already running with NTM_METRICS_BIND:

    bench/dashboard_preview.py --api http://127.0.0.1:18090 \\
        --metrics http://127.0.0.1:19100/metrics --seconds 60 --out docs/img/dashboard.png

It drives the load itself with wrk (three routes at a few connections each, and a trickle
of refused requests) while it samples /metrics once a second, then draws: requests per
second by route, p99 latency by route (from the histogram's buckets over 5 s windows, as
histogram_quantile does), refusals by status, and the database pool.
"""
import argparse
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+([^\s]+)$')
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def scrape(url):
    samples = {}
    with urllib.request.urlopen(url, timeout=5) as r:
        for line in r.read().decode().splitlines():
            m = LINE.match(line)
            if not m or line.startswith('#'):
                continue
            name, labels, value = m.groups()
            key = (name, tuple(sorted(LABEL.findall(labels or ''))))
            samples[key] = float(value)
    return samples


def load(api, seconds, routes):
    procs = []
    for path, conns in routes:
        procs.append(subprocess.Popen(
            ['wrk', '-t1', f'-c{conns}', f'-d{seconds}s', api + path],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def refusals():
        end = time.time() + seconds
        while time.time() < end:
            for path, method in [('/api/v1/assessments', 'POST'), ('/api/v1/nowhere', 'GET'),
                                 ('/api/v1/communes?per_page=5000', 'GET')]:
                req = urllib.request.Request(api + path, method=method, data=b'{}' if method == 'POST' else None,
                                             headers={'Content-Type': 'application/json'})
                try:
                    urllib.request.urlopen(req, timeout=5).read()
                except urllib.error.HTTPError:
                    pass
            time.sleep(0.05)

    t = threading.Thread(target=refusals, daemon=True)
    t.start()
    return procs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--api', required=True)
    ap.add_argument('--metrics', required=True)
    ap.add_argument('--seconds', type=int, default=60)
    ap.add_argument('--out', default='docs/img/dashboard.png')
    args = ap.parse_args()
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    routes = [('/api/v1/provinces', 4), ('/api/v1/communes/18850?on=2024-01-01', 4),
              ('/api/v1/reports/progress?province=42&year=2024', 2)]
    procs = load(args.api, args.seconds, routes)
    series = []
    start = time.time()
    while time.time() - start < args.seconds + 1:
        series.append((time.time() - start, scrape(args.metrics)))
        time.sleep(1)
    for p in procs:
        p.wait()

    def by(name, label, s):
        out = defaultdict(float)
        for (n, labels), v in s.items():
            if n == name:
                d = dict(labels)
                out[d.get(label, '')] += v
        return out

    rates, p99, refused = defaultdict(list), defaultdict(list), defaultdict(list)
    window = 5
    for i in range(1, len(series)):
        t, now = series[i]
        _, prev = series[i - 1]
        dt = t - series[i - 1][0]
        cur, old = by('ntm_http_requests_total', 'route', now), by('ntm_http_requests_total', 'route', prev)
        for route, v in cur.items():
            if route != 'unmatched':
                rates[route].append((t, (v - old.get(route, 0)) / dt))
        cur, old = by('ntm_http_requests_total', 'status', now), by('ntm_http_requests_total', 'status', prev)
        for status, v in cur.items():
            if status.startswith('4'):
                refused[status].append((t, (v - old.get(status, 0)) / dt))
        if i >= window:
            _, base = series[i - window]
            buckets = defaultdict(dict)
            for (n, labels), v in now.items():
                if n == 'ntm_http_request_duration_seconds_bucket':
                    d = dict(labels)
                    key = (d['route'], float(d['le']))
                    before = base.get((n, labels), 0.0)
                    buckets[d['route']][float(d['le'])] = buckets[d['route']].get(float(d['le']), 0) + v - before
            for route, b in buckets.items():
                les = sorted(b)
                total = b[les[-1]]
                if total <= 0 or route == 'unmatched':
                    continue
                target, prev_le, prev_c = 0.99 * total, 0.0, 0.0
                for le in les:
                    if b[le] >= target:
                        if le == float('inf'):
                            q = prev_le
                        else:
                            q = prev_le + (le - prev_le) * (target - prev_c) / max(b[le] - prev_c, 1e-9)
                        p99[route].append((t, q * 1000))
                        break
                    prev_le, prev_c = le, b[le]
    pool = defaultdict(list)
    for t, s in series:
        for state, v in by('ntm_db_pool_connections', 'state', s).items():
            pool[state].append((t, v))
        for v in by('ntm_db_pool_max', '', s).values():
            pool['max'].append((t, v))

    fig, axes = plt.subplots(2, 2, figsize=(14, 8))
    fig.suptitle('ntm-api (deploy/grafana/ntm-api.json panels, drawn from /metrics samples by bench/dashboard_preview.py)',
                 fontsize=11)
    panels = [(axes[0][0], rates, 'Requests per second by route', 'req/s'),
              (axes[0][1], p99, 'p99 latency by route (5 s windows)', 'ms'),
              (axes[1][0], refused, 'Refusals by status', 'req/s'),
              (axes[1][1], pool, 'Database pool', 'connections')]
    for ax, data, title, unit in panels:
        for label, points in sorted(data.items()):
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], label=label)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel('seconds')
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc='upper right')
    fig.tight_layout()
    fig.savefig(args.out, dpi=90)
    print(f'{args.out}: {len(series)} samples over {args.seconds} s')


if __name__ == '__main__':
    sys.exit(main())
