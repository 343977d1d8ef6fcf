#!/usr/bin/env python3
"""The benchmark's CSV as JSON Lines, the way a JSON export writes it:
python3 to_jsonl.py IN.csv OUT.jsonl [--omit-null]

Every column becomes a key in the CSV's order. Counts and amounts are JSON numbers, the monthly
spend an array of numbers, an empty field null, everything else a string (escaped where JSON
needs it: quotes, line breaks). With --omit-null an empty field's key is left out instead, as
many serializers write an absent value (Swift's JSONEncoder, Jackson's NON_NULL, serde's
skip_serializing_if): the keys of a line then differ from line to line. Ladder reads the same
records from every file, so the decisions must be the same bytes.
"""
import csv, json, re, sys

NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?$")

def value(name, text):
    if text == "":
        return "null"
    if name == "monthly_spend":
        return "[" + ",".join(text.split(";")) + "]"
    if NUMBER.match(text) and not name.endswith("_id") and name not in ("phone", "tax_id"):
        return text
    return json.dumps(text, ensure_ascii=False)

def main(source, target, omit_null=False):
    with open(source, newline="", encoding="utf-8") as inp, open(target, "w", encoding="utf-8", newline="") as out:
        reader = csv.reader(inp)
        header = next(reader)
        keys = [json.dumps(name) for name in header]
        for row in reader:
            pairs = zip(keys, header, row)
            out.write("{" + ",".join(f"{key}:{value(name, text)}" for key, name, text in pairs
                                     if not (omit_null and text == "")) + "}\n")

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], omit_null="--omit-null" in sys.argv[3:])
