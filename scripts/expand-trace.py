#!/usr/bin/env python3
"""Expands Ladder's compact traces into the full traced JSON Lines, byte for byte.

    ladder eval POLICY RECORDS --compact-trace -o compact.jsonl
    python3 scripts/expand-trace.py compact.jsonl > full.jsonl   # = ladder eval … --explain

The format is described in docs/compact-trace.md; this reader uses nothing but it (and the
Python standard library), so that anyone can check the expansion against Ladder's own.
"""
import json
import re
import sys

NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')
SHORT_ESCAPES = {'"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t'}


def text(value):
    """A string as Ladder writes JSON: `"`, `\\` and control characters escaped, nothing else."""
    if not NEEDS_ESCAPE.search(value):
        return '"' + value + '"'
    escaped = NEEDS_ESCAPE.sub(lambda m: SHORT_ESCAPES.get(m.group(), '\\u%04x' % ord(m.group())), value)
    return '"' + escaped + '"'


def dump(value):
    """A value as Ladder writes JSON: no spaces, keys in their order."""
    if value is None:
        return 'null'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return text(value)
    if isinstance(value, list):
        return '[' + ','.join(dump(item) for item in value) + ']'
    if isinstance(value, dict):
        return '{' + ','.join(text(key) + ':' + dump(item) for key, item in value.items()) + '}'
    raise ValueError('a value Ladder does not write: %r' % (value,))


def expand(header, values):
    """One decision's full line from its compact array."""
    template = header['templates'][values[0]]
    columns = values[1:]
    out = []
    for part in template['parts']:
        if isinstance(part, str):
            out.append(part)
        elif 'flags' in part:
            out.append('[' + ','.join(flag for column, flag in part['flags'] if columns[column] is True) + ']')
        elif 'text' in part:
            value = columns[part['text']]
            out.append('missing' if value is None else text(value)[1:-1])
        elif 'choices' in part:
            index = columns[part['column']]
            out.append('null' if index is None else header['choices'][part['choices']][index])
        else:
            out.append(dump(columns[part['column']]))
    return ''.join(out)


def main():
    source = open(sys.argv[1], encoding='utf-8', newline='') if len(sys.argv) > 1 else \
        open(sys.stdin.fileno(), encoding='utf-8', newline='')
    output = open(sys.stdout.fileno(), 'w', encoding='utf-8', newline='')
    first = source.readline()
    header = json.loads(first)
    if header.get('compact_trace') != 2:
        sys.exit('expand-trace.py: not a compact trace of version 2: the first line has no "compact_trace": 2')
    for line in source:
        if line.startswith('['):
            output.write(expand(header, json.loads(line)))
        else:
            # A decision the templates cannot express (or an --on-error emit line) is written in full.
            output.write(line)
    output.flush()


if __name__ == '__main__':
    main()
