#!/usr/bin/env bash
# Generates the national data set for the report benchmarks, straight in the database:
# every pre-reform commune (10,051) x 10 years (2016-2025) of appraised assessments with
# 19 criterion results each (1.9 million rows), and a recognition for each commune whose
# 2020 assessment met 17 criteria or more. Deterministic (arithmetic, no random()).
#
#   bench/national_dataset.sh postgres://postgres@127.0.0.1:5432/ntm_bench
#   bench/national_dataset.sh sqlite:///path/to/ntm.db
set -euo pipefail
URL="$1"
case "$URL" in
  postgres*) run() { psql -q -v ON_ERROR_STOP=1 "$URL" -c "$1"; }; DATE="make_date(y, 6, 1)"; DEC30="make_date(2020, 12, 30)" ;;
  sqlite*)   command -v sqlite3 >/dev/null || apt-get install -y -qq sqlite3 >/dev/null
             FILE=${URL#sqlite://}; FILE=${FILE%%\?*}
             run() { sqlite3 "$FILE" "PRAGMA busy_timeout=10000; $1"; }; DATE="printf('%d-06-01', y)"; DEC30="'2020-12-30'" ;;
  *) echo "usage: $0 postgres://…|sqlite://…" >&2; exit 2 ;;
esac
start=$(date +%s.%N)
run "WITH RECURSIVE years(y) AS (SELECT 2016 UNION ALL SELECT y + 1 FROM years WHERE y < 2025)
INSERT INTO assessments (unit_level, unit_code, province_code, district_code, commune_code, region, commune_group,
  criteria_version_id, assessed_on, year, kind, status, met_count, total_count, met_mask, unknown_count, created_by, row_version, created_at, updated_at)
SELECT 'commune', u.code, u.province_code, u.district_code, u.code, u.region, NULL,
  (SELECT MIN(id) FROM criteria_versions), $DATE, y, 'self', 'appraised',
  ((u.id * 7919 + y * 104729) % 15) + 5, 19, (CAST(1 AS BIGINT) << (((u.id * 7919 + y * 104729) % 15) + 5)) - 1, 0,
  'bench-national', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
FROM units u CROSS JOIN years WHERE u.level = 'commune' AND u.valid_to = '2025-06-30'"
run "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 19)
INSERT INTO assessment_results (assessment_id, criterion_code, result, met, created_at, updated_at)
SELECT a.id, CAST(c.n AS TEXT), CASE WHEN c.n <= a.met_count THEN 'met' ELSE 'not_met' END, c.n <= a.met_count,
  CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
FROM assessments a CROSS JOIN c WHERE a.created_by = 'bench-national'"
run "INSERT INTO recognitions (unit_level, unit_code, province_code, district_code, level, assessment_id, decision_number,
  decided_on, signer, recognition_year, revoked, created_by, row_version, created_at, updated_at)
SELECT 'commune', a.unit_code, a.province_code, a.district_code, 'commune', a.id, 'BENCH/QĐ-UBND', $DEC30, 'bench', 2020,
  FALSE, 'bench-national', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
FROM assessments a WHERE a.created_by = 'bench-national' AND a.year = 2020 AND a.met_count >= 17"
case "$URL" in postgres*) run "ANALYZE" ;; sqlite*) run "ANALYZE" ;; esac
printf 'national data set generated in %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
