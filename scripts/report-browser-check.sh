#!/usr/bin/env bash
# The example reports in a real browser (issue 16): headless Chromium from the Debian packages
# loads each page and a checking script, added to a copy of the page, reports what it finds.
#
#   bash scripts/report-browser-check.sh [LADDER] [PNG]
#
# Checks: the page loads with no console message (it runs no script, so any is an error); no request leaves the file (the browser's
# resource timing lists none); every SVG has a non-empty bounding box; the tier table's rows are
# the JSON report's numbers. With PNG, also renders the B2B example's report to that file.
set -euo pipefail
cd "$(dirname "$0")/.."
LADDER=$(realpath "${1:-.build/debug/ladder}")
PNG=${2:-}
command -v chromium > /dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
browser=(chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run
  --user-data-dir="$T/profile" --enable-logging=stderr --v=0)
fail=0
for example in b2b-service-tiers retail-rfm-abc airline-status; do
  policy=policies/$example.yaml
  records=examples/$example.csv
  "$LADDER" report "$policy" "$records" --as-of 2024-03-01 -o "$T/$example.html" 2> /dev/null
  "$LADDER" report "$policy" "$records" --as-of 2024-03-01 --format json -o "$T/$example.json" 2> /dev/null
  # The checking script goes into a copy; the report itself has none.
  python3 - "$T/$example.html" "$T/$example-check.html" << 'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
check = """<script>
window.addEventListener('load', () => {
  const svgs = [...document.querySelectorAll('svg')].map(s => { const b = s.getBBox(); return [b.width, b.height]; });
  const rows = [...document.querySelectorAll('table')[0].querySelectorAll('tbody tr')]
    .map(tr => [...tr.children].map(td => td.textContent));
  const resources = performance.getEntriesByType('resource').map(e => e.name);
  document.body.setAttribute('data-check', JSON.stringify({svgs, rows, resources}));
});
</script>"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", check + "\n</body>"))
PY
  "${browser[@]}" --dump-dom "file://$T/$example-check.html" > "$T/$example-dom.html" 2> "$T/$example-console.log"
  "${browser[@]}" --dump-dom "file://$T/$example.html" > /dev/null 2> "$T/$example-plain.log"
  if python3 - "$T/$example-dom.html" "$T/$example.json" "$T/$example-plain.log" << 'PY'
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
report = json.load(open(sys.argv[2], encoding="utf-8"))
console = open(sys.argv[3], encoding="utf-8", errors="replace").read()
found = re.search(r'data-check="([^"]*)"', dom)
problems = []
if not found:
    problems.append("the checking script did not run")
else:
    check = json.loads(html.unescape(found.group(1)))
    if not check["svgs"] or any(w <= 0 or h <= 0 for w, h in check["svgs"]):
        problems.append(f"an SVG with an empty bounding box: {check['svgs']}")
    if check["resources"]:
        problems.append(f"requests left the file: {check['resources']}")
    expected = [[t["id"] or "—", t["label"], str(t["count"]), t["share"]] for t in report["tiers"]]
    if check["rows"] != expected:
        problems.append(f"the tier table {check['rows']} is not the JSON's {expected}")
# The report runs no script: any console message is the browser's about the page (a failed load,
# a refused resource), and counts as an error.
messages = [line for line in console.splitlines() if ":CONSOLE" in line]
if messages:
    problems.append(f"console messages: {messages}")
for problem in problems:
    print("   ", problem)
sys.exit(1 if problems else 0)
PY
  then
    echo "ok: $example: loads cleanly, no request, every SVG drawn, tables are the JSON's numbers"
  else
    echo "FAILED: $example"
    fail=1
  fi
done
# A page of charts other than a run's report: loads cleanly, asks for nothing, draws its SVGs.
check_page() { # NAME PAGE.html SVG_COUNT WHAT
  local name=$1 page=$2 count=$3 what=$4
  python3 - "$page" "$T/$name-check.html" << 'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
check = """<script>
window.addEventListener('load', () => {
  const svgs = [...document.querySelectorAll('svg')].map(s => { const b = s.getBBox(); return [b.width, b.height]; });
  const resources = performance.getEntriesByType('resource').map(e => e.name);
  document.body.setAttribute('data-check', JSON.stringify({svgs, resources}));
});
</script>"""
open(sys.argv[2], "w", encoding="utf-8").write(page.replace("</body>", check + "\n</body>"))
PY
  "${browser[@]}" --dump-dom "file://$T/$name-check.html" > "$T/$name-dom.html" 2> /dev/null
  "${browser[@]}" --dump-dom "file://$page" > /dev/null 2> "$T/$name-plain.log"
  if python3 - "$T/$name-dom.html" "$T/$name-plain.log" "$count" << 'PY'
import html, json, re, sys
found = re.search(r'data-check="([^"]*)"', open(sys.argv[1], encoding="utf-8").read())
console = [l for l in open(sys.argv[2], encoding="utf-8", errors="replace").read().splitlines() if ":CONSOLE" in l]
check = json.loads(html.unescape(found.group(1))) if found else None
ok = check is not None and len(check["svgs"]) == int(sys.argv[3]) and all(w > 0 and h > 0 for w, h in check["svgs"]) \
    and not check["resources"] and not console
print("   ", check, console) if not ok else None
sys.exit(0 if ok else 1)
PY
  then
    echo "ok: $name: loads cleanly, no request, $what"
  else
    echo "FAILED: $name"
    fail=1
  fi
}

# The report of a policy change: `ladder diff --format html`, its migration matrix drawn.
"$LADDER" diff policies/b2b-service-tiers.yaml examples/changes/b2b-service-tiers-2024.06.yaml \
  examples/b2b-service-tiers.csv --as-of 2024-03-01 --format html > "$T/diff.html" 2> /dev/null
check_page diff "$T/diff.html" 1 "the migration matrix drawn"

# A year of quarterly runs in a ledger: `ladder ledger report`, the counts and three flows drawn.
for quarter in 2024-03-01 2024-06-01 2024-09-01 2024-12-01; do
  "$LADDER" run policies/b2b-service-tiers.yaml "examples/b2b-quarters/$quarter.csv" --as-of "$quarter" \
    --ledger "$T/quarters.db" --by ci > /dev/null 2>&1
done
"$LADDER" ledger report --ledger "$T/quarters.db" -o "$T/runs.html"
check_page runs "$T/runs.html" 4 "the counts per run and the three flows drawn"
if [ -n "$PNG" ]; then
  "$LADDER" report policies/b2b-service-tiers.yaml examples/b2b-service-tiers.csv --as-of 2024-03-01 \
    -o "$T/report.html" 2> /dev/null
  "${browser[@]}" --window-size=1100,2750 --screenshot="$PNG" "file://$T/report.html" 2> /dev/null
  echo "rendered $PNG"
fi
exit $fail
