#!/usr/bin/env bash
# Offline dependency audit: `cargo audit` (installed from crates.io when missing) against the
# RustSec advisories committed in audit/advisory-db (see audit/advisory-db/SNAPSHOT.toml for
# the advisory-db commit and date; refresh with scripts/audit_snapshot.py). Fails on a known
# vulnerability in Cargo.lock, or when Cargo.lock names a crate the snapshot did not cover.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=audit/advisory-db

python3 - "$DB/SNAPSHOT.toml" <<'PY'
import sys, tomllib
snapshot = tomllib.load(open(sys.argv[1], "rb"))
covered = set(snapshot["crates"])
locked = {p["name"] for p in tomllib.load(open("Cargo.lock", "rb"))["package"]}
missing = sorted(locked - covered)
print(f"advisories: rustsec/advisory-db {snapshot['commit'][:12]} of {snapshot['date']}")
if missing:
    sys.exit("crates not covered by audit/advisory-db (run scripts/audit_snapshot.py): " + ", ".join(missing))
PY

command -v cargo-audit >/dev/null || cargo install --quiet --locked cargo-audit

# Ignored, with the reason:
# RUSTSEC-2023-0071 (rsa, Marvin timing attack on RSA private-key operations): rsa is pulled
#   in by jsonwebtoken's rust_crypto backend. ntm-api signs and verifies HS256 only and
#   rejects every other algorithm; it holds no RSA key and performs no RSA operation.
cargo audit --db "$DB" --no-fetch --stale --ignore RUSTSEC-2023-0071
