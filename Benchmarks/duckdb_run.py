#!/usr/bin/env python3
"""Runs one of the benchmark's SQL files with DuckDB:
duckdb_run.py QUERY.sql INPUT.csv OUTPUT.csv POLICY.yaml

{input}, {output}, {policy} (the policy's id) and {policy_sha256} (the policy file's SHA-256,
which every decision names) are filled in, and {monthly_spend}: the six months of spend as a list
of decimals, from the one `monthly_spend` column (`;` between the months) or, in the CRM-export
shape (generate.py --export), from the columns spend_m1 to spend_m6.
"""
import csv
import hashlib
import re
import sys
import duckdb

policy_text = open(sys.argv[4], "rb").read()
sha256 = hashlib.sha256(policy_text).hexdigest()
policy_id = re.search(rb"^policy: *(\S+)", policy_text, re.MULTILINE).group(1).decode()
with open(sys.argv[2], newline="", encoding="utf-8") as data:
    header = next(csv.reader(data))
if "monthly_spend" in header:
    months = "list_transform(string_split(monthly_spend, ';'), lambda x: CAST(x AS DECIMAL(18, 2)))"
else:
    months = "[" + ", ".join(f"CAST(spend_m{n} AS DECIMAL(18, 2))" for n in range(1, 7)) + "]"
query = (open(sys.argv[1], encoding="utf-8").read().replace("{input}", sys.argv[2])
         .replace("{output}", sys.argv[3]).replace("{policy_sha256}", sha256)
         .replace("{policy}", policy_id).replace("{monthly_spend}", months))
duckdb.connect().execute(query)
