#!/usr/bin/env bash
# pyspark from PyPI in a virtual environment of its own (.build-spark/venv, out of git), made once:
# the CI test and the benchmark both use it. Prints the environment's python. Run from the
# repository's root.
set -euo pipefail
WORK=.build-spark
mkdir -p "$WORK"
if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c "import pyspark" 2> /dev/null; then
  python3 -m venv "$WORK/venv" >&2
  "$WORK/venv/bin/pip" install --quiet pyspark==4.3.0 >&2
fi
echo "$WORK/venv/bin/python"
