#!/usr/bin/env bash
# The HTTP service against its ceiling, with wrk (Debian's package): `ladder serve` answering
# single decisions and batches, measured beside a trivial endpoint of the same server (GET
# /ping) and `ladder eval` on the same records, in one run. Ratios, not absolute figures.
#
#   bash Benchmarks/serve.sh            # 100,000 CRM-export-shaped records for the batch
#   bash Benchmarks/serve.sh 20000
#   LADDER=/tmp/ladder-old bash Benchmarks/serve.sh   # another build, to compare
#
# Targets (issue 13): single decisions at 0.6× the trivial endpoint's request rate or better,
# with p99 latency at most 5 ms; the batch endpoint at 0.5× `ladder eval`'s records per second or
# better. wrk runs on the same two cores as the server, as a client on this machine would.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=.build-bench
mkdir -p "$WORK"
N=${1:-100000}
command -v wrk > /dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

# LADDER=path/to/ladder measures that binary instead of building this checkout (to compare builds).
if [ -z "${LADDER:-}" ]; then
  swift build -c release --product ladder --static-swift-stdlib --scratch-path .build-static > /dev/null
  LADDER=.build-static/release/ladder
fi
# The CRM-export shape of issue 14, as Benchmarks/run.sh uses by default (until 2026-12-06 this
# script used the 42-column --wide file).
POLICY=policies/benchmark-scorecard-export.yaml
POLICY_ID=benchmark-scorecard-export
DATA="$WORK/customers-export-$N.csv"
JSONL="$WORK/customers-export-$N.jsonl"
[ -f "$DATA" ] || python3 Benchmarks/generate.py "$N" "$DATA" --export
[ -f "$JSONL" ] || python3 Benchmarks/to_jsonl.py "$DATA" "$JSONL"

DIR=$(mktemp -d)
trap 'kill $SERVER 2> /dev/null || true; rm -rf "$DIR"' EXIT
mkdir "$DIR/policies"
cp "$POLICY" "$DIR/policies/"
echo "bench $(echo bench-token | $LADDER token-hash) decide" > "$DIR/tokens"
LOG_LEVEL=error $LADDER serve "$DIR/policies" --tokens "$DIR/tokens" --port 0 --max-batch 10000000 \
  --max-body $((2 << 30)) --batch-seconds 600 2> "$DIR/serve.log" &
SERVER=$!
for _ in $(seq 1 100); do grep -q "on http://127.0.0.1:" "$DIR/serve.log" && break; sleep 0.1; done
URL=$(grep -o "http://127.0.0.1:[0-9]*" "$DIR/serve.log" | head -1)

# One record of the file, as the body of every single decision.
head -1 "$JSONL" > "$DIR/record.json"
cat > "$DIR/decide.lua" << LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer bench-token"
local file = io.open("$DIR/record.json", "r")
wrk.body = file:read("*a")
file:close()
LUA

rate() { grep "Requests/sec" | awk '{print $2}'; }
p99() { grep -E "^ +99%" | awk '{print $2}'; }
echo "== warm-up"
wrk -t2 -c64 -d3s "$URL/ping" > /dev/null
wrk -t2 -c64 -d3s -s "$DIR/decide.lua" "$URL/v1/policies/$POLICY_ID/decide?as_of=2024-03-01" > /dev/null
echo "== trivial endpoint (GET /ping), keep-alive, 64 connections, 10 s"
wrk -t2 -c64 -d10s --latency "$URL/ping" > "$DIR/ping.txt"
echo "== single decisions (POST …/decide), keep-alive, 64 connections, 10 s"
wrk -t2 -c64 -d10s --latency -s "$DIR/decide.lua" "$URL/v1/policies/$POLICY_ID/decide?as_of=2024-03-01" \
  > "$DIR/decide.txt"
PING=$(rate < "$DIR/ping.txt")
DECIDE=$(rate < "$DIR/decide.txt")
printf "trivial endpoint   %10.0f requests/s  p99 %s\n" "$PING" "$(p99 < "$DIR/ping.txt")"
printf "single decisions   %10.0f requests/s  p99 %s  %.2fx the trivial endpoint\n" "$DECIDE" \
  "$(p99 < "$DIR/decide.txt")" "$(echo "$DECIDE / $PING" | bc -l)"
grep -E "Non-2xx|Socket errors" "$DIR/decide.txt" || true

echo "== batch of $N records (POST …/batch) against ladder eval of the same JSON Lines file"
seconds() { /usr/bin/time -f "%e" "$@" 2>&1 > /dev/null | tail -1; }
# Each timed three times, alternating, and the middle time taken: at 100k records a run is a few
# tenths of a second, and one run of either moved the ratio by a fifth on this shared machine.
middle() { printf "%s\n" "$@" | sort -n | sed -n 2p; }
EVALS=()
BATCHES=()
for _ in 1 2 3; do
  EVALS+=("$(seconds $LADDER eval "$POLICY" "$JSONL" --as-of 2024-03-01 -o "$DIR/eval.jsonl")")
  BATCHES+=("$(seconds curl -s -H "Authorization: Bearer bench-token" --data-binary "@$JSONL" \
    -o "$DIR/batch.jsonl" "$URL/v1/policies/$POLICY_ID/batch?as_of=2024-03-01")")
done
EVAL=$(middle "${EVALS[@]}")
BATCH=$(middle "${BATCHES[@]}")
echo "ladder eval runs: ${EVALS[*]} s; batch runs: ${BATCHES[*]} s"
cmp -s "$DIR/eval.jsonl" "$DIR/batch.jsonl" && SAME="identical output" || SAME="OUTPUTS DIFFER"
printf "ladder eval        %8.2f s  %10.0f records/s\n" "$EVAL" "$(echo "$N / $EVAL" | bc -l)"
printf "batch endpoint     %8.2f s  %10.0f records/s  %.2fx eval  (%s)\n" "$BATCH" "$(echo "$N / $BATCH" | bc -l)" \
  "$(echo "$EVAL / $BATCH" | bc -l)" "$SAME"
