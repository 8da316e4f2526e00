#!/usr/bin/env python3
"""Prepares the import benchmark on a running ntm-api: publishes a 57-indicator national
criteria version (19 criteria x 3 indicators) and writes, for every pre-reform commune
(10,051), one assessment with 57 values:

  OUT/import.jsonl   assessed 2024-06-01, for `ntm-api import assessments`
  OUT/sync.jsonl     the same values assessed 2024-07-01, for POST /sync/assessments
  OUT/copy_values.csv  the 572,907 value rows of import.jsonl, for PostgreSQL's COPY floor

Usage: import_dataset.py BASE_URL TOKEN OUT_DIR. Standard library only; deterministic.
"""
import json
import sys
import time

from api_client import Api

BASE, TOKEN, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
call = Api(BASE, TOKEN, timeout=60).call


groups = ["planning", "infrastructure", "economy", "culture_society_environment", "political_system"]
criteria = []
for n in range(1, 20):
    indicators = []
    for k in range(1, 4):
        code = f"{n}.{k}"
        if k == 1:
            indicators.append({"code": code, "name": f"Chỉ tiêu {code}", "unit": "%", "kind": "min",
                               "thresholds": [{"region": "north_central_coast", "year": 2024, "value": 80.0},
                                              {"value": 75.0}]})
        else:
            indicators.append({"code": code, "name": f"Chỉ tiêu {code}", "kind": "boolean"})
    criteria.append({"number": n, "code": str(n), "name": f"Tiêu chí {n}", "group": groups[n % 5],
                     "indicators": indicators})
set_id = call("POST", "/api/v1/criteria-sets", {"code": f"IMPORT-BENCH-{int(time.time())}",
                                                "name": "Import benchmark set (57 indicators)",
                                                "level": "commune", "scope": "national"})["id"]
version = call("POST", "/api/v1/criteria-versions", {
    "set_id": set_id, "label": "bench", "effective_from": "2020-01-01", "criteria": criteria,
    "legal_document": {"number": "BENCH", "title": "Benchmark", "issuer": "bench"}})["id"]
call("POST", f"/api/v1/criteria-versions/{version}/publish", {})

communes, page = [], 1
while True:
    items = call("GET", f"/api/v1/communes?on=2024-12-31&per_page=500&page={page}")["items"]
    if not items:
        break
    communes += [c["code"] for c in items]
    page += 1

values_total = 0
with open(f"{OUT}/import.jsonl", "w") as imp, open(f"{OUT}/sync.jsonl", "w") as syn, \
        open(f"{OUT}/copy_values.csv", "w") as copy:
    for i, code in enumerate(communes):
        values = []
        for n in range(1, 20):
            for k in range(1, 4):
                # Deterministic spread: some criteria met, some not.
                seed = (i * 7919 + n * 104729 + k) % 100
                value = 60.0 + (seed % 40) if k == 1 else seed % 5 != 0
                values.append({"indicator_code": f"{n}.{k}", "value": value})
        item = {"unit_code": code, "criteria_version_id": version, "assessed_on": "2024-06-01",
                "kind": "self", "values": values}
        imp.write(json.dumps(item, ensure_ascii=False) + "\n")
        item["assessed_on"] = "2024-07-01"
        syn.write(json.dumps(item, ensure_ascii=False) + "\n")
        for v in values:
            number, boolean = (v["value"], "") if isinstance(v["value"], float) else ("", str(v["value"]).lower())
            copy.write(f"{i + 1},{v['indicator_code']},{number},{boolean},import\n")
            values_total += 1
print(f"version {version}: {len(communes)} communes, {values_total} values per file")
