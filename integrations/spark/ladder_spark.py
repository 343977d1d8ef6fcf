"""Ladder on Apache Spark: decide a folder of record parts with `ladder eval`, part by part.

    spark-submit --files ladder,policy.yaml integrations/spark/ladder_spark.py \
        --ladder ./ladder --policy policy.yaml --input parts/ --output decided/ --as-of 2024-03-01

Reads a folder of CSV parts without a header line (the policy's inputs, in the order it declares
them, or the columns given with --columns) or of JSON Lines parts, pipes every partition through
`ladder eval` in the JVM (`JavaRDD.pipe`, which streams lines as they are and fails the task when
the command fails: PySpark's `RDD.pipe` drops a failed command's output unless told to check),
and writes two datasets:

    OUTPUT/decisions   one line per decided record (CSV without a header line, or JSON Lines)
    OUTPUT/rejects     one line per rejected record: `ladder eval --on-error emit`'s error line

Every record read is in one of them; the job checks it and fails otherwise, as it fails when
`ladder` exits with an error (its message is in the failure).

A policy with population functions (percentiles, ntiles, ABC classes) ranks every record in the
whole population (`--population`): each part file's statistics are made in a task of its own
(`ladder stats`), merged in one task (`ladder stats --merge -`) and cached by the executors, and
each part file is then decided in a task of its own that reads them ahead of its records
(`ladder eval --stats -`): the same bytes as one run over every part joined in name order
(docs/spark.md). `--population one-task` pipes every record through one `ladder eval` instead:
faster while the population fits one task.
"""

import argparse
import json
import sys

from pyspark.rdd import RDD
from pyspark.serializers import UTF8Deserializer
from pyspark.sql import SparkSession


def ladder_command(args, *, statistics=None, part=None, whole=False):
    """`ladder eval` over standard input; with the whole population's statistics for a part, or
    over every record of the population (`whole`)."""
    command = [args.ladder, "eval", args.policy, "-", "--input-format", args.input_format,
               "--format", args.input_format, "--on-error", args.on_error, "--as-of", args.as_of]
    if args.input_format == "csv":
        command += ["--header", args.columns or "policy"]
        if whole:
            command.append("--whole-population")
    if statistics:
        command += ["--stats", statistics, "--part", part]
    return command


def stats_command(args, part):
    """`ladder stats` over one part on standard input."""
    command = [args.ladder, "stats", args.policy, "-", "--part", part,
               "--input-format", args.input_format, "--as-of", args.as_of]
    if args.input_format == "csv":
        command += ["--header", args.columns or "policy"]
    return command


def parts_in_order(sc, location):
    """The files of a folder (or a glob), by name: a folder's listing is in no particular order,
    and the parts' order is the records' order."""
    jvm = sc._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    fs = path.getFileSystem(sc._jsc.hadoopConfiguration())
    if fs.exists(path) and fs.getFileStatus(path).isDirectory():
        path = jvm.org.apache.hadoop.fs.Path(location.rstrip("/") + "/*")
    names = sorted(str(status.getPath()) for status in (fs.globStatus(path) or [])
                   if status.isFile() and not status.getPath().getName().startswith(("_", ".")))
    if not names:
        raise SystemExit(f"ladder_spark: no record parts in {location}")
    return names


def java_list(sc, items):
    return sc._gateway.jvm.java.util.ArrayList(items)


def piped(sc, java_rdd, command):
    """`command` over every partition of `java_rdd` in the JVM, as a Python RDD of lines."""
    return RDD(java_rdd.pipe(java_list(sc, command)), sc, UTF8Deserializer())


def decide_population(sc, args, parts):
    """Every part file in a task of its own, ranked in the whole population: its statistics,
    merged in one task, then each part decided with them. The parts keep their order."""
    names = [part.rsplit("/", 1)[-1] for part in parts]
    if len(set(names)) != len(names):
        raise SystemExit("ladder_spark: two parts have the same file name; a part is known by its name")
    # One task per part file: a part's records are numbered from its first line.
    per_part = [sc._jsc.textFile(part).coalesce(1) for part in parts]
    statistics = sc.union([piped(sc, lines, stats_command(args, name)) for lines, name in zip(per_part, names)])
    # Merged in one task, and kept by the executors for the deciding tasks.
    merged = statistics._jrdd.coalesce(1, False).pipe(java_list(sc, [args.ladder, "stats", "--merge", "-"])).cache()
    description = json.loads(RDD(merged, sc, UTF8Deserializer()).take(2)[1])
    entries = sum(site["entries"] for site in description["sites"])
    print(f"population statistics: {len(description['parts'])} parts, {entries} ranked entries",
          file=sys.stderr)
    # Each deciding task reads the statistics, then its part's lines, on one stream: the union's
    # partitions in order, joined without a shuffle. No file has to reach the executors.
    return sc.union([
        piped(sc, merged.union(lines).coalesce(1), ladder_command(args, statistics="-", part=name))
        for lines, name in zip(per_part, names)
    ])


def is_rejection(line, input_format):
    """An error line of `--on-error emit`: CSV's last column (`error`) is filled, JSON Lines'
    object is `{"error":…}`; a decided CSV row ends with its empty error column."""
    if input_format == "csv":
        return not line.endswith(",")
    return line.startswith('{"error"')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ladder", required=True, help="the ladder executable, as the executors see it")
    parser.add_argument("--policy", required=True, help="the policy file, as the executors see it")
    parser.add_argument("--input", required=True, help="a folder (or glob) of record parts")
    parser.add_argument("--output", required=True, help="a folder to create: decisions/ and rejects/")
    parser.add_argument("--input-format", choices=["csv", "jsonl"], default="csv")
    parser.add_argument("--columns", help="the CSV parts' columns, comma-separated (default: the policy's inputs)")
    parser.add_argument("--as-of", required=True, help="the evaluation date, as ladder eval takes it")
    parser.add_argument("--population", nargs="?", const="statistics", choices=["statistics", "one-task"],
                        help="the policy has population functions: rank every record in the whole population, "
                             "with each part's statistics merged (default) or with every record in one task")
    parser.add_argument("--on-error", choices=["emit", "fail"], default="emit",
                        help="emit (default): rejected records go to rejects/; fail: the first one fails the job")
    parser.add_argument("--master", help="the Spark master (default: spark-submit's)")
    args = parser.parse_args(argv)

    builder = SparkSession.builder.appName("ladder").config("spark.ui.showConsoleProgress", "false")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    sc = spark.sparkContext
    try:
        parts = parts_in_order(sc, args.input)
        lines = sc._jsc.textFile(",".join(parts))
        if args.population == "one-task":
            # In input order (parts by name, lines in order), through one `ladder eval`.
            decided = piped(sc, lines.coalesce(1), ladder_command(args, whole=True)).cache()
        elif args.population:
            decided = decide_population(sc, args, parts).cache()
        else:
            decided = piped(sc, lines, ladder_command(args)).cache()
        # Blank lines are no records (ladder passes over them).
        read = RDD(lines, sc, UTF8Deserializer()).filter(lambda line: line.strip() != "").count()
        decisions = decided.filter(lambda line: not is_rejection(line, args.input_format))
        rejects = decided.filter(lambda line: is_rejection(line, args.input_format))
        decisions.saveAsTextFile(args.output + "/decisions")
        rejects.saveAsTextFile(args.output + "/rejects")
        counted = (decisions.count(), rejects.count())
        print(f"read {read}, decided {counted[0]}, rejected {counted[1]}", file=sys.stderr)
        if counted[0] + counted[1] != read:
            raise SystemExit(f"ladder_spark: {read} records read but {sum(counted)} written; the job is not complete")
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
