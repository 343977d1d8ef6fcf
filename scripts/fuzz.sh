#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS: scripts/fuzz.sh TARGET SECONDS [libFuzzer options]
# (for example -runs=N to stop after N inputs, -seed=N for a repeatable run, -fork=2 for both cores).
# TARGET is policy, expression, csv or jsonl. The targets are built with
# -sanitize=fuzzer,address in Fuzz/ (a package of its own). The seed corpus comes from the
# example policies, records and golden diagnostics; what the fuzzer adds stays in
# Fuzz/.corpus/TARGET (not committed). A crash or a broken invariant leaves its input in
# Fuzz/.artifacts/ and exits non-zero. The last line says how many executions ran.
set -euo pipefail
cd "$(dirname "$0")/.."
# libFuzzer reports crashes itself; Swift's backtracer would hold a crashed process for minutes.
export SWIFT_BACKTRACE=enable=no
target=${1:?usage: scripts/fuzz.sh policy|expression|csv|jsonl SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
shift 2
case "$target" in
  policy) product=FuzzPolicy ;;
  expression) product=FuzzExpression ;;
  csv) product=FuzzCSV ;;
  jsonl) product=FuzzJSONL ;;
  *) echo "unknown target '$target': policy, expression, csv or jsonl" >&2; exit 64 ;;
esac

build_log=$(mktemp)
if ! swift build --package-path Fuzz -c release --product "$product" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library > "$build_log" 2>&1; then
  cat "$build_log"
  exit 1
fi
binary=$(swift build --package-path Fuzz -c release --show-bin-path)/$product

corpus=Fuzz/.corpus/$target
mkdir -p "$corpus" Fuzz/.artifacts
seed=$(mktemp -d)
case "$target" in
  policy) cp policies/*.yaml examples/changes/*.yaml Tests/LadderTests/Golden/diagnostics/*.yaml "$seed"/ ;;
  expression)
    # Every `when:`, `points:` and let expression of the example policies, one file each.
    n=0
    grep -hoE "(when|points|of): [^}]*" policies/*.yaml | sed -E 's/^(when|points|of): //' |
      while IFS= read -r line; do n=$((n + 1)); printf '%s' "$line" > "$seed/e$n"; done ;;
  csv) cp examples/*.csv "$seed"/ ;;
  jsonl) cp examples/*.jsonl "$seed"/ ;;
esac

# The record targets compile their policy once, into a global. LeakSanitizer takes that
# policy's objects for leaks: Swift keeps tag bits in the spare bits of enum payload pointers,
# which LeakSanitizer does not read as pointers. The policy target, which compiles and frees a
# policy per input, keeps leak detection.
leaks=1
case "$target" in csv | jsonl) leaks=0 ;; esac

log=$(mktemp)
status=0
started=$SECONDS
ASAN_OPTIONS="detect_leaks=$leaks${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
  "$binary" "$corpus" "$seed" -dict="Fuzz/Dictionaries/$target.dict" -max_total_time="$seconds" \
  -detect_leaks="$leaks" \
  -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix=Fuzz/.artifacts/"$target"- "$@" 2> "$log" || status=$?
rm -rf "$seed"
if [ "$status" -ne 0 ]; then
  tail -60 "$log"
  echo "fuzz $target: FAILED after $(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?') executions (exit $status); the input is in Fuzz/.artifacts/" >&2
  exit "$status"
fi
# One process prints its final stats; with -fork=N the parent prints progress lines (`#N: …`)
# instead, the last of which counts every child's executions.
executions=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
[ -n "$executions" ] || executions=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)
echo "fuzz $target: ${executions:-?} executions in $((SECONDS - started))s without a finding"
