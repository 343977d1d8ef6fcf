#!/usr/bin/env python3
"""The benchmark's scorecard (Benchmarks/reference.sql, the DuckDB oracle) in Spark SQL, over the
same folder of headerless CSV parts the Ladder Spark job reads (issue 12):

    spark_sql.py --master "local[2]" --input PARTS --output OUT --policy policies/benchmark-scorecard.yaml

Writes OUT/ as CSV parts without a header line, in the input's order (no shuffle: each output
part is one input part's rows, in order), so that `cat OUT/part-*` is compared byte for byte with
`ladder eval`'s lines. Prints the seconds from the session's start to the output written.
"""
import argparse
import functools
import glob
import hashlib
import os
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql.types import StringType, StructField, StructType

COLUMNS = ["customer_id", "name", "phone", "last_purchase", "orders_12m", "spend_12m",
           "industry_growth", "repurchase_rate", "monthly_spend"]

QUERY = """
WITH typed AS (
  SELECT customer_id,
    CASE WHEN last_purchase IS NULL THEN 9999
         ELSE datediff(DATE '2024-03-01', CAST(last_purchase AS DATE)) END AS recency_days,
    CAST(orders_12m AS INT) AS orders_12m,
    CAST(spend_12m AS DECIMAL(18, 2)) AS spend_12m,
    CAST(industry_growth AS DECIMAL(18, 4)) AS industry_growth,
    CAST(repurchase_rate AS DECIMAL(18, 4)) AS repurchase_rate,
    transform(split(monthly_spend, ';'), x -> CAST(x AS DECIMAL(18, 2))) AS ms
  FROM records
),
scored AS (
  SELECT *,
    ROUND(
      0.20 * CASE WHEN recency_days <= 30 THEN 100 WHEN recency_days <= 60 THEN 80 WHEN recency_days <= 90 THEN 60
                  WHEN recency_days <= 180 THEN 30 ELSE 0 END
      + 0.15 * CASE WHEN orders_12m >= 12 THEN 100 WHEN orders_12m >= 6 THEN 70 WHEN orders_12m >= 3 THEN 40
                    WHEN orders_12m >= 1 THEN 20 ELSE 0 END
      + 0.35 * CASE WHEN spend_12m >= 500000 THEN 100 WHEN spend_12m >= 200000 THEN 80 WHEN spend_12m >= 50000 THEN 50
                    WHEN spend_12m >= 10000 THEN 20 ELSE 0 END
      + 0.15 * CASE WHEN industry_growth >= 0.10 THEN 100 WHEN industry_growth >= 0.05 THEN 60
                    WHEN industry_growth >= 0 THEN 30 ELSE 0 END
      + 0.15 * LEAST(GREATEST(repurchase_rate * 100, 0), 100), 2) AS score
  FROM typed
)
SELECT customer_id, CAST(score AS STRING) AS score,
  CASE WHEN score >= 90 AND repurchase_rate >= 0.80 THEN 'vip' WHEN score >= 70 THEN 'key'
       WHEN score >= 50 THEN 'standard' ELSE 'watch' END AS tier,
  concat_ws(';',
    CASE WHEN element_at(ms, -1) < 0.5 * element_at(ms, -3) AND element_at(ms, -2) < 0.5 * element_at(ms, -4)
         THEN 'reevaluate_now' END,
    CASE WHEN recency_days > 90 THEN 'churn_risk' END) AS flags,
  '2024-03-01' AS as_of, 'benchmark-scorecard' AS policy, '1' AS policy_version, '{sha256}' AS policy_sha256
FROM scored
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--policy", required=True)
    args = parser.parse_args()
    started = time.time()
    spark = (SparkSession.builder.master(args.master).appName("ladder-sql")
             .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    try:
        schema = StructType([StructField(name, StringType()) for name in COLUMNS])
        # Each part read on its own and the parts joined in name order: one scan over the folder
        # packs files into partitions largest first, and the rows would lose the input's order.
        reader = spark.read.option("header", "false").option("quote", '"').option("escape", '"').schema(schema)
        parts = sorted(glob.glob(os.path.join(args.input, "part-*")))
        records = functools.reduce(lambda a, b: a.union(b), [reader.csv(part) for part in parts])
        records.createOrReplaceTempView("records")
        sha256 = hashlib.sha256(open(args.policy, "rb").read()).hexdigest()
        result = spark.sql(QUERY.replace("{sha256}", sha256))
        (result.write.option("header", "false").option("quote", '"').option("escape", '"')
         .option("emptyValue", "").option("nullValue", "").csv(args.output))
        print(f"spark sql: {time.time() - started:.2f} s", file=sys.stderr)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
