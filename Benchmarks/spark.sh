#!/usr/bin/env bash
# The Spark part of the benchmark (issue 12), in Spark local mode with 2 cores, one run:
#
#   bash Benchmarks/spark.sh [N] [LADDER]       (N records, default 1000000; LADDER a release build)
#
# The benchmark's narrow file of N records in 8 headerless CSV parts, and four jobs over it:
# `ladder eval` alone over the whole file; the Ladder Spark job (integrations/spark/ladder_spark.py)
# with the scorecard and with the population policy (statistics per part, merged, parts decided
# with them; and every record in one task); the scorecard written in Spark SQL (Benchmarks/spark_sql.py, the DuckDB oracle's
# query translated). Every job's decisions are compared with `ladder eval`'s lines (with
# `--on-error emit`'s empty error column for the Ladder job, as it runs; without for the SQL);
# wall times and ratios are printed. pyspark comes from PyPI into .build-spark/venv, as the CI test installs it.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
LADDER=$(realpath "${2:-.build/release/ladder}")
PY=$(bash integrations/spark/pyspark-venv.sh)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

python3 Benchmarks/generate.py "$N" "$T/all.csv"
python3 - "$T" << 'PY'
import os, sys
folder = sys.argv[1]
lines = open(f"{folder}/all.csv", encoding="utf-8").read().splitlines(keepends=True)
records = lines[1:]
os.mkdir(f"{folder}/parts")
size = (len(records) + 7) // 8
for part in range(8):
    with open(f"{folder}/parts/part-{part:05d}.csv", "w", encoding="utf-8") as out:
        out.write("".join(records[part * size:(part + 1) * size]))
PY

seconds() { # command... : wall seconds, the command's output discarded
  local start end
  start=$(date +%s.%N)
  "$@" > /dev/null 2>> "$T/stderr"
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'
}
status=0
same() { # label expected actual
  if cmp -s "$2" "$3"; then echo "identical"; else echo "DIFFERENT"; status=1; fi
}

printf "%-44s %9s %10s  %s\n" job seconds "vs ladder" outputs
for job in scorecard population; do
  policy=policies/benchmark-$job.yaml
  alone=$(seconds "$LADDER" eval "$policy" "$T/all.csv" --as-of 2024-03-01 --format csv --on-error emit -o "$T/alone-$job.csv")
  tail -n +2 "$T/alone-$job.csv" > "$T/expected-$job.csv"
  printf "%-44s %9s %10s  %s\n" "ladder eval alone ($job)" "$alone" "1.00" "-"
  modes=(per-record)
  [ $job = population ] && modes=(statistics one-task)
  for mode in "${modes[@]}"; do
    extra=()
    [ $job = population ] && extra=(--population "$mode")
    spark=$(seconds "$PY" integrations/spark/ladder_spark.py --master "local[2]" --ladder "$LADDER" \
      --policy "$policy" --input "$T/parts" --output "$T/spark-$job-$mode" --as-of 2024-03-01 "${extra[@]}")
    printf "%-44s %9s %10s  %s\n" "ladder spark job ($job, $mode)" "$spark" \
      "$(awk -v a="$spark" -v b="$alone" 'BEGIN { printf "%.1f", a / b }')" \
      "$(same "$job" "$T/expected-$job.csv" <(cat "$T"/spark-$job-$mode/decisions/part-*))"
  done
  if [ $job = scorecard ]; then
    sql=$(seconds "$PY" Benchmarks/spark_sql.py --master "local[2]" --input "$T/parts" --output "$T/sql" \
      --policy "$policy")
    printf "%-44s %9s %10s  %s\n" "spark sql ($job)" "$sql" \
      "$(awk -v a="$sql" -v b="$alone" 'BEGIN { printf "%.1f", a / b }')" \
      "$(same sql <("$LADDER" eval "$policy" "$T/all.csv" --as-of 2024-03-01 --format csv 2> /dev/null | tail -n +2) \
        <(cat "$T"/sql/part-*.csv))"
    echo "ladder spark job / spark sql: $(awk -v a="$spark" -v b="$sql" 'BEGIN { printf "%.2f", a / b }')"
  fi
done
grep -E "^population statistics" "$T/stderr" || true
exit $status
