#!/usr/bin/env bash
# A differential campaign: CASES generated policies (default 100000) from FIRST_SEED (default 1),
# each evaluated by the batch (columnar) backend and the row evaluator, which must agree byte
# for byte in CSV, JSON Lines and traces. The cases are split over both cores. A case that
# differs is shrunk and saved under Tests/LadderTests/Golden/differential/ (commit it: the test
# suite replays it from then on).
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-100000}
first=${2:-1}
half=$(( (cases + 1) / 2 ))
swift build --build-tests > /dev/null
run() {
  LADDER_DIFFERENTIAL_SEED=$1 LADDER_DIFFERENTIAL_CASES=$2 \
    swift test --skip-build --filter 'GeneratedDifferentialTests/generatedPolicies' 2>&1 |
    grep -E "^differential:|✘" || true
}
run "$first" "$half" > /tmp/ladder-differential-1.log &
run "$(( first + half ))" "$(( cases - half ))" > /tmp/ladder-differential-2.log &
wait
cat /tmp/ladder-differential-1.log /tmp/ladder-differential-2.log
if grep -q "✘" /tmp/ladder-differential-1.log /tmp/ladder-differential-2.log; then exit 1; fi
