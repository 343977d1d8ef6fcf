#!/usr/bin/env python3
"""Runs one of the benchmark's SQL files with DuckDB: duckdb_run.py QUERY.sql INPUT.csv OUTPUT.csv"""
import sys
import duckdb

query = open(sys.argv[1], encoding="utf-8").read().replace("{input}", sys.argv[2]).replace("{output}", sys.argv[3])
duckdb.connect().execute(query)
