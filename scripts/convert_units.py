#!/usr/bin/env python3
"""Build data/units-pre-2025.csv and data/units-2025.csv from the official lists.

Sources (PyPI packages, read as data, never imported as code into the project):
  vietnam-provinces==0.6.0     before 2025-07-01: 63 provinces, 696 districts, 10,051
                               communes (vietnam_provinces/data/nested-divisions.json)
  vietnam-provinces==2025.10.1 from 2025-07-01: 34 provinces, 3,321 communes
  vietnamadminunits==1.0.4     codes by name key (data/dataset.db) and the old -> new
                               mapping (data/converter_2025.json)
The packages are GPL-3.0 (vietnam-provinces) and MIT (vietnamadminunits); the codes and
names themselves are public government data (GSO/NSO administrative unit codes).

Usage: python3 scripts/convert_units.py [--download-dir DIR]
It runs `pip download --no-deps` into DIR (default: a temporary folder) and writes both
CSV files next to this script's ../data, then prints counts and checks.

Decisions:
  * name is the proper name without the type word ("Kỳ Lạc"); the type word goes to
    `type`. The packages only say tỉnh/huyện/xã, so the type is read from the name's
    prefix (Thành phố, Tỉnh, Quận, Huyện, Thị xã, Phường, Xã, Thị trấn, Đặc khu).
  * region is set on provinces only (the service gives lower units their province's):
    the GSO socio-economic regions, with "Bắc Trung Bộ và Duyên hải miền Trung" split into
    north_central_coast and south_central_coast as the criteria decisions do. Each of the
    34 new provinces carries an old province's code and takes that old province's region.
  * successor_code of an old commune: the new commune it became part of, from
    converter_2025.json. An old commune divided among several new ones goes to the new
    commune that carries its code if there is one, otherwise to the one the converter
    marks as default. Old provinces point to the new province they joined; districts
    (abolished) have none.
  * Old units end on 2025-06-30 (valid_from unknown, left empty); new units start on
    2025-07-01.
"""
import argparse
import csv
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import zipfile

PACKAGES = ["vietnam-provinces==0.6.0", "vietnam-provinces==2025.10.1", "vietnamadminunits==1.0.4"]
HEADER = ["level", "code", "name", "type", "province_code", "district_code", "region",
          "commune_group", "valid_from", "valid_to", "successor_code"]
REGIONS = {
    "northern_midlands_mountains": "02 04 06 08 10 11 12 14 15 17 19 20 24 25",
    "red_river_delta": "01 22 26 27 30 31 33 34 35 36 37",
    "north_central_coast": "38 40 42 44 45 46",
    "south_central_coast": "48 49 51 52 54 56 58 60",
    "central_highlands": "62 64 66 67 68",
    "southeast": "70 72 74 75 77 79",
    "mekong_delta": "80 82 83 84 86 87 89 91 92 93 94 95 96",
}
REGION_OF = {code: region for region, codes in REGIONS.items() for code in codes.split()}
PREFIXES = {
    "province": [("Thành phố", "thành phố trung ương"), ("Tỉnh", "tỉnh")],
    "district": [("Thành phố", "thành phố"), ("Thị xã", "thị xã"), ("Quận", "quận"), ("Huyện", "huyện")],
    "commune": [("Thị trấn", "thị trấn"), ("Phường", "phường"), ("Xã", "xã"), ("Đặc khu", "đặc khu")],
}


def split_name(level, full, division_type=None):
    for prefix, unit_type in PREFIXES[level]:
        # Some names capitalise the type word ("Thành Phố Bắc Kạn").
        if full.lower().startswith(prefix.lower() + " "):
            return full[len(prefix) + 1:].strip(), unit_type
    if division_type in [t for _, t in PREFIXES[level]]:
        return full.strip(), division_type  # the 2025 lists name provinces without "Tỉnh"
    raise SystemExit(f"cannot read the type of {level} {full!r}")


def fold(text):
    """Lower-case ASCII key of a name: diacritics, spacing and apostrophes do not count."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().replace("’", "'").split())


def fetch(directory):
    wheels = {}
    for spec in PACKAGES:
        name, version = spec.split("==")
        stem = name.replace("-", "_") + "-" + version
        found = [f for f in os.listdir(directory) if f.startswith(stem) and f.endswith(".whl")]
        if not found:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", directory, spec], check=True)
            found = [f for f in os.listdir(directory) if f.startswith(stem) and f.endswith(".whl")]
        wheels[spec] = zipfile.ZipFile(os.path.join(directory, found[0]))
    return wheels


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--download-dir")
    args = parser.parse_args()
    directory = args.download_dir or tempfile.mkdtemp(prefix="ntm-units-")
    os.makedirs(directory, exist_ok=True)
    wheels = fetch(directory)
    old = json.loads(wheels[PACKAGES[0]].read("vietnam_provinces/data/nested-divisions.json"))
    new = json.loads(wheels[PACKAGES[1]].read("vietnam_provinces/data/nested-divisions.json"))
    converter = json.loads(wheels[PACKAGES[2]].read("vietnamadminunits/data/converter_2025.json"))
    db_path = os.path.join(directory, "dataset.db")
    with open(db_path, "wb") as f:
        f.write(wheels[PACKAGES[2]].read("vietnamadminunits/data/dataset.db"))
    db = sqlite3.connect(db_path)
    legacy_code = {f"{p}_{d}_{w}": code for p, d, w, code in db.execute(
        "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy")}
    legacy_province = {key: code for key, code in db.execute("SELECT DISTINCT provinceKey, provinceCode FROM admin_units_legacy")}
    # vietnamadminunits numbers some new communes differently from the official 2025.10.1
    # list; its keys are translated to the official codes by province and folded name.
    official = {(f"{p['code']:02d}", fold(w["name"])): f"{w['code']:05d}" for p in new for w in p["wards"]}
    new_code = {}
    for p, w, name, pcode, code in db.execute("SELECT provinceKey, wardKey, ward, provinceCode, wardCode FROM admin_units"):
        target = official.get((pcode, fold(name)))
        if target:
            new_code[(p, w)] = target
    new_province = {key: code for key, code in db.execute("SELECT DISTINCT provinceKey, provinceCode FROM admin_units")}

    new_codes = {f"{w['code']:05d}" for p in new for w in p["wards"]}
    successor = {}
    unmatched = set()
    for prov_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_key, old_keys in wards.items():
            target = new_code.get((prov_key, new_key))
            for old_key in old_keys:
                code = legacy_code.get(old_key)
                if code and target:
                    successor[code] = target
                else:
                    unmatched.add(old_key)
    divided = 0
    for prov_key, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            code = legacy_code.get(old_key)
            if not code:
                unmatched.add(old_key)
                continue
            divided += 1
            candidates = [new_code.get((prov_key, t["newWardKey"])) for t in targets]
            candidates = [c for c in candidates if c]
            if code in candidates:
                successor[code] = code
            else:
                default = [new_code.get((prov_key, t["newWardKey"])) for t in targets if t.get("isDefaultNewWard")]
                chosen = next((c for c in default if c), candidates[0] if candidates else None)
                if chosen:
                    successor[code] = chosen
    province_successor = {}
    for new_key, old_keys in converter["DICT_PROVINCE"].items():
        for old_key in old_keys:
            if old_key in legacy_province and new_key in new_province:
                province_successor[legacy_province[old_key]] = new_province[new_key]

    rows_old = []
    for p in old:
        pcode = f"{p['code']:02d}"
        name, unit_type = split_name("province", p["name"])
        rows_old.append(["province", pcode, name, unit_type, "", "", REGION_OF[pcode], "", "", "2025-06-30", province_successor.get(pcode, "")])
    for p in old:
        pcode = f"{p['code']:02d}"
        for d in p["districts"]:
            name, unit_type = split_name("district", d["name"])
            rows_old.append(["district", f"{d['code']:03d}", name, unit_type, pcode, "", "", "", "", "2025-06-30", ""])
    for p in old:
        pcode = f"{p['code']:02d}"
        for d in p["districts"]:
            for w in d["wards"]:
                code = f"{w['code']:05d}"
                name, unit_type = split_name("commune", w["name"])
                rows_old.append(["commune", code, name, unit_type, pcode, f"{d['code']:03d}", "", "", "", "2025-06-30", successor.get(code, "")])
    rows_new = []
    for p in new:
        pcode = f"{p['code']:02d}"
        name, unit_type = split_name("province", p["name"], p.get("division_type"))
        rows_new.append(["province", pcode, name, unit_type, "", "", REGION_OF[pcode], "", "2025-07-01", "", ""])
    for p in new:
        pcode = f"{p['code']:02d}"
        for w in p["wards"]:
            name, unit_type = split_name("commune", w["name"], w.get("division_type"))
            rows_new.append(["commune", f"{w['code']:05d}", name, unit_type, pcode, "", "", "", "2025-07-01", "", ""])

    order = {"province": 0, "district": 1, "commune": 2}
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
    for file_name, rows in [("units-pre-2025.csv", rows_old), ("units-2025.csv", rows_new)]:
        rows.sort(key=lambda r: (order[r[0]], r[1]))
        keys = [(r[0], r[1]) for r in rows]
        assert len(keys) == len(set(keys)), f"duplicate (level, code) in {file_name}"
        with open(os.path.join(out_dir, file_name), "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows)
        counts = {lvl: sum(1 for r in rows if r[0] == lvl) for lvl in order}
        print(f"data/{file_name}: {counts}")

    communes_old = [r for r in rows_old if r[0] == "commune"]
    missing = [r for r in communes_old if not r[10]]
    dangling = [r for r in communes_old if r[10] and r[10] not in new_codes]
    print(f"old communes with a successor: {len(communes_old) - len(missing)} of {len(communes_old)}; "
          f"without one: {len(missing)}; divided among several new communes: {divided}; "
          f"converter keys not matched to a code: {len(unmatched)}")
    assert not dangling, f"successors that are not new communes: {dangling[:5]}"
    by_code = {(r[0], r[1]): r for r in rows_old}
    for level, code, name in [("province", "42", "Hà Tĩnh"), ("district", "443", "Can Lộc"), ("district", "446", "Cẩm Xuyên"),
                              ("district", "447", "Kỳ Anh"), ("commune", "18436", "Kim Song Trường"), ("commune", "18454", "Phú Lộc"),
                              ("commune", "18463", "Gia Hanh"), ("commune", "18475", "Xuân Lộc"), ("commune", "18724", "Cẩm Quan"),
                              ("commune", "18793", "Kỳ Tây"), ("commune", "18850", "Kỳ Lạc")]:
        row = by_code.get((level, code))
        assert row and row[2] == name, f"sample {level} {code} {name}: {row}"
    print("checked samples of shared/data/README.md: ok")


if __name__ == "__main__":
    main()
