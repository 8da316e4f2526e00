#!/usr/bin/env python3
"""Build data/units-pre-2025.csv and data/units-2025.csv from the official unit lists.

Usage:
    python3 scripts/convert_units.py [--download-dir DIR]

The script runs `pip download --no-deps` for the three packages below into a temporary
folder (or into DIR, reusing the files already there), reads the data files inside the
wheels (never imports the packages), writes both CSV files into ../data next to this
script, and prints counts and checks. Python 3.11, standard library only. The output is
deterministic: rows sorted by level (province, district, commune), then code.

Sources (PyPI, read as data only; nothing of them is committed):
  vietnam-provinces==0.6.0      vietnam_provinces/data/nested-divisions.json: the units
                                before 2025-07-01 (data version 2025-01-04): 63 provinces,
                                696 districts, 10,051 communes.
  vietnam-provinces==2025.10.1  vietnam_provinces/data/nested-divisions.json: the units
                                from 2025-07-01 (data version 2025-10-18): 34 provinces,
                                3,321 communes, no districts.
  vietnamadminunits==1.0.4      vietnamadminunits/data/dataset.db (SQLite; tables
                                admin_units_legacy and admin_units: codes, names, name keys)
                                and vietnamadminunits/data/converter_2025.json (old -> new
                                mapping by name key).
Licences: vietnam-provinces is GPL-3.0-or-later, vietnamadminunits is MIT. The codes and
names themselves are public government data (GSO/NSO administrative unit codes); the CSV
files carry only those facts, not the packages' code.

Decisions:
  * name is the proper name without the type word ("Thành phố Hồ Chí Minh" -> "Hồ Chí
    Minh", "Xã Kỳ Lạc" -> "Kỳ Lạc", "Phường 1" -> "1"); the type word goes to `type`.
    vietnam-provinces 0.6.0 labels every unit tỉnh/huyện/xã, so the type is read from the
    name's prefix (Thành phố, Tỉnh; Thành phố, Thị xã, Quận, Huyện; Thị trấn, Phường, Xã),
    case-insensitively ("Thành Phố Bắc Kạn"). A pre-2025 province named "Thành phố ..." is
    a `thành phố trung ương`. The 2025 list gives the type itself (and names provinces
    without "Tỉnh"). Names are kept as spelled in the source, except that runs of spaces
    are collapsed ("Phường  An Nhơn") and the en dash is written as a hyphen
    ("Chân Mây – Lăng Cô" -> "Chân Mây - Lăng Cô", like the other hyphenated names).
  * region is set on provinces only (districts and communes take their province's): the
    GSO socio-economic regions as the criteria decisions use them, "Bắc Trung Bộ và Duyên
    hải miền Trung" split into north_central_coast (38-46) and south_central_coast (48-60);
    see REGIONS. Every one of the 34 new provinces carries the code of one old province and
    takes that old province's region, so a region follows the code, not the larger part:
    new Gia Lai (52, Bình Định's code) is south_central_coast, new Bắc Ninh (24, Bắc
    Giang's code) northern_midlands_mountains, new Tây Ninh (80, Long An's code)
    mekong_delta, new Quảng Ngãi (51, with Kon Tum) south_central_coast, new Đắk Lắk (66,
    with Phú Yên) and new Lâm Đồng (68, with Bình Thuận) central_highlands.
  * commune_group is empty (provinces assign the QĐ 51/2025 groups; not in these lists).
  * valid_from is empty for the pre-2025 units (their start dates are not in the data) and
    2025-07-01 for the new ones; valid_to is 2025-06-30 for every pre-2025 unit and empty
    for the new ones.
  * successor_code: an old province -> the new province it became part of
    (converter_2025.json DICT_PROVINCE); districts (abolished) and new units -> empty; an
    old commune -> the new commune it became part of, found in two steps:
      1. the old commune (0.6.0) is found in vietnamadminunits' pre-2025 table, which is
         the state of 2025-06-30: by code; else by name in the same district (a few Hồ Chí
         Minh City wards have other codes there); else the unit of the same district that
         lists its name among its former names (it was merged into that unit between
         2025-01-04 and 2025-06-30). Otherwise it has no successor and is reported.
      2. that unit's key is looked up in converter_2025.json. A commune divided among
         several new communes goes to the new commune that carries the old code if there
         is one; otherwise to the one the converter marks `isDefaultNewWard` (its own
         choice when no street address is given; it is also the new commune whose centre
         lies nearest the old commune's centre in almost all cases); otherwise to the first
         listed. The converter gives each new commune's whole area, not the share it
         received of the old one, so "largest share" cannot be computed.
    vietnamadminunits numbers some new communes differently from the official 2025.10.1
    list (and swaps a few codes between communes), so its new-commune keys are translated
    to the official codes by province and name (exact name first, then ignoring
    diacritic placement, spacing and punctuation; the translation must be one to one).
"""
import argparse
import collections
import csv
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile

OLD, NEW, VAM = "vietnam-provinces==0.6.0", "vietnam-provinces==2025.10.1", "vietnamadminunits==1.0.4"
PACKAGES = [OLD, NEW, VAM]
HEADER = ["level", "code", "name", "type", "province_code", "district_code", "region",
          "commune_group", "valid_from", "valid_to", "successor_code"]
LEVELS = ["province", "district", "commune"]
OLD_END, NEW_START = "2025-06-30", "2025-07-01"
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
TYPES = {
    "province": [("Thành phố", "thành phố trung ương"), ("Tỉnh", "tỉnh")],
    "district": [("Thành phố", "thành phố"), ("Thị xã", "thị xã"), ("Quận", "quận"), ("Huyện", "huyện")],
    "commune": [("Thị trấn", "thị trấn"), ("Phường", "phường"), ("Xã", "xã"), ("Đặc khu", "đặc khu")],
}
# Samples checked by hand against the official lists (data/README.md): (level, code, name, type, province, district).
SAMPLES = [
    ("province", "42", "Hà Tĩnh", "tỉnh", "", ""),
    ("district", "443", "Can Lộc", "huyện", "42", ""),
    ("commune", "18436", "Kim Song Trường", "xã", "42", "443"),
    ("commune", "18454", "Phú Lộc", "xã", "42", "443"),
    ("commune", "18463", "Gia Hanh", "xã", "42", "443"),
    ("commune", "18475", "Xuân Lộc", "xã", "42", "443"),
    ("district", "446", "Cẩm Xuyên", "huyện", "42", ""),
    ("commune", "18724", "Cẩm Quan", "xã", "42", "446"),
    ("district", "447", "Kỳ Anh", "huyện", "42", ""),
    ("commune", "18793", "Kỳ Tây", "xã", "42", "447"),
    ("commune", "18850", "Kỳ Lạc", "xã", "42", "447"),
]


def clean(text):
    """Source spelling, with runs of spaces collapsed and the en dash written as a hyphen."""
    return " ".join(unicodedata.normalize("NFC", text).replace("\u2013", "-").split())


def fold(text):
    """Loose key of a name: no diacritics, case, spacing or punctuation ("Hoà" == "Hòa")."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in text if not unicodedata.combining(c)).lower())


def split_name(level, full, given_type=None):
    """(name without the type word, type) of a unit's full name."""
    full = clean(full)
    for prefix, unit_type in TYPES[level]:
        if full.lower().startswith(prefix.lower() + " "):
            if given_type and given_type != unit_type and level == "commune":
                raise SystemExit(f"{level} {full!r}: prefix says {unit_type}, list says {given_type}")
            return full[len(prefix) + 1:], unit_type
    if given_type in [t for _, t in TYPES[level]]:
        return full, given_type  # the 2025 list names provinces without "Tỉnh"
    raise SystemExit(f"cannot read the type of {level} {full!r}")


def fetch(directory):
    """Download each package (unless already in directory); returns {spec: reader}."""
    readers = {}
    for spec in PACKAGES:
        name, version = spec.split("==")
        stems = {f"{name.replace('-', '_')}-{version}", f"{name}-{version}"}

        def found():
            return sorted(f for f in os.listdir(directory)
                          if any(f.startswith(s + "-") or f.startswith(s + ".") for s in stems)
                          and (f.endswith(".whl") or f.endswith(".tar.gz")))
        if not found():
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "-d", directory, spec], check=True)
        files = found()
        if not files:
            raise SystemExit(f"pip download did not leave {spec} in {directory}")
        readers[spec] = archive_reader(os.path.join(directory, files[0]))
    return readers


def archive_reader(path):
    """read(inner_path) -> bytes for a wheel or an sdist (inner_path below the package root)."""
    if path.endswith(".whl"):
        archive = zipfile.ZipFile(path)
        names = archive.namelist()
        opener = archive.read
    else:
        archive = tarfile.open(path)
        names = archive.getnames()
        opener = lambda n: archive.extractfile(n).read()  # noqa: E731

    def read(inner):
        hits = [n for n in names if n == inner or n.endswith("/" + inner)]
        if len(hits) != 1:
            raise SystemExit(f"{path}: expected one {inner}, found {hits}")
        return opener(hits[0])
    return read


def translate_new_keys(db, new_units):
    """vietnamadminunits (provinceKey, wardKey) -> official 2025.10.1 commune code."""
    exact, loose = {}, collections.defaultdict(list)
    for code, (pcode, full) in new_units.items():
        exact[(pcode, clean(full))] = code
        loose[(pcode, fold(full))].append(code)
    result, renumbered = {}, 0
    for pkey, wkey, pcode, full, vam_code in db.execute(
            "SELECT provinceKey, wardKey, provinceCode, ward, wardCode FROM admin_units"):
        code = exact.get((pcode, clean(full)))
        if code is None and len(loose[(pcode, fold(full))]) == 1:
            code = loose[(pcode, fold(full))][0]
        if code is None:
            raise SystemExit(f"vietnamadminunits commune {full!r} ({pcode}) is not in the 2025 list")
        result[(pkey, wkey)] = code
        renumbered += code != vam_code
    if len(set(result.values())) != len(result) or len(result) != len(new_units):
        raise SystemExit("vietnamadminunits and the 2025 list do not match one to one")
    return result, renumbered


def find_legacy(old_communes, db):
    """0.6.0 commune code -> (vietnamadminunits legacy key, how), or None if not found."""
    by_code, by_name, by_former = {}, collections.defaultdict(list), collections.defaultdict(list)
    for pkey, dkey, wkey, code, dcode, full, keywords in db.execute(
            "SELECT provinceKey, districtKey, wardKey, wardCode, districtCode, ward, wardKeywords "
            "FROM admin_units_legacy WHERE wardKey IS NOT NULL"):
        key = f"{pkey}_{dkey}_{wkey}"
        by_code[code] = (key, dcode, code)
        by_name[(dcode, fold(full))].append((key, code))
        for word in json.loads(keywords or "[]"):
            by_former[(dcode, word)].append((key, code))
    found = {}
    for code, (_pcode, dcode, full) in old_communes.items():
        hit = by_code.get(code)
        if hit and hit[1] == dcode:
            found[code] = (hit[0], hit[2], "code")
            continue
        same = by_name.get((dcode, fold(full)), [])
        if len(same) == 1:
            found[code] = (same[0][0], same[0][1], "name")
            continue
        former = {k for k in by_former.get((dcode, fold(full)), [])}
        if len(former) == 1:
            key, legacy_code = former.pop()
            found[code] = (key, legacy_code, "merged")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--download-dir", help="folder for the downloaded packages (reused if populated)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ntm-units-") as tmp:
        directory = args.download_dir or tmp
        os.makedirs(directory, exist_ok=True)
        readers = fetch(directory)
        old = json.loads(readers[OLD]("vietnam_provinces/data/nested-divisions.json"))
        new = json.loads(readers[NEW]("vietnam_provinces/data/nested-divisions.json"))
        converter = json.loads(readers[VAM]("vietnamadminunits/data/converter_2025.json"))
        db_path = os.path.join(tmp, "dataset.db")
        with open(db_path, "wb") as f:
            f.write(readers[VAM]("vietnamadminunits/data/dataset.db"))
        db = sqlite3.connect(db_path)
        try:
            build(old, new, converter, db)
        finally:
            db.close()


def build(old, new, converter, db):
    # ---- the two official lists -------------------------------------------------------
    old_communes = {}  # code -> (province code, district code, full name)
    for p in old:
        for d in p["districts"]:
            for w in d["wards"]:
                old_communes[f"{w['code']:05d}"] = (f"{p['code']:02d}", f"{d['code']:03d}", w["name"])
    new_communes = {f"{w['code']:05d}": (f"{p['code']:02d}", w["name"]) for p in new for w in p["wards"]}
    new_provinces = {f"{p['code']:02d}" for p in new}

    # ---- successors ---------------------------------------------------------------------
    new_code, renumbered = translate_new_keys(db, new_communes)
    legacy = find_legacy(old_communes, db)
    target_of = {}  # legacy key -> ("whole", new code) or ("divided", [(new code, is default)])
    for pkey, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for new_key, old_keys in wards.items():
            for old_key in old_keys:
                target_of[old_key] = ("whole", new_code[(pkey, new_key)])
    for pkey, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, targets in olds.items():
            target_of[old_key] = ("divided", [(new_code[(pkey, t["newWardKey"])], bool(t.get("isDefaultNewWard")))
                                              for t in targets])
    successor, how_found, split_rule = {}, collections.Counter(), collections.Counter()
    unresolved = []
    for code, (pcode, dcode, full) in sorted(old_communes.items()):
        if code not in legacy:
            unresolved.append((code, full, "not in vietnamadminunits' 2025-06-30 list"))
            continue
        key, legacy_code, how = legacy[code]
        how_found[how] += 1
        kind, target = target_of.get(key, (None, None))
        if kind == "whole":
            successor[code] = target
        elif kind == "divided":
            codes = [c for c, _ in target]
            if code in codes:
                successor[code], rule = code, "carries the old code"
            elif legacy_code in codes:
                successor[code], rule = legacy_code, "carries the old code"
            elif any(d for _, d in target):
                successor[code], rule = next(c for c, d in target if d), "converter default"
            else:
                successor[code], rule = codes[0], "first listed"
            split_rule[rule] += 1
        else:
            unresolved.append((code, full, f"{key} not in converter_2025.json"))

    legacy_province = dict(db.execute("SELECT DISTINCT provinceKey, provinceCode FROM admin_units_legacy"))
    vam_province = dict(db.execute("SELECT DISTINCT provinceKey, provinceCode FROM admin_units"))
    province_successor = {}
    for new_key, old_keys in converter["DICT_PROVINCE"].items():
        for old_key in old_keys:
            province_successor[legacy_province[old_key]] = vam_province[new_key]

    # ---- rows -------------------------------------------------------------------------
    rows_old, rows_new = [], []
    for p in old:
        pcode = f"{p['code']:02d}"
        name, unit_type = split_name("province", p["name"])
        rows_old.append(["province", pcode, name, unit_type, "", "", REGION_OF[pcode], "", "", OLD_END,
                         province_successor.get(pcode, "")])
        for d in p["districts"]:
            dcode = f"{d['code']:03d}"
            name, unit_type = split_name("district", d["name"])
            rows_old.append(["district", dcode, name, unit_type, pcode, "", "", "", "", OLD_END, ""])
            for w in d["wards"]:
                code = f"{w['code']:05d}"
                name, unit_type = split_name("commune", w["name"])
                rows_old.append(["commune", code, name, unit_type, pcode, dcode, "", "", "", OLD_END,
                                 successor.get(code, "")])
    for p in new:
        pcode = f"{p['code']:02d}"
        name, unit_type = split_name("province", p["name"], p.get("division_type"))
        rows_new.append(["province", pcode, name, unit_type, "", "", REGION_OF[pcode], "", NEW_START, "", ""])
        for w in p["wards"]:
            name, unit_type = split_name("commune", w["name"], w.get("division_type"))
            rows_new.append(["commune", f"{w['code']:05d}", name, unit_type, pcode, "", "", "", NEW_START, "", ""])

    out_dir = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
    problems = []
    for file_name, rows in [("units-pre-2025.csv", rows_old), ("units-2025.csv", rows_new)]:
        rows.sort(key=lambda r: (LEVELS.index(r[0]), r[1]))
        keys = collections.Counter((r[0], r[1]) for r in rows)
        duplicates = [k for k, n in keys.items() if n > 1]
        if duplicates:
            problems.append(f"{file_name}: duplicate (level, code): {duplicates[:5]}")
        with open(os.path.join(out_dir, file_name), "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows)
        counts = collections.Counter(r[0] for r in rows)
        print(f"data/{file_name}: " + ", ".join(f"{counts[lvl]} {lvl}s" for lvl in LEVELS if counts[lvl])
              + f" ({len(rows)} rows, {len(duplicates)} duplicate (level, code))")

    # ---- checks -----------------------------------------------------------------------
    old_by = {(r[0], r[1]): r for r in rows_old}
    new_by = {(r[0], r[1]): r for r in rows_new}
    print(f"vietnamadminunits: {renumbered} of {len(new_code)} new communes carry another code than "
          f"the 2025.10.1 list (translated by name)")
    print(f"old communes found in vietnamadminunits' 2025-06-30 list: {sum(how_found.values())} of "
          f"{len(old_communes)} (by code {how_found['code']}, by name in the district {how_found['name']}, "
          f"merged into another unit before 2025-07-01 {how_found['merged']})")
    print(f"old communes divided among several new communes: {sum(split_rule.values())} "
          f"(successor = {', '.join(f'{r}: {n}' for r, n in split_rule.most_common())})")
    communes_old = [r for r in rows_old if r[0] == "commune"]
    with_successor = [r for r in communes_old if r[10]]
    print(f"old communes with a successor: {len(with_successor)} of {len(communes_old)}")
    for code, full, why in unresolved:
        print(f"  no successor: {code} {full} ({old_communes[code][1]}): {why}")
    dangling = [r for r in with_successor if ("commune", r[10]) not in new_by]
    if dangling:
        problems.append(f"successors that are not 2025 communes: {[(r[1], r[10]) for r in dangling[:5]]}")
    other_province = [r for r in with_successor if new_by[("commune", r[10])][4] != old_by[("province", r[4])][10]]
    print(f"old communes whose successor lies outside their province's successor: {len(other_province)}")
    provinces_old = [r for r in rows_old if r[0] == "province"]
    bad = [r[1] for r in provinces_old if r[10] not in new_provinces or not r[6]]
    if bad:
        problems.append(f"old provinces without a region or a valid successor: {bad}")
    print(f"old provinces with a region and a successor province: {len(provinces_old) - len(bad)} of {len(provinces_old)}")
    orphans = [r[1] for r in rows_new if r[0] == "commune" and ("province", r[4]) not in new_by]
    orphans += [r[1] for r in rows_old if r[0] != "province" and ("province", r[4]) not in old_by]
    orphans += [r[1] for r in rows_old if r[0] == "commune" and ("district", r[5]) not in old_by]
    if orphans:
        problems.append(f"units whose parent is missing: {orphans[:5]}")
    print(f"units whose parent is missing: {len(orphans)}")
    for level, code, name, unit_type, pcode, dcode in SAMPLES:
        row = old_by.get((level, code))
        ok = row is not None and row[2:6] == [name, unit_type, pcode, dcode]
        extra = f"region {row[6]}" if level == "province" and row else ""
        if level == "commune" and row:
            succ = new_by.get(("commune", row[10]))
            extra = f"-> {row[10]} {succ[3]} {succ[2]}" if succ else "-> (none)"
        print(f"  sample {level} {code} {name}: {'ok' if ok else 'MISMATCH ' + repr(row)} {extra}".rstrip())
        if not ok:
            problems.append(f"sample {level} {code} {name}")
    if old_by[("province", "42")][6] != "north_central_coast":
        problems.append("Hà Tĩnh is not north_central_coast")
    if problems:
        raise SystemExit("checks failed:\n  " + "\n  ".join(problems))
    print("checks: ok")


if __name__ == "__main__":
    main()
