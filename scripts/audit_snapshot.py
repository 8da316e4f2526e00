#!/usr/bin/env python3
"""Refreshes audit/advisory-db: the RustSec advisories (github.com/rustsec/advisory-db)
of the crates in Cargo.lock, so `.ci/run` can run `cargo audit` offline.

Usage: scripts/audit_snapshot.py ADVISORY_DB_GIT_DIR
  ADVISORY_DB_GIT_DIR: a clone (bare or not) of rustsec/advisory-db, e.g. made with
  `git clone --bare https://github.com/rustsec/advisory-db`.

Writes audit/advisory-db/crates/<crate>/RUSTSEC-*.md for every crate of Cargo.lock that has
advisories, and audit/advisory-db/SNAPSHOT.toml naming the commit, its date and the crates
covered. scripts/audit.sh fails when Cargo.lock names a crate the snapshot did not cover.
"""
import os
import shutil
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "audit", "advisory-db")
git_dir = sys.argv[1]


def git(*args):
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True).stdout


with open(os.path.join(ROOT, "Cargo.lock"), "rb") as f:
    crates = sorted({p["name"] for p in tomllib.load(f)["package"]})
commit, date = git("log", "-1", "--format=%H %cI", "HEAD").decode().split()
paths = git("ls-tree", "-r", "--name-only", "HEAD", "crates/").decode().split()
shutil.rmtree(OUT, ignore_errors=True)
written = 0
for path in paths:
    parts = path.split("/")
    if len(parts) == 3 and parts[1] in crates and parts[2].endswith(".md"):
        target = os.path.join(OUT, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(git("show", f"HEAD:{path}"))
        written += 1
with open(os.path.join(OUT, "SNAPSHOT.toml"), "w") as f:
    f.write("# RustSec advisories of the crates in Cargo.lock; refresh: scripts/audit_snapshot.py\n")
    f.write(f'source = "https://github.com/rustsec/advisory-db"\ncommit = "{commit}"\ndate = "{date}"\n')
    f.write("crates = [\n" + "".join(f'  "{c}",\n' for c in crates) + "]\n")
print(f"{written} advisories for {len(crates)} crates from advisory-db {commit[:12]} ({date})")
