#!/usr/bin/env python3
"""Runs one of the benchmark's SQL files with DuckDB:
duckdb_run.py QUERY.sql INPUT.csv OUTPUT.csv POLICY.yaml

{input}, {output} and {policy_sha256} (the policy file's SHA-256, which every decision names)
are filled in.
"""
import hashlib
import sys
import duckdb

sha256 = hashlib.sha256(open(sys.argv[4], "rb").read()).hexdigest()
query = (open(sys.argv[1], encoding="utf-8").read().replace("{input}", sys.argv[2])
         .replace("{output}", sys.argv[3]).replace("{policy_sha256}", sha256))
duckdb.connect().execute(query)
