#!/usr/bin/env python3
"""Seeds a running ntm-api with sponsoring agencies for the list benchmarks: COUNT agencies
of Hà Tĩnh, each sponsoring one commune in 2021 with ACTIVITIES activities (half of them
funding). Standard library only.

Usage: seed_sponsorships.py BASE_URL TOKEN [COUNT] [ACTIVITIES]
"""
import concurrent.futures
import sys
import time

from api_client import Api

BASE, TOKEN = sys.argv[1], sys.argv[2]
COUNT = int(sys.argv[3]) if len(sys.argv) > 3 else 100
ACTIVITIES = int(sys.argv[4]) if len(sys.argv) > 4 else 5
call = Api(BASE, TOKEN, timeout=30).call


def seed(i, commune):
    agency = call("POST", "/api/v1/agencies",
                  {"name": f"Đơn vị đỡ đầu {i + 1}", "kind": "state", "province_code": "42"})
    sponsorship = call("POST", "/api/v1/sponsorships",
                       {"agency_id": agency["id"], "commune_code": commune,
                        "starts_on": "2021-01-01", "ends_on": "2021-12-31"})
    for k in range(ACTIVITIES):
        activity = {"happened_on": f"2021-{k % 12 + 1:02d}-15", "description": f"Hoạt động {k + 1}"}
        if k % 2 == 0:
            activity.update(kind="funding", amount_vnd=10_000_000 * (k + 1))
        else:
            activity.update(kind="training")
        call("POST", f"/api/v1/sponsorships/{sponsorship['id']}/activities", activity)


def main():
    started = time.time()
    communes = []
    page = 1
    while len(communes) < COUNT:
        items = call("GET", f"/api/v1/communes?province=42&on=2021-06-30&per_page=500&page={page}")["items"]
        if not items:
            break
        communes += [c["code"] for c in items]
        page += 1
    communes = communes[:COUNT]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(seed, range(len(communes)), communes))
    print(f"seeded {len(communes)} agencies and sponsorships with {ACTIVITIES} activities each "
          f"in {time.time() - started:.1f} s")


main()
