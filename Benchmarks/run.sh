#!/usr/bin/env bash
# The Ladder benchmark: Ladder against DuckDB running the same policy as SQL, on the same files,
# in the same run. DuckDB is the oracle: the outputs must be identical.
#
#   bash Benchmarks/run.sh                 # 100,000, 1,000,000 and 3,000,000 records, CRM-export shape
#   bash Benchmarks/run.sh 50000           # chosen sizes
#   bash Benchmarks/run.sh --wide 1000000  # the 42-column file (33 columns no policy reads)
#   bash Benchmarks/run.sh --narrow 1000000 # the 9-column file (only the policy's columns)
#   bash Benchmarks/run.sh --smoke         # 2,000 records, outputs compared (what CI runs)
#   bash Benchmarks/run.sh --repeat=5 1000000 # each timed job five times (default three; the
#                                            # median run's figures are shown)
#
# The default file is shaped like the CRM customer export of issue 14 (generate.py --export): 20
# columns, six of them no policy reads, names with commas, quotes and Chinese, empty optional
# fields, the six months of spend as six columns (read by the benchmark-*-export policies: the
# same decisions), about 170 bytes a record. --wide is a fatter export (42 columns, 33 unread,
# notes with line breaks, about 460 bytes a record); --narrow only the policy's nine columns. Each
# line gives wall time and CPU time (user + system): CPU near twice the wall time means both
# cores worked.
#
# DuckDB is installed with pip into .build-bench/venv: a measuring tool, not a dependency.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=.build-bench
mkdir -p "$WORK"

SMOKE=0
SHAPE=export
SIZES=()
REPEAT=3
for argument in "$@"; do
  case "$argument" in
    --smoke) SMOKE=1 REPEAT=1 ;;
    --repeat=*) REPEAT=${argument#--repeat=} ;;
    --export) SHAPE=export ;;
    --wide) SHAPE=wide ;;
    --narrow) SHAPE=narrow ;;
    *) SIZES+=("$argument") ;;
  esac
done
# The data file's name and generator option, and the policies that read its columns.
case $SHAPE in
  export) FILE_SUFFIX="-export" GENERATE_OPTION="--export" POLICY_SUFFIX="-export" ;;
  wide) FILE_SUFFIX="-wide" GENERATE_OPTION="--wide" POLICY_SUFFIX="" ;;
  narrow) FILE_SUFFIX="" GENERATE_OPTION="" POLICY_SUFFIX="" ;;
esac
SCORECARD=policies/benchmark-scorecard$POLICY_SUFFIX.yaml
if [ ${#SIZES[@]} -eq 0 ]; then
  if [ $SMOKE -eq 1 ]; then SIZES=(2000); else SIZES=(100000 1000000 3000000); fi
fi

if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c "import duckdb" 2>/dev/null; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet duckdb
fi
PY="$WORK/venv/bin/python"
echo "duckdb $("$PY" -c 'import duckdb; print(duckdb.__version__)'), $(swift --version 2>/dev/null | head -1)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m)"

# Release builds link the Swift runtime and Foundation statically, as docs/cli.md recommends for
# production: the same speed, and a process that starts in half the time (5 ms instead of 9).
if [ $SMOKE -eq 1 ]; then
  BUILD=(swift build -c debug --product ladder)
  LADDER=.build/debug/ladder
else
  BUILD=(swift build -c release --product ladder --static-swift-stdlib --scratch-path .build-static)
  LADDER=.build-static/release/ladder
fi
"${BUILD[@]}" > "$WORK/ladder-build.log" 2>&1 || {
  echo "building ladder failed:" >&2
  tail -40 "$WORK/ladder-build.log" >&2
  exit 1
}

# measure_once NAME COMMAND...: runs the command once, prints "seconds peak_kib cpu_seconds".
measure_once() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/time-$name" "$@" > /dev/null 2> "$WORK/stderr-$name" || {
    echo "$name failed:" >&2
    cat "$WORK/stderr-$name" >&2
    exit 1
  }
  awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }' "$WORK/time-$name"
}

# measure NAME COMMAND...: runs the command REPEAT times and prints the figures of the run with
# the median wall time. This machine's speed moves by a fifth from minute to minute (other
# machines share its host); one run of each job let a slow spell decide a ratio. Ladder and
# DuckDB are measured alike. A command that changes what it reads (a ledger run) is measured once.
measure() {
  local name=$1
  shift
  for _ in $(seq "$REPEAT"); do measure_once "$name" "$@"; done | median_run
}

# median_run: of the lines "seconds peak_kib cpu_seconds" on standard input, the one with the
# median wall time.
median_run() { sort -n -k1,1 | grep . | awk '{ runs[NR] = $0 } END { print runs[int((NR + 1) / 2)] }'; }

printf "\n%-12s %10s %-16s %9s %7s %12s %9s %14s\n" job records tool seconds "cpu s" records/s "peak MB" "Ladder/DuckDB"
status=0
for N in "${SIZES[@]}"; do
  DATA="$WORK/customers$FILE_SUFFIX-$N.csv"
  [ -f "$DATA" ] || python3 Benchmarks/generate.py "$N" "$DATA" $GENERATE_OPTION
  read -r cat_s cat_kb cat_cpu <<< "$(measure cat cat "$DATA")"
  printf "%-12s %10s %-16s %9s %7s %12s %9s %14s\n" read "$N" "cat" "$cat_s" "$cat_cpu" "-" "$((cat_kb / 1024))" "-"

  for job in scorecard population; do
    policy=policies/benchmark-$job$POLICY_SUFFIX.yaml
    sql=Benchmarks/reference.sql
    [ $job = population ] && sql=Benchmarks/population.sql
    read -r l_s l_kb l_cpu <<< "$(measure ladder-$job "$LADDER" eval "$policy" "$DATA" --as-of 2024-03-01 --format csv -o "$WORK/ladder-$job-$N.csv")"
    read -r d_s d_kb d_cpu <<< "$(measure duckdb-$job "$PY" Benchmarks/duckdb_run.py "$sql" "$DATA" "$WORK/duckdb-$job-$N.csv" "$policy")"
    if cmp -s "$WORK/ladder-$job-$N.csv" "$WORK/duckdb-$job-$N.csv"; then same="identical"; else same="DIFFERENT"; status=1; fi
    rate() { awk -v n="$N" -v s="$1" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }
    ratio=$(awk -v a="$l_s" -v b="$d_s" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    mem_ratio=$(awk -v a="$l_kb" -v b="$d_kb" 'BEGIN { printf "%.2f", a / b }')
    printf "%-12s %10s %-16s %9s %7s %12s %9s %14s\n" "$job" "$N" ladder "$l_s" "$l_cpu" "$(rate "$l_s")" "$((l_kb / 1024))" "time $ratio"
    printf "%-12s %10s %-16s %9s %7s %12s %9s %14s\n" "$job" "$N" duckdb "$d_s" "$d_cpu" "$(rate "$d_s")" "$((d_kb / 1024))" "mem $mem_ratio"
    echo "             outputs: $same"
    if [ "$same" = DIFFERENT ]; then diff <(head -20 "$WORK/ladder-$job-$N.csv") <(head -20 "$WORK/duckdb-$job-$N.csv") | head -10 || true; fi
  done

  # JSON Lines input (issue 14): the same records as a JSON export writes them (converted outside
  # the timed region), to the same CSV; the decisions must be the same bytes. Each file is read
  # once first, as `cat` above read the CSV: both timed from the page cache, not the disk (the
  # JSON copy is 2.4 times the CSV's size, and the jobs between evict it).
  # jsonl_job LABEL NAME [to_jsonl.py option]: converts, times and compares one JSON Lines file.
  # The CSV job it is measured against runs again, alternated with it (CSV, JSON, CSV, JSON, …),
  # and the ratio is of the two medians: a spell of slowness (the machine's host, the kernel
  # reclaiming memory after the population job) then weighs on both alike.
  jsonl_job() {
    local label=$1 name=$2 option=${3:-}
    local file="${DATA%.csv}$([ -n "$option" ] && echo "-${option#--}").jsonl"
    [ -f "$file" ] || python3 Benchmarks/to_jsonl.py "$DATA" "$file" $option
    cat "$DATA" "$file" > /dev/null
    local csv_runs="" json_runs="" s kb cpu same csv_s
    for _ in $(seq "$REPEAT"); do
      csv_runs+="$(measure_once "$name-csv" "$LADDER" eval "$SCORECARD" "$DATA" --as-of 2024-03-01 --format csv -o "$WORK/$name-csv-$N.csv")"$'\n'
      json_runs+="$(measure_once "$name" "$LADDER" eval "$SCORECARD" "$file" --as-of 2024-03-01 --format csv -o "$WORK/$name-$N.csv")"$'\n'
    done
    read -r s kb cpu <<< "$(median_run <<< "$json_runs")"
    read -r csv_s _ _ <<< "$(median_run <<< "$csv_runs")"
    if cmp -s "$WORK/$name-$N.csv" "$WORK/ladder-scorecard-$N.csv"; then same="identical to the CSV input's"; else same="DIFFERENT from the CSV input's"; status=1; fi
    printf "%-12s %10s %-16s %9s %7s %12s %9s %14s\n" "$label" "$N" ladder "$s" "$cpu" "$(rate "$s")" "$((kb / 1024))" "$(awk -v a="$s" -v b="$csv_s" 'BEGIN { printf "%.2fx csv", a / b }')"
    echo "             outputs: $same; the CSV job alternated with it: $csv_s s"
  }
  jsonl_job "jsonl input" ladder-jsonl
  # The same export with null values left out (their keys absent): the keys differ from line to
  # line, as many serializers write them.
  jsonl_job "jsonl -null" ladder-omit-null --omit-null

  # Traces to a file (issue 14): the full JSON traces and the compact form, in records per second
  # against DuckDB's plain per-record job. DuckDB's job runs again, alternated with each form (as
  # the CSV job is with the JSON Lines jobs), and the rate is of the two medians: DuckDB's
  # scorecard ran minutes earlier, and this machine's speed moves by half in that time (run F of
  # the fourteenth session: compact traces 2.67 s at 1M, 1.5-2.2 s in pairs right after). The
  # compact form, expanded by scripts/expand-trace.py, must be the full traces' bytes (checked up
  # to 100,000 records).
  for form in explain compact-trace; do
    trace_runs="" duckdb_runs=""
    for _ in $(seq "$REPEAT"); do
      duckdb_runs+="$(measure_once "duckdb-$form" "$PY" Benchmarks/duckdb_run.py Benchmarks/reference.sql "$DATA" "$WORK/duckdb-$form-$N.csv" "$SCORECARD")"$'\n'
      trace_runs+="$(measure_once "$form" "$LADDER" eval "$SCORECARD" "$DATA" --as-of 2024-03-01 "--$form" -o "$WORK/$form-$N.jsonl")"$'\n'
    done
    read -r t_s t_kb t_cpu <<< "$(median_run <<< "$trace_runs")"
    read -r paired_duckdb_s _ _ <<< "$(median_run <<< "$duckdb_runs")"
    rm -f "$WORK/duckdb-$form-$N.csv"
    t_rate=$(rate "$t_s")
    printf "%-12s %10s %-16s %9s %7s %12s %9s %14s\n" traces "$N" "ladder --$form" "$t_s" "$t_cpu" "$t_rate" "$((t_kb / 1024))" "$(awk -v a="$t_rate" -v b="$(rate "$paired_duckdb_s")" 'BEGIN { printf "%.2fx rate", a / b }')"
    echo "             $(awk -v b="$(stat -c %s "$WORK/$form-$N.jsonl")" -v n="$N" 'BEGIN { printf "%.0f", b / n }') bytes per record; DuckDB's per-record job alternated with it: $paired_duckdb_s s"
  done
  if [ "$N" -le 100000 ]; then
    if python3 scripts/expand-trace.py "$WORK/compact-trace-$N.jsonl" | cmp -s - "$WORK/explain-$N.jsonl"; then
      echo "             compact traces expanded: identical to --explain"
    else
      echo "             compact traces expanded: DIFFERENT from --explain"
      status=1
    fi
  fi
  rm -f "$WORK/explain-$N.jsonl" "$WORK/compact-trace-$N.jsonl"

  # The ledger (issue 10): `ladder run` into an empty ledger, then a fifth run into one holding
  # four, against `ladder eval` of the same file in this run; and the bytes the ledger grew by.
  ledger="$WORK/ledger-$N.db"
  rm -f "$ledger"
  read -r e1_s _ _ <<< "$(measure ledger-eval "$LADDER" eval "$SCORECARD" "$DATA" --as-of 2024-03-01 --format csv -o "$WORK/ledger-eval-$N.csv")"
  read -r r1_s r1_kb r1_cpu <<< "$(measure_once ledger-run "$LADDER" run "$SCORECARD" "$DATA" --as-of 2024-03-01 --ledger "$ledger" --top 0)"
  first_bytes=$(stat -c %s "$ledger")
  for month in 04 05 06; do
    "$LADDER" run "$SCORECARD" "$DATA" --as-of "2024-$month-01" --ledger "$ledger" --top 0 > /dev/null
  done
  before_fifth=$(stat -c %s "$ledger")
  read -r r5_s r5_kb r5_cpu <<< "$(measure_once ledger-run5 "$LADDER" run "$SCORECARD" "$DATA" --as-of 2024-07-01 --ledger "$ledger" --top 0)"
  fifth_bytes=$(( $(stat -c %s "$ledger") - before_fifth ))
  for pair in "run 1st:$r1_s:$r1_cpu:$r1_kb:$first_bytes" "run 5th:$r5_s:$r5_cpu:$r5_kb:$fifth_bytes"; do
    IFS=: read -r what s cpu kb bytes <<< "$pair"
    printf "%-12s %10s %-16s %9s %7s %12s %9s %14s\n" ledger "$N" "ladder $what" "$s" "$cpu" "$(awk -v n="$N" -v t="$s" 'BEGIN { printf "%.0f", n / t }')" "$((kb / 1024))" "$(awk -v a="$s" -v b="$e1_s" 'BEGIN { if (b > 0) printf "%.1fx eval", a / b; else print "-" }')"
    echo "             ledger grew $(awk -v b="$bytes" -v n="$N" 'BEGIN { printf "%.0f", b / n }') bytes per decision (eval: $e1_s s)"
  done
  # `ladder show` on the ledger of five runs, 20 times; and, beside it, starting any command.
  show_key=$(printf "C%08d" $((N / 2)))
  show_start=$(date +%s%N)
  for _ in $(seq 20); do "$LADDER" show "$show_key" --as-of 2024-08-01 --ledger "$ledger" > /dev/null; done
  show_ms=$(awk -v a="$show_start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 20 / 1e6 }')
  bare_start=$(date +%s%N)
  for _ in $(seq 20); do "$LADDER" --version > /dev/null; done
  bare_ms=$(awk -v a="$bare_start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 20 / 1e6 }')
  echo "             ladder show KEY --as-of D on $((5 * N)) decisions: $show_ms ms for the whole process; ladder --version: $bare_ms ms"
done

if [ $SMOKE -eq 0 ]; then
  # The CSV libraries available here against Ladder's own reader (issue: measure them first).
  ln -sfn "$(pwd)" "$WORK/ladder"
  # SwiftPM prints build errors on standard output: keep it, and show it when the build fails.
  # SwiftPM can keep a path dependency's old list of files (a file added to Ladder is then "not in
  # scope"); the second build usually sees the new list, and a build from scratch always does.
  csvreaders_build() {
    swift build -c release --package-path Benchmarks/CSVReaders --scratch-path "$WORK/csvreaders" \
      > "$WORK/csvreaders-build.log" 2>&1
  }
  csvreaders_build || csvreaders_build || { rm -rf "$WORK/csvreaders" && csvreaders_build; } || {
    echo "building Benchmarks/CSVReaders failed:" >&2
    tail -40 "$WORK/csvreaders-build.log" >&2
    exit 1
  }
  for N in "${SIZES[@]}"; do
    echo
    echo "CSV readers, $N records (fields turned into strings, file already in memory):"
    "$WORK/csvreaders/release/csv-readers" "$SCORECARD" "$WORK/customers$FILE_SUFFIX-$N.csv"
  done
fi
exit $status
