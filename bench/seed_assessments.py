#!/usr/bin/env python3
"""Seeds a running ntm-api with a 57-indicator criteria version and one assessment per
pre-reform commune (10,051), for the assessment benchmarks. Standard library only.

Usage: seed_assessments.py BASE_URL TOKEN OUT_DIR [COUNT]
Writes OUT_DIR/ids.txt (assessment ids) and OUT_DIR/values.json (a 57-value body).
"""
import concurrent.futures
import json
import sys
import time

from api_client import Api

BASE, TOKEN, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
COUNT = int(sys.argv[4]) if len(sys.argv) > 4 else 10_051
call = Api(BASE, TOKEN, timeout=30).call


def main():
    groups = ["planning", "infrastructure", "economy", "culture_society_environment", "political_system"]
    criteria = []
    for n in range(1, 20):
        indicators = []
        for k in range(1, 4):
            code = f"{n}.{k}"
            if k == 1:
                indicators.append({"code": code, "name": f"Chỉ tiêu {code}", "unit": "%", "kind": "min",
                                   "thresholds": [{"region": "north_central_coast", "year": 2024, "value": 80.0}, {"value": 75.0}]})
            else:
                indicators.append({"code": code, "name": f"Chỉ tiêu {code}", "kind": "boolean"})
        criteria.append({"number": n, "code": str(n), "name": f"Tiêu chí {n}", "group": groups[n % 5], "indicators": indicators})
    set_id = call("POST", "/api/v1/criteria-sets", {"code": f"BENCH-{int(time.time())}", "name": "Benchmark set (57 indicators)",
                                                    "level": "commune", "scope": "national"})["id"]
    version = call("POST", "/api/v1/criteria-versions", {
        "set_id": set_id, "label": "bench", "effective_from": "2020-01-01", "criteria": criteria,
        "legal_document": {"number": "BENCH", "title": "Benchmark", "issuer": "bench"}})["id"]
    call("POST", f"/api/v1/criteria-versions/{version}/publish", {})
    communes, page = [], 1
    while len(communes) < COUNT:
        items = call("GET", f"/api/v1/communes?on=2024-12-31&per_page=500&page={page}")["items"]
        if not items:
            break
        communes += [c["code"] for c in items]
        page += 1
    communes = communes[:COUNT]
    started = time.time()

    def create(code):
        return call("POST", "/api/v1/assessments", {"unit_code": code, "criteria_version_id": version,
                                                     "assessed_on": "2024-06-01", "kind": "self"})["id"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(create, communes))
    elapsed = time.time() - started
    values = [{"indicator_code": f"{n}.{k}", "value": (82.5 if k == 1 else True)} for n in range(1, 20) for k in range(1, 4)]
    with open(f"{OUT}/ids.txt", "w") as f:
        f.write("\n".join(map(str, ids)))
    with open(f"{OUT}/values.json", "w") as f:
        json.dump({"values": values}, f, ensure_ascii=False)
    print(f"seeded {len(ids)} assessments of a 57-indicator version (id {version}) in {elapsed:.1f} s "
          f"({len(ids) / elapsed:.0f} creates/s over HTTP, 8 clients)")


if __name__ == "__main__":
    main()
