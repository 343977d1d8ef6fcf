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
`ladder` exits with an error (its message is in the failure). A policy with population functions
(percentiles, ntiles, ABC classes) needs every record at once: its records are decided in one
task (`--whole-population`), exact but not in parallel (docs/spark.md).
"""

import argparse
import sys

from pyspark.rdd import RDD
from pyspark.serializers import UTF8Deserializer
from pyspark.sql import SparkSession


def ladder_command(args, population):
    command = [args.ladder, "eval", args.policy, "-", "--input-format", args.input_format,
               "--format", args.input_format, "--on-error", args.on_error, "--as-of", args.as_of]
    if args.input_format == "csv":
        command += ["--header", args.columns or "policy"]
        if population:
            command.append("--whole-population")
    return command


def parts_in_order(sc, location):
    """The files of a folder (or a glob), by name, comma-separated for `textFile`: a folder's
    listing is in no particular order, and the parts' order is the records' order."""
    jvm = sc._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    fs = path.getFileSystem(sc._jsc.hadoopConfiguration())
    if fs.exists(path) and fs.getFileStatus(path).isDirectory():
        path = jvm.org.apache.hadoop.fs.Path(location.rstrip("/") + "/*")
    names = sorted(str(status.getPath()) for status in (fs.globStatus(path) or [])
                   if status.isFile() and not status.getPath().getName().startswith(("_", ".")))
    if not names:
        raise SystemExit(f"ladder_spark: no record parts in {location}")
    return ",".join(names)


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
    parser.add_argument("--population", action="store_true",
                        help="the policy has population functions: decide every record in one task")
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
        lines = sc._jsc.textFile(parts_in_order(sc, args.input))
        if args.population:
            # In input order (parts by name, lines in order), in one task.
            lines = lines.coalesce(1)
        command = sc._gateway.jvm.java.util.ArrayList(ladder_command(args, args.population))
        decided = RDD(lines.pipe(command), sc, UTF8Deserializer()).cache()
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
