#!/usr/bin/env bash
# The Spark job in Spark local mode (issue 12), as CI runs it: pyspark from PyPI in a virtual
# environment (Java 17 is on the machine), 50,000 generated records in 8 headerless CSV parts.
#
#   bash integrations/spark/test_spark.sh [LADDER]
#
# Checks: the per-record job's decisions and the population job's (each part ranked in the whole
# population with merged statistics) are byte for byte the lines `ladder eval` writes over the
# whole file; a rejected record lands in rejects/ and every record
# read is decided or rejected; with --on-error fail, a bad record fails the job, ladder's reason
# in its output.
set -euo pipefail
cd "$(dirname "$0")/../.."
LADDER=$(realpath "${1:-.build/debug/ladder}")
PY=$(bash integrations/spark/pyspark-venv.sh)
T=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

# 50,000 records in 8 parts without their header line; one record of part 3 made bad.
python3 Benchmarks/generate.py 50000 "$T/all.csv"
python3 - "$T" << 'PY'
import sys
folder = sys.argv[1]
lines = open(f"{folder}/all.csv", encoding="utf-8").read().splitlines(keepends=True)
header, records = lines[0], lines[1:]
import csv, io
bad = 3 * len(records) // 8 + 5
fields = next(csv.reader([records[bad]]))
fields[4] = "many"  # orders_12m: not a whole number
text = io.StringIO()
csv.writer(text, lineterminator="\n").writerow(fields)
records[bad] = text.getvalue()
with open(f"{folder}/with-bad.csv", "w", encoding="utf-8") as whole:
    whole.write(header + "".join(records))
import os
os.mkdir(f"{folder}/parts")
size = (len(records) + 7) // 8
for part in range(8):
    with open(f"{folder}/parts/part-{part:05d}.csv", "w", encoding="utf-8") as out:
        out.write("".join(records[part * size:(part + 1) * size]))
PY

fail=0
check() {
  if "$@"; then echo "ok: ${label}"; else echo "FAILED: ${label}"; fail=1; fi
}

for job in scorecard population population-one-task; do
  policy=policies/benchmark-${job%-one-task}.yaml
  extra=()
  [ $job = population ] && extra=(--population)
  [ $job = population-one-task ] && extra=(--population one-task)
  "$LADDER" eval "$policy" "$T/with-bad.csv" --as-of 2024-03-01 --format csv --on-error emit 2> /dev/null \
    | tail -n +2 > "$T/expected-$job.csv"
  "$PY" integrations/spark/ladder_spark.py --master "local[2]" --ladder "$LADDER" --policy "$policy" \
    --input "$T/parts" --output "$T/out-$job" --as-of 2024-03-01 "${extra[@]}" > "$T/log-$job" 2>&1 || {
    echo "FAILED: the $job job"; tail -30 "$T/log-$job"; exit 1; }
  grep -E "^read [0-9]+, decided" "$T/log-$job" || true
  label="$job: the decisions are ladder eval's lines over the whole file, in order"
  check cmp -s <(grep -v -E ',line [0-9]+: ' "$T/expected-$job.csv") <(cat "$T"/out-$job/decisions/part-*)
  label="$job: the bad record is in rejects/"
  check test "$(cat "$T"/out-$job/rejects/part-* | wc -l)" = 1
  label="$job: every record read is decided or rejected"
  check grep -q "read 50000, decided 49999, rejected 1" "$T/log-$job"
  if [ $job = population ]; then
    # Ranked in parallel: each of the 8 parts made its statistics in a task of its own.
    grep -E "^population statistics:" "$T/log-$job" || true
    label="population: the parts' statistics were merged (8 parts), not one task over every record"
    check grep -q "^population statistics: 8 parts, " "$T/log-$job"
  fi
done

label="--on-error fail: the bad record fails the job with ladder's reason"
if "$PY" integrations/spark/ladder_spark.py --master "local[2]" --ladder "$LADDER" \
  --policy policies/benchmark-scorecard.yaml --input "$T/parts" --output "$T/out-fail" --as-of 2024-03-01 \
  --on-error fail > "$T/log-fail" 2>&1; then
  echo "FAILED: ${label} (the job succeeded)"
  fail=1
else
  check grep -q "field 'orders_12m': 'many' is not a whole number" "$T/log-fail"
fi
exit $fail
