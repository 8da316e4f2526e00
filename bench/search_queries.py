"""Writes the type-ahead queries bench/search_mix.lua replays: for every commune name the
service lists, its 2- to 8-letter prefixes and each inner word, as typed with diacritics and
without, one request path per line, shuffled.

    python3 bench/search_queries.py BASE_URL OUT_FILE
"""
import json
import random
import sys
import urllib.parse
import urllib.request

base, out = sys.argv[1], sys.argv[2]
names, page = [], 1
while True:
    with urllib.request.urlopen(f"{base}/api/v1/communes?per_page=500&page={page}") as r:
        data = json.load(r)
    names += [(c["name"], c["name_ascii"]) for c in data["items"]]
    if page * 500 >= data["total"]:
        break
    page += 1
queries = set()
for name, ascii_name in names:
    for text in (name, ascii_name):
        queries.update(text[:n] for n in range(2, 9) if len(text) >= n)
        queries.update(w for w in text.split()[1:] if len(w) >= 2)
paths = [f"/api/v1/communes?q={urllib.parse.quote(q)}" for q in sorted(queries)]
random.Random(17).shuffle(paths)
with open(out, "w") as f:
    f.write("\n".join(paths) + "\n")
print(f"{len(paths)} distinct type-ahead queries from {len(names)} communes", file=sys.stderr)
